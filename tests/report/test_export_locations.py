"""A conversation export's findings say where they are (conversation, message, character) in every output format."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from refcheck.pipeline import extract_paths
from refcheck.report import github, html, junit, markdown, sarif, text
from refcheck.report import json as json_report
from refcheck.report.merge import merge_reports
from refcheck.settings import Settings
from tests.conftest import SHARED, need_shared

EXPORT = Path(__file__).resolve().parents[1] / "fixtures" / "exports" / "chatgpt-conversations.json"
WHERE = "conversation “Shared chats in Google results” (68a1f3c0-1d2e-8003-9a41-5be0c7a1e2f4), message 2, character"


@pytest.fixture(scope="module")
def report():
    return extract_paths([str(EXPORT)], Settings())


def _missing(report):
    return next(f for f in report.documents[0].findings if f.rule == "missing-reference")


def test_json_findings_carry_a_location_and_documents_their_conversation(report):
    payload = json.loads(json_report.render(report))
    first = payload["documents"][0]
    assert first["conversation"] == {"id": "68a1f3c0-1d2e-8003-9a41-5be0c7a1e2f4",
                                     "title": "Shared chats in Google results", "messages": 4,
                                     "other_branches": 1, "leaf": "a-2"}
    missing = next(f for f in first["findings"] if f["rule"] == "missing-reference")
    assert missing["location"] == {"conversation": "68a1f3c0-1d2e-8003-9a41-5be0c7a1e2f4",
                                   "title": "Shared chats in Google results", "message": 2,
                                   "offset": _missing(report).location.offset, "node": "a-1"}
    published = [r.get("published") for r in first["references"]]
    assert published[:3] == ["2025-08-01", None, "2025-08-02"]


def test_json_round_trip_and_merge_keep_conversations_apart(report):
    payload = json.loads(json_report.render(report))
    again = json_report.from_dict(payload)
    assert [d.document.conversation for d in again.documents] == [d.document.conversation for d in report.documents]
    assert _missing(again).location == _missing(report).location
    merged = merge_reports([again, again])
    assert len(merged.documents) == 3  # one file, three conversations: not joined into one


def test_sarif_is_valid_and_points_at_the_conversation_not_a_line(report):
    schema = json.loads(need_shared(SHARED / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    log = json.loads(sarif.render(report))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(log)] == []
    results = log["runs"][0]["results"]
    missing = next(r for r in results if r["ruleId"] == "missing-reference")
    location = missing["locations"][0]
    assert "region" not in location["physicalLocation"]
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "68a1f3c0-1d2e-8003-9a41-5be0c7a1e2f4/message/2"
    assert WHERE in missing["message"]["text"] and missing["properties"]["location"]["message"] == 2
    fingerprints = [r["partialFingerprints"] for r in results]
    assert len({json.dumps(f) for f in fingerprints}) == len(fingerprints)


@pytest.mark.parametrize("render", [
    lambda r: text.render(r, verbose=True),
    markdown.render,
    html.render,
    lambda r: junit.render(r, fail_on=None),
    github.render,
])
def test_every_human_format_names_conversation_message_and_character(report, render):
    output = render(report).replace("%2C", ",")  # annotations escape commas in their properties
    assert WHERE in output


def test_github_annotations_have_no_line_for_an_export(report):
    lines = [line for line in github.render(report).splitlines() if "missing-reference" in line]
    assert lines and all(",line=" not in line for line in lines)


def test_junit_is_xml_with_one_suite_per_conversation(report):
    root = ET.fromstring(junit.render(report, fail_on=None))
    names = [suite.get("name") for suite in root.iter("testsuite")]
    assert len(names) == 3 and len(set(names)) == 3
