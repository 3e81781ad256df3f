"""Measure pypdf and pdfminer.six on Japanese and English PDFs: character accuracy, time per page, truncated files.

Run: .venv/bin/python bench/pdf_libraries.py [--corpora DIR] [--pages N] [--rounds N]

The PDFs are built here with reportlab, from real text when ../shared/corpora is next to the checkout (JHARS
reference texts for Japanese, WiCE source sentences for English; built-in text otherwise), in the font kinds real
documents use: reportlab's built-in Japanese CID fonts (HeiseiMin-W3 / HeiseiKakuGo-W5, not embedded, UniJIS-UCS2-H),
an embedded TrueType subset (IPA Gothic, DejaVu Sans, when the machine has them: what Word and LibreOffice write),
and the standard Helvetica; single- and two-column layouts. There are no PDFs in the shared corpora.

Accuracy: rapidfuzz `fuzz.ratio` (normalised Indel similarity, 0..100) of the extracted text against the text
written, after NFKC and with all white space removed ("chars"); for English also with white space collapsed to one
space ("words": merged or split words count). Time: median over rounds of extracting every page, per page.
Truncated: the first half of each PDF's bytes; how many of its pages the library still reads text from.
"refcheck.pdf" is refcheck's reader on top of pypdf (wrapped lines joined, a cut file repaired), without its page
limit or time budget.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import statistics
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rapidfuzz import fuzz  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph  # noqa: E402

DEFAULT_CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
IPA_GOTHIC = Path("/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf")
DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

FALLBACK_JA = [
    "政府は18日、AI戦略本部がまとめた基本計画を閣議決定した。利活用を柱に、行政での導入を進める。",
    "予算は総額1兆2000億円で、前年度より15%増えた。生成AIの安全性評価を担う機関を新設する。",
    "児童労働の主要な要因は貧困であるとされているが、教育の質や雇用主側の都合など、さまざまな要因が絡み合っている。",
] * 40
FALLBACK_EN = [
    "The committee approved the budget of $4.2 billion on Tuesday, an increase of 15 percent over last year.",
    "Media Play News is the voice of the home entertainment industry, covering every aspect of it.",
    "The report, published in March 2024, found that most schools lacked access to qualified teachers.",
] * 40


# ── the texts ──────────────────────────────────────────────────────────────────────────────────────────────────


def japanese_paragraphs(corpora: Path, wanted_chars: int) -> tuple[list[str], str]:
    path = corpora / "jhars" / "annotated_data_relaxed.jsonl"
    if not path.exists():
        return FALLBACK_JA, "built-in"
    paragraphs: list[str] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            for piece in json.loads(line)["reference_text"].split("\n"):
                if piece.strip():
                    paragraphs.append(piece.strip())
            if sum(map(len, paragraphs)) >= wanted_chars:
                break
    return paragraphs, "JHARS reference_text"


def english_paragraphs(corpora: Path, wanted_chars: int) -> tuple[list[str], str]:
    path = corpora / "wice" / "data" / "entailment_retrieval" / "claim" / "dev.jsonl"
    if not path.exists():
        return FALLBACK_EN, "built-in"
    paragraphs: list[str] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            sentences = [s for s in json.loads(line)["evidence"] if len(s) > 60 and not s.startswith("(meta")]
            if sentences:
                paragraphs.append(" ".join(sentences[:6]))
            if sum(map(len, paragraphs)) >= wanted_chars:
                break
    return paragraphs, "WiCE dev evidence"


# ── building PDFs ──────────────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Built:
    name: str
    body: bytes
    written: str  # the text as written, paragraphs joined by newlines
    pages: int
    japanese: bool


def register_fonts() -> dict[str, str]:
    """Font kind → registered font name, for those this machine can provide."""
    fonts = {"cid-mincho": "HeiseiMin-W3", "cid-gothic": "HeiseiKakuGo-W5", "type1": "Helvetica"}
    for name in ("HeiseiMin-W3", "HeiseiKakuGo-W5"):
        pdfmetrics.registerFont(UnicodeCIDFont(name))
    if IPA_GOTHIC.exists():
        pdfmetrics.registerFont(TTFont("IPAPGothic", str(IPA_GOTHIC)))
        fonts["ttf-ipa"] = "IPAPGothic"
    if DEJAVU_SANS.exists():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(DEJAVU_SANS)))
        fonts["ttf-dejavu"] = "DejaVuSans"
    return fonts


def build_pdf(name: str, paragraphs: list[str], font: str, *, japanese: bool, columns: int, max_pages: int) -> Built:
    out = io.BytesIO()
    width, height = A4
    margin = 50
    gap = 20
    column_width = (width - 2 * margin - gap * (columns - 1)) / columns
    frames = [Frame(margin + i * (column_width + gap), margin, column_width, height - 2 * margin, id=f"c{i}")
              for i in range(columns)]
    document = BaseDocTemplate(out, pagesize=A4, title=name)
    document.addPageTemplates([PageTemplate(id="page", frames=frames)])
    style = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16,
                           wordWrap="CJK" if japanese else None, alignment=0 if japanese else 4)  # 4: justified
    # Keep only as many paragraphs as fit in max_pages: build, count, trim (a page holds ~1,200–2,500 characters).
    kept = list(paragraphs)
    while True:
        out.seek(0)
        out.truncate()
        document.build([Paragraph(escape(p), style) for p in kept])
        if document.page <= max_pages or len(kept) <= 1:
            break
        kept = kept[: max(1, int(len(kept) * max_pages / document.page * 0.95))]
    return Built(name, out.getvalue(), "\n".join(kept), document.page, japanese)


def build_all(corpora: Path, max_pages: int) -> tuple[list[Built], dict[str, str]]:
    fonts = register_fonts()
    ja, ja_source = japanese_paragraphs(corpora, 60_000)
    en, en_source = english_paragraphs(corpora, 90_000)
    plans = [
        ("ja cid-mincho 1-col", ja, "cid-mincho", True, 1),
        ("ja cid-gothic 1-col", ja, "cid-gothic", True, 1),
        ("ja cid-mincho 2-col", ja, "cid-mincho", True, 2),
        ("ja ttf-ipa 1-col (embedded subset)", ja, "ttf-ipa", True, 1),
        ("en type1-helvetica 1-col", en, "type1", False, 1),
        ("en type1-helvetica 2-col", en, "type1", False, 2),
        ("en ttf-dejavu 1-col (embedded subset)", en, "ttf-dejavu", False, 1),
    ]
    built = [build_pdf(name, texts, fonts[kind], japanese=japanese, columns=columns, max_pages=max_pages)
             for name, texts, kind, japanese, columns in plans if kind in fonts]
    return built, {"ja": ja_source, "en": en_source}


# ── extracting ─────────────────────────────────────────────────────────────────────────────────────────────────


def pypdf_pages(body: bytes) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body), strict=False)
    return [page.extract_text() or "" for page in reader.pages]


def pdfminer_pages(body: bytes) -> list[str]:
    from pdfminer.high_level import extract_text

    text = extract_text(io.BytesIO(body))
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def refcheck_pages(body: bytes) -> list[str]:
    """refcheck.pdf.read_pdf: pypdf, wrapped lines joined, a cut file repaired; no page limit or time budget here."""
    from refcheck.pdf import read_pdf

    page = read_pdf(body, "bench", max_pages=10_000, time_budget=1e9).page
    starts = [*page.page_starts, len(page.main_text)]
    return [page.main_text[a:b] for a, b in zip(starts, starts[1:])]


LIBRARIES = {"pypdf": pypdf_pages, "pdfminer.six": pdfminer_pages, "refcheck.pdf": refcheck_pages}


def _no_space(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _one_space(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def measure(built: Built, extract, rounds: int) -> dict:
    times, pages = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        pages = extract(built.body)
        times.append(time.perf_counter() - start)
    text = "\n".join(pages)
    row = {"chars": fuzz.ratio(_no_space(text), _no_space(built.written)),
           "ms_per_page": 1000 * statistics.median(times) / built.pages, "pages": len(pages)}
    if not built.japanese:
        row["words"] = fuzz.ratio(_one_space(text), _one_space(built.written))
    return row


def truncated_pages(built: Built, extract) -> str:
    """Pages with text read from the first half of the file, or the exception's name."""
    try:
        pages = extract(built.body[: len(built.body) // 2])
    except Exception as error:  # the point of the measurement: which library survives
        return type(error).__name__
    return f"{sum(1 for page in pages if page.strip())}/{built.pages}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--pages", type=int, default=8, help="pages per PDF (at most)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)  # both libraries log every recoverable oddity of a truncated file
    built, sources = build_all(args.corpora, args.pages)
    import pdfminer
    import pypdf

    print(f"pypdf {pypdf.__version__}, pdfminer.six {pdfminer.__version__}; text: ja = {sources['ja']}, "
          f"en = {sources['en']}; {args.rounds} rounds")
    print()
    print("| PDF | pages | chars written | library | chars acc. | words acc. | ms/page | truncated at 50% |")
    print("|---|---|---|---|---|---|---|---|")
    totals: dict[str, dict[str, list[float]]] = {name: {"ja": [], "en": [], "ms": []} for name in LIBRARIES}
    for item in built:
        for name, extract in LIBRARIES.items():
            row = measure(item, extract, args.rounds)
            totals[name]["ja" if item.japanese else "en"].append(row["chars"])
            totals[name]["ms"].append(row["ms_per_page"])
            words = f"{row['words']:.1f}" if "words" in row else "–"
            print(f"| {item.name} | {item.pages} | {len(_no_space(item.written)):,} | {name} | {row['chars']:.1f} "
                  f"| {words} | {row['ms_per_page']:.1f} | {truncated_pages(item, extract)} |")
    print()
    for name, total in totals.items():
        print(f"{name}: mean chars accuracy ja {statistics.mean(total['ja']):.1f}, en {statistics.mean(total['en']):.1f}; "
              f"median {statistics.median(total['ms']):.1f} ms/page")
    return 0


if __name__ == "__main__":
    sys.exit(main())
