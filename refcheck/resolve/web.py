"""The `BackendWeb` the resolver hands its backends: the fetcher's raw client (fetch/raw.py) behind two caches.

Every request a backend makes goes through here: asked once per run (an in-run memo shared by every reference, so
ten references to one site read its sitemaps once), answered from the SQLite cache while fresh — answers for
`max_age`, misses (404, 410) for `max_age_miss`; other failures are never stored — and with `--offline` from the
cache alone, whatever its age. The raw client applies --remap, the SSRF guard on every hop, the size cap, the
timeout and per-host pacing.
"""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from urllib.parse import urlencode

from refcheck.resolve.model import WebResponse

_DEFINITE_MISSES = (404, 410)
_STORED_HEADERS = ("content-type", "x-rate-limit-limit", "x-rate-limit-interval", "x-ratelimit-remaining",
                   "retry-after", "last-modified")


def request_key(url: str, params: dict | None) -> str:
    """The URL with its parameters, as the request is made and cached."""
    if not params:
        return url
    query = urlencode([(key, value) for key, value in params.items() if value is not None], doseq=True)
    return url + ("&" if "?" in url else "?") + query if query else url


class CachedWeb:
    """One run's BackendWeb. `client` is a fetch.raw.RawClient (None: nothing may go to the network)."""

    def __init__(self, client, cache=None, *, offline: bool = False, max_age: float = 86400.0,
                 max_age_miss: float = 86400.0, clock=time.time):
        self.client = client
        self.cache = cache
        self.offline = offline
        self.max_age = max_age
        self.max_age_miss = max_age_miss
        self._clock = clock
        self._memo: dict[str, asyncio.Future] = {}
        self.asked = 0  # every get(), memo and cache hits included
        self.from_cache = 0  # answered by the SQLite cache
        self.network = 0  # answered by the network

    async def get(self, url: str, *, params: dict | None = None, headers: dict | None = None,
                  max_bytes: int | None = None) -> WebResponse:
        key = request_key(url, params)
        self.asked += 1
        pending = self._memo.get(key)
        if pending is None:
            pending = self._memo[key] = asyncio.ensure_future(self._answer(key, headers, max_bytes))
        return await asyncio.shield(pending)

    async def _answer(self, key: str, headers: dict | None, max_bytes: int | None) -> WebResponse:
        stored = self._stored(key)
        if stored is not None:
            self.from_cache += 1
            return stored
        if self.offline or self.client is None:
            return WebResponse(key, None, error="offline: not in the cache")
        raw = await self.client.get(key, headers=headers, max_bytes=max_bytes)
        self.network += 1
        response = WebResponse(raw.url, raw.status, raw.body, raw.content_type, dict(raw.headers), raw.error)
        if self.cache is not None and raw.error is None and raw.status is not None and (
                200 <= raw.status < 300 or raw.status in _DEFINITE_MISSES):
            kept = {name: value for name, value in raw.headers.items() if name in _STORED_HEADERS}
            await asyncio.to_thread(self.cache.store_resolve_answer, key, raw.url, raw.status,
                                    zlib.compress(raw.body, 6), raw.content_type, json.dumps(kept))
        return response

    def _stored(self, key: str) -> WebResponse | None:
        if self.cache is None:
            return None
        row = self.cache.resolve_answer(key)
        if row is None:
            return None
        url, status, body, content_type, headers, stored_at = row
        age = self._clock() - stored_at
        max_age = self.max_age_miss if status in _DEFINITE_MISSES else self.max_age
        if not self.offline and not 0 <= age < max_age:
            return None
        try:
            plain = zlib.decompress(body or b"")
            kept = json.loads(headers or "{}")
        except (zlib.error, ValueError):
            return None
        return WebResponse(url, status, plain, content_type, kept if isinstance(kept, dict) else {}, from_cache=True)
