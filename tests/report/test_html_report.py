"""The HTML report: parsed back with a real HTML parser, and opened in headless Chromium (filters, sorting, no XSS)."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from refcheck.models import (Claim, Document, DocumentReport, Extraction, FetchResult, Format, Link, PageFacts, Reference,
                             Report, UrlStatus)
from refcheck.pipeline import check_paths, extract_paths
from refcheck.report import html
from refcheck.rules.registry import finding
from refcheck.settings import CacheSettings, FetchSettings, Settings
from tests.browser import headless_chromium, save_screenshot
from tests.webserver import WebServer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ai-policy-ja.txt"
XSS_TITLE = '<script>window.__xss = 1; alert("xss")</script>'
XSS_SITE = '<img src=x onerror="window.__xss = 2; alert(2)">'
XSS_PAGE_TITLE = '</td></tr><script>window.__xss = 3</script>'
JS_URL = "javascript:alert(document.domain)"


def _ok(url: str, title: str) -> FetchResult:
    return FetchResult(url, UrlStatus.OK, http_status=200, page=PageFacts(title=title))


def check_report() -> Report:
    """Two documents with every kind of row, status, severity and claim verdict, and hostile text in every field."""
    references = (
        Reference("1", 20, "政府、AI基本計画を閣議決定", "例新聞", "https://news.example/plan"),
        Reference("2", 21, XSS_TITLE, XSS_SITE, "https://evil.example/x"),
        Reference("10", 22, "Gone article", "News", "https://news.example/gone"),
        Reference("3", 23, "Members only", "Paywall", "https://blocked.example/a"),
        Reference("4", 24, "Printed only", "Journal", None),
        Reference("5", 25, "Script link", "Evil", JS_URL),
    )
    claims = (
        Claim("AI人材を三万人育成する。", 3, refs=("1",), check_worthy=True),
        Claim("削除された記事によれば予算は2兆円。", 4, refs=("10",), check_worthy=True),
        Claim("経済産業省は5年で1兆円を支援する。", 5, refs=("1",), check_worthy=True),
        Claim("研究者は約2万人いる。", 6, check_worthy=True),
        Claim("It was <b>bold</b>.", 7, refs=("2",)),
        Claim("Turnout was 70%.", 8, check_worthy=True),
        Claim("Revenue grew 12% in 2025.", 8, refs=("1",), check_worthy=True),
    )
    findings = (
        finding("unverifiable-claim", "Cannot be verified: no cited source could be read (10: dead).", line=4, ref="10",
                evidence={"claim": claims[1].text, "unreadable": ["10: dead (HTTP 404)"]}),
        finding("unsupported-claim", "Partly supported by the cited source: the source says 5,000億円 where the claim says 1兆円.",
                line=5, ref="1", evidence={"claim": claims[2].text, "verdict": "partly-supported", "score": 0.6,
                                           "contradictions": [["1兆円", "5,000億円"]], "missing": []}),
        finding("uncited-claim", "Factual claim cites no source.", line=6, evidence={"sentence": claims[3].text}),
        finding("uncited-claim", "Factual claim cites no source: <i>turnout</i>.", line=8, evidence={"sentence": claims[5].text}),
        finding("title-mismatch", "the page's title is not the cited one", line=21, ref="2", url="https://evil.example/x",
                evidence={"cited_title": XSS_TITLE, "page_title": XSS_PAGE_TITLE, "score": 0.1}),
        finding("dead-link", "dead link: HTTP 404 Not Found", line=22, ref="10", url="https://news.example/gone"),
        finding("blocked", "could not verify: HTTP 403", line=23, ref="3", url="https://blocked.example/a"),
        finding("no-url", "reference [4] has no URL", line=24, ref="4"),
        finding("invalid-url", f"{JS_URL!r} is not a URL that can be fetched", line=25, ref="5", url=JS_URL),
    )
    article = DocumentReport(
        Document("notes/記事.md", Format.MARKDOWN, ""),
        Extraction(references=references, claims=claims,
                   links=(Link("https://other.example/page", 2, "他の記事"), Link("https://news.example/plan", 20, ref="1"))),
        findings,
    )
    second = DocumentReport(Document("docs/<b>second</b>.md", Format.MARKDOWN, ""),
                            Extraction(references=(Reference("1", 3, "Second doc source", "Site", "https://news.example/plan"),)))
    urls = (
        _ok("https://news.example/plan", "政府、AI基本計画を閣議決定 | 例新聞"),
        _ok("https://evil.example/x", XSS_PAGE_TITLE),
        FetchResult("https://news.example/gone", UrlStatus.DEAD, http_status=404, reason="HTTP 404 Not Found"),
        FetchResult("https://blocked.example/a", UrlStatus.BLOCKED, http_status=403, reason="HTTP 403 Forbidden"),
        _ok("https://other.example/page", "Other page"),
    )
    return Report("check", (article, second), urls=urls, notices=("note with <script>alert(0)</script>",))


def parse(page: str) -> HTMLParser:
    return HTMLParser(page)


def table_rows(tree: HTMLParser):
    return tree.css("#ref-table tbody tr")


def header_names(tree: HTMLParser) -> list[str]:
    return [th.text(strip=True) for th in tree.css("#ref-table thead th")]


# ── the page, parsed back ─────────────────────────────────────────────────────────────────────────────────────


def test_every_reference_and_every_uncited_prose_link_is_one_row():
    tree = parse(html.render(check_report()))
    rows = table_rows(tree)
    # 6 + 1 references, plus the prose link that no reference cites (the other link belongs to reference 1).
    assert len(rows) == 8
    assert header_names(tree) == ["Document", "ID", "Line", "Cited title", "Site", "URL", "Status", "Page title", "Findings"]
    statuses = [row.attributes["data-status"] for row in rows]
    assert statuses == ["ok", "ok", "dead", "blocked", "no URL", "not fetched", "ok", "ok"]
    gone = rows[2]
    assert "dead-link" in gone.text() and gone.attributes["data-severities"] == "error"
    assert "HTTP 404 Not Found" in gone.text()
    # Claim findings belong to the claims section, not to the source's row.
    assert "unsupported-claim" not in rows[0].text()


def test_hostile_text_is_shown_as_text_and_nothing_of_it_runs():
    page = html.render(check_report())
    tree = parse(page)
    scripts = tree.css("script")
    assert len(scripts) == 1 and scripts[0].text() == html.SCRIPT
    assert tree.css("img") == [] and not any("onerror" in (node.attributes or {}) for node in tree.css("*"))
    row = table_rows(tree)[1]
    cells = [cell.text() for cell in row.css("td")]
    assert cells[3] == XSS_TITLE and cells[4] == XSS_SITE and cells[7] == XSS_PAGE_TITLE
    assert tree.css_first(".notice").text() == "note with <script>alert(0)</script>"
    assert "docs/<b>second</b>.md" in [h.text(deep=False).strip() for h in tree.css("#findings h3")]
    # A javascript: URL is shown, never made a link.
    assert all(not a.attributes["href"].lower().startswith("javascript") for a in tree.css("a"))
    assert JS_URL in table_rows(tree)[5].text()


def test_the_policy_allows_exactly_the_pages_own_style_and_script():
    tree = parse(html.render(check_report()))
    policy = tree.css_first('meta[http-equiv="Content-Security-Policy"]').attributes["content"]

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert f"script-src {digest(tree.css_first('script').text())};" in policy
    assert f"style-src {digest(tree.css_first('style').text())};" in policy
    assert "default-src 'none'" in policy


def test_each_claim_gets_its_verdict():
    report = check_report()
    verdicts = html.claim_verdicts(report.documents[0], checked=True, results={r.url: r for r in report.urls})
    assert [(v.claim.line, v.verdict) for v in verdicts] == [
        # line 7 is not check-worthy but cites a readable source: a check verifies it too, and found nothing
        (3, "supported"), (4, "unverifiable"), (5, "partly supported"), (6, "uncited"), (7, "supported"),
        (8, "uncited"), (8, "supported"),  # two sentences on one line: the finding quotes the first
    ]
    uncited_opinion = html.claim_verdicts(report.documents[0], checked=False, results={})
    assert (7, "not check-worthy") in [(v.claim.line, v.verdict) for v in uncited_opinion]
    tree = parse(html.render(report))
    shown = [(row.css("td")[0].text(), row.attributes["data-verdict"]) for row in tree.css("table.claims tbody tr")]
    assert shown == [(str(v.claim.line), v.verdict) for v in verdicts]


def test_a_claim_whose_sources_could_not_be_read_is_not_called_supported():
    report = check_report()
    claim = Claim("Members say 3 things.", 9, refs=("3",), check_worthy=True)  # reference 3 is blocked, no finding
    document = report.documents[0]
    extraction = Extraction(references=document.extraction.references, claims=(claim,))
    verdicts = html.claim_verdicts(DocumentReport(document.document, extraction), checked=True,
                                   results={r.url: r for r in report.urls})
    assert verdicts[0].verdict == "not checked"


def test_findings_are_grouped_by_document_with_their_evidence():
    tree = parse(html.render(check_report()))
    items = tree.css("#findings li.finding")
    assert len(items) == len(check_report().documents[0].findings)
    wheres = [item.css_first(".where").text() for item in items]
    assert wheres[0] == "notes/記事.md:4" and "notes/記事.md:25" in wheres
    partly = next(item for item in items if item.attributes["data-rule"] == "unsupported-claim")
    assert "the claim says 1兆円; the source says 5,000億円" in partly.text()
    assert "経済産業省は5年で1兆円を支援する。" in partly.text()
    mismatch = next(item for item in items if item.attributes["data-rule"] == "title-mismatch")
    assert XSS_TITLE in mismatch.text() and XSS_PAGE_TITLE in mismatch.text()
    assert [h.css_first(".small").text() for h in tree.css("#findings h3")] == ["(markdown, 9 findings)", "(markdown, 0 findings)"]


def test_summary_charts_count_statuses_and_findings():
    tree = parse(html.render(check_report()))
    charts = {figure.css_first("h3").text(): {g.attributes["data-label"]: int(g.attributes["data-count"])
                                               for g in figure.css("g.row")} for figure in tree.css("figure.chart")}
    assert charts["References by URL status"] == {"ok": 4, "dead": 1, "blocked": 1, "no URL": 1, "not fetched": 1}
    assert charts["Findings by severity"] == {"error": 2, "warning": 6, "info": 1}
    assert charts["Findings by rule"]["uncited-claim"] == 2 and sum(charts["Findings by rule"].values()) == 9
    assert charts["Claims by verdict"]["supported"] == 3  # line 7 is cited: verified though not check-worthy


def test_bars_are_scaled_to_the_largest():
    tree = parse(html.bar_chart("t", [("a", 4, "good"), ("b", 1, "bad"), ("c", 0, "muted")], bar_width=200))
    widths = [int(rect.attributes["width"]) for rect in tree.css("rect")]
    assert widths == [200, 50, 0]


def test_an_extract_report_has_no_statuses_and_claims_are_not_yet_checked():
    report = extract_paths([str(EXAMPLE)], Settings())
    page = html.render(report)
    tree = parse(page)
    extraction = report.documents[0].extraction
    assert len(table_rows(tree)) == len(html.reference_rows(report.documents[0], {}))
    assert len(table_rows(tree)) >= len(extraction.references) > 0
    assert "Status" not in header_names(tree) and tree.css_first("#filter-status") is None
    assert "References by URL status" not in page
    verdicts = {row.attributes["data-verdict"] for row in tree.css("table.claims tbody tr")}
    assert "supported" not in verdicts and "not checked" in verdicts
    # Japanese survives: UTF-8 declared first thing, the titles as written, a Japanese font in the stack.
    assert page.index('<meta charset="utf-8">') < 200
    assert extraction.references[0].title in table_rows(tree)[0].text()
    assert "Hiragino Sans" in html.CSS and "Noto Sans CJK JP" in html.CSS


# ── the page, in a real browser ───────────────────────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


def _visible_ids(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#ref-table tbody tr'))"
        ".filter(r => !r.hidden && r.offsetParent !== null).map(r => r.cells[1].textContent.trim());")


def _type(element, text: str) -> None:
    from selenium.webdriver.common.keys import Keys

    element.send_keys(Keys.CONTROL, "a")
    element.send_keys(Keys.BACKSPACE)
    if text:
        element.send_keys(text)


def test_the_report_works_in_headless_chromium(browser, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    started = time.monotonic()
    path = tmp_path / "report.html"
    path.write_text(html.render(check_report()), encoding="utf-8")
    browser.get(path.as_uri())

    assert browser.execute_script("return location.protocol") == "file:"
    assert browser.execute_script("return document.characterSet") == "UTF-8"
    # Nothing but the file itself was loaded: no font, image, stylesheet or script from anywhere.
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert len(browser.find_elements(By.CSS_SELECTOR, "#ref-table tbody tr")) == 8
    assert _visible_ids(browser) == ["1", "2", "10", "3", "4", "5", "link", "1"]
    assert browser.find_element(By.ID, "shown-count").text == "8 of 8 shown"

    # The hostile title is on screen as text, and none of the injected scripts or handlers ran.
    cell = browser.find_element(By.CSS_SELECTOR, "#ref-table tbody tr:nth-child(2) td:nth-child(4)")
    assert cell.text == XSS_TITLE
    assert browser.execute_script("return typeof window.__xss") == "undefined"
    assert browser.execute_script("return window.__dialogs") == []
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - reading it is the check

    text_filter = browser.find_element(By.ID, "filter-text")
    _type(text_filter, "news.example")
    assert _visible_ids(browser) == ["1", "10", "1"]
    _type(text_filter, "他の記事")  # Japanese typed into the box: the prose link's anchor text
    assert _visible_ids(browser) == ["link"]
    assert browser.find_element(By.ID, "shown-count").text == "1 of 8 shown"
    _type(text_filter, "")
    assert len(_visible_ids(browser)) == 8

    status = Select(browser.find_element(By.ID, "filter-status"))
    status.select_by_value("dead")
    assert _visible_ids(browser) == ["10"]
    status.select_by_value("ok")
    assert _visible_ids(browser) == ["1", "2", "link", "1"]
    status.select_by_value("")
    severity = Select(browser.find_element(By.ID, "filter-severity"))
    severity.select_by_value("error")
    assert _visible_ids(browser) == ["10", "5"]
    severity.select_by_value("none")
    assert _visible_ids(browser) == ["1", "link", "1"]
    severity.select_by_value("")

    line_header = browser.find_element(By.XPATH, "//table[@id='ref-table']//th[button='Line']")
    line_header.find_element(By.TAG_NAME, "button").click()
    lines = browser.execute_script(
        "return Array.from(document.querySelectorAll('#ref-table tbody tr')).map(r => Number(r.cells[2].textContent))")
    assert lines == sorted(lines) and lines[0] == 2 and line_header.get_attribute("aria-sort") == "ascending"
    line_header.find_element(By.TAG_NAME, "button").click()
    lines = browser.execute_script(
        "return Array.from(document.querySelectorAll('#ref-table tbody tr')).map(r => Number(r.cells[2].textContent))")
    assert lines == sorted(lines, reverse=True) and line_header.get_attribute("aria-sort") == "descending"
    browser.find_element(By.XPATH, "//table[@id='ref-table']//th[button='ID']/button").click()
    assert _visible_ids(browser)[:6] == ["1", "1", "2", "3", "4", "5"]  # numbers in number order: 10 after 5

    problems = [entry["message"] for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
    assert problems == []
    shot = save_screenshot(browser, tmp_path / "report.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    assert time.monotonic() - started < 15


def test_a_real_check_of_the_example_renders_in_chromium(browser, tmp_path):
    """The example export checked end to end against its pages served on loopback, then shown in the browser."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    with WebServer() as server:
        server.serve_directory(ROOT / "examples" / "pages", prefix="/")
        remap = (r"^https?://([^/]+)/(.*)$", server.base_url + "/$1/$2")
        settings = Settings(fetch=FetchSettings(allow_private=True, retries=0, timeout=5, remaps=(remap,)),
                            cache=CacheSettings(enabled=False))
        report = check_paths([str(EXAMPLE)], settings)
    path = tmp_path / "example.html"
    path.write_text(html.render(report), encoding="utf-8")
    browser.get(path.as_uri())
    expected = html.reference_rows(report.documents[0], {r.url: r for r in report.urls})
    assert len(browser.find_elements(By.CSS_SELECTOR, "#ref-table tbody tr")) == len(expected)
    Select(browser.find_element(By.ID, "filter-status")).select_by_value("dead")
    assert len(_visible_ids(browser)) == sum(row.status == "dead" for row in expected) > 0
    assert browser.execute_script("return window.__dialogs") == []
    shot = save_screenshot(browser, tmp_path / "example.png")
    if os.environ.get("REFCHECK_SCREENSHOT"):  # a copy for a person to look at
        Select(browser.find_element(By.ID, "filter-status")).select_by_value("")
        shutil.copy(save_screenshot(browser, tmp_path / "example-all.png"), os.environ["REFCHECK_SCREENSHOT"])
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
