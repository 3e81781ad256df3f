"""A `BackendWeb` for tests: plain httpx against loopback only (the resolver's real one goes through the fetcher).

It never raises for network trouble (a timeout, a refused connection, a reset all come back as
`WebResponse.error`), follows redirects, caps bodies at `max_bytes`, and refuses any host but 127.0.0.1 so a
test can never reach a real service. `calls` records every request (url, params, headers) for assertions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from refcheck.resolve.model import WebResponse


@dataclass
class Call:
    url: str
    params: dict
    headers: dict


@dataclass
class LoopbackWeb:
    timeout: float = 5.0
    max_bytes: int = 5_000_000
    calls: list[Call] = field(default_factory=list)

    async def get(self, url: str, *, params: dict | None = None, headers: dict | None = None,
                  max_bytes: int | None = None) -> WebResponse:
        self.calls.append(Call(url, dict(params or {}), dict(headers or {})))
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost"):
            return WebResponse(url=url, status=None, error=f"refused: {urlsplit(url).hostname} is not loopback")
        cap = max_bytes or self.max_bytes
        try:
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=True, trust_env=False) as client:
                async with client.stream("GET", url, params=params, headers=headers) as response:
                    body = b""
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > cap:
                            return WebResponse(url=str(response.url), status=response.status_code,
                                               error=f"body larger than {cap} bytes")
        except httpx.TimeoutException as exc:
            return WebResponse(url=url, status=None, error=f"timed out after {self.timeout} s ({type(exc).__name__})")
        except httpx.HTTPError as exc:
            return WebResponse(url=url, status=None, error=f"{type(exc).__name__}: {exc}")
        return WebResponse(url=str(response.url), status=response.status_code, body=body,
                           content_type=response.headers.get("content-type"),
                           headers={k.lower(): v for k, v in response.headers.items()})
