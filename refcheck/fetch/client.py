"""The fetcher: the only code that talks httpx. It fetches each unique URL once, politely and safely, and turns every answer or failure into a FetchResult.

Shape of one URL's fetch: filter (include/exclude) → remap → cache → for each hop: guard check → host and global
concurrency gates → GET (streamed) → retries on transient outcomes → follow redirects by hand → read the page.
Every failure becomes data (an `Attempt`, then a `FetchResult`); httpx exceptions are mapped in `attempt_for_error`.
The bytes go through the engine `http_engine` picks behind httpx's transport interface: httpx's own stack
(`PerOriginTransport`), aiohttp (`engine_aiohttp.py`, for big runs) or libcurl (`engine_curl.py`), whose failures
are raised as httpx's.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import errno
import functools
import http
import json
import os
import re
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpcore
import httpx

from refcheck.errors import ConfigError
from refcheck.fetch import soft404
from refcheck.fetch.decoding import CappedDecoder, DecodingError, accept_encoding
from refcheck.fetch.guard import Guard, PinnedBackend, ResolutionFailed, UnsafeTarget
from refcheck.fetch.network import AsyncioBackend
from refcheck.fetch.remap import Remapper
from refcheck.fetch.run import (FetchRun, InvalidTarget, excluded, has_text, lacks_anchors, prepared_form,
                                resolve_location, reused)
from refcheck.fetch.retry import TRANSIENT_HTTP_STATUSES, HostRetryBudget, Sleep, parse_retry_after, with_retries
from refcheck.fetch.sweep import SweepTimer
from refcheck.models import FetchResult, PageFacts, Redirect, UrlStatus
from refcheck.pdf import is_pdf, read_pdf
from refcheck.settings import CacheSettings, FetchSettings

if TYPE_CHECKING:
    from refcheck.fetch.cache import FetchCache

NO_NETWORK_REASON = "no network: nothing was reachable"
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5"
SMALL_BODY_CAP = 64 * 1024  # what is read of an error, challenge or redirect body (enough to spot a challenge)
PAGE_READER_THREAD_BYTES = 256 * 1024  # bodies larger than this are parsed off the event loop
BOMB_RATIO = 100  # decoded bytes per compressed byte beyond which a capped body is reported as a bomb
KIND_SNIFF_BYTES = 1024  # a body's first bytes, where a PDF's magic number is looked for whatever the type says

PageReader = Callable[[bytes, "str | None", str], PageFacts]


@dataclass(frozen=True)
class Attempt:
    """One request's outcome, before redirects are followed: what the retry policy and the redirect loop decide on."""

    status: UrlStatus
    reason: str | None = None
    http_status: int | None = None
    location: str | None = None  # a 3xx's Location, still relative
    transient: bool = False  # worth retrying
    retry_after: float | None = None
    connection_level: bool = False  # DNS failure or network unreachable: evidence of "no network"
    page: PageFacts | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # a 304 to our conditional request
    body: bytes | None = field(default=None, repr=False)  # a success's decoded body, read before the page is parsed
    content_type: str | None = None
    pdf: bool = False  # the body is a PDF (by its type or its magic bytes): refcheck.pdf reads it, not the page reader
    truncated: bool = False  # the body was cut at its size cap


@dataclass(frozen=True)
class _Outcome:
    """A fetched URL's final answer, plus what the run needs beyond the FetchResult."""

    result: FetchResult
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    connection_level: bool = False
    # A page read without its main text keeps its body until the soft-404 judgement, which may need the text.
    body: bytes | None = field(default=None, repr=False)
    content_type: str | None = None
    read_url: str | None = None  # the URL the page reader was given for that body


@dataclass
class Share:
    """What fetching a set of targets leaves for the whole run to judge: connection-level failures, and how many
    targets went to the network (a URL the guard refused did not)."""

    deferred: list[tuple[_Outcome, list[str]]] = field(default_factory=list)
    attempted: int = 0

    def add(self, other: Share) -> None:
        self.deferred += other.deferred
        self.attempted += other.attempted


# ── URLs ─────────────────────────────────────────────────────────────────────────────────────────────────────────


def prepare_url(url: str) -> str:
    """The URL as it will be requested (see `run.prepared_form`), checked by httpx's own parser. Raises InvalidTarget."""
    prepared = prepared_form(url)
    if httpx_accepts_plainly(prepared):
        return prepared  # the check below could not fail: 18 µs per URL saved before the first request is sent
    try:
        parsed_url(prepared)
    except (httpx.InvalidURL, UnicodeError, ValueError) as error:
        raise InvalidTarget(f"malformed URL: {error}") from error
    return prepared


_HTTPX_MAX_URL_LENGTH = 65_536  # httpx._urlparse.MAX_URL_LENGTH


def httpx_accepts_plainly(prepared: str) -> bool:
    """Whether httpx's parser surely accepts this prepared URL without asking it.

    httpx refuses a URL that is too long or holds a non-printable ASCII character, and otherwise only a malformed
    IP literal, port or path, which the standard's serialisation (`prepared_form`) never writes: it percent-encodes
    every control and non-ASCII character and spells hosts, ports and paths canonically. tests/fetch/
    test_prepare_fast_path.py holds this on the standard's test data and on generated URLs.
    """
    return len(prepared) <= _HTTPX_MAX_URL_LENGTH and prepared.isascii() and prepared.isprintable()


_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))


def clean_location(value: str) -> str:
    """A Location header's value as a browser reads it (the WHATWG URL parser): leading and trailing C0 controls
    and spaces stripped, tabs and newlines removed, other C0 controls, spaces and DEL percent-encoded."""
    value = value.strip(_C0_AND_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")
    return "".join(f"%{ord(char):02X}" if ord(char) <= 0x20 or ord(char) == 0x7F else char for char in value)


@functools.lru_cache(maxsize=8192)
def parsed_url(url: str) -> httpx.URL:
    """httpx's parse of a URL, once: each hop needs it three times (validation, its host's gate, the request), and
    httpx.URL is immutable, so one object serves them all. Raises what httpx.URL raises (not cached)."""
    return plain_httpx_url(url) or httpx.URL(url)


# A URL in the shape the standard's serialisation (`prepared_form`) writes for an ordinary http(s) link, made only of
# characters httpx's parser keeps as they are: a lowercase scheme, a host of lowercase letters, digits, dots and
# hyphens (no IPv6 literal, no user info), a decimal port, a path (and query) with nothing httpx would percent-encode
# and only well-formed %XX escapes, no fragment.
_PLAIN_URL = re.compile(
    r"(https?)://([a-z0-9.-]+)(?::([0-9]{1,5}))?"
    r"(/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/\[\]\\^|]|%[0-9A-Fa-f]{2})*)"
    r"(?:\?((?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?\[\]\\^`{|}]|%[0-9A-Fa-f]{2})*))?")
_IPV4_SHAPED = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")  # httpx's IPv4_STYLE_HOSTNAME
# What ipaddress.IPv4Address (httpx's check) accepts of those: four decimal octets up to 255, no leading zero.
_IPV4_VALID = re.compile(r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
                         r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_DOT_SEGMENTS = frozenset((".", ".."))


def plain_httpx_url(url: str) -> httpx.URL | None:
    """httpx.URL(url) without httpx's parser, for a URL of `_PLAIN_URL`'s shape; None for any other (ask httpx).

    httpx's parser costs 10-40 µs per URL, most of it a Python-level scan of every character. On such a URL each of
    its steps is the identity (the URL is not too long, the scheme is lowercase, the host needs neither IDNA nor
    escaping, the path and query have nothing to percent-encode) except two, done here alike: a default port is
    dropped, and an IPv4-shaped host must be a valid address (else httpx refuses it: this leaves it to httpx). A
    path with dot segments goes to httpx too. The URL built holds the very components httpx's parser would produce,
    so every property read from it is httpx's: tests/fetch/test_plain_url.py compares the two on the standard's test
    data and on generated URLs, and fails if they ever differ.
    """
    if len(url) > _HTTPX_MAX_URL_LENGTH:
        return None  # httpx refuses it
    match = _PLAIN_URL.fullmatch(url)
    if match is None or _URL_COMPONENTS is None:
        return None
    scheme, host, port, path, query = match.groups()
    if "." in path and not _DOT_SEGMENTS.isdisjoint(path.split("/")):
        return None  # httpx removes dot segments
    if _IPV4_SHAPED.fullmatch(host) and not _IPV4_VALID.fullmatch(host):
        return None  # httpx refuses it (ipaddress does not take it): httpx's error it shall be
    number = None if port is None else int(port)
    if number == _DEFAULT_PORTS[scheme]:
        number = None
    built = _BARE_URL(httpx.URL)
    built._uri_reference = _URL_COMPONENTS(scheme, "", host, number, path, query, None)
    return built


def _url_components():
    """httpx's parse result type (private: if a later httpx has none, every URL goes to httpx's parser)."""
    try:
        from httpx._urlparse import ParseResult
    except ImportError:
        return None
    probe = httpx.URL("http://a.example/")
    if vars(probe) != {"_uri_reference": ParseResult("http", "", "a.example", None, "/", None, None)}:
        return None  # an httpx.URL holds more than its parse result, or another one: built by httpx alone
    return ParseResult


_URL_COMPONENTS = _url_components()
_BARE_URL = object.__new__


def _host_key(url: httpx.URL) -> str:
    return _host_name(url).lower()


def _host_decodes(url: httpx.URL) -> bool:
    try:
        url.host
    except UnicodeError:
        return False
    return True


def _host_name(url: httpx.URL) -> str:
    """httpx's Unicode form of the host; the ASCII form where httpx's IDNA 2008 decoder refuses a label that the
    WHATWG URL standard (UTS 46) accepted, e.g. `xn--yba` for `»` (found by the fuzz campaign)."""
    try:
        return url.host
    except UnicodeError:
        return url.raw_host.decode("ascii")


def host_of(target: str) -> str:
    """The host a prepared target URL is gated (and split between worker processes) by."""
    return _host_key(parsed_url(target))


# ── mapping answers and exceptions to attempts (the one place) ─────────────────────────────────────────────────


def _phrase(status: int) -> str:
    try:
        return f"HTTP {status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def attempt_for_status(status: int, retry_after: float | None = None) -> Attempt:
    """What a non-success, non-redirect HTTP status means for the URL."""
    reason = _phrase(status)
    transient = status in TRANSIENT_HTTP_STATUSES
    if status in (404, 410):
        return Attempt(UrlStatus.DEAD, reason, status)
    if status in (401, 403, 451):
        return Attempt(UrlStatus.BLOCKED, reason, status)
    if status == 429:
        return Attempt(UrlStatus.BLOCKED, f"{reason} (rate limited)", status, transient=True, retry_after=retry_after)
    if 300 <= status < 400:
        return Attempt(UrlStatus.ERROR, f"{reason} without a Location header", status)
    return Attempt(UrlStatus.ERROR, reason, status, transient=transient, retry_after=retry_after)


def attempt_for_error(error: BaseException, timeout: float) -> Attempt:
    """What an exception raised while requesting or reading means for the URL. Every httpx exception lands here."""
    if isinstance(error, UnsafeTarget):
        return Attempt(UrlStatus.UNSAFE, f"refused: {error}")
    if isinstance(error, ResolutionFailed):
        if error.nonexistent:
            return Attempt(UrlStatus.DEAD, f"host not found (NXDOMAIN): {error.host}", connection_level=True)
        return Attempt(UrlStatus.ERROR, f"DNS lookup failed for {error.host}: {error.detail}",
                       transient=True, connection_level=True)
    if isinstance(error, httpx.TimeoutException):
        phase = {httpx.ConnectTimeout: "connect", httpx.ReadTimeout: "read",
                 httpx.WriteTimeout: "write", httpx.PoolTimeout: "pool"}.get(type(error), "request")
        return Attempt(UrlStatus.TIMEOUT, f"{phase} timeout (nothing for {timeout:g} s)", transient=True)
    tls = _cause(error, ssl.SSLError)
    if tls is not None:
        return Attempt(UrlStatus.ERROR, f"TLS error: {getattr(tls, 'reason', None) or tls}")
    code = _errno(error)
    if isinstance(error, httpx.ConnectError):
        if code == errno.ECONNREFUSED:
            return Attempt(UrlStatus.DEAD, "connection refused", transient=True)
        if code in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN):
            return Attempt(UrlStatus.ERROR, f"network unreachable ({errno.errorcode[code]})",
                           transient=True, connection_level=True)
        return Attempt(UrlStatus.ERROR, f"connection failed: {error or type(error).__name__}", transient=True)
    if code in (errno.ECONNRESET, errno.EPIPE) or isinstance(error, (httpx.ReadError, httpx.WriteError)):
        return Attempt(UrlStatus.ERROR, "connection reset by the server", transient=True)
    if isinstance(error, httpx.RemoteProtocolError):
        return Attempt(UrlStatus.ERROR, f"protocol error: {error}", transient=True)
    if isinstance(error, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return Attempt(UrlStatus.INVALID, f"malformed URL: {error}")
    return Attempt(UrlStatus.ERROR, f"{type(error).__name__}: {error}")


def _cause(error: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen = 0
    current: BaseException | None = error
    while current is not None and seen < 10:
        if isinstance(current, kind):
            return current
        current = current.__cause__ or current.__context__
        seen += 1
    return None


def _errno(error: BaseException) -> int | None:
    """The first errno anywhere in the exception's chain (httpcore wraps the socket's OSError in its own errors)."""
    pending: list[BaseException] = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno:
            return current.errno
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return None


# Bot walls answer with their own page instead of the article. Header signals are definite; body markers are
# checked only on small error-status bodies (or left to the page reader for 200s), so an article that merely
# mentions Cloudflare is not mistaken for a challenge.
_CHALLENGE_HEADERS = (
    ("cf-mitigated", "challenge", "cloudflare"),
    ("x-amzn-waf-action", "challenge", "aws-waf"),
    ("x-amzn-waf-action", "captcha", "aws-waf"),
)
_CHALLENGE_BODIES = (
    (b"cf-chl", "cloudflare"),
    (b"challenge-platform", "cloudflare"),
    (b"<title>just a moment...</title>", "cloudflare"),
    (b"attention required! | cloudflare", "cloudflare"),
    (b"captcha-delivery.com", "datadome"),
    (b"px-captcha", "perimeterx"),
    (b"sucuri website firewall", "sucuri"),
)


def host_headers_for(host: str, rules: tuple[tuple[str, str, str], ...]) -> dict[str, str]:
    """Configured headers for this host or its subdomains, decided per hop so a redirect elsewhere never carries them."""
    host = host.lower().rstrip(".")
    return {name: value for rule_host, name, value in rules if host == rule_host or host.endswith("." + rule_host)}


def detect_challenge(headers: httpx.Headers | dict[str, str], body: bytes | None) -> str | None:
    """The bot-protection vendor whose challenge this answer is, or None."""
    for name, value, vendor in _CHALLENGE_HEADERS:
        if headers.get(name, "").lower() == value:
            return vendor
    if headers.get("x-datadome") or headers.get("x-dd-b"):
        return "datadome"
    if body:
        lowered = body[:SMALL_BODY_CAP].lower()
        for marker, vendor in _CHALLENGE_BODIES:
            if marker in lowered:
                return vendor
    return None


def _is_readable(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return not media or media.startswith("text/") or media in ("application/xhtml+xml", "application/xml")


def _no_page_reader(body: bytes, content_type: str | None, url: str) -> PageFacts:
    return PageFacts(content_type=content_type)


def _default_page_reader() -> PageReader:
    try:
        from refcheck.page import read_page
    except ImportError:  # the page reader is optional for the fetcher: without it, pages are not read
        return _no_page_reader
    return read_page


# ── the transport ──────────────────────────────────────────────────────────────────────────────────────────────


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA bundle costs ~80 ms, too much to repeat per run."""
    return httpx.create_ssl_context(trust_env=False)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport (HTTP/1.1 and HTTP/2, pooled, reused connections) whose sockets connect through the guard."""

    def __init__(self, guard: Guard, *, limits: httpx.Limits):
        # httpx has no public way to hand httpcore a network backend, so this builds the pool the parent would build,
        # with PinnedBackend, instead of calling the parent's __init__ (which would also load a second CA bundle).
        # The parent's methods use nothing but `_pool`. Proxies are never used: they would connect to unchecked
        # addresses. The sockets are plain asyncio ones (fetch/network.py): anyio's per-call cancel scopes and
        # attribute lookups were a large share of the fetcher's CPU per request.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_tls_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=True,
            network_backend=PinnedBackend(guard, AsyncioBackend()),
        )


class PerOriginTransport(httpx.AsyncBaseTransport):
    """One small pinned pool per origin (scheme, host, port), so connections are kept and reused per site.

    httpcore's single pool scans every connection for every queued request; with a few hundred connections (50
    hosts × 4) that scan costs more CPU than the requests themselves. Small pools keep it O(per-host).
    """

    def __init__(self, guard: Guard, *, per_origin: int):
        self._guard = guard
        self._limits = httpx.Limits(max_connections=per_origin, max_keepalive_connections=per_origin)
        self._pools: dict[tuple[bytes, bytes, int | None], PinnedTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        origin = (request.url.raw_scheme, request.url.raw_host, request.url.port)
        pool = self._pools.get(origin)
        if pool is None:
            pool = self._pools[origin] = PinnedTransport(self._guard, limits=self._limits)
        return await pool.handle_async_request(request)

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()


class HttpxFallback:
    """For the engines that bypass httpx's own stack (engine_aiohttp, engine_curl): an answer the engine's parser
    refuses or would read differently is asked once more through httpx's own transport (`PerOriginTransport`, the
    same guard and pins), so it is read, or refused, exactly as with the httpx engine. Expects `_guard` and
    `_per_origin` on the transport; the httpx transport is made on first use."""

    _fallback: PerOriginTransport | None = None
    fallbacks = 0  # requests asked again through httpx

    async def _ask_httpx(self, request: httpx.Request) -> httpx.Response:
        if self._fallback is None:
            self._fallback = PerOriginTransport(self._guard, per_origin=self._per_origin)
        self.fallbacks += 1
        return await self._fallback.handle_async_request(request)

    async def _close_fallback(self) -> None:
        if self._fallback is not None:
            fallback, self._fallback = self._fallback, None
            await fallback.aclose()


HTTP_ENGINES = ("aiohttp", "httpx", "curl")
# Network fetches in a run from which a big run's engine (curl, else aiohttp) is used when REFCHECK_HTTP_ENGINE is
# not set: each saves CPU per request over httpx's own stack, and importing one costs once per run (aiohttp ~0.16 s,
# the curl engine ~0.02 s; docs/benchmarks.md, "HTTP engine" and "The libcurl engine").
BIG_RUN_MIN_FETCHES = 1000


def http_engine(fetches: int | None = None) -> str:
    """The engine the fetcher sends its requests with: REFCHECK_HTTP_ENGINE (curl, aiohttp, httpx, or auto), where
    auto (the default) is curl (aiohttp when pycurl does not import) for a run of at least BIG_RUN_MIN_FETCHES
    network fetches and httpx below that.

    All sit behind httpx's transport interface, so everything above the transport (requests, responses, the error
    mapping, retries) is the same; `httpx` is httpx's own stack (PerOriginTransport, HTTP/2 over TLS), `aiohttp`
    is fetch/engine_aiohttp.py and `curl` fetch/engine_curl.py (libcurl through pycurl), both HTTP/1.1. curl costs
    the least CPU per request (docs/benchmarks.md, "The libcurl engine")."""
    engine = os.environ.get("REFCHECK_HTTP_ENGINE", "").strip().lower() or "auto"
    if engine in HTTP_ENGINES:
        return engine
    if engine != "auto":
        raise ConfigError(f"REFCHECK_HTTP_ENGINE must be auto, {', '.join(HTTP_ENGINES)}, not {engine!r}")
    if fetches is None or fetches < BIG_RUN_MIN_FETCHES:
        return "httpx"
    return "curl" if curl_available() else "aiohttp"


@functools.cache
def curl_available() -> bool:
    """Whether pycurl (a runtime dependency) imports here; without it the curl engine's requests go to aiohttp."""
    try:
        import pycurl  # noqa: F401
    except ImportError:
        return False
    return True


def http_transport(guard: Guard, *, per_origin: int, engine: str | None = None) -> httpx.AsyncBaseTransport:
    """The pinned, per-origin transport of `engine` (default: `http_engine()`)."""
    engine = engine or http_engine()
    if engine == "httpx":
        return PerOriginTransport(guard, per_origin=per_origin)
    if engine == "curl" and curl_available():
        from refcheck.fetch.engine_curl import CurlTransport

        return CurlTransport(guard, per_origin=per_origin)
    from refcheck.fetch.engine_aiohttp import AiohttpTransport

    return AiohttpTransport(guard, per_origin=per_origin)


def preload_http_engine(engine: str, targets: Iterable[str]) -> None:
    """Import the aiohttp or curl engine, and prepare its TLS settings when some target is https, before worker
    processes are forked: each fork then inherits them instead of paying again (importing aiohttp costs ~0.1 s)."""
    if engine == "curl" and curl_available():
        from refcheck.fetch.engine_curl import preload_tls
    elif engine in ("aiohttp", "curl"):
        from refcheck.fetch.engine_aiohttp import preload_tls
    else:
        return
    if any(target.startswith("https:") for target in targets):
        preload_tls()


class _BackgroundParsing:
    """Runs page reading (CPU) at a lower priority than network I/O, a few milliseconds of it per turn of the loop,
    in a bounded queue.

    Without it every response that arrived during one wait is parsed back to back before the loop looks at the
    network again, so the requests whose slots were just freed go out only after the whole batch. A short slice per
    turn lets freed slots send their next request at once, and the parsing fills the time spent waiting for answers.

    The queue is bounded: while `limit` pages wait, `room()` holds back new requests (backpressure). Unbounded, a
    fast network and a slower reader grew it to 40,000 pages at 100,000 links, and URLs timed out while they waited.
    """

    SLICE_SECONDS = 0.004  # reading per turn of the loop before the network is served again

    def __init__(self, limit: int = 256):
        self.limit = limit
        self._jobs: collections.deque = collections.deque()
        self._worker: asyncio.Task | None = None
        self._room: asyncio.Event | None = None
        self.high_water = 0  # the most pages that ever waited at once (tests and benchmarks read it)
        self._busy = 0.0  # seconds spent reading, all slices together

    def stalls(self) -> float:
        """Seconds the event loop has spent reading pages so far: time no URL's network work could run."""
        return self._busy

    async def room(self) -> None:
        """Wait while the queue is full: a request sent now would only add a page nobody can read yet."""
        while len(self._jobs) >= self.limit:
            if self._room is None:
                self._room = asyncio.Event()
            self._room.clear()
            await self._room.wait()

    async def run(self, read: Callable[..., PageFacts], *args) -> PageFacts:
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._jobs.append((read, args, done))
        self.high_water = max(self.high_water, len(self._jobs))
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._work())
        return await done

    async def _work(self) -> None:
        while self._jobs:
            began = time.monotonic()
            turn_ends = began + self.SLICE_SECONDS
            while self._jobs and time.monotonic() < turn_ends:
                read, args, done = self._jobs.popleft()
                if done.cancelled():
                    continue  # its URL was cancelled while waiting
                try:
                    done.set_result(read(*args))
                except Exception as error:  # handed to the waiting URL, which reports it
                    done.set_exception(error)
            self._busy += time.monotonic() - began
            if self._room is not None and len(self._jobs) < self.limit:
                self._room.set()
            await asyncio.sleep(0)  # let the loop serve the network before the next slice


def _write_stats(targets: int, parsing: _BackgroundParsing) -> None:
    """With REFCHECK_FETCH_STATS=FILE, append this process's share of the fetch to FILE as one JSON line (targets,
    the page queue's high-water mark, seconds spent reading pages): how bench/run.py sees inside each process."""
    path = os.environ.get("REFCHECK_FETCH_STATS")
    if not path:
        return
    line = json.dumps({"pid": os.getpid(), "targets": targets, "queue_high_water": parsing.high_water,
                       "queue_limit": parsing.limit, "reading_seconds": round(parsing.stalls(), 3)})
    try:
        with open(path, "a", encoding="utf-8") as sink:
            sink.write(line + "\n")
    except OSError:
        pass


def user_agent(settings: FetchSettings) -> str:
    if settings.user_agent:
        return settings.user_agent
    from refcheck import __version__

    return f"refcheck/{__version__}"


# ── the fetcher ────────────────────────────────────────────────────────────────────────────────────────────────


class Fetcher:
    """One run's fetching: one client, one guard, the concurrency gates and retry budgets it shares across URLs.

    `guard`, `sleep` and `transport` are seams for tests (a resolver that maps fake names, a sleep that does not
    wait, httpx.MockTransport); production code leaves them alone.
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        cache: FetchCache | None = None,
        cache_settings: CacheSettings = CacheSettings(),
        read_page: PageReader | None = None,
        guard: Guard | None = None,
        sleep: Sleep = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
        text_urls: Collection[str] | None = None,
        digest: Callable[[FetchResult], object] | None = None,
    ):
        self.settings = settings
        self.cache = cache
        self.cache_settings = cache_settings
        self.read_page = read_page or _default_page_reader()
        # Which document URLs' main text is needed (a claim is checked against it); None: every URL's. Only the
        # default reader can skip the text, so a reader handed in by a test always reads it.
        self.text_urls = None if text_urls is None else frozenset(text_urls)
        # Per-URL work of a later stage (rules), done in the process that fetched the URL, during the fetch: with
        # worker processes it runs on every core instead of in one after the fetch. Its values must pickle.
        self.digest = digest
        self.digests: dict[str, tuple[FetchResult, object]] = {}
        self._text_optional = read_page is None and self.read_page is not _no_page_reader
        self.guard = guard or Guard(allow_private=settings.allow_private)
        self.remapper = Remapper(settings.remaps, include=settings.include, exclude=settings.exclude)
        self.budget = HostRetryBudget(settings.host_retry_budget)
        self._sleep = sleep
        self._transport = transport
        self._host_gates: dict[str, asyncio.Semaphore] = {}
        self._global_gate: asyncio.Semaphore | None = None
        self._client: httpx.AsyncClient | None = None
        self._client_transport: httpx.AsyncBaseTransport | None = None
        self._request_base: _RequestBase | None = None
        self._light_get: Callable | None = None
        self._probes: dict[str, asyncio.Future[soft404.HostFingerprint | None]] = {}  # one soft-404 probe per origin
        self._parsing = _BackgroundParsing()
        self._deadlines: _DeadlineWatch | None = None  # the loop's one timer for URL deadlines (_deadline_watch)
        self.engine: str | None = None  # the HTTP engine of this run's network fetches, once chosen (http_engine)

    # ── run ──

    async def run(self, urls: Iterable[str], on_result: Callable[[FetchResult], None] | None = None) -> FetchRun:
        """Fetch every unique URL once; results keyed by the URL as written, in first-seen order."""
        results: dict[str, FetchResult] = {}
        report = on_result or (lambda result: None)

        def settle(result: FetchResult) -> None:
            results[result.url] = result
            if self.digest is not None and result.url not in self.digests:  # a worker's come with its results
                self.digests[result.url] = (result, self.digest(result))
            report(result)

        unique = list(dict.fromkeys(urls))  # `urls` may be a one-shot iterator
        by_target: dict[str, list[str]] = {}
        for url in unique:
            immediate, target = self._route(url)
            if immediate is not None:
                settle(immediate)
            else:
                by_target.setdefault(target, []).append(url)

        notices: list[str] = []
        if by_target:
            notices = await self._fetch_targets(by_target, settle)
        order = {url: index for index, url in enumerate(unique)}
        return FetchRun(dict(sorted(results.items(), key=lambda item: order[item[0]])), tuple(notices),
                        digests=self.digests)

    def _route(self, url: str) -> tuple[FetchResult | None, str]:
        """An immediate result (excluded, invalid) or the URL to fetch."""
        if self.remapper.is_excluded(url):
            return excluded(url), ""
        remapped = self.remapper.remap(url)
        try:
            return None, prepare_url(remapped)
        except InvalidTarget as error:
            via = f" (remapped to {remapped})" if remapped != url else ""
            return FetchResult(url=url, status=UrlStatus.INVALID, reason=f"{error}{via}"), ""

    async def _fetch_targets(self, by_target: dict[str, list[str]], settle: Callable[[FetchResult], None]) -> list[str]:
        entries = self._cached_entries(by_target)
        if self.cache_settings.offline:
            for target, doc_urls in by_target.items():
                entry = entries.get(target)
                if entry is not None and self._wants_text(doc_urls) and not has_text(entry.result):
                    entry = None  # stored without the main text a claim needs
                self._settle_all(self._offline_result(target, entry), doc_urls, settle)
            return []
        # Fresh cache entries are settled here and now: no client, no task, no worker process for them (a warm
        # rerun of a big document is mostly this loop).
        online: dict[str, list[str]] = {}
        now = time.time()
        for target, doc_urls in by_target.items():
            entry = entries.get(target)
            if self._reusable(entry, self._wants_text(doc_urls), now):
                self._settle_all(reused(entry.result, target), doc_urls, settle)
            else:
                online[target] = doc_urls
        if not online:
            return []
        workers = self._worker_count(online)
        if self._transport is None:
            self.engine = http_engine(len(online))
            preload_http_engine(self.engine, online)
        if workers > 1:
            from refcheck.fetch.workers import fetch_in_workers

            share = await fetch_in_workers(self, online, entries, settle, workers)
        else:
            share = await self.fetch_share(online, entries, settle)
        return await self._judge_connection_failures(share, settle)

    async def fetch_share(self, by_target: dict[str, list[str]], entries: dict,
                          settle: Callable[[FetchResult], None], *, concurrency: int | None = None) -> Share:
        """Fetch (or reuse from `entries`) these targets and settle each; connection-level failures are held back.

        They are held back because "no network" is a judgement over the whole run (see _judge_connection_failures),
        which a worker process fetching part of the targets cannot make alone.
        """
        self._global_gate = asyncio.Semaphore(max(1, concurrency or self.settings.max_concurrency))
        # The gates bound requests in flight; each origin's pool keeps its own connections for reuse (one shared
        # pool capped at the concurrency would evict one host's idle connection to open another's).
        transport = self._transport or http_transport(self.guard, per_origin=max(1, self.settings.per_host),
                                                      engine=self.engine or http_engine(len(by_target)))
        headers = {"User-Agent": user_agent(self.settings), "Accept": ACCEPT, "Accept-Encoding": accept_encoding()}
        headers.update(dict(self.settings.headers))
        share = Share()

        async def one(target: str, doc_urls: list[str]) -> None:
            want_text = self._wants_text(doc_urls)
            outcome, went_online = await self._fetch_or_reuse(target, entries.get(target), want_text)
            if not outcome.result.from_cache:
                outcome = await self._judge_soft_404(outcome)
            # A URL the guard refused never reached for the network, so it is no evidence either way.
            refused = outcome.result.status is UrlStatus.UNSAFE and not outcome.result.redirects
            share.attempted += went_online and not refused
            if outcome.connection_level:
                share.deferred.append((outcome, doc_urls))
                return
            self._settle_all(await self._remember(outcome), doc_urls, settle)

        async with httpx.AsyncClient(transport=transport, headers=headers, follow_redirects=False, trust_env=False,
                                     timeout=httpx.Timeout(self.settings.timeout, pool=None)) as client:
            self._client, self._client_transport = client, transport
            self._request_base = _RequestBase(client)
            # The aiohttp and curl engines' GET without httpx's models (their Answer); httpx's transport gets httpx's.
            self._light_get = getattr(transport, "send_get", None)
            await asyncio.gather(*(one(target, doc_urls) for target, doc_urls in by_target.items()))
            self._client = None
        _write_stats(len(by_target), self._parsing)
        return share

    async def _judge_connection_failures(self, share: Share, settle: Callable[[FetchResult], None]) -> list[str]:
        """Settle the held-back connection-level failures; returns the run's notices."""
        # "Nothing reachable": when every URL that went to the network failed before reaching any server (DNS
        # failed everywhere, or the network is unreachable), the machine is offline; calling the links dead would
        # be a lie, so each is an `error` with one notice, and nothing of it is stored in the cache.
        if share.deferred and len(share.deferred) == share.attempted:
            for outcome, doc_urls in share.deferred:
                offline = dataclasses.replace(outcome.result, status=UrlStatus.ERROR, reason=NO_NETWORK_REASON)
                self._settle_all(offline, doc_urls, settle)
            return [NO_NETWORK_REASON]
        for outcome, doc_urls in share.deferred:
            self._settle_all(await self._remember(outcome), doc_urls, settle)
        return []

    def _worker_count(self, online: dict[str, list[str]]) -> int:
        """How many processes fetch `online`: more than one only for many network fetches on a multi-core machine."""
        if self._transport is not None or self.settings.workers == 1:
            return 1  # a test's in-memory transport lives in this process only
        from refcheck.fetch.workers import worker_count

        return worker_count(self, list(online))

    def _reusable(self, entry, want_text: bool, now: float) -> bool:
        """A cache entry that answers for the URL as it is: fresh, and with the main text if that is wanted."""
        if entry is None:
            return False  # a cold run's every URL: no import statement to run for it
        from refcheck.fetch.cache import is_fresh

        return (entry is not None and not (want_text and not has_text(entry.result))
                and not (self.settings.read_anchors and lacks_anchors(entry.result))
                and is_fresh(entry, self.cache_settings, now))

    def reset_for_worker(self, cache) -> None:
        """Forget this run's per-process state (gates, client, probes, resolved addresses), and use `cache`: what a
        copy of this fetcher needs in a forked worker process (see fetch/workers.py)."""
        self.cache = cache
        self.guard = self.guard.fresh()
        self.budget = HostRetryBudget(self.settings.host_retry_budget)
        self._host_gates = {}
        self._global_gate = None
        self._client = self._client_transport = self._light_get = None
        self._probes = {}
        self._parsing = _BackgroundParsing()
        self._deadlines = None
        self.digests = {}

    def _wants_text(self, doc_urls: list[str]) -> bool:
        """Whether the page's main text must be read: some claim is checked against one of these URLs' text."""
        if not self._text_optional or self.text_urls is None:
            return True
        return any(url in self.text_urls for url in doc_urls)

    @staticmethod
    def _settle_all(result: FetchResult, doc_urls: list[str], settle: Callable[[FetchResult], None]) -> None:
        for url in doc_urls:  # results are frozen: one already keyed by this URL is used as it is
            settle(result if result.url == url else replaced(result, url=url))

    # ── cache ──

    def _cached_entries(self, by_target: dict[str, list[str]]) -> dict:
        if self.cache is None:
            return {}
        lookup_many = getattr(self.cache, "lookup_many", None)
        if lookup_many is not None:
            return lookup_many(list(by_target))
        found = {target: self.cache.lookup(target) for target in by_target}
        return {target: entry for target, entry in found.items() if entry is not None}

    @staticmethod
    def _offline_result(target: str, entry) -> FetchResult:
        if entry is None:
            return FetchResult(url=target, status=UrlStatus.OFFLINE, fetched_url=target,
                               reason="offline: not in the cache")
        return reused(entry.result, target)

    async def _fetch_or_reuse(self, target: str, entry, want_text: bool = True) -> tuple[_Outcome, bool]:
        """The URL's outcome and whether the network was used for it."""
        if self._reusable(entry, want_text, time.time()):  # _fetch_targets settles these itself; kept for other callers
            return _Outcome(reused(entry.result, target)), False
        if want_text and entry is not None and not has_text(entry.result):
            entry = None  # stored without its main text, which a claim now needs: fetched again, unconditionally
        if self.settings.read_anchors and entry is not None and lacks_anchors(entry.result):
            entry = None  # stored without its ids and names, which --check-fragments needs: likewise
        validators = _validators(entry)
        outcome = await self._fetch(target, validators, want_text)
        if outcome.not_modified and self.cache is not None:
            kept = await asyncio.to_thread(self.cache.revalidated, target)
            if kept is not None:
                elapsed = outcome.result.elapsed
                return _Outcome(dataclasses.replace(kept, fetched_url=target, from_cache=True, elapsed=elapsed)), True
            outcome = await self._fetch(target, {}, want_text)
        return outcome, True

    async def _remember(self, outcome: _Outcome) -> FetchResult:
        """Store a freshly fetched result (committed before this returns; results stored at about the same time
        share a transaction) and return it with its failure history."""
        result = outcome.result
        if self.cache is None or result.from_cache:
            return result
        keyed = result if result.url == result.fetched_url else dataclasses.replace(result, url=result.fetched_url)
        stored = await self.cache.store_soon(keyed, etag=outcome.etag, last_modified=outcome.last_modified)
        return stored if stored.url == result.url else dataclasses.replace(stored, url=result.url)

    # ── soft 404s (the evidence itself is in soft404.py) ──

    async def _judge_soft_404(self, outcome: _Outcome) -> _Outcome:
        """A freshly fetched `ok` page that is really "not found" becomes `soft-404`, with the evidence as its reason.

        A page read without its main text is judged exactly as with it: wherever the text could change the verdict
        (the text's length, the probe's comparison) the page is read again, with its text, from the kept body.
        """
        result = outcome.result
        if result.status is not UrlStatus.OK:
            return outcome
        reason = soft404.first_look(result)
        if reason is not None and outcome.body is not None:  # "little text" is part of the headline evidence
            outcome = await self._with_text(outcome)
            result, reason = outcome.result, soft404.first_look(outcome.result)
        if reason is None and self.settings.probe_soft_404 and outcome.body is not None:
            outcome = await self._text_for_probe(outcome)
            result = outcome.result
        if (reason is None and self.settings.probe_soft_404 and not self._probe_says_nothing(result)
                and soft404.worth_probing(result)):
            host = await self._host_fingerprint(result.fetched_url or result.url)
            reason = soft404.probe_reason(result, host) if host is not None else None
        if reason is None:
            return outcome
        judged = dataclasses.replace(result, status=UrlStatus.SOFT_404, reason=reason)
        return dataclasses.replace(outcome, result=judged)

    def _probe_says_nothing(self, result: FetchResult) -> bool:
        """Whether the host's probe has answered and rules out a probe verdict for every page of the host: then
        asking `worth_probing` and awaiting the probe would come to no reason, as it does for most pages."""
        probe = self._probes.get(soft404.origin_of(result.fetched_url or result.url))
        return probe is not None and probe.done() and _says_nothing(probe.result())

    async def _text_for_probe(self, outcome: _Outcome) -> _Outcome:
        """The outcome with its text read if the probe comparison could use it; else as it is (still without text).

        Whether a page is worth probing depends on its text's length, so the text is read before the host's first
        probe is asked for (the same pages start it as when every text is read); once the probe is under way, its
        answer decides: a host that answers a missing path honestly (404) needs no page's text.
        """
        result = outcome.result
        probe = self._probes.get(soft404.origin_of(result.fetched_url or result.url))
        if probe is not None and probe.done() and _says_nothing(probe.result()):
            return outcome  # probe_reason says nothing for this host, whatever the text
        if not soft404.worth_probing(result, text_length=soft404.MIN_SHAPE_TEXT):
            return outcome  # not worth probing whatever the text says
        if probe is not None and _says_nothing(await asyncio.shield(probe)):
            return outcome
        return await self._with_text(outcome)

    async def _with_text(self, outcome: _Outcome) -> _Outcome:
        """The outcome with its page read again from the kept body, this time with the main text."""
        try:
            page = await self._read(outcome.body, outcome.content_type, outcome.read_url or "", want_text=True)
        except Exception:  # the first reading succeeded; a failing second one leaves the page as it was
            return outcome
        result = replaced(outcome.result, page=page)
        return replaced(outcome, result=result, body=None)

    async def _host_fingerprint(self, cited: str) -> soft404.HostFingerprint | None:
        """The cited page's origin's answer for a path that cannot exist: probed once per run, shared by its URLs."""
        origin = soft404.origin_of(cited)
        probe = self._probes.get(origin)
        if probe is None:
            probe = self._probes[origin] = asyncio.ensure_future(self._probe_host(origin, cited))
        return await asyncio.shield(probe)  # one waiting URL's cancellation must not cancel the others' probe

    async def _probe_host(self, origin: str, cited: str) -> soft404.HostFingerprint | None:
        """The stored fingerprint if fresh, else one request through this client (same guard, gates and limits)."""
        stored = await self._stored_fingerprint(origin)
        if stored is not None:
            return stored
        try:
            target = prepare_url(soft404.probe_url(cited, uuid.uuid4().hex))
        except InvalidTarget:
            return None
        try:
            outcome = await self._fetch(target)
        except Exception:  # the probe is extra evidence: whatever goes wrong with it must not sink the cited URLs
            return None
        found = soft404.fingerprint(origin, outcome.result)
        store = getattr(self.cache, "store_host_fingerprint", None)
        if found is not None and store is not None:
            await asyncio.to_thread(store, found)
        return found

    async def _stored_fingerprint(self, origin: str) -> soft404.HostFingerprint | None:
        lookup = getattr(self.cache, "host_fingerprint", None)
        stored = await asyncio.to_thread(lookup, origin) if lookup is not None else None
        if stored is None:
            return None
        found, stored_at = stored
        fresh = soft404.fingerprint_is_fresh(stored_at, time.time(), self.cache_settings.max_age_ok)
        return found if fresh else None

    # ── one URL ──

    async def _fetch(self, target: str, validators: dict[str, str] | None = None, want_text: bool = True) -> _Outcome:
        """Fetch one prepared URL, following redirects, within the per-URL deadline."""
        chain: list[Redirect] = []
        position = [target]  # the URL being requested, for a deadline that strikes mid-chain
        # asyncio.timeout(None) without its loop lookup; rescheduled by the clock once the first request starts
        window = asyncio.Timeout(None)
        clock = _Deadline(self.settings.deadline, window, self._parsing.stalls, self._deadline_watch())
        try:
            async with window:
                attempt = await self._follow(target, validators or {}, chain, position, clock, want_text)
        except TimeoutError:
            if not window.expired():
                raise
            attempt = Attempt(UrlStatus.TIMEOUT, f"no final answer within the {self.settings.deadline:g} s deadline")
        finally:
            clock.stop()
        result = FetchResult(
            url=target,
            status=attempt.status,
            fetched_url=target,
            http_status=attempt.http_status,
            final_url=position[0],
            redirects=tuple(chain),
            page=attempt.page,
            reason=attempt.reason,
            elapsed=round(clock.wall(), 4),
        )
        textless = attempt.page is not None and not attempt.page.text_read
        return _Outcome(result, attempt.etag, attempt.last_modified, attempt.not_modified,
                        connection_level=attempt.connection_level and not chain,
                        body=attempt.body if textless else None, content_type=attempt.content_type,
                        read_url=position[0] if textless else None)

    def _deadline_watch(self) -> _DeadlineWatch:
        """The running loop's one timer for every URL's deadline (made again for another loop: a worker process's)."""
        loop = asyncio.get_running_loop()
        watch = self._deadlines
        if watch is None or watch.loop is not loop:
            watch = self._deadlines = _DeadlineWatch(loop)
        return watch

    async def _follow(self, target: str, validators: dict[str, str], chain: list[Redirect], position: list[str],
                      clock: _Deadline, want_text: bool = True) -> Attempt:
        """Request `target` and each redirect's destination in turn; returns the last attempt."""
        current = target
        seen = {target}
        headers = validators
        while True:
            position[0] = current
            attempt = await self._hop_with_retries(current, headers, clock, want_text)
            headers = {}  # conditional headers belong to the URL whose validators they are
            if attempt.location is None:
                if chain and attempt.status is UrlStatus.UNSAFE:
                    attempt = dataclasses.replace(attempt, reason=f"redirect to {current}: {attempt.reason}")
                return attempt
            chain.append(Redirect(current, attempt.http_status or 0))
            try:
                following = prepare_url(resolve_location(current, clean_location(attempt.location)))
            except InvalidTarget as error:
                return Attempt(UrlStatus.ERROR, f"redirect to an unusable URL {attempt.location!r}: {error}",
                               attempt.http_status)
            if following in seen:
                loop = " → ".join([*(hop.url for hop in chain), following])
                return Attempt(UrlStatus.ERROR, f"redirect loop: {loop}", attempt.http_status)
            if len(chain) > self.settings.max_redirects:
                return Attempt(UrlStatus.ERROR, f"more than {self.settings.max_redirects} redirects",
                               attempt.http_status)
            seen.add(following)
            current = following

    async def _hop_with_retries(self, url: str, headers: dict[str, str], clock: _Deadline,
                                want_text: bool = True) -> Attempt:
        first = await self._hop(url, headers, clock, want_text)
        if not first.transient:
            return first  # the common case: no retry policy to consult (building tenacity's state costs per URL)
        count = 0

        async def once() -> Attempt:
            nonlocal count
            count += 1
            return first if count == 1 else await self._hop(url, headers, clock, want_text)

        host = _host_key(parsed_url(url))
        attempt = await with_retries(
            once, host=host, retries=self.settings.retries, budget=self.budget,
            retry_after_cap=self.settings.retry_after_cap, time_left=clock.left,
            sleep=self._sleep,
        )
        if count > 1 and attempt.transient and attempt.reason:
            attempt = dataclasses.replace(attempt, reason=f"{attempt.reason} (after {count} attempts)")
        return attempt

    def _host_gate(self, host: str) -> asyncio.Semaphore:
        gate = self._host_gates.get(host)
        if gate is None:
            gate = self._host_gates[host] = asyncio.Semaphore(max(1, self.settings.per_host))
        return gate

    async def _hop(self, url: str, headers: dict[str, str], clock: _Deadline, want_text: bool = True) -> Attempt:
        """One GET of one URL: guard, gates, request, and what the answer means. Never raises for the URL's sake."""
        parsed = parsed_url(url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            await self.guard.check(parsed.raw_host.decode("ascii"), port)
        except (UnsafeTarget, ResolutionFailed) as error:
            return attempt_for_error(error, self.settings.timeout)
        assert self._client is not None and self._global_gate is not None
        host_gate, global_gate = self._host_gate(_host_key(parsed)), self._global_gate
        # Waiting for room and for a slot is queueing behind this run's other URLs, not the network's time: a
        # redirect's second hop waits behind every URL of its host, and that must not time the URL out.
        with clock.paused():
            await self._parsing.room()  # backpressure: no new request while the page reader is behind
            await _acquire_both(host_gate, global_gate)
            try:
                # Asked again with the slots held: many URLs pass the first look together and then wait at the
                # gates, during which the queue may have filled. This bounds it at its limit plus the requests in
                # flight (at W2 it reached 758 pages against a limit of 256 with the first look alone).
                await self._parsing.room()
            except BaseException:
                global_gate.release()
                host_gate.release()
                raise
        try:
            clock.start()
            try:
                try:
                    response = await self._send(parsed, headers)
                except httpx.RemoteProtocolError:
                    # A garbled answer head. On a kept-alive connection it is often the last answer's excess (a
                    # Content-Length shorter than its body): asked once more, at once, on a fresh connection (the
                    # pool closed the failed one) before it counts against this URL.
                    response = await self._send(parsed, headers)
                try:
                    attempt = await self._interpret(response)
                finally:
                    await response.aclose()
            except (httpx.HTTPError, httpx.StreamError) as error:
                return attempt_for_error(error, self.settings.timeout)
        finally:
            global_gate.release()
            host_gate.release()
        # The page is parsed after the gates are released: CPU work should not hold a slot meant for the network.
        if attempt.body is None:
            return attempt
        # Time waiting for the page reader is the reader's, not the URL's: no false timeouts. A body is only ever a
        # success's, the last hop of its chain (no Location, nothing to retry), so the clock is stopped for good
        # rather than paused and re-armed (a timer less per URL); its wall time, the result's `elapsed`, runs on.
        clock.stop()
        return await self._with_page(attempt, url, want_text)

    async def _send(self, url: httpx.URL, headers: dict[str, str]) -> httpx.Response:
        # Straight to the transport: the client's send() would build the next redirect request itself, which fails
        # on an odd Location before refcheck can see it. Redirects are refcheck's to follow, and the client still
        # builds the request (default headers, timeouts) and owns the transport.
        extra = host_headers_for(_host_name(url), self.settings.host_headers)
        if not _host_decodes(url):  # httpx would build the Host header from url.host, which raises: give it the ASCII form
            extra = {"Host": url.netloc.decode("ascii"), **extra}
        if extra:
            headers = {**headers, **extra}
        if self._light_get is not None:  # aiohttp or curl: no httpx.Request or httpx.Response to build
            build = self._request_base
            return await self._light_get(url, build.header_pairs(url, headers), build.timeout,
                                         functools.partial(build.build, url, headers))
        request = self._request_base.build(url, headers)
        response = await self._client_transport.handle_async_request(request)
        response.request = request
        return response

    async def _interpret(self, response: httpx.Response) -> Attempt:
        """What the answer means, reading only as much of the body as that needs."""
        status = response.status_code
        # One plain dict per answer: httpx.Headers.get scans every header per lookup, and about ten are looked up.
        # items() joins a repeated header with ", " exactly as Headers.get does.
        headers = response.headers if isinstance(response.headers, dict) else dict(response.headers.items())
        location = headers.get("location")
        if 300 <= status < 400 and status != 304 and location:
            await _drain(response)
            return Attempt(UrlStatus.OK, _phrase(status), status, location=location)
        if status == 304:
            return Attempt(UrlStatus.OK, None, status, not_modified=True)
        if 200 <= status < 300:  # --accept is applied to the raw outcome at report time (fetch/accept.py)
            return await self._success(response, headers)
        body = await _read_small(response) if _is_readable(headers.get("content-type")) else b""
        challenge = detect_challenge(headers, body)
        if challenge:
            return Attempt(UrlStatus.BLOCKED, f"bot challenge ({challenge}), {_phrase(status)}", status)
        return attempt_for_status(status, parse_retry_after(headers.get("retry-after")))

    async def _success(self, response: httpx.Response, headers: dict[str, str]) -> Attempt:
        content_type = headers.get("content-type")
        # Built once with every field (a dataclasses.replace per answer costs more than the Attempt itself).
        found = functools.partial(Attempt, http_status=response.status_code, content_type=content_type,
                                  etag=headers.get("etag"), last_modified=headers.get("last-modified"))
        challenge = detect_challenge(headers, None)
        if challenge:
            return found(UrlStatus.BLOCKED, f"bot challenge ({challenge})")
        try:
            decoder, pdf = await _read_by_kind(response, self.settings.max_body_bytes, self.settings.max_pdf_bytes)
        except DecodingError as error:
            return found(UrlStatus.OK, f"body not readable: {error}", page=PageFacts(content_type=content_type))
        if decoder is None:  # an image, a video, a feed, an archive: alive; its bytes are not needed
            return found(UrlStatus.OK, page=PageFacts(content_type=content_type))
        note = None
        if decoder.full and decoder.expansion() > BOMB_RATIO:
            note = (f"decompression stopped at the {decoder.cap}-byte cap, expanding {decoder.expansion():.0f}:1 "
                    f"(a decompression bomb?)")
        return found(UrlStatus.OK, note, body=decoder.body()[:decoder.cap], pdf=pdf, truncated=decoder.full)

    async def _with_page(self, attempt: Attempt, url: str, want_text: bool = True) -> Attempt:
        """Run the page reader on a success's body; a challenge page turns the success into `blocked`.

        Without `want_text` the body is kept on the attempt (for the soft-404 judgement, which may need the text).
        """
        body, content_type = attempt.body, attempt.content_type
        if attempt.pdf:
            return await self._with_pdf(attempt, url)
        try:
            page = await self._read(body, content_type, url, want_text)
        except Exception as error:  # a reader bug must not sink the run; the URL still answered
            return dataclasses.replace(attempt, body=None, page=PageFacts(content_type=content_type),
                                       reason=f"page not read: {type(error).__name__}: {error}")
        if page.challenge:
            return replaced(attempt, body=None, page=page, status=UrlStatus.BLOCKED,
                            reason=f"bot challenge ({page.challenge})")
        return replaced(attempt, body=None if page.text_read else body, page=page)

    async def _read(self, body: bytes, content_type: str | None, url: str, want_text: bool) -> PageFacts:
        """The page reader's facts; a large body is parsed off the event loop."""
        if want_text or not self._text_optional:
            reader = self.read_page
        else:
            reader = functools.partial(_read_without_text, self.read_page)
        if not self.settings.read_anchors and self._text_optional:  # only the default reader takes want_anchors
            reader = functools.partial(reader, want_anchors=False)
        if len(body) > PAGE_READER_THREAD_BYTES:
            return await asyncio.to_thread(reader, body, content_type, url)
        return await self._parsing.run(reader, body, content_type, url)

    async def _with_pdf(self, attempt: Attempt, url: str) -> Attempt:
        """Read a PDF in a worker thread (parsing is CPU-heavy: the event loop must keep serving the other URLs).

        The URL stays `ok`: it answered. What could not be read (encrypted, damaged, cut at the cap) is its reason.
        """
        try:
            reading = await asyncio.to_thread(read_pdf, attempt.body, url, truncated=attempt.truncated)
        except Exception as error:  # read_pdf does not raise for a bad PDF; a bug in it must not sink the run
            return dataclasses.replace(attempt, body=None, page=PageFacts(content_type="application/pdf"),
                                       reason=f"PDF not read: {type(error).__name__}: {error}")
        reason = reading.reason
        if attempt.truncated and reason:
            reason += f" (the PDF cap is {self.settings.max_pdf_bytes / 1024 / 1024:g} MB)"
        reason = "; ".join(part for part in (attempt.reason, reason) if part) or None
        return dataclasses.replace(attempt, body=None, page=reading.page, reason=reason)


def replaced(record, **changes):
    """`dataclasses.replace(record, **changes)` for the fetcher's frozen records, without running `__init__` again
    (~10 µs for a PageFacts or an Attempt, twice per page): the record's fields copied, `changes` over them.

    Only where that is all `replace` would do: a dataclass without `__post_init__` whose fields are all `__init__`
    ones, kept in its `__dict__` (no slots, nothing else stored there), and changes that name its fields; anything
    else goes to dataclasses.replace. tests/fetch/test_replaced.py compares the two."""
    names = _plain_fields(type(record))
    fields = getattr(record, "__dict__", None)
    if names is None or fields is None or len(fields) != len(names) or not names.issuperset(changes):
        return dataclasses.replace(record, **changes)
    copy = object.__new__(type(record))
    copy.__dict__.update(fields)
    copy.__dict__.update(changes)
    return copy


@functools.cache
def _plain_fields(cls: type) -> frozenset[str] | None:
    """The field names of a dataclass `replaced` may copy, or None."""
    if not dataclasses.is_dataclass(cls) or hasattr(cls, "__post_init__") or hasattr(cls, "__slots__"):
        return None
    fields = dataclasses.fields(cls)
    if any(not field.init for field in fields):
        return None
    return frozenset(field.name for field in fields)


def _says_nothing(host: soft404.HostFingerprint | None) -> bool:
    """Whether a probe answer rules out a probe verdict for every page of its host (no fingerprint, or an honest 404)."""
    return host is None or not host.answers_200


class _RequestBase:
    """The client's build_request("GET", url, headers=...) for refcheck's requests, ~30% less CPU (5 µs a request).

    The same request (headers in the same order and case, the client's timeouts): the client's own headers then the
    request's, which are merged into a copy of the client's with Headers.update, as httpx does, only when a name
    repeats one of the client's. The client has no cookies, params or base_url (refcheck never gives it any), so the
    rest of build_request's merging adds nothing.
    """

    def __init__(self, client: httpx.AsyncClient):
        self.client = client if client.cookies or client.params or str(client.base_url) else None  # then: httpx's own
        self.headers = client.headers
        self.raw = client.headers.raw
        self.names = frozenset(name.lower() for name, _ in client.headers.items())
        self.timeout = client.timeout.as_dict()
        self.pairs: list[tuple[str, str]] | None = None  # the client's headers as str pairs, made on first use

    def build(self, url: httpx.URL, headers: dict[str, str]) -> httpx.Request:
        if self.client is not None:
            return self.client.build_request("GET", url, headers=headers)
        if any(name.lower() in self.names for name in headers):
            merged: httpx.Headers | list = self.headers.copy()
            merged.update(headers)
        else:
            merged = [*self.raw, *headers.items()]
        return httpx.Request("GET", url, headers=merged, extensions={"timeout": self.timeout})

    def header_pairs(self, url: httpx.URL, headers: dict[str, str]) -> list[tuple[str, str]]:
        """The header lines `build(url, headers)` would send, in its order, without building the request: the Host
        line httpx adds first (unless `headers` names one), then the client's, then the request's. Anything unusual
        (httpx's own merging, a repeated name, a non-ASCII value httpx refuses) goes through `build` itself.
        tests/fetch/test_light_answers.py holds the equality."""
        if (self.client is not None or any(name.lower() in self.names or not (name + value).isascii()
                                           for name, value in headers.items())):
            built = self.build(url, headers).headers.raw
            return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in built]
        if self.pairs is None:
            self.pairs = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in self.raw]
        if any(name.lower() == "host" for name in headers):
            return [*self.pairs, *headers.items()]
        return [("Host", url.netloc.decode("ascii")), *self.pairs, *headers.items()]


def _read_without_text(read_page, body: bytes, content_type: str | None, url: str, **options) -> PageFacts:
    page = read_page(body, content_type, url, want_text=False, **options)
    return replaced(page, text_read=False)


_NOT_STARTED = contextlib.nullcontext()


class _Deadline:
    """A URL's total time budget, charged only for time that was the network's.

    It starts when the URL's first request gets through the concurrency gates (time queued behind other URLs of the
    same host is not charged), and it leaves out the time the event loop spent reading other URLs' pages
    (`stalls`, cumulative seconds) and the time this URL's own page waited for the reader (`paused`). A slow reader
    and a fast network made URLs time out that had answered at once. The watch's timer looks again when it fires
    early because of such time, so the deadline is exact without touching every URL on every slice of reading.
    """

    def __init__(self, seconds: float, window: asyncio.Timeout, stalls: Callable[[], float] = lambda: 0.0,
                 watch: _DeadlineWatch | None = None):
        self.seconds = seconds
        self._window = window
        self._stalls = stalls
        self._watch = watch
        self._started: float | None = None
        self._stalls_at_start = 0.0
        self._excused = 0.0  # paused time that was not already counted as a stall

    def start(self) -> None:
        if self._started is None:
            self._started = time.monotonic()
            self._stalls_at_start = self._stalls()
            self._arm()

    def left(self) -> float:
        return self.seconds - self.elapsed()

    def elapsed(self) -> float:
        """Seconds charged so far: wall time less the reader's time."""
        if self._started is None:
            return 0.0
        return self.wall() - (self._stalls() - self._stalls_at_start) - self._excused

    def wall(self) -> float:
        return 0.0 if self._started is None else time.monotonic() - self._started

    def stop(self) -> None:
        if self._watch is not None:
            self._watch.running.discard(self)

    def paused(self):
        """Stop the clock for the block (this URL's page waiting for the reader, and being read)."""
        if self._started is None:
            return _NOT_STARTED  # a URL's first hop: nothing to stop (no generator made for it)
        return self._paused()

    @contextlib.contextmanager
    def _paused(self):
        self.stop()
        began, stalls_before = time.monotonic(), self._stalls()
        try:
            yield
        finally:
            # The reader's slices during the pause are already left out as stalls: only the rest is excused here.
            self._excused += (time.monotonic() - began) - (self._stalls() - stalls_before)
            if not self._window.expired():
                self._arm()

    def _arm(self) -> None:
        if self._watch is None or self._watch.loop is not asyncio.get_running_loop():
            self._watch = _DeadlineWatch(asyncio.get_running_loop())  # a clock made outside a fetcher (tests)
        self._watch.add(self)

    def strike(self) -> None:
        """The URL is out of time: its window (the `async with` around its requests) ends it now."""
        if not self._window.expired():
            self._window.reschedule(asyncio.get_running_loop().time())


class _DeadlineWatch:
    """The deadlines of every URL in flight on one loop timer (`SweepTimer`): when it fires, every running clock is
    looked at, those with no time left are struck, and it is armed for the next. A clock that stops (its URL done,
    or paused) only leaves the set."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.running: set[_Deadline] = set()
        self._timer = SweepTimer(loop, self._strike_due)

    def add(self, clock: _Deadline) -> None:
        self.running.add(clock)
        self._timer.due_by(self.loop.time() + max(0.0, clock.left()))

    def _strike_due(self, now: float) -> float | None:
        earliest, out_of_time = None, []
        for clock in self.running:
            left = clock.left()
            if left > 0.001:  # the reader took some of the time: the URL still has some of its own
                if earliest is None or now + left < earliest:
                    earliest = now + left
            else:
                out_of_time.append(clock)
        for clock in out_of_time:
            self.running.discard(clock)
            clock.strike()
        return earliest


async def _acquire_both(host_gate: asyncio.Semaphore, global_gate: asyncio.Semaphore) -> None:
    """The host's slot, then one of the run's (the order `async with host, global` took them in)."""
    await host_gate.acquire()
    try:
        await global_gate.acquire()
    except BaseException:
        host_gate.release()
        raise


def _validators(entry) -> dict[str, str]:
    """Conditional-request headers from a stale cached success, so an unchanged page costs a 304."""
    if entry is None or entry.result.status is not UrlStatus.OK:
        return {}
    headers = {}
    if entry.etag:
        headers["If-None-Match"] = entry.etag
    if entry.last_modified:
        headers["If-Modified-Since"] = entry.last_modified
    return headers


async def _read_capped(response: httpx.Response, cap: int) -> CappedDecoder:
    """Read and decode a body until `cap` decoded bytes (or a little more than `cap` raw bytes) have arrived."""
    if response.is_stream_consumed:  # an in-memory response (httpx.MockTransport): httpx has decoded it already
        decoder = CappedDecoder(None, cap)
        decoder.feed(response.content)
        return decoder
    decoder = CappedDecoder(response.headers.get("content-encoding"), cap)
    # aiter_raw: the bytes as sent, so decoding is ours and bounded; httpx would inflate a whole chunk at once.
    async for chunk in response.aiter_raw():
        decoder.feed(chunk)
        if decoder.full or decoder.raw_bytes > cap + SMALL_BODY_CAP:
            break
    return decoder


async def _read_by_kind(response: httpx.Response, page_cap: int, pdf_cap: int) -> tuple[CappedDecoder | None, bool]:
    """A success's decoded body and whether it is a PDF; (None, False) for a body that is neither text nor PDF.

    The kind is decided on the first KB, where a PDF's magic bytes win over the declared type (servers send PDFs as
    application/octet-stream or text/html); then the body is read up to that kind's cap. An image or a video costs
    one chunk.
    """
    content_type = response.headers.get("content-type")
    readable = _is_readable(content_type)
    if response.is_stream_consumed:  # an in-memory response (httpx.MockTransport): httpx has decoded it already
        pdf = is_pdf(content_type, response.content[:KIND_SNIFF_BYTES])
        if not (pdf or readable):
            return None, False
        decoder = CappedDecoder(None, pdf_cap if pdf else page_cap)
        decoder.feed(response.content)
        return decoder, pdf
    # Until the kind is known, the smaller cap bounds what one chunk may inflate to (a gzip bomb's first chunk).
    decoder = CappedDecoder(response.headers.get("content-encoding"), min(page_cap, pdf_cap))
    pdf: bool | None = None  # not known until the first KB has arrived
    async for chunk in response.aiter_raw():  # the bytes as sent, so decoding is ours and bounded
        decoder.feed(chunk)
        if pdf is None and decoder.size >= KIND_SNIFF_BYTES:
            pdf = is_pdf(content_type, decoder.body()[:KIND_SNIFF_BYTES])
            if not (pdf or readable):
                return None, False
            decoder.cap = pdf_cap if pdf else page_cap
        if decoder.full or decoder.raw_bytes > decoder.cap + SMALL_BODY_CAP:
            break
    if pdf is None:  # the whole body is shorter than the sniffing window
        pdf = is_pdf(content_type, decoder.body())
        if not (pdf or readable):
            return None, False
        decoder.cap = pdf_cap if pdf else page_cap
    return decoder, pdf


async def _read_small(response: httpx.Response) -> bytes:
    """Up to SMALL_BODY_CAP decoded bytes of a body (error pages, challenges); errors here only mean less to read."""
    try:
        return (await _read_capped(response, SMALL_BODY_CAP)).body()
    except (DecodingError, httpx.HTTPError):
        return b""


async def _drain(response: httpx.Response) -> None:
    """Read a short redirect body to its end so the connection can be reused; a long one is cut (connection closed)."""
    length = response.headers.get("content-length")
    if not response.is_stream_consumed and length is not None and length.isdigit() and int(length) <= SMALL_BODY_CAP:
        try:
            async for _ in response.aiter_raw():
                pass
        except httpx.HTTPError:
            pass


# ── entry points ───────────────────────────────────────────────────────────────────────────────────────────────


async def fetch_all_async(
    urls: Iterable[str],
    settings: FetchSettings,
    *,
    cache: FetchCache | None = None,
    cache_settings: CacheSettings = CacheSettings(),
    read_page: PageReader | None = None,
    on_result: Callable[[FetchResult], None] | None = None,
    guard: Guard | None = None,
    sleep: Sleep = asyncio.sleep,
    text_urls: Collection[str] | None = None,
    digest: Callable[[FetchResult], object] | None = None,
) -> FetchRun:
    fetcher = Fetcher(settings, cache=cache, cache_settings=cache_settings, read_page=read_page, guard=guard,
                      sleep=sleep, text_urls=text_urls, digest=digest)
    return await fetcher.run(urls, on_result)


def fetch_all(
    urls: Iterable[str],
    settings: FetchSettings,
    *,
    cache: FetchCache | None = None,
    cache_settings: CacheSettings = CacheSettings(),
    read_page: PageReader | None = None,
    on_result: Callable[[FetchResult], None] | None = None,
    guard: Guard | None = None,
    sleep: Sleep = asyncio.sleep,
    text_urls: Collection[str] | None = None,
    digest: Callable[[FetchResult], object] | None = None,
) -> FetchRun:
    """Fetch every unique URL once and return each one's result, keyed by the URL as written in the document.

    A synchronous wrapper over the asyncio fetcher; called from inside a running event loop it runs in a thread.
    `guard` and `sleep` are test seams (fake DNS, no real waiting between retries). `text_urls`: the document URLs
    whose pages' main text is needed (claims are checked against it); the others' pages are read without it
    (`page.text_read` is False), which is cheaper. None: every page's text is read. `digest`: per-URL work done
    where each URL is fetched; its values are in the run's `digests`.
    """
    return run_to_completion(lambda: fetch_all_async(
        urls, settings, cache=cache, cache_settings=cache_settings, read_page=read_page, on_result=on_result,
        guard=guard, sleep=sleep, text_urls=text_urls, digest=digest), thread_name="refcheck-fetch")


def run_to_completion(work, *, thread_name: str):
    """Run a coroutine to its end from sync code; inside a running event loop, in a thread of its own."""
    try:
        asyncio.get_running_loop()
        in_a_loop = True
    except RuntimeError:
        in_a_loop = False
    if not in_a_loop:  # run outside the except block, so exceptions inside keep their own context chains
        return _run_boxed(work)
    box: dict[str, object] = {}

    def in_thread() -> None:
        try:
            box["value"] = _run_boxed(work)
        except BaseException as error:  # handed back to the caller's thread below
            box["error"] = error

    thread = threading.Thread(target=in_thread, name=thread_name)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]


def _run_boxed(work):
    """asyncio.run(work()), with the result handed over outside the main task.

    Python 3.11's asyncio.run ends by asking `signal.getsignal(SIGINT)`, which builds the repr of its handler, a
    partial holding the main task, whose repr holds the task's result: a whole run's FetchRun, thousands of results,
    rendered for nothing (~0.1 s for 2,000 URLs). A task whose result is None has a short repr.
    """
    box: list = []

    async def main() -> None:
        box.append(await work())

    asyncio.run(main())
    return box[0]

