"""Read a PDF's bytes into PageFacts: the title (metadata, or the first page's largest line), page count, and text with page starts. Pure.

The library is pypdf (bench/pdf_libraries.py, docs/pdf.md: as accurate as pdfminer.six or better on Japanese and
English, reading order kept on two-column pages, median 6 vs 49 ms a page). Nothing here raises for a bad PDF: encrypted,
damaged, truncated and over-long files become a `PdfReading` whose `reason` says what could not be read.
"""

from __future__ import annotations

import io
import logging
import math
import re
import statistics
import unicodedata
from time import monotonic
from dataclasses import dataclass

from refcheck.models import PageFacts

PDF_CONTENT_TYPE = "application/pdf"
MAX_PAGES = 300  # pages whose text is read; a 2,000-page annual report's first 300 are what gets cited most
MAX_MAIN_TEXT = 300_000  # characters kept (HTML keeps 200,000; a PDF report is longer than a web article)
TIME_BUDGET = 10.0  # seconds of parsing per PDF, well inside the 30 s per-URL deadline; checked between pages
MAGIC = b"%PDF-"
_HEADER_WINDOW = 1024  # the PDF header may follow up to 1 KB of junk (the spec's allowance, and real servers' habit)
_TITLE_PAGES = 2  # where the largest line is looked for: the first page with text among the first two (a cover)
_HEADING_RATIO = 1.15  # the largest line is a title only if it is this much larger than the body text
_MAX_TITLE_CHARS = 200

logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf logs every recoverable oddity of real-world PDFs


@dataclass(frozen=True)
class PdfReading:
    """What was read, and why some or all of it could not be (None when the whole PDF was read)."""

    page: PageFacts
    reason: str | None = None


def is_pdf(content_type: str | None, head: bytes) -> bool:
    """A PDF by its media type, or by its magic bytes whatever the type says (servers send octet-stream, text/html)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in (PDF_CONTENT_TYPE, "application/x-pdf"):
        return True
    return MAGIC in head[:_HEADER_WINDOW] if not media.startswith("text/") else head.lstrip()[:5] == MAGIC


def read_pdf(body: bytes, url: str, *, truncated: bool = False, max_pages: int = MAX_PAGES,
             time_budget: float = TIME_BUDGET) -> PdfReading:
    """Everything the checks need from one PDF. `truncated`: the body was cut at the size cap. Never raises."""
    try:
        return _read(body, truncated, max_pages, time_budget)
    except Exception as error:  # pypdf raises many kinds on hostile input; a PDF we cannot read is only unreadable
        return PdfReading(PageFacts(content_type=PDF_CONTENT_TYPE),
                          f"damaged PDF: not readable ({type(error).__name__})")


# ── opening ────────────────────────────────────────────────────────────────────────────────────────────────────


def _read(body: bytes, truncated: bool, max_pages: int, time_budget: float) -> PdfReading:
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    reader, repaired = _open(body)
    what = "PDF truncated at the size cap" if truncated else "damaged PDF"
    if reader is None:
        return PdfReading(PageFacts(content_type=PDF_CONTENT_TYPE), f"{what}: not readable")
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except (DependencyError, NotImplementedError) as error:
            return PdfReading(PageFacts(content_type=PDF_CONTENT_TYPE),
                              f"encrypted PDF: text not readable ({error})")
        if not opened:  # PasswordType.NOT_DECRYPTED (0): a password is needed just to open it
            return PdfReading(PageFacts(content_type=PDF_CONTENT_TYPE), "encrypted PDF: text not readable")
    try:
        page_count = len(reader.pages)
    except (FileNotDecryptedError, PdfReadError, KeyError, ValueError, TypeError) as error:
        return PdfReading(PageFacts(content_type=PDF_CONTENT_TYPE), f"{what}: no page tree ({type(error).__name__})")
    texts, heading, stopped = _page_texts(reader, min(page_count, max_pages), time_budget)
    page = _facts(reader, texts, heading, page_count)
    stopped_after = time_budget if stopped else None
    return PdfReading(page, _reason(texts, page_count, truncated, repaired, stopped_after, max_pages, page.main_text))


def _open(body: bytes):
    """(reader, repaired): pypdf's reader, after a repair for a file cut short (no trailer); (None, False) if neither."""
    from pypdf import PdfReader

    try:
        return PdfReader(io.BytesIO(body), strict=False), False
    except Exception:  # a cut file fails on its missing end (%%EOF, startxref, trailer): try the repair below
        pass
    repaired = _with_trailer(body)
    if repaired is None:
        return None, False
    try:
        return PdfReader(io.BytesIO(repaired), strict=False), True
    except Exception:
        return None, False


_CATALOG = re.compile(rb"/Type\s*/Catalog\b")
_INFO = re.compile(rb"/(?:Producer|CreationDate)\b")
_OBJECT_HEADER = re.compile(rb"(\d+)\s+(\d+)\s+obj\b")
_OBJECT_REACH = 4000  # bytes from an object's header to a key inside its dictionary


def _with_trailer(body: bytes) -> bytes | None:
    """A cut file made whole enough to open: its last object closed and a trailer naming the catalog appended.

    The catalog and page tree often come early (reportlab and Word write them before the page contents; linearised
    "fast web view" files put them first), so a file cut at its size cap keeps them and its first pages. pypdf then
    rebuilds the cross-reference table by scanning the objects, as it does for any broken xref.
    """
    catalog = _object_holding(body, _CATALOG)
    if catalog is None:
        return None  # in a compressed object stream, or past the cut: nothing to open the file by
    entries = f"/Root {catalog} R"
    info = _object_holding(body, _INFO)
    if info is not None:
        entries += f" /Info {info} R"
    return body + f"\nendstream\nendobj\ntrailer\n<< {entries} >>\nstartxref\n0\n%%EOF\n".encode()


def _object_holding(body: bytes, key: re.Pattern[bytes]) -> str | None:
    """"N G" of the first object whose dictionary holds `key`: a linear scan for the key, then a look back to the
    nearest object header (a regex spanning header and key would backtrack over every object of a 20 MB file)."""
    for found in key.finditer(body):
        window_start = max(0, found.start() - _OBJECT_REACH)
        window = body[window_start:found.start()]
        headers = list(_OBJECT_HEADER.finditer(window))
        if headers and b"endobj" not in window[headers[-1].end():]:
            return f"{int(headers[-1].group(1))} {int(headers[-1].group(2))}"
    return None


# ── pages ──────────────────────────────────────────────────────────────────────────────────────────────────────


def _page_texts(reader, pages: int, time_budget: float) -> tuple[list[str], str | None, bool]:
    """Each read page's text (lines joined into paragraphs), the title-like line of the first pages, and whether
    the time budget stopped the reading early."""
    started = monotonic()
    texts: list[str] = []
    heading: str | None = None
    looked_for_heading = False
    for index in range(pages):
        if monotonic() - started > time_budget:
            return texts, heading, True
        lines = _HeadingFinder() if index < _TITLE_PAGES and not looked_for_heading else None
        try:
            raw = reader.pages[index].extract_text(visitor_text=lines.visit if lines else None) or ""
        except Exception:  # one damaged page (a cut content stream) must not lose the pages before and after it
            raw = ""
        text = _tidy(raw)
        texts.append(text)
        if lines is not None and text:
            looked_for_heading = True
            heading = lines.heading()
        if sum(map(len, texts)) >= MAX_MAIN_TEXT:
            break
    return texts, heading, False


def _facts(reader, texts: list[str], heading: str | None, page_count: int) -> PageFacts:
    starts, offset = [], 0
    for text in texts:
        starts.append(offset)
        offset += len(text) + 1  # the "\n" that joins two pages
    main_text = "\n".join(texts)[:MAX_MAIN_TEXT] if any(texts) else ""
    meta_title = _metadata_title(reader)
    candidates = tuple(dict.fromkeys(t for t in (meta_title, heading) if t))
    return PageFacts(
        title_candidates=candidates,
        title=candidates[0] if candidates else None,
        language=_language(reader, main_text),
        published=_created(reader),
        main_text=main_text,
        content_type=PDF_CONTENT_TYPE,
        page_count=page_count,
        page_starts=tuple(start for start in starts if start <= len(main_text)) if main_text else (),
    )


def _reason(texts: list[str], page_count: int, truncated: bool, repaired: bool, stopped_after: float | None,
            max_pages: int, main_text: str) -> str | None:
    """What was not read, in one phrase; None when every page was."""
    with_text = sum(1 for text in texts if text)
    read = len(texts)
    if truncated or repaired:
        cause = "truncated at the size cap" if truncated else "damaged or truncated"
        return f"PDF {cause}: text from {with_text} of {page_count} pages"
    if stopped_after is not None:
        return f"PDF reading stopped after {stopped_after:g} s: text from the first {read} of {page_count} pages"
    if not main_text.strip():
        return "PDF has no text layer (scanned images?)" if page_count else "PDF has no pages"
    if read < page_count:
        limit = f"the {max_pages}-page limit" if read == max_pages else f"{MAX_MAIN_TEXT:,} characters"
        return f"long PDF: text from the first {read} of {page_count} pages ({limit})"
    return None


# ── text ───────────────────────────────────────────────────────────────────────────────────────────────────────

_CJK_CHAR = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_KANA = re.compile(r"[\u3041-\u30ff]")
_SENTENCE_CLOSE = tuple("。．！？!?」』）):：")
_SPACES = re.compile(r"[ \t\u00a0\u3000\u200b]+")


def _tidy(raw: str) -> str:
    """A page's lines with wrapped lines joined: the claim checker splits sentences at line breaks, and a PDF breaks
    lines wherever the column ends, mid-sentence and mid-number (1兆2000\\n億円)."""
    lines = [_SPACES.sub(" ", line).strip() for line in raw.replace("\r", "\n").split("\n")]
    lines = [line for line in lines if line]
    if not lines:
        return ""
    full = sorted(len(line) for line in lines)[int(len(lines) * 0.9)] if len(lines) >= 3 else max(map(len, lines))
    out = [lines[0]]
    last_line = lines[0]  # the previous physical line (out[-1] may be several joined ones)
    for line in lines[1:]:
        if len(last_line) >= 0.8 * full and not last_line.endswith(_SENTENCE_CLOSE):
            out[-1] += _joiner(last_line[-1], line[0]) + line
        else:
            out.append(line)
        last_line = line
    return "\n".join(out)


def _joiner(before: str, after: str) -> str:
    """No space between two CJK characters, nor after a hyphen; one space between Latin words."""
    if _CJK_CHAR.match(before) or _CJK_CHAR.match(after) or before == "-":
        return ""
    return " "


# ── metadata ───────────────────────────────────────────────────────────────────────────────────────────────────

# Titles that authoring tools write when the author wrote none: the file name, the application's own name, the
# first slide's default caption. Such a title names no document, so the first page's heading is used instead.
_FILE_NAME = re.compile(r"\.(?:docx?|pptx?|xlsx?|pdf|rtf|txt|odt|odp|ods|jtd|jtdc|indd|ai|tex|dvi|html?|ps|eps|"
                        r"pub|key|pages|vsdx?|tiff?|jpe?g|png)\s*$", re.I)
_APPLICATION_PREFIX = re.compile(r"^\s*(?:Microsoft\s+(?:Word|PowerPoint|Excel)|Word|PowerPoint|Excel|"
                                 r"一太郎|Adobe\s+\w+)\s*[-–—:]\s*", re.I)
_PLACEHOLDERS = re.compile(
    r"^(?:untitled(?:\s*document)?|no\s*title|title|document|無題|無題のドキュメント|タイトルなし|名称未設定|"
    r"(?:powerpoint\s*)?presentation|powerpoint\s*プレゼンテーション|プレゼンテーション|"
    r"(?:スライド|slide)\s*\d*|(?:文書|資料|別紙|参考資料|document|book|doc)\s*\d+(?:[-_－]\d+)?|"
    r"anonymous|unknown|none|null|microsoft word|pdf)$", re.I)
_PATH_LIKE = re.compile(r"^(?:[a-z]:)?[\\/]|[\\/][^\\/\s]+[\\/]", re.I)


def is_placeholder_title(title: str | None) -> bool:
    """Whether a PDF's metadata title is one that authoring tools write by themselves (no real title)."""
    cleaned = unicodedata.normalize("NFKC", title or "").strip()
    if not cleaned or not any(ch.isalnum() for ch in cleaned):
        return True
    if _APPLICATION_PREFIX.match(cleaned) or _FILE_NAME.search(cleaned) or _PATH_LIKE.search(cleaned):
        return True
    return _PLACEHOLDERS.match(cleaned.strip("()[]<>（）【】「」 ")) is not None  # reportlab writes "(anonymous)"


def _metadata_title(reader) -> str | None:
    try:
        title = reader.metadata.title if reader.metadata is not None else None
    except Exception:  # a damaged /Info dictionary is only a missing title
        return None
    if not isinstance(title, str) or is_placeholder_title(title):
        return None
    return " ".join(title.split())[:_MAX_TITLE_CHARS]


def _created(reader) -> str | None:
    try:
        created = reader.metadata.creation_date if reader.metadata is not None else None
    except Exception:  # an unparsable date string
        return None
    return created.date().isoformat() if created is not None else None


def _language(reader, text: str) -> str | None:
    """The catalog's /Lang; else "ja" for text with kana (a Latin-only text may be any language: no guess)."""
    try:
        declared = reader.trailer["/Root"].get("/Lang")
    except Exception:  # a repaired or damaged catalog
        declared = None
    if isinstance(declared, str) and declared.strip():
        return declared.strip()
    sample = text[:5000]
    return "ja" if sample and len(_KANA.findall(sample)) >= 0.05 * len(sample) else None


# ── the first page's largest line ──────────────────────────────────────────────────────────────────────────────


class _HeadingFinder:
    """Collects (line, font size) from pypdf's text visitor, then picks the title-like line: the first run of lines
    in the largest size, if that size stands out from the body text."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, float]] = []
        self._current: list[str] = []
        self._size = 0.0

    def visit(self, text: str, cm, tm, font_dict, font_size) -> None:
        if not text:
            return
        size = _effective_size(cm, tm, font_size)
        pieces = text.split("\n")
        for index, piece in enumerate(pieces):
            if piece.strip():
                self._current.append(piece)
                self._size = max(self._size, size)
            if index < len(pieces) - 1:
                self._end_line()

    def _end_line(self) -> None:
        line = _SPACES.sub(" ", "".join(self._current)).strip()
        if line:
            self.lines.append((line, self._size))
        self._current, self._size = [], 0.0

    def heading(self) -> str | None:
        self._end_line()
        sized = [(line, size) for line, size in self.lines if size > 0]
        if not sized:
            return None
        body = statistics.median(size for line, size in sized for _ in range(len(line)))  # by characters
        largest = max(size for _, size in sized)
        if largest < body * _HEADING_RATIO:
            return None  # one size throughout: the first line is not a title
        run: list[str] = []
        for line, size in sized:
            if size >= largest * 0.95:
                run.append(line)
            elif run:
                break
        title = ""
        for line in run:
            title = line if not title else title + _joiner(title[-1], line[0]) + line
        title = title.strip()[:_MAX_TITLE_CHARS]
        # A cover's largest text may be a label ("資料1", "Slide 1") rather than a title: no title then.
        return None if is_placeholder_title(title) or not any(ch.isalpha() for ch in title) else title


def _effective_size(cm, tm, font_size) -> float:
    """The font size on the page: the Tf size scaled by the text and current matrices' vertical scale."""
    try:
        c = tm[2] * cm[0] + tm[3] * cm[2]
        d = tm[2] * cm[1] + tm[3] * cm[3]
        return abs(float(font_size)) * math.hypot(c, d)
    except (TypeError, IndexError, ValueError):
        return 0.0
