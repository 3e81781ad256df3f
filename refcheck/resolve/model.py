"""The values that pass between the resolution stage's parts: query in, candidates out, a verdict per reference.

Backends never talk HTTP themselves: they ask a `BackendWeb`, which the resolver implements over the fetcher
(SSRF guard on every hop, size caps, timeouts, --remap, polite per-host pacing, and the SQLite cache for answers
and misses). Tests may implement it over a plain client against a loopback fake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class ResolveQuery:
    """What the document says about one reference, ready for a backend to search with."""

    ref: str  # the reference's id in its document
    cited_title: str | None  # as written in the reference
    specific_title: str | None  # the cited title when it names a work, None when it is generic (a site name)
    site: str | None  # the site field as written ("Impress Watch", "digital.go.jp")
    domains: tuple[str, ...] = ()  # registrable domains the site stands for (from the site field or the publisher table)
    retrieved: str | None = None  # YYYY-MM-DD
    published: str | None = None  # YYYY-MM-DD, when the reference gives it
    doi: str | None = None  # lower-case, without "https://doi.org/"
    authors: tuple[str, ...] = ()  # as written, first author first
    year: int | None = None
    key_facts: tuple[str, ...] = ()  # names, quoted terms and numbers from the sentences that cite it
    citing_sentences: tuple[str, ...] = ()
    language: str | None = None  # "ja" | "en" | None, from the citing text


@dataclass(frozen=True)
class ScholarlyRecord:
    """A bibliographic record from Crossref or OpenAlex, normalised."""

    doi: str | None
    title: str | None
    authors: tuple[str, ...] = ()  # family names, first author first
    year: int | None = None
    container: str | None = None  # journal or proceedings
    url: str | None = None  # landing page (https://doi.org/… when nothing better)
    online_year: int | None = None  # online-first publication year, when the record gives it (Crossref)
    print_year: int | None = None  # print publication year, when the record gives it (Crossref)
    other_titles: tuple[str, ...] = ()  # further titles of the same work (translated, original-language)


@dataclass(frozen=True)
class Candidate:
    """A page a backend proposes for a reference. Never accepted on its title or snippet alone."""

    url: str
    via: str  # backend name
    title: str | None = None  # as the backend gave it
    published: str | None = None  # YYYY-MM-DD, when the backend gave it
    snippet: str | None = None
    record: ScholarlyRecord | None = None  # scholarly backends: the record behind the candidate
    rank: int = 0  # the backend's own order, 0 first


@dataclass(frozen=True)
class BackendAnswer:
    """One backend's answer for one reference."""

    backend: str
    candidates: tuple[Candidate, ...] = ()
    queries: tuple[str, ...] = ()  # what was asked, human-readable ("sitemap https://…/sitemap.xml", "q=…")
    requests: int = 0  # requests made (cache hits included)
    error: str | None = None  # why the backend could not answer (unreachable, no key, HTTP 500…), None when it did
    skipped: str | None = None  # why it was not asked at all ("no site", "not scholarly", "no endpoint configured")


@dataclass(frozen=True)
class WebResponse:
    """What `BackendWeb.get` returns: never raises for network trouble, says it in `error`."""

    url: str  # final URL after redirects
    status: int | None  # HTTP status, None when no answer came
    body: bytes = b""
    content_type: str | None = None
    headers: dict = field(default_factory=dict)  # lower-case names
    error: str | None = None
    from_cache: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


class BackendWeb(Protocol):
    """The only way a backend reaches the network."""

    async def get(self, url: str, *, params: dict | None = None, headers: dict | None = None,
                  max_bytes: int | None = None) -> WebResponse: ...


class Backend(Protocol):
    """A resolution backend: one module each under refcheck/resolve/."""

    name: str

    async def search(self, query: ResolveQuery, web: BackendWeb) -> BackendAnswer: ...


@dataclass(frozen=True)
class Resolution:
    """The verdict for one reference: the JSON contract's `references[].resolution`."""

    status: str  # "found" | "not-found" | "ambiguous" | "not-tried"
    url: str | None = None
    title: str | None = None
    via: str | None = None
    score: float | None = None
    queries: tuple[str, ...] = ()
    candidates: tuple[tuple[str, str | None, float], ...] = ()  # (url, title, score), best first
    reason: str | None = None
    metadata_mismatch: tuple[str, ...] = ()  # "title", "first author", "year": a DOI record that disagrees
