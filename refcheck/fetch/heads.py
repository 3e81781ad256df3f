"""An answer's head as the fetcher reads it, shared by the engines that bypass httpx's Response (engine_aiohttp,
engine_curl) without importing either one's HTTP library."""

from __future__ import annotations

import httpx


def answer_headers(raw: tuple[tuple[bytes, bytes], ...]) -> dict[str, str]:
    """An answer's headers as `dict(httpx.Headers(raw).items())` makes them: lowercase names, a repeated name's values
    joined with ", ", all decoded as ASCII, else UTF-8, else ISO-8859-1 (httpx's fallbacks, decided for the whole
    head). tests/fetch/test_light_answers.py holds the equality."""
    try:  # nearly every head is ASCII: read as such at once, without first looking for the head's encoding
        return _headers_decoded(raw, "ascii")
    except UnicodeDecodeError:
        return _headers_decoded(raw, _head_encoding(raw))


def _headers_decoded(raw: tuple[tuple[bytes, bytes], ...], encoding: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in raw:
        key, text = name.lower().decode(encoding), value.decode(encoding)
        if key in headers:
            headers[key] += f", {text}"
        else:
            headers[key] = text
    return headers


def _head_encoding(raw: tuple[tuple[bytes, bytes], ...]) -> str:
    for encoding in ("ascii", "utf-8"):
        try:
            for name, value in raw:
                name.decode(encoding)
                value.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return "iso-8859-1"


class Answer:
    """An answer as the fetcher reads it, without httpx's models (building an httpx.Request and an httpx.Response
    cost ~22 µs a request): the status, `headers` as a plain dict of lowercase names (`answer_headers`), and the raw
    body through `aiter_raw`, read once. `body` is the engine's raw stream (an async iterable of bytes with `aclose`),
    which raises failures as httpx's exceptions."""

    is_stream_consumed = False  # (an in-memory httpx.Response says True: its content is decoded already)

    def __init__(self, status: int, raw_headers: tuple[tuple[bytes, bytes], ...], body):
        self.status_code = status
        self.headers = answer_headers(raw_headers)
        self._body = body
        self._closed = False

    async def aiter_raw(self):
        if self._closed:
            raise httpx.StreamClosed()
        async for chunk in self._body:
            yield chunk
        await self.aclose()  # read to its end: the connection goes back to the pool now, as httpx's aiter_raw does

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self._body.aclose()
