"""JUnit XML: parsed back with ElementTree; the JUnit schema's shape, the counts, and which findings fail a case."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from refcheck.models import Finding, Report, Severity
from refcheck.report import junit
from tests.report.e2e import example_report
from tests.report.sample_report import ANSWER, MEMO, NASTY_MESSAGE, URL_EXCLUDED, URL_OLD, URL_TIMEOUT, sample_report

# The attributes the common JUnit XSD (Jenkins/Ant, as GitLab and Azure read it) requires on each element.
REQUIRED = {
    "testsuites": set(),
    "testsuite": {"name", "tests", "failures", "errors", "skipped", "time"},
    "testcase": {"name", "classname", "time"},
    "failure": {"type", "message"},
    "skipped": set(),
    "system-out": set(),
}
CHILDREN = {"testsuites": {"testsuite", "system-out"}, "testsuite": {"testcase"},
            "testcase": {"failure", "skipped", "system-out"}, "failure": set(), "skipped": set(), "system-out": set()}


def _parse(report: Report, **kwargs) -> ET.Element:
    text = junit.render(report, **kwargs)
    assert text.startswith("<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(text.encode("utf-8"))


def _shape_problems(element: ET.Element) -> list[str]:
    problems = []
    missing = REQUIRED[element.tag] - set(element.attrib)
    if missing:
        problems.append(f"<{element.tag}> lacks {sorted(missing)}")
    for child in element:
        if child.tag not in CHILDREN[element.tag]:
            problems.append(f"<{child.tag}> inside <{element.tag}>")
        else:
            problems += _shape_problems(child)
    if element.tag == "testcase" and len(element.findall("failure")) > 1:
        problems.append("more than one <failure> in a testcase")
    return problems


def _count_problems(root: ET.Element) -> list[str]:
    problems = []
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        actual = {"tests": len(cases), "failures": sum(c.find("failure") is not None for c in cases),
                  "skipped": sum(c.find("skipped") is not None for c in cases)}
        for key, value in actual.items():
            totals[key] += value
            if int(suite.get(key)) != value:
                problems.append(f"{suite.get('name')} says {key}={suite.get(key)}, has {value}")
        if abs(float(suite.get("time")) - sum(float(c.get("time")) for c in cases)) > 0.01:
            problems.append(f"{suite.get('name')} time is not the sum of its cases")
    for key, value in totals.items():
        if int(root.get(key)) != value:
            problems.append(f"testsuites says {key}={root.get(key)}, has {value}")
    return problems


def _cases(root: ET.Element, suite_name: str) -> dict[str, ET.Element]:
    suite = next(s for s in root.iter("testsuite") if s.get("name") == suite_name)
    return {case.get("name"): case for case in suite.findall("testcase")}


@pytest.mark.parametrize("command", ["check", "extract"])
def test_structure_and_counts_hold(command):
    root = _parse(sample_report(command))
    assert root.tag == "testsuites"
    assert _shape_problems(root) == []
    assert _count_problems(root) == []


def test_a_case_per_reference_per_standalone_url_and_one_for_the_document():
    root = _parse(sample_report())
    assert [s.get("name") for s in root.iter("testsuite")] == [ANSWER, MEMO]
    answer = _cases(root, ANSWER)
    assert list(answer) == ["[1] AI基本計画を閣議決定", "[2] 生成AI利用環境「源内」", "[3] 例ウォッチ", "[4] AI人材育成の方針",
                            "[5] AI基本計画を閣議決定", URL_OLD, URL_TIMEOUT, URL_EXCLUDED, "document"]
    assert {c.get("classname") for c in answer.values()} == {ANSWER}
    assert list(_cases(root, MEMO)) == ["[a] 国産LLM開発支援に1兆円", "[b] AI政策の全体像", "document"]


def test_errors_fail_their_case_and_warnings_are_notes_by_default():
    answer = _cases(_parse(sample_report()), ANSWER)
    dead = answer["[1] AI基本計画を閣議決定"].find("failure")
    assert dead.get("type") == "dead-link" and dead.get("message") == "dead link: HTTP 404"
    assert f"{ANSWER}:30" in dead.text
    document = answer["document"]
    assert document.find("failure").get("type") == "missing-reference"  # a marker with no reference: the document's
    assert "uncited-claim" in document.find("system-out").text
    assert "unverifiable-claim" in document.find("system-out").text  # line None lands on the document too
    mismatch = answer["[2] 生成AI利用環境「源内」"]
    assert mismatch.find("failure") is None
    assert NASTY_MESSAGE in mismatch.find("system-out").text
    assert "page title: 生成AI利用環境「源内」 | デジタル庁" in mismatch.find("system-out").text


def test_fail_on_warning_turns_warnings_into_one_failure_per_case():
    root = _parse(sample_report(), fail_on=Severity.WARNING)
    assert _count_problems(root) == [] and _shape_problems(root) == []
    memo = _cases(root, MEMO)
    failure = memo["[a] 国産LLM開発支援に1兆円"].find("failure")
    assert failure.get("type") == "soft-404,unsupported-claim"  # the worst first
    assert "soft-404" in failure.text and "unsupported-claim" in failure.text
    assert memo["[b] AI政策の全体像"].find("failure").get("type") == "blocked"
    document = _cases(root, ANSWER)["document"]
    assert document.find("failure").get("type") == "missing-reference,uncited-claim"
    assert "unverifiable-claim" in document.find("system-out").text  # info stays a note


def test_fail_on_never_fails_nothing_but_keeps_every_finding_as_a_note():
    report = sample_report()
    root = _parse(report, fail_on=None)
    assert root.get("failures") == "0" and _count_problems(root) == []
    notes = "\n".join(out.text for out in root.iter("system-out"))
    assert all(item.message.split("\n")[0] in notes for d in report.documents for item in d.findings)


def test_time_comes_from_the_fetch_and_unchecked_urls_are_skipped():
    answer = _cases(_parse(sample_report()), ANSWER)
    assert answer[URL_TIMEOUT].get("time") == "10.000"
    assert answer["[3] 例ウォッチ"].get("time") == "1.250"
    assert answer["[4] AI人材育成の方針"].get("time") == "0.000"
    assert answer[URL_EXCLUDED].find("skipped").get("message").startswith("excluded")


def test_control_characters_from_a_document_do_not_break_the_xml():
    document = sample_report().documents[0]
    odd = Finding("missing-reference", Severity.ERROR, "bad\x00byte\x1b[31m and \ud800 lone", line=1, ref="x\x07")
    root = _parse(Report("extract", (replace(document, findings=(odd,)),)))
    failure = _cases(root, ANSWER)["document"].find("failure")
    # Controls shown as their Control Pictures (report/clean.py); a lone surrogate, which no stand-in fits, as U+FFFD.
    assert failure.get("message") == "bad\u2400byte\u241b[31m and \ufffd lone"


def test_the_real_example_parses_with_a_case_per_reference():
    report = example_report()
    root = _parse(report)
    assert _shape_problems(root) == [] and _count_problems(root) == []
    extraction = report.documents[0].extraction
    cases = root.find("testsuite").findall("testcase")
    reference_cases = [c for c in cases if c.get("name").startswith("[")]
    assert len(reference_cases) == len({r.id for r in extraction.references})
    failures = [c.find("failure").get("type") for c in cases if c.find("failure") is not None]
    assert "missing-reference" in ",".join(failures)
