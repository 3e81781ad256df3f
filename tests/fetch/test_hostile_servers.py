"""The fetcher against hostile servers on 127.0.0.1 (tests/hostile.py writes raw bytes): each case is classified
(status and reason), within small timeouts and deadlines, and leaves no socket or thread behind. Cases already
tested elsewhere (a gzip bomb, a slowly dripping body, a reset before the answer, Retry-After beyond the cap, the
guard's own address spellings) are not repeated here."""

from __future__ import annotations

import os
import threading
from dataclasses import replace

import pytest

from refcheck.fetch import fetch_all
from refcheck.fetch.guard import Guard
from refcheck.models import UrlStatus
from tests.fetch.test_guard import ssrf_spellings
from tests.hostile import (PAGE, HostileServer, brotli_bomb_body, by_path, endless_body, endless_headers, response,
                           send, then_reset, trickle)
from tests.webserver import Reply, WebServer


def socket_count() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:
            continue
    return count


@pytest.fixture
def no_leaks():
    """After the test (its servers stopped): as many sockets open as before, and no new thread still running."""
    sockets, threads = socket_count(), set(threading.enumerate())
    yield
    assert socket_count() == sockets, "a socket was left open"
    assert [t.name for t in set(threading.enumerate()) - threads if t.is_alive()] == []


@pytest.fixture
def hostile(quick):
    """Small bounds: 0.5 s per read, 1.5 s per URL, no retries (a case that needs them says so)."""
    return replace(quick, timeout=0.5, deadline=1.5, retries=0, probe_soft_404=False)


def fetch_from(script, settings, path="/x", **options):
    with HostileServer(script) as server:
        url = server.url(path)
        result = fetch_all([url], settings, **options).results[url]
    return result, server


# ── slow and endless ───────────────────────────────────────────────────────────────────────────────────────────


def test_headers_trickled_a_byte_at_a_time_hit_the_deadline(hostile, no_wait, no_leaks):
    # Each byte comes well within the per-read timeout; the whole head would take ~5 s.
    result, _ = fetch_from(trickle(response(), every=0.05), hostile, sleep=no_wait)
    assert result.status is UrlStatus.TIMEOUT and "deadline" in result.reason


def test_header_lines_that_never_end_hit_the_deadline(hostile, no_wait, no_leaks):
    result, _ = fetch_from(endless_headers(every=0.01), hostile, sleep=no_wait)
    assert result.status is UrlStatus.TIMEOUT and "deadline" in result.reason


def test_a_fast_body_that_never_ends_is_read_up_to_the_cap_and_no_further(hostile, reader, no_wait, no_leaks):
    settings = replace(hostile, max_body_bytes=300_000)
    result, server = fetch_from(endless_body(), settings, read_page=reader, sleep=no_wait)
    assert result.status is UrlStatus.OK and result.http_status == 200
    (body, _, _), = reader.calls
    assert len(body) == 300_000 and server.connections == 1


# ── oversized heads ────────────────────────────────────────────────────────────────────────────────────────────


def test_a_1_mb_header_line_is_a_protocol_error(hostile, no_wait, no_leaks):
    head = b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (1024 * 1024) + b"\r\nContent-Length: 3\r\n\r\nabc"
    result, _ = fetch_from(send(head), hostile, sleep=no_wait)
    assert result.status is UrlStatus.ERROR and result.reason.startswith("protocol error")


def test_ten_thousand_small_headers_are_still_an_answer(hostile, reader, no_wait, no_leaks):
    many = b"".join(f"X-H{number}: v\r\n".encode() for number in range(10_000))
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + many + f"Content-Length: {len(PAGE)}\r\n\r\n".encode()
    result, _ = fetch_from(send(head + PAGE), hostile, read_page=reader, sleep=no_wait)
    assert result.status is UrlStatus.OK and reader.calls[0][0] == PAGE  # ~110 KB of head: valid, and read


def test_two_hundred_headers_are_an_answer(hostile, reader, no_wait, no_leaks):
    many = b"".join(f"Set-Cookie: c{number}={'v' * 100}\r\n".encode() for number in range(200))
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + many + f"Content-Length: {len(PAGE)}\r\n\r\n".encode()
    result, server = fetch_from(send(head + PAGE), hostile, read_page=reader, sleep=no_wait)
    assert result.status is UrlStatus.OK and reader.calls[0][0] == PAGE
    assert len(server.requests) == 1  # within either engine's own limits: asked once


def test_a_40_kb_header_line_is_an_answer(hostile, reader, no_wait, no_leaks):
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Security-Policy: " + b"a" * 40_000
            + f"\r\nContent-Length: {len(PAGE)}\r\n\r\n".encode())
    result, server = fetch_from(send(head + PAGE), hostile, read_page=reader, sleep=no_wait)
    assert result.status is UrlStatus.OK and reader.calls[0][0] == PAGE
    assert len(server.requests) == 1


def test_ten_thousand_long_headers_are_a_protocol_error(hostile, no_wait, no_leaks):
    many = b"".join(f"X-H{number}: {'v' * 200}\r\n".encode() for number in range(10_000))  # a 2 MB head
    result, _ = fetch_from(send(b"HTTP/1.1 200 OK\r\n" + many + b"Content-Length: 3\r\n\r\nabc"), hostile,
                           sleep=no_wait)
    assert result.status is UrlStatus.ERROR and result.reason.startswith("protocol error")


# ── bombs ──────────────────────────────────────────────────────────────────────────────────────────────────────


def test_a_brotli_bomb_through_the_fetcher_stops_at_the_cap(hostile, reader, no_wait, no_leaks):
    bomb = brotli_bomb_body(256)  # 256 MiB of zeros in a few hundred bytes
    settings = replace(hostile, max_body_bytes=1024 * 1024, timeout=5.0, deadline=10.0)
    result, _ = fetch_from(send(response(headers=(("Content-Encoding", "br"),), body=bomb)), settings,
                           read_page=reader, sleep=no_wait)
    assert result.status is UrlStatus.OK and "decompression bomb" in result.reason
    assert len(reader.calls[0][0]) == 1024 * 1024


# ── lying framing ──────────────────────────────────────────────────────────────────────────────────────────────


def test_a_content_length_longer_than_the_body_is_a_protocol_error(hostile, reader, no_wait, no_leaks):
    result, _ = fetch_from(send(response(length=len(PAGE) + 1000)), hostile, read_page=reader, sleep=no_wait)
    assert result.status is UrlStatus.ERROR
    assert "without sending complete message body" in result.reason and reader.calls == []


def test_a_content_length_shorter_than_the_body_does_not_poison_the_next_url(hostile, reader, no_wait, no_leaks):
    # /short says 20 bytes and sends more: the excess sits on the kept-alive connection, where /next's answer
    # would be read after it. /next must still be read as its own page.
    second = b"<title>Second page</title>"
    script = by_path({"/short": response(length=20), "/next": response(body=second)})
    with HostileServer(script) as server:
        urls = [server.url("/short"), server.url("/next")]
        run = fetch_all(urls, replace(hostile, per_host=1), read_page=reader, sleep=no_wait)
    short, following = (run.results[url] for url in urls)
    assert short.status is UrlStatus.OK and following.status is UrlStatus.OK
    assert sorted(body for body, _, _ in reader.calls) == sorted([PAGE[:20], second])


def test_a_reset_in_the_middle_of_the_body_is_an_error_retried_on_a_new_connection(hostile, no_wait, no_leaks):
    result, server = fetch_from(then_reset(response(length=len(PAGE) * 10)), replace(hostile, retries=1),
                                sleep=no_wait)
    assert result.status is UrlStatus.ERROR and "reset" in result.reason
    assert server.connections == 2


def test_an_http_0_9_reply_is_a_protocol_error(hostile, no_wait, no_leaks):
    for body in (PAGE, b"<html>\r\n<title>Old</title>\r\n\r\n</html>\r\n"):
        result, _ = fetch_from(send(body), hostile, sleep=no_wait)
        assert result.status is UrlStatus.ERROR and result.reason.startswith("protocol error"), result.reason


# ── Retry-After and Location ───────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("status, expected", [("429 Too Many Requests", UrlStatus.BLOCKED),
                                              ("503 Service Unavailable", UrlStatus.ERROR)])
def test_retry_after_999999_is_not_waited_for(hostile, no_wait, no_leaks, status, expected):
    result, server = fetch_from(send(response(status, (("Retry-After", "999999"),))), replace(hostile, retries=3),
                                sleep=no_wait)
    assert result.status is expected and result.http_status == int(status[:3])
    assert no_wait.delays == [] and len(server.requests) == 1


@pytest.mark.parametrize("location, target", [
    (b"/a\x01b\x7f", "/a%01b%7F"),  # controls percent-encoded, as a browser does
    (b"  /a b  c ", "/a%20b%20%20c"),  # outer spaces stripped, inner ones encoded
    (b"/a\tb", "/ab"),  # a tab removed
])
def test_a_location_with_controls_or_spaces_is_followed_as_a_browser_reads_it(hostile, no_wait, no_leaks,
                                                                               location, target):
    redirect = b"HTTP/1.1 302 Found\r\nLocation: " + location + b"\r\nContent-Length: 0\r\n\r\n"
    script = by_path({"/x": redirect, target: response(body=b"<title>Target</title>")})
    result, server = fetch_from(script, hostile, sleep=no_wait)
    assert result.status is UrlStatus.OK, result.reason
    assert result.final_url == server.url(target) and result.page.title == "Target"


def test_a_redirect_to_every_private_address_form_is_refused_at_that_hop(quick, no_wait, no_leaks):
    strict = replace(quick, allow_private=False, retries=0, timeout=0.5, deadline=1.5)
    with WebServer() as internal:
        internal.route("/", Reply(200, "secret"))
        spellings = ssrf_spellings(internal.port)
        answers = {f"/to/{index}": f"HTTP/1.1 302 Found\r\nLocation: {spelling}\r\nContent-Length: 0\r\n\r\n".encode()
                   for index, spelling in enumerate(spellings)}
        script = by_path(answers)  # keep-alive: the fetcher may send several requests on one connection

        with HostileServer(script) as public:
            async def resolver(host, port):
                return {"public.test": ["127.0.0.1"], "localhost": ["127.0.0.1", "::1"]}[host]

            guard = Guard(allow_private=False, resolver=resolver, exempt=[("127.0.0.1", public.port)])
            urls = [f"http://public.test:{public.port}/to/{index}" for index in range(len(spellings))]
            run = fetch_all(urls, strict, guard=guard, sleep=no_wait)
        for url, spelling in zip(urls, spellings):
            result = run.results[url]
            assert result.status is UrlStatus.UNSAFE, (spelling, result)
            assert result.reason.startswith("redirect to ") and "refused" in result.reason, (spelling, result.reason)
        assert internal.connections == 0 and internal.requests == []
