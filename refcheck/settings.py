"""Frozen run settings: what the CLI (and later a config file) decided, handed to the pipeline as one value."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from refcheck.models import Format, Severity


@dataclass(frozen=True)
class FetchSettings:
    timeout: float = 10.0  # seconds per request (connect, and each read of the body)
    deadline: float = 30.0  # seconds per URL, all attempts and redirects together
    max_concurrency: int = 128  # requests in flight at once (lychee's default too)
    per_host: int = 4  # requests in flight to one host at once
    max_body_bytes: int = 2 * 1024 * 1024  # of the decoded body; enough for title, metadata and main text
    max_pdf_bytes: int = 20 * 1024 * 1024  # a PDF's body: longer than a page's; a bigger one is read up to here
    max_redirects: int = 10
    retries: int = 3  # extra attempts for transient failures
    retry_after_cap: float = 30.0  # longest Retry-After honoured, seconds
    host_retry_budget: int = 20  # retries one host may use in a run before its failures are final
    allow_private: bool = False
    remaps: tuple[tuple[str, str], ...] = ()  # (regex, replacement)
    include: tuple[str, ...] = ()  # regexes; if any, only matching URLs are checked
    exclude: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    host_headers: tuple[tuple[str, str, str], ...] = ()  # (host, name, value): sent only to that host and its subdomains
    accept_status: tuple[int, ...] = ()  # extra HTTP statuses treated as ok
    user_agent: str | None = None  # default: "refcheck/<version> (+project url)"
    probe_soft_404: bool = True  # ask each host once for a path that cannot exist, to recognise its soft 404s
    workers: int = 0  # processes that fetch (hosts split between them); 0: automatic (see fetch/workers.py)
    read_anchors: bool = True  # collect HTML pages' ids and names (PageFacts.anchors); `check` only for --check-fragments


@dataclass(frozen=True)
class CacheSettings:
    directory: Path = Path("cache")
    enabled: bool = True
    offline: bool = False  # answer from the cache only
    max_age_ok: float = 7 * 86400.0  # seconds a definite success is reused
    max_age_failure: float = 86400.0  # seconds a definite failure (404, NXDOMAIN) is reused
    confirm_dead: int = 1  # a failure is `dead` only after this many separate runs


@dataclass(frozen=True)
class ArchiveSettings:
    """Rescuing dead sources from a Wayback-style availability API (fetch/archive.py)."""

    enabled: bool = False  # `refcheck check` turns it on (--archive); library callers opt in
    endpoint: str = "https://archive.org/wayback/available"
    timeout: float = 5.0  # seconds for one lookup, all of it (connect, answer, body)
    in_flight: int = 2  # lookups in flight to the archive at once: it is one shared, donated service
    interval: float = 1.0  # seconds between the starts of two lookups (≤ 60 a minute)
    budget: float = 30.0  # the most seconds a run's lookups may take together (--archive-budget); the rest are skipped
    budget_per_lookup: float = 2.0  # a run's budget is this per lookup to ask (at least one timeout), up to `budget`
    trip_after: int = 3  # failed lookups in a row (5xx, 429, resets, garbled answers) that stop the asking
    trip_after_timeouts: int = 2  # lookups in a row that ran out of time and stop the asking
    outage_ttl: float = 600.0  # seconds a stopped endpoint is not asked again by later runs (with a cache)
    max_age_hit: float = 30 * 86400.0  # seconds a found snapshot is reused (a past snapshot does not change)
    max_age_miss: float = 86400.0  # seconds "no snapshot" is reused (one may be taken any day)
    copies_per_host: int = 2  # archived copies fetched at once from one archive host


@dataclass(frozen=True)
class LocalSettings:
    """Links to local files, anchors and assets (local.py): checked on disk, no network, no cache."""

    root_dir: Path | None = None  # where a root-relative link (`/docs/x.md`) starts; None: such links are unresolved
    base_url: str | None = None  # the address the tree is published at: links under it are local files
    index_files: tuple[str, ...] = ("index.md", "README.md", "index.html")  # a directory link's page, first found
    assets: bool = True  # extract and check images, stylesheets, scripts, media (--no-assets: False)
    check_fragments: bool = False  # also check #fragments of fetched HTML pages (local fragments are always checked)


@dataclass(frozen=True)
class ResolveSettings:
    """Finding the source behind references that have no URL (refcheck/resolve/, docs/resolve.md)."""

    enabled: bool = False  # `refcheck check` turns it on (--resolve); library callers opt in
    resolvers: tuple[str, ...] = ("site", "crossref", "openalex", "searxng", "brave")  # asked in this order
    endpoints: tuple[tuple[str, str], ...] = ()  # (backend name, URL): --resolver-endpoint, REFCHECK_<NAME>_ENDPOINT
    mailto: str | None = None  # Crossref/OpenAlex polite pool
    brave_key: str | None = None  # from the environment only (REFCHECK_BRAVE_API_KEY)
    resolve_dead: bool = False  # also references whose URL is dead or a soft 404 with no archived copy
    max_sitemaps: int = 12  # sitemap and feed files the `site` backend reads per site
    max_candidates: int = 6  # candidate pages fetched and verified per reference and backend
    max_references: int = 200  # references resolved per run; the rest are "not-tried"
    interval: float = 0.5  # seconds between the starts of two requests to one host
    timeout: float = 15.0  # seconds for one backend request, all of it
    max_bytes: int = 8 * 1024 * 1024  # of one backend answer (a sitemap), decoded
    max_age: float = 86400.0  # seconds an answer (a sitemap, a search result) is reused
    max_age_miss: float = 86400.0  # seconds a miss (404, "no results") is reused


@dataclass(frozen=True)
class Settings:
    fetch: FetchSettings = field(default_factory=FetchSettings)
    cache: CacheSettings = field(default_factory=CacheSettings)
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    resolve: ResolveSettings = field(default_factory=ResolveSettings)
    input_format: Format | None = None
    fail_on: Severity = Severity.ERROR
    claims_from: str = "all"  # "assistant" | "user" | "all"
    show_progress: bool = False
    disabled_rules: frozenset[str] = frozenset()
    changed_since: str | None = None  # a git revision: check only lines changed since it
    shard: tuple[int, int] | None = None  # (K, N): fetch only the URLs whose hash falls in shard K of N
    rule_severity: dict[str, Severity] = field(default_factory=dict)  # overrides of the registry's defaults
    conversations: tuple[str, ...] = ()  # --conversation: ids or titles of the export conversations to read
    exclude_paths: tuple[str, ...] = ()  # regexes: documents whose path matches one are not read
    hidden: bool = False  # directory walks also enter hidden files and folders
    local: LocalSettings = field(default_factory=LocalSettings)
