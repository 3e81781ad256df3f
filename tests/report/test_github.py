"""GitHub workflow commands: the exact escaping the runner undoes, and the Markdown job summary read back."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from markdown_it import MarkdownIt

from refcheck.models import Finding, Report, Severity
from refcheck.report import github, summarize
from tests.report.e2e import EXAMPLE, ROOT, example_report
from tests.report.md_tables import tables
from tests.report.sample_report import ANSWER, MEMO, NASTY_MESSAGE, all_findings, sample_report

COMMAND = re.compile(r"^::(?P<name>[a-z]+)(?: (?P<properties>.*?))?::(?P<data>.*)$")


def _unescape_data(text: str) -> str:
    """What the Actions runner does to a command's message (ActionCommand.Unescape): `%25` last."""
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(text: str) -> str:
    return (text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",")
            .replace("%25", "%"))


def _parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Split a workflow command the way the runner does: up to the first `::`, properties on `,` then the first `=`."""
    match = COMMAND.match(line)
    assert match, line
    properties = {}
    for pair in (match["properties"] or "").split(","):
        if pair:
            key, _, value = pair.partition("=")
            properties[key] = _unescape_property(value)
    return match["name"], properties, _unescape_data(match["data"])


def test_escape_data_is_exactly_what_github_requires():
    assert github.escape_data("100%") == "100%25"
    assert github.escape_data("a\r\nb\nc") == "a%0D%0Ab%0Ac"
    assert github.escape_data("%0A literal") == "%250A literal"  # % first, or a literal %0A would turn into a newline
    assert github.escape_data("a:b,c::d") == "a:b,c::d"  # the message may hold colons and commas


def test_escape_property_also_escapes_colon_and_comma():
    assert github.escape_property("C:\\docs\\a,b.md") == "C%3A\\docs\\a%2Cb.md"
    assert github.escape_property("50%,\n:") == "50%25%2C%0A%3A"


def test_one_command_per_finding_with_the_severity_command():
    report = sample_report()
    lines = github.render(report).splitlines()
    findings = all_findings(report)
    parsed = [_parse_command(line) for line in lines[:len(findings)]]
    assert len(lines) == len(findings) + len(report.notices)
    expected = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    for (path, item), (name, properties, data) in zip(findings, parsed, strict=True):
        assert name == expected[item.severity]
        assert properties["file"] == path and properties["title"] == item.rule
        assert properties.get("line") == (str(item.line) if item.line is not None else None)
        assert data.split("\n")[0] == item.message.split("\n")[0]
        assert "\n" not in lines[findings.index((path, item))]
    assert _parse_command(lines[-1]) == ("notice", {"title": "refcheck"}, report.notices[0])


def test_the_nasty_message_survives_the_runner_round_trip():
    lines = github.render(sample_report()).splitlines()
    line = next(l for l in lines if "title=title-mismatch" in l)
    assert "%25 sure?%0Asecond line" in line
    _, properties, data = _parse_command(line)
    assert data.startswith(NASTY_MESSAGE + "\n")
    assert "page title: 生成AI利用環境「源内」 | デジタル庁" in data.split("\n")


def test_property_values_with_colons_commas_and_newlines_round_trip():
    item = Finding("dead-link", Severity.ERROR, "gone", line=4)
    line = github.command(item, "dir,with:odd%chars\nname.md")
    assert line.startswith("::error file=dir%2Cwith%3Aodd%25chars%0Aname.md,line=4,title=dead-link::")
    assert _parse_command(line)[1]["file"] == "dir,with:odd%chars\nname.md"


def test_absolute_paths_are_made_relative_for_annotations():
    lines = github.render(example_report(), root=ROOT).splitlines()
    assert lines and all(_parse_command(l)[1]["file"] == EXAMPLE.relative_to(ROOT).as_posix() for l in lines)


def test_blob_base_from_env():
    env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r", "GITHUB_SHA": "abc123"}
    assert github.blob_base_from_env(env) == "https://github.com/o/r/blob/abc123/"
    assert github.blob_base_from_env({"GITHUB_SHA": "abc"}) is None


def test_summary_tables_match_the_report():
    report = sample_report()
    markdown = github.render_summary(report, blob_base="https://github.com/o/r/blob/abc/")
    found = {t.heading: t for t in tables(markdown)}
    counts = summarize(report)
    totals = dict(found["refcheck"].rows)
    assert totals["documents"] == "2" and totals["errors"] == str(counts["findings"]["error"])
    assert totals["URLs checked"] == str(len(report.urls))
    by_rule = {row[0]: (row[1], int(row[2])) for row in found["Findings by rule"].rows}
    expected = Counter((f.rule, str(f.severity)) for _, f in all_findings(report))
    assert {rule: (sev, n) for (rule, sev), n in expected.items()} == by_rule
    assert {row[0]: int(row[1]) for row in found["URLs by status"].rows} == counts["urls"]


def test_summary_lists_every_finding_linked_to_its_line():
    report = sample_report()
    markdown = github.render_summary(report, blob_base="https://github.com/o/r/blob/abc/")
    tokens = MarkdownIt("commonmark").parse(markdown)
    links = [child.attrs["href"] for t in tokens if t.type == "inline" for child in t.children or ()
             if child.type == "link_open"]
    assert len(links) == len(all_findings(report))
    assert "https://github.com/o/r/blob/abc/docs/answer-ja.txt#L30" in links
    assert "https://github.com/o/r/blob/abc/docs/answer-ja.txt" in links  # the finding with no line
    assert "https://github.com/o/r/blob/abc/notes/AI%20%E6%94%BF%E7%AD%96%E3%83%A1%E3%83%A2.md#L12" in links
    assert NASTY_MESSAGE.split("\n")[0] in markdown.replace("\\", "")


def test_summary_without_a_blob_base_links_relative_paths():
    markdown = github.render_summary(sample_report())
    assert f"]({ANSWER}#L30)" in markdown


def test_summary_caps_the_findings_list():
    document = sample_report().documents[0]
    many = tuple(Finding("uncited-claim", Severity.WARNING, f"claim {n}", line=n) for n in range(1, 603))
    markdown = github.render_summary(Report("extract", (replace(document, findings=many),)))
    assert markdown.count("`uncited-claim` claim") == github.SUMMARY_FINDINGS_LIMIT
    assert "and 102 more" in markdown


def test_a_report_without_findings_says_so():
    document = sample_report().documents[1]
    markdown = github.render_summary(Report("check", (replace(document, findings=()),)))
    assert "No findings." in markdown and github.render(Report("check", (replace(document, findings=()),))) == ""
    assert MEMO not in markdown  # nothing to link
