"""The text report's finding lines: each names what it is about, so two findings on one line never look alike."""

from __future__ import annotations

from refcheck.models import Document, DocumentReport, Extraction, Finding, Format, Report, Severity
from refcheck.report import text


def _report(*findings: Finding) -> Report:
    document = Document("doc.md", Format.MARKDOWN, "")
    return Report("check", (DocumentReport(document, Extraction(), findings),))


def test_two_dead_links_on_one_line_print_two_different_lines():
    rendered = text.render(_report(
        Finding("dead-link", Severity.ERROR, "dead link: HTTP 404", line=3, url="https://a.example/x"),
        Finding("dead-link", Severity.ERROR, "dead link: HTTP 404", line=3, url="https://b.example/y")))
    lines = [line for line in rendered.splitlines() if "dead-link" in line and "doc.md:3" in line]
    assert len(lines) == 2 and lines[0] != lines[1]
    assert "https://a.example/x" in lines[0] and "https://b.example/y" in lines[1]


def test_a_reference_finding_names_the_reference_once():
    rendered = text.render(_report(
        Finding("no-url", Severity.WARNING, "the entry has no URL", line=9, ref="4"),
        Finding("generic-title", Severity.WARNING, "reference [5] is titled only a site name", line=10, ref="5")))
    no_url = next(line for line in rendered.splitlines() if "no-url" in line and "doc.md:9" in line)
    generic = next(line for line in rendered.splitlines() if "generic-title" in line and "doc.md:10" in line)
    assert "[4]" in no_url
    assert generic.count("[5]") == 1  # the message already names it


def test_the_url_is_not_repeated_when_the_message_names_it():
    rendered = text.render(_report(
        Finding("redirect", Severity.INFO, "permanently moved from https://a.example/ to https://b.example/", line=1,
                url="https://a.example/")), verbose=True)
    line = next(line for line in rendered.splitlines() if "redirect" in line and "doc.md:1" in line)
    assert line.count("https://a.example/") == 1
