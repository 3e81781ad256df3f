"""Output a page cannot hijack: hostile titles (terminal escapes, bidi overrides, rich markup, workflow commands) in
every medium, and the JSON keeping the exact text. Reporters are checked one medium at a time, then end to end."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import bibtexparser
import pytest

from refcheck.models import (Document, DocumentReport, Extraction, FetchResult, Format, PageFacts, Reference, Report,
                             UrlStatus)
from refcheck.report import github, html, json as json_report, junit, markdown, sarif, text
from refcheck.report.appendix_formats import render_bibtex, render_html, render_markdown
from refcheck.report.clean import has_hidden, one_line, visible, xml_text
from refcheck.rules.registry import finding
from tests.report.test_appendix_formats import entry
from tests.webserver import Reply, WebServer

CLEAR_SCREEN = "\x1b[2J"
RETITLE = "\x1b]0;pwned\x07"
RLO_NAME = "invoice \u202etxt.exe"  # reads as "invoice exe.txt" in a bidi-aware view
MARKUP = "[bold]loud[/bold]"
FORGED = "\n::error file=x.md,line=1::forged annotation"
HOSTILE = f"{CLEAR_SCREEN}{RETITLE}Report {RLO_NAME} {MARKUP} \u2066iso\u2069 \x9bc1 bell\x07{FORGED}"
URL = "https://example.org/hostile"
# Characters no human-facing report may carry raw: C0 but tab/LF/CR, DEL, C1, bidi controls.
RAW_HIDDEN = [chr(c) for c in (*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), *range(0x7f, 0xa0))] + list(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def hostile_report() -> Report:
    reference = Reference("1", 3, HOSTILE, f"site {RLO_NAME}", URL, "2026-11-20")
    result = FetchResult(URL, UrlStatus.OK, fetched_url=URL, http_status=200, final_url=URL,
                         page=PageFacts(title=HOSTILE, site_name=RLO_NAME), elapsed=0.1)
    findings = (finding("title-mismatch", f"the page is titled “{HOSTILE}”", line=3, url=URL, ref="1",
                        evidence={"cited_title": HOSTILE, "page_title": HOSTILE, "score": 0.1}),)
    document = DocumentReport(Document(f"docs/{RLO_NAME}.md", Format.MARKDOWN, "…"),
                              Extraction((reference,), (), (), (), has_markers=False), findings)
    return Report("check", (document,), urls=(result,), notices=(f"note {RETITLE}{MARKUP}",))


def assert_nothing_hidden(output: str) -> None:
    raw = sorted({f"U+{ord(c):04X}" for c in output if c in RAW_HIDDEN})
    assert raw == [], f"raw control or bidi characters in the output: {raw}"


def test_visible_shows_each_control_and_keeps_ordinary_text():
    assert visible("a\x1b[2Jb") == "a\u241b[2Jb"
    assert visible("x\x07\x00\x7f") == "x\u2407\u2400\u2421"
    assert visible("\u202etxt.exe") == "<U+202E>txt.exe"
    assert visible("\x85\x9b") == "<U+0085><U+009B>"
    assert visible("日本語\tタブ\n改行 é 👍\u200d") == "日本語\tタブ\n改行 é 👍\u200d"  # ZWJ joins emoji: kept
    assert one_line("a\r\nb\nc\u2028d\x0be") == "a b c d e"
    assert xml_text("a\ud800b\x1b") == "a\ufffdb\u241b"
    assert not has_hidden(visible(HOSTILE))


def test_text_report_shows_escapes_and_markup_as_text_and_forges_no_line():
    for color in (False, True):
        output = text.render(hostile_report(), color=color, verbose=True)
        # With colour, rich's own styles are the only escape sequences: SGR `ESC[…m`, nothing else.
        stripped = re.sub(r"\x1b\[[0-9;]*m", "", output) if color else output
        assert_nothing_hidden(stripped)
        assert "\u241b[2J" in stripped and "<U+202E>txt.exe" in stripped
        assert MARKUP in stripped  # shown as written, not obeyed
        assert not any(line.lstrip().startswith("::error") for line in stripped.splitlines())


def test_markdown_report_has_no_raw_controls_and_keeps_each_row_on_one_line():
    output = markdown.render(hostile_report())
    assert_nothing_hidden(output)
    rows = [line for line in output.splitlines() if line.startswith("| 1 |")]
    assert len(rows) == 1 and "\\<U+202E\\>txt.exe" in rows[0]
    assert not any(line.startswith("::error") for line in output.splitlines())


def test_github_commands_cannot_be_forged_or_carry_escapes():
    report = hostile_report()
    output = github.render(report)
    assert_nothing_hidden(output)
    lines = output.splitlines()
    assert len(lines) == 2 and lines[0].startswith(("::warning ", "::error "))
    assert lines[1].startswith("::notice title=refcheck::")
    assert "%0A::error file=x.md" in lines[0]  # the forged command stays inside the message, encoded
    assert_nothing_hidden(github.render_summary(report))


def test_junit_and_sarif_parse_and_carry_no_raw_controls():
    report = hostile_report()
    xml = junit.render(report)
    assert_nothing_hidden(xml)
    ET.fromstring(xml.encode("utf-8"))
    log = sarif.render(report)
    data = json.loads(log)
    message = data["runs"][0]["results"][0]["message"]["text"]
    assert not has_hidden(message) and "\u241b[2J" in message
    assert data["runs"][0]["results"][0]["properties"]["evidence"]["page_title"] == HOSTILE  # data: exact


def test_html_report_escapes_and_shows_bidi_overrides():
    output = html.render(hostile_report())
    assert_nothing_hidden(output)
    assert "&lt;U+202E&gt;txt.exe" in output and "<U+202E>" not in output


def test_json_report_keeps_the_exact_text():
    data = json.loads(json_report.render(hostile_report()))
    assert data["documents"][0]["references"][0]["title"] == HOSTILE
    assert data["urls"][0]["title"] == HOSTILE


def test_appendix_formats_clean_titles_and_bibtex_braces_stay_balanced():
    hostile = entry(1, title="}, note = {injected} " + HOSTILE + " 100% {x", publisher="{pub" + RLO_NAME)
    for render in (render_markdown, render_html, render_bibtex):
        assert_nothing_hidden(render([hostile]))
    bib = render_bibtex([hostile])
    for line in bib.splitlines()[1:-1]:  # each field's braces balance by BibTeX's count, which ignores backslashes
        depth = 0
        for character in line:
            depth += {"{": 1, "}": -1}.get(character, 0)
            assert depth >= 0, line
        assert depth == 0, line
    fields = bibtexparser.parse_string(bib).entries[0].fields_dict
    assert "injected" in fields["title"].value and set(fields) >= {"title", "organization"}
    assert "note" not in fields or "injected" not in fields["note"].value
    assert "\\%" in fields["title"].value


def test_markdown_appendix_keeps_an_entry_on_one_line():
    output = render_markdown([entry(1, title="a\n\n# heading\n- item")])
    assert output.strip().count("\n") == 0 and "\\# heading" in output


# --- end to end: a real page with a hostile <title>, through the CLI -----------------------------------------


@pytest.fixture
def hostile_site():
    title = "\x1b[2J\x1b]0;pwned\x07Quarterly \u202etxt.exe [bold]loud[/bold]"
    with WebServer() as server:
        server.route("/page", Reply(200, f"<html><head><title>{title}</title></head><body><p>text</p></body></html>"))
        yield server, title


def run_check(tmp_path, server, fmt: str) -> subprocess.CompletedProcess:
    (tmp_path / "doc.md").write_text(f"A claim [1].\n\n[1]: {server.url('/page')} \"Quarterly report\"\n",
                                     encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "refcheck", "check", "doc.md", "--allow-private", "--no-cache",
                           "--retries", "0", "--no-archive", "--no-progress", "--format", fmt, "--fail-on", "never"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)


@pytest.mark.parametrize("fmt", ["text", "markdown", "github", "junit", "html"])
def test_a_hostile_page_title_reaches_no_report_raw(hostile_site, tmp_path, fmt):
    server, title = hostile_site
    done = run_check(tmp_path, server, fmt)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert_nothing_hidden(done.stdout)
    assert_nothing_hidden(done.stderr)


def test_the_json_report_keeps_the_page_title_as_the_server_sent_it(hostile_site, tmp_path):
    server, title = hostile_site
    done = run_check(tmp_path, server, "json")
    assert json.loads(done.stdout)["urls"][0]["title"] == title  # escapes, override and markup, byte for byte
