"""The command line end to end, as a user runs it: exit codes, one-line errors, and the refcheck/1 JSON contract."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_EXPORT, need_shared

EXPORT = """User: 質問です。 edit
質問です。
Assistant: 回答です。 edit
回答です。 経済産業省は5年で1兆円規模の支援を予定していると報じられています。TBS NEWS DIG[1]
OpenAIへの投資は数十億ドル規模と発表された。[2][3]
References edit
- ↑ "経産省、国産AIに1兆円支援へ". TBS NEWS DIG. Retrieved 2025-12-26. https://newsdig.tbs.co.jp/articles/-/123
- ↑ "ソフトバンクグループ株式会社". group.softbank. Retrieved 2025-12-26.
"""


def run(*args: str, cwd: Path | None = None, limit_memory: int | None = None) -> subprocess.CompletedProcess:
    def limits():
        if limit_memory:
            resource.setrlimit(resource.RLIMIT_AS, (limit_memory, limit_memory))

    return subprocess.run([sys.executable, "-m", "refcheck", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300, preexec_fn=limits)


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("refcheck: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture
def export(tmp_path) -> Path:
    path = tmp_path / "answer.txt"
    path.write_text(EXPORT, encoding="utf-8")
    return path


def test_help_explains_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for word in ("extract", "check", "cache", "Exit codes"):
        assert word in result.stdout


def test_extract_json_contract(export):
    result = run("extract", str(export), "--format", "json")
    payload = json.loads(result.stdout)
    assert payload["schema"] == "refcheck/1"
    document = payload["documents"][0]
    assert document["format"] == "text"
    assert set(document) >= {"path", "format", "references", "markers", "links", "claims", "findings"}
    first = document["references"][0]
    assert first.items() >= {"id": "1", "title": "経産省、国産AIに1兆円支援へ", "site": "TBS NEWS DIG",
                             "url": "https://newsdig.tbs.co.jp/articles/-/123", "retrieved": "2025-12-26", "line": 7,
                             "archive_url": None}.items()
    assert [(m["ref"], m["line"]) for m in document["markers"]] == [("1", 4), ("2", 5), ("3", 5)]
    rules = {(f["rule"], f["ref"]) for f in document["findings"]}
    assert ("missing-reference", "3") in rules
    assert ("no-url", "2") in rules
    assert ("generic-title", "2") in rules
    for item in document["findings"]:
        assert set(item) >= {"rule", "severity", "line", "url", "ref", "message"}
        assert item["severity"] in ("error", "warning", "info")
    # missing-reference is an error, so the default --fail-on error exits 1
    assert result.returncode == 1
    assert payload["summary"]["findings"]["error"] >= 1


def test_fail_on_controls_the_exit_code(export):
    assert run("extract", str(export), "--format", "json", "--fail-on", "never").returncode == 0
    assert run("extract", str(export), "--format", "json", "--fail-on", "info").returncode == 1


def test_text_report_names_path_and_line(export):
    result = run("extract", str(export))
    assert f"{export}:5" in result.stdout and "missing-reference" in result.stdout


def test_missing_path_is_one_line_and_exit_2(tmp_path):
    assert "no such file" in one_line_error(run("extract", str(tmp_path / "missing.txt")))


def test_binary_file_is_one_line_and_exit_2(tmp_path):
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x00\x01\x02\xff" * 1000)
    assert "binary" in one_line_error(run("extract", str(path)))


def test_unknown_option_is_a_usage_error(export):
    result = run("extract", str(export), "--format", "yaml")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_bad_regex_is_one_line(export):
    assert "regular expression" in one_line_error(run("check", str(export), "--exclude", "(", "--offline"))


def test_empty_file_gives_an_empty_document(tmp_path):
    path = tmp_path / "empty.md"
    path.write_text("")
    result = run("extract", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)["documents"][0]
    assert document["references"] == [] and document["findings"] == []


def test_directory_is_searched(tmp_path, export):
    (tmp_path / "notes.md").write_text("See [the report](https://example.org/report).\n")
    (tmp_path / "ignored.bin").write_bytes(b"\x00" * 10)
    payload = json.loads(run("extract", str(tmp_path), "--format", "json").stdout)
    assert sorted(Path(d["path"]).name for d in payload["documents"]) == ["answer.txt", "notes.md"]


@pytest.mark.parametrize("encoding", ["shift_jis", "euc_jp"])
def test_legacy_japanese_files_decode(tmp_path, encoding):
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(EXPORT.encode(encoding))
    document = json.loads(run("extract", str(path), "--format", "json").stdout)["documents"][0]
    assert document["references"][0]["title"] == "経産省、国産AIに1兆円支援へ"


def test_output_file_and_stdout_in_one_run(export, tmp_path):
    target = tmp_path / "out" / "report.json"
    result = run("extract", str(export), "--format", "json", "--output", str(target), "--format", "text")
    # the first --format pairs with the first --output; the one left over goes to stdout
    assert json.loads(target.read_text())["schema"] == "refcheck/1"
    assert "missing-reference" in result.stdout and not result.stdout.lstrip().startswith("{")


def test_ten_thousand_references(tmp_path):
    lines = ["Assistant: 大量の参照。 edit", "大量の参照。" + "".join(f"[{n}]" for n in range(1, 10001)), "References edit"]
    lines += [f'- ↑ "記事{n}". 例新聞. Retrieved 2025-12-26. https://example.org/a/{n}' for n in range(1, 10001)]
    path = tmp_path / "many.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    document = json.loads(run("extract", str(path), "--format", "json", "--fail-on", "never").stdout)["documents"][0]
    assert len(document["references"]) == 10000
    assert document["references"][-1].items() >= {"id": "10000", "title": "記事10000", "site": "例新聞",
                                                  "url": "https://example.org/a/10000", "retrieved": "2025-12-26",
                                                  "line": 10003, "archive_url": None}.items()
    assert len(document["markers"]) == 10000


def test_fifty_megabyte_file_with_bounded_memory(tmp_path):
    paragraph = ("日本のAI政策について議論する。政府は計画を策定したと報じられた。"
                 "See https://example.org/page for details, and more words follow here.\n")
    path = tmp_path / "big.txt"
    repeats = 50 * 1024 * 1024 // len(paragraph.encode())
    path.write_text(paragraph * repeats, encoding="utf-8")
    result = run("extract", str(path), "--format", "json", "--fail-on", "never", limit_memory=3 * 1024**3)
    assert result.returncode == 0, result.stderr[-500:]
    assert json.loads(result.stdout)["summary"]["links"] == repeats


def test_sample_export_extraction():
    sample = need_shared(SAMPLE_EXPORT)
    document = json.loads(run("extract", str(sample), "--format", "json").stdout)["documents"][0]
    assert [r["id"] for r in document["references"]] == [str(n) for n in range(1, 14)]
    assert [m["line"] for m in document["markers"]] == [2, 28, 29, 30, 31, 32, 33, 34, 113, 114, 115, 116, 123]
    inline = [(l["line"], l["url"]) for l in document["links"] if l["ref"] is None]
    assert inline == [(24, "https://digital.asahi.com/articles/ASTD23HX0TD2ULFA00YM.html"),
                      (108, "https://www.yomiuri.co.jp/economy/20251220-GYT1T00281/")]


def test_several_formats_in_one_run_and_the_github_step_summary(export, tmp_path):
    import os
    import xml.etree.ElementTree as ElementTree

    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    result = subprocess.run(
        [sys.executable, "-m", "refcheck", "extract", str(export), "--format", "sarif", "--output", str(tmp_path / "r.sarif"),
         "--format", "junit", "--output", str(tmp_path / "r.xml"), "--format", "markdown", "--output",
         str(tmp_path / "r.md"), "--format", "github"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 1, result.stderr
    sarif = json.loads((tmp_path / "r.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} >= {"missing-reference", "no-url"}
    suites = ElementTree.parse(tmp_path / "r.xml").getroot()
    assert suites.tag == "testsuites" and int(suites.get("tests")) >= 2
    assert "missing-reference" in (tmp_path / "r.md").read_text()
    assert any(line.startswith("::error file=") and "missing-reference" in line for line in result.stdout.splitlines())
    assert summary.read_text().startswith("earlier step\n") and "missing-reference" in summary.read_text()


def test_output_extension_chooses_the_format_when_none_is_given(export, tmp_path):
    result = run("extract", str(export), "--output", str(tmp_path / "r.html"), "--output", str(tmp_path / "r.json"))
    assert result.stdout == ""
    assert (tmp_path / "r.html").read_text().lstrip().lower().startswith("<!doctype html")
    assert json.loads((tmp_path / "r.json").read_text())["schema"] == "refcheck/1"


def test_the_command_leaves_with_every_byte_written_and_its_status(tmp_path):
    """`refcheck` ends with os._exit (no interpreter teardown): stdout must still be complete, the status kept."""
    document = tmp_path / "refs.md"
    document.write_text("".join(f"- [Page {n}](https://example.org/{n})\n" for n in range(3000)), encoding="utf-8")
    done = run("extract", str(document), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["documents"][0]["links"]) == 3000  # ~400 KB through a pipe, all of it
    assert run("extract", str(tmp_path / "missing.md")).returncode == 2
    assert run("--version").returncode == 0


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    document = tmp_path / "refs.md"
    document.write_text("".join(f"- [Page {n}](https://example.org/{n})\n" for n in range(3000)), encoding="utf-8")
    reader = subprocess.Popen(["head", "-c", "100"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    writer = subprocess.run([sys.executable, "-m", "refcheck", "extract", str(document), "--format", "json"],
                            stdout=reader.stdin, stderr=subprocess.PIPE, text=True, timeout=120)
    reader.stdin.close()
    reader.wait(timeout=30)
    assert "Traceback" not in writer.stderr and "Exception ignored" not in writer.stderr, writer.stderr


def test_exit_status_follows_the_interpreters_rules(capsys):
    from refcheck.cli import _exit_status

    assert [_exit_status(None), _exit_status(0), _exit_status(1), _exit_status(130)] == [0, 0, 1, 130]
    assert _exit_status("refcheck: gone") == 1 and capsys.readouterr().err == "refcheck: gone\n"


def test_a_profiler_gets_its_data_with_refcheck_no_fast_exit(tmp_path):
    """`refcheck` leaves with os._exit, which skips cProfile's write at exit; REFCHECK_NO_FAST_EXIT=1 exits normally
    (bench/run.py --profile relies on it)."""
    import os

    document = tmp_path / "doc.md"
    document.write_text("# T\n\nSee [a](https://example.org/).\n", encoding="utf-8")

    def profile(name: str, **env: str) -> Path:
        out = tmp_path / name
        completed = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "refcheck", "extract",
                                    str(document), "--format", "json"], capture_output=True, text=True, timeout=120,
                                   env={**os.environ, **env})
        assert completed.returncode == 0, completed.stderr
        assert json.loads(completed.stdout)["schema"] == "refcheck/1"
        return out

    assert not profile("fast.prof").exists()  # the fast exit: nothing written
    assert profile("normal.prof", REFCHECK_NO_FAST_EXIT="1").stat().st_size > 0
