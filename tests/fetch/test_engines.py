"""The fetcher's HTTP engines (REFCHECK_HTTP_ENGINE: curl, the big runs' default, aiohttp and httpx) behind one
transport interface: each test runs once per engine (tests/fetch/conftest.py) against a real loopback server, and the
answers and failures must mean the same thing to the fetcher whichever engine carried them."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
from dataclasses import replace

import httpx
import pytest

from refcheck.errors import ConfigError
from refcheck.fetch import client
from refcheck.fetch.client import attempt_for_error, http_transport
from refcheck.fetch.guard import Guard
from refcheck.models import UrlStatus
from refcheck.fetch import fetch_all
from tests.fetch.test_network import free_port
from tests.hostile import PAGE, HostileServer, _read_head, by_path, response
from tests.webserver import Reply


async def _get(url: str, *, guard: Guard | None = None, check: bool = True, timeout: float = 2.0, times: int = 1,
               per_origin: int = 2):
    """GET `url` `times` times through the engine's transport (after the guard's check, as the fetcher does):
    [(status, headers, raw body)] or the exception of the first failure."""
    guard = guard or Guard(allow_private=True)
    url_ = httpx.URL(url)
    if check:
        await guard.check(url_.raw_host.decode("ascii"), url_.port or 80)
    transport = http_transport(guard, per_origin=per_origin)
    answers = []
    async with httpx.AsyncClient(transport=transport, follow_redirects=False, trust_env=False,
                                 timeout=httpx.Timeout(timeout, pool=None)) as http:
        for _ in range(times):
            request = http.build_request("GET", url_)
            response = await transport.handle_async_request(request)
            try:
                body = b"".join([chunk async for chunk in response.aiter_raw()])
            finally:
                await response.aclose()
            answers.append((response.status_code, response.headers, body))
    return answers


def _failure(url: str, **options) -> BaseException:
    try:
        asyncio.run(_get(url, **options))
    except Exception as error:  # the test looks at what it is
        return error
    raise AssertionError("no failure")


def test_the_engine_is_chosen_by_the_environment(http_engine, monkeypatch):
    assert client.http_engine() == http_engine
    transport = http_transport(Guard(allow_private=True), per_origin=1)
    expected = {"aiohttp": "AiohttpTransport", "httpx": "PerOriginTransport", "curl": "CurlTransport"}[http_engine]
    assert type(transport).__name__ == expected
    monkeypatch.setenv("REFCHECK_HTTP_ENGINE", "wget")
    with pytest.raises(ConfigError, match="REFCHECK_HTTP_ENGINE"):
        client.http_engine()


def test_auto_uses_curl_only_for_runs_large_enough_to_repay_its_import(server, quick, no_wait, monkeypatch):
    monkeypatch.setenv("REFCHECK_HTTP_ENGINE", "auto")
    assert client.http_engine(client.BIG_RUN_MIN_FETCHES - 1) == "httpx"
    assert client.http_engine(client.BIG_RUN_MIN_FETCHES) == "curl"
    assert client.http_engine() == "httpx"  # nothing known about the run: the one without an import to repay
    urls = [server.url(f"/_/status/200?n={number}") for number in range(3)]
    small = client.Fetcher(replace(quick, workers=1), sleep=no_wait)
    assert all(r.status is UrlStatus.OK for r in asyncio.run(small.run(urls)).results.values())
    assert small.engine == "httpx"
    monkeypatch.setattr(client, "BIG_RUN_MIN_FETCHES", 3)
    large = client.Fetcher(replace(quick, workers=1), sleep=no_wait)
    assert all(r.status is UrlStatus.OK for r in asyncio.run(large.run(urls)).results.values())
    assert large.engine == "curl"


def test_without_pycurl_big_runs_and_the_curl_engine_use_aiohttp(server, quick, no_wait, monkeypatch):
    monkeypatch.setattr(client, "curl_available", lambda: False)
    monkeypatch.setenv("REFCHECK_HTTP_ENGINE", "auto")
    assert client.http_engine(client.BIG_RUN_MIN_FETCHES) == "aiohttp"
    monkeypatch.setenv("REFCHECK_HTTP_ENGINE", "curl")
    assert type(http_transport(Guard(allow_private=True), per_origin=1)).__name__ == "AiohttpTransport"
    url = server.url("/_/status/200")
    fetcher = client.Fetcher(replace(quick, workers=1), sleep=no_wait)
    assert asyncio.run(fetcher.run([url])).results[url].status is UrlStatus.OK


def test_a_refused_connection_means_dead_with_either_engine(quick):
    error = _failure(f"http://127.0.0.1:{free_port()}/")
    assert isinstance(error, httpx.ConnectError)
    attempt = attempt_for_error(error, quick.timeout)
    assert (attempt.status, attempt.reason, attempt.transient) == (UrlStatus.DEAD, "connection refused", True)


def test_a_silent_server_is_a_read_timeout_with_either_engine(server, quick):
    error = _failure(server.url("/_/delay?seconds=0.6"), timeout=0.2)
    assert isinstance(error, httpx.ReadTimeout)
    assert attempt_for_error(error, 0.2).reason == "read timeout (nothing for 0.2 s)"
    time.sleep(0.6)  # the server's thread still holds its end of the connection until its pause is over


def test_a_reset_before_the_answer_is_a_transient_error_with_either_engine(server, quick):
    error = _failure(server.url("/_/reset"))
    assert isinstance(error, httpx.TransportError)
    attempt = attempt_for_error(error, quick.timeout)
    assert attempt.status is UrlStatus.ERROR and attempt.transient
    assert "reset" in attempt.reason or "disconnected" in attempt.reason
    assert server.hits("/_/reset") == 1  # the engine itself never asks again: retries are the fetcher's


def test_a_host_the_guard_never_checked_gets_no_connection(server):
    error = _failure(f"http://unchecked.test:{server.port}/", check=False)
    assert isinstance(error, httpx.ConnectError) and "not checked by the guard" in str(error)
    assert server.connections == 0


def test_the_connection_goes_to_the_pinned_address_not_a_new_lookup(server):
    # rebinding.test resolves to the server once (the guard's check); any later lookup would answer an address
    # nothing listens on. The engine must connect to what was checked.
    answers = iter([["127.0.0.1"]])

    async def resolver(host, port):
        return next(answers, ["127.0.0.9"])

    server.route("/page", Reply(200, "<title>pinned</title>"))
    [(status, _, body)] = asyncio.run(_get(f"http://rebinding.test:{server.port}/page",
                                           guard=Guard(allow_private=True, resolver=resolver)))
    assert status == 200 and body == b"<title>pinned</title>"
    assert server.requests_to("/page")[0].headers["host"] == f"rebinding.test:{server.port}"


def test_bodies_arrive_as_sent_the_engine_decodes_nothing(server):
    page = b"<title>zipped</title>" * 50
    server.route("/z", Reply(200, gzip.compress(page), headers={"Content-Encoding": "gzip"}))
    [(status, headers, body)] = asyncio.run(_get(server.url("/z")))
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert body[:2] == b"\x1f\x8b" and gzip.decompress(body) == page  # refcheck's capped decoder does the rest


def test_redirects_are_not_followed_and_cookies_are_not_kept(server):
    server.route("/moved", Reply(302, "", headers={"Location": "/elsewhere", "Set-Cookie": "session=abc; Path=/"}))
    answers = asyncio.run(_get(server.url("/moved"), times=2))
    assert [status for status, _, _ in answers] == [302, 302]
    assert answers[0][1]["location"] == "/elsewhere"
    assert server.hits("/elsewhere") == 0
    assert all("cookie" not in request.headers for request in server.requests_to("/moved"))


def test_connections_are_kept_and_reused_per_origin(server):
    server.route("/k", Reply(200, "<title>kept</title>"))
    answers = asyncio.run(_get(server.url("/k"), times=5))
    assert [status for status, _, _ in answers] == [200] * 5
    assert server.connections == 1


def test_aiohttp_own_retry_switch_still_exists(http_engine):
    # engine_aiohttp turns aiohttp's silent resend off through a private attribute; an aiohttp that renamed it would
    # double every failing request again, so this fails first.
    if http_engine != "aiohttp":
        pytest.skip("the aiohttp engine's own setting")
    from refcheck.fetch.engine_aiohttp import AiohttpTransport

    async def session_flag():
        transport = AiohttpTransport(Guard(allow_private=True), per_origin=1)
        session = transport._open()
        try:
            return session._retry_connection
        finally:
            await transport.aclose()

    assert asyncio.run(session_flag()) is False


def test_an_answer_aiohttp_cannot_parse_is_read_as_httpx_reads_it(quick, reader, no_wait, http_engine):
    # /short's body runs 80 bytes past its Content-Length in the same packet: h11 reads the 20 bytes it announced;
    # aiohttp's parser takes the rest for a second answer and refuses the whole read. The aiohttp engine then asks
    # once more through httpx's transport, so the page is read as with the httpx engine. curl reads the 20 bytes and
    # closes the connection, as h11 does.
    script = by_path({"/short": response(length=20)})
    with HostileServer(script) as server:
        url = server.url("/short")
        result = fetch_all([url], quick, read_page=reader, sleep=no_wait).results[url]
    assert result.status is UrlStatus.OK, result.reason
    assert [body for body, _, _ in reader.calls] == [PAGE[:20]]
    assert len(server.requests) == {"aiohttp": 2, "httpx": 1, "curl": 1}[http_engine]


def test_a_kept_alive_connection_closed_without_an_answer_is_one_request_on_the_wire():
    # The server answers the first request and keeps the connection, then reads the second and closes without a word.
    # httpx reports that; curl would resend on a fresh connection by itself (the engine stops it): retries are the
    # fetcher's, so every engine sends the second request once.
    def answer_then_drop(peer):
        peer.send(response())
        second = _read_head(peer.sock)
        with lock:
            heads.append(second)

    heads, lock = [], threading.Lock()
    with HostileServer(answer_then_drop) as server:
        outcomes = asyncio.run(_outcomes(server.url("/x"), times=2))
        time.sleep(0.1)  # any further connection's request head has arrived by now
        sent = [head for head in [*server.requests, *heads] if head]
    assert outcomes == [200, "RemoteProtocolError"]
    assert len(sent) == 2


async def _outcomes(url: str, times: int) -> list:
    """Each GET's status, or the name of the httpx exception it raised (the same transport, one after another)."""
    guard = Guard(allow_private=True)
    await guard.check("127.0.0.1", httpx.URL(url).port)
    transport = http_transport(guard, per_origin=1)
    outcomes: list = []
    try:
        for _ in range(times):
            request = httpx.Request("GET", url, extensions={"timeout": httpx.Timeout(2).as_dict()})
            try:
                response_ = await transport.handle_async_request(request)
                await response_.aread()
                await response_.aclose()
                outcomes.append(response_.status_code)
            except httpx.HTTPError as error:
                outcomes.append(type(error).__name__)
    finally:
        await transport.aclose()
    return outcomes
