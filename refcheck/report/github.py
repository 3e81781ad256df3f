"""GitHub Actions output: one workflow command per finding (an annotation on its line) and a Markdown job summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

from refcheck.models import Finding, Report, Severity
from refcheck.report import summarize
from refcheck.report.clean import visible
from refcheck.report.evidence import evidence_lines
from refcheck.report.markdown import cell
from refcheck.report.paths import relative_path
from refcheck.report.paths import where as where_of

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
SEVERITY_MARK = {Severity.ERROR: "🔴", Severity.WARNING: "🟡", Severity.INFO: "🔵"}
# GitHub caps a step summary at 1 MiB; past this many findings the list says how many more there are.
SUMMARY_FINDINGS_LIMIT = 500


def render(report: Report, *, root: str | Path | None = None) -> str:
    """`::error file=…,line=…,title=…::message` lines, one per finding, in document order."""
    lines = []
    for document_report in report.documents:
        path = relative_path(document_report.document.path, root)
        lines.extend(command(item, path) for item in document_report.findings)
    lines.extend(f"::notice title=refcheck::{escape_data(notice)}" for notice in report.notices)
    return "".join(line + "\n" for line in lines)


def command(item: Finding, path: str) -> str:
    properties = {"file": path}
    if item.line is not None and item.location is None:  # a conversation export's lines are not the file's
        properties["line"] = str(item.line)
    properties["title"] = item.rule if item.location is None else f"{item.rule} ({item.location.describe()})"
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{COMMANDS[item.severity]} {joined}::{escape_data(_message(item))}"


def _message(item: Finding) -> str:
    """The message, then the URL and the evidence on lines of their own (annotations show several lines)."""
    lines = [item.message]
    if item.url and item.url not in item.message:
        lines.append(f"url: {item.url}")
    lines.extend(f"{label}: {value}" for label, value in evidence_lines(item, verbose=False))
    return "\n".join(lines)


def escape_data(text: str) -> str:
    """What GitHub's runner unescapes in a command's message: `%`, CR and LF (`%` first, or the others double).

    Control and bidi characters are made visible first (report/clean.py): the runner's log is a terminal-like view.
    """
    return visible(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value also may not hold `:` (ends the properties) or `,` (separates them)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def blob_base_from_env(environ: Mapping[str, str]) -> str | None:
    """`https://github.com/OWNER/REPO/blob/SHA/` from the variables every Actions job has, or None outside Actions."""
    server, repository, sha = (environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    if not (server and repository and sha):
        return None
    return f"{server.rstrip('/')}/{repository}/blob/{sha}/"


def render_summary(report: Report, *, root: str | Path | None = None, blob_base: str | None = None) -> str:
    """A Markdown job summary: totals, findings by rule, then each finding linked to its line.

    Links are `path#Lline` relative to `blob_base` (see `blob_base_from_env`); without one they are relative
    links, which work where the summary is read next to the files (a rendered Markdown file in the repository).
    """
    summary = summarize(report)
    parts = ["## refcheck", "", *_totals_table(summary), ""]
    parts += _rules_table(report)
    parts += _statuses_table(summary)
    parts += _findings_list(report, root, blob_base or "")
    for notice in report.notices:
        parts.append(f"> **note:** {cell(notice)}")
    return "\n".join(parts).rstrip("\n") + "\n"


def _totals_table(summary: dict) -> list[str]:
    counts = summary["findings"]
    rows = [("documents", summary["documents"]), ("references", summary["references"]),
            ("links", summary["links"]), ("claims", summary["claims"]),
            ("URLs checked", sum(summary["urls"].values())),
            ("errors", counts["error"]), ("warnings", counts["warning"]), ("info", counts["info"])]
    return ["| | count |", "|---|---:|", *(f"| {name} | {value} |" for name, value in rows)]


def _rules_table(report: Report) -> list[str]:
    findings = [f for d in report.documents for f in d.findings]
    if not findings:
        return ["No findings.", ""]
    by_rule = Counter((f.rule, f.severity) for f in findings)
    ordered = sorted(by_rule.items(), key=lambda kv: (-kv[0][1].rank, kv[0][0]))
    return ["### Findings by rule", "", "| rule | severity | count |", "|---|---|---:|",
            *(f"| `{rule}` | {severity} | {count} |" for (rule, severity), count in ordered), ""]


def _statuses_table(summary: dict) -> list[str]:
    if not summary["urls"]:
        return []
    return ["### URLs by status", "", "| status | count |", "|---|---:|",
            *(f"| {status} | {count} |" for status, count in summary["urls"].items()), ""]


def _findings_list(report: Report, root, blob_base: str) -> list[str]:
    entries = []
    for document_report in report.documents:
        path = relative_path(document_report.document.path, root)
        for item in document_report.findings:
            entries.append(_finding_entry(item, path, blob_base))
    if not entries:
        return []
    shown = entries[:SUMMARY_FINDINGS_LIMIT]
    lines = ["### Findings", "", *shown]
    if len(entries) > len(shown):
        lines.append(f"- … and {len(entries) - len(shown)} more (see the full report)")
    return [*lines, ""]


def _finding_entry(item: Finding, path: str, blob_base: str) -> str:
    where = where_of(path, item)
    target = blob_base + quote(path, safe="/") + (f"#L{item.line}" if item.line and item.location is None else "")
    return (f"- {SEVERITY_MARK[item.severity]} [{cell(where)}]({target}) **{item.severity}** "
            f"`{item.rule}` {cell(item.message)}")
