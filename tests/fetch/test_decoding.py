"""Content-Encoding decoding with a hard cap: correct output, and a bomb stops after producing at most the cap."""

from __future__ import annotations

import gzip
import time
import zlib

import brotli
import pytest

from refcheck.fetch.decoding import CappedDecoder, DecodingError, accept_encoding


def feed_in_chunks(decoder: CappedDecoder, data: bytes, size: int = 1000) -> bytes:
    for start in range(0, len(data), size):
        decoder.feed(data[start:start + size])
        if decoder.full:
            break
    return decoder.body()


TEXT = "<title>東京</title><p>本文 text</p>".encode() * 200


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        (None, lambda d: d),
        ("identity", lambda d: d),
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("br", brotli.compress),
        ("GZIP", gzip.compress),
    ],
)
def test_each_encoding_round_trips(encoding, encode):
    assert feed_in_chunks(CappedDecoder(encoding, 10**6), encode(TEXT)) == TEXT


def test_stacked_encodings_are_undone_last_first():
    data = brotli.compress(gzip.compress(TEXT))
    assert feed_in_chunks(CappedDecoder("gzip, br", 10**6), data) == TEXT


@pytest.mark.parametrize("compress", [gzip.compress, brotli.compress, zlib.compress])
def test_output_never_exceeds_the_cap(compress):
    decoder = CappedDecoder({gzip.compress: "gzip", brotli.compress: "br", zlib.compress: "deflate"}[compress], 5000)
    body = feed_in_chunks(decoder, compress(TEXT))
    assert body == TEXT[:5000] and decoder.full


def test_a_bomb_fed_in_one_piece_stops_at_the_cap_quickly():
    bomb = gzip.compress(bytes(200 * 1024 * 1024), compresslevel=1)  # 200 MiB of zeros in ~200 KB
    decoder = CappedDecoder("gzip", 1024 * 1024)
    started = time.monotonic()
    decoder.feed(bomb)
    assert time.monotonic() - started < 0.5
    assert decoder.size == 1024 * 1024
    assert decoder.expansion() > 100


def test_brotli_bomb_stops_at_the_cap():
    bomb = brotli.compress(bytes(64 * 1024 * 1024), quality=5)
    decoder = CappedDecoder("br", 100_000)
    decoder.feed(bomb)
    assert decoder.size == 100_000


def test_unknown_or_corrupt_encodings_raise_decoding_error():
    with pytest.raises(DecodingError, match="zstd"):
        CappedDecoder("zstd", 100)
    with pytest.raises(DecodingError):
        CappedDecoder("gzip", 100).feed(b"definitely not gzip")


def test_br_is_only_advertised_when_it_can_be_bounded():
    assert accept_encoding() == "gzip, deflate, br"
