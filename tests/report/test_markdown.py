"""The Markdown report, parsed back with markdown-it-py: every table has the right rows and cells read as written."""

from __future__ import annotations

from dataclasses import replace

from refcheck.models import Finding, Report, Severity
from refcheck.report import markdown, summarize
from refcheck.report.evidence import evidence_lines
from tests.report.e2e import example_report
from tests.report.md_tables import PARSER, headings, inline_text, tables
from tests.report.sample_report import ANSWER, MEMO, NASTY_MESSAGE, URL_EXCLUDED, URL_OLD, URL_TIMEOUT, sample_report


def _tables(report: Report) -> dict[tuple[str, str], object]:
    return {(t.section, t.heading): t for t in tables(markdown.render(report))}


def test_cell_escapes_pipes_newlines_and_inline_markup_and_reads_back_as_written():
    for text in (NASTY_MESSAGE, "a|b", "x\r\ny\rz", "[1](http://x) _y_ ~~z~~ <b>&amp;", "back\\slash"):
        tokens = PARSER.parse(f"| h |\n|---|\n| {markdown.cell(text)} |\n")
        cells = [inline_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "td_open"]
        expected = text.replace("\r\n", "\n").replace("\r", "\n")
        assert cells == [expected], text  # "&amp;" too: written text is never read as an entity


def test_summary_tables_by_rule_and_by_status():
    report = sample_report()
    found = _tables(report)
    counts = summarize(report)
    assert {r[0]: int(r[1]) for r in found[("Summary", "Findings by rule")].rows} == counts["rules"]
    assert {r[0]: int(r[1]) for r in found[("Summary", "URLs by status")].rows} == counts["urls"]


def test_findings_grouped_by_document_with_location_severity_rule_message_and_evidence():
    report = sample_report()
    found = _tables(report)
    assert headings(markdown.render(report), "h2") == ["Summary", ANSWER, MEMO]
    for document_report in report.documents:
        path = document_report.document.path
        table = found[(path, "Findings")]
        assert table.header == ["location", "severity", "rule", "message", "evidence"]
        assert len(table.rows) == len(document_report.findings)
        for item, row in zip(document_report.findings, table.rows, strict=True):
            assert row[0] == (f"{path}:{item.line}" if item.line else path)
            assert row[1:4] == [str(item.severity), item.rule, item.message]
            for label, value in evidence_lines(item):
                assert f"{label}: {value}" in row[4].split("\n")
    nasty = next(r for r in found[(ANSWER, "Findings")].rows if r[2] == "title-mismatch")
    assert nasty[3] == NASTY_MESSAGE


def test_the_reference_table_shows_fetched_titles_and_statuses_in_a_check():
    found = _tables(sample_report())
    table = found[(ANSWER, "References")]
    assert table.header == ["id", "line", "title", "site", "retrieved", "url", "status", "HTTP", "page title"]
    rows = {row[0]: row for row in table.rows}
    assert list(rows) == ["1", "2", "3", "4", "5"]
    assert rows["1"][6:8] == ["dead", "404"]
    assert rows["2"][6:] == ["ok", "200", "生成AI利用環境「源内」 | デジタル庁"]
    assert rows["4"][5:7] == ["", "no URL"]
    memo = {row[0]: row for row in found[(MEMO, "References")].rows}
    assert memo["a"][6:] == ["soft-404", "200", "トップページ"] and memo["b"][6:8] == ["blocked", "403"]
    links = found[(ANSWER, "Links")]
    assert [(r[1], r[2]) for r in links.rows] == [(URL_OLD, "ok"), (URL_TIMEOUT, "timeout"), (URL_EXCLUDED, "excluded")]


def test_an_extraction_has_no_status_columns_and_no_url_summary():
    found = _tables(sample_report("extract"))
    assert found[(ANSWER, "References")].header == ["id", "line", "title", "site", "retrieved", "url"]
    assert ("Summary", "URLs by status") not in found and (ANSWER, "Links") not in found


def test_a_document_without_findings_says_so_and_notices_are_shown():
    report = sample_report()
    quiet = replace(report, documents=(replace(report.documents[1], findings=()),))
    text = markdown.render(quiet)
    assert "No findings." in text and (MEMO, "Findings") not in _tables(quiet)
    assert f"> **note:** {report.notices[0]}" in text


def test_the_real_example_renders_its_references_and_findings():
    report = example_report()
    document_report = report.documents[0]
    path = document_report.document.path
    found = _tables(report)
    assert len(found[(path, "References")].rows) == len(document_report.extraction.references) > 0
    findings = found[(path, "Findings")].rows
    assert [(r[2], r[3]) for r in findings] == [(f.rule, f.message) for f in document_report.findings]
    assert any("[10]" in r[3] for r in findings)  # brackets escaped in the source, read back as written


def test_a_finding_with_a_table_breaking_rule_name_stays_in_its_cell():
    document = sample_report().documents[0]
    odd = Finding("a|b", Severity.ERROR, "x\ny", line=None)
    table = _tables(Report("extract", (replace(document, findings=(odd,)),)))[(ANSWER, "Findings")]
    assert table.rows == [[ANSWER, "error", "a|b", "x\ny", ""]]
