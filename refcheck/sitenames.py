"""Site names and domains: which publisher a name or URL belongs to (offline Public Suffix List, publisher table).

Pure and below the page reader and the rules, which both use it (rules/sites.py re-exports these names).
"""

from __future__ import annotations

import ipaddress
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList
from rapidfuzz import fuzz

# Host labels that say how a page is served, not who publishes it.
SERVING_LABELS = frozenset({"www", "www2", "www3", "m", "mobile", "sp", "amp", "web", "en", "ja", "jp"})

@dataclass(frozen=True)
class Publisher:
    name: str
    aliases: tuple[str, ...]
    domains: tuple[str, ...]  # each covers its subdomains
    group: str | None = None  # related publishers (same company) get no verdict between them
    kind: str = "news"
    region: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)



# --- names and domains -------------------------------------------------------------------------------------


_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")
_ASCII_NOT_LETTER_OR_DIGIT = bytes(code for code in range(128) if not chr(code).isalnum())


@lru_cache(maxsize=8192)  # site names and the table's aliases come back again and again
def name_key(text: str | None) -> str:
    """A name reduced to its letters and digits: NFKC (full-width → half-width), case-folded, no spaces or marks."""
    if not text:
        return ""
    if text.isascii():
        # NFKC leaves ASCII as it is, casefold() is lower(), and [\W_] takes every ASCII character but the letters
        # and digits: deleted bytewise, a fifth of the regex's time (a page's headline is a new key each time).
        return text.lower().encode().translate(None, _ASCII_NOT_LETTER_OR_DIGIT).decode()
    return _NOT_LETTER_OR_DIGIT.sub("", unicodedata.normalize("NFKC", text).casefold())


@lru_cache(maxsize=1)
def _suffix_list() -> PublicSuffixList:
    # The snapshot bundled with the package; publicsuffixlist never fetches on its own.
    return PublicSuffixList(accept_unknown=False)


# A URL whose authority is a plain host name or IPv4 address, maybe with a port, and nothing urlsplit would clean
# up or reject (no credentials, brackets, white space, control or non-ASCII characters): its host is read from this
# match, exactly as urlsplit(...).hostname reads it, at a fifth of the cost. Anything else goes to urlsplit.
_PLAIN_AUTHORITY = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*:)?//([A-Za-z0-9.-]*)(?::[0-9]*)?(?=[/?#]|\Z)")


@lru_cache(maxsize=4096)  # pure; the rules ask three times in a row for a reference's URL (self-citation, titles)
def url_host(host_or_url: str) -> str:
    """The lower-case host of a URL (or of a bare host name), without port, credentials or trailing dot."""
    text = host_or_url.strip()
    if "//" not in text:
        text = "//" + text
    plain = _PLAIN_AUTHORITY.match(text)
    if plain is not None:
        return plain.group(1).rstrip(".").lower()
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".").lower()


def _is_address(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def registrable_domain(host_or_url: str) -> str:
    """The eTLD+1 of a host or URL (`www3.nhk.or.jp` → `nhk.or.jp`); IP addresses and unknown suffixes as they are."""
    host = url_host(host_or_url)
    if not host or _is_address(host):
        return host
    found = _suffix_list().privatesuffix(host)
    if found:
        return found
    labels = host.split(".")
    return ".".join(labels[-2:])  # an unknown suffix: assume a one-label one


def looks_like_domain(text: str | None) -> str | None:
    """The host when a cited site is written as a domain (`digital.go.jp`, `https://www.marketwatch.com/`)."""
    if not text:
        return None
    candidate = text.strip()
    if " " in candidate or "." not in candidate:
        return None
    host = url_host(candidate)
    if not host or not re.fullmatch(r"[\w.-]+", host) or _is_address(host):
        return None
    if _suffix_list().publicsuffix(host) in (None, host):
        return None  # not under a known suffix: "Salon.com" passes, "Mr. Smith" does not
    return host


def _host_within(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def _labels_without_suffix(host: str) -> list[str]:
    suffix = _suffix_list().publicsuffix(host) or host.rpartition(".")[2]
    own = host[: -len(suffix)].rstrip(".")
    return [label for label in own.split(".") if label and label not in SERVING_LABELS]


def domain_name_keys(host_or_url: str) -> frozenset[str]:
    """Names a domain stands for: `watch.impress.co.jp` → impress, watch, impresswatch, watchimpress, …"""
    return _host_name_keys(url_host(host_or_url))


@lru_cache(maxsize=4096)
def _host_name_keys(host: str) -> frozenset[str]:
    if not host or _is_address(host):
        return frozenset()
    labels = [name_key(label) for label in _labels_without_suffix(host)]
    keys = {name_key(host), name_key(registrable_domain(host))}
    for start in range(len(labels)):
        for end in range(start + 1, len(labels) + 1):
            run = labels[start:end]
            keys.add("".join(run))
            keys.add("".join(reversed(run)))
    return frozenset(key for key in keys if key)


# --- the publisher table -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def load_publishers() -> tuple[Publisher, ...]:
    """The built-in table (refcheck/data/publishers.json, documented in docs/publishers.md)."""
    raw = json.loads(resources.files("refcheck").joinpath("data/publishers.json").read_text(encoding="utf-8"))
    return tuple(
        Publisher(name=entry["name"], aliases=tuple(entry.get("aliases", ())),
                  domains=tuple(domain.lower() for domain in entry["domains"]),
                  group=entry.get("group"), kind=entry.get("kind", "news"), region=entry.get("region"))
        for entry in raw["publishers"]
    )


@lru_cache(maxsize=1)
def _by_name() -> dict[str, tuple[Publisher, ...]]:
    index: dict[str, list[Publisher]] = {}
    for publisher in load_publishers():
        for name in publisher.names:
            entries = index.setdefault(name_key(name), [])
            if publisher not in entries:
                entries.append(publisher)
    return {key: tuple(entries) for key, entries in index.items()}


@lru_cache(maxsize=1)
def _by_domain() -> dict[str, tuple[Publisher, ...]]:
    index: dict[str, list[Publisher]] = {}
    for publisher in load_publishers():
        for domain in publisher.domains:
            index.setdefault(domain, []).append(publisher)
    return {domain: tuple(entries) for domain, entries in index.items()}


def publishers_named(name: str | None) -> tuple[Publisher, ...]:
    """Table entries whose name or alias is `name` (NFKC, case and spacing ignored)."""
    return _by_name().get(name_key(name), ()) if name else ()


def publishers_at(host_or_url: str | None) -> tuple[Publisher, ...]:
    """Table entries owning a host, most specific domain first (`it.impress.co.jp` → IT Leaders, then Impress Watch)."""
    return publishers_on_host(url_host(host_or_url) if host_or_url else "")


@lru_cache(maxsize=4096)  # pure (the table is fixed); the rules ask it for each reference's host, a few per link
def publishers_on_host(host: str) -> tuple[Publisher, ...]:
    """`publishers_at` for a host as `url_host` gives it (lower case, no port)."""
    found: list[Publisher] = []
    labels = host.split(".") if host else []
    for start in range(len(labels)):
        for publisher in _by_domain().get(".".join(labels[start:]), ()):
            if publisher not in found:
                found.append(publisher)
    return tuple(found)


def related_publishers(first: tuple[Publisher, ...], second: tuple[Publisher, ...]) -> bool:
    """Whether two sets of table entries share a publisher or a group (one company, the Japanese government)."""
    groups = {publisher.group for publisher in first if publisher.group}
    return bool(set(first) & set(second)) or any(publisher.group in groups for publisher in second)


def names_agree(first: str | None, second: str | None) -> bool:
    """Two site names that plainly name the same site ("読売新聞" / "読売新聞オンライン", "the Guardian" / "The Guardian")."""
    a, b = name_key(first), name_key(second)
    if not a or not b:
        return False
    if a == b or related_publishers(publishers_named(first), publishers_named(second)):
        return True
    shorter, longer = sorted((a, b), key=len)
    if len(shorter) >= 3 and (longer.startswith(shorter) or longer.endswith(shorter)):
        return True
    return len(shorter) >= 6 and fuzz.ratio(a, b) >= 88
