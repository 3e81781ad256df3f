"""What is the libcurl engine's own (fetch/engine_curl.py): connections only to the guard's pinned addresses even when
curl's resolution says otherwise, no proxy or .netrc from the environment, and a body's unread bytes bounded by
pausing the transfer. The behaviour it shares with the other engines is tested in the engine-parametrised modules
(tests/fetch/conftest.py)."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("pycurl")

from refcheck.fetch import engine_curl  # noqa: E402
from refcheck.fetch.engine_curl import BUFFER_LIMIT, CurlTransport  # noqa: E402
from refcheck.fetch.client import PerOriginTransport  # noqa: E402
from refcheck.fetch.guard import Guard  # noqa: E402
from tests.fetch.test_network import silent_peer  # noqa: E402
from tests.webserver import Reply, WebServer  # noqa: E402


async def _open(url: str, guard: Guard | None = None, timeout: float = 5.0):
    """(transport, response) for a GET of `url` through the curl engine, after the guard's check; the caller closes."""
    guard = guard or Guard(allow_private=True)
    target = httpx.URL(url)
    await guard.check(target.raw_host.decode("ascii"), target.port)
    transport = CurlTransport(guard, per_origin=2)
    request = httpx.Request("GET", target, extensions={"timeout": httpx.Timeout(timeout).as_dict()})
    return transport, await transport.handle_async_request(request)


async def _get(url: str, guard: Guard | None = None) -> tuple[int, bytes]:
    transport, response = await _open(url, guard)
    try:
        return response.status_code, b"".join([chunk async for chunk in response.aiter_raw()])
    finally:
        await response.aclose()
        await transport.aclose()


def test_no_socket_opens_to_an_address_the_guard_did_not_pin(server, monkeypatch):
    # curl is told (CURLOPT_RESOLVE) that the host is at 127.0.0.1, where the server listens, but the guard's pins
    # for this request say 127.0.0.9: as if curl's resolution (a stale cache entry, a lookup of its own) disagreed
    # with the guard. The socket callback refuses to open it, so the server sees no connection at all.
    start = engine_curl._Transfer.start

    def start_with_other_pins(self, url, resolve, allowed, *rest):
        return start(self, url, resolve, frozenset({"127.0.0.9"}), *rest)

    monkeypatch.setattr(engine_curl._Transfer, "start", start_with_other_pins)
    with pytest.raises(httpx.ConnectError, match="not checked by the guard"):
        asyncio.run(_get(server.url("/_/status/200")))
    assert server.connections == 0


def test_proxy_variables_and_netrc_in_the_environment_are_ignored(server, tmp_path, monkeypatch):
    with WebServer() as proxy:
        for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, proxy.base_url)
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        (tmp_path / ".netrc").write_text(f"machine 127.0.0.1 login user password secret\n")
        monkeypatch.setenv("HOME", str(tmp_path))
        server.route("/direct", Reply(200, "<title>direct</title>"))
        status, body = asyncio.run(_get(server.url("/direct")))
        assert proxy.connections == 0
    assert (status, body) == (200, b"<title>direct</title>")
    assert "authorization" not in server.requests_to("/direct")[0].headers


def _numbered_chunks(count: int, produced: list[int], stop: threading.Event):
    """`count` 64 KB chunks of a known pattern; `produced` counts what the server has handed to its socket."""
    for number in range(count):
        if stop.is_set():
            return
        chunk = hashlib.sha256(str(number).encode()).digest() * 2048
        produced[0] += len(chunk)
        yield chunk


def test_a_slow_reader_pauses_the_transfer_and_unread_bytes_stay_bounded(server):
    produced, stop = [0], threading.Event()
    server.route("/big", Reply(200, _numbered_chunks(1024, produced, stop), content_type="application/octet-stream"))

    async def read_slowly() -> tuple[int, int, bool, int]:
        transport, response = await _open(server.url("/big"))
        transfer = response.stream._transfer
        most_buffered, was_paused, received = 0, False, 0
        try:
            chunks = response.aiter_raw()
            received += len(await anext(chunks))
            for _ in range(20):  # the reader is busy elsewhere; the server could send all 64 MB meanwhile
                await asyncio.sleep(0.02)
                most_buffered = max(most_buffered, transfer.buffered)
                was_paused = was_paused or transfer.paused
            async for chunk in chunks:  # then reads on: the transfer resumes and the body arrives whole
                received += len(chunk)
                most_buffered = max(most_buffered, transfer.buffered)
                if received >= 8 * 1024 * 1024:
                    break
            return most_buffered, received, was_paused, produced[0]
        finally:
            stop.set()
            await response.aclose()
            await transport.aclose()

    most_buffered, received, was_paused, produced_then = asyncio.run(read_slowly())
    assert was_paused
    assert most_buffered <= BUFFER_LIMIT + 256 * 1024  # one more delivery of curl's may land before the pause
    assert received >= 8 * 1024 * 1024
    assert produced_then < 40 * 1024 * 1024  # the server was held back (socket buffers aside), not read to the end


def test_a_paused_and_resumed_body_arrives_whole_and_in_order(server):
    produced, stop = [0], threading.Event()
    server.route("/whole", Reply(200, _numbered_chunks(96, produced, stop), content_type="application/octet-stream"))

    async def read_with_pauses() -> bytes:
        transport, response = await _open(server.url("/whole"))
        parts = []
        try:
            async for chunk in response.aiter_raw():
                parts.append(chunk)
                if len(parts) % 50 == 0:
                    await asyncio.sleep(0.01)  # long enough for the buffer to fill and the transfer to pause
            return b"".join(parts)
        finally:
            await response.aclose()
            await transport.aclose()

    body = asyncio.run(read_with_pauses())
    expected = b"".join(hashlib.sha256(str(number).encode()).digest() * 2048 for number in range(96))
    assert body == expected


def test_time_paused_for_the_reader_is_not_a_read_timeout(server):
    # The read timeout is 0.2 s; the reader stops for 0.6 s with the transfer paused (its buffer full). That wait is
    # the reader's, not the network's: the body then arrives whole.
    produced, stop = [0], threading.Event()
    server.route("/paused", Reply(200, _numbered_chunks(64, produced, stop), content_type="application/octet-stream"))

    async def pause_then_read() -> tuple[bool, int]:
        transport, response = await _open(server.url("/paused"), timeout=0.2)
        try:
            chunks = response.aiter_raw()
            received = len(await anext(chunks))
            await asyncio.sleep(0.6)
            was_paused = response.stream._transfer.paused
            async for chunk in chunks:
                received += len(chunk)
            return was_paused, received
        finally:
            await response.aclose()
            await transport.aclose()

    assert asyncio.run(pause_then_read()) == (True, 64 * 64 * 1024)


async def _outcome(transport: CurlTransport, url: str, timeout: httpx.Timeout, wait: float = 0.0) -> str | int:
    """The body's length, or the name of the failure."""
    await asyncio.sleep(wait)
    request = httpx.Request("GET", url, extensions={"timeout": timeout.as_dict()})
    try:
        response = await transport.handle_async_request(request)
        try:
            return len(b"".join([chunk async for chunk in response.aiter_raw()]))
        finally:
            await response.aclose()
    except httpx.HTTPError as error:
        return type(error).__name__


def test_one_read_timer_times_out_each_silent_transfer_and_no_other(server):
    # One loop timer serves every transfer's read timeout (0.3 s here). A quick answer is done before the timer
    # first fires; the timer must then still strike each silent transfer, the one started later too, and must not
    # strike a body whose bytes keep coming within the timeout although it outlives the others' timeouts.
    async def transfers():
        guard = Guard(allow_private=True)
        await guard.check("127.0.0.1", server.port)
        transport = CurlTransport(guard, per_origin=8)
        timeout = httpx.Timeout(5.0, read=0.3)
        try:
            outcomes = await asyncio.wait_for(asyncio.gather(
                _outcome(transport, server.url("/_/status/200"), timeout),
                _outcome(transport, server.url("/_/delay?seconds=0.8"), timeout),
                _outcome(transport, server.url("/_/drip?bytes=8&interval=0.1"), timeout),
                _outcome(transport, server.url("/_/delay?seconds=0.8"), timeout, wait=0.2)), 10)
            return outcomes, set(transport._driver.timed)
        finally:
            await transport.aclose()

    (quick, silent, dripping, silent_later), timed = asyncio.run(transfers())
    assert quick > 0 and dripping == 8
    assert silent == silent_later == "ReadTimeout"
    assert timed == set()  # every transfer's read timer was let go
    time.sleep(0.8)  # the server's threads hold their end of the connections until their pause is over


def test_a_connect_timeout_still_fires_when_curl_asks_again_for_its_deadlines(server):
    # The TLS handshake with a peer that never answers is timed by curl's connect timeout, through the loop timer
    # curl asks for. Quick requests on the same transport before and during it ask again and again for deadlines the
    # timer already has (kept, not re-armed): the connect timeout must fire all the same.
    with silent_peer() as peer:
        async def transfers():
            guard = Guard(allow_private=True)
            await guard.check("127.0.0.1", server.port)
            await guard.check("127.0.0.1", peer.port)
            transport = CurlTransport(guard, per_origin=4)
            timeout = httpx.Timeout(5.0, connect=0.3)
            try:
                before = [await _outcome(transport, server.url("/_/status/200"), timeout) for _ in range(3)]
                during = await asyncio.wait_for(asyncio.gather(
                    _outcome(transport, f"https://127.0.0.1:{peer.port}/", timeout),
                    *(_outcome(transport, server.url("/_/delay?seconds=0.1"), timeout, wait=0.05 * number)
                      for number in range(6))), 10)
                return before, during
            finally:
                await transport.aclose()

        before, (handshake, *quick) = asyncio.run(transfers())
    assert all(isinstance(length, int) for length in before + quick)
    assert handshake == "ConnectTimeout"


def test_curls_timer_is_kept_for_the_deadline_it_has_and_moved_for_another():
    async def timers():
        driver = engine_curl._Driver(per_origin=1)
        loop = asyncio.get_running_loop()
        seen = []
        try:
            driver._on_timer(5000)
            first = driver.timer
            driver._on_timer(5000)  # the same deadline, asked for again (within curl's millisecond)
            seen.append(driver.timer is first)
            driver._on_timer(200)  # another: the timer moves
            seen.append(first.cancelled() and abs(driver.timer.when() - (loop.time() + 0.2)) < 0.1)
            driver._on_timer(0)
            soon = driver.timer
            driver._on_timer(0)  # still due at the loop's next turn
            seen.append(driver.timer is soon and not soon.cancelled())
            driver._on_timer(-1)  # no timeout at all
            seen.append(driver.timer is None and soon.cancelled())
            driver._on_timer(0)
            await asyncio.sleep(0)  # fired (curl acts on nothing): the next ask arms a new timer
            await asyncio.sleep(0)
            seen.append(driver.timer is None)
            driver._on_timer(5000)
            seen.append(driver.timer is not None and not driver.timer.cancelled())
        finally:
            driver.close()
        return seen

    assert asyncio.run(timers()) == [True] * 6


def test_one_transfer_per_request_and_the_handles_are_reused(server):
    server.route("/k", Reply(200, "<title>kept</title>"))

    async def three() -> tuple[int, int]:
        guard = Guard(allow_private=True)
        await guard.check("127.0.0.1", server.port)
        transport = CurlTransport(guard, per_origin=1)
        try:
            for _ in range(3):
                request = httpx.Request("GET", server.url("/k"), extensions={"timeout": httpx.Timeout(5).as_dict()})
                response = await transport.handle_async_request(request)
                assert [chunk async for chunk in response.aiter_raw()] == [b"<title>kept</title>"]
                await response.aclose()
            driver = transport._driver
            return len(driver.idle), len(driver.active)
        finally:
            await transport.aclose()

    assert asyncio.run(three()) == (1, 0)
    assert server.hits("/k") == 3 and server.connections == 1


def test_a_head_past_h11s_bound_is_read_by_httpx(server):
    # curl takes heads up to 300 KB; h11 bounds an incomplete head at 100 KB. The engine hands a head past that bound
    # to httpx's own transport (one more request), so it is read, or refused, as the httpx engine reads it.
    server.route("/huge", Reply(200, "x", headers={f"X-Filler-{number}": "v" * 1000 for number in range(120)}))

    async def ask(transport_class) -> tuple[str, int]:
        guard = Guard(allow_private=True)
        await guard.check("127.0.0.1", server.port)
        transport = transport_class(guard, per_origin=1)
        try:
            request = httpx.Request("GET", server.url("/huge"), extensions={"timeout": httpx.Timeout(5).as_dict()})
            try:
                response = await transport.handle_async_request(request)
            except httpx.HTTPError as error:
                return type(error).__name__, getattr(transport, "fallbacks", 0)
            await response.aread()
            await response.aclose()
            return f"{response.status_code} {len(response.headers)}", getattr(transport, "fallbacks", 0)
        finally:
            await transport.aclose()

    by_httpx, _ = asyncio.run(ask(PerOriginTransport))
    assert asyncio.run(ask(CurlTransport)) == (by_httpx, 1)
    assert server.hits("/huge") == 3  # httpx's own, then curl's (refused at the bound) and httpx's again


def test_header_lines_for_curl_are_the_pairs_as_sent_and_refuse_line_breaks_every_time():
    pairs = [("Host", "127.0.0.2:8080"), ("User-Agent", "refcheck/1"), ("X-Empty", ""), ("X-Latin", "caf\xe9")]
    expected = [b"Host: 127.0.0.2:8080", b"User-Agent: refcheck/1", b"X-Empty;", b"X-Latin: caf\xe9", b"Accept:"]
    for _ in range(2):  # the second time from the remembered lines
        assert engine_curl._header_lines(pairs) == expected
        assert engine_curl._header_lines([("accept", "*/*")]) == [b"accept: */*"]
    for bad in [("X-A", "1\r\nX-B: 2"), ("X-A\n", "1"), ("X-A", "1\0")]:
        for _ in range(2):  # a refused pair is refused again, never remembered as a line
            with pytest.raises(httpx.LocalProtocolError):
                engine_curl._header_lines([bad])


def _header_line_read_step_by_step(line: bytes):
    """_on_header's reading of a field line before its one-step match: (name, value), or None for a refused line."""
    name, colon, value = line.partition(b":")
    value = value.strip(b" \t\r\n")
    if not colon or not engine_curl._TOKEN.fullmatch(name) or engine_curl._BAD_VALUE.search(value):
        return None
    return name, value


def _read_in_a_head(line: bytes):
    head = engine_curl._read_head_step_by_step([b"HTTP/1.1 200 OK\r\n", b"Prev: v\r\n", line])
    return None if head is None else head[1][-1]


_PIECES = [b"Content-Type", b"X-A", b"bad name", b"", b":", b" ", b"\t", b"\r", b"\n", b"\r\n", b"\x00", b"\x7f",
           b"\x0b", b"text/html", b"a b", b"\xe9", b";", b"=", b"\"q\""]


@settings(max_examples=3000, suppress_health_check=list(HealthCheck), deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=7).map(b"".join))
def test_a_header_line_is_read_in_one_step_as_it_was_step_by_step(line):
    if line[:5] == b"HTTP/" or line in (b"\r\n", b"\n") or line[:1] in (b" ", b"\t"):
        return  # the status line, the head's end and continuations have their own branches
    assert _read_in_a_head(line) == _header_line_read_step_by_step(line)


_LINE = st.lists(st.sampled_from([piece for piece in _PIECES if b"\n" not in piece] + [b"X-B: 1", b"Y:2 ", b"HTTP/1.1"]),
                 min_size=1, max_size=6).map(b"".join)


@settings(max_examples=3000, suppress_health_check=list(HealthCheck), deadline=None)
@given(st.sampled_from([b"HTTP/1.1 200 OK", b"HTTP/1.1 404", b"HTTP/1.0 30x Moved", b"HTTP/2 204 ", b"ICY 200 OK"]),
       st.lists(st.tuples(_LINE, st.sampled_from([b"\r\n", b"\n"])).map(b"".join), max_size=8),
       st.sampled_from([b"\r\n", b"\n"]))
def test_a_head_read_in_one_call_is_read_as_line_by_line(status_line, lines, end):
    # curl hands the engine whole lines, each ending with its line feed; the head is read at its blank line.
    head = [status_line + end, *lines]
    assert engine_curl._read_head(head) == engine_curl._read_head_step_by_step(head)


def test_a_plain_head_is_read_in_one_call(monkeypatch):
    head = [b"HTTP/1.1 301 Moved\r\n", b"Location:  /x \r\n", b"X-Empty:\r\n", b"Set-Cookie: a=1; b\tc\n"]
    expected = (301, [(b"Location", b"/x"), (b"X-Empty", b""), (b"Set-Cookie", b"a=1; b\tc")])
    assert engine_curl._read_head(head) == engine_curl._read_head_step_by_step(head) == expected
    monkeypatch.setattr(engine_curl, "_read_head_step_by_step", None)  # the one-call reading alone
    assert engine_curl._read_head(head) == expected
