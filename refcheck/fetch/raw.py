"""Raw GETs for the resolution stage's backends (sitemaps, feeds, search APIs): the fetcher's safety, bytes out.

The page fetcher (client.py) turns a URL into a FetchResult with the page read; a backend needs the answer's bytes
(XML, JSON) instead. This client gives it them under the same rules: --remap on the URL asked for, the SSRF guard
on every hop (sockets pinned to the checked address), redirects followed by hand (at most MAX_REDIRECTS), the body
decoded and capped (`max_bytes`, gzip bombs included), one deadline per request, no proxies, and polite pacing: one
request in flight per host and `interval` seconds between the starts of two requests to it. Nothing here raises
for the network's sake: every failure is a `RawAnswer` with an `error`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx

from refcheck.fetch.client import PerOriginTransport, parsed_url, prepare_url
from refcheck.fetch.decoding import CappedDecoder, DecodingError, accept_encoding
from refcheck.fetch.guard import Guard, ResolutionFailed, UnsafeTarget
from refcheck.fetch.remap import Remapper
from refcheck.fetch.run import InvalidTarget

MAX_REDIRECTS = 5


@dataclass(frozen=True)
class RawAnswer:
    url: str  # the URL asked for, or the last hop's when redirected
    status: int | None
    body: bytes = b""
    content_type: str | None = None
    headers: dict = field(default_factory=dict)  # lower-case names
    error: str | None = None
    truncated: bool = False  # the body was cut at max_bytes


class RawClient:
    """One run's raw GETs. Use as `async with RawClient(...) as client: await client.get(url)`.

    `guard` is a test seam (fake DNS); `clock`/`sleep` let a test observe pacing without waiting.
    """

    def __init__(self, *, remaps: tuple[tuple[str, str], ...] = (), allow_private: bool = False, agent: str = "refcheck",
                 timeout: float = 15.0, interval: float = 0.5, max_bytes: int = 8 * 1024 * 1024,
                 guard: Guard | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], object] = asyncio.sleep):
        self.remapper = Remapper(remaps)
        self.guard = guard or Guard(allow_private=allow_private)
        self.agent = agent
        self.timeout = timeout
        self.interval = interval
        self.max_bytes = max_bytes
        self._clock = clock
        self._sleep = sleep
        self._hosts: dict[str, asyncio.Lock] = {}
        self._next_start: dict[str, float] = {}
        self._client: httpx.AsyncClient | None = None
        self.sent = 0  # requests that went to the network (hops included)

    async def __aenter__(self) -> RawClient:
        transport = PerOriginTransport(self.guard, per_origin=1)
        self._client = httpx.AsyncClient(transport=transport, follow_redirects=False, trust_env=False,
                                         headers={"User-Agent": self.agent, "Accept-Encoding": accept_encoding()},
                                         timeout=httpx.Timeout(self.timeout, pool=None))
        return self

    async def __aexit__(self, *exc_info) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def get(self, url: str, *, headers: dict | None = None, max_bytes: int | None = None) -> RawAnswer:
        """GET `url` (query already in it): the answer's decoded bytes, or why there are none."""
        try:
            target = prepare_url(self.remapper.remap(url))
        except InvalidTarget as error:
            return RawAnswer(url, None, error=str(error))
        try:
            async with asyncio.timeout(self.timeout):
                return await self._follow(url, target, headers or {}, max_bytes or self.max_bytes)
        except TimeoutError:
            return RawAnswer(url, None, error=f"no answer within {self.timeout:g} s")

    async def _follow(self, asked: str, target: str, headers: dict, cap: int) -> RawAnswer:
        current = target
        for hop in range(MAX_REDIRECTS + 1):
            answer, location = await self._hop(current, headers, cap)
            if location is None:
                return answer if hop == 0 or answer.error else _renamed(answer, current)
            try:
                current = prepare_url(urljoin(current, location))
            except InvalidTarget as error:
                return RawAnswer(asked, None, error=f"redirect to an unusable URL {location!r}: {error}")
        return RawAnswer(asked, None, error=f"more than {MAX_REDIRECTS} redirects")

    async def _hop(self, url: str, headers: dict, cap: int) -> tuple[RawAnswer, str | None]:
        parsed = parsed_url(url)
        host = parsed.host.lower()
        try:
            await self.guard.check(parsed.raw_host.decode("ascii"), parsed.port or (443 if parsed.scheme == "https" else 80))
        except (UnsafeTarget, ResolutionFailed) as error:
            return RawAnswer(url, None, error=f"refused: {error}" if isinstance(error, UnsafeTarget) else str(error)), None
        lock = self._hosts.setdefault(host, asyncio.Lock())
        async with lock:
            wait = self._next_start.get(host, 0.0) - self._clock()
            if wait > 0:
                await self._sleep(wait)
            self._next_start[host] = self._clock() + self.interval
            self.sent += 1
            assert self._client is not None
            try:
                async with self._client.stream("GET", parsed, headers=headers) as response:
                    answer_headers = {k.lower(): v for k, v in response.headers.items()}
                    location = answer_headers.get("location")
                    if response.is_redirect and location:
                        return RawAnswer(url, response.status_code, headers=answer_headers), location
                    body, truncated = await _read(response, cap)
                    return RawAnswer(url, response.status_code, body, answer_headers.get("content-type"),
                                     answer_headers, truncated=truncated), None
            except DecodingError as error:
                return RawAnswer(url, None, error=f"body not readable: {error}"), None
            except (httpx.HTTPError, httpx.StreamError) as error:
                return RawAnswer(url, None, error=f"{type(error).__name__}: {error}".rstrip(": ")), None


def _renamed(answer: RawAnswer, url: str) -> RawAnswer:
    return RawAnswer(url, answer.status, answer.body, answer.content_type, answer.headers, answer.error,
                     answer.truncated)


async def _read(response: httpx.Response, cap: int) -> tuple[bytes, bool]:
    decoder = CappedDecoder(response.headers.get("content-encoding"), cap)
    async for chunk in response.aiter_raw():
        decoder.feed(chunk)
        if decoder.full:
            break
    body = decoder.body()
    if body[:2] == b"\x1f\x8b":  # a .xml.gz sitemap: gzip as the file's own format, not as a transfer encoding
        inner = CappedDecoder("gzip", cap)
        inner.feed(body)
        return inner.body(), inner.full
    return body, decoder.full

