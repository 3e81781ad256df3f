"""Reporters: each module renders a Report to a string; none of them writes files or talks to the network."""

from __future__ import annotations

from collections import Counter

from refcheck.models import Report, Severity


def summarize(report: Report) -> dict:
    """The counts every format shows: documents, what was extracted, findings by severity and rule, URL statuses."""
    findings = [f for d in report.documents for f in d.findings]
    severities = Counter(str(f.severity) for f in findings)
    return {
        "documents": len(report.documents),
        "references": sum(len(d.extraction.references) for d in report.documents),
        "markers": sum(len(d.extraction.markers) for d in report.documents),
        "links": sum(len(d.extraction.links) for d in report.documents),
        "claims": sum(len(d.extraction.claims) for d in report.documents),
        "findings": {str(s): severities.get(str(s), 0) for s in Severity},
        "rules": dict(sorted(Counter(f.rule for f in findings).items())),
        "urls": dict(sorted(Counter(str(r.status) for r in report.urls).items())),
    }


def worst_severity(report: Report) -> Severity | None:
    severities = [f.severity for d in report.documents for f in d.findings]
    return max(severities, key=lambda s: s.rank) if severities else None


def finding_subject(item) -> str | None:
    """What a finding is about, when its message does not already say: its URL, else its reference as `[id]`.

    Two dead links on one line must not print two identical lines: the subject tells them apart.
    """
    if item.url and item.url not in item.message:
        return item.url
    if not item.url and item.ref and f"[{item.ref}]" not in item.message:
        return f"[{item.ref}]"
    return None
