"""Build PDFs for tests with reportlab: Japanese (built-in CID fonts, no font files) or English, several pages,
a heading in a larger size, metadata title present / placeholder / absent, optionally encrypted."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

import pytest

reportlab = pytest.importorskip("reportlab")  # the `test` extra installs it

from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: E402
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer  # noqa: E402

MINCHO, GOTHIC = "HeiseiMin-W3", "HeiseiKakuGo-W5"
for _font in (MINCHO, GOTHIC):
    pdfmetrics.registerFont(UnicodeCIDFont(_font))

NO_TITLE = None  # reportlab then writes its own placeholder, "(anonymous)", as real generators write theirs

TITLE = "令和6年度 人工知能戦略の実施状況に関する報告書"
JA_PAGES = [
    "政府は人工知能戦略本部において、行政機関における生成AIの利活用を進めるための基本方針を取りまとめた。"
    "各府省は本方針に基づき、業務の効率化と安全性の確保を両立させる取組を段階的に実施する。",
    "第二章では、地方公共団体における導入事例を紹介する。窓口業務の自動応答、議事録の作成支援、"
    "統計資料の要約など、十八の団体で実証が行われた。",
    "令和6年度の関連予算の総額は1兆2000億円で、前年度から15%増加した。このうち研究開発への配分が最も大きく、"
    "人材育成と計算基盤の整備がこれに続いている。",
]


def varied_pages(count: int) -> list[str]:
    """Pages of text that does not repeat (repeated text compresses to nothing, and a cut would spare every page)."""
    words = "政府予算計画統計調査報告地方自治体行政技術研究開発人材育成基盤整備安全評価制度改革経済成長社会保障教育医療環境"
    return ["".join(f"第{n}章の項目{i}では、{words[(n * 7 + i * 3) % 40:][:6]}に関する件数が{(n * 131 + i * 977) % 9000 + 100}件"
                    f"となった。" for i in range(25)) for n in range(1, count + 1)]


def make_pdf(pages: list[str], *, title: str | None = NO_TITLE, heading: str | None = None, japanese: bool = True,
             heading_size: float = 20, body_size: float = 10.5, user_password: str | None = None,
             owner_password: str | None = None) -> bytes:
    """A PDF with one page per item of `pages` (paragraphs separated by blank lines), `heading` on the first page
    in a larger size, and `title` as its metadata title."""
    out = io.BytesIO()
    encrypt = None
    if user_password is not None or owner_password is not None:
        from reportlab.lib.pdfencrypt import StandardEncryption

        encrypt = StandardEncryption(user_password or "", owner_password or "owner-secret", canCopy=0)
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, encrypt=encrypt,
                                 **({"title": title} if title is not None else {}))
    body_font, heading_font = (MINCHO, GOTHIC) if japanese else ("Helvetica", "Helvetica-Bold")
    wrap = "CJK" if japanese else None
    body = ParagraphStyle("body", fontName=body_font, fontSize=body_size, leading=body_size * 1.6, wordWrap=wrap)
    big = ParagraphStyle("heading", fontName=heading_font, fontSize=heading_size, leading=heading_size * 1.4,
                         wordWrap=wrap)
    story: list = []
    if heading:
        story += [Paragraph(escape(heading), big), Spacer(1, 12)]
    for index, text in enumerate(pages):
        if index:
            story.append(PageBreak())
        story += [Paragraph(escape(paragraph), body) for paragraph in text.split("\n\n") if paragraph.strip()]
    document.build(story)
    return out.getvalue()


def blank_pdf(page_count: int = 1) -> bytes:
    """Pages with a drawn rectangle and no text at all: a scan without a text layer, as far as text goes."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    drawing = canvas.Canvas(out, pagesize=A4)
    for _ in range(page_count):
        drawing.rect(100, 100, 300, 400, fill=1)
        drawing.showPage()
    drawing.save()
    return out.getvalue()
