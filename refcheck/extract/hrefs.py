"""Decide which written link targets are sources to check, and resolve relative ones against a base URL."""

from __future__ import annotations

import re

from refcheck.weburl import join, parse, strip_url_whitespace

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
# Contact and in-page targets are not sources: checking `mailto:` or `#top` would only make noise.
_NOT_SOURCES = frozenset({"mailto", "tel", "sms", "javascript", "data", "about", "blob"})


def checkable_href(href: str | None, base: str | None = None) -> str | None:
    """The absolute URL an href points at, or None when it is not a source to check.

    Relative hrefs are resolved against `base` when there is one (HTML `<base href>`) and dropped when
    there is not (a local file or an anchor in the same document). Unknown schemes are kept, so that
    `invalid-url` can name them.
    """
    if href is None:
        return None
    href = strip_url_whitespace(href.strip())
    if not href or href.startswith("#"):
        return None
    if base and _SCHEME.match(base):
        # Resolved as a browser resolves it (the WHATWG URL standard). An absolute href that reads the same on its own
        # is kept as written; one that does not parse at all is kept too, so that `invalid-url` can name it.
        resolved = join(base, href)
        if resolved is None:
            if not _SCHEME.match(href):
                return None
        else:
            alone = parse(href)
            if alone is None or alone.href != resolved:
                href = resolved
    elif not _SCHEME.match(href):
        return None
    scheme = href.split(":", 1)[0].lower()
    if scheme in _NOT_SOURCES:
        return None
    return href


def fragment_of(href: str | None) -> str | None:
    """`cite_note-3` for `#cite_note-3`; None for an href that is not an in-page anchor."""
    if href and href.startswith("#") and len(href) > 1:
        return href[1:]
    return None

