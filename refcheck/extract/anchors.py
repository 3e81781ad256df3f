"""The fragment targets a document defines: GitHub's heading slugs, explicit ids and names, `{#id}` attributes.

GitHub's rule (its Ruby `/[^\\p{Word}\\- ]/u`, which github-slugger reproduces): lowercase the heading's rendered
text, drop every character that is not a letter (L*), a combining mark (M*), a decimal or letter number (Nd, Nl),
a connector (Pc, e.g. `_`), `-` or a space, then turn each space into `-`. Japanese and other scripts stay as they
are (`## 概要（2024年）` → `概要2024年`); emoji and full-width punctuation go. A slug already used in the
document gets `-1`, `-2`, … in order.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote

from refcheck.extract.htmlattrs import without_comments

_KEPT_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "Pc"})
# `{#custom-id}` after a heading (Pandoc, kramdown, markdown-it-attrs; lychee accepts it too).
HEADING_ID = re.compile(r"\s*\{#([^\s{}]+)(?:\s[^{}]*)?\}\s*$")
# `id="x"` / `name='x'` in raw HTML, for anchors written as HTML inside Markdown.
_ATTRIBUTE = re.compile(r"""\s(id|name)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_TAG = re.compile(r"<[A-Za-z][^>]*>")


# Symbols that are Alphabetic in Unicode (Other_Alphabetic), which Ruby's \p{Word} keeps: circled and squared
# Latin letters (Ⓐ, 🄰, 🅐, 🅰).
_ALPHABETIC_SYMBOLS = ((0x24B6, 0x24E9), (0x1F130, 0x1F149), (0x1F150, 0x1F169), (0x1F170, 0x1F189))


@lru_cache(maxsize=4096)
def _kept(char: str) -> bool:
    if char == " " or char == "-" or unicodedata.category(char) in _KEPT_CATEGORIES:
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in _ALPHABETIC_SYMBOLS)


def github_slug(text: str) -> str:
    """The anchor GitHub gives a heading whose rendered text is `text` (before de-duplication; GitHub's Markdown
    has already stripped the heading's leading and trailing spaces)."""
    text = text.lower()
    if text.isascii():
        return re.sub(r"[^a-z0-9_\- ]", "", text).replace(" ", "-")
    return "".join(char for char in text if _kept(char)).replace(" ", "-")


class Slugger:
    """GitHub's de-duplication: the second `## Setup` is `setup-1`, the third `setup-2`."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def slug(self, text: str) -> str:
        base = github_slug(text)
        slug = base
        while slug in self.seen:
            self.seen[base] += 1
            slug = f"{base}-{self.seen[base]}"
        self.seen.setdefault(slug, 0)
        return slug


def html_ids(html: str) -> list[str]:
    """Every `id` and `name` attribute value in a piece of raw HTML (start tags only)."""
    found: list[str] = []
    if "id" not in html and "name" not in html and "ID" not in html and "NAME" not in html:
        return found
    for tag in _TAG.finditer(without_comments(html)):
        for match in _ATTRIBUTE.finditer(tag.group(0)):
            value = next(v for v in match.groups()[1:] if v is not None)
            if value:
                found.append(value)
    return found


def fragment_found(fragment: str, anchors: frozenset[str], *, markdown: bool) -> bool:
    """Whether `#fragment` names one of a document's anchors.

    `#` and `#top` always do (browsers scroll to the top). A percent-encoded fragment matches its decoded form
    too. In Markdown, where GitHub's ids are lowercase, case does not matter (as in lychee); in HTML it does.
    GitHub's own `user-content-` prefix is accepted on Markdown ids.
    """
    if fragment in ("", "top"):
        return True
    candidates = {fragment, unquote(fragment)}
    if markdown:
        candidates = {c.lower() for c in candidates}
        candidates |= {c[len("user-content-"):] for c in candidates if c.startswith("user-content-")}
    return any(candidate in anchors for candidate in candidates)
