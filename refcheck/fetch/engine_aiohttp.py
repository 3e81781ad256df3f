"""The fetcher's HTTP engine on aiohttp, behind httpx's transport interface: httpx builds the request and the fetcher
reads an httpx.Response, but the bytes go through aiohttp's connection pool and its C HTTP parser, which costs about
a third of the CPU per request of httpx's own stack (docs/benchmarks.md, 2026-12-05 "HTTP engine").

What the fetcher relies on, kept here:
- **Pinned addresses.** A request goes out only for a host:port the guard checked (`Guard.pinned`), and the
  connection is made only to the addresses it approved: aiohttp's resolver is replaced by one that answers from the
  guard's pins and never asks DNS, so an answer that changes between the check and the connect (rebinding) cannot
  move the socket. IP literals are not resolved by aiohttp at all; they were checked as they are.
- **Per-origin pooling.** aiohttp keys its idle connections on (host, port, TLS); `limit_per_host` bounds each.
- **Raw bodies.** `auto_decompress=False`: the body arrives as sent and the fetcher's capped decoder undoes
  Content-Encoding (a gzip or brotli bomb stops at the cap). Reading is streamed (`readany`); aiohttp pauses the
  socket once its buffer holds 128 KB, so a cap stops the download as well as the decoding.
- **No redirects followed, no cookies kept, no proxies, no environment** (`trust_env=False`): refcheck follows
  redirects itself, checking every hop.
- **Timeouts** from the request's httpx timeout extension: connect (TCP and TLS handshake) and per-read.
- **TLS** with the process's verifying context (`client._tls_context`, the seam tests replace), offering only
  HTTP/1.1 by ALPN: aiohttp speaks no HTTP/2 (see `_tls_context`).
- **httpx's reading of odd answers.** aiohttp's parser (llhttp) is stricter than httpx's (h11), and bounds a head
  differently (here: 64 KB per header line, 256 header fields, where h11 bounds the head's total size). An answer
  whose head aiohttp refuses is asked once more through httpx's own transport (`PerOriginTransport`, the same
  guard and pins), so it is read, or refused, exactly as with the httpx engine: a page with 10,000 headers, or one
  whose body runs past its Content-Length (aiohttp reads the excess as the next answer in the same breath and
  refuses both), is still a page. Such answers are rare; each costs one more request.
- **Failures as httpx's exceptions**, chained to the OSError or ssl.SSLError that caused them, so
  `client.attempt_for_error` reads them (errno, TLS reason) exactly as it reads httpx's own.

REFCHECK_HTTP_ENGINE=aiohttp, or auto (the default) when pycurl does not import: this engine from
client.BIG_RUN_MIN_FETCHES network fetches, httpx's own stack below; see client.http_engine. engine_curl.py is the
big runs' default engine (less CPU per request).
"""

from __future__ import annotations

import asyncio
import errno
import functools
import socket
import ssl
from collections.abc import Callable

import aiohttp
import httpx
import yarl
from aiohttp.abc import AbstractResolver

from refcheck.fetch import client as _client
from refcheck.fetch.guard import Guard
from refcheck.fetch.heads import Answer, answer_headers  # noqa: F401 (also this module's: tests import it from here)

MAX_FIELD_SIZE = 64 * 1024  # one header line (a long Content-Security-Policy or Set-Cookie still fits)
MAX_LINE_SIZE = 8190  # the status line
MAX_HEADERS = 256  # header fields in one answer
_NOT_AUTOMATIC = frozenset({"Accept", "Accept-Encoding", "User-Agent", "Content-Type"})  # httpx supplies these
_PARTIAL_BODY = "peer closed connection without sending complete message body"  # h11's words, which tests read


class _PinnedResolver(AbstractResolver):
    """aiohttp's resolver, answering only what the guard approved for (host, port): no DNS lookup ever."""

    def __init__(self, guard: Guard):
        self._guard = guard

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[dict]:
        addresses = self._guard.pinned(host, port)
        if not addresses:
            raise OSError(f"refcheck: {host}:{port} was not checked by the guard; refusing to connect")
        return [{"hostname": host, "host": address, "port": port,
                 "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST} for address in addresses]

    async def close(self) -> None:
        pass


@functools.cache
def _own_tls_context() -> ssl.SSLContext:
    return _client._tls_context.__wrapped__()


def _tls_context() -> ssl.SSLContext:
    """The verifying context for HTTPS, offering only HTTP/1.1 by ALPN.

    httpcore sets ALPN to ["http/1.1", "h2"] on the context it is given, at every connection it makes; if aiohttp
    shared that context, a server could pick h2 and aiohttp would speak HTTP/1.1 into it. So with the default
    (process-wide, cached) context this engine loads a twin of its own; a context a caller put in place of
    `client._tls_context` (the tests' seam) is used as it is, set to HTTP/1.1 whenever a transport starts.
    """
    factory = _client._tls_context
    if getattr(factory, "__wrapped__", None) is not None and hasattr(factory, "cache_info"):
        context = _own_tls_context()
    else:
        context = factory()
    context.set_alpn_protocols(["http/1.1"])
    return context


def preload_tls() -> None:
    """Load the default context's CA bundle now (before worker processes fork); a test's own context is left alone."""
    factory = _client._tls_context
    if getattr(factory, "__wrapped__", None) is not None and hasattr(factory, "cache_info"):
        _own_tls_context()


@functools.lru_cache(maxsize=64)
def _timeout(connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=None, connect=None, sock_connect=connect, sock_read=read)


def _first_oserror(error: BaseException) -> BaseException | None:
    """The OSError (or ssl.SSLError) that caused an aiohttp error, looking through its wrappers."""
    current: BaseException | None = error
    for _ in range(8):
        if current is None:
            return None
        inner = getattr(current, "os_error", None) or getattr(current, "certificate_error", None)
        if isinstance(inner, OSError):
            return inner
        if isinstance(current, OSError) and not isinstance(current, aiohttp.ClientError) and (
                current.errno or isinstance(current, ssl.SSLError)):
            return current
        current = current.__cause__ or current.__context__
    return None


def _mapped(error: BaseException, *, reading: bool) -> httpx.TransportError:
    """The httpx exception for an aiohttp failure; the caller raises it `from` the root cause."""
    if isinstance(error, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(str(error) or "connect timeout")
    if isinstance(error, (aiohttp.ServerTimeoutError, TimeoutError)):
        return httpx.ReadTimeout(str(error) or "read timeout")
    cause = _first_oserror(error)
    if isinstance(error, aiohttp.ClientConnectorError):  # DNS (the pin), refused, unreachable, TLS handshake
        return httpx.ConnectError(str(cause or error) or type(error).__name__)
    if isinstance(error, aiohttp.ServerDisconnectedError):
        if reading:
            return httpx.RemoteProtocolError(_PARTIAL_BODY)
        return httpx.RemoteProtocolError("Server disconnected without sending a response.")
    if isinstance(error, aiohttp.ClientPayloadError):
        if cause is not None and cause.errno in (errno.ECONNRESET, errno.EPIPE):
            return httpx.ReadError(str(cause))
        return httpx.RemoteProtocolError(f"{_PARTIAL_BODY}: {error}")
    if isinstance(error, aiohttp.ClientResponseError):  # a head the parser refused (bad status line, too long)
        return httpx.RemoteProtocolError(error.message or str(error))
    if isinstance(error, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(str(error))
    if isinstance(error, OSError):  # ClientOSError: reset, broken pipe
        if reading:
            return httpx.ReadError(str(error) or type(error).__name__)
        return httpx.WriteError(str(error) or type(error).__name__) if error.errno == errno.EPIPE else \
            httpx.ReadError(str(error) or type(error).__name__)
    return httpx.TransportError(f"{type(error).__name__}: {error}")


def _raise_mapped(error: BaseException, *, reading: bool):
    mapped = _mapped(error, reading=reading)
    raise mapped from (_first_oserror(error) or error)


class _Body(httpx.AsyncByteStream):
    """An aiohttp response's body as httpx's raw stream: the bytes as they arrive, failures as httpx's."""

    def __init__(self, response: aiohttp.ClientResponse):
        self._response = response

    async def __aiter__(self):
        content = self._response.content
        try:
            while True:
                chunk = await content.readany()
                if not chunk:
                    return
                yield chunk
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            _raise_mapped(error, reading=True)

    async def aclose(self) -> None:
        # A body read to its end leaves the connection for reuse; anything else closes it (aiohttp cannot reuse a
        # connection whose answer was not read through).
        self._response.release()


class AiohttpTransport(_client.HttpxFallback, httpx.AsyncBaseTransport):
    """httpx.AsyncBaseTransport on one aiohttp session: per-origin pools of `per_origin` connections each."""

    def __init__(self, guard: Guard, *, per_origin: int):
        self._guard = guard
        self._per_origin = per_origin
        self._session: aiohttp.ClientSession | None = None
        self._tls: ssl.SSLContext | None = None

    def _open(self) -> aiohttp.ClientSession:
        # Made on first use, inside the running loop (a forked worker process makes its own).
        connector = aiohttp.TCPConnector(limit=0, limit_per_host=self._per_origin, resolver=_PinnedResolver(self._guard),
                                         use_dns_cache=False, ssl=False, enable_cleanup_closed=False)
        self._session = aiohttp.ClientSession(
            connector=connector, auto_decompress=False, trust_env=False, cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=_NOT_AUTOMATIC, timeout=aiohttp.ClientTimeout(total=None), raise_for_status=False,
            max_line_size=MAX_LINE_SIZE, max_field_size=MAX_FIELD_SIZE, max_headers=MAX_HEADERS,
            requote_redirect_url=False)
        # aiohttp resends an idempotent request once by itself when its connection drops (a reset, a disconnect),
        # on a fresh connection as well as a reused one. Retries are the fetcher's (its policy, its per-host budget,
        # its count in the reason): off here, so one request of the fetcher is one request on the wire. There is no
        # public switch; the attribute is checked by tests/fetch/test_engines.py.
        self._session._retry_connection = False
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw]
        if request.method not in ("GET", "HEAD"):
            body = await request.aread()
        else:
            body = None
        response = await self._request(request.method, request.url, headers, request.extensions.get("timeout"),
                                       lambda: request, data=body)
        if isinstance(response, httpx.Response):
            return response
        return httpx.Response(response.status, headers=response.raw_headers, stream=_Body(response),
                              request=request)

    async def send_get(self, url: httpx.URL, headers: list[tuple[str, str]], timeouts: dict | None,
                       request: Callable[[], httpx.Request]) -> Answer | httpx.Response:
        """The fetcher's GET without httpx's models: `headers` exactly as the httpx.Request that `request()` builds
        would send them (that request is built only if aiohttp refuses the answer and httpx is asked instead)."""
        response = await self._request("GET", url, headers, timeouts, request)
        if isinstance(response, httpx.Response):
            return response
        return Answer(response.status, response.raw_headers, _Body(response))

    async def _request(self, method: str, url: httpx.URL, headers: list[tuple[str, str]], timeouts: dict | None,
                       request: Callable[[], httpx.Request], data: bytes | None = None,
                       ) -> aiohttp.ClientResponse | httpx.Response:
        """aiohttp's answer (its body still to read), or httpx's for an answer aiohttp refused; failures as httpx's."""
        scheme = url.scheme
        if scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"refcheck fetches only http and https, not {scheme!r}")
        host = url.raw_host.decode("ascii")
        port = url.port or (443 if scheme == "https" else 80)
        if not self._guard.pinned(host, port):
            raise httpx.ConnectError(f"refcheck: {host}:{port} was not checked by the guard; refusing to connect")
        session = self._session or self._open()
        timeouts = timeouts or {}
        options = {}
        if scheme == "https":
            if self._tls is None:
                self._tls = _tls_context()
            elif self._fallback is not None:  # httpcore sets h2 on a context it shares with this engine (tests)
                self._tls.set_alpn_protocols(["http/1.1"])
            options["ssl"] = self._tls
        if data is not None:
            options["data"] = data
        try:
            return await session.request(
                method, yarl.URL(str(url), encoded=True), headers=headers, allow_redirects=False,
                timeout=_timeout(timeouts.get("connect"), timeouts.get("read")), **options)
        except aiohttp.ClientResponseError:
            # A head aiohttp's parser refused (the connection is closed): asked again the way httpx reads it.
            return await self._ask_httpx(request())
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            _raise_mapped(error, reading=False)

    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
        await self._close_fallback()
