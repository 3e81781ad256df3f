"""Which attributes of which HTML elements are links, and which of those are assets (lychee's extraction rules).

Any element's `href`, `src`, `cite`, `usemap` (custom elements included: `<my-widget src=…>`), `srcset`
candidates, and the element-specific ones (`<video poster>`, `<object data>`, `<form action>`, `<body background>`,
…). Skipped as lychee skips them: `rel` nofollow/preconnect/dns-prefetch, elements with a `prefix` attribute,
disabled stylesheets, and everything inside verbatim elements (`<pre>`, `<code>`, `<kbd>`, `<samp>`, `<var>`,
`<listing>`, `<xmp>`, `<plaintext>`, `<textarea>`, `<script>`, `<noscript>`). `mailto:`, `tel:`, `data:` and
other non-page schemes are recognised and left out: nothing to fetch.

An asset is what the page loads to render itself: images, stylesheets, scripts, icons, media, frames.
"""

from __future__ import annotations

import html as html_entities
import re
from collections.abc import Iterator, Mapping

VERBATIM = frozenset({"code", "kbd", "listing", "noscript", "plaintext", "pre", "samp", "script", "textarea", "var",
                      "xmp"})
_ANY_ELEMENT = ("href", "src", "cite", "usemap")
_BY_ELEMENT = {
    "applet": ("codebase",), "body": ("background",), "button": ("formaction",), "command": ("icon",),
    "form": ("action",), "frame": ("longdesc",), "head": ("profile",), "html": ("manifest",),
    "iframe": ("longdesc",), "img": ("longdesc",), "input": ("formaction",),
    "object": ("classid", "codebase", "data"), "video": ("poster",),
}
_ASSET_ELEMENTS = frozenset({"img", "script", "source", "track", "audio", "video", "embed", "object", "iframe",
                             "frame", "picture", "image", "input", "applet"})
_ASSET_ATTRIBUTES = frozenset({"srcset", "poster", "background", "icon", "manifest", "data", "codebase", "classid"})
_ASSET_RELS = frozenset({"stylesheet", "icon", "shortcut", "apple-touch-icon", "apple-touch-icon-precomposed",
                         "mask-icon", "preload", "modulepreload", "prefetch", "manifest", "fluid-icon"})
_SKIPPED_RELS = frozenset({"nofollow", "preconnect", "dns-prefetch"})
_NOT_LINK_SCHEMES = re.compile(r"\s*(?:mailto|tel|sms|data|javascript|about|blob|cid):", re.IGNORECASE)
_START_OR_END_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_ATTRIBUTE = re.compile(r"""([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")


def attribute_links(name: str, attributes: Mapping[str, str | None]) -> list[tuple[str, str]]:
    """(href as written, kind) for every link an element's attributes hold; kind is "link" or "asset"."""
    name = name.lower()
    rels = {part.strip().lower() for part in re.split(r"[\s,]+", attributes.get("rel") or "") if part.strip()}
    if rels & _SKIPPED_RELS or "prefix" in attributes:
        return []
    if "stylesheet" in rels and ("disabled" in attributes or (attributes.get("href") or "").startswith(("/@", "@"))):
        return []
    found: list[tuple[str, str]] = []
    srcset = attributes.get("srcset")
    if srcset:
        found.extend((url, "asset") for url in srcset_urls(srcset))
    for attribute in (*_ANY_ELEMENT, *_BY_ELEMENT.get(name, ())):
        value = attributes.get(attribute)
        if value is None or not value.strip() or _NOT_LINK_SCHEMES.match(value):
            continue
        found.append((value.strip(), _kind(name, attribute, rels, attributes)))
    return found


def _kind(name: str, attribute: str, rels: set[str], attributes: Mapping[str, str | None]) -> str:
    if attribute in _ASSET_ATTRIBUTES:
        return "asset"
    if name == "link":
        return "asset" if rels & _ASSET_RELS else "link"
    if name == "input":
        return "asset" if (attributes.get("type") or "").lower() == "image" and attribute == "src" else "link"
    if attribute == "src" or (name in _ASSET_ELEMENTS and attribute != "cite"):
        return "asset"
    return "link"


def srcset_urls(srcset: str) -> list[str]:
    """The candidate URLs of a `srcset` ("a.png 1x, b.png 2x", "x.jpg 480w"), read as the HTML standard reads it
    (a URL may hold commas: `data:image/png;base64,…`); data: candidates left out."""
    urls = []
    position, length = 0, len(srcset)
    while position < length:
        while position < length and (srcset[position].isspace() or srcset[position] == ","):
            position += 1
        start = position
        while position < length and not srcset[position].isspace():
            position += 1
        url = srcset[start:position]
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # descriptors run to the next comma outside parentheses
            depth = 0
            while position < length and (srcset[position] != "," or depth):
                depth += {"(": 1, ")": -1}.get(srcset[position], 0)
                position += 1
        if url and not _NOT_LINK_SCHEMES.match(url):
            urls.append(url)
    return urls


_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)


def without_comments(html: str) -> str:
    """`html` with its comments blanked (newlines kept, so offsets and lines stay where they were)."""
    if "<!--" not in html:
        return html
    return _COMMENT.sub(lambda match: re.sub(r"[^\n]", " ", match.group(0)), html)


def raw_html_links(html: str, verbatim_depth: int = 0) -> tuple[list[tuple[int, str, str]], int]:
    """Links in a piece of raw HTML (as Markdown embeds it): (offset of the tag, href, kind), in order, and the
    verbatim depth after it (an html_inline `<code>` opens a verbatim run that a later token closes)."""
    found: list[tuple[int, str, str]] = []
    depth = verbatim_depth
    html = without_comments(html)
    for tag in _START_OR_END_TAG.finditer(html):
        closing, name = tag.group(1), tag.group(2).lower()
        if name in VERBATIM:
            if closing:
                depth = max(0, depth - 1)
                continue
            if not tag.group(3).rstrip().endswith("/"):
                depth += 1
            continue
        if closing or depth:
            continue
        attributes = {match.group(1).lower(): html_entities.unescape(next((v for v in match.groups()[1:] if v is not None), ""))
                      for match in _ATTRIBUTE.finditer(tag.group(3))}
        found.extend((tag.start(), href, kind) for href, kind in attribute_links(name, attributes))
    return found, depth


def iter_ids(attributes: Mapping[str, str | None]) -> Iterator[str]:
    for key in ("id", "name"):
        value = attributes.get(key)
        if value:
            yield value
