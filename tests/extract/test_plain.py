"""Extractions kept between runs: the JSON round trip is lossless, and a check reuses them only when nothing changed."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from refcheck import pipeline
from refcheck.documents import read_document
from refcheck.extract import extract
from refcheck.extract import plain
from refcheck.extract.plain import extraction_from_json, extraction_key, extraction_to_json
from refcheck.settings import CacheSettings, FetchSettings, Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "documents"
SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "chatgpt-export-ai-policy.txt"


def every_fixture() -> list[Path]:
    documents = sorted(path for path in FIXTURES.rglob("*") if path.is_file() and path.suffix != ".py")
    return documents + ([SAMPLE] if SAMPLE.exists() else [])


@pytest.mark.parametrize("path", every_fixture(), ids=lambda path: path.name)
def test_round_trip_gives_back_the_same_extraction(path):
    extraction = extract(read_document(path))
    again = extraction_from_json(extraction_to_json(extraction))
    assert again == extraction
    assert hash(again) == hash(extraction)  # tuples all the way down, as the readers make them


def test_fixtures_cover_every_part_of_an_extraction():
    extractions = [extract(read_document(path)) for path in every_fixture()]
    for part in ("references", "markers", "links", "claims", "blocks", "suppressions"):
        assert any(getattr(e, part) for e in extractions), f"no fixture has {part}: the round trip is untested there"


@pytest.mark.parametrize("text", ["[]", '{"references": []}', '{"references": [[1]], "markers": [], "links": [], '
                                  '"claims": [], "blocks": [], "suppressions": [], "has_markers": false}', "not json"])
def test_anything_else_is_a_value_error(text):
    with pytest.raises(ValueError):
        extraction_from_json(text)


def test_the_key_changes_with_the_text_the_format_and_the_code(tmp_path, monkeypatch):
    (tmp_path / "a.md").write_text("See [x](https://example.org/a).\n")
    document = read_document(tmp_path / "a.md")
    key = extraction_key(document)
    assert extraction_key(read_document(tmp_path / "a.md")) == key
    (tmp_path / "a.md").write_text("See [x](https://example.org/b).\n")
    assert extraction_key(read_document(tmp_path / "a.md")) != key
    from refcheck.models import Format

    assert extraction_key(read_document(tmp_path / "a.md", Format.TEXT)) != extraction_key(
        read_document(tmp_path / "a.md"))
    monkeypatch.setattr(plain, "extractor_fingerprint", lambda: "another version of the readers")
    assert extraction_key(document) != key


def check_settings(cache_dir: Path) -> Settings:
    return Settings(fetch=FetchSettings(allow_private=True),
                    cache=CacheSettings(directory=cache_dir, offline=True))


def test_a_check_reuses_the_extraction_until_the_document_changes(tmp_path, monkeypatch):
    document = tmp_path / "doc.md"
    document.write_text("# Notes\n\nThe budget is 1兆円 [1].\n\n[1]: https://example.org/budget \"Budget\"\n")
    settings = check_settings(tmp_path / "cache")
    first = pipeline.check_paths([str(document)], settings)

    def no_reader(_document):
        raise AssertionError("the reader ran although the stored extraction was usable")

    monkeypatch.setattr(pipeline, "extract", no_reader)
    second = pipeline.check_paths([str(document)], settings)
    assert second.documents[0].extraction == first.documents[0].extraction
    assert second.documents[0].findings == first.documents[0].findings

    document.write_text("# Notes\n\nThe budget is 5,000億円 [1].\n\n[1]: https://example.org/budget \"Budget\"\n")
    with pytest.raises(AssertionError, match="the reader ran"):
        pipeline.check_paths([str(document)], settings)


def test_a_damaged_stored_extraction_is_replaced(tmp_path):
    document = tmp_path / "doc.md"
    document.write_text("See [the report](https://example.org/report).\n")
    settings = check_settings(tmp_path / "cache")
    first = pipeline.check_paths([str(document)], settings)
    with sqlite3.connect(tmp_path / "cache" / "refcheck.sqlite") as connection:
        connection.execute("UPDATE extractions SET body = '{\"broken\": 1}'")
    second = pipeline.check_paths([str(document)], settings)
    assert second.documents[0].extraction == first.documents[0].extraction
    with sqlite3.connect(tmp_path / "cache" / "refcheck.sqlite") as connection:
        body = connection.execute("SELECT body FROM extractions").fetchone()[0]
    assert json.loads(body)["links"]  # stored again, whole


def test_without_a_cache_nothing_is_kept(tmp_path):
    document = tmp_path / "doc.md"
    document.write_text("A note without links, so that nothing is fetched.\n")
    settings = Settings(fetch=FetchSettings(allow_private=True),
                        cache=CacheSettings(directory=tmp_path / "cache", enabled=False))
    pipeline.check_paths([str(document)], settings)
    assert not (tmp_path / "cache").exists()


def test_a_very_large_document_is_not_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "MEMO_MAX_CHARS", 100)
    document = tmp_path / "doc.md"
    document.write_text("A long note without links. " * 10 + "\n")
    pipeline.check_paths([str(document)], check_settings(tmp_path / "cache"))
    with sqlite3.connect(tmp_path / "cache" / "refcheck.sqlite") as connection:
        assert connection.execute("SELECT count(*) FROM extractions").fetchone()[0] == 0
