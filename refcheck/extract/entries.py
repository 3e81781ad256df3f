"""Read one free-text reference entry (`"Title". Site. URL. Retrieved 2025-12-26.`) and dates written any common way.

Shared by the Markdown, HTML and wikitext readers: footnote definitions, reference-list items, `<li>`
entries and plain-text `<ref>`s all carry the same kind of sentence. Every pattern here is anchored or
uses single character classes, so an entry is read in time linear in its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from refcheck.extract.urls import find_urls
from refcheck.weburl import host_of

_MONTHS = {name: number for number, names in enumerate(
    (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
     ("november", "nov"), ("december", "dec")), start=1) for name in names}
_DATE = (
    r"(?:(?P<y1>\d{4})[-/.](?P<m1>\d{1,2})[-/.](?P<d1>\d{1,2})"
    r"|(?P<y2>\d{4})[ \t]*年[ \t]*(?P<m2>\d{1,2})[ \t]*月[ \t]*(?P<d2>\d{1,2})[ \t]*日"
    r"|(?P<mn3>[A-Za-z]{3,9})\.?[ \t]+(?P<d3>\d{1,2}),?[ \t]+(?P<y3>\d{4})"
    r"|(?P<d4>\d{1,2})[ \t]+(?P<mn4>[A-Za-z]{3,9})\.?,?[ \t]+(?P<y4>\d{4}))"
)
_ANY_DATE = re.compile(_DATE)
# The heading of a document's reference list, in English and Japanese.
REFERENCES_HEADING = re.compile(
    r"(?:references|sources|citations|bibliography|works cited|notes and references|参考文献|参考資料|参考|出典|脚注"
    r"|引用元?|注釈)[ \t]*[:：]?",
    re.IGNORECASE,
)
_RETRIEVED_BEFORE = re.compile(
    r"(?:retrieved(?:[ \t]+on)?|accessed(?:[ \t]+on)?|閲覧日|アクセス日|取得日|閲覧|参照日)[ \t]*[:：]?[ \t]*" + _DATE,
    re.IGNORECASE,
)
_RETRIEVED_AFTER = re.compile(_DATE + r"[ \t]*(?:に)?(?:閲覧|アクセス|取得|参照)")
_YEAR = re.compile(r"\d{4}")  # what every alternative of _DATE holds

# `1. `, `- `, `[1] `, then MediaWiki's `↑`/`^` back-arrow and its `a b c` backlink letters.
_ENTRY_PREFIX = re.compile(
    r"[ \t]*(?:[-*•・][ \t]*|\[(?P<bracket>\d{1,6})\][ \t]*|(?P<number>\d{1,6})[.)][ \t]+)?(?P<arrow>[↑^][ \t]*)?"
)
_BACKLINK_LETTERS = re.compile(r"(?:[a-z][ \t]+){2,}")
_OPENING_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』", "'": "'"}
_ANGLE_URL = re.compile(r"<(?P<url>[A-Za-z][A-Za-z0-9+.\-]*:[^<>\s]+)>")
_SEGMENT_BREAK = re.compile(r"\.[ \t]+|。|\.$|[ \t]+[-–—|][ \t]+")
_TRIM = " \t.,;:。、，-–—|"
_BRACKET_PAIRS = {"(": ")", "（": "）"}
_DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"<>]+")
ARCHIVE_HOSTS = ("web.archive.org", "archive.org", "archive.today", "archive.ph", "archive.is", "megalodon.jp",
                 "webcitation.org", "www.webcitation.org", "archive.li", "wayback.archive-it.org")


@dataclass(frozen=True)
class EntryParts:
    """What one entry says about its source; any part may be missing."""

    title: str | None = None
    site: str | None = None
    url: str | None = None
    retrieved: str | None = None
    archive_url: str | None = None
    number: str | None = None  # the entry's own number (`1.`, `[1]`), when it writes one
    doi: str | None = None  # a DOI the entry gives (`doi:10.…`, `https://doi.org/10.…`), lower-case


def normalize_date(text: str | None) -> str | None:
    """`2025年12月26日`, `26 December 2025`, `December 26, 2025`, `2025/12/26` → `2025-12-26`; else None."""
    if not text:
        return None
    match = _ANY_DATE.search(text)
    return _iso_date(match) if match else None


def parse_entry(text: str, urls: list[str] | None = None) -> EntryParts:
    """Split an entry into title, site, URL, retrieved date and archive URL.

    `urls` are the entry's URLs when the caller already knows them (the hrefs of its links); otherwise
    they are found in the text. The first non-archive URL is the source, the first archive URL its copy.
    """
    prefix = _ENTRY_PREFIX.match(text)
    number = prefix.group("bracket") or prefix.group("number")
    body = text[prefix.end():]
    if prefix.group("arrow"):
        letters = _BACKLINK_LETTERS.match(body)
        body = body[letters.end():] if letters else body
    found = _entry_urls(body)
    url, archive_url = split_archive(urls if urls is not None else [u for _, u in found])
    body = _blank(body, found).strip()
    title, after_title = _quoted_title(body)
    rest = body[after_title:]
    retrieved, before_retrieved = _retrieved_date(rest)
    segments = [_trim_segment(s) for s in _SEGMENT_BREAK.split(rest[:before_retrieved])]
    segments = [s for s in segments if s and not (_YEAR.search(s) and _ANY_DATE.fullmatch(s))]
    if title is None and segments:
        title, segments = segments[0], segments[1:]
    return EntryParts(title=title or None, site=segments[0] if segments else None, url=url, retrieved=retrieved,
                      archive_url=archive_url, number=str(int(number)) if number else None, doi=find_doi(text))


def find_doi(text: str | None) -> str | None:
    """The first DOI in a text (`10.1038/…`; also inside `doi:` and doi.org forms), lower-case, trailing
    punctuation dropped; None when there is none."""
    if not text or "10." not in text:
        return None  # every DOI starts `10.`
    match = _DOI.search(text)
    return match.group(0).rstrip(".,;)]}>").lower() if match else None


def _trim_segment(segment: str) -> str:
    """Strip separators, and brackets only when they are unbalanced ("X (formerly Twitter)" keeps its own)."""
    segment = segment.strip(_TRIM)
    for opening, closing in _BRACKET_PAIRS.items():
        if segment.count(opening) != segment.count(closing):
            segment = segment.strip(opening + closing + _TRIM)
    return segment


def is_archive_url(url: str) -> bool:
    return host_of(url) in ARCHIVE_HOSTS


def split_archive(urls: list[str]) -> tuple[str | None, str | None]:
    """(the cited URL, its archive copy) from an entry's URLs in order."""
    flags = [(url, is_archive_url(url)) for url in urls]  # each URL's host parsed once, not twice
    originals = [url for url, archived in flags if not archived]
    archives = [url for url, archived in flags if archived]
    if originals:
        return originals[0], archives[0] if archives else None
    return (archives[0], None) if archives else (None, None)


def _entry_urls(body: str) -> list[tuple[int, str]]:
    found = [(m.start(), m.group("url")) for m in _ANGLE_URL.finditer(body)] if "<" in body else []
    taken = [(start, start + len(url) + 2) for start, url in found]
    for offset, url in find_urls(body):
        if not any(start <= offset < stop for start, stop in taken):
            found.append((offset, url))
    return sorted(found)


def _blank(body: str, urls: list[tuple[int, str]]) -> str:
    """`body` without its URLs (and their `<>`), so they are not read as a title or a site."""
    if not urls:
        return body
    pieces, cursor = [], 0
    for offset, url in urls:
        if offset < cursor:
            continue
        stop = offset + len(url) + (2 if body.startswith("<", offset) else 0)
        pieces.append(body[cursor:offset])
        cursor = stop
    pieces.append(body[cursor:])
    return " ".join(piece for piece in pieces)


def _quoted_title(body: str) -> tuple[str | None, int]:
    """(title, offset after its closing quote) when the entry opens with a quoted title."""
    closing = _OPENING_QUOTES.get(body[:1])
    if closing is None:
        return None, 0
    search_from = 1
    while True:
        end = body.find(closing, search_from)
        if end == -1:
            return (body[1:].strip() or None, len(body)) if body[:1] != "'" else (None, 0)
        # An ASCII quote closes the title only where a sentence would go on: `"A "B" C". Site.` keeps "B".
        after = body[end + 1: end + 2]
        if closing not in ('"', "'") or after in ("", ".", ",", ";", "。", "、", " ", "\t", "(", "（"):
            return body[1:end].strip() or None, end + 1
        search_from = end + 1


def _retrieved_date(rest: str) -> tuple[str | None, int]:
    if not _YEAR.search(rest):
        return None, len(rest)  # every date form has a four-digit year: two case-blind searches spared (most entries)
    for pattern in (_RETRIEVED_BEFORE, _RETRIEVED_AFTER):
        match = pattern.search(rest)
        if match:
            date = _iso_date(match)
            if date:
                return date, match.start()
    return None, len(rest)


def _iso_date(match: re.Match) -> str | None:
    groups = match.groupdict()
    for suffix in "1234":
        year = groups.get(f"y{suffix}")
        if not year:
            continue
        day = groups[f"d{suffix}"]
        month = groups.get(f"m{suffix}") or _MONTHS.get((groups.get(f"mn{suffix}") or "").lower())
        if not month or not 1 <= int(month) <= 12 or not 1 <= int(day) <= 31:
            return None
        return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    return None
