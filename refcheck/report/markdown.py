"""The readable report as Markdown: summaries by rule and status, findings by document, and the reference table."""

from __future__ import annotations

import re

from refcheck.models import DocumentReport, FetchResult, Report
from refcheck.report import summarize
from refcheck.report.clean import visible
from refcheck.report.evidence import evidence_lines
from refcheck.report.paths import document_name, where as where_of

# Characters that would start emphasis, code, links, HTML, an entity or a table cell boundary inside inline text.
INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
NEWLINES = re.compile("\r\n|[\r\n\u2028\u2029]")


def cell(text: object) -> str:
    """Text that reads back as itself inside a table cell or a list item: specials escaped, newlines as <br>, control
    and bidi characters visible (report/clean.py)."""
    escaped = INLINE_SPECIAL.sub(r"\\\1", visible(str(text)))
    return NEWLINES.sub("<br>", escaped)


def render(report: Report) -> str:
    summary = summarize(report)
    results = {result.url: result for result in report.urls}
    title = "refcheck report" if report.command == "check" else "refcheck extraction"
    parts = [f"# {title}", ""]
    parts += [f"> **note:** {cell(notice)}" for notice in report.notices]
    if report.notices:
        parts.append("")
    parts += _summary(summary)
    for document_report in report.documents:
        parts += _document(document_report, results, report.command == "check")
    return "\n".join(parts).rstrip("\n") + "\n"


def _summary(summary: dict) -> list[str]:
    counts = summary["findings"]
    lines = ["## Summary", "",
             f"{summary['documents']} document(s): {summary['references']} references, {summary['markers']} markers, "
             f"{summary['links']} links, {summary['claims']} claims — **{counts['error']} error(s)**, "
             f"{counts['warning']} warning(s), {counts['info']} info.", ""]
    if summary["rules"]:
        lines += ["### Findings by rule", "", "| rule | count |", "|---|---:|",
                  *(f"| {cell(rule)} | {count} |" for rule, count in summary["rules"].items()), ""]
    if summary["urls"]:
        lines += ["### URLs by status", "", "| status | count |", "|---|---:|",
                  *(f"| {cell(status)} | {count} |" for status, count in summary["urls"].items()), ""]
    return lines


def _document(document_report: DocumentReport, results: dict[str, FetchResult], checked: bool) -> list[str]:
    document = document_report.document
    lines = [f"## {cell(document_name(document))}", "", f"Format: {document.format}.", ""]
    lines += _findings(document_report)
    lines += _references(document_report, results, checked)
    if checked:
        lines += _links(document_report, results)
    return lines


def _findings(document_report: DocumentReport) -> list[str]:
    path = document_report.document.path
    if not document_report.findings:
        return ["No findings.", ""]
    lines = ["### Findings", "", "| location | severity | rule | message | evidence |", "|---|---|---|---|---|"]
    for item in document_report.findings:
        where = where_of(path, item)
        evidence = [f"{label}: {value}" for label, value in evidence_lines(item)]
        if item.url and item.url not in item.message:
            evidence.insert(0, f"url: {item.url}")
        lines.append(f"| {cell(where)} | {item.severity} | {cell(item.rule)} | {cell(item.message)} | "
                     f"{cell(chr(10).join(evidence))} |")
    return [*lines, ""]


def _references(document_report: DocumentReport, results: dict[str, FetchResult], checked: bool) -> list[str]:
    references = document_report.extraction.references
    if not references:
        return []
    header = ["id", "line", "title", "site", "retrieved", "url"]
    if checked:
        header += ["status", "HTTP", "page title"]
    lines = ["### References", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in references:
        row = [r.id, r.line, r.title or "", r.site or "", r.retrieved or "", r.url or ""]
        if checked:
            row += _fetched(results.get(r.url or ""), has_url=bool(r.url))
        lines.append("| " + " | ".join(cell(value) for value in row) + " |")
    return [*lines, ""]


def _links(document_report: DocumentReport, results: dict[str, FetchResult]) -> list[str]:
    """URLs written in the prose outside the reference list, once each."""
    cited = {r.url for r in document_report.extraction.references}
    links = {}
    for link in document_report.extraction.links:
        if link.ref is None and link.url not in cited:
            links.setdefault(link.url, link)
    if not links:
        return []
    lines = ["### Links", "", "| line | url | status | HTTP | page title |", "|---|---|---|---|---|"]
    for link in links.values():
        row = [link.line, link.url, *_fetched(results.get(link.url), has_url=True)]
        lines.append("| " + " | ".join(cell(value) for value in row) + " |")
    return [*lines, ""]


def _fetched(result: FetchResult | None, *, has_url: bool) -> list[str]:
    if result is None:
        return ["no URL" if not has_url else "not fetched", "", ""]
    title = result.page.title if result.page and result.page.title else ""
    return [str(result.status), str(result.http_status or ""), title]
