"""Build one conversation's Extraction from its messages: the part the ChatGPT and Claude export readers share.

A reader hands over each message it shows (role, its text as exported, its id) with the spans of that text that
cite something: a marker to drop from the prose (ChatGPT's `\\ue200cite\\ue202turn0search3\\ue201`, `【4†source】`)
or words to keep (Claude cites the cited words themselves). This module turns them into the model every reader
produces: each distinct source one Reference (numbered in the order first cited), each citation a Marker and a
ProseBlock citation at the sentence it ends, the prose with its markers removed so sentences read cleanly, and a
Place for every line, since a JSON file's own lines mean nothing (docs/inputs.md).

Lines: the messages' text, markers removed, one message after another; line 1 is the first line of the first
message shown. A Place maps each such line back to (message, character offset in the message's exported text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from refcheck.extract.urls import find_urls
from refcheck.models import ConversationFacts, Extraction, Link, Marker, Place, ProseBlock, Reference

# A line's leading Markdown structure (list bullet, heading, quote): not part of its sentences.
_LINE_PREFIX = re.compile(r"[ \t]*(?:(?:[-*+•‣▪][ \t]+|・[ \t]*|\d{1,3}[.)][ \t]+|#{1,6}[ \t]+|>[ \t]?)[ \t]*)*")
_SPACE_BEFORE = frozenset(" \t\u3000")
_CLOSES_SENTENCE = frozenset(".,;:!?)]}、。，．！？」』）")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TRACKING = frozenset({"utm_source"})


@dataclass(frozen=True)
class Source:
    """A source as an export describes it."""

    url: str | None
    title: str | None = None
    site: str | None = None
    published: str | None = None  # YYYY-MM-DD


@dataclass(frozen=True)
class Span:
    """`text[start:end]` cites `sources` (a Source, or a key the export does not resolve: a missing reference).

    `keep`: the span is the message's own words (kept in the prose); otherwise it is a marker and is replaced by
    `replacement` (usually nothing).
    """

    start: int
    end: int
    sources: tuple[Source | str, ...] = ()
    keep: bool = False
    replacement: str = ""


@dataclass
class ConversationBuilder:
    service: str
    references: list[Reference] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    blocks: list[ProseBlock] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    messages: int = 0
    next_line: int = 1
    _ids: dict[str, str] = field(default_factory=dict)  # source key → reference id

    def message(self, role: str, text: str, node: str | None, spans: list[Span] = (),
                extra_sources: tuple[Source, ...] = ()) -> None:
        """One message as shown: its prose blocks, citations, links and the references it cites."""
        self.messages += 1
        clean, to_raw, citations = _clean(text, spans)
        first_line = self.next_line
        line_starts = [0]
        position = clean.find("\n")
        while position != -1:
            line_starts.append(position + 1)
            position = clean.find("\n", position + 1)
        self.next_line += len(line_starts)
        # Citations in order, each to the line that holds its offset.
        by_line: dict[int, list[tuple[int, Source | str]]] = {}
        line_index = 0
        for offset, source in sorted(citations, key=lambda pair: pair[0]):
            while line_index + 1 < len(line_starts) and line_starts[line_index + 1] <= offset:
                line_index += 1
            by_line.setdefault(line_index, []).append((offset, source))
        for index, start in enumerate(line_starts):
            end = line_starts[index + 1] - 1 if index + 1 < len(line_starts) else len(clean)
            raw_line = clean[start:end]
            line = first_line + index
            prefix = _LINE_PREFIX.match(raw_line).end()
            body = raw_line[prefix:].rstrip()
            cited = by_line.get(index, [])
            if not body.strip() and not cited:
                continue
            self.places.append(Place(line=line, message=self.messages, offset=to_raw(start), node=node))
            block_citations = []
            for offset, source in cited:
                ref = self._reference_id(source, line)
                self.markers.append(Marker(ref=ref, line=line))
                block_citations.append((min(max(offset - start - prefix, 0), max(len(body) - 1, 0)), ref))
            urls = find_urls(body)
            self.links.extend(Link(url=url, line=line) for _, url in urls)
            if body.strip():
                self.blocks.append(ProseBlock(text=body, line=line, speaker=role, citations=tuple(block_citations),
                                              links=tuple(urls)))
        for source in extra_sources:  # listed by the answer (a Sources panel) without a place in its text
            self._reference_id(source, first_line)

    def _reference_id(self, source: Source | str, line: int) -> str:
        if isinstance(source, str):
            return source  # an unresolved key: a marker whose reference the export does not hold
        key = source_key(source)
        ref = self._ids.get(key)
        if ref is None:
            ref = self._ids[key] = str(len(self.references) + 1)
            self.references.append(Reference(id=ref, line=line, title=source.title, site=source.site,
                                             url=source.url, published=source.published))
            if source.url:
                self.links.append(Link(url=source.url, line=line, ref=ref))
        return ref

    def extraction(self, facts: ConversationFacts) -> Extraction:
        return Extraction(references=tuple(self.references), markers=tuple(self.markers), links=tuple(self.links),
                          blocks=tuple(self.blocks), has_markers=bool(self.markers), places=tuple(self.places),
                          conversation=facts)


def _clean(text: str, spans: list[Span]):
    """(text without its markers, clean offset → raw offset, [(clean offset, source)]).

    Overlapping spans: the first (by start) wins. A removed marker takes one space before it along when what
    follows is a space, the end, or punctuation, so `results. ⟨marker⟩ Next` reads `results. Next`.
    """
    pieces: list[str] = []
    length = 0
    segments: list[tuple[int, int]] = []  # (clean start, raw start) of each copied run
    citations: list[tuple[int, Source | str]] = []
    cursor = 0
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.start < cursor or span.end > len(text) or span.start > span.end:
            continue
        if span.start > cursor:
            segments.append((length, cursor))
            pieces.append(text[cursor:span.start])
            length += span.start - cursor
        if span.keep:
            segments.append((length, span.start))
            pieces.append(text[span.start:span.end])
            length += span.end - span.start
            anchor = length - 1
        else:
            following = text[span.end:span.end + 1]
            if not span.replacement and pieces and pieces[-1][-1:] in _SPACE_BEFORE and (
                    not following or following.isspace() or following in _CLOSES_SENTENCE):
                pieces[-1] = pieces[-1][:-1]
                length -= 1
            anchor = _last_visible(pieces, length)
            if span.replacement:
                segments.append((length, span.start))
                pieces.append(span.replacement)
                length += len(span.replacement)
        citations.extend((max(anchor, 0), source) for source in span.sources)
        cursor = span.end
    if cursor < len(text):
        segments.append((length, cursor))
        pieces.append(text[cursor:])
        length += len(text) - cursor
    clean = "".join(pieces)
    starts = [start for start, _ in segments]

    def to_raw(offset: int) -> int:
        from bisect import bisect_right

        index = bisect_right(starts, offset) - 1
        if index < 0:
            return offset
        clean_start, raw_start = segments[index]
        return raw_start + (offset - clean_start)

    return clean, to_raw, citations


def _last_visible(pieces: list[str], length: int) -> int:
    """The offset of the last character before here that is not white space (the end of the sentence cited)."""
    position = length
    for piece in reversed(pieces):
        stripped = len(piece.rstrip())
        if stripped:
            return position - (len(piece) - stripped) - 1
        position -= len(piece)
    return 0


def source_key(source: Source) -> str:
    """Two mentions of one source share this: its URL without ChatGPT's `utm_source` tag, else title and site."""
    if source.url:
        return "url:" + without_tracking(source.url)
    return f"title:{source.title or ''}\0{source.site or ''}"


def without_tracking(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in _TRACKING]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))


def date_of(value) -> str | None:
    """A publication date as exports give it (Unix seconds, or ISO 8601) as YYYY-MM-DD; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if not 0 < value < 4_102_444_800:  # 2100-01-01
            return None
        return datetime.fromtimestamp(value, tz=timezone.utc).strftime("%Y-%m-%d")
    if isinstance(value, str):
        match = _ISO_DATE.match(value.strip())
        if match:
            return match.group(0)
        for pattern in ("%B %d, %Y", "%b %d, %Y", "%d %B %Y"):
            try:
                return datetime.strptime(value.strip(), pattern).strftime("%Y-%m-%d")
            except ValueError:
                continue
    return None


def as_dict(value) -> dict:
    """`value` if it is a JSON object, else an empty one: an export's fields are read without trusting their types."""
    return value if isinstance(value, dict) else {}


def as_list(value) -> list:
    return value if isinstance(value, list) else []


def text_of(value) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
