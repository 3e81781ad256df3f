"""Fuzz targets and input strategies, shared by the suite's property tests (tests/test_fuzz.py, few examples) and the
long campaign (`make fuzz`, tests/fuzz_campaign.py, many examples for FUZZ_SECONDS).

Each target takes one generated input and checks refcheck's promise for it: the run ends in a report, or in a
`RefcheckError` (one line, exit 2); a bad URL is an `invalid-url` finding or an unfetchable target, never an
exception; no human-facing report carries a raw control or bidi character, and the JSON keeps the exact text.
"""

from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date

from hypothesis import strategies as st

from refcheck.documents import decode
from refcheck.errors import RefcheckError
from refcheck.extract import extract
from refcheck.extract.hrefs import checkable_href
from refcheck.extract.plain import extraction_from_json, extraction_to_json
from refcheck.extract.urls import clean_url, find_urls, is_fetchable_url
from refcheck.fetch.addresses import literal_address
from refcheck.fetch.client import host_of, prepare_url
from refcheck.fetch.remap import Remapper
from refcheck.fetch.run import InvalidTarget, prepared_form, resolve_location
from refcheck.fetch.soft404 import is_rootish, origin_of, probe_url, redirect_reason
from refcheck.models import (Document, DocumentReport, Extraction, FetchResult, Format, Link, PageFacts, Redirect,
                             Reference, Report, UrlStatus)
from refcheck.pipeline import _finish, _with_network_findings, urls_to_fetch
from refcheck.report import github, html, junit, markdown, sarif, text
from refcheck.report import json as json_report
from refcheck.report.appendix import build_entries
from refcheck.report.appendix_formats import RENDERERS
from refcheck.report.merge import merge_reports
from refcheck.rules.claims import uncited_claim_findings
from refcheck.rules.references import looks_invalid, reference_findings
from refcheck.rules.sites import original_url, url_host
from refcheck.settings import CacheSettings, Settings
from refcheck.weburl import WEB_SCHEMES, parse, scheme_of

SETTINGS = Settings(cache=CacheSettings(enabled=False, offline=True))
BASE = "https://example.org/dir/page.html"

# What no human-facing report may carry raw: C0 but tab/LF/CR, DEL, C1, bidi controls (see report/clean.py).
HIDDEN = frozenset([chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))]
                   + list("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"))
NASTY_CHARS = sorted(HIDDEN) + list("[]\\%{}<>|`*_#&:,\n\r\t\u2028\u2029\ufeff\ud7ff\ufffd") + ["\U0001f600"]

# --- strategies ----------------------------------------------------------------------------------------------

nasty_text = st.text(alphabet=st.one_of(st.sampled_from(NASTY_CHARS), st.characters(exclude_categories=("Cs",))),
                     max_size=40)

_SCHEMES = ["http://", "https://", "HTTP://", "hTtPs://", "ftp://", "mailto:", "javascript:", "data:", "", "//",
            "http:", "http:/", "http:///", "http:\\\\", "www.", "tel:", "file:///", "ws://", "a+b-c.d:"]
_URL_PARTS = ["example.org", "例え.jp", "ＥＸＡＭＰＬＥ.org", "xn--", "xn--nxasmq6b", "[::1", "[::1]", "[zz]", "[", "]",
              "[::ffff:127.0.0.1]", "[fe80::1%25eth0]", "[v1.x]", "%", "%31%32%37.0.0.1", "0x7f.1", "127.1",
              "2130706433", "0x", "08.1.1.1", "1.2.3.4.5", "256.0.0.1", "..", ".", "a b", "@", ":", "user:pw@", "\u3002",
              "\x00", "\t", "\n", "\\", "#", "?", ":99999", ":0", ":-1", ":80", ":443", "%zz", "%2e", "%00", "/", "/a/../b",
              "/%", "/パス", "?q=1&r=2", "#frag", "(", ")", "[1]", "。", "\u202e", " ", "<", ">", '"', "'", "`", "{", "}",
              "|", "^", "\u00ad", "\u200b", "ß", "\ufeff", "a" * 70, "." * 5, "-", "_"]
url_text = st.builds(lambda scheme, parts: scheme + "".join(parts), st.sampled_from(_SCHEMES),
                     st.lists(st.one_of(st.sampled_from(_URL_PARTS), st.text(max_size=3)), max_size=8))

_COMMON = ["\n", "\n\n", " ", "[1]", "[2]", "[12]", "[a]", "【1】", "※1", "^", "1.", "- ", "* ", "References", "参考文献",
           "出典", "Sources:", "↑", "2026-11-20", "Retrieved 2026-11-20.", "2兆円", "約3万人", "1,000万", "50%", "三千億円",
           "経済産業省は2027年度までにAI人材を3万人育成する。", "The ministry spent $2 billion in 2024.", "。", "、",
           "“", "”", "「", "」", '"', "(", ")", "\u202e", "\x1b[2J", "\x07", "\t", "\r\n"]
_FRAGMENTS = {
    Format.TEXT: ["User:", "Assistant:", "あなた:", "ChatGPT:", "edit", "- ↑ \"Title\". Site. Retrieved 2026-11-20. ",
                  "[1] ", "1. ", "Sources", "回答", "質問"],
    Format.MARKDOWN: ["[x](", "](", ")", "[^1]", "[^1]: ", "[1]: ", "<", ">", "```", "`", "|", "---", "# ", "## ",
                      "> ", "<!-- refcheck: ignore[dead-link] -->", "![img](", "[text][1]", "<https://", "\\", "***"],
    Format.HTML: ["<a href=\"", "\">", "</a>", "<base href=\"", "<ol class=\"references\">", "<li id=\"cite_note-1\">",
                  "<sup class=\"reference\"><a href=\"#cite_note-1\">[1]</a></sup>", "<p>", "</p>", "<ol>", "</ol>",
                  "<li>", "</li>", "<!--", "-->", "&#x202e;", "&amp;", "&#0;", "&#x1b;", "<script>", "</script>",
                  "<title>", "<cite>", "<span class=\"reference-text\">", "<br>", "<a href='", "' >", "<a href=",
                  "<h2>References</h2>", "<div>", "</div>", "<table><tr><td>"],
    Format.WIKITEXT: ["<ref>", "</ref>", "<ref name=\"a\"/>", "<ref name=a>", "{{cite web|url=", "{{cite news|url=",
                      "|title=", "|website=", "|access-date=2026-11-20", "}}", "[http://", "[https://", " ", "]",
                      "<references/>", "{{reflist}}", "==References==", "== 脚注 ==", "{{", "[[", "]]", "{{sfn|",
                      "'''", "''", "<!--", "-->", "|", "=", "{{Cite web |url=", "<nowiki>", "</nowiki>"],
}
# The prose formats the byte-level generators know; the JSON exports have their own damaged-export test
# (tests/extract/test_exports.py).
TEXT_FORMATS = tuple(_FRAGMENTS)


def document_text(document_format: Format, pieces: int = 40):
    piece = st.one_of(st.sampled_from(_FRAGMENTS[document_format] + _COMMON), url_text, st.text(max_size=12))
    return st.lists(piece, max_size=pieces).map("".join)


_PAGE_FRAGMENTS = ["<html>", "<head>", "</head>", "<title>", "</title>", "<meta charset=\"", "shift_jis", "euc-jp", "utf-16",
                   "x-user-defined", "\">", "<meta property=\"og:title\" content=\"", "<meta property=\"og:site_name\" content=\"",
                   "<meta name=\"citation_title\" content=\"", "<link rel=\"canonical\" href=\"", "<base href=\"",
                   "<script type=\"application/ld+json\">", "</script>", '{"@type": "NewsArticle", "headline": ', '"}',
                   "[", "]", "{", "}", "<h1>", "</h1>", "<article>", "<p>", "404", "Not Found", "ページが見つかりません",
                   "<html lang=\"", "ja", "xx-\u202e", "<time datetime=\"", "2026-13-45", "<input type=password>",
                   "Just a moment...", "cf-browser-verification", "<nav>", "<footer>", "&#x1b;[2J", "&#0;", "&#xd800;",
                   "<frameset>", "<svg><title>", "<template>", "<noscript>", "<!DOCTYPE html>", "%PDF-1.4\n"]


def page_bytes():
    piece = st.one_of(st.sampled_from(_PAGE_FRAGMENTS + _COMMON), url_text, st.text(max_size=12))
    text = st.lists(piece, max_size=80).map("".join)
    encoded = st.builds(lambda t, encoding: t.encode(encoding, errors="replace"), text, st.sampled_from(_ENCODINGS))
    return st.one_of(encoded, st.binary(max_size=300))


content_types = st.sampled_from([None, "text/html", "text/html; charset=shift_jis", "text/html; charset=bogus",
                                 "text/plain", "application/xhtml+xml", "application/pdf", "application/octet-stream",
                                 "text/html; charset=\"utf-16\"", ";;;", "TEXT/HTML;CHARSET=EUC-JP"])


_ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "shift_jis", "euc_jp", "cp1252", "latin-1"]


def document_bytes(document_format: Format, pieces: int = 40):
    encoded = st.builds(lambda text, encoding: text.encode(encoding, errors="replace"),
                        document_text(document_format, pieces), st.sampled_from(_ENCODINGS))
    return st.one_of(encoded, st.binary(max_size=5 * pieces))


_json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), nasty_text)
json_values = st.recursive(_json_leaf, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                               st.dictionaries(nasty_text, inner, max_size=3)),
                           max_leaves=8)


# --- checks --------------------------------------------------------------------------------------------------


def assert_nothing_hidden(output: str, where: str) -> None:
    raw = sorted({f"U+{ord(c):04X}" for c in output if c in HIDDEN})
    assert not raw, f"{where}: raw control or bidi characters {raw}"


def render_everything(report: Report) -> None:
    """Every reporter on `report`: none raises, no human-facing one carries a hidden character, JUnit parses, the
    JSON round-trips through `from_dict` (what `refcheck merge` reads) with its text exact."""
    outputs = {
        "text": text.render(report, verbose=True), "markdown": markdown.render(report), "html": html.render(report),
        "junit": junit.render(report), "github": github.render(report), "github-summary": github.render_summary(report),
    }
    for name, output in outputs.items():
        assert_nothing_hidden(output, name)
        output.encode("utf-8")  # what the CLI writes: a lone surrogate would fail here
    ET.fromstring(outputs["junit"].encode("utf-8"))
    assert all(line.startswith("::") for line in outputs["github"].splitlines())
    log = json.loads(sarif.render(report))
    for result in log["runs"][0]["results"]:
        assert_nothing_hidden(result["message"]["text"], "sarif message")
    payload = json.loads(json_report.render(report))
    json_report.render(json_report.from_dict(payload))  # what `refcheck merge` reads back
    entries = build_entries(report, date(2026, 12, 1))
    for name, render in RENDERERS.items():
        output = render(entries)
        if name != "csl-json":
            assert_nothing_hidden(output, f"appendix {name}")


def _fake_results(urls: list[str], titles: list[str], seed: int) -> dict[str, FetchResult]:
    """A plausible fetch outcome per URL (no network): statuses, redirects and hostile page titles from the input."""
    chooser = random.Random(seed)
    results = {}
    for index, url in enumerate(urls):
        status = chooser.choice(list(UrlStatus))
        title = titles[index % len(titles)] if titles else None
        page = PageFacts(title=title, site_name=title, main_text=" ".join(titles), title_candidates=tuple(titles[:2]))
        results[url] = FetchResult(url, status, fetched_url=url, http_status=chooser.choice([None, 200, 301, 404, 503]),
                                   final_url=chooser.choice([None, url, url + "x", "https://example.org/"]),
                                   redirects=(Redirect(url, 301),) if chooser.random() < 0.3 else (),
                                   page=page if status in (UrlStatus.OK, UrlStatus.SOFT_404) else None,
                                   reason=title, archive_url=chooser.choice([None, "https://web.archive.org/web/2020/" + url]))
    return results


# --- targets -------------------------------------------------------------------------------------------------


def check_document(document_format: Format, data: bytes, seed: int = 0) -> None:
    """Bytes of a document → decode → reader → offline rules → (a simulated check) → every reporter."""
    try:
        text_, encoding = decode(data, "fuzz")
    except RefcheckError:
        return  # an undecodable file: one line, exit 2
    document = Document(f"fuzz.{document_format}", document_format, text_, encoding=encoding)
    extraction = extract(document)
    assert extraction_from_json(extraction_to_json(extraction)) == extraction
    findings = reference_findings(extraction) + uncited_claim_findings(extraction.claims,
                                                                       claims_from=SETTINGS.claims_from)
    report = DocumentReport(document, extraction, _finish(findings, extraction, SETTINGS))
    for item in report.findings:
        if item.rule == "invalid-url":
            assert item.url is not None
    extracted = Report("extract", (report,))
    render_everything(extracted)
    urls = urls_to_fetch([report], SETTINGS)
    for url in urls:
        assert is_fetchable_url(url), url
    titles = [claim.text for claim in extraction.claims[:3]] + [r.title for r in extraction.references[:3] if r.title]
    results = _fake_results(urls, titles, seed)
    checked = _with_network_findings(report, results, SETTINGS)
    render_everything(Report("check", (checked,), urls=tuple(results.values()), notices=tuple(titles[:1])))


CLI_SUFFIXES = [".txt", ".md", ".markdown", ".html", ".htm", ".wiki", ".mediawiki", ".json", ".bin", ""]
CLI_FORMATS = ["text", "json", "markdown", "html", "sarif", "junit", "github"]


def check_cli(data: bytes, suffix: str, report_format: str, directory) -> None:
    """`refcheck extract FILE --format F` in process (click's runner): exit 0, 1 or 2 (a RefcheckError or a usage
    error), never another exception; stdout has no hidden character unless it is the JSON."""
    from click.testing import CliRunner

    from refcheck.cli import cli

    path = directory / f"doc{suffix}"
    path.write_bytes(data)
    result = CliRunner().invoke(cli, ["extract", str(path), "--format", report_format, "--fail-on", "error"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert isinstance(result.exception, RefcheckError), repr(result.exception)
    else:
        assert result.exit_code in (0, 1, 2), result.output
    if report_format != "json":
        assert_nothing_hidden(result.stdout, f"extract --format {report_format}")


def check_page(body: bytes, content_type: str | None, url: str = BASE) -> None:
    """A fetched page's bytes → the page reader (and the PDF reader when it says PDF) → the page rules → reporters."""
    from refcheck.page import read_page
    from refcheck.pdf import is_pdf, read_pdf

    page = read_pdf(body, url).page if is_pdf(content_type, body[:1024]) else read_page(body, content_type, url)
    reference = Reference("1", 3, "経産省、国産AI開発に5年で1兆円支援へ", "例新聞", url, "2026-11-20")
    claim_text = "経済産業省は5年で1兆円規模の支援を行う。"
    from refcheck.models import Claim, Marker

    extraction = Extraction((reference,), (Marker("1", 1),), (), (Claim(claim_text, 1, refs=("1",), check_worthy=True),),
                            has_markers=True)
    document = DocumentReport(Document("page.md", Format.MARKDOWN, ""), extraction, ())
    for status in (UrlStatus.OK, UrlStatus.SOFT_404):
        result = FetchResult(url, status, fetched_url=url, http_status=200, final_url=page.canonical_url or url, page=page)
        checked = _with_network_findings(document, {url: result}, SETTINGS)
        render_everything(Report("check", (checked,), urls=(result,)))


def check_url(url: str, base: str = BASE) -> None:
    """One URL through every function that reads URLs: none raises; the rule and the fetcher agree."""
    parsed = parse(url)
    parse(url, base)
    scheme_of(url)
    fetchable = is_fetchable_url(url)
    invalid = looks_invalid(url)
    try:
        target = prepared_form(url)
    except InvalidTarget:
        target = None
    if fetchable:
        assert not invalid and target is not None, url
    if target is not None:
        assert parse(target) is not None and parse(target).scheme in WEB_SCHEMES
        try:
            prepared = prepare_url(url)
        except InvalidTarget:
            prepared = None
        if prepared is not None:
            host_of(prepared)
            literal_address(parse(prepared).hostname)
    if scheme_of(url) in WEB_SCHEMES and parsed is None:
        assert invalid and not fetchable, url
    for candidate in (checkable_href(url, base), checkable_href(url)):
        if candidate is not None:
            looks_invalid(candidate)
    try:
        resolve_location(base, url)
    except InvalidTarget:
        pass
    for _, found in find_urls(url + " and " + url):
        assert found.startswith(("http://", "https://", "HTTP", "Http")) or found.lower().startswith("http"), found
    clean_url(url)
    url_host(url)
    original_url(url)
    is_rootish(url)
    origin_of(url)
    probe_url(url, "tok")
    redirect_reason(url, base)
    redirect_reason(base, url)
    Remapper([("example", "example")], exclude=["x"]).remap(url)
    extraction = Extraction(references=(Reference("1", 1, "t", "s", url, None),), links=(Link(url, 2),))
    findings = reference_findings(extraction)
    if invalid:
        assert any(f.rule == "invalid-url" for f in findings), url
    render_everything(Report("extract", (DocumentReport(Document(url or "x", Format.TEXT, url), extraction, tuple(findings)),)))


def check_report_json(mutation: object, path: tuple[int, ...]) -> None:
    """`refcheck merge` reading a damaged or hostile JSON report: a ValueError/KeyError/TypeError (one line, exit 2,
    as the CLI catches them) or a report every reporter renders."""
    from tests.report.sample_report import sample_report

    payload = json.loads(json_report.render(sample_report()))
    _mutate(payload, mutation, path)
    try:
        report = json_report.from_dict(payload)
    except (ValueError, KeyError, TypeError):
        return
    render_everything(merge_reports([report, report]))


def _mutate(payload: object, value: object, path: tuple[int, ...]) -> None:
    """Replace the node that `path` picks (each number chooses a child, wrapping) by `value`."""
    node = payload
    for step in path:
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node)) if isinstance(node, list) else []
        if not children:
            return
        key, child = children[step % len(children)]
        if not isinstance(child, (dict, list)) or step == path[-1]:
            node[key] = value
            return
        node = child
    if isinstance(node, dict):
        node["extra"] = value


def check_report_strings(title: str, message: str, path: str, url: str) -> None:
    """A report whose every string is hostile: no reporter raises or passes a hidden character through."""
    reference = Reference("1", 1, title, message, url, "2026-11-20")
    result = FetchResult(url, UrlStatus.OK, fetched_url=url, http_status=200, final_url=url,
                         page=PageFacts(title=title, site_name=message))
    from refcheck.rules.registry import finding

    findings = (finding("title-mismatch", message, line=1, url=url, ref="1",
                        evidence={"cited_title": title, "page_title": message}),
                finding("dead-link", title, line=2, url=url))
    document = DocumentReport(Document(path or "x", Format.MARKDOWN, ""),
                              Extraction((reference,), (), (Link(url, 2, text=title),), (), has_markers=False), findings)
    report = Report("check", (document,), urls=(result,), notices=(message,))
    render_everything(report)
    assert json.loads(json_report.render(report))["urls"][0]["title"] == title  # the JSON keeps the exact text
    render_everything(replace(report, command="extract"))

