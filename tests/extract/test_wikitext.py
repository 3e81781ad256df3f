"""The wikitext reader: <ref> with cite templates, named refs reused, external links, numbering, exact lines."""

from __future__ import annotations


import pytest

from refcheck.extract.wikitext import extract
from refcheck.models import Document, Format, Link, Marker, Reference, Suppression
from tests.extract.expected import as_plain, expected_for, fixture_names, DOCUMENTS


def read(text: str):
    return extract(Document(path="<test>", format=Format.WIKITEXT, text=text))


@pytest.mark.parametrize("name", fixture_names("wikitext", ".wiki"))
def test_fixture_matches_its_expected_extraction(name):
    text = (DOCUMENTS / "wikitext" / name).read_text(encoding="utf-8")
    assert as_plain(read(text)) == expected_for("wikitext", name)


def test_named_ref_reused_is_one_reference_and_a_marker_per_use():
    text = 'A.<ref name="x">{{cite web|url=https://x.example/|title=X}}</ref>\nB.<ref name=x/>\n\nC.<ref name = "x" />'
    extraction = read(text)
    assert extraction.references == (Reference(id="x", line=1, title="X", url="https://x.example/"),)
    assert extraction.markers == (Marker("x", 1), Marker("x", 2), Marker("x", 4))
    assert extraction.has_markers


def test_unnamed_refs_are_numbered_as_mediawiki_renders_them():
    text = "a<ref>one</ref> b<ref name=n>two</ref> c<ref>three</ref> d<ref name=n/> e<ref group=note>n1</ref> f<ref>four</ref>"
    extraction = read(text)
    assert [r.id for r in extraction.references] == ["1", "n", "3", "note 1", "4"]


def test_cite_templates_give_title_site_url_date_and_archive():
    text = ("x<ref>{{cite news |url=https://n.example/a |title=Storm [[Coast|hits]] coast |newspaper=[[The Daily]] "
            "|access-date=December 26, 2025 |archive-url=https://web.archive.org/web/1/https://n.example/a}}</ref>")
    reference = read(text).references[0]
    assert reference == Reference(id="1", line=1, title="Storm hits coast", site="The Daily", url="https://n.example/a",
                                  retrieved="2025-12-26", archive_url="https://web.archive.org/web/1/https://n.example/a")


@pytest.mark.parametrize("written", ["2025年12月26日", "26 December 2025", "December 26, 2025", "2025-12-26", "Dec 26, 2025"])
def test_access_dates_are_normalised(written):
    text = f"x<ref>{{{{cite web|url=https://d.example/|title=T|access-date={written}}}}}</ref>"
    assert read(text).references[0].retrieved == "2025-12-26"


def test_japanese_cite_templates():
    text = "文<ref>{{Cite web|和書|url=https://www.example.jp/a|title=記事|website=例サイト|accessdate=2025年1月5日}}</ref>。"
    reference = read(text).references[0]
    assert (reference.title, reference.site, reference.url, reference.retrieved) == (
        "記事", "例サイト", "https://www.example.jp/a", "2025-01-05")


def test_bracketed_and_bare_links_outside_refs():
    text = "See [https://a.example/x the map] and\nhttps://b.example/y, also http://c.example/z。日本語"
    assert read(text).links == (Link("https://a.example/x", 1, "the map"), Link("https://b.example/y", 2),
                                 Link("http://c.example/z", 2))


def test_list_defined_refs_are_not_markers():
    text = "Use.<ref name=late/>\n{{reflist|refs=\n<ref name=late>{{cite web|url=https://l.example/|title=L}}</ref>\n}}"
    extraction = read(text)
    assert extraction.markers == (Marker("late", 1),)
    assert extraction.references == (Reference(id="late", line=3, title="L", url="https://l.example/"),)


def test_refs_inside_templates_and_lines_after_multiline_templates():
    text = "{{Infobox\n| a = 1<ref>[https://i.example/ Info]</ref>\n| b = 2\n}}\nProse here.<ref>{{cite web|url=https://p.example/|title=P}}</ref>"
    extraction = read(text)
    assert [(r.id, r.line) for r in extraction.references] == [("1", 2), ("2", 5)]
    assert [(b.text, b.line, b.citations) for b in extraction.blocks] == [("Prose here.", 5, ((11, "2"),))]


def test_prose_blocks_split_at_blank_lines_headings_and_list_items():
    text = "One.<ref>a</ref>\nTwo.\n\n== Head ==\n* Item<ref>b</ref>\n# Other\n{| class=wikitable\n| cell\n|}\nLast."
    blocks = read(text).blocks
    assert [(b.text, b.line, b.citations) for b in blocks] == [
        ("One.\nTwo.", 1, ((4, "1"),)), ("Item", 5, ((4, "2"),)), ("Other", 6, ()), ("Last.", 10, ())]


def test_suppression_comments():
    text = "<!-- refcheck: ignore[no-url] -->\nA.<ref>no url here</ref>\nB. <!-- refcheck: ignore -->"
    assert read(text).suppressions == (Suppression(2, ("no-url",)), Suppression(3, ()))


@pytest.mark.parametrize("text", [
    "", "<ref>", "<ref name=>x</ref>", "{{cite web|url=", "[[", "[http://", "<references>", "{{{{}}}}", "'''''",
    "<ref name=a/><ref name=a/>", "{| \n|", "\x00<ref>\ufffd</ref>",
])
def test_malformed_wikitext_does_not_raise(text):
    read(text)


def test_ten_thousand_refs_stay_fast():
    count = 10_000
    text = "\n".join(f"Claim {n}.<ref>{{{{cite web|url=https://example.com/{n}|title=Title {n}|website=Site}}}}</ref>"
                     for n in range(count))
    extraction = read(text)  # a quadratic reader would not finish within pytest's timeout
    assert len(extraction.references) == count and len(extraction.markers) == count
    assert extraction.references[-1] == Reference(id=str(count), line=count, title=f"Title {count - 1}", site="Site",
                                                  url=f"https://example.com/{count - 1}")
