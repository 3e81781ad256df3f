"""Find and clean the URLs written in prose, and tell which of them can be fetched."""

from __future__ import annotations

import re

from refcheck.weburl import parse

# The characters RFC 3986 allows in a URL, minus brackets (only legal around an IPv6 host, and in prose a
# `[1]` right after a URL is a citation marker). Anything else ends a URL: whitespace, quotes that are not
# sub-delims, `<` `>`, and every non-ASCII character, so `https://x.jp/a。記事` ends before `。`.
_URL_CHARS = r"A-Za-z0-9\-._~:/?#@!$&'()*+,;=%"
# One character class with one quantifier: the regex engine never backtracks, so finding is linear.
# The lookbehind (not \b) lets a URL start right after Japanese text, which \b counts as a word.
_URL = re.compile(
    r"(?<![A-Za-z0-9+.\-])(?:(?P<scheme>https?://)(?P<ipv6>\[[0-9A-Fa-f:.]+\])?|(?P<www>www\.))"
    rf"[{_URL_CHARS}]*",
    re.IGNORECASE,
)
_FIRST_NON_URL_CHAR = re.compile(rf"[^{_URL_CHARS}\[\]]")
_TRAILING_PUNCTUATION = frozenset(".,;:!?'\"*")
_CLOSING_TO_OPENING = {")": "(", "]": "[", "}": "{"}
_FETCHABLE_SCHEMES = frozenset({"http", "https"})


def find_urls(text: str) -> list[tuple[int, str]]:
    """Every http(s) URL in `text` as (offset of its first character, cleaned URL), in order.

    `www.example.com/x` counts too and gets `http://` in front (as GitHub's autolinks do); a bare host
    without `www.` (`example.com`) is not a URL.
    """
    found: list[tuple[int, str]] = []
    # Most lines hold no URL; two substring searches in C are far cheaper than running the regex over them.
    if "://" not in text and "www." not in text and "WWW." not in text:
        return found
    for match in _URL.finditer(text):
        raw = match.group(0)
        if match.group("www"):
            url = _strip_trailing(raw)
            if _has_host(url):
                found.append((match.start(), "http://" + url))
            continue
        url = _strip_trailing(raw)
        if _has_host(url):
            found.append((match.start(), url))
    return found


def clean_url(raw: str) -> str:
    """A URL as written, without what prose wraps around it: `<…>`, trailing punctuation, unbalanced closers."""
    url = raw.strip()
    if url.startswith("<"):
        url = url[1:]
        closing = url.find(">")
        if closing != -1:
            url = url[:closing]
    cut = _FIRST_NON_URL_CHAR.search(url)
    if cut:
        url = url[: cut.start()]
    return _strip_trailing(url)


def is_fetchable_url(url: str) -> bool:
    """Whether refcheck can fetch `url`: http or https with a host, by the WHATWG URL standard. mailto:, ftp:… are not."""
    parsed = parse(url)
    return parsed is not None and parsed.is_web and _LETTER_OR_DIGIT.search(parsed.host) is not None


def _strip_trailing(url: str) -> str:
    """Drop sentence punctuation and closing brackets that have no opening partner inside the URL.

    Wikipedia's `https://en.wikipedia.org/wiki/Python_(programming_language)` keeps its `)`; the `)` of
    `(see https://x.com/a)` goes. Counts are kept as the end moves, so this stays linear in the URL; they are taken
    only when a closing bracket ends it (most URLs end in a letter, a digit or `/`).
    """
    counts = None
    end = len(url)
    while end:
        last = url[end - 1]
        if last in _TRAILING_PUNCTUATION:
            end -= 1
            continue
        if last not in _CLOSING_TO_OPENING:
            break
        if counts is None:
            counts = {closer: (url.count(opener), url.count(closer)) for closer, opener in _CLOSING_TO_OPENING.items()}
        opened, closed = counts[last]
        if closed <= opened:
            break
        counts[last] = (opened, closed - 1)
        end -= 1
    return url[:end]


_HOST_END = re.compile(r"[/?#]")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")  # what str.isalnum() accepts: \w is exactly it and `_`


def _has_host(url: str) -> bool:
    """Whether something host-like follows the scheme: `https://` alone, or `https://.`, is not a URL."""
    start = url.find("://")
    start = 0 if start == -1 else start + 3
    end = _HOST_END.search(url, start)
    return _LETTER_OR_DIGIT.search(url, start, end.start() if end else len(url)) is not None
