"""The fetcher with the real SQLite cache: reuse, revalidation with 304, offline mode, failure history, and what is never stored."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest

from refcheck.fetch import NO_NETWORK_REASON, fetch_all
from refcheck.fetch.cache import FetchCache
from refcheck.fetch.guard import Guard
from refcheck.models import UrlStatus
from refcheck.settings import CacheSettings
from tests.webserver import Reply


@pytest.fixture
def cache_dir(tmp_path):
    return tmp_path / "cache"


def run_with_cache(urls, settings, cache_dir, cache_settings=CacheSettings(), **options):
    cache = FetchCache(cache_dir)
    try:
        return fetch_all(urls, settings, cache=cache, cache_settings=cache_settings, **options)
    finally:
        cache.close()


def test_a_fresh_success_is_reused_without_a_request(server, quick, cache_dir, no_wait):
    server.route("/page", Reply(200, "<title>Cached</title>"))
    url = server.url("/page")
    first = run_with_cache([url], quick, cache_dir, sleep=no_wait).results[url]
    second = run_with_cache([url], quick, cache_dir, sleep=no_wait).results[url]
    assert server.hits("/page") == 1
    assert first.status is second.status is UrlStatus.OK
    assert not first.from_cache and second.from_cache
    assert second.url == url and second.fetched_url == url
    assert second.http_status == 200 and second.page == first.page


def test_transient_failures_are_fetched_again_and_counted_per_run(server, quick, cache_dir, no_wait):
    server.route("/down", Reply(503))
    url = server.url("/down")
    settings = replace(quick, retries=0)
    first = run_with_cache([url], settings, cache_dir, sleep=no_wait).results[url]
    second = run_with_cache([url], settings, cache_dir, sleep=no_wait).results[url]
    assert server.hits("/down") == 2
    assert not second.from_cache
    assert (first.failed_runs, second.failed_runs) == (1, 2)
    assert second.first_failed == first.first_failed is not None


def test_a_stale_page_is_revalidated_and_a_304_keeps_the_stored_answer(server, quick, cache_dir, no_wait):
    def answer(request):
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(304, b"", content_type=None, headers={"ETag": '"v1"'})
        return Reply(200, "<title>Versioned</title>", headers={"ETag": '"v1"', "Last-Modified": "Tue, 01 Sep 2026 00:00:00 GMT"})

    server.route("/versioned", answer)
    url = server.url("/versioned")
    stale = CacheSettings(max_age_ok=0.0)
    first = run_with_cache([url], quick, cache_dir, stale, sleep=no_wait).results[url]
    second = run_with_cache([url], quick, cache_dir, stale, sleep=no_wait).results[url]
    conditional = server.requests_to("/versioned")[1].headers
    assert conditional["if-none-match"] == '"v1"'
    assert conditional["if-modified-since"] == "Tue, 01 Sep 2026 00:00:00 GMT"
    assert second.status is UrlStatus.OK and second.from_cache
    assert second.page == first.page and second.http_status == 200


def test_offline_answers_from_the_cache_only(server, quick, cache_dir, no_wait):
    known, unknown = server.url("/_/status/200"), server.url("/_/status/404")
    run_with_cache([known], quick, cache_dir, sleep=no_wait)
    server.reset_stats()
    run = run_with_cache([known, unknown], quick, cache_dir, CacheSettings(offline=True, max_age_ok=0.0), sleep=no_wait)
    assert run.results[known].status is UrlStatus.OK and run.results[known].from_cache  # stale, but offline
    assert run.results[unknown].status is UrlStatus.OFFLINE
    assert server.requests == [] and server.connections == 0


def test_offline_without_a_cache_is_offline_for_every_url(quick, no_wait):
    run = fetch_all(["http://a.test/", "http://b.test/"], quick, cache_settings=CacheSettings(offline=True),
                    sleep=no_wait)
    assert {result.status for result in run.results.values()} == {UrlStatus.OFFLINE}


def test_no_network_results_are_not_stored(quick, cache_dir, no_wait):
    async def resolver(host, port):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    url = "http://somewhere.test/"
    run = run_with_cache([url], quick, cache_dir, guard=Guard(resolver=resolver), sleep=no_wait)
    assert run.results[url].reason == NO_NETWORK_REASON
    cache = FetchCache(cache_dir)
    try:
        assert cache.lookup(url) is None
    finally:
        cache.close()


def test_the_cache_is_keyed_by_the_fetched_url_after_remap(server, quick, cache_dir, no_wait):
    server.route("/mirror/page", Reply(200, "<title>mirror</title>"))
    settings = replace(quick, remaps=((r"https://origin\.test/", server.url("/mirror/")),))
    written = "https://origin.test/page"
    result = run_with_cache([written], settings, cache_dir, sleep=no_wait).results[written]
    assert result.url == written
    cache = FetchCache(cache_dir)
    try:
        assert cache.lookup(server.url("/mirror/page")) is not None
        assert cache.lookup(written) is None
    finally:
        cache.close()


def test_every_result_is_committed_before_it_is_reported_even_with_a_busy_loop(server, quick, cache_dir):
    """What a SIGKILL may lose is bounded by what was never reported: a reported result is already on disk.

    A page reader that burns CPU keeps the event loop busy (as thousands of pages do in a big run), the situation in
    which a batched writer thread once fell seconds behind the results it had been handed.
    """
    import sqlite3
    import time

    from refcheck.page import read_page

    for n in range(30):
        server.route(f"/page/{n}", Reply(200, f"<title>Page {n}</title>"))
    urls = [server.url(f"/page/{n}") for n in range(30)]

    def busy_reader(body, content_type, url):
        until = time.process_time() + 0.01
        while time.process_time() < until:
            pass
        return read_page(body, content_type, url)

    missing_when_reported = []
    cache = FetchCache(cache_dir)
    observer = None

    def on_result(result):
        nonlocal observer
        observer = observer or sqlite3.connect(f"file:{cache.path}?mode=ro", uri=True)
        stored = observer.execute("select 1 from results where fetched_url = ?", (result.fetched_url,)).fetchone()
        if stored is None:
            missing_when_reported.append(result.url)

    try:
        run = fetch_all(urls, quick, cache=cache, read_page=busy_reader, on_result=on_result)
    finally:
        cache.close()
        if observer is not None:
            observer.close()
    assert {r.status for r in run.results.values()} == {UrlStatus.OK}
    assert missing_when_reported == []
