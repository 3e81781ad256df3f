"""The readable terminal report (rich): one entry per problem, then a summary that opens with what matters.

An entry is everything wrong with one thing — a reference, a URL at a place, a claim's sentence — with each finding's
rule and message inside it, so a reference that has no URL *and* a generic title reads as one problem, and a claim's
sentence is printed once. Rules, JSON, SARIF and exit codes are untouched: this is only how a person reads them.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console
from rich.markup import escape as _rich_escape
from rich.table import Table

from refcheck.models import DocumentReport, Finding, Reference, Report, Severity
from refcheck.report import summarize
from refcheck.report.clean import one_line
from refcheck.report.evidence import evidence_lines
from refcheck.report.paths import document_name, where as where_of

def escape(text: str) -> str:
    """Text from a document or the network as the terminal should print it: on one line, controls and bidi controls
    visible (report/clean.py), and rich markup (`[bold]`) shown as written rather than obeyed."""
    return _rich_escape(one_line(text))


SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}

# The summary's verdicts, most serious first: (heading, the rules whose entries it counts). A rule in none of them
# is counted under "other findings", so a new rule is never silently left out.
VERDICTS = (
    ("sources that do not exist or are gone", {"dead-link", "soft-404", "reference-not-found"}),
    ("references that cite the assistant itself, not a source", {"self-citation"}),
    ("claims their cited source does not support", {"unsupported-claim", "partly-supported-claim"}),
    ("sources that are not the work cited", {"title-mismatch", "site-mismatch", "reference-metadata-mismatch"}),
    ("factual claims that cite no source", {"uncited-claim"}),
    ("sources that could not be checked", {"no-url", "generic-title", "unreachable", "blocked", "fetch-error",
                                           "unsafe-url", "unverifiable-claim", "ambiguous-reference"}),
    ("problems in the reference list and links", {"missing-reference", "unused-reference", "duplicate-reference",
                                                   "invalid-url", "missing-fragment", "redirect"}),
)
SUMMARY_EXAMPLES = 3  # subjects named under each verdict
SUBJECT_CHARS = 160  # a long sentence is cut in the entry's heading (the JSON keeps it whole)


@dataclass
class Entry:
    """One problem: every finding about one subject at one place."""

    line: int | None
    subject: str
    short: str  # the subject in a few words, for the summary
    findings: list[Finding] = field(default_factory=list)

    @property
    def severity(self) -> Severity:
        return max((f.severity for f in self.findings), key=lambda s: s.rank)

    def shown(self, verbose: bool) -> list[Finding]:
        return [f for f in self.findings if verbose or f.severity is not Severity.INFO]


def render(report: Report, *, color: bool = False, width: int = 120, verbose: bool = False, quiet: bool = False) -> str:
    buffer = io.StringIO()
    write(report, buffer, color=color, width=width, verbose=verbose, quiet=quiet)
    return buffer.getvalue()


def write(report: Report, stream: TextIO, *, color: bool = False, width: int = 120, verbose: bool = False,
          quiet: bool = False) -> None:
    """`render(report)` written to a text stream as it is made, one printed item at a time: a big report's text is
    never held whole (nor its copies as a buffer, a string and encoded bytes)."""
    console = Console(file=stream, force_terminal=color, no_color=not color, width=width, highlight=False)
    for notice in report.notices:
        console.print(f"[bold]note:[/] {escape(notice)}")
    verdicts = _Verdicts(verbose)  # what the summary says, gathered document by document (entries are not kept)
    for document_report in report.documents:
        document_entries = entries(document_report)
        if report.command == "extract" and not quiet:
            _print_references(console, document_report)
        _print_entries(console, document_report.document.path, document_entries, verbose=verbose,
                       name=document_name(document_report.document))
        if document_report.resolutions and not quiet:
            _print_resolutions(console, document_report)
        for entry in document_entries:
            verdicts.add(entry)
    if not quiet:
        _print_summary(console, report, verdicts)


def entries(document_report: DocumentReport) -> list[Entry]:
    """The document's findings grouped into entries, in the order of their first finding (line, then rule)."""
    references = {r.id: r for r in document_report.extraction.references}
    grouped: dict[tuple, Entry] = {}
    for item in document_report.findings:
        key, subject, short = _subject(item, references)
        entry = grouped.get(key)
        if entry is None:
            entry = grouped[key] = Entry(item.line, subject, short)
        entry.findings.append(item)
    return list(grouped.values())


def _subject(item: Finding, references: dict[str, Reference]) -> tuple[tuple, str, str]:
    """What the finding is about: (grouping key, how a reader recognises it, the same in a few words)."""
    sentence = item.evidence.get("sentence") or item.evidence.get("claim")
    if isinstance(sentence, str) and sentence:
        return ("claim", item.line, sentence), f"“{_cut(sentence)}”", f"“{_cut(sentence, 40)}”"
    if item.ref is not None:
        reference = references.get(item.ref)
        title = f" “{_cut(reference.title, 40)}”" if reference is not None and reference.title else ""
        return (("ref", item.ref, item.line), _reference_subject(item.ref, reference, item.url),
                f"[{item.ref}]{title}")
    if item.url:
        return ("url", item.url, item.line), item.url, _cut(item.url, 60)
    return ("line", item.line, item.rule, item.message), item.rule, f"line {item.line}" if item.line else item.rule


def _reference_subject(ref: str, reference: Reference | None, url: str | None) -> str:
    parts = [f"[{ref}]"]
    if reference is not None and reference.title:
        parts.append(f"“{_cut(reference.title)}”")
    if reference is not None and reference.site and reference.site != reference.title:
        parts.append(f"({reference.site})")
    if url:
        parts.append(url)
    return " ".join(parts)


def _cut(text: str, limit: int = SUBJECT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _print_references(console: Console, document_report: DocumentReport) -> None:
    extraction = document_report.extraction
    table = Table(title=f"{escape(document_name(document_report.document))} ({document_report.document.format}): "
                        f"{len(extraction.references)} references, {len(extraction.markers)} markers, "
                        f"{len(extraction.links)} links, {len(extraction.claims)} claims",
                  title_justify="left", show_lines=False)
    for column in ("id", "line", "title", "site", "retrieved", "url"):
        table.add_column(column, overflow="fold")
    for r in extraction.references:
        table.add_row(escape(r.id), str(r.line), escape(r.title or ""), escape(r.site or ""), escape(r.retrieved or ""),
                      escape(r.url or ""))
    console.print(table)


def _print_entries(console: Console, path: str, document_entries: list[Entry], *, verbose: bool,
                   name: str | None = None) -> None:
    visible = [e for e in document_entries if e.shown(verbose)]
    if not visible:
        console.print(f"[green]{escape(name or path)}: no findings[/]")
        return
    console.print(f"[bold]{escape(name or path)}[/]")
    for entry in visible:
        # The heading is one line (greppable in CI logs): place, worst severity, every rule, and the subject.
        findings = entry.shown(verbose)
        where = where_of(path, entry.findings[0])  # a conversation export's: conversation, message, character
        style = SEVERITY_STYLE[entry.severity]
        rules = ", ".join(dict.fromkeys(f.rule for f in findings))
        console.print(f"  {escape(where)}  [{style}]{entry.severity}[/]  [bold]{escape(rules)}[/]  {escape(entry.subject)}",
                      soft_wrap=True)
        shown_evidence: set[tuple[str, str]] = set()
        for item in findings:
            prefix = f"[{SEVERITY_STYLE[item.severity]}]{item.rule}[/]: " if len(findings) > 1 else ""
            message = _message_without_subject(item)
            console.print(f"      {prefix}{escape(message)}", soft_wrap=True)
            said = _plain(f"{entry.subject} {message}")
            for label, value in evidence_lines(item, verbose=verbose):
                # Evidence the heading or the message already says (the sentence, the cited title, the reasons),
                # or that another finding of the entry showed, is not printed again.
                if (label, value) in shown_evidence or _plain(value) in said:
                    continue
                shown_evidence.add((label, value))
                console.print(f"        [dim]{label}:[/] {escape(value)}", soft_wrap=True)


def _plain(text: str) -> str:
    return " ".join(text.replace(";", ",").split())


_QUOTED = re.compile(r":?\s*“([^”]*)”")


_STATUS_STYLE = {"found": "green", "not-found": "yellow", "ambiguous": "yellow", "not-tried": "dim"}


def _print_resolutions(console: Console, document_report: DocumentReport) -> None:
    """What refcheck found for the references that give no URL: the URL it located (marked as such), or not."""
    references = {r.id: r for r in document_report.extraction.references}
    console.print("  [bold]references without a URL[/] (sources located by refcheck are marked ⌕):")
    for ref, resolution in document_report.resolutions:
        plain = resolution if isinstance(resolution, dict) else None
        status = plain["status"] if plain else resolution.status
        url = plain.get("url") if plain else resolution.url
        reason = (plain.get("reason") if plain else resolution.reason) or ""
        reference = references.get(ref)
        label = (reference.title or reference.site or "") if reference else ""
        style = _STATUS_STYLE.get(status, "")
        if status == "found":
            via = plain.get("via") if plain else resolution.via
            line = f"    [{ref}] {escape(label)} → ⌕ {escape(url or '')} [{style}](located by refcheck via {via})[/]"
        else:
            line = f"    [{ref}] {escape(label)} → [{style}]{status}[/]: {escape(reason)}"
        console.print(line, soft_wrap=True)


def _message_without_subject(item: Finding) -> str:
    """The message with the claim's sentence taken out where it quotes it: the entry's heading already shows it."""
    sentence = item.evidence.get("sentence") or item.evidence.get("claim")
    if not isinstance(sentence, str) or not sentence:
        return item.message

    def drop(match: re.Match) -> str:
        quoted = match.group(1).rstrip("…")
        return "" if quoted and " ".join(sentence.split()).startswith(" ".join(quoted.split())) else match.group(0)

    return _QUOTED.sub(drop, item.message, count=1)


class _Verdicts:
    """The summary's verdicts over every entry: how many entries each holds, the worst severity among them and the
    first few subjects. An entry counts under each verdict one of its shown rules belongs to; one under none, with a
    rule no verdict names, under "other findings"."""

    OTHER = "other findings"
    KNOWN = frozenset().union(*(rules for _, rules in VERDICTS))

    def __init__(self, verbose: bool):
        self.verbose = verbose
        self.groups: dict[str, tuple[int, Severity | None, list[str]]] = {
            heading: (0, None, []) for heading in [*(heading for heading, _ in VERDICTS), self.OTHER]}

    def add(self, entry: Entry) -> None:
        headings = [heading for heading, rules in VERDICTS if _has_rule(entry, rules, self.verbose)]
        if not headings and any(f.rule not in self.KNOWN for f in entry.shown(self.verbose)):
            headings = [self.OTHER]
        for heading in headings:
            count, worst, examples = self.groups[heading]
            if worst is None or entry.severity.rank > worst.rank:
                worst = entry.severity
            if len(examples) < SUMMARY_EXAMPLES:
                examples.append(entry.short)
            self.groups[heading] = (count + 1, worst, examples)


def _print_summary(console: Console, report: Report, verdicts: _Verdicts) -> None:
    console.print("\n[bold]Summary[/]")
    for heading, (count, worst, examples) in verdicts.groups.items():
        if count:
            more = f"; and {count - SUMMARY_EXAMPLES} more" if count > SUMMARY_EXAMPLES else ""
            console.print(f"  {heading} ([{SEVERITY_STYLE[worst]}]{count}[/]): {escape('; '.join(examples))}"
                          f"{escape(more)}", soft_wrap=True)
    if not any(count for count, _, _ in verdicts.groups.values()):
        console.print("  [green]nothing to report[/]")
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


def _has_rule(entry: Entry, rules: set[str], verbose: bool) -> bool:
    return any(f.rule in rules for f in entry.shown(verbose))


