"""The aiohttp engine's GET without httpx's models (`AiohttpTransport.send_get`, `heads.Answer`): the same
request on the wire and the same reading of the answer as through httpx's Request and Response."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from refcheck.fetch import client
from refcheck.fetch.client import Fetcher, _RequestBase
from refcheck.fetch.engine_aiohttp import AiohttpTransport, Answer, answer_headers
from refcheck.fetch.guard import Guard
from refcheck.models import PageFacts, UrlStatus
from refcheck.settings import FetchSettings
from tests.webserver import Reply

CLIENT_HEADERS = {"User-Agent": "refcheck/test", "Accept": "text/html,*/*;q=0.8", "Accept-Encoding": "gzip"}


@pytest.mark.parametrize("headers", [
    {},
    {"If-None-Match": '"abc"', "If-Modified-Since": "Sat, 05 Dec 2026 10:00:00 GMT"},
    {"accept": "application/pdf", "Host": "xn--r8jz45g.jp"},  # a name the client has (other case) and one it does not
    {"host": "example.org:8080", "X-Custom": "1"},
    {"ACCEPT-ENCODING": "identity", "user-agent": "other/1", "X-Custom": "1"},
])
@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/a/b?c=1#f", "https://xn--r8jz45g.jp/パス?q=値",
                                 "http://[::1]:81/", "https://example.org:443/"])
def test_header_lines_are_the_ones_the_built_request_sends(headers, url):
    base = _RequestBase(httpx.AsyncClient(headers=CLIENT_HEADERS, trust_env=False))
    target = httpx.URL(url)
    built = base.build(target, headers).headers.raw
    sent = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in built]
    assert base.header_pairs(target, headers) == sent


def test_a_header_value_httpx_refuses_is_refused_alike():
    base = _RequestBase(httpx.AsyncClient(headers=CLIENT_HEADERS, trust_env=False))
    with pytest.raises(UnicodeEncodeError):
        base.build(httpx.URL("http://127.0.0.1/"), {"X-Name": "café"})
    with pytest.raises(UnicodeEncodeError):
        base.header_pairs(httpx.URL("http://127.0.0.1/"), {"X-Name": "café"})


@pytest.mark.parametrize("raw", [
    (),
    ((b"Content-Type", b"text/html"), (b"Location", b"/next")),
    ((b"Set-Cookie", b"a=1"), (b"set-cookie", b"b=2"), (b"SET-COOKIE", b"c=3")),  # repeated, in three cases
    ((b"X-Title", "Straße".encode()), (b"Content-Type", b"text/html")),  # UTF-8
    ((b"X-Title", "Straße".encode("latin-1")), (b"ETag", b'"e"')),  # not UTF-8: ISO-8859-1
    ((b"Retry-After", b"120"), (b"retry-after", b"60"), (b"Content-Length", b"0")),
    ((b"Vary", b"a"), (b"vary", b"b"), (b"X-Title", "Straße".encode())),  # ASCII read first, then not: read again
    ((b"Vary", b"a"), (b"vary", b"b"), (b"X-Title", "Straße".encode("latin-1"))),
])
def test_answer_headers_read_as_httpx_reads_them(raw):
    assert answer_headers(raw) == dict(httpx.Headers(list(raw)).items())


async def _heads_on_the_wire(fetch) -> list[bytes]:
    """The request heads a one-shot loopback server receives while `fetch(url)` runs (its port written as PORT)."""
    heads: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        heads.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        await fetch(f"http://127.0.0.1:{port}/page?q=1")
    return [head.replace(f":{port}".encode(), b":PORT") for head in heads]


def test_the_fetcher_sends_the_same_request_as_through_httpx_models(monkeypatch):
    monkeypatch.setenv("REFCHECK_HTTP_ENGINE", "aiohttp")
    settings = FetchSettings(allow_private=True, workers=1, probe_soft_404=False, retries=0,
                             host_headers=(("127.0.0.1", "X-Token", "t"),))

    async def through_fetcher(url: str) -> None:
        run = await Fetcher(settings, read_page=lambda body, kind, at: PageFacts(content_type=kind)).run([url])
        assert run.results[url].status is UrlStatus.OK

    async def through_httpx_models(url: str) -> None:
        guard = Guard(allow_private=True)
        await guard.check("127.0.0.1", int(url.split(":")[2].split("/")[0]))
        transport = AiohttpTransport(guard, per_origin=1)
        headers = {"User-Agent": client.user_agent(settings), "Accept": client.ACCEPT,
                   "Accept-Encoding": client.accept_encoding()}
        async with httpx.AsyncClient(transport=transport, headers=headers, trust_env=False) as http:
            request = _RequestBase(http).build(httpx.URL(url), {"X-Token": "t"})
            response = await transport.handle_async_request(request)
            assert [chunk async for chunk in response.aiter_raw()] == [b"hello"]
            await response.aclose()

    light = asyncio.run(_heads_on_the_wire(through_fetcher))
    modelled = asyncio.run(_heads_on_the_wire(through_httpx_models))
    assert len(light) == 1 and b"X-Token: t\r\n" in light[0]
    assert light == modelled


def test_an_answer_reads_its_body_once_and_releases_its_connection(server):
    server.route("/p", Reply(200, "<p>hi</p>"))
    url = httpx.URL(server.url("/p"))

    async def get_twice() -> tuple[Answer, bytes, BaseException | None]:
        guard = Guard(allow_private=True)
        await guard.check("127.0.0.1", url.port)
        transport = AiohttpTransport(guard, per_origin=1)
        base = _RequestBase(httpx.AsyncClient(trust_env=False))
        answer = await transport.send_get(url, base.header_pairs(url, {}), None, lambda: base.build(url, {}))
        body = b"".join([chunk async for chunk in answer.aiter_raw()])
        try:
            [chunk async for chunk in answer.aiter_raw()]
            again = None
        except httpx.StreamError as error:
            again = error
        await answer.aclose()  # a second close is harmless
        await transport.aclose()
        return answer, body, again

    answer, body, again = asyncio.run(get_twice())
    assert isinstance(answer, Answer) and answer.status_code == 200 and body == b"<p>hi</p>"
    assert answer.headers["content-type"].startswith("text/html")
    assert isinstance(again, httpx.StreamClosed)
