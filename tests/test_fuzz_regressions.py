"""One test per failure the fuzz campaign (`make fuzz`, tests/fuzz_campaign.py) found, on the minimal input it shrank
to, so each stays fixed. The issue each one was is in its docstring."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from refcheck.models import Document, Format
from refcheck.report.appendix_formats import render_bibtex, render_html, render_markdown
from refcheck.report.json import from_dict
from tests import fuzzing
from tests.report.test_appendix_formats import entry


def test_an_inline_footnote_is_a_reference_with_an_id():
    """`http://^[::ffff:127.0.0.1]`: markdown-it reads `^[…]` as an inline footnote, whose label is None; the reader
    made a Reference with id None, and the text report crashed on it."""
    from refcheck.extract import extract

    extraction = extract(Document("x.md", Format.MARKDOWN, 'A claim ^[Smith, "Title", https://example.org/a].\n'))
    assert [r.id for r in extraction.references] == ["inline-1"]
    assert [m.ref for m in extraction.markers] == ["inline-1"]
    assert extraction.references[0].url == "https://example.org/a"
    fuzzing.check_document(Format.MARKDOWN, b"http://^[::ffff:127.0.0.1]")


@pytest.mark.parametrize("url", ["http://example.org\x00", "http://\x1f@example.org", "https://example.org/a\u202eb c"])
def test_a_link_destination_carries_no_raw_control(url):
    """The appendix wrote a URL's control characters raw into Markdown, HTML href and BibTeX url (the standard's parser
    strips or encodes them, so the URL is linkable): now they are percent-encoded there."""
    item = entry(1, url=url, title="T")
    for render in (render_markdown, render_html, render_bibtex):
        fuzzing.assert_nothing_hidden(render([item]), render.__name__)
    assert "%00" in render_markdown([entry(1, url="http://example.org\x00", title="T")])
    fuzzing.check_url(url)


@pytest.mark.parametrize(("path", "value"), [
    (("documents", 0, "path"), []), (("notices",), [[]]), (("documents",), {"a": 1}), (("urls", 0, "redirects"), "x"),
    (("documents", 0, "references", 0, "line"), "3"), (("documents", 0, "findings", 0, "evidence"), []),
    (("urls", 0, "elapsed"), "fast"), (("command",), 7),
])
def test_a_damaged_json_report_is_refused_with_a_value_error(path, value):
    """`refcheck merge` on a report whose fields had other types crashed with TypeError/AttributeError (unhashable
    list as a path, `.get` on a list) or later in a reporter: `from_dict` now checks each field's type."""
    from refcheck.report import json as json_report
    from tests.report.sample_report import sample_report

    payload = json.loads(json_report.render(sample_report()))
    node = payload
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ValueError):
        from_dict(payload)


def test_merge_of_a_damaged_report_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema": "refcheck/1", "documents": [{"path": [], "format": "text"}]}), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "refcheck", "merge", str(bad)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "not a refcheck/1 JSON report" in done.stderr


def test_a_malformed_ipv6_href_is_an_invalid_url_finding_not_an_internal_error(tmp_path):
    """Issue 17's first report: `<a href="http://[::1">` made `refcheck extract` exit 3 with
    `internal error: ValueError: Invalid IPv6 URL` (urllib's urlsplit in the invalid-url rule)."""
    page = tmp_path / "bad.html"
    page.write_text('<p>See <a href="http://[::1">x</a>, <a href="http://[zz]/x">y</a> and '
                    '<a href="https://example.org/ok">ok</a>.</p>', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "refcheck", "extract", str(page), "--format", "json"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)["documents"][0]["findings"]
    assert sorted(f["url"] for f in findings if f["rule"] == "invalid-url") == ["http://[::1", "http://[zz]/x"]
    assert len(json.loads(done.stdout)["documents"][0]["links"]) == 3


def test_a_host_httpx_cannot_decode_reaches_every_url_function():
    """`http://»`: the standard's host is `xn--yba`, which httpx's `url.host` (IDNA 2008) refuses with
    InvalidCodepoint; the fetcher's host key crashed on it (`refcheck check` exit 3). The fetch itself is tested in
    tests/fetch/test_hostile_urls.py."""
    fuzzing.check_url("http://»")
    fuzzing.check_url("http://»/", "http://[::1]:8080/a/b?c#d")


def test_a_line_separator_in_a_path_does_not_split_a_workflow_command():
    """A document path holding U+2028 went raw into `::error file=…`: Python's splitlines (and some log viewers) read
    it as a line break, so the annotation could look like two lines. U+2028/U+2029 are now shown as stand-ins."""
    from refcheck.report import github

    fuzzing.check_report_strings("", "", "\u2028", "http://")
    fuzzing.check_report_strings("t\u2029x", "m\u2028::error::forged", "p", "https://example.org/")
    report = fuzzing.Report("extract", (fuzzing.DocumentReport(fuzzing.Document("a\u2028b.md", Format.MARKDOWN, ""),
                                                               fuzzing.Extraction(), ()),))
    assert "\u2028" not in github.render(report) + github.render_summary(report)


def test_sarif_properties_keep_the_exact_text_without_raw_bidi_characters(tmp_path):
    """`0\\x010\\t0&#x200e;0` in Markdown: the link text's U+200E went raw into SARIF's properties (the message was
    already cleaned). SARIF is JSON: those characters are now written as \\u escapes, so the data stays exact."""
    import json as json_module

    from refcheck.models import DocumentReport, Extraction, Report
    from refcheck.report import sarif
    from refcheck.rules.registry import finding

    fuzzing.check_cli(b"0\x010\t0&#x200e;0", ".md", "sarif", tmp_path)
    url = "http://[\u202e/a\x85"
    report = Report("extract", (DocumentReport(Document("b.md", Format.MARKDOWN, ""), Extraction(),
                                               (finding("invalid-url", f"{url!r} is not a URL", line=1, url=url,
                                                        evidence={"text": "x\u200ey"}),)),))
    output = sarif.render(report)
    fuzzing.assert_nothing_hidden(output, "sarif")
    result = json_module.loads(output)["runs"][0]["results"][0]
    assert result["properties"]["url"] == url and result["properties"]["evidence"] == {"text": "x\u200ey"}
