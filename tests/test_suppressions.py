"""Inline suppression comments silence findings on the next line, for one rule or all, in every format."""

from __future__ import annotations


import pytest

from refcheck.pipeline import extract_paths
from refcheck.settings import Settings

CASES = {
    "doc.md": (
        "Intro.\n\n"
        "<!-- refcheck: ignore[invalid-url] -->\n"
        "See [broken](htp://example.org/a).\n\n"
        "See [also broken](htp://example.org/b).\n"
    ),
    "doc.html": (
        "<html><body>\n"
        "<!-- refcheck: ignore -->\n"
        '<p><a href="htp://example.org/a">broken</a></p>\n'
        '<p><a href="htp://example.org/b">also broken</a></p>\n'
        "</body></html>\n"
    ),
    "doc.wiki": (
        "Intro.\n\n"
        "<!-- refcheck: ignore[invalid-url] -->\n"
        "See [ftp://example.org/a broken].\n\n"
        "See [ftp://example.org/b also broken].\n"
    ),
}
# Conversation exports have no link syntax for a bad scheme to hide in; a missing reference shows the same thing.
EXPORT = (
    "Assistant: answer edit\n"
    "# refcheck: ignore[missing-reference]\n"
    "The plan was approved in 2026.[7]\n"
    "The budget is 1兆円.[8]\n"
    "References edit\n"
    '- ↑ "Title". Site. Retrieved 2026-11-01. https://example.org/\n'
)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_suppressed_line_is_silent_and_the_next_is_not(tmp_path, name):
    path = tmp_path / name
    path.write_text(CASES[name], encoding="utf-8")
    report = extract_paths([str(path)], Settings())
    invalid = [f for f in report.documents[0].findings if f.rule == "invalid-url"]
    assert [f.url.rsplit("/", 1)[1] for f in invalid] == ["b"], report.documents[0].findings


def test_conversation_export_suppression(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text(EXPORT, encoding="utf-8")
    report = extract_paths([str(path)], Settings())
    assert [(f.ref, f.line) for f in report.documents[0].findings if f.rule == "missing-reference"] == [("8", 4)]


def test_a_suppression_names_only_its_rules(tmp_path):
    path = tmp_path / "doc.md"
    path.write_text("<!-- refcheck: ignore[dead-link] -->\nSee [broken](htp://example.org/a).\n", encoding="utf-8")
    report = extract_paths([str(path)], Settings())
    assert [f.rule for f in report.documents[0].findings] == ["invalid-url"]
