"""Read an HTML document into references, markers, links, prose blocks and suppressions (selectolax/lexbor).

Links are `a[href]`, resolved against `<base href>`. Markers are `<sup>`/`[N]` anchors that point at an entry
of a reference list: an `<ol>`/`<ul>` whose `<li id>` such anchors target, an `ol.references`, or the list
after a "References"/"参考文献"/"出典" heading. Each entry becomes a Reference (title from its quoted text,
`<cite>` or link text; URL from its first external link; site; retrieved date).

selectolax gives no source positions, so lines come from the raw text: script/style/comment bodies are
blanked out (keeping newlines), every start tag is indexed by name, and the parser's elements are matched
to them in document order (anchors also by href); text nodes are found by searching forward from the last
match within a bounded window. Every step moves forward only, so a 50 MB page stays linear.
"""

from __future__ import annotations

import html as html_entities
import re
from array import array
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from refcheck.extract import suppressions
from refcheck.extract.entries import REFERENCES_HEADING, normalize_date, parse_entry
from refcheck.extract.hrefs import checkable_href, fragment_of, local_href
from refcheck.extract.htmlattrs import VERBATIM, attribute_links, iter_ids
from refcheck.extract.lines import LineIndex
from refcheck.extract.prose import ProseText
from refcheck.extract.urls import find_urls
from refcheck.models import Document, Extraction, Link, Marker, ProseBlock, Reference

_OPAQUE = ("script", "style", "noscript", "template", "textarea", "title")
_OPAQUE_START = re.compile(r"<!--|<(script|style|noscript|template|textarea|title)\b", re.IGNORECASE)
_START_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9:-]*)(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
_HREF = re.compile(r"\bhref\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))", re.IGNORECASE)
_IMPLIED = frozenset({"html", "head", "body", "tbody", "colgroup"})  # the parser may add these unwritten
_BLOCKS = frozenset({"p", "li", "td", "th", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt",
                     "figcaption", "caption", "div", "section", "article", "main", "aside", "header", "footer",
                     "body", "pre", "table", "tr", "ul", "ol", "dl", "form", "nav", "figure", "details", "summary"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_VERBATIM = VERBATIM - frozenset(_OPAQUE)  # lychee's list: no bare URLs, no links, no [N] markers inside
_MARKER_TEXT = re.compile(r"\[?\s*(?:\d{1,4}|[a-z]{1,3}|注\s*\d{1,4})\s*\]?", re.IGNORECASE)
_MARKER_TARGET = re.compile(r"(?:cite_note|cite-note|ref|fn|footnote|note|endnote)[-_:]?", re.IGNORECASE)
_TEXT_MARKER = re.compile(r"\[(\d{1,4})\]")
_SPACES = re.compile(r"[ \t\f\v\r\xa0]+")
_SEARCH_WINDOW = 20_000  # how far ahead a text node is looked for before its position is guessed
_LOOKAHEAD = 16  # how many same-name tags an anchor may skip to find its href (the parser clones some)
_NON_NEEDLE = re.compile(r"[&<>\"'\xa0\s]")


def extract(document: Document) -> Extraction:
    text = document.text
    masked, comment_spans = _mask(text)
    lines = LineIndex(text)
    found_suppressions = [
        suppressions.suppression_at(text, lines, start, end, match.group("rules"))
        for start, end in comment_spans
        if (match := suppressions.COMMENT.fullmatch(text, start, end))
    ]
    try:
        tree = LexborHTMLParser(text)
    except Exception:  # selectolax raises bare errors on input it cannot take; a document is data, not a crash
        return Extraction(suppressions=tuple(found_suppressions))
    root = tree.root
    if root is None:
        return Extraction(suppressions=tuple(found_suppressions))
    reader = _Reader(text, masked, lines, tree)
    reader.walk(root)
    return Extraction(
        references=tuple(reader.references),
        markers=tuple(reader.markers),
        links=tuple(reader.links) + tuple(reader.local),
        blocks=tuple(reader.blocks),
        suppressions=tuple(found_suppressions),
        has_markers=bool(reader.markers),
        anchors=tuple(dict.fromkeys(reader.anchors)),
    )


def _mask(text: str) -> tuple[str, list[tuple[int, int]]]:
    """`text` with comment and script/style bodies blanked (newlines kept), and where the comments were."""
    pieces: list[str] = []
    comments: list[tuple[int, int]] = []
    cursor = 0
    while True:
        match = _OPAQUE_START.search(text, cursor)
        if match is None:
            break
        if match.group(0) == "<!--":
            body_start = match.start()
            close = text.find("-->", match.end())
            end = len(text) if close == -1 else close + 3
            comments.append((body_start, end))
        else:
            opening_end = text.find(">", match.end())
            if opening_end == -1:
                break
            body_start = opening_end + 1
            closing = re.compile(r"</" + match.group(1) + r"\s*>", re.IGNORECASE).search(text, body_start)
            end = len(text) if closing is None else closing.start()
        pieces.append(text[cursor:body_start])
        pieces.append(_blank(text[body_start:end]))
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), comments


def _blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


class _TagIndex:
    """Every start tag of the source by name, in order, and a cursor per name that only moves forward."""

    def __init__(self, masked: str):
        self.masked = masked
        self.starts: dict[str, array] = {}
        self.ends: dict[str, array] = {}
        self.cursor: dict[str, int] = {}
        for match in _START_TAG.finditer(masked):
            name = match.group(1).lower()
            if name not in self.starts:
                self.starts[name], self.ends[name] = array("q"), array("q")
            self.starts[name].append(match.start())
            self.ends[name].append(match.end())

    def locate(self, node: LexborNode) -> tuple[int, int] | None:
        """(start, end) of the start tag that made `node`; None for elements the parser invented."""
        name = node.tag.lower()
        if name in _IMPLIED or name not in self.starts:
            return None
        starts, index = self.starts[name], self.cursor.get(name, 0)
        if index >= len(starts):
            return None
        if name == "a":
            index = self._matching_href(node, index)
            if index is None:
                return None
        self.cursor[name] = index + 1
        return starts[index], self.ends[name][index]

    def _matching_href(self, node: LexborNode, index: int) -> int | None:
        wanted = (node.attributes.get("href") or "").strip()
        starts, ends = self.starts["a"], self.ends["a"]
        for candidate in range(index, min(index + _LOOKAHEAD, len(starts))):
            match = _HREF.search(self.masked, starts[candidate], ends[candidate])
            written = next((g for g in match.groups() if g is not None), "") if match else ""
            if html_entities.unescape(written).strip() == wanted:
                return candidate
        return None


@dataclass
class _Prose(ProseText):
    line: int | None = None
    speaker: str | None = None  # a saved chat page's `data-message-author-role` around it

    def block(self) -> ProseBlock | None:
        text = "".join(self.parts)
        stripped = text.rstrip()
        if not stripped.strip() or self.line is None:
            return None
        return ProseBlock(text=stripped, line=self.line, speaker=self.speaker, citations=tuple(self.citations),
                          links=tuple(self.links))


@dataclass
class _Entry:
    """One reference-list item being read."""

    ref_id: str
    line: int | None
    text: list[str] = field(default_factory=list)
    urls: list[tuple[str, int, str | None]] = field(default_factory=list)  # (url, line, anchor text)
    italics: list[str] = field(default_factory=list)
    cites: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self, text: str, masked: str, lines: LineIndex, tree: LexborHTMLParser):
        self.text, self.masked, self.lines = text, masked, lines
        self.tags = _TagIndex(masked)
        self.cursor = 0  # source offset reached so far; text is searched for from here
        self.references: list[Reference] = []
        self.markers: list[Marker] = []
        self.links: list[Link] = []
        self.blocks: list[ProseBlock] = []
        self.base = _base_href(tree)
        self.entry_ids, self.target_ids = _reference_lists(tree)
        self.prose: list[_Prose] = []
        self.entry: _Entry | None = None
        self.entry_node: int | None = None
        self.skip_text: list[int] = []  # mem_ids of elements whose text is not prose (marker anchors, backlinks)
        self.verbatim = 0  # inside <pre>/<code>: no bare URLs or [N] markers
        self.preformatted = 0  # inside <pre>: not prose at all
        self.anchor: tuple[int, list[str]] | None = None  # (mem_id, text) of the open <a>
        self.local: list[Link] = []  # assets, and links to local files and anchors: never references or sources
        self.anchors: list[str] = []  # every id and name: what a #fragment may point at
        self.speakers: list[tuple[int, str]] = []  # (mem_id, role) of the open chat-message elements

    # ---- traversal --------------------------------------------------------------------------------------

    def walk(self, root: LexborNode) -> None:
        stack: list[tuple[LexborNode, bool]] = [(root, False)]
        while stack:
            node, leaving = stack.pop()
            tag = node.tag
            if leaving:
                self._leave(node)
            elif tag == "-text":
                self._text(node.text_content or "")
            elif tag and not tag.startswith("-"):
                self._enter(node)
                stack.append((node, True))
                if tag.lower() not in _OPAQUE:
                    children = list(node.iter(include_text=True))
                    stack.extend((child, False) for child in reversed(children))

    def _enter(self, node: LexborNode) -> None:
        name = node.tag.lower()
        role = node.attributes.get("data-message-author-role")  # a ChatGPT page saved from the browser
        if role in _SPEAKERS:
            self.speakers.append((node.mem_id, _SPEAKERS[role]))
        position = self.tags.locate(node)
        if position is not None:
            self.cursor = max(self.cursor, position[1])
        line = self.lines.line_of(position[0]) if position else self.lines.line_of(self.cursor)
        if name in _VERBATIM:
            self.verbatim += 1
            self.preformatted += name == "pre"
        attributes = node.attributes
        if "id" in attributes or "name" in attributes:
            self.anchors.extend(iter_ids(attributes))
        if name != "a" and name != "base" and not self.verbatim:
            self._attribute_links(name, attributes, line)
        if self.skip_text:
            return
        entry_id = self.entry_ids.get(node.mem_id)
        if entry_id is not None and self.entry is None:
            self.entry, self.entry_node = _Entry(ref_id=entry_id, line=line), node.mem_id
            return
        if self.entry is not None:
            self._enter_in_entry(node, name, line)
            return
        if name in _BLOCKS:
            self._flush()
            self.prose.append(_Prose(speaker=self.speakers[-1][1] if self.speakers else None))
        if name == "a" and not self.verbatim and (position is not None or self._written(node)):
            self._anchor(node, line)

    def _attribute_links(self, name: str, attributes: dict, line: int) -> None:
        """An element's other links (lychee's rules, extract/htmlattrs.py): images, stylesheets, scripts, media,
        srcset candidates, custom elements' href/src. Kept apart: an asset is never a citation."""
        for href, kind in attribute_links(name, attributes):
            url = checkable_href(href, self.base) or local_href(href)
            if url is not None:
                self.local.append(Link(url=url, line=line, kind=kind))

    def _written(self, node: LexborNode) -> bool:
        """Whether an anchor the parser could not match to a tag is in the visible source at all.

        The parser may move an anchor out of a `<noscript>` in <head> (blanked in the source): not a link.
        """
        href = node.attributes.get("href") or ""
        return bool(href) and self.masked.find(href) != -1

    def _leave(self, node: LexborNode) -> None:
        name = node.tag.lower()
        if self.speakers and self.speakers[-1][0] == node.mem_id:
            self.speakers.pop()
        if name in _VERBATIM:
            self.verbatim -= 1
            self.preformatted -= name == "pre"
        if self.skip_text and self.skip_text[-1] == node.mem_id:
            self.skip_text.pop()
            return
        if self.skip_text:
            return
        if self.entry is not None:
            if node.mem_id == self.entry_node:
                self._close_entry()
            elif name == "a" and self.anchor and self.anchor[0] == node.mem_id:
                self._close_entry_anchor()
            return
        if name == "a" and self.anchor and self.anchor[0] == node.mem_id:
            self._close_anchor()
        if name in _BLOCKS and self.prose:
            self._flush()
            self.prose.pop()
            if self.prose:
                self.prose[-1] = _Prose(speaker=self.speakers[-1][1] if self.speakers else None)

    def _flush(self) -> None:
        if self.prose:
            block = self.prose[-1].block()
            if block is not None:
                self.blocks.append(block)

    # ---- text -------------------------------------------------------------------------------------------

    def _text(self, content: str) -> None:
        if self.skip_text or not content:
            return
        offset = self._locate_text(content)
        line = self.lines.line_of(offset)
        content = _SPACES.sub(" ", content)
        if self.anchor is not None:
            self.anchor[1].append(content)
        if self.entry is not None:
            if self.entry.line is None and content.strip():
                self.entry.line = line
            self.entry.text.append(content)
            return
        if not self.prose or self.preformatted:
            return
        prose = self.prose[-1]
        if prose.line is None:
            content = content.lstrip()
            if not content:
                return
            prose.line = line
        # Newlines the markup swallowed (a tag split over lines) are put back, so block lines stay exact.
        leading = len(content) - len(content.lstrip())
        prose.emit(content[:leading])
        missing = (line - prose.line) - prose.newlines
        if missing > 0:
            prose.emit("\n" * missing)
        self._prose_text(prose, content[leading:], line)

    def _prose_text(self, prose: _Prose, content: str, line: int) -> None:
        """Plain text in prose: bare URLs are links; `[N]` is a marker (dropped from the text)."""
        inside_anchor = self.anchor is not None
        cursor = 0
        pieces = []
        for match in ([] if inside_anchor or self.verbatim else _TEXT_MARKER.finditer(content)):
            pieces.append((content[cursor: match.start()], match.group(1)))
            cursor = match.end()
        pieces.append((content[cursor:], None))
        for piece, marker in pieces:
            if not inside_anchor and not self.verbatim:
                for offset, url in find_urls(piece):
                    url_line = prose.line + prose.newlines + piece.count("\n", 0, offset)
                    self.links.append(Link(url=url, line=url_line))
                    prose.links.append((prose.length + offset, url))
            prose.emit(piece)
            if marker is not None:
                self.markers.append(Marker(ref=marker, line=prose.line + prose.newlines))
                prose.citations.append((prose.length, marker))

    def _locate_text(self, content: str) -> int:
        """Where a text node starts in the source: searched for forward from the last known position."""
        stripped = content.lstrip()
        if not stripped:
            return self.cursor
        needle = stripped[: _NON_NEEDLE.search(stripped + " ").start()][:40]
        if not needle:
            return self.cursor
        found = self.masked.find(needle, self.cursor, self.cursor + _SEARCH_WINDOW)
        if found == -1:
            return self.cursor
        self.cursor = found + len(needle)
        return found

    # ---- anchors and markers ----------------------------------------------------------------------------

    def _anchor(self, node: LexborNode, line: int) -> None:
        href = node.attributes.get("href")
        target = fragment_of(href)
        if target is not None and self._is_marker(node, target):
            ref = self.target_ids.get(target, target)
            self.markers.append(Marker(ref=ref, line=line))
            if self.prose:
                prose = self.prose[-1]
                prose.citations.append((prose.length, ref))
            self.skip_text.append(node.mem_id)
            return
        url = checkable_href(href, self.base)
        if url is None:
            local = local_href(href) if self.base is None or (href or "").strip().startswith("#") else None
            if local is not None:
                self.local.append(Link(url=local, line=line, text=(node.text() or "").strip() or None))
            return
        prose = self.prose[-1] if self.prose else None
        self.anchor = (node.mem_id, [])
        self._anchor_info = (url, line, prose, prose.length if prose else 0)

    def _is_marker(self, node: LexborNode, target: str) -> bool:
        if target in self.target_ids:
            return True
        text = (node.text() or "").strip()
        inside_sup = (node.parent is not None and node.parent.tag == "sup") or node.css_first("sup") is not None
        return bool(_MARKER_TARGET.match(target)) and (inside_sup or bool(_MARKER_TEXT.fullmatch(text)))

    def _close_anchor(self) -> None:
        url, line, prose, offset = self._anchor_info
        text = "".join(self.anchor[1]).strip() or None
        self.anchor = None
        self.links.append(Link(url=url, line=line, text=text))
        if prose is not None:
            prose.links.append((offset, url))

    # ---- reference entries ------------------------------------------------------------------------------

    def _enter_in_entry(self, node: LexborNode, name: str, line: int) -> None:
        entry = self.entry
        if entry.line is None:
            entry.line = line
        classes = node.attributes.get("class") or ""
        if "mw-cite-backlink" in classes or (name == "a" and fragment_of(node.attributes.get("href"))):
            self.skip_text.append(node.mem_id)  # backlinks to the markers are not part of the entry
        elif name == "a":
            url = checkable_href(node.attributes.get("href"), self.base)
            if url is not None:
                self.anchor = (node.mem_id, [])
                self._anchor_info = (url, line, None, 0)
        elif name == "i":
            entry.italics.append((node.text() or "").strip())
        elif name == "cite":
            entry.cites.append(node.text() or "")
        elif name in _BLOCKS or name == "br":
            entry.text.append(" ")

    def _close_entry_anchor(self) -> None:
        url, line, _, _ = self._anchor_info
        text = "".join(self.anchor[1]).strip() or None
        self.anchor = None
        self.entry.urls.append((url, line, text))

    def _close_entry(self) -> None:
        entry, self.entry, self.entry_node = self.entry, None, None
        text = _SPACES.sub(" ", "".join(entry.text).replace("\n", " ")).strip()
        urls = [url for url, _, _ in entry.urls]
        parts = parse_entry(text, urls=urls or None)
        title = parts.title
        anchor_texts = [anchor for url, _, anchor in entry.urls if anchor and url == parts.url]
        if (title is None or title == parts.url) and anchor_texts:
            title = anchor_texts[0].strip("\"“”「」『』 ")
        site = parts.site or (entry.italics[0] if entry.italics and entry.italics[0] != title else None)
        retrieved = parts.retrieved or normalize_date(_after_retrieved(text))
        line = entry.line or self.lines.line_of(self.cursor)
        self.references.append(Reference(id=entry.ref_id, line=line, title=title, site=site, url=parts.url,
                                         retrieved=retrieved, archive_url=parts.archive_url,
                         doi=parts.doi))
        own = {parts.url, parts.archive_url}
        self.links.extend(Link(url=url, line=url_line, text=anchor, ref=entry.ref_id)
                          for url, url_line, anchor in entry.urls if url not in own)


_SPEAKERS = {"user": "user", "assistant": "assistant"}


def _after_retrieved(text: str) -> str | None:
    match = re.search(r"(?:retrieved|accessed|閲覧日|アクセス日)[^0-9]{0,12}(.{6,24})", text, re.IGNORECASE)
    return match.group(1) if match else None


def _base_href(tree: LexborHTMLParser) -> str | None:
    base = tree.css_first("base[href]")
    href = (base.attributes.get("href") or "").strip() if base is not None else ""
    return href if re.match(r"[A-Za-z][A-Za-z0-9+.\-]*://", href) else None


def _reference_lists(tree: LexborHTMLParser) -> tuple[dict[int, str], dict[str, str]]:
    """(li mem_id → entry id, li id attribute → entry id) for every reference list in the page.

    One list: entries are numbered as rendered (`<ol start>` + position), matching the `[N]` a reader sees.
    Several lists (notes and references): each entry keeps its `id` attribute, so the numbers cannot clash.
    """
    targets = {href[1:] for node in tree.css("a[href^='#']") if (href := node.attributes.get("href") or "")}
    after_heading = _lists_after_reference_headings(tree)
    lists = []
    for node in tree.css("ol, ul"):
        items = [child for child in node.iter() if child.tag == "li"]
        if not items:
            continue
        classes = node.attributes.get("class") or ""
        if ("references" in classes.split() or node.mem_id in after_heading
                or any((item.attributes.get("id") or "") in targets for item in items)):
            if any(_inside(node, other) for other, _ in lists):
                continue
            lists.append((node, items))
    by_node: dict[int, str] = {}
    by_id: dict[str, str] = {}
    for number, (node, items) in enumerate(lists, start=1):
        start = _int(node.attributes.get("start")) if node.tag == "ol" else 1
        for position, item in enumerate(items):
            written_id = item.attributes.get("id")
            if len(lists) == 1 or not written_id:
                ref_id = str(start + position) if len(lists) == 1 else f"{number}-{position + 1}"
            else:
                ref_id = written_id
            by_node[item.mem_id] = ref_id
            if written_id:
                by_id[written_id] = ref_id
    return by_node, by_id


def _lists_after_reference_headings(tree: LexborHTMLParser) -> set[int]:
    found: set[int] = set()
    for heading in tree.css("h1, h2, h3, h4, h5, h6"):
        if not REFERENCES_HEADING.fullmatch((heading.text() or "").strip()):
            continue
        for start in (heading, heading.parent):
            node = start.next if start is not None else None
            while node is not None and node.tag not in _HEADINGS:
                if node.tag in ("ol", "ul"):
                    found.add(node.mem_id)
                    break
                if node.tag not in ("-text", "-comment"):
                    inner = node.css_first("ol, ul") if node.tag != "-text" else None
                    if inner is not None and node.css_first("h1, h2, h3, h4, h5, h6") is None:
                        found.add(inner.mem_id)
                        break
                node = node.next
            else:
                continue
            if node is not None and node.tag not in _HEADINGS:
                break
    return found


def _inside(node: LexborNode, ancestor: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.mem_id == ancestor.mem_id:
            return True
        parent = parent.parent
    return False


def _int(value: str | None) -> int:
    try:
        return int(value) if value else 1
    except ValueError:
        return 1
