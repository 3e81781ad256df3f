"""The readable terminal report (rich): findings by document with path:line, severity, rule and evidence, then summaries."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape as _rich_escape
from rich.table import Table

from refcheck.models import DocumentReport, Finding, Report, Severity
from refcheck.report import summarize
from refcheck.report.clean import one_line
from refcheck.report.evidence import evidence_lines

def escape(text: str) -> str:
    """Text from a document or the network as the terminal should print it: on one line, controls and bidi controls
    visible (report/clean.py), and rich markup (`[bold]`) shown as written rather than obeyed."""
    return _rich_escape(one_line(text))


SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render(report: Report, *, color: bool = False, width: int = 120, verbose: bool = False, quiet: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False)
    for notice in report.notices:
        console.print(f"[bold]note:[/] {escape(notice)}")
    for document_report in report.documents:
        if report.command == "extract" and not quiet:
            _print_references(console, document_report)
        _print_findings(console, document_report, verbose=verbose)
    if not quiet:
        _print_summary(console, report)
    return buffer.getvalue()


def _print_references(console: Console, document_report: DocumentReport) -> None:
    extraction = document_report.extraction
    table = Table(title=f"{escape(document_report.document.path)} ({document_report.document.format}): "
                        f"{len(extraction.references)} references, {len(extraction.markers)} markers, "
                        f"{len(extraction.links)} links, {len(extraction.claims)} claims",
                  title_justify="left", show_lines=False)
    for column in ("id", "line", "title", "site", "retrieved", "url"):
        table.add_column(column, overflow="fold")
    for r in extraction.references:
        table.add_row(escape(r.id), str(r.line), escape(r.title or ""), escape(r.site or ""), escape(r.retrieved or ""),
                      escape(r.url or ""))
    console.print(table)


def _print_findings(console: Console, document_report: DocumentReport, *, verbose: bool) -> None:
    path = document_report.document.path
    if not document_report.findings:
        console.print(f"[green]{escape(path)}: no findings[/]")
        return
    console.print(f"[bold]{escape(path)}[/]")
    for item in document_report.findings:
        if item.severity is Severity.INFO and not verbose:
            continue
        console.print(_finding_line(path, item), soft_wrap=True)  # one finding, one line: greppable in CI logs
        for label, value in evidence_lines(item, verbose=verbose):
            console.print(f"      [dim]{label}:[/] {escape(value)}", soft_wrap=True)


def _finding_line(path: str, item: Finding) -> str:
    style = SEVERITY_STYLE[item.severity]
    where = f"{path}:{item.line}" if item.line else path
    return f"  {escape(where)}  [{style}]{item.severity}[/]  [bold]{item.rule}[/]  {escape(item.message)}"




def _print_summary(console: Console, report: Report) -> None:
    summary = summarize(report)
    counts = summary["findings"]
    console.print(
        f"\n[bold]{summary['documents']} document(s)[/]: {summary['references']} references, "
        f"{summary['markers']} markers, {summary['links']} links, {summary['claims']} claims — "
        f"[bold red]{counts['error']} error(s)[/], [yellow]{counts['warning']} warning(s)[/], "
        f"[cyan]{counts['info']} info[/]")
    if summary["rules"]:
        table = Table(title="findings by rule", title_justify="left")
        table.add_column("rule")
        table.add_column("count", justify="right")
        for rule, count in summary["rules"].items():
            table.add_row(rule, str(count))
        console.print(table)
    if summary["urls"]:
        table = Table(title="URLs by status", title_justify="left")
        table.add_column("status")
        table.add_column("count", justify="right")
        for status, count in summary["urls"].items():
            table.add_row(status, str(count))
        console.print(table)
