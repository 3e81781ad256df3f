"""refcheck.pdf: titles (metadata, placeholders, the largest line), page starts, wrapped lines, and every way a PDF can
be unreadable — each PDF built here with reportlab."""

from __future__ import annotations

import io

import pytest

from refcheck.pdf import MAX_PAGES, is_pdf, is_placeholder_title, read_pdf
from tests.pdfs import JA_PAGES, TITLE, blank_pdf, make_pdf, varied_pages

EN_PAGES = [
    "The committee reviewed the national strategy for artificial intelligence and agreed on a plan that sets out how "
    "public agencies should adopt generative models while keeping personal data safe and services reliable.",
    "Chapter two describes pilot projects in local government, including automated answers at service counters, "
    "draft minutes of council meetings, and summaries of statistical releases in eighteen municipalities.",
]


def pages_of(page) -> list[str]:
    starts = [*page.page_starts, len(page.main_text)]
    return [page.main_text[a:b].strip() for a, b in zip(starts, starts[1:])]


def squeeze(text: str) -> str:
    return "".join(text.split())


# ── titles ─────────────────────────────────────────────────────────────────────────────────────────────────────


def test_a_real_metadata_title_is_the_title():
    reading = read_pdf(make_pdf(JA_PAGES, title=TITLE, heading="はじめに"), "http://x/a.pdf")
    assert reading.reason is None
    assert reading.page.title == TITLE
    assert reading.page.content_type == "application/pdf"
    assert reading.page.language == "ja"


def test_a_placeholder_title_gives_way_to_the_largest_line_of_the_first_page():
    body = make_pdf(JA_PAGES, title="Microsoft Word - 資料1.docx", heading=TITLE)
    page = read_pdf(body, "http://x/a.pdf").page
    assert page.title == TITLE
    assert "Microsoft Word" not in " ".join(page.title_candidates)


def test_no_metadata_title_and_a_two_line_heading_joins_the_lines():
    heading = "デジタル社会の実現に向けた重点計画の改定について 各府省における人工知能の安全な利活用のための指針"
    page = read_pdf(make_pdf(JA_PAGES, heading=heading, heading_size=24), "http://x/a.pdf").page
    assert page.title is not None and squeeze(page.title) == squeeze(heading)  # wrapped at 24 pt: two lines


def test_without_a_title_or_a_larger_line_there_is_no_title():
    page = read_pdf(make_pdf(JA_PAGES), "http://x/a.pdf").page  # metadata "(anonymous)", one font size throughout
    assert page.title is None and page.title_candidates == ()
    assert page.main_text  # the text is still read


def test_a_label_in_the_largest_size_is_not_a_title():
    page = read_pdf(make_pdf(JA_PAGES, title="Microsoft Word - 資料1.docx", heading="資料１"), "http://x/a.pdf").page
    assert page.title is None  # "資料１" (full-width digit) marks the handout; it names no document


def test_an_english_heading_is_found_too():
    page = read_pdf(make_pdf(EN_PAGES, japanese=False, title="Untitled", heading="National AI Strategy: 2024 Review"),
                    "http://x/a.pdf").page
    assert page.title == "National AI Strategy: 2024 Review"
    assert page.language is None  # Latin text: no guess


@pytest.mark.parametrize("title", [
    "", "   ", "Microsoft Word - 資料1.docx", "Microsoft PowerPoint - 概要.pptx", "Untitled", "untitled document",
    "スライド 1", "Slide 1", "PowerPoint Presentation", "PowerPoint プレゼンテーション", "資料1", "資料1-2", "文書 1",
    "houkokusho_2024.pdf", "C:\\Users\\tanaka\\Desktop\\案.docx", "無題", "---", "Book1", "anonymous", "(anonymous)",
])
def test_generator_placeholders_are_recognised(title):
    assert is_placeholder_title(title)


@pytest.mark.parametrize("title", [
    TITLE, "資料1 人工知能戦略の概要", "Annual Report 2023", "PDF Association Annual Report", "Presentation skills for engineers",
    "Word embeddings: a survey", "令和6年度補正予算（案）の概要",
])
def test_real_titles_are_not_placeholders(title):
    assert not is_placeholder_title(title)


# ── text and pages ─────────────────────────────────────────────────────────────────────────────────────────────


def test_page_starts_point_at_each_page_and_the_count_is_right():
    page = read_pdf(make_pdf(JA_PAGES, title=TITLE), "http://x/a.pdf").page
    assert page.page_count == 3 and len(page.page_starts) == 3 and page.page_starts[0] == 0
    texts = pages_of(page)
    for written, read in zip(JA_PAGES, texts):
        assert squeeze(written) == squeeze(read)


def test_wrapped_lines_are_joined_so_a_sentence_and_its_number_stay_whole():
    page = read_pdf(make_pdf(JA_PAGES, title=TITLE), "http://x/a.pdf").page
    third = pages_of(page)[2]
    # The paragraph wraps over several lines at A4 width; joined, each sentence is on one line.
    assert "令和6年度の関連予算の総額は1兆2000億円で、前年度から15%増加した。" in third.split("\n")[0]


def test_english_lines_are_joined_with_spaces():
    page = read_pdf(make_pdf(EN_PAGES, japanese=False, title="AI review"), "http://x/a.pdf").page
    assert EN_PAGES[0] in page.main_text.split("\n")  # one line, words separated by single spaces


def test_a_long_pdf_is_read_up_to_the_page_limit_and_says_so():
    pages = [f"これは第{n}ページの本文です。統計の数値は{n * 7}件でした。" for n in range(1, 13)]
    reading = read_pdf(make_pdf(pages, title=TITLE), "http://x/a.pdf", max_pages=5)
    assert reading.page.page_count == 12 and len(reading.page.page_starts) == 5
    assert "第5ページ" in reading.page.main_text and "第6ページ" not in reading.page.main_text
    assert reading.reason == "long PDF: text from the first 5 of 12 pages (the 5-page limit)"


def test_a_2000_page_pdf_is_read_for_its_first_300_pages_only():
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    drawing = canvas.Canvas(out)
    for n in range(1, 2001):
        drawing.setFont("HeiseiMin-W3", 10.5)
        drawing.drawString(50, 700, f"第{n}ページの本文。")
        drawing.showPage()
    drawing.save()
    reading = read_pdf(out.getvalue(), "http://x/annual.pdf")
    assert reading.page.page_count == 2000 and len(reading.page.page_starts) == MAX_PAGES == 300
    assert "第300ページ" in reading.page.main_text and "第301ページ" not in reading.page.main_text
    assert reading.reason == "long PDF: text from the first 300 of 2000 pages (the 300-page limit)"


def test_the_time_budget_stops_the_reading_between_pages(monkeypatch):
    from refcheck import pdf

    clock = iter(range(100))  # each look at the clock: one second later
    monkeypatch.setattr(pdf, "monotonic", lambda: float(next(clock)))
    reading = read_pdf(make_pdf(JA_PAGES, title=TITLE), "http://x/a.pdf", time_budget=2.5)
    assert reading.reason == "PDF reading stopped after 2.5 s: text from the first 2 of 3 pages"
    assert len(reading.page.page_starts) == 2 and "1兆2000億円" not in reading.page.main_text


def test_a_pdf_without_text_says_it_has_no_text_layer():
    reading = read_pdf(blank_pdf(2), "http://x/scan.pdf")
    assert reading.page.main_text == "" and reading.page.page_count == 2
    assert reading.reason == "PDF has no text layer (scanned images?)"


# ── unreadable PDFs: a reason, never an exception ──────────────────────────────────────────────────────────────


def test_a_pdf_that_needs_a_password_is_encrypted_and_unread():
    reading = read_pdf(make_pdf(JA_PAGES, title=TITLE, user_password="secret"), "http://x/a.pdf")
    assert reading.reason == "encrypted PDF: text not readable"
    assert reading.page.main_text == "" and reading.page.title is None
    assert reading.page.content_type == "application/pdf"


def test_a_pdf_with_only_an_owner_password_is_read():
    # Copy-protected but openable: common for ministry PDFs; the empty user password opens it.
    reading = read_pdf(make_pdf(JA_PAGES, title=TITLE, owner_password="owner"), "http://x/a.pdf")
    assert reading.reason is None and reading.page.title == TITLE
    assert "1兆2000億円" in reading.page.main_text


def test_a_truncated_pdf_still_gives_its_first_pages():
    body = make_pdf(varied_pages(8), title=TITLE)
    cut = body[: len(body) * 6 // 10]
    reading = read_pdf(cut, "http://x/a.pdf")
    assert reading.page.page_count == 8 and reading.page.title == TITLE
    assert "第1章" in reading.page.main_text and "第8章" not in reading.page.main_text
    read = sum(1 for n in range(1, 9) if f"第{n}章" in reading.page.main_text)
    assert 1 <= read < 8
    assert reading.reason == f"PDF damaged or truncated: text from {read} of 8 pages"
    at_cap = read_pdf(cut, "http://x/a.pdf", truncated=True)
    assert at_cap.reason == f"PDF truncated at the size cap: text from {read} of 8 pages"


def test_a_pdf_cut_before_its_page_tree_is_not_readable():
    body = make_pdf(varied_pages(2), title=TITLE)
    reading = read_pdf(body[:400], "http://x/a.pdf", truncated=True)
    assert reading.page.main_text == "" and reading.reason.startswith("PDF truncated at the size cap: ")


@pytest.mark.parametrize("body", [b"", b"%PDF-1.7\n", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\n", b"\x00" * 2000,
                                  b"%PDF-1.5\n" + bytes(range(256)) * 40])
def test_broken_bytes_are_a_reason_not_a_crash(body):
    reading = read_pdf(body, "http://x/broken.pdf")
    assert reading.page.content_type == "application/pdf" and reading.page.main_text == ""
    assert reading.reason is not None and ("damaged" in reading.reason or "no pages" in reading.reason)


# ── recognising a PDF ──────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("content_type, head, expected", [
    ("application/pdf", b"", True),
    ("Application/PDF; charset=binary", b"", True),
    ("application/octet-stream", b"%PDF-1.7\n", True),
    (None, b"%PDF-1.4", True),
    ("application/octet-stream", b"\xef\xbb\xbfjunk before %PDF-1.4", True),
    ("text/html", b"  %PDF-1.4\n", True),
    ("text/html", b"<html><p>how %PDF-1.4 headers work</p>", False),  # a page about PDFs is not a PDF
    ("image/png", b"\x89PNG\r\n", False),
    ("application/json", b'{"a": 1}', False),
])
def test_is_pdf_by_type_or_magic_bytes(content_type, head, expected):
    assert is_pdf(content_type, head) is expected
