"""Runs that share a cache: SIGKILL mid-run then resume, two runs at once, failure history, `refcheck cache`."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.webserver import Reply, WebServer

COMMAND = [sys.executable, "-m", "refcheck"]


def markdown_with_links(base: str, count: int) -> str:
    return "".join(f"- [page {n}]({base}/page/{n})\n" for n in range(count))


def check(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*COMMAND, "check", *args, "--format", "json", "--no-progress", "--allow-private",
                           "--retries", "0"], capture_output=True, text=True, cwd=cwd, timeout=120)


def stored_urls(cache_dir: Path) -> set[str]:
    """What another process has committed so far (nothing while it is still creating the tables)."""
    try:
        with sqlite3.connect(cache_dir / "refcheck.sqlite") as connection:
            return {row[0] for row in connection.execute("select fetched_url from results")}
    except sqlite3.OperationalError:
        return set()


@pytest.fixture
def slow_site():
    with WebServer() as server:
        for n in range(60):
            server.route(f"/page/{n}", Reply(200, f"<title>Page {n}</title><p>text {n}</p>", delay=0.05))
        yield server


def test_a_killed_run_loses_nothing_and_the_rerun_fetches_only_the_rest(slow_site, tmp_path):
    (tmp_path / "links.md").write_text(markdown_with_links(slow_site.base_url, 60))
    process = subprocess.Popen([*COMMAND, "check", "links.md", "--allow-private", "--no-progress", "--per-host", "2",
                                "--format", "json"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if (tmp_path / "cache" / "refcheck.sqlite").exists() and len(stored_urls(tmp_path / "cache")) >= 10:
            break
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    before = stored_urls(tmp_path / "cache")
    assert 10 <= len(before) < 60
    hits_before = len(slow_site.requests)

    result = check(tmp_path, "links.md")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert {u["status"] for u in payload["urls"]} == {"ok"}
    assert sum(u["from_cache"] for u in payload["urls"]) == len(before)
    assert len(slow_site.requests) - hits_before == 60 - len(before)
    with sqlite3.connect(tmp_path / "cache" / "refcheck.sqlite") as connection:
        assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_two_runs_at_once_on_one_cache_both_finish(slow_site, tmp_path):
    (tmp_path / "links.md").write_text(markdown_with_links(slow_site.base_url, 60))
    arguments = [*COMMAND, "check", "links.md", "--allow-private", "--no-progress", "--format", "json", "--retries", "0"]
    first = subprocess.Popen(arguments, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(arguments, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for process in (first, second):
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert len(json.loads(out)["urls"]) == 60
    assert len(stored_urls(tmp_path / "cache")) == 60


def test_confirm_dead_waits_for_separate_runs_and_history_is_reported(tmp_path):
    with WebServer() as server:
        server.route("/gone", Reply(404, "<title>Not Found</title>"))
        (tmp_path / "doc.md").write_text(f"See [the report]({server.url('/gone')}).\n")
        rules = []
        for _ in range(3):
            payload = json.loads(check(tmp_path, "doc.md", "--confirm-dead", "2", "--max-age-failure", "0").stdout)
            rules.append([(f["rule"], f["message"]) for f in payload["documents"][0]["findings"]])
    assert rules[0][0][0] == "unreachable"
    assert rules[1][0][0] == "dead-link" and "2 runs" in rules[1][0][1]
    assert rules[2][0][0] == "dead-link" and "3 runs" in rules[2][0][1]


def test_cache_commands(tmp_path):
    with WebServer() as server:
        server.route("/ok", Reply(200, "<title>OK</title>"))
        (tmp_path / "doc.md").write_text(f"[ok]({server.url('/ok')})\n")
        check(tmp_path, "doc.md")
    stats = subprocess.run([*COMMAND, "cache", "stats", "--format", "json"], capture_output=True, text=True, cwd=tmp_path)
    assert json.loads(stats.stdout)["entries"] == 1
    pruned = subprocess.run([*COMMAND, "cache", "prune", "--older-than", "1d"], capture_output=True, text=True, cwd=tmp_path)
    assert pruned.stdout.strip() == "removed 0 entries"
    cleared = subprocess.run([*COMMAND, "cache", "clear"], capture_output=True, text=True, cwd=tmp_path)
    assert cleared.stdout.strip() == "removed 1 entries"


def test_a_corrupt_cache_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "refcheck.sqlite").write_bytes(b"this is not a database" * 100)
    (tmp_path / "doc.md").write_text("[x](https://example.org/)\n")
    result = check(tmp_path, "doc.md", "--offline")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_run_killed_mid_fetch_with_its_worker_keeps_every_committed_row_and_the_rerun_completes(tmp_path):
    """SIGKILL to a whole big run (the CLI and its forked worker, each with a batched cache writer, both writing the
    file) while it fetches: the file passes SQLite's integrity check, every row committed before the kill is still
    there unchanged, and a rerun completes, answering exactly those URLs from the cache and fetching the rest."""
    count = 200  # per host; 400 network fetches make two fetching processes (fetch/workers.py)
    with WebServer() as first, WebServer(host="127.0.0.2") as second:
        urls = []
        for name, server in (("one", first), ("two", second)):
            for n in range(count):
                title = f"Report {n} from server {name}"
                server.route(f"/page/{n}", Reply(200, f"<title>{title}</title><p>text {n}</p>", delay=0.05))
                urls.append((server.url(f"/page/{n}"), title))
        (tmp_path / "links.md").write_text("# Sources\n\n" + "".join(f"- [{t}]({u})\n" for u, t in urls))
        cache_file = tmp_path / "cache" / "refcheck.sqlite"
        process = subprocess.Popen([*COMMAND, "check", "links.md", "--allow-private", "--no-progress", "--format",
                                    "json", "--no-archive", "--retries", "0"], cwd=tmp_path,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        snapshot: dict[str, tuple] = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(snapshot) < 80 and process.poll() is None:
            try:
                with sqlite3.connect(f"file:{cache_file}?mode=ro", uri=True) as observer:
                    snapshot = {row[0]: row for row in observer.execute(
                        "select fetched_url, status, http_status, page, etag, stored_at from results")}
            except sqlite3.OperationalError:
                pass  # not created yet
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGKILL)  # the run and its worker process, at once
        process.wait()
        assert process.returncode == -signal.SIGKILL
        assert 80 <= len(snapshot) < 2 * count, len(snapshot)
        time.sleep(0.2)  # the worker's own exit

        with sqlite3.connect(cache_file) as connection:
            assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"
            after = {row[0]: row for row in connection.execute(
                "select fetched_url, status, http_status, page, etag, stored_at from results")}
        assert {url: after.get(url) for url in snapshot} == snapshot  # committed before the kill: intact
        titles = dict(urls)
        assert all(json.loads(row[3])["title"] == titles[url] for url, row in after.items())
        seen = {id(server): len(server.requests) for server in (first, second)}

        result = check(tmp_path, "links.md", "--no-archive")
        assert result.returncode == 0, result.stderr
        payload = json.loads(result.stdout)
        assert len(payload["urls"]) == 2 * count and {u["status"] for u in payload["urls"]} == {"ok"}
        assert all(u["title"] == titles[u["url"]] for u in payload["urls"])
        reused = {u["url"] for u in payload["urls"] if u["from_cache"]}
        assert reused == set(after)
        fetched = [r.path for server in (first, second) for r in server.requests[seen[id(server)]:]]
        assert sum(path.startswith("/page/") for path in fetched) == 2 * count - len(after)  # only the rest
    with sqlite3.connect(cache_file) as connection:
        assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert connection.execute("select count(*) from results").fetchone()[0] == 2 * count
