"""SARIF: valid against the official 2.1.0 schema, within GitHub's extra constraints, with fingerprints that survive edits."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest

from refcheck.models import DocumentReport, Finding, Report, Severity
from refcheck.report import sarif
from refcheck.rules.registry import RULES
from tests.conftest import SHARED, need_shared
from tests.report.e2e import EXAMPLE, ROOT, example_report
from tests.report.sample_report import MEMO, NASTY_MESSAGE, all_findings, sample_report

SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"
GITHUB_LEVELS = {"error", "warning", "note", "none"}


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(need_shared(SCHEMA).read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def _log(report: Report, **kwargs) -> dict:
    return json.loads(sarif.render(report, **kwargs))


def _errors(validator, log: dict) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]


def _github_problems(log: dict) -> list[str]:
    """The constraints code scanning adds on top of the schema (docs: 'SARIF support for code scanning')."""
    problems = []
    run = log["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    for index, result in enumerate(run["results"]):
        if not result.get("ruleId"):
            problems.append(f"{index}: no ruleId")
        elif rule_ids[result["ruleIndex"]] != result["ruleId"]:
            problems.append(f"{index}: ruleIndex points at {rule_ids[result['ruleIndex']]}")
        if result.get("level") not in GITHUB_LEVELS:
            problems.append(f"{index}: level {result.get('level')}")
        if not result["message"].get("text"):
            problems.append(f"{index}: empty message")
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        if urlsplit(uri).scheme or uri.startswith("/") or "\\" in uri:
            problems.append(f"{index}: uri not relative: {uri}")
        if "region" in location and location["region"]["startLine"] < 1:
            problems.append(f"{index}: startLine {location['region']['startLine']}")
        if not result.get("partialFingerprints"):
            problems.append(f"{index}: no partialFingerprints")
    return problems


@pytest.mark.parametrize("command", ["check", "extract"])
def test_sample_report_is_valid_sarif_for_github(validator, command):
    log = _log(sample_report(command))
    assert _errors(validator, log) == []
    assert _github_problems(log) == []
    assert len(log["runs"][0]["results"]) == len(all_findings(sample_report(command)))


def test_the_real_example_is_valid_sarif_with_paths_relative_to_the_root(validator):
    report = example_report()
    log = _log(report, root=ROOT)
    assert _errors(validator, log) == []
    assert _github_problems(log) == []
    results = log["runs"][0]["results"]
    assert len(results) == len(report.documents[0].findings) > 0
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {EXAMPLE.relative_to(ROOT).as_posix()}
    assert "missing-reference" in {r["ruleId"] for r in results}


def test_an_empty_report_is_valid(validator):
    log = _log(Report(command="check", documents=()))
    assert _errors(validator, log) == []
    assert log["runs"][0]["results"] == []


def test_the_validator_does_reject_broken_sarif(validator):
    """A control: the same log with a bad level and a URI with a space must fail, or the checks above prove nothing."""
    log = _log(sample_report())
    log["runs"][0]["results"][0]["level"] = "fatal"
    log["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "a b.txt"
    errors = _errors(validator, log)
    assert any("fatal" in e for e in errors) and any("a b.txt" in e for e in errors)


def test_every_registry_rule_is_described_with_level_and_help():
    driver = _log(sample_report())["runs"][0]["tool"]["driver"]
    assert driver["name"] == "refcheck" and driver["version"] and "informationUri" not in driver
    described = {rule["id"]: rule for rule in driver["rules"]}
    assert list(described) == list(RULES)
    expected_level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    for name, rule in RULES.items():
        entry = described[name]
        assert entry["shortDescription"]["text"] == rule.summary
        assert entry["fullDescription"]["text"] == rule.why
        assert rule.why in entry["help"]["text"]
        assert entry["defaultConfiguration"]["level"] == expected_level[rule.severity]
        assert f"docs/rules.md#{name}" in entry["help"]["markdown"]


def test_results_carry_rule_level_location_and_properties():
    report = sample_report()
    results = _log(report)["runs"][0]["results"]
    for (path, item), result in zip(all_findings(report), results, strict=True):
        assert result["ruleId"] == item.rule
        assert result["level"] == {"error": "error", "warning": "warning", "info": "note"}[item.severity]
        assert result["message"]["text"] == item.message
        location = result["locations"][0]["physicalLocation"]
        assert unquote(location["artifactLocation"]["uri"]) == path
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        if item.line is None:
            assert "region" not in location
        else:
            assert location["region"] == {"startLine": item.line}
        properties = result.get("properties", {})
        assert properties.get("url") == item.url and properties.get("ref") == item.ref
        assert properties.get("evidence", {}) == item.evidence
    assert any(r["message"]["text"] == NASTY_MESSAGE for r in results)


def test_a_path_with_spaces_and_japanese_is_percent_encoded():
    results = _log(sample_report())["runs"][0]["results"]
    memo_uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                 for r in results if unquote(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) == MEMO}
    assert memo_uris == {"notes/AI%20%E6%94%BF%E7%AD%96%E3%83%A1%E3%83%A2.md"}


def test_absolute_paths_become_relative_to_the_root(tmp_path):
    document = sample_report().documents[0]
    moved = replace(document, document=replace(document.document, path=str(tmp_path / "sub" / "a.md")))
    results = _log(Report("check", (moved,)), root=tmp_path)["runs"][0]["results"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {"sub/a.md"}


def _shifted(report: Report, by: int) -> Report:
    """The same findings after `by` lines were inserted above them, messages quoting line numbers included."""
    def shift(item: Finding) -> Finding:
        message = item.message.replace("(line 30)", f"(line {30 + by})")
        return replace(item, line=item.line + by if item.line else None, message=message)
    return replace(report, documents=tuple(
        DocumentReport(d.document, d.extraction, tuple(shift(f) for f in d.findings)) for d in report.documents))


def _fingerprints(report: Report) -> list[str]:
    return [r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in _log(report)["runs"][0]["results"]]


def test_fingerprints_survive_lines_moving_and_tell_findings_apart():
    report = sample_report()
    before = _fingerprints(report)
    assert len(set(before)) == len(before)
    assert _fingerprints(_shifted(report, 7)) == before
    assert any("(line 30)" in f.message for _, f in all_findings(report))  # the message-with-a-line case is covered


def test_fingerprints_change_when_what_is_reported_changes():
    report = sample_report()
    first = report.documents[0]
    changed = replace(first.findings[2], url="https://elsewhere.example/")
    edited = replace(report, documents=(replace(first, findings=(*first.findings[:2], changed, *first.findings[3:])),
                                        *report.documents[1:]))
    before, after = _fingerprints(report), _fingerprints(edited)
    assert [i for i, (a, b) in enumerate(zip(before, after)) if a != b] == [2]


def test_identical_findings_in_one_document_get_distinct_fingerprints():
    document = sample_report().documents[0]
    twice = replace(document, findings=(document.findings[0], replace(document.findings[0], line=99)))
    prints = _fingerprints(Report("extract", (twice,)))
    assert prints[0] != prints[1] and prints[1].startswith(prints[0].split(":")[0])


def test_notices_become_tool_notifications_and_output_is_deterministic():
    report = sample_report()
    invocation = _log(report)["runs"][0]["invocations"][0]
    assert [n["message"]["text"] for n in invocation["toolExecutionNotifications"]] == list(report.notices)
    assert sarif.render(report) == sarif.render(sample_report())


def test_a_rule_unknown_to_the_registry_still_gets_a_descriptor(validator):
    document = sample_report().documents[1]
    extra = replace(document, findings=(*document.findings, Finding("plugin-rule", Severity.ERROR, "x", line=1)))
    log = _log(Report("check", (extra,)))
    assert _errors(validator, log) == [] and _github_problems(log) == []
    assert log["runs"][0]["results"][-1]["ruleId"] == "plugin-rule"
