"""Undo Content-Encoding (gzip, deflate, br) incrementally, never producing more than a fixed number of bytes, so a decompression bomb stops at the cap."""

from __future__ import annotations

import zlib

try:  # httpx[brotli] installs it; without it refcheck simply does not ask for br
    import brotli
except ImportError:  # pragma: no cover - depends on the environment
    brotli = None


class DecodingError(Exception):
    """The body is not valid in the encoding the server declared, or the encoding is unknown."""


class _Identity:
    consumed = 0

    def feed(self, data: bytes, limit: int) -> bytes:
        self.consumed += min(len(data), limit)
        return data[:limit]


class _Zlib:
    """gzip (wbits 47 accepts gzip or zlib headers) and deflate (zlib-wrapped, or raw as some servers send it)."""

    def __init__(self, wbits: int, *, raw_fallback: bool = False):
        self._decompressor = zlib.decompressobj(wbits)
        self._raw_fallback = raw_fallback
        self._started = False
        self._tail = b""  # input held back when a call reached its output limit
        self.consumed = 0  # input bytes actually decompressed, for the compression ratio

    def feed(self, data: bytes, limit: int) -> bytes:
        try:
            # max_length bounds the output of this call; the rest of the input waits in unconsumed_tail, which
            # the caller never asks for once the cap is reached. This is what keeps a bomb from inflating.
            pending = self._tail + data
            output = self._decompressor.decompress(pending, limit)
        except zlib.error as error:
            if self._raw_fallback and not self._started:
                self._decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
                self._raw_fallback = False
                return self.feed(data, limit)
            raise DecodingError(f"invalid compressed body: {error}") from error
        self._started = True
        self._tail = self._decompressor.unconsumed_tail
        self.consumed += len(pending) - len(self._tail)
        return output


class _Brotli:
    def __init__(self):
        self._decompressor = brotli.Decompressor()
        self.consumed = 0  # brotli does not say how much of a chunk it used: the whole chunk is counted

    def feed(self, data: bytes, limit: int) -> bytes:
        try:
            output = self._decompressor.process(data, output_buffer_limit=limit)
            self.consumed += len(data)
        except brotli.error as error:
            raise DecodingError(f"invalid brotli body: {error}") from error
        return output[:limit]


def brotli_supported() -> bool:
    """Whether the installed brotli can bound its output (brotli >= 1.2); only then is `br` safe to accept."""
    if brotli is None:
        return False
    try:
        brotli.Decompressor().process(b"", output_buffer_limit=1)
    except TypeError:
        return False
    except brotli.error:
        return True
    return True


def accept_encoding() -> str:
    return "gzip, deflate, br" if brotli_supported() else "gzip, deflate"


def _decoder_for(coding: str):
    if coding in ("", "identity"):
        return _Identity()
    if coding in ("gzip", "x-gzip"):
        return _Zlib(32 + zlib.MAX_WBITS)
    if coding == "deflate":
        return _Zlib(zlib.MAX_WBITS, raw_fallback=True)
    if coding == "br" and brotli_supported():
        return _Brotli()
    raise DecodingError(f"unsupported content-encoding: {coding}")


class CappedDecoder:
    """Feeds raw body chunks through every declared encoding (last applied, first undone) and keeps at most `cap` bytes."""

    def __init__(self, content_encoding: str | None, cap: int):
        codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
        self._decoders = [_decoder_for(c) for c in reversed(codings)]
        self.cap = cap
        self.raw_bytes = 0
        self._parts: list[bytes] = []
        self._size = 0

    @property
    def full(self) -> bool:
        return self._size >= self.cap

    @property
    def size(self) -> int:
        return self._size

    def feed(self, raw: bytes) -> None:
        """Decode one raw chunk; output past the cap is never produced, let alone kept."""
        self.raw_bytes += len(raw)
        if self.full:
            return
        data = raw
        for decoder in self._decoders:
            if not data:
                return
            # An intermediate stage may also expand; bounding each stage by the remaining room bounds the whole.
            data = decoder.feed(data, self.cap - self._size)
        if data:
            room = self.cap - self._size
            self._parts.append(data[:room])
            self._size += min(len(data), room)

    def expansion(self) -> float:
        """Decoded bytes per raw byte the decoder actually used (1.0 for an unencoded body)."""
        if not self._decoders:
            return 1.0
        return self._size / max(1, self._decoders[0].consumed)

    def body(self) -> bytes:
        return b"".join(self._parts)
