"""The report memo: an identical rerun on unchanged, fresh cache entries reuses the stored report, and nothing else does."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import refcheck.pipeline
from refcheck.cli import cli
from refcheck import memo
from refcheck.settings import Settings
from tests.webserver import Reply, WebServer

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def site():
    with WebServer() as server:
        server.route("/a", Reply(200, "<title>Budget report</title><p>The budget is 1兆円.</p>"))
        server.route("/gone", Reply(404, "<title>Not found</title>"))
        yield server


@pytest.fixture
def document(site, tmp_path) -> Path:
    path = tmp_path / "doc.md"
    path.write_text(f"- [Budget report]({site.url('/a')})\n- [Old page]({site.url('/gone')})\n", encoding="utf-8")
    return path


@pytest.fixture
def full_runs(monkeypatch) -> list[int]:
    """Counts the runs that went through the pipeline (a reused report does not)."""
    calls: list[int] = []
    real = refcheck.pipeline.check_paths

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(refcheck.pipeline, "check_paths", counted)
    return calls


def run_check(tmp_path: Path, document: Path, *extra: str):
    """`refcheck check` in-process; JSON to a file, text to stdout (not a terminal here)."""
    arguments = ["check", str(document), "--allow-private", "--no-progress", "--retries", "0", "--no-archive",
                 "--cache-dir", str(tmp_path / "cache"), "--format", "json", "--output", str(tmp_path / "out.json"),
                 "--format", "text", *extra]
    result = CliRunner().invoke(cli, arguments, catch_exceptions=False)
    return result.exit_code, (tmp_path / "out.json").read_text(encoding="utf-8"), result.output


def memo_rows(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "cache" / "refcheck.sqlite") as conn:
        return conn.execute("SELECT count(*) FROM report_memos").fetchone()[0]


def test_an_identical_rerun_reuses_the_report_of_the_first_cache_answered_run(site, document, tmp_path, full_runs):
    cold = run_check(tmp_path, document)
    assert memo_rows(tmp_path) == 0  # a run that fetched is not kept: its report says "fetched", a rerun's "cached"
    warm = run_check(tmp_path, document)
    assert memo_rows(tmp_path) == 1
    requests = len(site.requests)
    again = run_check(tmp_path, document)

    assert len(full_runs) == 2  # the third run did not go through the pipeline
    assert again == warm  # byte for byte, both outputs, and the exit code
    assert warm[0] == cold[0] == 1  # the 404 is an error finding
    assert [u["from_cache"] for u in json.loads(warm[1])["urls"]] == [True, True]
    assert len(site.requests) == requests


@pytest.mark.parametrize("change", ["document", "fail-on", "format", "entry stored again", "entry pruned",
                                    "history", "memo damaged"])
def test_anything_the_report_rests_on_changing_means_a_full_run(site, document, tmp_path, full_runs, change):
    run_check(tmp_path, document)
    warm = run_check(tmp_path, document)
    database = tmp_path / "cache" / "refcheck.sqlite"
    extra: tuple[str, ...] = ()
    if change == "document":
        document.write_text(document.read_text(encoding="utf-8") + "\nMore text.\n", encoding="utf-8")
    elif change == "fail-on":
        extra = ("--fail-on", "never")
    elif change == "format":
        extra = ("--verbose",)
    elif change == "entry stored again":  # another document's run refetches a shared URL (max-age 0)
        other = tmp_path / "other.md"
        other.write_text(f"[Budget report]({site.url('/a')})\n", encoding="utf-8")
        run_check(tmp_path, other, "--max-age", "0")
    elif change == "entry pruned":
        with sqlite3.connect(database) as conn:
            conn.execute("DELETE FROM results WHERE fetched_url = ?", (site.url("/a"),))
    elif change == "history":  # same stored row, another failure count
        with sqlite3.connect(database) as conn:
            conn.execute("UPDATE history SET failed_runs = failed_runs + 1 WHERE url = ?", (site.url("/gone"),))
    elif change == "memo damaged":
        with sqlite3.connect(database) as conn:
            conn.execute("UPDATE report_memos SET outputs = 'not json'")
    runs_before = len(full_runs)
    rerun = run_check(tmp_path, document, *extra)
    assert len(full_runs) == runs_before + 1
    if change in ("memo damaged", "entry stored again"):
        assert rerun[0] == warm[0] and json.loads(rerun[1])["summary"] == json.loads(warm[1])["summary"]


def test_a_stale_entry_or_a_clock_moved_back_means_no_reuse(site, document, tmp_path, full_runs):
    run_check(tmp_path, document)
    run_check(tmp_path, document)
    with sqlite3.connect(tmp_path / "cache" / "refcheck.sqlite") as conn:
        key, fresh_until, newest = conn.execute("SELECT key, fresh_until, newest FROM report_memos").fetchone()
    cache_dir = tmp_path / "cache"
    assert memo.stored_report(cache_dir, key, now=newest) is not None
    assert memo.stored_report(cache_dir, key, now=fresh_until - 1) is not None
    assert memo.stored_report(cache_dir, key, now=fresh_until) is None  # the 404's one-day max-age ran out
    assert memo.stored_report(cache_dir, key, now=newest - 1) is None
    assert fresh_until - newest <= 86400  # the failure's max-age, not the success's seven days


def test_a_document_without_urls_is_reused_for_ever(tmp_path, full_runs):
    document = tmp_path / "plain.md"
    document.write_text("Nothing to fetch here.\n", encoding="utf-8")
    first, second, third = (run_check(tmp_path, document) for _ in range(3))
    assert len(full_runs) == 1 and first == second == third
    with sqlite3.connect(tmp_path / "cache" / "refcheck.sqlite") as conn:
        assert conn.execute("SELECT fresh_until FROM report_memos").fetchone()[0] == float("inf")


@pytest.mark.parametrize("extra", [("--no-cache",), ("--offline",), ("--output", "text.txt", "--format", "github")])
def test_runs_whose_report_rests_on_more_than_the_cache_keep_nothing(site, document, tmp_path, extra, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_check(tmp_path, document)
    for _ in range(2):
        run_check(tmp_path, document, *extra)
    assert memo_rows(tmp_path) == 0


def test_a_cache_clear_removes_the_memos(site, document, tmp_path):
    run_check(tmp_path, document)
    run_check(tmp_path, document)
    assert memo_rows(tmp_path) == 1
    stats = CliRunner().invoke(cli, ["cache", "stats", "--format", "json", "--cache-dir", str(tmp_path / "cache")])
    assert json.loads(stats.output)["stored_reports"] == 1
    CliRunner().invoke(cli, ["cache", "clear", "--cache-dir", str(tmp_path / "cache")], catch_exceptions=False)
    assert memo_rows(tmp_path) == 0


def test_a_busy_cache_means_the_report_is_not_kept_and_the_run_still_succeeds(site, document, tmp_path, monkeypatch):
    run_check(tmp_path, document)
    monkeypatch.setattr(memo, "BUSY_TIMEOUT", 0.05)
    blocker = sqlite3.connect(tmp_path / "cache" / "refcheck.sqlite", isolation_level=None)
    real = refcheck.pipeline.check_paths

    def then_another_run_takes_the_write_lock(*args, **kwargs):
        report = real(*args, **kwargs)
        blocker.execute("BEGIN IMMEDIATE")
        return report

    monkeypatch.setattr(refcheck.pipeline, "check_paths", then_another_run_takes_the_write_lock)
    try:
        code, report, _ = run_check(tmp_path, document)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert code == 1 and len(json.loads(report)["urls"]) == 2
    assert memo_rows(tmp_path) == 0


def test_the_key_is_the_same_in_every_process(tmp_path):
    """Sets in the settings iterate in a per-process order; the key must not."""
    document = tmp_path / "doc.md"
    document.write_text("text\n", encoding="utf-8")
    program = (
        "from pathlib import Path\n"
        "from refcheck.memo import memo_key\n"
        "from refcheck.settings import Settings\n"
        "settings = Settings(disabled_rules=frozenset({'uncited-claim', 'site-mismatch', 'title-mismatch', 'redirect'}))\n"
        f"print(memo_key([Path({str(document)!r})], settings, {{'formats': ['json']}}))\n"
    )
    keys = {subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=60,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(keys) == 1
    assert memo.memo_key([document], Settings(), {"formats": ["json"]}) != memo.memo_key(
        [document], Settings(disabled_rules=frozenset({"redirect"})), {"formats": ["json"]})


def test_the_key_changes_with_the_working_directory(tmp_path, monkeypatch):
    """SARIF gives an absolute document path relative to the working directory."""
    document = tmp_path / "doc.md"
    document.write_text("text\n", encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path)
    here = memo.memo_key([document], Settings(), {"formats": ["sarif"]})
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert memo.memo_key([document], Settings(), {"formats": ["sarif"]}) != here


def test_the_key_changes_with_the_code(tmp_path, monkeypatch):
    document = tmp_path / "doc.md"
    document.write_text("text\n", encoding="utf-8")
    before = memo.memo_key([document], Settings(), {})
    monkeypatch.setattr(memo, "code_fingerprint", lambda *patterns: "another refcheck")
    assert memo.memo_key([document], Settings(), {}) != before


def test_a_reused_report_loads_neither_the_pipeline_nor_the_cache_class(site, document, tmp_path):
    arguments = [str(document), "--allow-private", "--no-progress", "--no-archive", "--retries", "0",
                 "--cache-dir", str(tmp_path / "cache"), "--format", "json"]
    program = (
        "import json, sys\n"
        "from refcheck.cli import main\n"
        f"sys.argv = ['refcheck', 'check', *{arguments!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as done:\n"
        "    code = done.code\n"
        "loaded = [name for name in ('refcheck.pipeline', 'refcheck.fetch.cache', 'sqlite_utils') if name in sys.modules]\n"
        "print(json.dumps({'code': code, 'loaded': loaded}), file=sys.stderr)\n"
    )

    def run() -> tuple[dict, str]:
        done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120, cwd=ROOT)
        return json.loads(done.stderr.strip().splitlines()[-1]), done.stdout

    cold, _ = run()
    warm, warm_report = run()
    reused, reused_report = run()
    assert cold["loaded"] == ["refcheck.pipeline", "refcheck.fetch.cache", "sqlite_utils"]  # sqlite-utils: the tables
    assert warm["loaded"] == ["refcheck.pipeline", "refcheck.fetch.cache"]
    assert reused == {"code": 1, "loaded": []}
    assert reused_report == warm_report


def test_a_document_edited_during_the_run_is_not_filed_under_its_old_text(site, document, tmp_path, monkeypatch):
    run_check(tmp_path, document)
    real = refcheck.pipeline.check_paths

    def edited_while_running(*args, **kwargs):
        report = real(*args, **kwargs)
        document.write_text(document.read_text(encoding="utf-8") + "\nAn edit.\n", encoding="utf-8")
        return report

    monkeypatch.setattr(refcheck.pipeline, "check_paths", edited_while_running)
    run_check(tmp_path, document)
    assert memo_rows(tmp_path) == 0


def test_old_memos_make_way_for_new_ones_by_count_and_by_size(tmp_path, monkeypatch):
    from refcheck.fetch.cache import FetchCache
    from refcheck.models import CacheBasis

    FetchCache(tmp_path / "cache").close()  # the tables
    basis = CacheBasis(parts=(), fresh_until=float("inf"), newest=0.0)
    monkeypatch.setattr(memo, "KEPT_MEMOS", 3)
    for n in range(5):
        assert memo.store_report(tmp_path / "cache", f"key {n}", basis, ["x" * 10], 0)
    assert memo_keys(tmp_path) == {"key 2", "key 3", "key 4"}
    monkeypatch.setattr(memo, "KEPT_CHARS", 30)  # room for two outputs of 10 characters (stored as JSON: 14 each)
    assert memo.store_report(tmp_path / "cache", "key 5", basis, ["x" * 10], 0)
    assert memo_keys(tmp_path) == {"key 4", "key 5"}
    monkeypatch.setattr(memo, "MAX_MEMO_CHARS", 5)
    assert not memo.store_report(tmp_path / "cache", "too big", basis, ["x" * 10], 0)


def memo_keys(tmp_path: Path) -> set[str]:
    with sqlite3.connect(tmp_path / "cache" / "refcheck.sqlite") as conn:
        return {row[0] for row in conn.execute("SELECT key FROM report_memos")}


def test_two_identical_reruns_at_once_both_finish_and_keep_one_memo(site, document, tmp_path):
    arguments = [sys.executable, "-m", "refcheck", "check", str(document), "--allow-private", "--no-progress",
                 "--no-archive", "--retries", "0", "--cache-dir", str(tmp_path / "cache"), "--format", "json"]
    subprocess.run(arguments, capture_output=True, timeout=120, cwd=ROOT)  # cold
    runs = [subprocess.Popen(arguments, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [1, 1], [err for _, err in outputs]
    assert outputs[0][0] == outputs[1][0] and json.loads(outputs[0][0])["urls"]
    assert memo_rows(tmp_path) == 1
    reused = subprocess.run(arguments, capture_output=True, timeout=120, cwd=ROOT)
    assert reused.returncode == 1 and reused.stdout == outputs[0][0]


def test_verbose_says_when_the_report_is_reused(site, document, tmp_path):
    arguments = ["check", str(document), "--allow-private", "--no-progress", "--no-archive", "--retries", "0",
                 "--cache-dir", str(tmp_path / "cache"), "--format", "json", "--verbose"]
    said = [CliRunner().invoke(cli, arguments).stderr for _ in range(3)]
    assert "report reused" not in said[0] + said[1]
    assert said[2].strip() == ("refcheck: same documents, options and cache entries as an earlier run: "
                               "its report reused")
