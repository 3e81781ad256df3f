"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers: one run, every rule described, one result per finding."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from urllib.parse import quote

from refcheck import __version__
from refcheck.models import Finding, Report, Severity
from refcheck.report.clean import json_escaped, xml_text
from refcheck.report.paths import relative_path
from refcheck.rules.registry import RULES, Rule
from refcheck.report.paths import location_dict

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
# No project URL is published yet; one constant to change when it is.
# refcheck has no public home page yet, so the driver carries no informationUri and rules no helpUri: a made-up
# address would send GitHub users to a 404. The rule text (shortDescription, help) is complete without them.
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "refcheckFinding/v1"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# Line numbers inside messages ("same URL as [2] (line 40)") move with every edit; a fingerprint must not.
LINE_NUMBERS = re.compile(r"\bline \d+|\d+\s*行目")


def render(report: Report, *, root: str | Path | None = None) -> str:
    """The whole SARIF log; `root` is what document paths are made relative to (default: the working directory)."""
    # Properties (URLs, evidence) keep the exact text, with bidi and C1 controls as \u escapes (report/clean.py).
    return json_escaped(json.dumps(to_dict(report, root=root), ensure_ascii=False, indent=2, default=str)) + "\n"


def to_dict(report: Report, *, root: str | Path | None = None) -> dict:
    rule_names = list(RULES) + sorted({f.rule for d in report.documents for f in d.findings} - set(RULES))
    rule_index = {name: index for index, name in enumerate(rule_names)}
    results = []
    for document_report in report.documents:
        path = relative_path(document_report.document.path, root)
        seen: dict[str, int] = {}
        for item in document_report.findings:
            results.append(_result(item, path, rule_index[item.rule], seen))
    run = {
        "tool": {"driver": {
            "name": "refcheck",
            "version": __version__,
            "semanticVersion": __version__,
            "rules": [_rule(RULES.get(name), name) for name in rule_names],
        }},
        "invocations": [_invocation(report)],
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The directory refcheck ran in."}}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def _rule(rule: Rule | None, name: str) -> dict:
    if rule is None:  # a finding of a rule the registry does not know (a plug-in, a newer pipeline)
        return {"id": name, "name": name, "shortDescription": {"text": name}}
    return {
        "id": rule.name,
        "name": _pascal(rule.name),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {"text": f"{rule.summary} {rule.why}",
                 "markdown": f"**{rule.summary}**\n\n{rule.why}\n\nSee `docs/rules.md#{rule.name}` in refcheck."},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["references"]},
    }


def _pascal(name: str) -> str:
    """SARIF's `name` is meant to read as an identifier: dead-link → DeadLink."""
    return "".join(part.capitalize() for part in name.split("-"))


def _result(item: Finding, path: str, rule_index: int, seen: dict[str, int]) -> dict:
    physical: dict = {"artifactLocation": {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}}
    location: dict = {"physicalLocation": physical}
    message = item.message
    if item.location is not None:  # a conversation export: its file lines mean nothing, so no region
        message = f"{item.message} ({item.location.describe()})"
        name = item.location.conversation + (f"/message/{item.location.message}" if item.location.message else "")
        location["logicalLocations"] = [{"name": item.location.title or item.location.conversation,
                                         "fullyQualifiedName": name, "kind": "object"}]
    elif item.line is not None and item.line >= 1:  # no line: GitHub shows the finding on the file as a whole
        physical["region"] = {"startLine": item.line}
    result = {
        "ruleId": item.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[item.severity],
        "message": {"text": xml_text(message)},  # shown by code scanning: controls and bidi made visible
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(item, path, seen)},
    }
    properties = {key: value for key, value in (("url", item.url), ("ref", item.ref)) if value is not None}
    if item.location is not None:
        properties["location"] = location_dict(item.location)
    if item.evidence:
        properties["evidence"] = item.evidence
    if properties:
        result["properties"] = properties
    return result


def fingerprint(item: Finding, path: str, seen: dict[str, int] | None = None) -> str:
    """A hash of what the finding is about, not where: rule, path, URL or reference, and the message without line numbers.

    Code scanning matches alerts across runs by it, so an alert survives lines being added above it. Two
    identical findings in one document (the same sentence twice) are told apart by their order; `seen` counts them.
    """
    message = LINE_NUMBERS.sub("", item.message)
    key = "\x1f".join((item.rule, path, item.url or "", item.ref or "", message))
    if item.location is not None:  # many conversations share one export file
        key += "\x1f" + item.location.conversation
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    if seen is None:
        return digest
    seen[digest] = seen.get(digest, 0) + 1
    return digest if seen[digest] == 1 else f"{digest}:{seen[digest]}"


def _invocation(report: Report) -> dict:
    invocation: dict = {"executionSuccessful": True}
    if report.notices:
        invocation["toolExecutionNotifications"] = [
            {"level": "note", "message": {"text": xml_text(notice)}} for notice in report.notices]
    return invocation
