"""Read a conversation export (ChatGPT-style plain text) into references, markers, links and prose blocks.

The shape it understands (see `examples/ai-policy-ja.txt`): `User:` / `Assistant:` turns; a heading line
ending in ` edit` that repeats the start of the next line (the exporter's copy of the turn, sometimes cut
with `…`); `[N]` citation markers; and a trailing `References` list of `- ↑ "Title". Site. Retrieved …`
entries numbered by position, or `1. …` / `[1] …` entries numbered by themselves.

Everything is done line by line with regexes that cannot backtrack badly, so a 50 MB export stays linear.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace

from refcheck.extract.entries import is_archive_url, parse_entry
from refcheck.extract.urls import find_urls
from refcheck.models import Document, Extraction, Link, Marker, ProseBlock, Reference, Suppression

# ---- turns, headings, prose ---------------------------------------------------------------------------

_TURN = re.compile(r"(?P<who>User|Assistant|You|Human|ChatGPT)[ \t]?[:：][ \t]*", re.IGNORECASE)
_SPEAKER_OF = {"user": "user", "you": "user", "human": "user", "assistant": "assistant", "chatgpt": "assistant"}
_EDIT_SUFFIX = " edit"
_TRUNCATION = ("…", "...")
_BULLET = re.compile(r"(?:[-*•‣▪][ \t]+|・[ \t]*|\d{1,3}[.)][ \t]+)")
_MARKER = re.compile(r"\[(\d{1,6})\]")
_SUPPRESSION = re.compile(
    r"[ \t]*(?:<!--[ \t]*refcheck:[ \t]*ignore(?:\[(?P<html_rules>[^\]]*)\])?[ \t]*-->"
    r"|#[ \t]*refcheck:[ \t]*ignore(?:\[(?P<hash_rules>[^\]]*)\])?)[ \t]*$",
    re.IGNORECASE,
)

# ---- the reference list -------------------------------------------------------------------------------

_REFERENCES_HEADING = re.compile(
    r"(?:#{1,6}[ \t]*)?(?:references|sources|citations|bibliography|参考文献|参考資料|参照|出典|脚注|引用元?)"
    r"[ \t]*[:：]?",
    re.IGNORECASE,
)
# `- `, `* `, `・`, `1. `, `1) `, `[1] ` — then MediaWiki's `↑` / `^` back-arrow. Only says whether a line is
# an entry; `entries.parse_entry` reads what the entry says.
_ENTRY_PREFIX = re.compile(
    r"[ \t]*(?:(?P<bullet>[-*•・])[ \t]*|\[(?P<bracket>\d{1,6})\][ \t]*|(?P<number>\d{1,6})[.)][ \t]+)?"
    r"(?P<arrow>[↑^][ \t]*)?"
)
_OPENING_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』"}
_ANGLE_URL = re.compile(r"<(?P<url>[A-Za-z][A-Za-z0-9+.\-]*:[^<>\s]+)>")
# Schemes nobody can fetch are still references' URLs: finding them lets `invalid-url` say so.
_OTHER_SCHEME_URL = re.compile(r"(?<![A-Za-z0-9])(?:ftp|ftps|mailto|javascript|data|file):[^\s<>\"]+", re.IGNORECASE)


@dataclass
class _Reader:
    """The state of one pass over a document's lines."""

    lines: list[str]
    edit_headings: bool
    references: list[Reference] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    blocks: list[ProseBlock] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    speaker: str | None = None


def extract(document: Document) -> Extraction:
    """References, markers, links, prose blocks and inline suppressions of one conversation export."""
    text = document.text.removeprefix("\ufeff")
    lines = [line.rstrip("\r") for line in text.split("\n")]
    reader = _Reader(lines=lines, edit_headings=_uses_edit_headings(lines))
    section_start, section_end = _reference_section(lines)
    for index in range(section_start):
        _read_prose_line(reader, index)
    _read_reference_section(reader, section_start, section_end)
    for index in range(section_end, len(lines)):
        _read_prose_line(reader, index)
    return Extraction(
        references=tuple(reader.references),
        markers=tuple(reader.markers),
        links=tuple(reader.links),
        blocks=tuple(reader.blocks),
        suppressions=tuple(reader.suppressions),
        has_markers=bool(reader.markers),
    )


# ---- prose --------------------------------------------------------------------------------------------


def _uses_edit_headings(lines: list[str]) -> bool:
    """Whether this export marks headings with ` edit`; elsewhere a sentence ending in "edit" is left alone."""
    for line in lines:
        stripped = line.strip()
        if stripped.endswith(_EDIT_SUFFIX) and (
            _TURN.match(stripped) or _REFERENCES_HEADING.fullmatch(stripped[: -len(_EDIT_SUFFIX)].rstrip())
        ):
            return True
    return False


def _read_prose_line(reader: _Reader, index: int) -> None:
    line = reader.lines[index]
    if _record_suppression(reader, index):
        return
    content = line.strip()
    turn = _TURN.match(content)
    if turn:
        reader.speaker = _SPEAKER_OF[turn.group("who").lower()]
        content = content[turn.end():]
    if reader.edit_headings and (content.endswith(_EDIT_SUFFIX) or content == "edit"):
        content = content[: -len("edit")].rstrip()
        if _repeats_next_line(content, reader.lines, index):
            return  # the heading is the exporter's copy of the paragraph that follows: one paragraph, not two
    bullet = _BULLET.match(content)
    if bullet:
        content = content[bullet.end():]
    if content:
        _add_block(reader, content, index + 1)


def _repeats_next_line(heading: str, lines: list[str], index: int) -> bool:
    """Whether `heading` (perhaps cut short with `…`) is the start of the next line."""
    for mark in _TRUNCATION:
        heading = heading.removesuffix(mark)
    heading = heading.rstrip()
    if not heading or index + 1 >= len(lines):
        return False
    following = lines[index + 1].strip()
    if following.startswith(heading):
        return True
    heading_bullet, following_bullet = _BULLET.match(heading), _BULLET.match(following)
    if heading_bullet and following_bullet:
        return following[following_bullet.end():].startswith(heading[heading_bullet.end():])
    return False


def _add_block(reader: _Reader, text: str, line: int) -> None:
    citations = []
    for match in _MARKER.finditer(text):
        ref = str(int(match.group(1)))
        citations.append((match.start(), ref))
        reader.markers.append(Marker(ref=ref, line=line))
    urls = find_urls(text)
    reader.links.extend(Link(url=url, line=line) for _, url in urls)
    reader.blocks.append(
        ProseBlock(text=text, line=line, speaker=reader.speaker, citations=tuple(citations), links=tuple(urls))
    )


def _record_suppression(reader: _Reader, index: int) -> bool:
    match = _SUPPRESSION.fullmatch(reader.lines[index])
    if not match:
        return False
    listed = match.group("html_rules") or match.group("hash_rules") or ""
    rules = tuple(rule.strip() for rule in listed.split(",") if rule.strip())
    reader.suppressions.append(Suppression(line=index + 2, rules=rules))
    return True


# ---- the reference list -------------------------------------------------------------------------------


def _reference_section(lines: list[str]) -> tuple[int, int]:
    """(first, end) line indexes of the trailing reference list; (len, len) when there is none.

    `first` is the heading's index (or the first `[N]` entry's when the list has no heading); the section
    ends at the first line that is neither an entry, a continuation, a suppression comment nor blank.
    """
    start = _last_references_heading(lines)
    if start is None:
        start = _headingless_bracket_list(lines)
        if start is None:
            return len(lines), len(lines)
        first_entry = start
    else:
        first_entry = start + 1
    end = first_entry
    while end < len(lines):
        stripped = lines[end].strip()
        if stripped and not (_is_entry(stripped) or _is_lone_url(stripped) or _SUPPRESSION.fullmatch(stripped)):
            break
        end += 1
    return start, end


def _last_references_heading(lines: list[str]) -> int | None:
    """The last `References` heading that is followed by at least one entry."""
    for index in range(len(lines) - 1, -1, -1):
        stripped = lines[index].strip().removesuffix(_EDIT_SUFFIX).rstrip()
        if stripped and _REFERENCES_HEADING.fullmatch(stripped) and _next_is_entry(lines, index + 1):
            return index
    return None


def _next_is_entry(lines: list[str], index: int) -> bool:
    while index < len(lines):
        stripped = lines[index].strip()
        if stripped and not _SUPPRESSION.fullmatch(stripped):
            return _is_entry(stripped)
        index += 1
    return False


def _headingless_bracket_list(lines: list[str]) -> int | None:
    """The start of a trailing block of `[1] "Title". …` lines that has no heading above it."""
    index, start = len(lines) - 1, None
    while index >= 0:
        stripped = lines[index].strip()
        if _is_bracket_entry(stripped):
            start = index
        elif stripped and not _SUPPRESSION.fullmatch(stripped):
            break
        index -= 1
    return start


def _is_bracket_entry(stripped: str) -> bool:
    prefix = _ENTRY_PREFIX.match(stripped)
    if not prefix.group("bracket"):
        return False
    body = stripped[prefix.end():]
    return body[:1] in _OPENING_QUOTES or body.lower().startswith(("http://", "https://", "<"))


def _is_entry(stripped: str) -> bool:
    prefix = _ENTRY_PREFIX.match(stripped)
    return prefix.end() > 0 or stripped[:1] in _OPENING_QUOTES


def _is_lone_url(stripped: str) -> bool:
    urls = _entry_urls(stripped)
    return len(urls) == 1 and len(urls[0][1]) >= len(stripped) - 2


def _read_reference_section(reader: _Reader, start: int, end: int) -> None:
    position = 0
    for index in range(start, end):
        stripped = reader.lines[index].strip()
        if not stripped or _record_suppression(reader, index) or _is_heading_line(stripped, index, start):
            continue
        if not _is_entry(stripped) and reader.references and _is_lone_url(stripped):
            _attach_continuation_url(reader, stripped, index + 1)
            continue
        position += 1
        reference = _parse_entry(stripped, index + 1, position)
        reader.references.append(reference)
        for url in (reference.url, reference.archive_url):
            if url:
                reader.links.append(Link(url=url, line=reference.line, ref=reference.id))


def _is_heading_line(stripped: str, index: int, start: int) -> bool:
    return index == start and not _is_entry(stripped)


def _attach_continuation_url(reader: _Reader, stripped: str, line: int) -> None:
    """A URL alone on the line after an entry belongs to that entry (exports wrap long entries)."""
    url = _entry_urls(stripped)[0][1]
    last = reader.references[-1]
    if last.url is None:
        reader.references[-1] = replace(last, url=url)
    elif last.archive_url is None and is_archive_url(url):
        reader.references[-1] = replace(last, archive_url=url)
    else:
        return
    reader.links.append(Link(url=url, line=line, ref=last.id))


def _parse_entry(stripped: str, line: int, position: int) -> Reference:
    """One entry: `- ↑ a b "Title". Site. Retrieved 2025-12-26. <https://…>` and its relatives."""
    urls = _entry_urls(stripped)
    # The shared entry parser finds only http(s) and `<…>` URLs; a bare ftp:/mailto: one is blanked out here
    # so it is not read as the title, and handed over with the others so `invalid-url` can report it.
    blanked = _OTHER_SCHEME_URL.sub(lambda match: " " * len(match.group(0)), stripped)
    parts = parse_entry(blanked, urls=[url for _, url in urls])
    return Reference(id=parts.number or str(position), line=line, title=parts.title, site=parts.site,
                     url=parts.url, retrieved=parts.retrieved, archive_url=parts.archive_url,
                         doi=parts.doi)


def _entry_urls(body: str) -> list[tuple[int, str]]:
    """URLs in an entry, `<…>`-wrapped (any scheme) or bare, as (offset, url) in order."""
    found = [(m.start(), m.group("url")) for m in _ANGLE_URL.finditer(body)]
    starts = [offset for offset, _ in found]
    stops = [offset + len(url) + 2 for offset, url in found]

    def free(offset: int) -> bool:
        # The `<…>` spans are sorted and disjoint: only the last one starting at or before `offset` can hold it.
        candidate = bisect_right(starts, offset) - 1
        return candidate < 0 or offset >= stops[candidate]

    found.extend((offset, url) for offset, url in find_urls(body) if free(offset))
    found.extend((m.start(), m.group(0).rstrip(".,;")) for m in _OTHER_SCHEME_URL.finditer(body) if free(m.start()))
    return sorted(found)
