"""Read MediaWiki wikitext into references, markers, links, prose blocks and suppressions (mwparserfromhell).

`<ref>` tags are references and markers at once: `{{cite web|news|journal|book …}}` (English and Japanese,
`{{Cite web|和書|…}}`) give the title, site, URL, access date and archive URL; a bare `[http://x label]` or
plain text gives what it can. Named refs `<ref name=x>` reused as `<ref name=x />` are one Reference and a
Marker per use, id the name; unnamed refs are numbered as MediaWiki renders them. Refs defined inside
`<references>…</references>` or `{{reflist|refs=…}}` are definitions, not citations.

mwparserfromhell keeps every character, so a node's offset is the sum of the lengths before it; nested
nodes are found inside their parent's text in order. Prose is rebuilt into a text with one newline per
source line, so blocks and their citations keep exact lines.
"""

from __future__ import annotations

import re

import mwparserfromhell
from mwparserfromhell.nodes import Comment, ExternalLink, Heading, HTMLEntity, Tag, Template, Text, Wikilink
from mwparserfromhell.wikicode import Wikicode

from refcheck.extract import suppressions
from refcheck.extract.entries import find_doi, normalize_date, parse_entry, split_archive
from refcheck.extract.hrefs import checkable_href
from refcheck.extract.lines import LineIndex
from refcheck.extract.prose import ProseText
from refcheck.extract.urls import clean_url
from refcheck.models import Document, Extraction, Link, Marker, ProseBlock, Reference

_SITE_PARAMS = ("website", "work", "newspaper", "journal", "magazine", "periodical", "publisher", "agency", "via")
_TITLE_PARAMS = ("title", "script-title", "chapter")
_AUTHOR_PARAMS = ("last", "last1", "author", "author1", "surname", "surname1", "authors")
_URL_PARAMS = ("url", "chapter-url", "chapterurl", "contribution-url")
_RETRIEVED_PARAMS = ("access-date", "accessdate", "access_date", "閲覧日")
_ARCHIVE_PARAMS = ("archive-url", "archiveurl", "archive_url")
_LIST_TEMPLATES = frozenset({"reflist", "references", "notelist", "脚注ヘルプ", "reflist-talk"})
_NO_PROSE_TAGS = frozenset({"math", "code", "pre", "nowiki", "syntaxhighlight", "source", "gallery", "score",
                            "timeline", "graph", "chem", "ce", "templatedata", "imagemap", "hiero", "poem"})
_NON_TEXT_LINKS = re.compile(r"\s*:?\s*(?:file|image|media|category|ファイル|画像|カテゴリ|[a-z]{2,3}(?:-[a-z]+)?)\s*:",
                             re.IGNORECASE)
_LIST_PREFIX = re.compile(r"[*#:;]+[ \t]*")
_STREAM_LIST_PREFIX = re.compile(r"[*#:;]*[ \t]*")  # the parser keeps `*` as a tag, so the stream may lack it
_HEADING_LINE = re.compile(r"\s*=.*=\s*$")
_TABLE_LINE = re.compile(r"\s*(?:\{\||\|\}|\|-|\||!)")


class _Stream(ProseText):
    """Plain text of the page with exactly one newline per source line, plus citations and links at offsets."""

    def reach_line(self, line: int) -> None:
        """Pad with newlines that dropped markup (templates, comments) took with it."""
        missing = line - 1 - self.newlines
        if missing > 0:
            self.emit("\n" * missing)


def extract(document: Document) -> Extraction:
    text = document.text
    lines = LineIndex(text)
    reader = _Reader(text, lines)
    try:
        code = mwparserfromhell.parse(text)
    except Exception:  # the parser's own errors on odd input; a document is data, not a crash
        code = None
    if code is not None:
        reader.walk(code, 0, prose=True, listed=False)
    return Extraction(
        references=tuple(reader.references),
        markers=tuple(reader.markers),
        links=tuple(reader.links),
        blocks=tuple(_blocks(text, lines, reader.stream)),
        suppressions=tuple(suppressions.scan(text, lines)),
        has_markers=bool(reader.markers),
    )


class _Reader:
    def __init__(self, text: str, lines: LineIndex):
        self.text, self.lines = text, lines
        self.stream = _Stream()
        self.references: list[Reference] = []
        self.markers: list[Marker] = []
        self.links: list[Link] = []
        self.numbers: dict[tuple[str, str], int] = {}  # (group, name) → the number MediaWiki shows
        self.counters: dict[str, int] = {}  # group → last number given
        self.defined: set[tuple[str, str]] = set()

    # ---- walking with offsets -----------------------------------------------------------------------------

    def walk(self, code: Wikicode, offset: int, prose: bool, listed: bool) -> None:
        """Visit `code`'s nodes, `offset` being where `code` starts in the source."""
        for node in code.nodes:
            written = str(node)
            self._node(node, written, offset, prose, listed)
            offset += len(written)

    def _children(self, node, written: str, offset: int, prose: bool, listed: bool, only=None) -> None:
        """Walk the child Wikicodes of `node` (template params, tag contents…), each at its exact offset.

        Children come in source order, so each is looked for after the previous one; `only` limits the
        walk to one child (a formatting tag's contents, not its name or attributes).
        """
        cursor = 0
        for child in node.__children__():
            child_text = str(child)
            found = written.find(child_text, cursor)
            if found == -1:
                continue
            if only is None or child is only:
                self.walk(child, offset + found, prose, listed)
            cursor = found + len(child_text)

    def _node(self, node, written: str, offset: int, prose: bool, listed: bool) -> None:
        if prose:
            self.stream.reach_line(self.lines.line_of(offset))
        if isinstance(node, Text):
            if prose:
                self.stream.emit(written)
        elif isinstance(node, Tag):
            self._tag(node, written, offset, prose, listed)
        elif isinstance(node, ExternalLink):
            self._external_link(node, offset, prose)
        elif isinstance(node, Wikilink):
            if prose and not _NON_TEXT_LINKS.match(str(node.title)):
                self.stream.emit((node.text if node.text is not None else node.title).strip_code().replace("\n", " "))
        elif isinstance(node, HTMLEntity):
            if prose:
                self.stream.emit(node.normalize())
        elif isinstance(node, Template):
            self._template(node, written, offset, listed)
        elif isinstance(node, (Comment, Heading)):
            if isinstance(node, Heading):
                self._children(node, written, offset, prose=False, listed=listed)
        elif hasattr(node, "__children__"):
            self._children(node, written, offset, prose=False, listed=listed)

    def _tag(self, node: Tag, written: str, offset: int, prose: bool, listed: bool) -> None:
        name = str(node.tag).strip().lower()
        if name == "ref":
            self._ref(node, written, offset, prose, listed)
        elif name == "references":
            self._children(node, written, offset, prose=False, listed=True)
        elif name in _NO_PROSE_TAGS:
            return
        elif name == "br":
            if prose:
                self.stream.emit(" ")
        elif node.contents is not None:
            # Formatting (bold, <span>, <small>): its contents are prose like the text around it.
            self._children(node, written, offset, prose, listed, only=node.contents)

    def _template(self, node: Template, written: str, offset: int, listed: bool) -> None:
        name = _template_name(node)
        if name.startswith("cite") or name == "citation":
            reference = _cited(node, ref_id="", line=self.lines.line_of(offset))
            for url in (reference.url, reference.archive_url):
                if url and checkable_href(url):
                    self.links.append(Link(url=url, line=self.lines.line_of(offset), text=reference.title))
            return
        self._children(node, written, offset, prose=False, listed=listed or name in _LIST_TEMPLATES)

    def _external_link(self, node: ExternalLink, offset: int, prose: bool) -> None:
        raw = str(node.url).strip()
        url = raw if node.brackets else clean_url(raw)
        label = node.title.strip_code().strip() if node.title is not None else None
        line = self.lines.line_of(offset)
        if checkable_href(url):
            self.links.append(Link(url=url, line=line, text=label or None))
            if prose:
                self.stream.links.append((self.stream.length, url))
        if prose:
            self.stream.emit((label or "").replace("\n", " ") if node.brackets else raw)

    # ---- refs -------------------------------------------------------------------------------------------

    def _ref(self, node: Tag, written: str, offset: int, prose: bool, listed: bool) -> None:
        name = _attribute(node, "name")
        group = _attribute(node, "group") or ""
        line = self.lines.line_of(offset)
        ref_id = self._ref_id(group, name, counts=not listed)
        body = node.contents if not node.self_closing and node.contents is not None else None
        if body is not None and str(body).strip() and (name is None or (group, name) not in self.defined):
            if name is not None:
                self.defined.add((group, name))
            self.references.append(self._reference(ref_id, body, written, offset, line))
        if not listed:
            self.markers.append(Marker(ref=ref_id, line=line))
            if prose:
                self.stream.citations.append((self.stream.length, ref_id))

    def _ref_id(self, group: str, name: str | None, counts: bool) -> str:
        """A named ref's id is its name; an unnamed one's is the number MediaWiki renders for it."""
        if name is not None:
            if counts and (group, name) not in self.numbers:
                self.numbers[(group, name)] = self._next_number(group)
            return name
        number = self._next_number(group)
        return f"{group} {number}" if group else str(number)

    def _next_number(self, group: str) -> int:
        self.counters[group] = self.counters.get(group, 0) + 1
        return self.counters[group]

    def _reference(self, ref_id: str, body: Wikicode, written: str, offset: int, line: int) -> Reference:
        """What a ref says: a citation template, or a bracketed link with words around it, or plain text."""
        body_offset = offset + max(written.find(str(body)), 0)
        templates = [t for t in body.filter_templates(recursive=False) if _is_citation(t)]
        links = self._ref_links(body, body_offset)
        if templates:
            reference = _cited(templates[0], ref_id, line)
        else:
            reference = self._free_text_reference(ref_id, body, line, links)
        own = {reference.url, reference.archive_url}
        self.links.extend(Link(url=url, line=url_line, text=label, ref=ref_id)
                          for url, url_line, label in links if url not in own)
        return reference

    def _free_text_reference(self, ref_id: str, body: Wikicode, line: int,
                             links: list[tuple[str, int, str | None]]) -> Reference:
        """`[http://x Title] Site, retrieved …` or `"Title". Site. …`: the link's label is the title unless quoted."""
        text = body.strip_code(normalize=True, collapse=True).strip()
        if "{{" in str(body):
            unclosed = _unclosed_citation(str(body), ref_id, line)
            if unclosed is not None:
                return unclosed
        parts = parse_entry(text, urls=[url for url, _, _ in links] or None)
        labels = [label for url, _, label in links if label and url == parts.url]
        title, site = parts.title, parts.site
        if labels and (title is None or title == parts.url or not _quoted(text)):
            title = labels[0]
            without_links = "".join(str(node) for node in body.nodes if not isinstance(node, ExternalLink))
            rest = parse_entry(mwparserfromhell.parse(without_links).strip_code().strip(" \t,.;:–—-"))
            site = rest.title
        return Reference(id=ref_id, line=line, title=title, site=site if site != title else None, url=parts.url,
                         retrieved=parts.retrieved, archive_url=parts.archive_url,
                         doi=parts.doi)

    def _ref_links(self, body: Wikicode, body_offset: int) -> list[tuple[str, int, str | None]]:
        """Every external link in a ref's body as (url, line, label), found with its exact offset."""
        found = []
        offset = body_offset
        for node in body.nodes:
            written = str(node)
            if isinstance(node, ExternalLink):
                raw = str(node.url).strip()
                url = raw if node.brackets else clean_url(raw)
                if checkable_href(url):
                    label = node.title.strip_code().strip() if node.title is not None else None
                    found.append((url, self.lines.line_of(offset), label or None))
            offset += len(written)
        return found


def _cited(template: Template, ref_id: str, line: int) -> Reference:
    params = {str(param.name).strip().lower(): param.value for param in template.params}
    url = _param(params, _URL_PARAMS, plain=False)
    archive = _param(params, _ARCHIVE_PARAMS, plain=False)
    if url is None and archive is not None:
        url, archive = split_archive([archive])
    published = _param(params, ("date", "publication-date"))
    year = _param(params, ("year",)) or published
    author = _param(params, _AUTHOR_PARAMS)
    return Reference(
        id=ref_id,
        line=line,
        title=_param(params, _TITLE_PARAMS),
        site=_param(params, _SITE_PARAMS),
        url=url,
        retrieved=normalize_date(_param(params, _RETRIEVED_PARAMS)),
        archive_url=archive,
        doi=find_doi(_param(params, ("doi",))),
        authors=(author,) if author else (),
        year=_year(year),
        published=normalize_date(published),
    )


def _year(text: str | None) -> int | None:
    """The four-digit year of a `year=` or `date=` value ("2017", "2017a", "May 2017"), else None."""
    match = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", text or "")
    return int(match.group(1)) if match else None


def _unclosed_citation(body: str, ref_id: str, line: int) -> Reference | None:
    """A `{{cite web|…` whose `}}` is missing is still read, parameter by parameter, as the reader meant it."""
    opening = re.search(r"\{\{\s*(?:cite[^|]*|citation)\|", body, re.IGNORECASE)
    if opening is None:
        return None
    params = {match.group(1).strip().lower(): match.group(2).strip()
              for match in re.finditer(r"\|\s*([^|=]+?)\s*=([^|]*)", body[opening.start():])}

    def first(names: tuple[str, ...]) -> str | None:
        return next((params[name] for name in names if params.get(name)), None)

    return Reference(id=ref_id, line=line, title=first(_TITLE_PARAMS), site=first(_SITE_PARAMS),
                     url=first(_URL_PARAMS), retrieved=normalize_date(first(_RETRIEVED_PARAMS)),
                     archive_url=first(_ARCHIVE_PARAMS))


def _param(params: dict[str, Wikicode], names: tuple[str, ...], plain: bool = True) -> str | None:
    for name in names:
        value = params.get(name)
        if value is not None:
            text = value.strip_code(normalize=True, collapse=True) if plain else str(value)
            text = " ".join(text.split())
            if text:
                return text
    return None


def _template_name(template: Template) -> str:
    return " ".join(str(template.name).replace("_", " ").split()).lower()


def _is_citation(template: Template) -> bool:
    name = _template_name(template)
    return name.startswith("cite") or name == "citation" or name.startswith("citation/")


def _attribute(node: Tag, name: str) -> str | None:
    for attribute in node.attributes:
        if str(attribute.name).strip().lower() == name:
            value = str(attribute.value).strip().strip("\"'").strip() if attribute.value is not None else ""
            return value or None
    return None


def _quoted(text: str) -> bool:
    return text[:1] in "\"“「『"


# ---- prose blocks ---------------------------------------------------------------------------------------


def _blocks(text: str, lines: LineIndex, stream: _Stream) -> list[ProseBlock]:
    """Split the prose stream into paragraphs and list items; its line N is the source's line N."""
    plain = "".join(stream.parts)
    citations = sorted(stream.citations)
    links = sorted(stream.links)
    blocks: list[ProseBlock] = []
    current: dict | None = None
    position = 0
    cited = linked = 0
    for number, line_text in enumerate(plain.split("\n"), start=1):
        start, position = position, position + len(line_text) + 1
        source = _source_line(text, lines, number)
        kind = _line_kind(source, line_text)
        # What was cited or linked on a line that is not prose (an infobox, a table) belongs to no block.
        line_citations, cited = _up_to(citations, cited, position)
        line_links, linked = _up_to(links, linked, position)
        if kind in ("break", "list") and current is not None:
            blocks.append(_finish(current))
            current = None
        if kind == "break":
            continue
        prefix = _STREAM_LIST_PREFIX.match(line_text) if kind == "list" else None
        skip = prefix.end() if prefix else 0
        if current is None:
            current = {"line": number, "parts": [], "length": 0, "citations": [], "links": []}
        elif current["parts"]:
            current["parts"].append("\n")
            current["length"] += 1
        base = current["length"] - start - skip
        for offset, ref_id in line_citations:
            current["citations"].append((max(offset + base, current["length"]), ref_id))
        for offset, url in line_links:
            current["links"].append((max(offset + base, current["length"]), url))
        current["parts"].append(line_text[skip:])
        current["length"] += len(line_text) - skip
        if kind == "list":
            blocks.append(_finish(current))
            current = None
    if current is not None:
        blocks.append(_finish(current))
    return [block for block in blocks if block.text.strip()]


def _up_to(items: list[tuple[int, str]], index: int, stop: int) -> tuple[list[tuple[int, str]], int]:
    """The items from `index` whose offset is before `stop`, and the index after them."""
    taken = []
    while index < len(items) and items[index][0] < stop:
        taken.append(items[index])
        index += 1
    return taken, index


def _line_kind(source: str, prose: str) -> str:
    if not prose.strip() or _HEADING_LINE.match(source) or _TABLE_LINE.match(source):
        return "break"
    if _LIST_PREFIX.match(source):
        return "list"
    return "text"


def _source_line(text: str, lines: LineIndex, number: int) -> str:
    if number > lines.line_count:
        return ""
    start = lines.start_of(number)
    end = text.find("\n", start)
    return text[start: len(text) if end == -1 else end]


def _finish(current: dict) -> ProseBlock:
    return ProseBlock(text="".join(current["parts"]), line=current["line"],
                      citations=tuple(current["citations"]), links=tuple(current["links"]))
