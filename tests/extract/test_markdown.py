"""The Markdown reader: links, autolinks, bare URLs, reference-style links, footnotes, [N] lists, exact lines."""

from __future__ import annotations


import pytest

from refcheck.extract.markdown import extract
from refcheck.models import Document, Format, Marker, Reference, Suppression
from tests.extract.expected import as_plain, expected_for, fixture_names, DOCUMENTS


def read(text: str):
    return extract(Document(path="<test>", format=Format.MARKDOWN, text=text))


@pytest.mark.parametrize("name", fixture_names("markdown", ".md"))
def test_fixture_matches_its_expected_extraction(name):
    text = (DOCUMENTS / "markdown" / name).read_text(encoding="utf-8")
    assert as_plain(read(text)) == expected_for("markdown", name)


def test_links_deep_in_a_paragraph_get_their_own_line():
    text = "intro\n\none\ntwo [a](https://a.example/)\nthree <https://b.example/>\nfour https://c.example/ end\n"
    assert [(link.url, link.line) for link in read(text).links] == [
        ("https://a.example/", 4), ("https://b.example/", 5), ("https://c.example/", 6)]


def test_lines_stay_exact_after_constructs_that_span_lines():
    text = ("a `code\nspan` b [multi\nline text](https://a.example/) c ![img\nalt](https://i.example/x.png)\n"
            "d <span\nclass=x>e</span> f https://after.example/\n")
    extraction = read(text)
    assert [(link.url, link.line, link.text) for link in extraction.links if link.kind == "link"] == [
        ("https://a.example/", 2, "multi line text"), ("https://after.example/", 6, None)]
    assert [(link.url, link.line) for link in extraction.links if link.kind == "asset"] == [("https://i.example/x.png", 3)]
    block = extraction.blocks[0]
    offset = dict((url, at) for at, url in block.links)["https://after.example/"]
    assert block.line + block.text.count("\n", 0, offset) == 6


def test_block_offsets_point_at_the_link_text_and_the_marker_position():
    extraction = read("Claim one[^1] and [the source](https://s.example/) too.\n\n[^1]: https://f.example/\n")
    block = extraction.blocks[0]
    assert block.text == "Claim one and the source too."
    assert block.citations == ((9, "1"),)
    assert block.text[block.links[0][0]:].startswith("the source")


def test_lines_inside_quotes_and_nested_lists():
    text = "- item\n  - nested [x](https://x.example/)\n\n> quote\n> more https://q.example/\n"
    assert [(link.url, link.line) for link in read(text).links] == [("https://x.example/", 2), ("https://q.example/", 5)]


def test_images_are_assets_not_links_or_sources():
    extraction = read("![logo](https://img.example/logo.png) and [![badge](https://img.example/b.svg)](https://ci.example/)\n")
    assert [link.url for link in extraction.links if link.kind == "link"] == ["https://ci.example/"]
    assert [(link.url, link.text) for link in extraction.links if link.kind == "asset"] == [
        ("https://img.example/logo.png", "logo"), ("https://img.example/b.svg", "badge")]
    assert [url for _, url in extraction.blocks[0].links] == ["https://ci.example/"]


def test_code_is_not_scanned():
    text = "`https://span.example/`\n\n```\nhttps://fence.example/ [1]\n```\n\n    https://indent.example/\n\n~~~md\n[x](https://tilde.example/)\n~~~\n"
    extraction = read(text)
    assert extraction.links == () and extraction.markers == ()


def test_reference_style_definitions_and_their_uses():
    text = "See [the guide][Docs], [docs][] and [DOCS].\n\n[docs]: https://docs.example/ \"Guide\"\n"
    extraction = read(text)
    assert extraction.references == (Reference(id="docs", line=3, title="Guide", url="https://docs.example/"),)
    assert [(link.ref, link.text, link.line) for link in extraction.links] == [
        ("docs", "the guide", 1), ("docs", "docs", 1), ("docs", "DOCS", 1)]


def test_footnote_definitions_are_read_as_entries():
    text = "Claim.[^a]\n\n[^a]: \"A Title\". Example News. https://news.example/a Retrieved 26 December 2025.\n"
    extraction = read(text)
    assert extraction.references == (Reference(
        id="a", line=3, title="A Title", site="Example News", url="https://news.example/a", retrieved="2025-12-26"),)
    assert extraction.markers == (Marker(ref="a", line=1),)
    assert extraction.has_markers and extraction.links == ()


def test_numbered_markers_with_a_japanese_sources_list():
    text = ("日本語の主張です[1]。次の文[2]。\n\n## 出典\n\n"
            "- [1] 「記事」. 日本経済新聞. https://www.nikkei.com/a\n- [2] 「別の記事」. NHK. https://www3.nhk.or.jp/b\n")
    extraction = read(text)
    assert [(r.id, r.line, r.title, r.site) for r in extraction.references] == [
        ("1", 5, "記事", "日本経済新聞"), ("2", 6, "別の記事", "NHK")]
    assert extraction.markers == (Marker("1", 1), Marker("2", 1))
    assert extraction.blocks[0].text == "日本語の主張です。次の文。"


def test_ordered_list_entries_are_numbered_as_rendered():
    text = "A[1] B[3].\n\n## References\n\n1. \"One\". S.\n1. \"Two\". S.\n1. \"Three\". S.\n\n## Next\n\n1. not an entry\n"
    assert [(r.id, r.title) for r in read(text).references] == [("1", "One"), ("2", "Two"), ("3", "Three")]


def test_no_markers_without_citations():
    extraction = read("Just [a link](https://a.example/).\n")
    assert not extraction.has_markers


def test_suppression_applies_to_the_next_line_or_its_own():
    text = "<!-- refcheck: ignore[dead-link, title-mismatch] -->\n[x](https://x.example/)\n\nText https://y.example/ <!-- refcheck: ignore -->\n"
    assert read(text).suppressions == (
        Suppression(line=2, rules=("dead-link", "title-mismatch")), Suppression(line=4, rules=()))


def test_suppression_comment_inside_code_is_not_a_suppression():
    assert read("```\n<!-- refcheck: ignore -->\n```\n").suppressions == ()


def test_ten_thousand_footnotes_stay_fast():
    count = 10_000
    prose = "\n".join(f"Claim {n}.[^{n}]" for n in range(count))
    notes = "\n".join(f"[^{n}]: \"Title {n}\". Site. https://example.com/{n}" for n in range(count))
    extraction = read(prose + "\n\n" + notes + "\n")  # a quadratic reader would not finish within pytest's timeout
    assert len(extraction.references) == count and len(extraction.markers) == count
    assert extraction.markers[-1] == Marker(ref=str(count - 1), line=count)
    assert extraction.references[-1].line == count * 2 + 1


def test_a_long_paragraph_is_read_in_linear_time():
    text = "word https://example.com/x [a](https://a.example/) " * 40_000  # one 2 MB paragraph
    extraction = read(text)  # a quadratic reader would not finish within pytest's timeout
    assert len(extraction.links) == 80_000


@pytest.mark.parametrize("text", ["", "\n\n", "[", "[^", "[^1]:", "<!--", "| a |\n|---|\n| [x](", "\x00\ufeff"])
def test_odd_input_does_not_raise(text):
    read(text)
