"""PDF sources through the whole pipeline on a loopback server: title-mismatch, unsupported-claim (with the page
number) and the appendix work on PDFs as on web pages; images, feeds and unreadable PDFs get no title verdict."""

from __future__ import annotations

from datetime import date

import pytest

from refcheck.models import UrlStatus
from refcheck.report.appendix import Verification, build_entries
from tests.answers import check_answer
from tests.pdfs import JA_PAGES, TITLE, make_pdf, varied_pages
from tests.webserver import Reply, WebServer

OTHER = "令和6年度 地方財政の見通しと課題に関する中間報告"
PLACEHOLDER_HEADING = "生成AIの行政利用に関するガイドライン（第2版）"
FEED = b'{"version": "https://jsonfeed.org/version/1.1", "title": "AI news", "items": []}'
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000

# ref → (cited title, path, reply)
SOURCES = {
    "1": (TITLE, "/same.pdf"),
    "2": (PLACEHOLDER_HEADING, "/placeholder.pdf"),
    "3": (TITLE, "/other.pdf"),
    "4": (TITLE, "/budget.pdf"),
    "5": (TITLE, "/download"),
    "6": (TITLE, "/secret.pdf"),
    "7": (TITLE, "/cut.pdf"),
    "8": (TITLE, "/figure.png"),
    "9": (TITLE, "/feed.json"),
}


def routes() -> dict[str, Reply]:
    pdf = "application/pdf"
    report = make_pdf(JA_PAGES, title=TITLE)
    cut = make_pdf(varied_pages(8), title=TITLE)
    return {
        "/same.pdf": Reply(200, report, content_type=pdf),
        "/placeholder.pdf": Reply(200, make_pdf(JA_PAGES, title="Microsoft Word - 資料1.docx",
                                                heading=PLACEHOLDER_HEADING), content_type=pdf),
        "/other.pdf": Reply(200, make_pdf(JA_PAGES, title=OTHER), content_type=pdf),
        "/budget.pdf": Reply(200, report, content_type=pdf),
        "/download": Reply(200, report, content_type="application/octet-stream"),
        "/secret.pdf": Reply(200, make_pdf(JA_PAGES, title=TITLE, user_password="pw"), content_type=pdf),
        "/cut.pdf": Reply(200, cut[: len(cut) * 6 // 10], content_type=pdf),
        "/figure.png": Reply(200, PNG, content_type="image/png"),
        "/feed.json": Reply(200, FEED, content_type="application/feed+json"),
    }


def answer(server: WebServer) -> list[str]:
    lines = [
        "Assistant: 回答 edit",
        "令和6年度の関連予算の総額は1兆2000億円で、前年度から15%増加した。[4]",
        "令和6年度の関連予算の総額は1兆5000億円で、前年度から15%増加した。[5]",
        "政府は2024年、生成AIの利活用に関する基本方針を18の府省で実施すると発表した。[6]",
        "生成AIの利活用に関する基本方針は2024年に18の団体で実証された。[8]",
        "関連資料は次のとおり。[1][2][3][7][9]",
        "References edit",
    ]
    return lines + [f'- ↑ "{title}". 内閣府. Retrieved 2026-11-20. {server.url(path)}' for title, path in SOURCES.values()]


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    return check_answer(tmp_path_factory.mktemp("pdf-e2e"), routes(), answer)


def findings(report, rule: str) -> dict[str, object]:
    return {f.ref: f for f in report.documents[0].findings if f.rule == rule}


def by_path(report) -> dict[str, object]:
    return {"/" + r.url.rsplit("/", 1)[-1]: r for r in report.urls}


def test_every_source_is_ok_as_a_link(checked):
    statuses = {path: result.status for path, result in by_path(checked).items()}
    assert statuses == {path: UrlStatus.OK for _, path in SOURCES.values()}
    assert not findings(checked, "dead-link") and not findings(checked, "soft-404")


def test_title_mismatch_fires_only_for_the_pdf_with_another_title(checked):
    mismatches = findings(checked, "title-mismatch")
    assert set(mismatches) == {"3"}
    assert mismatches["3"].evidence["page_title"] == OTHER


def test_a_placeholder_metadata_title_gives_way_to_the_first_page_heading(checked):
    results = by_path(checked)
    assert results["/placeholder.pdf"].page.title == PLACEHOLDER_HEADING
    assert results["/download"].page.content_type == "application/pdf"  # octet-stream: the magic bytes won


def test_a_number_on_page_three_supports_the_claim_and_a_wrong_one_is_reported_with_the_page(checked):
    unsupported = findings(checked, "unsupported-claim")
    assert "4" not in unsupported  # 1兆2000億円 is on p. 3 of the budget PDF
    wrong = unsupported["5"]
    assert wrong.evidence["contradictions"] == [["1兆5000億円", "1兆2000億円"]]
    assert wrong.evidence["page"] == 3 and "p. 3" in wrong.message


def test_unreadable_sources_make_claims_unverifiable_with_the_reason(checked):
    unverifiable = findings(checked, "unverifiable-claim")
    assert set(unverifiable) == {"6", "8"}
    assert "encrypted PDF: text not readable" in unverifiable["6"].message
    assert "no readable text" in unverifiable["8"].message  # an image
    results = by_path(checked)
    assert results["/figure.png"].page.title is None and results["/feed.json"].page.title is None


def test_a_truncated_pdf_gives_its_first_pages_and_says_so(checked):
    cut = by_path(checked)["/cut.pdf"]
    assert cut.page.page_count == 8 and "第1章" in cut.page.main_text
    assert cut.reason.startswith("PDF damaged or truncated: text from ")


def test_the_appendix_lists_pdfs_like_pages(checked):
    entries = {entry.ref: entry for entry in build_entries(checked, date(2026, 11, 28))}
    assert entries["1"].verification is Verification.VERIFIED and entries["1"].title == TITLE
    assert entries["1"].title_source == "cited" and entries["1"].accessed == "2026-11-28"
    assert entries["3"].title == OTHER and entries["3"].title_source == "page"  # the PDF's own title wins
    assert entries["8"].verification is Verification.VERIFIED and entries["8"].title == TITLE  # cited title kept
