"""The fetcher against a real HTTP server on 127.0.0.1: statuses, retries, faults, bodies, redirects and politeness."""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
import tracemalloc
import zlib
from dataclasses import replace
from email.utils import formatdate

import brotli
import pytest

from refcheck import __version__
from refcheck.fetch import fetch_all
from refcheck.fetch.guard import Guard
from refcheck.models import PageFacts, Redirect, UrlStatus
from tests.webserver import CHALLENGE_PAGE, Reply, gzip_bomb


def fetch_one(url, settings, **options):
    run = fetch_all([url], settings, **options)
    return run.results[url]


# ── statuses ──────────────────────────────────────────────────────────────────────────────────────────────────


def test_ok_page_reaches_the_reader_with_identity_headers(server, quick, reader, no_wait):
    server.route("/page", Reply(200, "<title>Hello</title>"))
    settings = replace(quick, headers=(("X-Extra", "yes"),))
    result = fetch_one(server.url("/page"), settings, read_page=reader, sleep=no_wait)
    assert result.status is UrlStatus.OK
    assert result.http_status == 200
    assert result.final_url == server.url("/page")
    assert result.page.title == "20 bytes"
    assert reader.calls == [(b"<title>Hello</title>", "text/html; charset=utf-8", server.url("/page"))]
    (request,) = server.requests_to("/page")
    assert request.method == "GET"
    assert request.headers["user-agent"] == f"refcheck/{__version__}"
    assert request.headers["x-extra"] == "yes"
    assert "gzip" in request.headers["accept-encoding"] and "br" in request.headers["accept-encoding"]
    assert result.elapsed > 0


@pytest.mark.parametrize("code", [404, 410])
def test_not_found_and_gone_are_dead_at_once(server, quick, no_wait, code):
    result = fetch_one(server.url(f"/_/status/{code}"), quick, sleep=no_wait)
    assert result.status is UrlStatus.DEAD
    assert result.http_status == code
    assert str(code) in result.reason
    assert server.hits(f"/_/status/{code}") == 1  # a definite answer is not retried
    assert no_wait.delays == []


def test_500_then_200_is_ok_after_one_retry(server, quick, no_wait):
    server.route("/flaky", Reply(500, "oops"), Reply(200, "<title>fine</title>"))
    result = fetch_one(server.url("/flaky"), quick, sleep=no_wait)
    assert result.status is UrlStatus.OK
    assert server.hits("/flaky") == 2
    assert len(no_wait.delays) == 1


def test_always_503_is_an_error_after_every_retry_with_growing_backoff(server, quick, no_wait):
    server.route("/down", Reply(503, "busy"))
    result = fetch_one(server.url("/down"), replace(quick, retries=3), sleep=no_wait)
    assert result.status is UrlStatus.ERROR
    assert result.http_status == 503
    assert "after 4 attempts" in result.reason
    assert server.hits("/down") == 4
    assert len(no_wait.delays) == 3
    assert no_wait.delays[0] < no_wait.delays[2]  # exponential: 0.5+j, 1+j, 2+j with jitter below 0.5


def test_429_with_retry_after_seconds_waits_that_long_then_succeeds(server, quick, no_wait):
    server.route("/limited", Reply(429, "slow down", headers={"Retry-After": "3"}), Reply(200, "ok"))
    result = fetch_one(server.url("/limited"), quick, sleep=no_wait)
    assert result.status is UrlStatus.OK
    assert no_wait.delays == [3.0]


def test_429_with_retry_after_http_date_is_honoured(server, quick, no_wait):
    later = formatdate(time.time() + 4, usegmt=True)  # within the 5 s deadline
    server.route("/limited", Reply(429, "", headers={"Retry-After": later}), Reply(200, "ok"))
    result = fetch_one(server.url("/limited"), quick, sleep=no_wait)
    assert result.status is UrlStatus.OK
    (delay,) = no_wait.delays
    assert 2.5 <= delay <= 4.0


def test_retry_after_beyond_the_cap_is_not_waited_for(server, quick, no_wait):
    server.route("/limited", Reply(429, "", headers={"Retry-After": "3600"}), Reply(200, "ok"))
    result = fetch_one(server.url("/limited"), quick, sleep=no_wait)
    assert result.status is UrlStatus.BLOCKED
    assert "429" in result.reason
    assert server.hits("/limited") == 1
    assert no_wait.delays == []


def test_429_that_persists_is_blocked_never_dead(server, quick, no_wait):
    server.route("/limited", Reply(429, "", headers={"Retry-After": "1"}))
    result = fetch_one(server.url("/limited"), quick, sleep=no_wait)
    assert result.status is UrlStatus.BLOCKED
    assert server.hits("/limited") == 3
    assert no_wait.delays == [1.0, 1.0]


@pytest.mark.parametrize("code", [401, 403])
def test_auth_and_forbidden_are_blocked(server, quick, no_wait, code):
    result = fetch_one(server.url(f"/_/status/{code}"), quick, sleep=no_wait)
    assert result.status is UrlStatus.BLOCKED
    assert server.hits(f"/_/status/{code}") == 1


def test_cloudflare_challenge_is_blocked_and_named(server, quick, no_wait):
    result = fetch_one(server.url("/_/challenge"), quick, sleep=no_wait)
    assert result.status is UrlStatus.BLOCKED
    assert "cloudflare" in result.reason


def test_a_503_challenge_page_is_blocked_and_not_retried(server, quick, no_wait):
    # No cf-mitigated header: recognised by the page itself, and a challenge is not a passing failure.
    server.route("/wall", Reply(503, CHALLENGE_PAGE, headers={"Server": "cloudflare"}))
    result = fetch_one(server.url("/wall"), quick, sleep=no_wait)
    assert result.status is UrlStatus.BLOCKED
    assert server.hits("/wall") == 1


def test_a_200_challenge_reported_by_the_page_reader_is_blocked(server, quick, no_wait):
    server.route("/wall", Reply(200, "<title>Just a moment...</title>"))
    result = fetch_one(server.url("/wall"), quick, sleep=no_wait,
                       read_page=lambda body, ctype, url: PageFacts(challenge="cloudflare"))
    assert result.status is UrlStatus.BLOCKED


def test_head_405_does_not_matter_because_head_is_never_sent(server, quick, no_wait):
    server.route("/get-only", Reply(200, "<title>get</title>"), methods=["GET"])
    result = fetch_one(server.url("/get-only"), quick, sleep=no_wait)
    assert result.status is UrlStatus.OK
    assert server.hits("/get-only", "HEAD") == 0
    assert server.hits("/get-only", "GET") == 1


def test_the_fetcher_keeps_the_raw_status_and_accept_turns_it_ok_afterwards(server, quick, no_wait):
    from refcheck.fetch.accept import apply_accept

    url = server.url("/_/status/418")
    result = fetch_one(url, replace(quick, accept_status=(418,)), sleep=no_wait)
    assert result.status is not UrlStatus.OK and result.http_status == 418  # what the cache keeps
    accepted = apply_accept({url: result}, (418,))[url]
    assert accepted.status is UrlStatus.OK and "accepted" in accepted.reason


# ── connection faults ─────────────────────────────────────────────────────────────────────────────────────────


def test_connection_reset_is_retried_then_an_error(server, quick, no_wait):
    result = fetch_one(server.url("/_/reset"), quick, sleep=no_wait)
    assert result.status is UrlStatus.ERROR
    assert "reset" in result.reason or "disconnected" in result.reason
    assert server.hits("/_/reset") == 3


def test_reset_then_success_is_ok(server, quick, no_wait):
    server.route("/shaky", Reply(reset=True), Reply(200, "ok"))
    assert fetch_one(server.url("/shaky"), quick, sleep=no_wait).status is UrlStatus.OK


def test_connection_refused_that_persists_is_dead(quick, no_wait):
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = fetch_one(f"http://127.0.0.1:{port}/", quick, sleep=no_wait)
    assert result.status is UrlStatus.DEAD
    assert "connection refused" in result.reason
    assert len(no_wait.delays) == 2


def test_body_dripping_slower_than_the_timeout_times_out(server, quick, no_wait):
    result = fetch_one(server.url("/_/drip?bytes=50&interval=0.8"), replace(quick, retries=0), sleep=no_wait)
    assert result.status is UrlStatus.TIMEOUT
    assert "read timeout" in result.reason  # the per-read timeout fired, not the 40 s the whole body would take


def test_a_body_that_never_ends_in_time_hits_the_deadline(server, quick, no_wait):
    # Each byte arrives within the per-read timeout, but the whole never arrives within the URL's deadline.
    settings = replace(quick, timeout=0.5, deadline=1.0, retries=0)
    result = fetch_one(server.url("/_/drip?bytes=100&interval=0.1"), settings, sleep=no_wait)
    assert result.status is UrlStatus.TIMEOUT
    assert "deadline" in result.reason  # the URL's deadline fired, not the per-read timeout


def test_tls_to_a_plain_http_server_is_a_tls_error(server, quick, no_wait):
    result = fetch_one(server.url("/").replace("http://", "https://"), quick, sleep=no_wait)
    assert result.status is UrlStatus.ERROR
    assert result.reason.startswith("TLS error")
    assert no_wait.delays == []  # a TLS failure is not passing


# ── redirects ─────────────────────────────────────────────────────────────────────────────────────────────────


def test_redirect_chain_is_followed_and_recorded(server, quick, no_wait):
    result = fetch_one(server.url("/_/redirect/3?code=301"), quick, sleep=no_wait)
    assert result.status is UrlStatus.OK
    assert result.final_url == server.url("/_/redirect/0?code=301")
    assert result.redirects == (
        Redirect(server.url("/_/redirect/3?code=301"), 301),
        Redirect(server.url("/_/redirect/2?code=301"), 301),
        Redirect(server.url("/_/redirect/1?code=301"), 301),
    )


def test_redirect_loop_is_detected(server, quick, no_wait):
    result = fetch_one(server.url("/_/loop/a"), quick, sleep=no_wait)
    assert result.status is UrlStatus.ERROR
    assert "redirect loop" in result.reason
    assert server.hits("/_/loop/a") == 1 and server.hits("/_/loop/b") == 1


def test_ten_redirects_are_followed_eleven_are_too_many(server, quick, no_wait):
    ten = fetch_one(server.url("/_/redirect/10"), quick, sleep=no_wait)
    assert ten.status is UrlStatus.OK and len(ten.redirects) == 10
    eleven = fetch_one(server.url("/_/redirect/11"), quick, sleep=no_wait)
    assert eleven.status is UrlStatus.ERROR
    assert "more than 10 redirects" in eleven.reason
    assert server.hits("/_/redirect/0") == 1  # reached only by the chain of ten


def test_redirect_to_a_dead_page_is_dead_with_its_chain(server, quick, no_wait):
    server.route("/moved", Reply(308, "", headers={"Location": "/_/status/404"}))
    result = fetch_one(server.url("/moved"), quick, sleep=no_wait)
    assert result.status is UrlStatus.DEAD
    assert result.redirects == (Redirect(server.url("/moved"), 308),)
    assert result.final_url == server.url("/_/status/404")


def test_redirect_to_a_non_http_scheme_is_an_error(server, quick, no_wait):
    server.route("/mail", Reply(302, "", headers={"Location": "mailto:someone@example.org"}))
    result = fetch_one(server.url("/mail"), quick, sleep=no_wait)
    assert result.status is UrlStatus.ERROR
    assert "unusable URL" in result.reason


# ── bodies ────────────────────────────────────────────────────────────────────────────────────────────────────


def test_gzip_bomb_stops_at_the_cap_fast_and_small(server, quick, reader, no_wait):
    cap = 2 * 1024 * 1024
    settings = replace(quick, max_body_bytes=cap, timeout=5.0)
    url = server.url("/_/gzip-bomb?mib=1024")  # 1 GiB of zeros, ~1 MB on the wire
    gzip_bomb(1024)  # build it before timing: the server's work is not the fetcher's
    tracemalloc.start()
    try:
        result = fetch_one(url, settings, read_page=reader, sleep=no_wait)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.status is UrlStatus.OK  # the server answered 200; the bomb was simply not followed
    assert "decompression bomb" in (result.reason or ""), result
    (body, _, _), = reader.calls
    assert len(body) == cap and body.count(0) == cap  # stopped at the cap, not inflated to 1 GiB
    assert peak < 30 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"


def test_brotli_body_is_decoded(server, quick, reader, no_wait):
    page = "<title>ブロトリ</title>".encode() * 100
    server.route("/br", Reply(200, brotli.compress(page), headers={"Content-Encoding": "br"}))
    assert fetch_one(server.url("/br"), quick, read_page=reader, sleep=no_wait).status is UrlStatus.OK
    assert reader.calls[0][0] == page


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS])  # zlib-wrapped, and raw as IIS sends it
def test_deflate_body_is_decoded(server, quick, reader, no_wait, wbits):
    page = b"<title>deflated</title>" * 50
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    server.route("/deflate", Reply(200, compressor.compress(page) + compressor.flush(),
                                   headers={"Content-Encoding": "deflate"}))
    fetch_one(server.url("/deflate"), quick, read_page=reader, sleep=no_wait)
    assert reader.calls[0][0] == page


def test_corrupt_gzip_leaves_the_url_alive_but_unread(server, quick, reader, no_wait):
    server.route("/bad", Reply(200, b"\x1f\x8b\x08\x00garbage-not-gzip", headers={"Content-Encoding": "gzip"}))
    result = fetch_one(server.url("/bad"), quick, read_page=reader, sleep=no_wait)
    assert result.status is UrlStatus.OK
    assert "not readable" in result.reason
    assert reader.calls == []


def test_shift_jis_bytes_reach_the_reader_intact(server, quick, reader, no_wait):
    page = "<html><head><title>日本語のページ</title></head><body>東京都の発表</body></html>".encode("shift_jis")
    server.route("/sjis", Reply(200, gzip.compress(page), content_type="text/html; charset=Shift_JIS",
                                headers={"Content-Encoding": "gzip"}))
    fetch_one(server.url("/sjis"), quick, read_page=reader, sleep=no_wait)
    ((body, content_type, url),) = reader.calls
    assert body == page
    assert content_type == "text/html; charset=Shift_JIS"


def test_shift_jis_page_is_read_by_the_real_page_reader(server, quick, no_wait):
    pytest.importorskip("refcheck.page")
    page = "<html><head><title>日本語のページ</title></head><body><p>東京都の発表</p></body></html>"
    server.route("/sjis", Reply(200, page.encode("shift_jis"), content_type="text/html; charset=Shift_JIS"))
    result = fetch_one(server.url("/sjis"), quick, sleep=no_wait)
    assert result.page.title == "日本語のページ"


def test_a_pdf_is_alive_without_its_body_being_read(server, quick, reader, no_wait):
    server.route("/paper.pdf", Reply(200, b"%PDF-1.7" + b"\0" * 5000, content_type="application/pdf"))
    result = fetch_one(server.url("/paper.pdf"), quick, read_page=reader, sleep=no_wait)
    assert result.status is UrlStatus.OK
    assert result.page.content_type == "application/pdf"
    assert reader.calls == []


def test_a_large_page_is_cut_at_the_cap_without_a_bomb_warning(server, quick, reader, no_wait):
    server.route("/big", Reply(200, b"<p>" + bytes(range(256)) * 4096))  # ~1 MiB, incompressible-ish
    result = fetch_one(server.url("/big"), replace(quick, max_body_bytes=100_000), read_page=reader, sleep=no_wait)
    assert result.status is UrlStatus.OK and result.reason is None
    assert len(reader.calls[0][0]) == 100_000


# ── politeness and bookkeeping ────────────────────────────────────────────────────────────────────────────────


def test_per_host_limit_is_what_the_server_sees(server, quick, no_wait):
    urls = [server.url(f"/_/delay?seconds=0.15&n={n}") for n in range(12)]
    run = fetch_all(urls, replace(quick, per_host=3, max_concurrency=50), sleep=no_wait)
    assert all(result.status is UrlStatus.OK for result in run.results.values())
    assert server.max_in_flight == 3


def test_global_limit_caps_all_hosts_together(server, quick, no_wait):
    # Three host names that all resolve (by the test resolver) to the one server: per-host 4 each, global 2.
    async def resolver(host, port):
        return ["127.0.0.1"]

    names = ["a.test", "b.test", "c.test"]
    urls = [f"http://{name}:{server.port}/_/delay?seconds=0.15&n={n}" for name in names for n in range(4)]
    run = fetch_all(urls, replace(quick, per_host=4, max_concurrency=2), sleep=no_wait,
                    guard=Guard(allow_private=True, resolver=resolver))
    assert all(result.status is UrlStatus.OK for result in run.results.values())
    assert server.max_in_flight == 2
    assert {request.headers["host"] for request in server.requests} == {f"{n}:{server.port}" for n in names}


def test_each_url_is_fetched_once_however_often_it_is_listed(server, quick, no_wait):
    server.route("/once", Reply(200, "<title>once</title>"))
    url = server.url("/once")
    listed = [url] * 5 + [url + "#section-1", url + "#section-2"]
    seen = []
    run = fetch_all(listed, quick, sleep=no_wait, on_result=seen.append)
    assert server.hits("/once") == 1
    assert list(run.results) == [url, url + "#section-1", url + "#section-2"]
    assert [result.url for result in seen] == list(run.results)
    assert all(result.status is UrlStatus.OK and result.fetched_url == url for result in run.results.values())


def test_retry_budget_per_host_stops_a_sick_host_stalling_the_run(server, quick, no_wait):
    server.route("/sick/1", Reply(503))
    server.route("/sick/2", Reply(503))
    server.route("/sick/3", Reply(503))
    settings = replace(quick, retries=3, host_retry_budget=2, per_host=1)
    run = fetch_all([server.url(f"/sick/{n}") for n in (1, 2, 3)], settings, sleep=no_wait)
    assert all(result.status is UrlStatus.ERROR for result in run.results.values())
    assert len(no_wait.delays) == 2
    assert sum(server.hits(f"/sick/{n}") for n in (1, 2, 3)) == 3 + 2


def test_a_retry_that_would_overrun_the_deadline_is_not_waited_for(server, quick, no_wait):
    server.route("/later", Reply(503, "", headers={"Retry-After": "5"}), Reply(200, "ok"))
    result = fetch_one(server.url("/later"), replace(quick, deadline=2.0), sleep=no_wait)
    assert result.status is UrlStatus.ERROR and result.http_status == 503
    assert no_wait.delays == []


def test_real_sleep_is_used_by_default_and_is_short_for_small_retry_after(server, quick):
    server.route("/soon", Reply(503, "", headers={"Retry-After": "0"}), Reply(200, "ok"))
    assert fetch_one(server.url("/soon"), quick).status is UrlStatus.OK


# ── what is fetched at all ────────────────────────────────────────────────────────────────────────────────────


def test_remap_fetches_elsewhere_but_reports_the_document_url(server, quick, no_wait):
    server.route("/docs/page", Reply(200, "<title>moved here</title>"))
    written = "https://docs.example.org/page#intro"
    settings = replace(quick, remaps=((r"https://docs\.example\.org/(\w+)", server.url("/docs/$1")),))
    result = fetch_one(written, settings, sleep=no_wait)
    assert result.url == written
    assert result.fetched_url == server.url("/docs/page")
    assert result.status is UrlStatus.OK
    assert server.hits("/docs/page") == 1


def test_exclude_and_include_send_no_request(server, quick, no_wait):
    kept, dropped, unlisted = server.url("/_/status/200?a"), server.url("/_/status/200?skip"), "http://other.test/"
    settings = replace(quick, exclude=(r"skip",), include=(r"127\.0\.0\.1",))
    run = fetch_all([kept, dropped, unlisted], settings, sleep=no_wait)
    assert run.results[kept].status is UrlStatus.OK
    assert run.results[dropped].status is UrlStatus.OK  # includes win over excludes, as in lychee
    assert run.results[unlisted].status is UrlStatus.EXCLUDED  # includes given: the rest is not checked
    only_exclude = fetch_all([dropped], replace(quick, exclude=(r"skip",)), sleep=no_wait)
    assert only_exclude.results[dropped].status is UrlStatus.EXCLUDED
    assert server.hits("/_/status/200") == 2


@pytest.mark.parametrize("url", ["ftp://example.org/file", "mailto:someone@example.org", "http://", "http://[::1",
                                 "javascript:alert(1)", "http://host:99999/"])
def test_non_http_and_malformed_urls_are_invalid(quick, no_wait, url):
    result = fetch_one(url, quick, sleep=no_wait)
    assert result.status is UrlStatus.INVALID
    assert result.reason


def test_fetch_all_works_from_inside_a_running_event_loop(server, quick, no_wait):
    async def caller():
        return fetch_all([server.url("/_/status/200")], quick, sleep=no_wait)

    run = asyncio.run(caller())
    assert run.results[server.url("/_/status/200")].status is UrlStatus.OK


def test_connections_are_reused_across_urls_and_redirects(server, quick, no_wait):
    server.route("/hop", Reply(301, "moved", headers={"Location": "/_/status/200?from-hop"}))
    urls = [server.url(f"/_/status/200?n={n}") for n in range(5)] + [server.url("/hop")]
    run = fetch_all(urls, replace(quick, per_host=1), sleep=no_wait)
    assert all(result.status is UrlStatus.OK for result in run.results.values())
    assert len(server.requests) == 7
    assert server.connections == 1  # one keep-alive connection carried every request
