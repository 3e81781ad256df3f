"""The HTML reader: a[href] against <base>, <sup>/[N] markers, <ol>/<li id> reference lists, exact lines."""

from __future__ import annotations


import pytest

from refcheck.extract.html import extract
from refcheck.models import Document, Format, Link, Marker, Suppression
from tests.extract.expected import as_plain, expected_for, fixture_names, DOCUMENTS


def read(text: str):
    return extract(Document(path="<test>", format=Format.HTML, text=text))


@pytest.mark.parametrize("name", fixture_names("html", ".html"))
def test_fixture_matches_its_expected_extraction(name):
    text = (DOCUMENTS / "html" / name).read_text(encoding="utf-8")
    assert as_plain(read(text)) == expected_for("html", name)


def test_relative_links_resolve_against_base_href():
    text = '<base href="https://site.example/docs/">\n<p><a href="page.html">p</a>\n<a href="/root">r</a>\n<a href="#top">t</a></p>'
    links = read(text).links
    assert [(link.url, link.line) for link in links if link.url.startswith("http")] == [
        ("https://site.example/docs/page.html", 2), ("https://site.example/root", 3)]
    assert [(link.url, link.line) for link in links if not link.url.startswith("http")] == [("#top", 4)]


def test_relative_links_without_base_are_local_links_not_sources():
    extraction = read('<p><a href="page.html">p</a> <a href="mailto:a@b.example">m</a></p>')
    assert [(link.url, link.text, link.kind) for link in extraction.links] == [("page.html", "p", "link")]
    assert extraction.references == () and extraction.blocks[0].links == ()


def test_the_same_href_on_several_lines_gets_each_line():
    text = "<p>\n<a href='https://same.example/'>one</a>\n\n<a\n href=\"https://same.example/\">two</a>\n</p>"
    assert [(link.line, link.text) for link in read(text).links] == [(2, "one"), (4, "two")]


def test_script_style_noscript_and_comments_are_ignored():
    text = ("<script>\n'<a href=\"https://s.example/\">'\n</script><style>/* https://css.example/ */</style>\n"
            "<!-- <a href=\"https://comment.example/\">x</a> -->\n<noscript><a href='https://ns.example/'>n</a></noscript>\n"
            "<p><a href='https://real.example/'>real</a></p>")
    assert [(link.url, link.line) for link in read(text).links] == [("https://real.example/", 6)]


def test_sup_markers_cite_list_items_by_position():
    text = ('<p>A.<sup><a href="#fn1">1</a></sup>\nB.<sup><a href="#fn2">2</a></sup> C.<sup><a href="#fn1">1</a></sup></p>\n'
            '<ol start="1">\n<li id="fn1"><a href="https://one.example/">"One"</a>. <i>Site</i>.</li>\n'
            '<li id="fn2">"Two". Two Site. 2025年12月26日閲覧 <a href="https://two.example/">link</a></li>\n</ol>')
    extraction = read(text)
    assert extraction.markers == (Marker("1", 1), Marker("2", 2), Marker("1", 2))
    assert [(r.id, r.line, r.title, r.site, r.url, r.retrieved) for r in extraction.references] == [
        ("1", 4, "One", "Site", "https://one.example/", None),
        ("2", 5, "Two", "Two Site", "https://two.example/", "2025-12-26")]
    assert extraction.blocks[0].text == "A.\nB. C."
    assert extraction.blocks[0].citations == ((2, "1"), (5, "2"), (8, "1"))
    assert extraction.has_markers


def test_a_marker_to_a_missing_note_keeps_its_target_as_ref():
    extraction = read('<p>X<sup><a href="#cite_note-9">[9]</a></sup></p>')
    assert extraction.markers == (Marker("cite_note-9", 1),)


def test_two_reference_lists_keep_their_item_ids():
    text = ('<p>a<sup><a href="#note-a">a</a></sup> b<sup><a href="#cite_note-1">1</a></sup></p>\n'
            '<ol><li id="note-a">A note.</li></ol>\n<ol class="references"><li id="cite_note-1">"Ref". S. https://r.example/</li></ol>')
    extraction = read(text)
    assert [m.ref for m in extraction.markers] == ["note-a", "cite_note-1"]
    assert [r.id for r in extraction.references] == ["note-a", "cite_note-1"]


def test_archive_links_in_an_entry_become_its_archive_url():
    text = ('<ol class="references"><li id="r1"><a href="https://orig.example/a">"T"</a>. S. '
            '<a href="https://web.archive.org/web/2020/https://orig.example/a">Archived</a>. '
            '<a href="https://other.example/">also</a></li></ol>')
    extraction = read(text)
    reference = extraction.references[0]
    assert (reference.url, reference.archive_url) == ("https://orig.example/a", "https://web.archive.org/web/2020/https://orig.example/a")
    assert extraction.links == (Link(url="https://other.example/", line=1, text="also", ref="1"),)


def test_cite_gives_the_title_and_italic_the_site():
    text = ('<ol class="references"><li id="r"><cite><a href="https://n.example/x">Storm hits coast</a>. '
            '<i>The Example Times</i>. Retrieved 2024-05-01.</cite></li></ol>')
    reference = read(text).references[0]
    assert (reference.title, reference.site, reference.retrieved) == ("Storm hits coast", "The Example Times", "2024-05-01")


def test_prose_block_lines_count_newlines_the_markup_swallowed():
    text = "<p>first\n<a\nhref='https://x.example/'\n>link</a> after https://bare.example/\nlast line</p>"
    extraction = read(text)
    block = extraction.blocks[0]
    offset = dict((url, at) for at, url in block.links)["https://bare.example/"]
    assert block.line + block.text.count("\n", 0, offset) == 4
    assert [(link.url, link.line) for link in extraction.links] == [("https://x.example/", 2), ("https://bare.example/", 4)]


def test_suppression_comments():
    text = "<!-- refcheck: ignore[dead-link] -->\n<p><a href='https://x.example/'>x</a></p>\n<p>y</p> <!-- refcheck: ignore -->"
    assert read(text).suppressions == (Suppression(2, ("dead-link",)), Suppression(3, ()))


@pytest.mark.parametrize("text", [
    "", "<", "<a href=", "<a href='https://x.example/", "<!--", "<script>", "</p></p></div>", "<table><a href=x>",
    "<ol><li id=a><li id=a></ol><a href=#a><sup>1</sup></a>", "\x00<p>\ufffd</p>", "<base href=':::'><a href='x'>x</a>",
])
def test_malformed_html_does_not_raise(text):
    read(text)


def test_ten_thousand_references_stay_fast():
    count = 10_000
    prose = "".join(f'<p>Claim {n}.<sup><a href="#cite_note-{n}">[{n}]</a></sup></p>\n' for n in range(count))
    notes = "".join(f'<li id="cite_note-{n}">"Title {n}". Site. <a href="https://example.com/{n}">link</a></li>\n'
                    for n in range(count))
    extraction = read(f"<html><body>\n{prose}<ol>\n{notes}</ol></body></html>")  # quadratic would time out
    assert len(extraction.references) == count and len(extraction.markers) == count
    assert extraction.markers[-1].line == count + 1
    assert extraction.references[-1].line == 2 * count + 2
    assert extraction.references[-1].url == f"https://example.com/{count - 1}"
