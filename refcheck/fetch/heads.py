"""An answer's head as the fetcher reads it, shared by the engines that bypass httpx's Response (engine_aiohttp,
engine_curl) without importing either one's HTTP library."""

from __future__ import annotations


def answer_headers(raw: tuple[tuple[bytes, bytes], ...]) -> dict[str, str]:
    """An answer's headers as `dict(httpx.Headers(raw).items())` makes them: lowercase names, a repeated name's values
    joined with ", ", all decoded as ASCII, else UTF-8, else ISO-8859-1 (httpx's fallbacks, decided for the whole
    head). tests/fetch/test_light_answers.py holds the equality."""
    encoding = _head_encoding(raw)
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
