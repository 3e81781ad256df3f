"""URLs read as browsers and lychee read them: the WHATWG URL standard (via ada-url), the one URL parser of refcheck.

Every module that needs a URL's parts, resolves a relative link, or prepares a URL for fetching asks here. Nothing
here raises for the URL's sake: a string the standard refuses is `None`, which the rules report as `invalid-url`.
`tests/test_weburl.py` checks this module, and the readers and fetcher that use it, against the standard's own test
data (the web-platform-tests `urltestdata.json`, vendored in `tests/data/wpt/`).
"""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass

from ada_url import URL, join_url

WEB_SCHEMES = frozenset({"http", "https"})
# The standard's scheme: an ASCII letter, then letters, digits, `+`, `-`, `.`, ended by `:`.
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_C0_OR_SPACE = "".join(chr(code) for code in range(0x21))
_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")


@dataclass(frozen=True, slots=True)
class WebUrl:
    """A parsed URL's parts as the standard serialises them (`pathname`, `search`, `hash` as in the URL API)."""

    href: str
    scheme: str  # lower case, without the colon
    username: str
    password: str
    hostname: str  # domains lower-cased and punycoded, IPv4 in dotted decimal, IPv6 bracketed and compressed
    port: int | None  # None for the scheme's default port
    pathname: str
    search: str  # "" or "?…"
    hash: str  # "" or "#…"

    @property
    def is_web(self) -> bool:
        """Whether refcheck can fetch it: http or https with a host."""
        return self.scheme in WEB_SCHEMES and bool(self.hostname)

    @property
    def host(self) -> str:
        """The host without brackets around an IPv6 address (as a resolver wants it)."""
        return self.hostname[1:-1] if self.hostname.startswith("[") else self.hostname

    @property
    def default_port(self) -> int | None:
        return {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}.get(self.scheme)

    @property
    def effective_port(self) -> int | None:
        return self.port if self.port is not None else self.default_port

    @property
    def without_fragment(self) -> str:
        return self.href[: len(self.href) - len(self.hash)] if self.hash else self.href.removesuffix("#")


# A document's URLs are parsed by several stages (its reader, the invalid-url rule, the fetcher's preparation); the
# cache holds as many as a big document has, so each is parsed once (a WebUrl is ~0.5 KB: 64 MB at the most).
_CACHE_SIZE = 131072


@functools.lru_cache(maxsize=_CACHE_SIZE)
def parse(text: str, base: str | None = None) -> WebUrl | None:
    """`text` parsed (against `base` when given) by the WHATWG URL parser, or None where the standard fails it."""
    if _lib is not None:
        return _parse_direct(text, base)
    return _parse_with_class(text, base)


def _parse_with_class(text: str, base: str | None) -> WebUrl | None:
    try:
        url = URL(text, base) if base is not None else URL(text)
    except (ValueError, TypeError):  # ada's "Invalid input", and text that is not UTF-8 encodable (lone surrogates)
        return None
    port = url.port
    return WebUrl(href=url.href, scheme=url.protocol[:-1].lower(), username=url.username, password=url.password,
                  hostname=url.hostname, port=int(port) if port else None, pathname=url.pathname, search=url.search,
                  hash=url.hash)


try:  # ada-url's own C functions, called directly: the `URL` class looks each part up by name (a third of the cost)
    from ada_url._ada_wrapper import ffi as _ffi, lib as _lib
except ImportError:  # pragma: no cover - another packaging of ada-url: the URL class above serves
    _ffi = _lib = None


def _parse_direct(text: str, base: str | None) -> WebUrl | None:
    """What `parse` builds from ada's `URL` class, from ada's C functions (tests/test_weburl.py: the WPT cases)."""
    try:
        data = text.encode()
        if base is None:
            url = _lib.ada_parse(data, len(data))
        else:
            base_data = base.encode()
            url = _lib.ada_parse_with_base(data, len(data), base_data, len(base_data))
    except UnicodeError:  # lone surrogates: not UTF-8 encodable
        return None
    try:
        if not _lib.ada_is_valid(url):
            return None
        href = _part(_lib.ada_get_href(url))
        # The cache holds a big document's URLs: the href is the text itself when it was already normalised, and
        # schemes and hosts repeat (one string each, not one per URL).
        href = text if href == text else href
        if href.isascii():  # as serialised by the standard it always is: the offsets in bytes are offsets in it
            return _from_components(href, _lib.ada_get_components(url))
        return _from_getters(href, url)
    finally:
        _lib.ada_free(url)


_OMITTED = 0xFFFFFFFF  # ada's url_components::omitted: the part is absent


def _from_components(href: str, parts) -> WebUrl:
    """The parts cut from the href at ada's offsets, as ada's getters cut them (url_aggregator::get_username, …):
    one C call, not nine, each copying its part through the bindings."""
    scheme_end, username_end, host_start, host_end = parts.protocol_end, parts.username_end, parts.host_start, \
        parts.host_end
    pathname_start, search_start, hash_start = parts.pathname_start, parts.search_start, parts.hash_start
    size = len(href)
    if host_end > host_start and href[host_start] == "@":  # after credentials, host_start is the `@`
        hostname = href[host_start + 1:host_end]
    else:
        hostname = href[host_start:host_end]
    port = href[host_end + 1:pathname_start] if parts.port != _OMITTED else ""
    query_end = hash_start if hash_start != _OMITTED else size
    path_end = search_start if search_start != _OMITTED else query_end
    return WebUrl(href=href, scheme=sys.intern(href[:scheme_end - 1].lower()),
                  username=href[scheme_end + 2:username_end] if scheme_end + 2 < username_end else "",
                  password=href[username_end + 1:host_start] if host_start > username_end else "",
                  hostname=sys.intern(hostname), port=int(port) if port else None,
                  pathname=href[pathname_start:path_end],
                  search=href[search_start:query_end] if search_start != _OMITTED and query_end - search_start > 1
                  else "",
                  hash=href[hash_start:] if hash_start != _OMITTED and size - hash_start > 1 else "")


def _from_getters(href: str, url) -> WebUrl:
    port = _part(_lib.ada_get_port(url))
    return WebUrl(href=href, scheme=sys.intern(_part(_lib.ada_get_protocol(url))[:-1].lower()),
                  username=_part(_lib.ada_get_username(url)), password=_part(_lib.ada_get_password(url)),
                  hostname=sys.intern(_part(_lib.ada_get_hostname(url))), port=int(port) if port else None,
                  pathname=_part(_lib.ada_get_pathname(url)), search=_part(_lib.ada_get_search(url)),
                  hash=_part(_lib.ada_get_hash(url)))


def _part(value) -> str:
    return bytes(_ffi.buffer(value.data, value.length)).decode() if value.length else ""


@functools.lru_cache(maxsize=8192)
def join(base: str, reference: str) -> str | None:
    """`reference` resolved against `base` as a browser resolves an href; None when either does not parse.

    The same href as `parse(reference, base).href`, without reading the URL's other parts (a page's canonical link
    is resolved once per page: reading all nine parts through ada's bindings cost ten times the parse itself).
    """
    try:
        return join_url(base, reference)
    except (ValueError, TypeError):  # ada's "Invalid URL", text that is not UTF-8 encodable
        return None


def scheme_of(text: str) -> str:
    """The lower-case scheme a URL is written with, or "" for a relative reference; the rest need not parse."""
    text = text.strip(_C0_OR_SPACE)
    if "\t" in text or "\n" in text or "\r" in text:  # rare: str.translate walks the whole URL in Python's slow path
        text = text.translate(_TAB_OR_NEWLINE)
    match = _SCHEME.match(text)
    return match.group(1).lower() if match else ""


def is_web_url(text: str) -> bool:
    """Whether `text` is an http(s) URL with a host by the standard (what a browser would fetch)."""
    parsed = parse(text)
    return parsed is not None and parsed.is_web


def host_of(text: str) -> str:
    """The host of a URL as the standard reads it (no brackets, no trailing dot), or "" when it does not parse."""
    parsed = parse(text.strip())
    return parsed.host.rstrip(".") if parsed is not None else ""


def strip_url_whitespace(text: str) -> str:
    """What the parser ignores around a URL: leading and trailing C0 controls and spaces."""
    return text.strip(_C0_OR_SPACE)
