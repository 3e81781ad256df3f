"""Every appendix format read back by a real parser: CSL-JSON against the official schema, BibTeX with bibtexparser
(and pylatexenc to undo the escapes), Markdown with markdown-it-py, HTML with selectolax."""

from __future__ import annotations

import json

import bibtexparser
import jsonschema
import pytest
from markdown_it import MarkdownIt
from pylatexenc.latex2text import LatexNodes2Text
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from refcheck.report.appendix import AppendixEntry, Verification
from refcheck.report.appendix_formats import (note, render_bibtex, render_csl_json, render_html, render_markdown)
from tests.conftest import SHARED, need_shared

# Every character BibTeX, Markdown or HTML treats specially, in a title and a publisher.
NASTY_TITLE = r"50% off & $5 #1 under_score ^caret ~tilde \back {braces} *not bold* [x](y) <b>tag</b> `code`"
NASTY_SITE = "R&D {Lab} <Weekly> | 100%_news"


def entry(number: int, **fields) -> AppendixEntry:
    values = dict(number=number, document="docs/answer.md", kind="reference", ref=str(number), line=10 + number,
                  key=f"ref{number}-example-2026", title=f"Title {number}", title_source="cited",
                  cited_title=f"Title {number}", publisher="Example Times", publisher_source="cited",
                  cited_publisher="Example Times", url=f"https://www.example.com/{number}",
                  cited_url=f"https://www.example.com/{number}", accessed="2026-12-01", accessed_source="run",
                  verification=Verification.VERIFIED, status="ok", reason=None)
    values.update(fields)
    return AppendixEntry(**values)


ENTRIES = (
    entry(1),
    entry(2, title="政府、AI基本計画を閣議決定 利活用を柱に", cited_title="読売新聞オンライン", title_source="page",
          publisher="読売新聞", cited_publisher="読売新聞", key="ref2-yomiuri-2026",
          url="https://www.yomiuri.co.jp/politics/20261120-OYT1T50001/"),
    entry(3, title=NASTY_TITLE, cited_title=NASTY_TITLE, publisher=NASTY_SITE,
          url="https://example.org/a_(b)?q=1&r=%E6%97%A5#frag~x"),
    entry(4, verification=Verification.DEAD, status="dead", reason="HTTP 404 Not Found", accessed="2025-01-15",
          accessed_source="cited"),
    entry(5, verification=Verification.UNVERIFIABLE, status="timeout", reason="read timeout", accessed=None,
          accessed_source=None, publisher=None, publisher_source=None),
    entry(6, verification=Verification.UNVERIFIABLE, status=None, reason="no URL", url=None, cited_url=None,
          title="An offline report (2019)"),
    entry(7, kind="link", ref=None, key="link7-example", title="javascript:alert(1)", url="javascript:alert(1)",
          cited_url="javascript:alert(1)", publisher=None, publisher_source=None),
)


def latex_text(value: str) -> str:
    # pylatexenc renders \textasciicircum as U+02C6 (modifier circumflex), the glyph LaTeX prints; compare as "^".
    # It does not know \textbraceleft / \textbraceright (LaTeX's own commands for { and }): spelled as \{ \} for it.
    value = value.replace(r"\textbraceleft{}", r"\{").replace(r"\textbraceright{}", r"\}")
    return LatexNodes2Text().latex_to_text(value).replace("\u02c6", "^")


# --- CSL-JSON ----------------------------------------------------------------------------------------------


def test_csl_json_is_valid_against_the_official_schema_and_says_what_the_entries_say():
    schema = json.loads(need_shared(SHARED / "schemas" / "csl-data.json").read_text(encoding="utf-8"))
    items = json.loads(render_csl_json(ENTRIES))
    jsonschema.validate(items, schema, cls=jsonschema.Draft7Validator)
    assert [item["id"] for item in items] == [e.key for e in ENTRIES]
    assert {item["type"] for item in items} == {"webpage"}
    second = items[1]
    assert second["title"] == "政府、AI基本計画を閣議決定 利活用を柱に" and second["container-title"] == "読売新聞"
    assert second["URL"] == ENTRIES[1].url and second["accessed"] == {"date-parts": [[2026, 12, 1]]}
    assert "title from the page; cited as “読売新聞オンライン”" in second["note"]
    assert items[2]["title"] == NASTY_TITLE and items[2]["container-title"] == NASTY_SITE
    assert items[3]["note"] == "dead link (HTTP 404 Not Found)"
    assert items[3]["accessed"] == {"date-parts": [[2025, 1, 15]]}
    assert "accessed" not in items[4] and "container-title" not in items[4]
    assert "URL" not in items[5] and items[5]["note"] == "unverified (no URL)"
    assert "note" not in items[0]  # a verified source with its cited title needs no remark


def test_a_schema_violation_would_be_caught():
    """The validator is real: an item with a bad type or a string date fails it."""
    schema = json.loads(need_shared(SHARED / "schemas" / "csl-data.json").read_text(encoding="utf-8"))
    items = json.loads(render_csl_json(ENTRIES[:1]))
    items[0]["accessed"] = "2026-12-01"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(items, schema, cls=jsonschema.Draft7Validator)


def test_csl_json_of_nothing_is_an_empty_array():
    assert json.loads(render_csl_json(())) == []


# --- BibTeX ------------------------------------------------------------------------------------------------


def test_bibtex_reads_back_with_every_field_and_escape_undone():
    text = render_bibtex(ENTRIES)
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    parsed = {e.key: e for e in library.entries}
    assert list(parsed) == [e.key for e in ENTRIES]
    for source in ENTRIES:
        bib = parsed[source.key]
        fields = {name: field.value for name, field in bib.fields_dict.items()}
        assert bib.entry_type == "online"
        assert latex_text(fields["title"]) == (source.title or source.url)
        assert latex_text(fields["organization"]) == source.publisher if source.publisher else "organization" not in fields
        assert fields.get("url") == source.url  # this entries' URLs need no encoding: read back unchanged
        assert fields.get("urldate") == source.accessed
        assert (latex_text(fields["note"]) if "note" in fields else None) == note(source)
    assert "日本語" not in text and "政府、AI基本計画を閣議決定" in text  # UTF-8 kept as it is, no \u escapes


def test_bibtex_percent_encodes_braces_and_spaces_in_urls():
    text = render_bibtex([entry(1, url="https://example.org/a b{c}\\d")])
    fields = bibtexparser.parse_string(text).entries[0].fields_dict
    assert fields["url"].value == "https://example.org/a%20b%7Bc%7D%5Cd"


def test_bibtex_of_several_documents_keeps_keys_and_says_which_document():
    other = [entry(1, document="docs/other.md", key="ref1-example-2026-2")]
    library = bibtexparser.parse_string(render_bibtex(list(ENTRIES[:2]) + other))
    assert [e.key for e in library.entries] == ["ref1-example-2026", "ref2-yomiuri-2026", "ref1-example-2026-2"]
    assert [c.comment for c in library.comments] == ["% refcheck appendix: docs/answer.md",
                                                     "% refcheck appendix: docs/other.md"]


# --- Markdown ----------------------------------------------------------------------------------------------


def _markdown_items(text: str) -> list[dict]:
    """Each list item of the first ordered list: its link target, link text, and whole text."""
    parser = MarkdownIt("commonmark")
    tokens = parser.parse(text)
    assert tokens[0].type == "ordered_list_open"
    items, current = [], None
    for token in tokens:
        if token.type == "list_item_open":
            current = {"href": None, "label": None, "text": ""}
        elif token.type == "inline" and current is not None:
            in_link = False
            for child in token.children or []:
                if child.type == "link_open":
                    current["href"], current["label"], in_link = child.attrGet("href"), "", True
                elif child.type == "link_close":
                    in_link = False
                elif child.type in ("text", "code_inline"):
                    shown = f"`{child.content}`" if child.type == "code_inline" else child.content
                    current["text"] += shown
                    if in_link:
                        current["label"] += shown
        elif token.type == "list_item_close":
            items.append(current)
            current = None
    return items


def test_markdown_is_one_numbered_list_whose_links_and_text_read_back():
    text = render_markdown(ENTRIES)
    items = _markdown_items(text)
    assert len(items) == len(ENTRIES)
    parser = MarkdownIt("commonmark")
    for item, source in zip(items, ENTRIES):
        if source.url and not source.url.startswith("javascript"):
            assert item["href"] == parser.normalizeLink(source.url)
            assert item["label"] == source.title
        else:
            assert item["href"] is None  # no URL, or one that must never become a link
    assert items[2]["label"] == NASTY_TITLE and f"{NASTY_SITE}." in items[2]["text"]
    assert "<b>" not in parser.render(text)  # the title's tag is text, not HTML
    assert "⚠ dead link" in items[3]["text"] and "HTTP 404 Not Found" in items[3]["text"]
    assert "unverified" in items[4]["text"] and "read timeout" in items[4]["text"]
    assert "Accessed 2026-12-01." in items[0]["text"] and "Example Times." in items[0]["text"]
    assert "title from the page; cited as “読売新聞オンライン”" in items[1]["text"]
    assert items[5]["text"].startswith("An offline report (2019).")
    assert items[6]["text"].count("javascript:alert(1)") == 1


def test_markdown_titles_that_look_like_list_markers_stay_text():
    items = _markdown_items(render_markdown([entry(1, url=None, title="2024. A year in review"),
                                             entry(2, url=None, title="- dash first")]))
    assert [item["text"].split(" Example")[0] for item in items] == ["2024. A year in review.", "- dash first."]


def test_markdown_of_several_documents_has_a_heading_and_a_list_each():
    other = [entry(1, document="docs/other.md", key="ref1-b")]
    tokens = MarkdownIt("commonmark").parse(render_markdown(list(ENTRIES[:2]) + other))
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == ["docs/answer.md", "docs/other.md"]
    assert sum(1 for t in tokens if t.type == "ordered_list_open") == 2


# --- HTML --------------------------------------------------------------------------------------------------


def test_html_is_an_ordered_list_with_escaped_text_and_safe_links():
    tree = HTMLParser(render_html(ENTRIES))
    assert tree.css_first("script") is None and tree.css_first("b") is None
    items = tree.css("ol.refcheck-appendix > li")
    assert [int(li.attributes["value"]) for li in items] == [e.number for e in ENTRIES]
    for li, source in zip(items, ENTRIES):
        link = li.css_first("a")
        assert li.attributes["id"] == source.key
        assert source.verification in li.attributes["class"].split()
        if source.url and source.url.startswith("http"):
            assert link.attributes["href"] == source.url and link.text() == source.title
        else:
            assert link is None
    assert NASTY_TITLE in items[2].text() and NASTY_SITE == items[2].css_first(".publisher").text()
    assert items[3].css_first(".mark").text() == "⚠ dead link"
    assert items[3].css_first(".reason").text() == "(HTTP 404 Not Found)"
    assert items[0].css_first("time").attributes["datetime"] == "2026-12-01"
    assert items[1].attributes["data-title-source"] == "page"


def test_html_of_several_documents_names_each():
    other = [entry(1, document="docs/<other>.md", key="ref1-b")]
    tree = HTMLParser(render_html(list(ENTRIES[:2]) + other))
    assert [h.text() for h in tree.css("h3")] == ["docs/answer.md", "docs/<other>.md"]
    assert [ol.attributes["data-document"] for ol in tree.css("ol")] == ["docs/answer.md", "docs/<other>.md"]


def test_no_sources_is_said_in_every_human_format():
    assert render_markdown(()) == "No sources cited.\n"
    assert HTMLParser(render_html(())).css_first("p").text() == "No sources cited."
    assert render_bibtex(()) == ""
