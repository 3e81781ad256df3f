"""A realistic Report built straight from the dataclasses: two documents, Japanese text, most rules and statuses."""

from __future__ import annotations

from refcheck.models import (Claim, Document, DocumentReport, Extraction, FetchResult, Finding, Format, Link, Marker,
                             PageFacts, Redirect, Reference, Report, Severity, UrlStatus)
from refcheck.rules.registry import finding

ANSWER = "docs/answer-ja.txt"
MEMO = "notes/AI 政策メモ.md"  # a space and Japanese: paths must survive URIs, XML and Markdown

URL_PLAN = "https://www.example-news.jp/articles/2026/11/ai-basic-plan.html"
URL_GENNAI = "https://www.example.go.jp/policies/genai/"
URL_WATCH = "https://www.example-watch.jp/docs/news/2026/1120001.html"
URL_OLD = "http://example.org/old-path?a=1,b=2"
URL_TIMEOUT = "https://slow.example.net/report.pdf"
URL_EXCLUDED = "https://internal.example.com/wiki/AI_plan"
URL_SOFT = "https://www.example-biz.jp/article/12345"
URL_BLOCKED = "https://paywalled.example.jp/news/ai"

# A message with every character some format must escape: table pipes, a newline, %, :, , and HTML.
NASTY_MESSAGE = "title differs | 100% sure?\nsecond line: a,b <script>x</script> *bold* `code`"


def _results() -> tuple[FetchResult, ...]:
    return (
        FetchResult(URL_PLAN, UrlStatus.DEAD, fetched_url=URL_PLAN, http_status=404, reason="HTTP 404", elapsed=0.21),
        FetchResult(URL_GENNAI, UrlStatus.OK, fetched_url=URL_GENNAI, http_status=200, final_url=URL_GENNAI,
                    page=PageFacts(title="生成AI利用環境「源内」 | デジタル庁", site_name="デジタル庁"), elapsed=0.4),
        FetchResult(URL_WATCH, UrlStatus.OK, fetched_url=URL_WATCH, http_status=200, final_url=URL_WATCH,
                    page=PageFacts(title="源内に国産翻訳モデル | 例ウォッチ", site_name="例ウォッチ"), elapsed=1.25),
        FetchResult(URL_OLD, UrlStatus.OK, fetched_url=URL_OLD, http_status=200, final_url="https://example.org/new",
                    redirects=(Redirect(URL_OLD, 301),), page=PageFacts(title="New | Example"), elapsed=0.05),
        FetchResult(URL_TIMEOUT, UrlStatus.TIMEOUT, fetched_url=URL_TIMEOUT, reason="read timeout", elapsed=10.0),
        FetchResult(URL_EXCLUDED, UrlStatus.EXCLUDED, reason="excluded by --exclude"),
        FetchResult(URL_SOFT, UrlStatus.SOFT_404, fetched_url=URL_SOFT, http_status=200, final_url="https://www.example-biz.jp/",
                    reason="redirected to the site's home page", page=PageFacts(title="トップページ"), elapsed=0.3),
        FetchResult(URL_BLOCKED, UrlStatus.BLOCKED, fetched_url=URL_BLOCKED, http_status=403, reason="HTTP 403", elapsed=0.1),
    )


def _answer() -> DocumentReport:
    references = (
        Reference("1", 30, "AI基本計画を閣議決定", "例新聞", URL_PLAN, "2026-11-20"),
        Reference("2", 31, "生成AI利用環境「源内」", "デジタル庁", URL_GENNAI, "2026-11-21"),
        Reference("3", 32, "例ウォッチ", "例ウォッチ", URL_WATCH, "2026-11-21"),
        Reference("4", 33, "AI人材育成の方針", "経済産業省", None, None),
        Reference("5", 34, "AI基本計画を閣議決定", "例新聞", URL_PLAN, "2026-11-20"),
    )
    markers = (Marker("1", 8), Marker("2", 10), Marker("3", 11), Marker("9", 12), Marker("4", 14))
    links = (Link(URL_OLD, 20), Link(URL_TIMEOUT, 21), Link(URL_EXCLUDED, 22), Link(URL_PLAN, 30, ref="1"))
    claims = (
        Claim("2027年度までにAI人材を三万人育成する。", 8, refs=("1",), speaker="assistant", check_worthy=True,
              reasons=("number: 三万人",)),
        Claim("日本のAI研究者は約2万人とされる。", 13, speaker="assistant", check_worthy=True, reasons=("number: 約2万人",)),
    )
    findings = (
        finding("uncited-claim", "Factual claim (assistant) cites no source: “日本のAI研究者は約2万人とされる。”", line=13,
                evidence={"sentence": "日本のAI研究者は約2万人とされる。", "reasons": ["number: 約2万人"]}),
        finding("missing-reference", "[9] cites a reference that the list does not have", line=12, ref="9"),
        finding("dead-link", "dead link: HTTP 404", line=30, url=URL_PLAN, ref="1"),
        finding("title-mismatch", NASTY_MESSAGE, line=31, url=URL_GENNAI, ref="2",
                evidence={"cited_title": "生成AI利用環境「源内」", "page_title": "生成AI利用環境「源内」 | デジタル庁", "score": 0.5}),
        finding("generic-title", 'reference [3] is titled only "例ウォッチ", the name of a site, not an article', line=32,
                url=URL_WATCH, ref="3", evidence={"cited_title": "例ウォッチ", "site": "例ウォッチ"}),
        finding("no-url", "reference [4] has no URL: nothing can be fetched to verify it", line=33, ref="4"),
        finding("duplicate-reference", "reference [5] has the same URL as [1] (line 30)", line=34, ref="5", url=URL_PLAN,
                evidence={"duplicate_of": "1"}),
        finding("redirect", "permanently moved to https://example.org/new", line=20, url=URL_OLD,
                evidence={"final_url": "https://example.org/new", "chain": [[URL_OLD, 301]]}),
        finding("unreachable", "could not verify: read timeout", line=21, url=URL_TIMEOUT),
        # No line: a finding about the document as a whole.
        Finding("unverifiable-claim", Severity.INFO, "Cannot be verified: no cited source could be read (no URL).", ref=None),
    )
    document = Document(ANSWER, Format.TEXT, "…")
    return DocumentReport(document, Extraction(references, markers, links, claims, has_markers=True), findings)


def _memo() -> DocumentReport:
    references = (
        Reference("a", 12, "国産LLM開発支援に1兆円", "例ビジネス", URL_SOFT, "2026-11-22"),
        Reference("b", 13, "AI政策の全体像", "例ペイウォール", URL_BLOCKED, "2026-11-22"),
    )
    markers = (Marker("a", 3), Marker("b", 5))
    claims = (Claim("経済産業省は5年間で1兆円を支援する。", 3, refs=("a",), check_worthy=True, reasons=("number: 1兆円",)),)
    findings = (
        finding("unsupported-claim", "Not supported by the cited source: 1兆円 is missing (support 0.12).", line=3, ref="a",
                url=URL_SOFT, evidence={"missing": ["1兆円"], "sentence": "経済産業省は5年間で1兆円を支援する。"}),
        finding("soft-404", "the page answers 200 but is not the cited page: redirected to the site's home page", line=12,
                url=URL_SOFT, ref="a", evidence={"final_url": "https://www.example-biz.jp/"}),
        finding("blocked", "could not verify: HTTP 403", line=13, url=URL_BLOCKED, ref="b"),
    )
    document = Document(MEMO, Format.MARKDOWN, "…")
    return DocumentReport(document, Extraction(references, markers, (), claims, has_markers=True), findings)


def sample_report(command: str = "check") -> Report:
    urls = _results() if command == "check" else ()
    notices = ("2 URLs answered from the cache",) if command == "check" else ()
    return Report(command=command, documents=(_answer(), _memo()), urls=urls, notices=notices)


def all_findings(report: Report) -> list[tuple[str, Finding]]:
    return [(d.document.path, f) for d in report.documents for f in d.findings]
