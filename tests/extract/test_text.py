"""The conversation-export reader: turns, ` edit` headings, [N] markers, the References list, links."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from refcheck.extract.text import extract
from refcheck.models import Document, Format, Link, Marker, Suppression
from tests.conftest import SAMPLE_EXPORT, need_shared

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "documents" / "text"
FIXTURE_NAMES = sorted(path.stem for path in FIXTURES.glob("*.txt"))


def read(text: str):
    return extract(Document(path="<test>", format=Format.TEXT, text=text))


def as_plain(extraction) -> dict:
    plain = {
        key: [dataclasses.asdict(item) for item in getattr(extraction, key)]
        for key in ("references", "markers", "links", "blocks", "suppressions")
    }
    plain["has_markers"] = extraction.has_markers
    # Reference fields added for resolution (doi, authors, year, published) are compared only where a reader
    # filled them, so the expected files written before them still hold.
    for reference in plain["references"]:
        for name, empty in (("doi", None), ("authors", ()), ("year", None), ("published", None)):
            if reference.get(name, empty) == empty:
                reference.pop(name, None)
    return json.loads(json.dumps(plain))  # tuples → lists, as in the .expected.json files


# ---- the shared sample ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    path = need_shared(SAMPLE_EXPORT)
    return extract(Document(path=str(path), format=Format.TEXT, text=path.read_text(encoding="utf-8")))


def test_sample_has_all_13_references_with_titles_sites_and_dates(sample):
    assert [r.id for r in sample.references] == [str(n) for n in range(1, 14)]
    assert [r.line for r in sample.references] == list(range(192, 205))
    second = sample.references[1]
    assert (second.title, second.site, second.retrieved) == ("デジタル庁", "digital.go.jp", "2025-12-26")
    assert (sample.references[0].title, sample.references[0].site) == ("AI基本計画の核心", "ChatGPT")
    assert (sample.references[7].title, sample.references[7].site) == ("X (formerly Twitter)", "X (formerly Twitter)")
    assert (sample.references[9].title, sample.references[9].site) == ("ソフトバンクグループ株式会社", "group.softbank")
    assert {r.retrieved for r in sample.references} == {"2025-12-26"}
    assert all(r.url is None for r in sample.references)


def test_sample_markers_are_at_their_exact_lines(sample):
    lines = [2, 28, 29, 30, 31, 32, 33, 34, 113, 114, 115, 116, 123]
    assert sample.markers == tuple(Marker(ref=str(n), line=line) for n, line in zip(range(1, 14), lines))
    assert sample.has_markers


def test_sample_inline_urls(sample):
    assert sample.links == (
        Link(url="https://digital.asahi.com/articles/ASTD23HX0TD2ULFA00YM.html", line=24),
        Link(url="https://www.yomiuri.co.jp/economy/20251220-GYT1T00281/", line=108),
    )


def test_sample_speakers_and_repeated_headings(sample):
    by_line = {block.line: block for block in sample.blocks}
    # Lines before the first turn have no speaker; `gpt-5-2 edit` repeats nothing, so it stays, without " edit".
    assert (by_line[1].speaker, by_line[2].speaker, by_line[3].text) == (None, None, "gpt-5-2")
    # A turn's heading repeats its first paragraph (lines 4-5, 6-7; 85-86 cut with …): one block, not two.
    for heading in (4, 6, 85, 178):
        assert heading not in by_line
    assert by_line[5].speaker == "user" and by_line[7].speaker == "assistant"
    assert by_line[86].text.endswith("双方で行うべきだ。") and by_line[86].speaker == "user"
    # ` edit` lines that repeat nothing are prose, minus the ` edit`.
    assert by_line[32].text.endswith("Impress Watch[6]")
    assert by_line[90].text == "目標は「利活用」ではなく 世界水準のAIを自力で開発・改良できる国家能力の確立"
    assert by_line[112].text == "官民連携の国産AI基盤モデル開発に関与"
    assert by_line[120].text.endswith("しかし")
    assert by_line[113].speaker == "assistant" and by_line[125].speaker == "user"
    # The reference list is not prose.
    assert max(by_line) < 191
    assert not any(block.text.endswith(" edit") for block in sample.blocks)


def test_sample_citations_index_into_their_block(sample):
    cited = [(block.line, ref) for block in sample.blocks for _, ref in block.citations]
    assert cited == [(m.line, m.ref) for m in sample.markers]
    for block in sample.blocks:
        for offset, ref in block.citations:
            assert block.text.startswith(f"[{ref}]", offset)
        for offset, url in block.links:
            assert block.text.startswith(url, offset)


# ---- fixtures written for this reader, each with its expected extraction ---------------------------------


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture(name):
    text = (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")
    expected = json.loads((FIXTURES / f"{name}.expected.json").read_text(encoding="utf-8"))
    assert as_plain(read(text)) == expected


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_offsets_are_consistent(name):
    extraction = read((FIXTURES / f"{name}.txt").read_text(encoding="utf-8"))
    lines = (FIXTURES / f"{name}.txt").read_text(encoding="utf-8").split("\n")
    for block in extraction.blocks:
        assert block.text in lines[block.line - 1]
        for offset, ref in block.citations:
            assert block.text.startswith(f"[{ref}]", offset)
        for offset, url in block.links:
            assert block.text.startswith(url.removeprefix("http://") if url.startswith("http://www.") else url, offset)


def test_fixture_set_covers_the_shapes():
    assert {"backlinks-and-urls", "numbered-list", "headingless-brackets", "suppressions"} <= set(FIXTURE_NAMES)


# ---- focused cases ----------------------------------------------------------------------------------------


def test_backlink_letters_are_not_part_of_the_title():
    extraction = read('A[1]\nReferences\n- ↑ a b c "Title here". Site. Retrieved 2025-01-02.\n- ↑ "a b". S.\n')
    assert [(r.id, r.title, r.site) for r in extraction.references] == [("1", "Title here", "Site"), ("2", "a b", "S")]


@pytest.mark.parametrize(
    ("entry", "retrieved"),
    [
        ('"T". S. Retrieved 2025-12-26.', "2025-12-26"),
        ('"T". S. Retrieved on 2025/1/5.', "2025-01-05"),
        ('"T". S. Accessed December 3, 2025.', "2025-12-03"),
        ('"T". S. Accessed 3 Dec 2025.', "2025-12-03"),
        ("「T」. S. 閲覧日: 2025年12月3日.", "2025-12-03"),
        ("「T」. S. アクセス日 2025-12-03.", "2025-12-03"),
        ("「T」. S. 取得日：2025年1月2日", "2025-01-02"),
        ("「T」. S. 2025年1月2日閲覧.", "2025-01-02"),
        ('"T". S. Retrieved 2025-13-40.', None),
        ('"T". S.', None),
    ],
)
def test_retrieved_dates(entry, retrieved):
    reference = read(f"x[1]\nReferences\n- ↑ {entry}\n").references[0]
    assert (reference.title, reference.site, reference.retrieved) == ("T", "S", retrieved)


@pytest.mark.parametrize(
    "entry",
    [
        '- ↑ "T". S. Retrieved 2025-01-01. https://www.example.jp/a',
        '- ↑ "T". S. <https://www.example.jp/a> Retrieved 2025-01-01.',
        '- ↑ https://www.example.jp/a "T". S. Retrieved 2025-01-01.',
        '1. "T". S. Retrieved 2025-01-01. https://www.example.jp/a。',
    ],
)
def test_reference_url_anywhere_in_the_entry(entry):
    extraction = read(f"x[1]\nReferences\n{entry}\n")
    reference = extraction.references[0]
    assert (reference.id, reference.url, reference.line) == ("1", "https://www.example.jp/a", 3)
    assert (reference.title, reference.site, reference.retrieved) == ("T", "S", "2025-01-01")
    assert extraction.links == (Link(url="https://www.example.jp/a", line=3, ref="1"),)


def test_truncated_heading_is_dropped_only_when_it_repeats():
    text = "User: 長い質問の始まりで… edit\n長い質問の始まりである。\nAssistant: 別の話 edit\n違う話をする。\n"
    blocks = read(text).blocks
    assert [(b.line, b.speaker, b.text) for b in blocks] == [
        (2, "user", "長い質問の始まりである。"),
        (3, "assistant", "別の話"),
        (4, "assistant", "違う話をする。"),
    ]


def test_edit_is_ordinary_text_outside_exports():
    assert [b.text for b in read("You can edit\nThen save.\n").blocks] == ["You can edit", "Then save."]


def test_carriage_returns_do_not_leak_into_blocks():
    extraction = read("User: 質問 edit\r\n質問[1]\r\nReferences edit\r\n- ↑ \"T\". S. Retrieved 2025-01-01.\r\n")
    assert [b.text for b in extraction.blocks] == ["質問[1]"]
    assert extraction.references[0].retrieved == "2025-01-01"


def test_suppression_comments_apply_to_the_next_line_and_are_not_prose():
    extraction = read("<!-- refcheck: ignore[uncited-claim, no-url] -->\n売上は1兆円。\n# refcheck: ignore\n次の文。\n")
    assert extraction.suppressions == (
        Suppression(line=2, rules=("uncited-claim", "no-url")),
        Suppression(line=4, rules=()),
    )
    assert [b.line for b in extraction.blocks] == [2, 4]


def test_empty_and_prose_only_documents():
    assert read("") == read("\n\n")
    assert read("").references == () and not read("").has_markers
    assert read("Just a line.").references == ()


def test_mid_document_list_under_a_references_heading_ends_at_prose():
    text = "A[1]\nReferences\n- ↑ \"T\". S.\nBack to prose [2].\n"
    extraction = read(text)
    assert [r.id for r in extraction.references] == ["1"]
    assert [(b.line, b.text) for b in extraction.blocks] == [(1, "A[1]"), (4, "Back to prose [2].")]


def test_ten_thousand_references_stay_fast():
    entries = "".join(
        f'- ↑ a b "記事{i}". 例新聞. Retrieved 2025-12-26. <https://www.example-news.jp/a/{i}>\n' for i in range(10_000)
    )
    extraction = read("本文[1]\nReferences edit\n" + entries)  # a quadratic reader would not finish in time
    assert len(extraction.references) == 10_000
    assert extraction.references[-1].id == "10000" and extraction.references[-1].url.endswith("/a/9999")


def test_large_export_is_linear():
    # ~5 MB here to keep the suite quick; the 50 MB figure is measured separately (see the report).
    paragraph = "User: 質問です edit\n質問です。予算は1兆円だ。[1] → https://www.example.jp/a\n" * 1_000
    extraction = read(paragraph * 50)  # a quadratic reader would not finish within pytest's timeout
    assert len(extraction.blocks) == 50_000 and len(extraction.links) == 50_000
