"""Read a Markdown document into references, markers, links, prose blocks and suppressions (markdown-it-py).

What counts: inline links, autolinks, bare URLs in text, reference-style links and their definitions,
footnotes `[^1]` and their definitions, `[N]` markers with a `## References` (`## 参考文献`, `## 出典`…)
list, and `<!-- refcheck: ignore[…] -->` comments. Images, code spans and code blocks are not links.

Lines are exact: a few inline rules are wrapped so that each token they make remembers where its source
starts and ends inside its block, and every prose block keeps one newline per source line, so a line is
the block's first line plus the newlines before an offset.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from types import SimpleNamespace

from markdown_it import MarkdownIt
from markdown_it import helpers as md_helpers
from markdown_it.common.utils import normalizeReference, unescapeAll
from markdown_it.helpers.parse_link_destination import _Result as _LinkResult
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from refcheck.extract import suppressions
from refcheck.extract.anchors import HEADING_ID, Slugger, html_ids
from refcheck.extract.entries import REFERENCES_HEADING, parse_entry
from refcheck.extract.hrefs import checkable_href, is_not_checked_scheme, local_href
from refcheck.extract.htmlattrs import raw_html_links
from refcheck.extract.lines import LineIndex
from refcheck.extract.prose import ProseText
from refcheck.extract.urls import find_urls
from refcheck.models import Document, Extraction, Link, Marker, ProseBlock, Reference, Suppression

_MARKER = re.compile(r"\[(\d{1,4})\]")
_LINE_ENTRY = re.compile(r"\[(\d{1,4})\]|(\d{1,4})[.)]\s")
_DEFINITION_LABEL = re.compile(r"\[((?:[^\]\\\n]|\\.)+)\]:")
# The token each wrapped inline rule makes first; it gets meta["span"] = (start, end) in the block's source.
_SPANNED_RULES = {
    "link": "link_open",
    "image": "image",
    "autolink": "link_open",
    "backticks": "code_inline",
    "footnote_ref": "footnote_ref",
    "html_inline": "html_inline",
}
# An http(s) URL that markdown-it's normalizeLink gives back unchanged: ASCII host labels of at most 63 characters,
# an optional port, then only characters its percent-encoder keeps as they are (no `%`, which it reads as an escape,
# no white space). Most links are written like this, and normalising them costs as much as the rest of the
# inline parse of their lines (tests/extract/test_normalize_link.py holds the two answers equal).
_PLAIN_HTTP_URL = re.compile(r"https?://(?=[A-Za-z0-9])[A-Za-z0-9-]{0,63}(?:\.[A-Za-z0-9-]{0,63})*(?::[0-9]+)?"
                             r"(?:[/?#][A-Za-z0-9\-._~/?#;:@&=+$,!*'()]*)?")
_UNREAD_TAG = re.compile(r"<[A-Za-z][A-Za-z0-9.:-]*(?:\s|$)")
_MAX_PLAIN_URL = 255  # markdown-it drops a host longer than this; a URL no longer cannot have one
# A relative path or #anchor of unreserved characters only (`../docs/a_b.md#x-y`): no host, no scheme, nothing to
# encode, so normalizeLink gives it back unchanged too (a docs tree is mostly these).
_PLAIN_RELATIVE = re.compile(r"(?!//)[A-Za-z0-9\-._~/]*(?:#[A-Za-z0-9\-._~]*)?")


def _normalize_link(normalize):
    """markdown-it's public `normalizeLink` hook, answering at once for a URL it would return unchanged."""
    def normalized(url: str) -> str:
        if len(url) <= _MAX_PLAIN_URL and (_PLAIN_HTTP_URL.fullmatch(url) or _PLAIN_RELATIVE.fullmatch(url)):
            return url
        return normalize(url)

    return normalized


def _normalize_link_text(normalize):
    """markdown-it's public `normalizeLinkText` hook (an autolink's text), answering at once for a plain http(s) URL
    without punycode (`xn--` labels it would decode): it gives those back unchanged (tests/extract/
    test_normalize_link.py). Its URL parse and format cost as much as the rest of a `<url>` line's reading."""
    def normalized(url: str) -> str:
        if len(url) <= _MAX_PLAIN_URL and _PLAIN_HTTP_URL.fullmatch(url) and "xn--" not in url.lower():
            return url
        return normalize(url)

    return normalized


def _with_span(rule, token_type: str):
    def spanned(state, silent: bool) -> bool:
        start, first = state.pos, len(state.tokens)
        matched = rule(state, silent)
        if matched and not silent:
            for token in state.tokens[first:]:
                if token.type == token_type:
                    token.meta = {**(token.meta or {}), "span": (start, state.pos)}
                    break
        return matched

    return spanned


# A link destination markdown-it's parseLinkDestination reads to its first space, control character or `)`: no `<`
# form, no `(` (nesting) and no `\` (escapes) in it. That function walks it one character at a time in Python (a
# third of the inline parse of a list of links); this regex finds the same end in C.
_PLAIN_DESTINATION = re.compile(r"[^\x00-\x20\x7f()\\]*")


def _parse_link_destination(string: str, pos: int, maximum: int):
    """markdown-it's `parseLinkDestination`, answering at once for a plain destination (tests/extract/
    test_markdown_lean.py holds the two equal); anything else is left to markdown-it's own."""
    if pos < maximum and string[pos] != "<":
        end = _PLAIN_DESTINATION.match(string, pos, maximum).end()
        if end > pos and (end == maximum or string[end] not in "(\\"):
            result = _LinkResult()
            result.str, result.pos, result.ok = unescapeAll(string[pos:end]), end, True
            return result
    return md_helpers.parseLinkDestination(string, pos, maximum)


# Text in which no inline rule of the parser can match anywhere: none of the characters that start one (`\` escape,
# `` ` `` code, `*` `_` emphasis, `~` strikethrough, `[` `]` links and footnotes, `!` only before `[`, `<` autolinks
# and HTML, `&` entities, `^` inline footnotes) and no line break. markdown-it makes one text token of it.
_PLAIN_TEXT = r"[^\n\\`*_~\[\]<&^]"
# An inline run that is one inline link or autolink, then plain text: `[title](https://…)`, `<https://…>` — nearly
# every line of a list of links. The destination is a plain one (as in _parse_link_destination) with no title.
_LINK_LINE = re.compile(rf"\[({_PLAIN_TEXT}+)\]\(([^\x00-\x20\x7f()\\<][^\x00-\x20\x7f()\\]*)\)({_PLAIN_TEXT}*)")
_AUTOLINK_LINE = re.compile(rf"<([a-zA-Z][a-zA-Z0-9+.\-]{{1,31}}:[^<>\x00-\x20]*)>({_PLAIN_TEXT}*)")
_TEXT_LINE = re.compile(f"{_PLAIN_TEXT}+")


def _inline_children(md: MarkdownIt, content: str) -> list[Token] | None:
    """The tokens markdown-it's inline parser makes of `content` when it is a link line or plain text (the same
    tokens, spans included: tests/extract/test_markdown_lean.py holds them equal); None for anything else."""
    match = _LINK_LINE.fullmatch(content)
    if match is not None:
        href = md.normalizeLink(unescapeAll(match.group(2)))
        if not md.validateLink(href):
            return None
        tokens = _link_tokens(href, match.group(1), match.end(2) + 1, autolink=False)
        return tokens + [Token("text", "", 0, content=match.group(3))] if match.group(3) else tokens
    match = _AUTOLINK_LINE.fullmatch(content) if content[:1] == "<" else None
    if match is not None:
        href = md.normalizeLink(match.group(1))
        if not md.validateLink(href):
            return None
        tokens = _link_tokens(href, md.normalizeLinkText(match.group(1)), match.end(1) + 1, autolink=True)
        return tokens + [Token("text", "", 0, content=match.group(2))] if match.group(2) else tokens
    if _TEXT_LINE.fullmatch(content):
        return [Token("text", "", 0, content=content)]
    return None


def _link_tokens(href: str, text: str, end: int, autolink: bool) -> list[Token]:
    """link_open, its text, link_close: as markdown-it's link and autolink rules push them (wrapped by _with_span)."""
    markup, info = ("autolink", "auto") if autolink else ("", "")
    # Token's fields in order, as in _simple_list
    return [Token("link_open", "a", 1, {"href": href}, None, 0, None, "", markup, info, {"span": (0, end)}),
            Token("text", "", 0, {}, None, 1, None, text),
            Token("link_close", "a", -1, {}, None, 0, None, "", markup, info)]


def _inline_rule(state) -> None:
    """markdown-it's core `inline` rule, with the inline parser skipped where `_inline_children` knows its answer."""
    md = state.md
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            children = None if token.children else _inline_children(md, token.content)
            if children is None:
                md.inline.parse(token.content, md, state.env, token.children)
            else:
                token.children.extend(children)


# A bullet list item of one line whose text starts no block inside the item: not a fence, quote, rule, list, heading,
# indented code, HTML block (`<scheme:` is an autolink, never one), reference definition or footnote (`[label]` not
# followed by `:`), and with no white space around it (markdown-it trims it).
_SIMPLE_ITEM = re.compile(r"([-*+]) (?=[^\s`~>*\-_+#<\[0-9]|<[A-Za-z][A-Za-z0-9+.\-]*:|\[[^\[\]\\^\s][^\[\]\\]*\](?!:))"
                          r"(?:.*\S)?")


def _simple_list(state, start_line: int, end_line: int, silent: bool) -> bool:
    """A block rule before markdown-it's `list`: a tight top-level bullet list of simple one-line items (a list of
    links), its tokens pushed as markdown-it's list and paragraph rules push them, without running the block rules on
    every item (tests/extract/test_markdown_lean.py holds the tokens equal). Anything else is left to `list`: another
    line in the list or after it without a blank line (an item or a lazy continuation), or after the blank lines a
    line that could continue the list or the last item."""
    if silent or state.level or state.blkIndent or state.listIndent != -1 or state.parentType != "root":
        return False
    src, starts, ends = state.src, state.bMarks, state.eMarks
    marker = src[starts[start_line]]
    line = start_line
    while line < end_line and src[starts[line]] == marker and _SIMPLE_ITEM.fullmatch(src, starts[line], ends[line]):
        line += 1
    if line == start_line:
        return False
    end = line
    if end < end_line:
        if not state.isEmpty(end):
            return False
        end = state.skipEmptyLines(end)
        if end < end_line and (state.sCount[end] >= 2 or src[starts[end] + state.tShift[end]] in "-*+"):
            return False
    # Token's fields in order (positional arguments cost a third less than keywords, for 5 tokens an item): type, tag,
    # nesting, attrs, map, level, children, content, markup, info, meta, block, hidden.
    tokens = state.tokens
    tokens.append(Token("bullet_list_open", "ul", 1, {}, [start_line, end], 0, None, "", marker, "", {}, True, False))
    last = line - 1
    for item in range(start_line, line):
        tokens += (Token("list_item_open", "li", 1, {}, [item, end if item == last else item + 1], 1, None, "", marker,
                         "", {}, True, False),
                   Token("paragraph_open", "p", 1, {}, [item, item + 1], 2, None, "", "", "", {}, True, True),
                   Token("inline", "", 0, {}, [item, item + 1], 3, [], src[starts[item] + 2: ends[item]], "", "", {},
                         True, False),
                   Token("paragraph_close", "p", -1, {}, None, 2, None, "", "", "", {}, True, True),
                   Token("list_item_close", "li", -1, {}, None, 1, None, "", marker, "", {}, True, False))
    tokens.append(Token("bullet_list_close", "ul", -1, {}, None, 0, None, "", marker, "", {}, True, False))
    state.line = end
    return True


def _parser(shortcuts: bool = True) -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"linkify": False}).enable("table").use(footnote_plugin)
    functions = {rule.name: rule.fn for rule in parser.inline.ruler.__rules__}
    for name, token_type in _SPANNED_RULES.items():
        parser.inline.ruler.at(name, _with_span(functions[name], token_type))
    if shortcuts:
        parser.block.ruler.before("list", "simple_list", _simple_list)
        parser.core.ruler.at("inline", _inline_rule)
    parser.normalizeLink = _normalize_link(parser.normalizeLink)
    parser.normalizeLinkText = _normalize_link_text(parser.normalizeLinkText)
    parser.validateLink = _validate_link(parser.validateLink)
    parser.helpers = SimpleNamespace(parseLinkLabel=md_helpers.parseLinkLabel, parseLinkTitle=md_helpers.parseLinkTitle,
                                     parseLinkDestination=_parse_link_destination)
    return parser


def _validate_link(validate):
    """markdown-it refuses `file:` links (unsafe to render); a link checker reads them: they are local files."""
    def valid(url: str) -> bool:
        return validate(url) or url.strip()[:5].lower() == "file:"

    return valid


_PARSER = _parser()

# Rules (block and inline) that can match only where the source holds one of these strings: a reference definition
# needs `]:`, a footnote `[^` or `^[`, a fence ``` or ~~~, and so on. markdown-it tries each enabled block rule at
# every line and each inline rule at every special character; a document without the string never needs the rule,
# so it is parsed with the rule off. A rule that cannot match returns False and changes nothing, so the tokens are
# the same (tests/extract/test_markdown_lean.py compares them with the full parser's on the samples and corpora).
_RULE_NEEDS = {
    "reference": ("]:",),
    "footnote_def": ("[^",),
    "footnote_ref": ("[^",),
    "footnote_inline": ("^[",),
    "fence": ("```", "~~~"),
    "blockquote": (">",),
    "html_block": ("<",),
    "html_inline": ("<",),
    "autolink": ("<",),
    "heading": ("#",),
    "table": ("|",),
    "backticks": ("`",),
    "entity": ("&",),
    "escape": ("\\",),
    "image": ("![",),
}


def _parser_for(text: str) -> MarkdownIt:
    """The parser for `text`: without the rules whose strings it does not hold."""
    return _parser_without(frozenset(name for name, needles in _RULE_NEEDS.items()
                                     if not any(needle in text for needle in needles)))


@functools.lru_cache(maxsize=64)
def _parser_without(disabled: frozenset[str]) -> MarkdownIt:
    return _parser().disable(sorted(disabled)) if disabled else _PARSER


@dataclass(kw_only=True)  # `line` has no default, the inherited fields do
class _Prose(ProseText):
    """Plain text of one or more inline runs, with citations and links at offsets into it."""

    line: int
    found_links: list[Link] = field(default_factory=list)
    found_markers: list[Marker] = field(default_factory=list)
    anchor_texts: list[str] = field(default_factory=list)
    navigation: list[tuple[int, int]] = field(default_factory=list)  # spans of local links' text: a page's own links

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def block(self) -> ProseBlock | None:
        text = self.text
        if not text.strip() or (self.navigation and not _words_besides(text, self.navigation)):
            return None  # nothing, or only links to the docs' own pages (a list of them): navigation, not claims
        return ProseBlock(text=text, line=self.line, citations=tuple(self.citations), links=tuple(self.links))


@dataclass
class _Found:
    """What the walk over the whole document collects."""

    references: list[Reference] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    blocks: list[ProseBlock] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    local: list[Link] = field(default_factory=list)  # local links and assets: never references or claim sources
    anchors: list[str] = field(default_factory=list)


def extract(document: Document) -> Extraction:
    env: dict = {}
    tokens = _parser_for(document.text).parse(document.text, env)
    reader = _Reader(document.text, env)
    reader.walk(tokens)
    found = reader.found
    return Extraction(
        references=tuple(sorted(found.references, key=lambda reference: reference.line)),
        markers=tuple(found.markers),
        links=tuple(found.links) + tuple(sorted(found.local, key=lambda link: link.line)),
        blocks=tuple(found.blocks),
        suppressions=tuple(found.suppressions),
        has_markers=bool(found.markers),
        anchors=tuple(dict.fromkeys(found.anchors)),
    )


class _Reader:
    """One pass over the block tokens, knowing whether it is in a references section or a footnote."""

    def __init__(self, text: str, env: dict):
        self.text = text
        self.lines = LineIndex(text)
        self.found = _Found()
        self.labels = self._definitions(env.get("references", {}))
        self.section_level: int | None = None  # heading level of the open references section
        self.section_list_depth = 0
        self.section_position = 0
        self.list_start: int | None = None
        self.footnote: tuple[str, _Prose] | None = None
        self.entry: tuple[str | None, _Prose] | None = None
        self.row: _Prose | None = None
        self.slugger = Slugger()
        self.verbatim_html = 0  # inside a raw-HTML <pre>/<code>…: its links are not links (as in lychee)

    def _definitions(self, definitions: dict) -> dict[str, str]:
        """Reference-style definitions become References; returns normalized label → label as written."""
        labels = {}
        for key, definition in sorted(definitions.items(), key=lambda item: (item[1].get("map") or [0])[0]):
            line = (definition.get("map") or [0])[0] + 1
            written = _DEFINITION_LABEL.search(self._line_text(line))
            label = written.group(1).strip() if written and normalizeReference(written.group(1)) == key else key.lower()
            labels[key] = label
            url = definition.get("href") or None
            self.found.references.append(Reference(id=label, line=line, title=definition.get("title") or None, url=url))
        return labels

    def _line_text(self, line: int) -> str:
        if line > self.lines.line_count:
            return ""
        start = self.lines.start_of(line)
        end = self.text.find("\n", start)
        return self.text[start: len(self.text) if end == -1 else end]

    # ---- the block level -------------------------------------------------------------------------------

    def walk(self, tokens: list[Token]) -> None:
        heading: Token | None = None
        for token in tokens:
            kind = token.type
            if kind == "heading_open":
                heading = token
            elif kind == "inline":
                if heading is not None:
                    self._heading(heading, token)
                    heading = None
                else:
                    self._inline(token)
            elif kind == "html_block":
                self._html(token.content, token.map[0] + 1)
            elif kind == "footnote_open":
                self.footnote = (_footnote_label(token.meta), None)
            elif kind == "footnote_close":
                self._close_footnote()
            elif kind == "tr_open":
                self.row = _Prose(line=token.map[0] + 1)
            elif kind == "tr_close":
                self._commit(self.row)
                self.row = None
            elif self.section_level is not None:
                self._section_structure(token)

    def _heading(self, heading: Token, inline: Token) -> None:
        level = int(heading.tag[1:])
        prose = self._read_inline(inline)
        self._commit(prose, as_block=False)
        self._heading_anchors(prose.text.replace("\n", " "))
        if REFERENCES_HEADING.fullmatch(prose.text.strip()):
            self.section_level, self.section_list_depth, self.section_position = level, 0, 0
        elif self.section_level is not None and level <= self.section_level:
            self.section_level = None

    def _heading_anchors(self, text: str) -> None:
        """GitHub's slug of the heading, and its `{#id}` when one is written."""
        custom = HEADING_ID.search(text)
        if custom:
            self.found.anchors.append(custom.group(1))
            text = text[: custom.start()]
        self.found.anchors.append(self.slugger.slug(text.strip()))

    def _section_structure(self, token: Token) -> None:
        """In a references section, each item of the top list is one entry."""
        if token.type in ("bullet_list_open", "ordered_list_open"):
            self.section_list_depth += 1
            if self.section_list_depth == 1:
                ordered = token.type == "ordered_list_open"
                self.list_start = int(token.attrGet("start") or 1) if ordered else None
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            self.section_list_depth -= 1
        elif token.type == "list_item_open" and self.section_list_depth == 1:
            self.section_position += 1
            # Numbered as rendered: `1. 1. 1.` shows 1, 2, 3.
            number = str(self.list_start + self.section_position - 1) if self.list_start is not None else None
            self.entry = (number, None)
        elif token.type == "list_item_close" and self.section_list_depth == 1:
            self._close_entry()

    def _inline(self, token: Token) -> None:
        children = token.children or ()
        if children and children[0].type == "text" and _UNREAD_TAG.match(children[0].content):
            # A JSX/HTML element markdown-it did not take as HTML (MDX puts the closing `>` on a line of its own,
            # which reads as a quote): its attributes are still links.
            content = token.content if ">" in token.content else token.content + ">"
            self._raw_html(content, token.map[0] + 1 if token.map else 1)
        if self.footnote is not None:
            label, prose = self.footnote
            self.footnote = (label, self._read_inline(token, into=prose))
        elif self.entry is not None:
            number, prose = self.entry
            if number is None:  # a bullet list: `- [3] …` numbers itself, otherwise its position does
                written = _LINE_ENTRY.match(token.content)
                number = str(int(written.group(1))) if written and written.group(1) else str(self.section_position)
            self.entry = (number, self._read_inline(token, into=prose))
        elif self.section_level is not None and self.section_list_depth == 0 and _LINE_ENTRY.match(token.content):
            self._line_entries(token)
        elif self.section_level is None and self.row is None and _is_label_paragraph(token.content):
            # A copied answer's `Citations:` / `Sources:` line (Perplexity's copy button), entries on the lines
            # after it or in the paragraphs and list that follow: a references section up to the next heading.
            self.section_level, self.section_list_depth, self.section_position = 6, 0, 0
            self._line_entries(token)
        elif self.row is not None:
            if self.row.length:
                self.row.emit("\t")
            self._commit(self._read_inline(token, markers=True, into=self.row), as_block=False)
        else:
            self._commit(self._read_inline(token, markers=True))

    def _commit(self, prose: _Prose | None, as_block: bool = True) -> None:
        """Keep what a piece of prose found; a table row becomes a block only when the row ends."""
        if prose is None:
            return
        self.found.links.extend(prose.found_links)
        self.found.markers.extend(prose.found_markers)
        prose.found_links, prose.found_markers = [], []
        block = prose.block() if as_block else None
        if block is not None:
            self.found.blocks.append(block)

    def _close_footnote(self) -> None:
        label, prose = self.footnote
        self.footnote = None
        if prose is not None:
            self._add_reference(label, prose)

    def _close_entry(self) -> None:
        number, prose = self.entry
        self.entry = None
        if prose is not None:
            self._add_reference(number or str(self.section_position), prose)

    def _add_reference(self, ref_id: str, prose: _Prose) -> None:
        """A footnote definition or a list entry: its first URL is the source; other URLs stay links to it."""
        urls = [link.url for link in prose.found_links]
        parts = parse_entry(prose.text.strip(), urls=urls or None)
        title = parts.title
        if (title is None or title == parts.url) and prose.anchor_texts:
            title = prose.anchor_texts[0]
        self.found.references.append(Reference(
            id=ref_id, line=prose.line, title=title, site=parts.site, url=parts.url,
            retrieved=parts.retrieved, archive_url=parts.archive_url,
                         doi=parts.doi))
        own = {parts.url, parts.archive_url}
        self.found.links.extend(
            Link(url=link.url, line=link.line, text=link.text, ref=ref_id) for link in prose.found_links if link.url not in own)

    def _line_entries(self, token: Token) -> None:
        """`[1] "Title". Site. URL` lines of a paragraph under a references heading, one entry each."""
        prose = self._read_inline(token)
        for index, text in enumerate(prose.text.split("\n")):
            parts = parse_entry(text)
            if parts.number is None:
                continue
            line = prose.line + index
            self.found.references.append(Reference(
                id=parts.number, line=line, title=parts.title, site=parts.site, url=parts.url,
                retrieved=parts.retrieved, archive_url=parts.archive_url,
                         doi=parts.doi))
            own = {parts.url, parts.archive_url}
            self.found.links.extend(Link(url=link.url, line=link.line, text=link.text, ref=parts.number)
                                    for link in prose.found_links if link.line == line and link.url not in own)

    def _html(self, html: str, line: int) -> None:
        for match in suppressions.COMMENT.finditer(html):
            self._suppression(match, line + html.count("\n", 0, match.start()))
        self._raw_html(html, line)

    def _raw_html(self, html: str, line: int) -> None:
        """Links, assets and anchors written as HTML inside the Markdown (`<img src>`, `<a id>`, `<a href>`)."""
        if "<" not in html:
            return
        self.found.anchors.extend(html_ids(html))
        links, self.verbatim_html = raw_html_links(html, self.verbatim_html)
        for offset, href, kind in links:
            self._add_link(href, line + html.count("\n", 0, offset), kind)

    def _add_link(self, href: str, line: int, kind: str, text: str | None = None) -> None:
        """A link that is no citation: an asset anywhere, or a link to a local file or anchor."""
        if is_not_checked_scheme(href):
            return
        url = checkable_href(href) or local_href(href)
        if url is not None:
            self.found.local.append(Link(url=url, line=line, text=text, kind=kind))

    def _suppression(self, match: re.Match, line: int) -> None:
        """Locate the comment on its source line (block quotes and lists indent it) and record it."""
        column = self._line_text(line).find(match.group(0))
        if column == -1:
            return
        offset = self.lines.start_of(line) + column
        self.found.suppressions.append(suppressions.suppression_at(
            self.text, self.lines, offset, offset + len(match.group(0)), match.group("rules")))

    # ---- the inline level ------------------------------------------------------------------------------

    def _read_inline(self, token: Token, markers: bool = False, into: _Prose | None = None) -> _Prose:
        """Turn one inline token's children into plain text with the links and markers in it.

        `into` continues a footnote, an entry or a table row; the text keeps one newline per source line
        since that prose's first line, so offsets map back to exact lines.
        """
        first_line = token.map[0] + 1 if token.map else 1
        prose = into if into is not None else _Prose(line=first_line)
        base_newlines = max(first_line - prose.line, prose.newlines)
        if prose.length and base_newlines == prose.newlines and not prose.parts[-1].endswith(("\n", "\t")):
            prose.emit(" ")
        prose.emit("\n" * (base_newlines - prose.newlines))
        source = _Source(token.content, first_line)
        link: dict | None = None

        def sync(offset: int) -> None:
            missing = source.newlines_before(offset) + base_newlines - prose.newlines
            if missing > 0:
                prose.emit("\n" * missing)

        def current_line() -> int:
            return prose.line + prose.newlines

        # On one source line no offset is past a newline the prose lacks: `sync` has nothing to add.
        multiline = bool(source.breaks)
        for child in token.children or ():
            kind, span = child.type, (child.meta or {}).get("span")
            if span and multiline:
                sync(span[0])
            if kind == "text":
                content = child.content.replace("\n", " ")
                if link is not None:
                    link["text"].append(content)
                    prose.emit(content)
                else:
                    self._text(prose, content, markers, current_line())
            elif kind in ("softbreak", "hardbreak"):
                prose.emit("\n")
                if link is not None:
                    link["text"].append(" ")
            elif kind == "code_inline":
                prose.emit(child.content)
            elif kind == "link_open":
                link = {"href": child.attrGet("href"), "line": current_line(), "offset": prose.length, "text": [],
                        "autolink": child.markup == "autolink", "span": span, "label": self._label(token.content, span)}
            elif kind == "link_close" and link is not None:
                self._link(prose, link)
                if link["span"] and multiline:
                    sync(link["span"][1])
                link = None
            elif kind == "footnote_ref":
                label = _footnote_label(child.meta)
                if label is not None:
                    prose.found_markers.append(Marker(ref=label, line=current_line()))
                    prose.citations.append((prose.length, label))
            elif kind == "image":
                if link is not None:
                    link["text"].append(child.content)  # a badge `[![alt](img)](url)`: the alt text names the link
                self._add_link(child.attrGet("src") or "", current_line(), "asset", child.content or None)
            elif kind == "html_inline":
                self._html_inline(child.content, source, span)
                self._raw_html(child.content, source.line_of(span[0]) if span else current_line())
            if span and multiline and kind != "link_open":
                sync(span[1])
        return prose

    def _text(self, prose: _Prose, content: str, markers: bool, line: int) -> None:
        """Plain text: bare URLs become links; `[N]` becomes a marker (dropped from the text) in prose."""
        pieces = [(0, len(content), None)]
        if markers:
            pieces, cursor = [], 0
            for match in _MARKER.finditer(content):
                pieces.append((cursor, match.start(), match.group(1)))
                cursor = match.end()
            pieces.append((cursor, len(content), None))
        for start, stop, marker in pieces:
            segment = content[start:stop]
            for offset, url in find_urls(segment):
                prose.found_links.append(Link(url=url, line=line))
                prose.links.append((prose.length + offset, url))
            prose.emit(segment)
            if marker is not None:
                prose.found_markers.append(Marker(ref=marker, line=line))
                prose.citations.append((prose.length, marker))

    def _label(self, source: str, span: tuple[int, int] | None) -> str | None:
        """The definition label a reference-style link uses (`[text][label]`, `[label][]`, `[label]`)."""
        if not span:
            return None
        written = source[span[0]: span[1]]
        if not written.endswith("]"):
            return None
        if written.endswith("[]"):
            label = written[1:-3]
        else:
            opening = written.rfind("[")
            label = written[opening + 1: -1] if opening > 0 else written[1:-1]
        return self.labels.get(normalizeReference(label))

    def _link(self, prose: _Prose, link: dict) -> None:
        url = checkable_href(link["href"])
        if url is None:
            local = local_href(link["href"])
            if local is not None:
                text = "".join(link["text"]).strip() or None
                self.found.local.append(Link(url=local, line=link["line"], text=text, ref=link["label"]))
                prose.navigation.append((link["offset"], prose.length))
            return
        text = None if link["autolink"] else "".join(link["text"]).strip() or None
        prose.found_links.append(Link(url=url, line=link["line"], text=text, ref=link["label"]))
        prose.links.append((link["offset"], url))
        if text:
            prose.anchor_texts.append(text)

    def _html_inline(self, html: str, source: "_Source", span: tuple[int, int] | None) -> None:
        match = suppressions.COMMENT.fullmatch(html.strip())
        if match and span:
            self._suppression(match, source.line_of(span[0]))


def _words_besides(text: str, spans: list[tuple[int, int]]) -> bool:
    """Whether `text` has a word character outside the given (start, end) spans."""
    cursor = 0
    for start, end in spans:
        if _WORD.search(text, cursor, start):
            return True
        cursor = max(cursor, end)
    return _WORD.search(text, cursor) is not None


_WORD = re.compile(r"\w")


def _is_label_paragraph(content: str) -> bool:
    """`Citations:` alone, or followed only by `[1] …` / `1. …` lines."""
    first, _, rest = content.partition("\n")
    first = first.strip()
    if not first.endswith((":", "：")) or not REFERENCES_HEADING.fullmatch(first):
        return False
    return all(_LINE_ENTRY.match(line.strip()) for line in rest.split("\n") if line.strip())


class _Source:
    """An inline token's source text: offset → line, without rescanning it for every token."""

    def __init__(self, content: str, first_line: int):
        self.first_line = first_line
        self.breaks = [index for index, char in enumerate(content) if char == "\n"] if "\n" in content else []

    def newlines_before(self, offset: int) -> int:
        return bisect_left(self.breaks, offset)

    def line_of(self, offset: int) -> int:
        return self.first_line + self.newlines_before(offset)


def _footnote_label(meta: dict) -> str | None:
    """A footnote's label: `[^note]` has one; an inline footnote `^[text]` has none (None from the plugin) and is
    named by its number, `inline-1`, at its reference and its body alike."""
    label = meta.get("label")
    if label is not None:
        return str(label)
    number = meta.get("id")
    return f"inline-{number + 1}" if isinstance(number, int) else None
