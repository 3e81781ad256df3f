"""The cache's batched writer (FetchCache.store_soon), on a real SQLite file: rows handed in together share a
transaction, each future is done only once its row is committed, the failure history is what `store` one row at a
time would have written, errors reach every caller, and close() commits what is still waiting."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3

import pytest

from refcheck.errors import CacheError
from refcheck.fetch import cache as cache_module
from refcheck.fetch.cache import CACHE_FILENAME, FetchCache
from refcheck.models import FetchResult, PageFacts, UrlStatus

from tests.fetch.test_cache import T0, Clock, full_result, result


def committed(directory, url: str) -> tuple | None:
    """The row for `url` as another connection sees it: only what is committed."""
    with sqlite3.connect(f"file:{directory / CACHE_FILENAME}?mode=ro", uri=True) as observer:
        return observer.execute("SELECT status, page FROM results WHERE fetched_url = ?", (url,)).fetchone()


def count_transactions(monkeypatch) -> list[int]:
    """Record the number of rows in each batch the writer commits (the real commit still runs)."""
    sizes: list[int] = []
    original = FetchCache._store_batch

    def recording(self, batch):
        sizes.append(len(batch))
        return original(self, batch)

    monkeypatch.setattr(FetchCache, "_store_batch", recording)
    return sizes


def test_rows_handed_in_together_share_a_transaction_and_each_is_committed_when_its_future_is_done(
        tmp_path, monkeypatch):
    sizes = count_transactions(monkeypatch)
    urls = [f"https://example.org/{i}" for i in range(300)]
    seen_uncommitted: list[str] = []

    async def main(cache: FetchCache) -> list[FetchResult]:
        async def one(url: str) -> FetchResult:
            stored = await cache.store_soon(result(url, page=PageFacts(title=url)), etag=f'"{url}"')
            if committed(tmp_path / "cache", url) is None:
                seen_uncommitted.append(url)
            return stored

        return await asyncio.gather(*(one(url) for url in urls))

    with FetchCache(tmp_path / "cache", run_id="run-1") as cache:
        stored = asyncio.run(main(cache))
        entries = cache.lookup_many(urls)
    assert seen_uncommitted == []
    assert [r.url for r in stored] == urls and {r.failed_runs for r in stored} == {0}
    assert set(entries) == set(urls)
    assert all(entry.result.page.title == url and entry.etag == f'"{url}"' for url, entry in entries.items())
    assert sum(sizes) == 300
    assert max(sizes) <= cache_module.BATCH_ROWS
    assert len(sizes) <= 4, sizes  # 300 rows handed in at once: two transactions (256 + 44), not 300


def test_a_batch_writes_exactly_what_storing_one_by_one_writes(tmp_path):
    """The same sequence of outcomes over three runs, through `store` and through `store_soon`, gives the same
    entries and the same failure history (a URL twice in one batch, failures counted once per run, ok ending a
    streak, blocked keeping it, outcomes of the run's settings not stored)."""
    runs = [
        [("a", UrlStatus.DEAD), ("b", UrlStatus.OK), ("c", UrlStatus.TIMEOUT), ("a", UrlStatus.DEAD),
         ("d", UrlStatus.UNSAFE), ("e", UrlStatus.SOFT_404)],
        [("a", UrlStatus.OK), ("a", UrlStatus.DEAD), ("b", UrlStatus.ERROR), ("c", UrlStatus.OK), ("e", UrlStatus.BLOCKED),
         ("b", UrlStatus.DEAD)],
        [("a", UrlStatus.BLOCKED), ("b", UrlStatus.DEAD), ("c", UrlStatus.DEAD), ("e", UrlStatus.SOFT_404)],
    ]

    def outcome(name: str, status: UrlStatus, run: int) -> FetchResult:
        url = f"https://example.org/{name}"
        return dataclasses.replace(full_result(url), url=url, status=status, reason=f"{name} in run {run}")

    def through(directory, batched: bool) -> tuple[list, dict, list]:
        returned = []
        clock = Clock(T0)
        for run, outcomes in enumerate(runs):
            clock.now = T0 + run * 86400.0
            with FetchCache(directory, run_id=f"run-{run}", clock=clock) as cache:
                if batched:
                    async def main():
                        futures = [cache.store_soon(outcome(n, s, run), etag=n) for n, s in outcomes]
                        return await asyncio.gather(*futures)

                    returned += asyncio.run(main())
                else:
                    returned += [cache.store(outcome(n, s, run), etag=n) for n, s in outcomes]
        with sqlite3.connect(directory / CACHE_FILENAME) as connection:
            results = connection.execute("SELECT * FROM results ORDER BY fetched_url").fetchall()
            history = connection.execute(
                "SELECT url, first_failed, failed_runs, last_failed_run, last_run_id, last_status, last_checked"
                " FROM history ORDER BY url").fetchall()
        return returned, results, history

    one_by_one = through(tmp_path / "single", batched=False)
    batched = through(tmp_path / "batched", batched=True)
    assert batched == one_by_one
    returned, _, history = batched
    assert [r.failed_runs for r in returned[:6]] == [1, 0, 1, 1, 0, 1]  # "a" twice in run 0 counts once
    assert [r.failed_runs for r in returned[6:8]] == [0, 1]  # in run 1, "a" succeeds, then fails: a new streak
    assert dict((row[0].rsplit("/", 1)[1], row[2]) for row in history) == {"a": 1, "b": 2, "c": 1, "e": 2}


def test_a_failed_batch_raises_a_cache_error_for_every_row_and_the_writer_carries_on(tmp_path):
    directory = tmp_path / "cache"

    async def main(cache: FetchCache):
        # Another program breaks the file's tables under the running cache: the batch's insert fails.
        with sqlite3.connect(directory / CACHE_FILENAME) as other:
            other.execute("ALTER TABLE results RENAME TO results_elsewhere")
        failures = await asyncio.gather(*(cache.store_soon(result(f"https://example.org/{i}")) for i in range(5)),
                                        return_exceptions=True)
        with sqlite3.connect(directory / CACHE_FILENAME) as other:
            other.execute("ALTER TABLE results_elsewhere RENAME TO results")
        after = await cache.store_soon(result("https://example.org/after"))
        return failures, after

    with FetchCache(directory, run_id="run-1") as cache:
        failures, after = asyncio.run(main(cache))
        assert all(isinstance(failure, CacheError) for failure in failures), failures
        assert all("cannot write cache" in str(failure) for failure in failures)
        assert after.status is UrlStatus.OK
        assert cache.lookup("https://example.org/after") is not None
        assert cache.lookup("https://example.org/0") is None


def test_close_commits_the_rows_still_waiting_and_a_cancelled_caller_does_not_lose_its_row(tmp_path):
    urls = [f"https://example.org/{i}" for i in range(50)]

    async def main(cache: FetchCache) -> None:
        futures = [cache.store_soon(result(url, UrlStatus.DEAD, 404)) for url in urls]
        futures[0].cancel()  # its caller went away; the row was handed in all the same

    cache = FetchCache(tmp_path / "cache", run_id="run-1")
    asyncio.run(main(cache))  # the loop is gone before the writer tells it anything
    cache.close()
    with FetchCache(tmp_path / "cache", run_id="reader") as reopened:
        entries = reopened.lookup_many(urls)
    assert set(entries) == set(urls)
    assert {entry.result.failed_runs for entry in entries.values()} == {1}


def test_outcomes_of_the_runs_settings_are_not_stored_and_come_back_at_once(tmp_path):
    async def main(cache: FetchCache):
        future = cache.store_soon(result("https://example.org/x", UrlStatus.UNSAFE, None))
        assert future.done()
        return await future

    with FetchCache(tmp_path / "cache", run_id="run-1") as cache:
        unsafe = asyncio.run(main(cache))
        assert unsafe.status is UrlStatus.UNSAFE and cache.lookup("https://example.org/x") is None


def test_a_closed_cache_refuses_rows(tmp_path):
    cache = FetchCache(tmp_path / "cache")
    cache.close()

    async def main():
        cache.store_soon(result("https://example.org/x"))

    with pytest.raises(CacheError, match="closed"):
        asyncio.run(main())


@pytest.mark.parametrize("changes", [
    {},  # redirects, a full page, no archive fields
    {"redirects": (), "page": None, "reason": None},
    {"archive_url": "https://web.archive.org/web/2020/x", "archived_at": "2020-01-01T00:00:00Z"},
    {"archive_reason": "no snapshot", "status": UrlStatus.DEAD, "http_status": 404},
    {"page": PageFacts(title="t", main_text="ü\n\"q\"", anchors=("a", "b"), title_candidates=("t",))},
])
def test_the_row_tuple_is_the_row_dict_in_column_order(changes):
    """store_soon makes its row without the dict `store` makes (`_row_tuple`): the two must never differ."""
    stored = dataclasses.replace(full_result(), **changes)
    by_dict = cache_module._row_from_result(stored, "https://k.example/", '"e"', "Mon", 12.5, 7)
    assert cache_module._row_tuple(stored, "https://k.example/", '"e"', "Mon", 12.5, 7) == tuple(
        by_dict[column] for column in cache_module._RESULT_COLUMNS)
