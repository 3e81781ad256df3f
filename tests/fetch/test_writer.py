"""The cache's writer thread and FetchCache.store_many on a real SQLite file: group commits, history, errors, SIGKILL."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from refcheck.errors import CacheError
from refcheck.fetch import fetch_all
from refcheck.fetch.cache import CACHE_FILENAME, FetchCache
from refcheck.fetch.writer import ResultWriter
from refcheck.models import FetchResult, PageFacts, UrlStatus
from tests.webserver import Reply

REPO = Path(__file__).resolve().parents[2]


def result(url: str, status: UrlStatus, http_status: int | None = None) -> FetchResult:
    page = PageFacts(title=f"title of {url}", main_text=f"text of {url}") if status is UrlStatus.OK else None
    return FetchResult(url=url, fetched_url=url, status=status, http_status=http_status, page=page)


def ok(url: str) -> FetchResult:
    return result(url, UrlStatus.OK, 200)


def dead(url: str) -> FetchResult:
    return result(url, UrlStatus.DEAD, 404)


def history(cache_dir: Path) -> dict[str, tuple]:
    with sqlite3.connect(cache_dir / CACHE_FILENAME) as connection:
        rows = connection.execute("SELECT url, first_failed, failed_runs, last_status FROM history")
        return {url: tuple(rest) for url, *rest in rows}


def fail_writes_to(cache_dir: Path, pattern: str) -> None:
    """Make SQLite itself refuse to store matching URLs (a real write error, raised inside the transaction)."""
    FetchCache(cache_dir).close()
    with sqlite3.connect(cache_dir / CACHE_FILENAME) as connection:
        quoted = pattern.replace("'", "''")  # a trigger cannot take parameters
        connection.execute(
            f"CREATE TRIGGER refuse BEFORE INSERT ON results WHEN NEW.fetched_url LIKE '{quoted}'"
            " BEGIN SELECT RAISE(ABORT, 'disk says no'); END")


class CountingCache(FetchCache):
    """A real cache that records each batch it commits; `hold` keeps the first batch's commit waiting."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.batches: list[list[str]] = []
        self.inside = threading.Event()  # the first store_many call has begun
        self.hold = threading.Event()
        self.hold.set()

    def store_many(self, items):
        items = list(items)
        self.inside.set()
        self.hold.wait(10)
        stored = super().store_many(items)
        self.batches.append([r.url for r, _, _ in items])
        return stored


class SlowCache(FetchCache):
    """A real cache whose batches take a while to commit, as on a busy disk."""

    def store_many(self, items):
        time.sleep(0.1)
        return super().store_many(items)


def run(coroutine):
    return asyncio.run(coroutine)


# ── store_many ───────────────────────────────────────────────────────────────────────────────────────────────────


def test_store_many_returns_what_store_returns_item_for_item(tmp_path):
    urls = [f"https://site.example/{n}" for n in range(6)]
    earlier = {urls[0]: dead, urls[1]: dead, urls[2]: dead, urls[3]: ok}
    items = [(ok(urls[0]), '"e0"', None), (dead(urls[1]), None, "Tue, 01 Sep 2026 00:00:00 GMT"),
             (result(urls[2], UrlStatus.BLOCKED, 403), None, None), (result(urls[3], UrlStatus.TIMEOUT), None, None),
             (result(urls[4], UrlStatus.UNSAFE), None, None), (dead(urls[5]), None, None), (dead(urls[5]), None, None)]
    answers = {}
    for name, store_all in (("one by one", lambda c: [c.store(r, etag=e, last_modified=m) for r, e, m in items]),
                            ("batch", lambda c: c.store_many(items))):
        directory = tmp_path / name.replace(" ", "-")
        with FetchCache(directory, run_id="earlier") as cache:
            for url, make in earlier.items():
                cache.store(make(url))
        with FetchCache(directory, run_id="now") as cache:
            answers[name] = (store_all(cache), cache.lookup_many(urls), history(directory))

    one_by_one, batch = answers["one by one"], answers["batch"]
    assert batch[0] == one_by_one[0]  # the returned results, in order
    assert {u: (e.result, e.etag, e.last_modified) for u, e in batch[1].items()} == \
           {u: (e.result, e.etag, e.last_modified) for u, e in one_by_one[1].items()}
    assert batch[2] == one_by_one[2]
    returned = batch[0]
    assert (returned[0].first_failed, returned[0].failed_runs) == (None, 0)  # ok ends the streak
    assert returned[1].failed_runs == 2 and returned[1].first_failed is not None  # a second run's failure
    assert returned[2].status is UrlStatus.BLOCKED and returned[2].failed_runs == 1  # blocked reports the streak
    assert returned[3].failed_runs == 1  # the first failure after a success
    assert returned[4] is items[4][0] and urls[4] not in batch[1]  # decided by the run: not stored
    assert returned[5].failed_runs == returned[6].failed_runs == 1  # twice in one run counts once


def test_store_many_commits_all_of_a_batch_or_none(tmp_path):
    fail_writes_to(tmp_path, "%/boom")
    with FetchCache(tmp_path) as cache:
        with pytest.raises(CacheError, match="disk says no"):
            cache.store_many([(ok("https://a.example/1"), None, None), (ok("https://a.example/boom"), None, None)])
        assert cache.lookup_many(["https://a.example/1"]) == {}
        assert cache.store_many([(ok("https://a.example/2"), None, None)])[0].status is UrlStatus.OK
        assert set(cache.lookup_many(["https://a.example/2"])) == {"https://a.example/2"}


# ── the writer thread ────────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("max_batch, expected", [(500, [1, 200]), (64, [1, 64, 64, 64, 8])])
def test_rows_that_arrive_during_a_commit_go_in_one_transaction(tmp_path, max_batch, expected):
    urls = [f"https://site.example/{n}" for n in range(201)]

    async def store_them(cache: CountingCache):
        writer = ResultWriter(cache, asyncio.get_running_loop(), max_batch=max_batch)
        cache.hold.clear()
        first = await writer.store(ok(urls[0]))  # an ok result is answered at once, its commit is under way
        await asyncio.to_thread(cache.inside.wait, 10)
        # While the first commit is held, 200 results arrive: half ok (not waited for), half dead (waited for).
        waiting = [asyncio.ensure_future(writer.store(dead(url) if n % 2 else ok(url)))
                   for n, url in enumerate(urls[1:])]
        await asyncio.sleep(0.05)
        assert not any(task.done() and task.result().status is UrlStatus.DEAD for task in waiting)
        cache.hold.set()
        answered = await asyncio.gather(*waiting)
        await writer.finish()
        return [first, *answered]

    with CountingCache(tmp_path, run_id="run") as cache:
        answered = run(store_them(cache))
        assert [len(batch) for batch in cache.batches] == expected
        assert [url for batch in cache.batches for url in batch] == urls  # every row, in the order given
        entries = cache.lookup_many(urls)
    assert set(entries) == set(urls)
    for n, (url, stored) in enumerate(zip(urls, answered)):
        status = UrlStatus.DEAD if n % 2 == 0 and n else UrlStatus.OK
        assert stored.status is entries[url].result.status is status
        assert stored.failed_runs == entries[url].result.failed_runs == (1 if status is UrlStatus.DEAD else 0)
        assert stored.first_failed == entries[url].result.first_failed
    assert entries[urls[1]].result.page == ok(urls[1]).page


def test_failure_history_comes_back_from_the_commit(tmp_path):
    seen_before = "https://site.example/dead-since-last-run"
    healed = "https://site.example/healed"
    walled = "https://site.example/walled"
    with FetchCache(tmp_path, run_id="first") as cache:
        for url in (seen_before, healed, walled):
            first_failed = cache.store(dead(url)).first_failed

    async def second_run(cache: FetchCache):
        writer = ResultWriter(cache, asyncio.get_running_loop())
        answers = await asyncio.gather(
            writer.store(dead(seen_before)), writer.store(ok(healed)),
            writer.store(result(walled, UrlStatus.BLOCKED, 403)), writer.store(dead("https://site.example/new")),
            writer.store(result("https://site.example/bad", UrlStatus.INVALID)))
        await writer.finish()
        return answers

    with FetchCache(tmp_path, run_id="second") as cache:
        again, healed_now, blocked, new, invalid = run(second_run(cache))
    assert (again.first_failed, again.failed_runs) == (first_failed, 2)
    assert (healed_now.first_failed, healed_now.failed_runs) == (None, 0)
    assert (blocked.first_failed, blocked.failed_runs) == (first_failed, 1)  # blocked reports, does not extend
    assert new.failed_runs == 1 and new.first_failed is not None
    assert invalid.status is UrlStatus.INVALID and invalid.failed_runs == 0
    rows = history(tmp_path)
    assert rows[seen_before] == (first_failed, 2, "dead")
    assert rows[healed] == (None, 0, "ok")
    assert rows[walled] == (first_failed, 1, "blocked")
    assert "https://site.example/bad" not in rows


def test_a_write_error_reaches_the_waiting_caller_and_refuses_the_rest(tmp_path):
    fail_writes_to(tmp_path, "%/boom%")

    async def store_them(cache: FetchCache):
        writer = ResultWriter(cache, asyncio.get_running_loop())
        with pytest.raises(CacheError, match="disk says no"):
            await writer.store(dead("https://a.example/boom"))
        with pytest.raises(CacheError, match="disk says no"):  # refused at once, not queued
            await writer.store(ok("https://a.example/fine"))
        with pytest.raises(CacheError, match="disk says no"):
            await writer.finish()

    with FetchCache(tmp_path) as cache:
        run(store_them(cache))
        assert cache.lookup_many(["https://a.example/fine"]) == {}


def test_a_write_error_on_unwaited_rows_is_raised_by_finish(tmp_path):
    fail_writes_to(tmp_path, "%/boom%")

    async def store_them(cache: FetchCache):
        writer = ResultWriter(cache, asyncio.get_running_loop())
        await writer.store(ok("https://a.example/boom"))  # fire-and-forget: answered before its commit fails
        await writer.finish()

    with FetchCache(tmp_path) as cache, pytest.raises(CacheError, match="cannot write cache .*disk says no"):
        run(store_them(cache))
    assert not [t for t in threading.enumerate() if t.name == "refcheck-cache-writer"]


def test_finish_quietly_still_commits_and_leaves_the_error_unraised(tmp_path):
    async def store_them(cache: FetchCache):
        writer = ResultWriter(cache, asyncio.get_running_loop())
        waiting = asyncio.ensure_future(writer.store(dead("https://a.example/cancelled")))
        await asyncio.sleep(0)
        waiting.cancel()  # its caller gave up: the row is still stored, the answer dropped
        await writer.store(ok("https://a.example/kept"))
        await writer.finish(quietly=True)

    with FetchCache(tmp_path) as cache:
        run(store_them(cache))
        assert set(cache.lookup_many(["https://a.example/cancelled", "https://a.example/kept"])) == {
            "https://a.example/cancelled", "https://a.example/kept"}


# ── through the fetcher ──────────────────────────────────────────────────────────────────────────────────────────


def test_a_fetch_run_commits_every_result_before_it_returns(server, quick, tmp_path, no_wait):
    for n in range(40):
        server.route(f"/page/{n}", Reply(200, f"<title>Page {n}</title>") if n % 4 else Reply(404))
    urls = [server.url(f"/page/{n}") for n in range(40)]
    with FetchCache(tmp_path, run_id="first") as cache:
        fetch_all(urls, quick, cache=cache, sleep=no_wait)
    with SlowCache(tmp_path, run_id="second") as cache:
        run_result = fetch_all(urls, quick, cache=cache, sleep=no_wait, cache_settings=_never_fresh())
        entries = cache.lookup_many(urls)  # at once: the run must not return before its last commit
    assert not [t for t in threading.enumerate() if t.name == "refcheck-cache-writer"]
    assert set(entries) == set(urls)
    for n, url in enumerate(urls):
        got = run_result.results[url]
        assert got.status is entries[url].result.status is (UrlStatus.OK if n % 4 else UrlStatus.DEAD)
        assert got.failed_runs == entries[url].result.failed_runs == (0 if n % 4 else 2)  # "dead …, 2 runs"
        assert got.first_failed == entries[url].result.first_failed


def _never_fresh():
    from refcheck.settings import CacheSettings

    return CacheSettings(max_age_ok=0, max_age_failure=0)


def test_a_write_error_ends_the_fetch_run(server, quick, tmp_path, no_wait):
    server.route("/ok", Reply(200, "<title>fine</title>"))
    fail_writes_to(tmp_path, "%/ok")
    with FetchCache(tmp_path) as cache, pytest.raises(CacheError, match="disk says no"):
        fetch_all([server.url("/ok")], quick, cache=cache, sleep=no_wait)


def test_a_write_error_is_one_line_and_exit_2(server, tmp_path):
    server.route("/ok", Reply(200, "<title>fine</title>"))
    (tmp_path / "doc.md").write_text(f"[fine]({server.url('/ok')})\n")
    fail_writes_to(tmp_path / "cache", "%/ok")
    done = subprocess.run([sys.executable, "-m", "refcheck", "check", "doc.md", "--allow-private", "--no-progress",
                           "--format", "json"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert "disk says no" in done.stderr and "Traceback" not in done.stderr


# ── SIGKILL ──────────────────────────────────────────────────────────────────────────────────────────────────────

# Producers store results through one writer, forever: every fourth is `dead` (waited for), the rest `ok` (not).
# Once a waited-for result is back, it and everything given before it are committed, and are printed.
KILLED = """
import asyncio, sys
from pathlib import Path
from refcheck.fetch.cache import FetchCache
from refcheck.fetch.writer import ResultWriter
from refcheck.models import FetchResult, PageFacts, UrlStatus

cache = FetchCache(Path(sys.argv[1]), run_id="victim")
given, printed = [], [0]

async def producer(writer, counter):
    while True:
        n = next(counter)
        url = f"https://victim.example/{n}"
        given.append(n)
        if n % 4 == 3:
            await writer.store(FetchResult(url=url, fetched_url=url, status=UrlStatus.DEAD, http_status=404))
            upto = given.index(n) + 1
            if upto > printed[0]:
                print(" ".join(map(str, given[printed[0]:upto])), flush=True)
                printed[0] = upto
        else:
            page = PageFacts(title=url, main_text="words " * 100)
            await writer.store(FetchResult(url=url, fetched_url=url, status=UrlStatus.OK, http_status=200, page=page))
            await asyncio.sleep(0)

async def main():
    import itertools
    writer = ResultWriter(cache, asyncio.get_running_loop())
    counter = itertools.count()
    await asyncio.gather(*(producer(writer, counter) for _ in range(30)))

asyncio.run(main())
"""


def test_sigkill_mid_run_keeps_every_row_committed_before_it(tmp_path):
    process = subprocess.Popen([sys.executable, "-c", KILLED, str(tmp_path)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    reported: list[int] = []
    deadline = time.monotonic() + 60
    while len(reported) < 1500 and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        reported += [int(n) for n in line.split()]
    process.send_signal(signal.SIGKILL)
    rest, stderr = process.communicate(timeout=30)
    reported += [int(n) for n in rest.split()]  # printed before the kill landed

    assert process.returncode == -signal.SIGKILL, stderr
    assert len(reported) >= 1500, stderr
    with sqlite3.connect(tmp_path / CACHE_FILENAME) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with FetchCache(tmp_path, run_id="rerun") as cache:
        urls = [f"https://victim.example/{n}" for n in reported]
        entries = cache.lookup_many(urls)
        assert set(entries) == set(urls)
        for n in reported:
            stored = entries[f"https://victim.example/{n}"].result
            assert stored.status is (UrlStatus.DEAD if n % 4 == 3 else UrlStatus.OK)
            assert stored.failed_runs == (1 if n % 4 == 3 else 0)
        assert cache.stats()["entries"] >= len(reported)
