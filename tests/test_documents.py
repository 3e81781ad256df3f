"""Reading paths into Documents: encodings, format detection, and bad input as InputError (never a traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest

from refcheck.documents import collect_paths, decode, detect_format, read_document
from refcheck.errors import InputError
from refcheck.models import Format

JAPANESE = "デジタル庁は国産AIモデル「PLaMo Translate」を導入する。経済産業省は5年で1兆円規模の支援を予定している。"


@pytest.mark.parametrize("encoding", ["shift_jis", "cp932", "euc_jp", "iso2022_jp", "utf-16"])
def test_japanese_legacy_encodings_decode_exactly(encoding):
    text, used = decode(JAPANESE.encode(encoding))
    assert text == JAPANESE, used


def test_utf8_bom_is_removed():
    text, used = decode("\ufeffUser: こんにちは".encode("utf-8"))
    assert text == "User: こんにちは" and used == "utf-8"


def test_binary_is_refused_with_one_line():
    with pytest.raises(InputError, match="binary"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "image.png")


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("a.md", "# Title\n", Format.MARKDOWN),
    ("a.html", "<p>x</p>", Format.HTML),
    ("a.wiki", "text", Format.WIKITEXT),
    ("a.txt", "User: hi\nAssistant: hello", Format.TEXT),
    ("a.txt", "<!DOCTYPE html><html><body>x</body></html>", Format.HTML),
    ("a.txt", "Text.<ref>{{cite web |url=https://example.org |title=T}}</ref>", Format.WIKITEXT),
    ("notes", "# Heading\n\nSee [x](https://example.org).", Format.MARKDOWN),
])
def test_format_detection_by_extension_then_content(name, text, expected):
    assert detect_format(Path(name), text) is expected


def test_directories_recurse_into_supported_files_only(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("a.md", "sub/b.txt", "sub/c.wiki", "image.png", "sub/data.json"):
        (tmp_path / name).write_text("x")
    found = [p.relative_to(tmp_path).as_posix() for p in collect_paths([str(tmp_path)])]
    assert found == ["a.md", "sub/b.txt", "sub/c.wiki"]


def test_missing_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        collect_paths([str(tmp_path / "nope.md")])


def test_crlf_is_normalised_so_lines_stay_exact(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes("one\r\ntwo\rthree\n".encode())
    assert read_document(path).text == "one\ntwo\nthree\n"


def test_forced_format_wins(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("# not markdown really")
    assert read_document(path, Format.WIKITEXT).format is Format.WIKITEXT
