"""The fetch cache on a real SQLite file: round trips, freshness, versions, failure history, maintenance, bad files."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from refcheck.errors import CacheError
from refcheck.fetch.cache import CACHE_FILENAME, PARSER_VERSION, CacheEntry, FetchCache, is_fresh
from refcheck.models import FetchResult, PageFacts, Redirect, UrlStatus
from refcheck.settings import CacheSettings

DAY = 86400.0
T0 = 1_795_000_000.0  # a fixed moment (2026-11-18), so history dates do not depend on when the tests run


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = T0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def full_page() -> PageFacts:
    return PageFacts(
        title_candidates=("経済産業省の発表", "Ministry announcement"),
        title="経済産業省の発表",
        site_name="経済産業省",
        canonical_url="https://www.meti.go.jp/press/2026/11/001.html",
        language="ja",
        published="2026-11-02",
        main_text="生成AIに関する新しい指針を公表した。\nThe ministry published new guidance.",
        content_type="text/html; charset=Shift_JIS",
        soft_404_signals=("title says not found",),
        challenge="login-wall",
        page_count=12,
        page_starts=(0, 31),
        text_read=False,  # a round trip only: a real text-less page has main_text ""
        anchors=("top", "概要"),
    )


def full_result(url: str = "https://example.org/a?x=1&y=日本") -> FetchResult:
    return FetchResult(
        url="https://written.example/a",
        status=UrlStatus.OK,
        fetched_url=url,
        http_status=200,
        final_url="https://example.org/final",
        redirects=(Redirect("https://example.org/a2", 301), Redirect("https://example.org/final", 302)),
        page=full_page(),
        from_cache=False,
        reason="ok after 1 retry",
        elapsed=0.4375,
        first_failed=None,
        failed_runs=0,
    )


def result(url: str, status: UrlStatus = UrlStatus.OK, http_status: int | None = 200, **changes) -> FetchResult:
    return FetchResult(url=url, status=status, fetched_url=url, http_status=http_status, **changes)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(tmp_path, clock):
    with FetchCache(tmp_path / "cache", run_id="run-1", clock=clock) as opened:
        yield opened


# ── round trip ────────────────────────────────────────────────────────────────────────────────────────────────


def test_round_trip_keeps_every_field(cache, clock):
    original = full_result()
    cache.store(original, etag='W/"abc"', last_modified="Mon, 02 Nov 2026 10:00:00 GMT")

    entry = cache.lookup(original.fetched_url)

    assert entry == CacheEntry(
        result=dataclasses.replace(original, url=original.fetched_url, from_cache=True),
        stored_at=clock.now,
        etag='W/"abc"',
        last_modified="Mon, 02 Nov 2026 10:00:00 GMT",
    )
    assert isinstance(entry.result.status, UrlStatus)
    assert isinstance(entry.result.page.title_candidates, tuple)
    assert isinstance(entry.result.redirects[0], Redirect)


def test_round_trip_sample_sets_every_page_field():
    # If PageFacts grows a field, extend full_page() so the round trip above covers it too.
    defaults = PageFacts()
    unset = [f.name for f in dataclasses.fields(PageFacts) if getattr(full_page(), f.name) == getattr(defaults, f.name)]
    assert unset == []


def test_a_page_is_written_as_the_generic_walk_writes_it():
    from refcheck.fetch.cache import _json, _page_json, _plain

    for page in (full_page(), PageFacts(), PageFacts(title="t", page_starts=(0, 5), text_read=False)):
        assert _page_json(page) == _json(_plain(page))


def test_round_trip_survives_reopening(tmp_path, clock):
    with FetchCache(tmp_path, clock=clock) as first:
        first.store(full_result())
    with FetchCache(tmp_path, clock=clock) as second:
        entry = second.lookup(full_result().fetched_url)
    assert entry.result.page == full_page()
    assert (tmp_path / CACHE_FILENAME).is_file()


def test_store_returns_the_result_as_given_plus_history(cache):
    original = result("https://example.org/gone", UrlStatus.DEAD, 404)
    returned = cache.store(original)
    assert returned == dataclasses.replace(original, first_failed=date.fromtimestamp(T0).isoformat(), failed_runs=1)
    assert returned.from_cache is False


def test_result_without_fetched_url_is_keyed_by_its_url(cache):
    cache.store(FetchResult(url="https://example.org/plain", status=UrlStatus.OK, http_status=200))
    entry = cache.lookup("https://example.org/plain")
    assert entry.result.url == entry.result.fetched_url == "https://example.org/plain"


def test_result_without_page_round_trips_as_none(cache):
    cache.store(result("https://example.org/nopage", UrlStatus.TIMEOUT, None, reason="read timeout"))
    entry = cache.lookup("https://example.org/nopage")
    assert entry.result.page is None
    assert entry.result.reason == "read timeout"
    assert entry.result.http_status is None


def test_a_later_store_replaces_the_earlier_one(cache, clock):
    cache.store(result("https://example.org/x", UrlStatus.DEAD, 404), etag='"old"')
    clock.now += 60
    cache.store(result("https://example.org/x", UrlStatus.OK, 200, page=PageFacts(title="back")))
    entry = cache.lookup("https://example.org/x")
    assert (entry.result.status, entry.result.page.title, entry.etag, entry.stored_at) == (
        UrlStatus.OK, "back", None, T0 + 60,
    )  # fmt: skip


@pytest.mark.parametrize("status", [UrlStatus.UNSAFE, UrlStatus.INVALID, UrlStatus.EXCLUDED, UrlStatus.OFFLINE])
def test_outcomes_decided_by_this_run_are_not_stored(cache, status):
    original = result("https://example.org/s", status, None)
    assert cache.store(original) == original
    assert cache.lookup("https://example.org/s") is None


def test_lookup_of_unknown_url_is_none(cache):
    assert cache.lookup("https://example.org/never") is None


def test_lookup_many_returns_only_known_urls_across_chunks(cache):
    stored = [f"https://example.org/{i}" for i in range(1200)]  # more than one IN (...) chunk
    for url in stored:
        cache.store(result(url, page=PageFacts(title=url)))
    asked = stored[::3] + ["https://example.org/missing", stored[0]]
    found = cache.lookup_many(asked)
    assert set(found) == set(stored[::3])
    assert all(entry.result.page.title == url and entry.result.from_cache for url, entry in found.items())
    assert cache.lookup_many([]) == {}


def test_lookup_is_one_indexed_search(cache):
    plan = cache.db.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM results r LEFT JOIN history h ON h.url = r.fetched_url"
        " WHERE r.parser_version = ? AND r.fetched_url = ?",
        (PARSER_VERSION, "https://example.org/"),
    ).fetchall()
    details = [row[-1] for row in plan]
    assert all(detail.startswith("SEARCH") for detail in details), details


# ── freshness ─────────────────────────────────────────────────────────────────────────────────────────────────

SETTINGS = CacheSettings(max_age_ok=7 * DAY, max_age_failure=1 * DAY)


def entry_of(status: UrlStatus, http_status: int | None, age: float) -> tuple[CacheEntry, float]:
    stored = CacheEntry(result(f"https://example.org/{status}", status, http_status), T0, None, None)
    return stored, T0 + age


@pytest.mark.parametrize(
    ("status", "http_status", "age", "fresh"),
    [
        (UrlStatus.OK, 200, 0, True),
        (UrlStatus.OK, 200, 6 * DAY, True),
        (UrlStatus.OK, 200, 7 * DAY, False),
        (UrlStatus.DEAD, 404, 0.5 * DAY, True),
        (UrlStatus.DEAD, 410, 2 * DAY, False),  # a failure's max-age is shorter than a success's
        (UrlStatus.DEAD, None, 0.5 * DAY, True),  # NXDOMAIN
        (UrlStatus.SOFT_404, 200, 0.5 * DAY, True),
        (UrlStatus.BLOCKED, 403, 0.5 * DAY, True),
        (UrlStatus.BLOCKED, 401, 2 * DAY, False),
        (UrlStatus.BLOCKED, 429, 0, False),  # rate limited: ask again
        (UrlStatus.TIMEOUT, None, 0, False),
        (UrlStatus.ERROR, None, 0, False),
        (UrlStatus.ERROR, 503, 0, False),
        (UrlStatus.DEAD, 500, 0, False),  # any 5xx is transient, whatever status it was mapped to
        (UrlStatus.OK, 200, -3600, False),  # stamped in the future: the clock moved back
    ],
)
def test_freshness_per_outcome(status, http_status, age, fresh):
    entry, now = entry_of(status, http_status, age)
    assert is_fresh(entry, SETTINGS, now) is fresh


def test_max_age_zero_reuses_nothing():
    entry, now = entry_of(UrlStatus.OK, 200, 0)
    assert not is_fresh(entry, CacheSettings(max_age_ok=0, max_age_failure=0), now)


# ── parser and schema versions ────────────────────────────────────────────────────────────────────────────────


def test_entries_of_another_parser_version_are_absent(tmp_path, clock):
    with FetchCache(tmp_path, parser_version=1, clock=clock) as old:
        old.store(result("https://example.org/a", page=PageFacts(title="old reading")))
        old.store(result("https://example.org/b"))
    with FetchCache(tmp_path, parser_version=2, clock=clock) as new:
        assert new.lookup("https://example.org/a") is None
        assert new.lookup_many(["https://example.org/a", "https://example.org/b"]) == {}
        assert new.revalidated("https://example.org/a") is None
        assert new.stats()["entries"] == 0 and new.stats()["outdated_entries"] == 2
        new.store(result("https://example.org/a", page=PageFacts(title="new reading")))
        assert new.lookup("https://example.org/a").result.page.title == "new reading"
        assert new.prune(older_than=365 * DAY) == 1  # b, written by the old reader
        assert new.stats()["outdated_entries"] == 0


def test_a_file_with_another_schema_version_is_rebuilt(tmp_path, clock):
    with FetchCache(tmp_path, clock=clock) as first:
        first.store(result("https://example.org/a"))
        first.db.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    with FetchCache(tmp_path, clock=clock) as second:
        assert second.lookup("https://example.org/a") is None
        second.store(result("https://example.org/a"))
        assert second.lookup("https://example.org/a") is not None


# ── failure history ───────────────────────────────────────────────────────────────────────────────────────────

URL = "https://example.org/flaky"


def run(tmp_path, run_id: str, at: float) -> FetchCache:
    return FetchCache(tmp_path, run_id=run_id, clock=Clock(at))


def test_history_counts_one_failure_per_run_across_three_runs(tmp_path):
    first_day = date.fromtimestamp(T0).isoformat()
    for number in (1, 2, 3):
        with run(tmp_path, f"run-{number}", T0 + (number - 1) * DAY) as cache:
            returned = cache.store(result(URL, UrlStatus.DEAD, 404))
            again = cache.store(result(URL, UrlStatus.TIMEOUT, None))  # a second failure in the same run
        assert (returned.first_failed, returned.failed_runs) == (first_day, number)
        assert (again.first_failed, again.failed_runs) == (first_day, number)
    with run(tmp_path, "reader", T0 + 3 * DAY) as cache:
        stored = cache.lookup(URL).result
        assert (stored.first_failed, stored.failed_runs) == (first_day, 3)
        assert cache.stats()["failing"] == [
            {"url": URL, "first_failed": first_day, "failed_runs": 3, "last_status": "timeout"}
        ]


def test_success_resets_the_streak_and_the_next_failure_starts_a_new_one(tmp_path):
    with run(tmp_path, "run-1", T0) as cache:
        cache.store(result(URL, UrlStatus.DEAD, 404))
    with run(tmp_path, "run-2", T0 + DAY) as cache:
        cache.store(result(URL, UrlStatus.DEAD, 404))
    with run(tmp_path, "run-3", T0 + 2 * DAY) as cache:
        healed = cache.store(result(URL, UrlStatus.OK, 200))
        assert (healed.first_failed, healed.failed_runs) == (None, 0)
        assert cache.stats()["failing"] == []
    with run(tmp_path, "run-4", T0 + 5 * DAY) as cache:
        broken = cache.store(result(URL, UrlStatus.ERROR, 503))
    assert (broken.first_failed, broken.failed_runs) == (date.fromtimestamp(T0 + 5 * DAY).isoformat(), 1)


def test_blocked_neither_extends_nor_ends_a_streak(tmp_path):
    with run(tmp_path, "run-1", T0) as cache:
        cache.store(result(URL, UrlStatus.DEAD, 404))
    with run(tmp_path, "run-2", T0 + DAY) as cache:
        blocked = cache.store(result(URL, UrlStatus.BLOCKED, 403))
        assert blocked.failed_runs == 1
        # the same run then sees it fail: that run has not counted a failure yet, so it does now
        assert cache.store(result(URL, UrlStatus.DEAD, 404)).failed_runs == 2


def test_default_run_id_makes_each_cache_object_a_run(tmp_path):
    for expected in (1, 2):
        with FetchCache(tmp_path) as cache:
            assert cache.store(result(URL, UrlStatus.DEAD, 404)).failed_runs == expected


def test_history_is_per_fetched_url(cache):
    cache.store(result("https://example.org/one", UrlStatus.DEAD, 404))
    assert cache.store(result("https://example.org/two", UrlStatus.OK)).failed_runs == 0
    assert cache.lookup("https://example.org/one").result.failed_runs == 1


# ── revalidation (304) ────────────────────────────────────────────────────────────────────────────────────────


def test_revalidated_keeps_the_entry_and_refreshes_its_time(tmp_path):
    original = full_result()
    with run(tmp_path, "run-1", T0) as cache:
        cache.store(original, etag='"v1"', last_modified="Mon, 02 Nov 2026 10:00:00 GMT")
    with run(tmp_path, "run-2", T0 + 3 * DAY) as cache:
        kept = cache.revalidated(original.fetched_url)
        entry = cache.lookup(original.fetched_url)
    assert kept == dataclasses.replace(original, url=original.fetched_url, from_cache=True)
    assert (entry.stored_at, entry.etag, entry.last_modified) == (
        T0 + 3 * DAY, '"v1"', "Mon, 02 Nov 2026 10:00:00 GMT",
    )  # fmt: skip
    assert is_fresh(entry, SETTINGS, T0 + 3 * DAY)


def test_revalidated_records_a_success(tmp_path):
    with run(tmp_path, "run-1", T0) as cache:
        cache.store(result(URL, UrlStatus.OK), etag='"v1"')
        cache.db.execute("UPDATE history SET failed_runs = 2, first_failed = '2026-11-01' WHERE url = ?", (URL,))
        kept = cache.revalidated(URL)
    assert (kept.first_failed, kept.failed_runs) == (None, 0)


def test_revalidated_without_an_entry_is_none(cache):
    assert cache.revalidated("https://example.org/never") is None


# ── stats, prune, clear ───────────────────────────────────────────────────────────────────────────────────────


def fill(cache: FetchCache, clock: Clock) -> None:
    cache.store(result("https://example.org/old-ok", UrlStatus.OK))
    cache.store(result("https://example.org/old-dead", UrlStatus.DEAD, 404))
    clock.now += 10 * DAY
    cache.store(result("https://example.org/new-ok", UrlStatus.OK))
    cache.store(result("https://example.org/new-blocked", UrlStatus.BLOCKED, 403))
    cache.store(result("https://example.org/new-timeout", UrlStatus.TIMEOUT, None))


def test_stats_describe_the_cache(cache, clock):
    fill(cache, clock)
    stats = cache.stats()
    assert stats["entries"] == 5
    assert stats["by_status"] == {"blocked": 1, "dead": 1, "ok": 2, "timeout": 1}
    assert (stats["oldest"], stats["newest"]) == (T0, T0 + 10 * DAY)
    assert stats["file_size"] >= os.path.getsize(cache.path) > 0
    assert [f["url"] for f in stats["failing"]] == ["https://example.org/old-dead", "https://example.org/new-timeout"]
    assert stats["failing_urls"] == 2
    assert stats["path"] == str(cache.path)


def test_stats_of_an_empty_cache(cache):
    stats = cache.stats()
    assert (stats["entries"], stats["by_status"], stats["oldest"], stats["failing"]) == (0, {}, None, [])


def test_prune_removes_only_older_entries(cache, clock):
    fill(cache, clock)
    assert cache.prune(older_than=5 * DAY) == 2
    assert cache.lookup("https://example.org/old-ok") is None
    assert cache.lookup("https://example.org/new-ok") is not None
    assert [f["url"] for f in cache.stats()["failing"]] == ["https://example.org/new-timeout"]
    assert cache.prune(older_than=5 * DAY) == 0
    with pytest.raises(ValueError):
        cache.prune(older_than=-1)


def test_clear_removes_everything(cache, clock):
    fill(cache, clock)
    assert cache.clear() == 5
    assert cache.stats()["entries"] == 0 and cache.stats()["history_urls"] == 0
    assert cache.clear() == 0
    cache.store(result("https://example.org/after"))  # still usable
    assert cache.lookup("https://example.org/after") is not None


# ── files that are not a usable cache ─────────────────────────────────────────────────────────────────────────


def test_a_non_sqlite_file_is_a_cache_error(tmp_path):
    (tmp_path / CACHE_FILENAME).write_text("this is not a database, just some notes\n" * 200)
    with pytest.raises(CacheError, match="is not a usable SQLite database") as caught:
        FetchCache(tmp_path)
    assert str(tmp_path / CACHE_FILENAME) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_damaged_sqlite_file_is_a_cache_error(tmp_path):
    with FetchCache(tmp_path) as cache:
        for i in range(300):
            cache.store(result(f"https://example.org/{i}", page=PageFacts(main_text="x" * 2000)))
    path = tmp_path / CACHE_FILENAME
    data = bytearray(path.read_bytes())
    data[4096 : len(data) - 4096] = b"\xa5" * (len(data) - 8192)  # keep the header page, ruin the rest
    path.write_bytes(bytes(data))
    with pytest.raises(CacheError, match="not a usable SQLite database"):
        with FetchCache(tmp_path) as cache:
            cache.lookup_many(f"https://example.org/{i}" for i in range(300))
            cache.store(result("https://example.org/new"))


def test_another_programs_sqlite_file_is_left_alone(tmp_path):
    with sqlite3.connect(tmp_path / CACHE_FILENAME) as other:
        other.execute("CREATE TABLE results (id INTEGER PRIMARY KEY, precious TEXT)")
        other.execute("INSERT INTO results (precious) VALUES ('keep me')")
    with pytest.raises(CacheError, match="not a refcheck cache"):
        FetchCache(tmp_path)
    with sqlite3.connect(tmp_path / CACHE_FILENAME) as other:
        assert other.execute("SELECT precious FROM results").fetchall() == [("keep me",)]
        assert "meta" not in {name for (name,) in other.execute("SELECT name FROM sqlite_master")}


def test_a_row_this_version_cannot_read_is_absent(cache):
    cache.store(result("https://example.org/a"))
    cache.store(result("https://example.org/b"))
    cache.db.execute("UPDATE results SET status = 'renamed-status' WHERE fetched_url = 'https://example.org/a'")
    assert cache.lookup("https://example.org/a") is None
    assert cache.revalidated("https://example.org/a") is None
    assert set(cache.lookup_many(["https://example.org/a", "https://example.org/b"])) == {"https://example.org/b"}


def test_a_cache_directory_that_is_a_file_is_a_cache_error(tmp_path):
    (tmp_path / "cache").write_text("")
    with pytest.raises(CacheError, match="cannot create cache directory"):
        FetchCache(tmp_path / "cache")


def test_a_cache_file_that_is_a_directory_is_a_cache_error(tmp_path):
    (tmp_path / CACHE_FILENAME).mkdir()
    with pytest.raises(CacheError, match="cannot open cache"):
        FetchCache(tmp_path)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes to read-only directories")
def test_a_read_only_directory_is_a_cache_error(tmp_path):
    directory = tmp_path / "cache"
    directory.mkdir()
    directory.chmod(0o500)
    try:
        with pytest.raises(CacheError):
            FetchCache(directory)
    finally:
        directory.chmod(0o700)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc, read-only even for root")
def test_a_directory_nobody_may_write_is_a_cache_error():
    with pytest.raises(CacheError, match="cannot open cache /proc/refcheck.sqlite"):
        FetchCache(Path("/proc"))
    with pytest.raises(CacheError, match="cannot create cache directory"):
        FetchCache(Path("/proc/refcheck-cache"))


def test_a_closed_cache_is_a_cache_error(tmp_path):
    cache = FetchCache(tmp_path)
    cache.close()
    cache.close()  # twice is harmless
    with pytest.raises(CacheError, match="closed"):
        cache.lookup("https://example.org/")


def test_sqlite_errors_never_escape_as_sqlite_errors(cache):
    cache.db.execute("DROP TABLE history")
    with pytest.raises(CacheError, match="cannot write cache"):
        cache.store(result("https://example.org/x", UrlStatus.DEAD, 404))
    # the results row went in before the history update failed, and was rolled back with it: nothing half-written
    assert cache.db.execute("SELECT count(*) FROM results").fetchone()[0] == 0


# ── one process, many threads; speed ─────────────────────────────────────────────────────────────────────────


def test_threads_can_share_one_cache(cache):
    def store_range(start: int) -> None:
        for i in range(start, start + 100):
            cache.store(result(f"https://example.org/{i}", UrlStatus.DEAD, 404))

    threads = [threading.Thread(target=store_range, args=(n * 100,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache.lookup_many(f"https://example.org/{i}" for i in range(400))) == 400


def test_two_thousand_stores_and_lookups_are_cheap(cache):
    page = PageFacts(title="t", title_candidates=("t",), main_text="本文 text " * 500)  # ~5 kB of main text
    urls = [f"https://host{i % 50}.example/page/{i}" for i in range(2000)]
    started = time.perf_counter()
    for url in urls:
        cache.store(result(url, page=page))
    stored = time.perf_counter() - started
    started = time.perf_counter()
    found = [cache.lookup(url) for url in urls]
    looked_up = time.perf_counter() - started
    assert all(entry is not None and entry.result.page == page for entry in found)
    # Measured about 0.25 s and 0.1 s on a busy 2-core box; the bounds only catch a lost WAL or a missing index.
    assert stored < 4.0, stored
    assert looked_up < 2.0, looked_up


def test_the_file_is_in_wal_mode(cache):
    assert cache.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert sqlite3.connect(cache.path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_opening_a_prepared_cache_writes_nothing(tmp_path, monkeypatch):
    """Every run after the first opens a file that has its tables: it must not queue for the write lock to say so."""
    import refcheck.fetch.cache as cache_module

    FetchCache(tmp_path).close()
    monkeypatch.setattr(cache_module, "BUSY_TIMEOUT", 0.05)
    monkeypatch.setattr(cache_module, "_LOCK_RETRIES", 1)  # one attempt, no retry
    other_run = sqlite3.connect(tmp_path / CACHE_FILENAME, isolation_level=None)
    other_run.execute("BEGIN IMMEDIATE")  # another run is writing
    try:
        with FetchCache(tmp_path) as cache:
            assert cache.lookup("https://example.org/") is None
        other_run.execute("ROLLBACK")
        other_run.execute("DROP TABLE report_memos")  # an older refcheck's file: this one adds its table
        with FetchCache(tmp_path) as cache:
            assert cache.stats()["stored_reports"] == 0
    finally:
        other_run.close()
