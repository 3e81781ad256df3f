"""JUnit XML for CI test views (Jenkins, GitLab, Azure): a test suite per document, a test case per reference and URL."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from refcheck.models import DocumentReport, FetchResult, Finding, Report, Severity, UrlStatus
from refcheck.report.clean import xml_text
from refcheck.report.evidence import evidence_lines
from refcheck.report.paths import document_name, where as where_of

# A reference or URL that was not looked at is a skipped test, not a passed one.
NOT_CHECKED = {UrlStatus.EXCLUDED, UrlStatus.OFFLINE}
DOCUMENT_CASE = "document"


@dataclass
class Case:
    """One test case before it becomes XML: what it is called, the findings at it, the URL behind it."""

    name: str
    findings: list[Finding] = field(default_factory=list)
    result: FetchResult | None = None


def render(report: Report, *, fail_on: Severity | None = Severity.ERROR) -> str:
    """Findings at or above `fail_on` fail their test case; the rest are notes in its `<system-out>`.

    `fail_on=None` (the CLI's `--fail-on never`) fails nothing, so the test view agrees with the exit code.
    """
    root = ET.Element("testsuites", name="refcheck")
    results = {result.url: result for result in report.urls}
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "time": 0.0}
    for document_report in report.documents:
        suite = _suite(document_report, _cases(document_report, results), fail_on)
        root.append(suite)
        for key in totals:
            totals[key] += float(suite.get(key)) if key == "time" else int(suite.get(key))
    for key, value in totals.items():
        root.set(key, f"{value:.3f}" if key == "time" else str(value))
    if report.notices:
        ET.SubElement(root, "system-out").text = _clean("\n".join(report.notices))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _cases(document_report: DocumentReport, results: dict[str, FetchResult]) -> list[Case]:
    """A case per reference, per URL linked outside the reference list, and one for the document itself."""
    extraction = document_report.extraction
    by_ref: dict[str, Case] = {}
    for reference in extraction.references:
        by_ref.setdefault(reference.id, Case(_reference_name(reference), result=results.get(reference.url or "")))
    by_cited_url = {r.url: by_ref[r.id] for r in extraction.references if r.url}
    by_url: dict[str, Case] = {}
    for link in extraction.links:
        if link.ref is None and link.url not in by_cited_url:
            by_url.setdefault(link.url, Case(link.url, result=results.get(link.url)))
    document_case = Case(DOCUMENT_CASE)
    for item in document_report.findings:
        case = by_ref.get(item.ref or "")
        if case is None and item.ref is None:  # a finding about a URL only: the case of that URL
            case = by_url.get(item.url or "") or by_cited_url.get(item.url or "")
        (case or document_case).findings.append(item)
    return [*by_ref.values(), *by_url.values(), document_case]


def _reference_name(reference) -> str:
    return f"[{reference.id}] {reference.title or reference.site or reference.url or '(untitled)'}"


def _suite(document_report: DocumentReport, cases: list[Case], fail_on: Severity | None) -> ET.Element:
    path = document_report.document.path
    suite = ET.Element("testsuite", name=_clean(document_name(document_report.document)))
    counts = {"failures": 0, "skipped": 0}
    total_time = 0.0
    for case in cases:
        element = _testcase(case, path, fail_on)
        suite.append(element)
        total_time += float(element.get("time"))
        if element.find("failure") is not None:
            counts["failures"] += 1
        elif element.find("skipped") is not None:
            counts["skipped"] += 1
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(counts["failures"]))
    suite.set("errors", "0")  # a JUnit error means the test itself broke; refcheck reports problems as failures
    suite.set("skipped", str(counts["skipped"]))
    suite.set("time", f"{total_time:.3f}")
    return suite


def _testcase(case: Case, path: str, fail_on: Severity | None) -> ET.Element:
    elapsed = case.result.elapsed if case.result else 0.0
    element = ET.Element("testcase", classname=_clean(path), name=_clean(case.name), time=f"{elapsed:.3f}")
    failing = [f for f in case.findings if fail_on is not None and f.severity.at_least(fail_on)]
    notes = [f for f in case.findings if f not in failing]
    if failing:
        # One <failure> per case: the JUnit schema and GitLab's parser expect at most one; every finding is in its text.
        failing.sort(key=lambda f: -f.severity.rank)
        ET.SubElement(element, "failure", type=",".join(dict.fromkeys(f.rule for f in failing)),
                      message=_clean("; ".join(f.message for f in failing))).text = _clean(
            "\n".join(_finding_text(path, f) for f in failing))
    elif case.result is not None and case.result.status in NOT_CHECKED:
        ET.SubElement(element, "skipped", message=_clean(f"{case.result.status}: {case.result.reason or 'not checked'}"))
    if notes:
        ET.SubElement(element, "system-out").text = _clean("\n".join(_finding_text(path, f) for f in notes))
    return element


def _finding_text(path: str, item: Finding) -> str:
    where = where_of(path, item)
    lines = [f"{where}  {item.severity}  {item.rule}  {item.message}"]
    if item.url:
        lines.append(f"    url: {item.url}")
    lines.extend(f"    {label}: {value}" for label, value in evidence_lines(item))
    return "\n".join(lines)


def _clean(text: str) -> str:
    # XML 1.0 cannot carry most control characters, even escaped; documents from strangers may hold them.
    return xml_text(text)

