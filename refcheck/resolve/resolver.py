"""The resolution stage: for each reference with no fetchable URL, ask the backends in order, fetch and verify
their candidates, and give it a `Resolution`.

Shape of a run: references (query.py) → for each backend in the configured order, every still-open reference's
query at once (the web's memo and per-host pacing keep that polite) → all their candidates fetched in one batch by
the normal fetcher (guard, cache, page reader, main text) → each candidate verified on its page (verify.py) →
found / ambiguous references close; the rest go on to the next backend. A reference no backend could search
(no site, no DOI, nothing configured; every backend failing) is `not-tried`, never `not-found`.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
from collections.abc import Iterable
from dataclasses import dataclass

from refcheck.models import Extraction, FetchResult
from refcheck.resolve.model import Backend, BackendAnswer, ResolveQuery, Resolution
from refcheck.resolve.query import build_query, cites_assistant, document_sites, needs_resolving
from refcheck.resolve.verify import Check, check_candidate, decide
from refcheck.settings import Settings

# Backend name → (module, class). Modules other than `site` may be absent from a build: that backend is unavailable.
BACKENDS = {
    "site": ("refcheck.resolve.site", "SiteBackend"),
    "crossref": ("refcheck.resolve.crossref", "CrossrefBackend"),
    "openalex": ("refcheck.resolve.openalex", "OpenAlexBackend"),
    "searxng": ("refcheck.resolve.searxng", "SearxngBackend"),
    "brave": ("refcheck.resolve.brave", "BraveBackend"),
}
SEARCH_BACKENDS = ("searxng", "brave")  # the ones that search the whole web (and need an endpoint or a key)
WAYBACK = "https://web.archive.org"  # CDX API and captures, for the site backend's old news sitemaps and feeds
MAX_LISTED_CANDIDATES = 8  # candidates kept in a resolution (best first)


@dataclass(frozen=True)
class ResolveRun:
    resolutions: dict[tuple[int, str], Resolution]  # (document index, reference id) → verdict
    results: dict[str, FetchResult]  # every candidate page fetched, keyed by its URL
    notices: tuple[str, ...] = ()
    requests: int = 0  # backend requests (memo and cache hits included) and candidate pages fetched
    network: bool = False  # whether anything went to the network (else the cache answered everything)


def endpoint_for(name: str, settings: Settings) -> str | None:
    """A backend's endpoint: --resolver-endpoint / config, else REFCHECK_<NAME>_ENDPOINT, else None (its default)."""
    for backend, url in settings.resolve.endpoints:
        if backend == name:
            return url
    return os.environ.get(f"REFCHECK_{name.upper()}_ENDPOINT") or None


def make_backends(settings: Settings) -> tuple[list[Backend], list[str]]:
    """The configured backends that this build has, in order; and what could not be made, with why."""
    made: list[Backend] = []
    missing: list[str] = []
    resolve = settings.resolve
    for name in resolve.resolvers:
        module_name, class_name = BACKENDS[name]
        try:
            kind = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError):
            missing.append(f"{name} (not in this build)")
            continue
        endpoint = endpoint_for(name, settings)
        if name == "site":
            # The archive's captures of news sitemaps and feeds: asked when `check --archive` (the default) is on.
            archive = (endpoint_for("wayback", settings) or WAYBACK) if settings.archive.enabled else None
            made.append(kind(max_files=resolve.max_sitemaps, max_candidates=resolve.max_candidates, archive=archive))
        elif name in ("crossref", "openalex"):
            made.append(kind(**({"endpoint": endpoint} if endpoint else {}), mailto=resolve.mailto))
        elif name == "searxng":
            made.append(kind(endpoint))
        elif name == "brave":
            made.append(kind(**({"endpoint": endpoint} if endpoint else {}), api_key=resolve.brave_key))
    return made, missing


def search_configured(settings: Settings) -> bool:
    """Whether a whole-web search backend has what it needs (a SearXNG endpoint, a Brave key)."""
    names = settings.resolve.resolvers
    return ("searxng" in names and endpoint_for("searxng", settings) is not None) or (
        "brave" in names and bool(settings.resolve.brave_key))


def resolve_references(extractions: Iterable[Extraction], results: dict[str, FetchResult], settings: Settings,
                       cache=None, *, backends: list[Backend] | None = None, guard=None) -> ResolveRun:
    """Resolve every reference that needs it in these documents. `backends` and `guard` are test seams."""
    extractions = list(extractions)
    resolve = settings.resolve
    queries: dict[tuple[int, str], ResolveQuery] = {}
    resolutions: dict[tuple[int, str], Resolution] = {}
    for index, extraction in enumerate(extractions):
        known_sites = None  # made for the first reference that needs it: most documents have none (~2 µs a reference)
        for reference in extraction.references:
            if not needs_resolving(reference, results, resolve_dead=resolve.resolve_dead):
                continue
            key = (index, reference.id)
            assistant = cites_assistant(reference)
            if assistant is not None:
                resolutions[key] = Resolution("not-tried", reason=f"cites the assistant itself ({assistant}), "
                                                                  "not a source")
            elif len(queries) >= resolve.max_references:
                resolutions[key] = Resolution("not-tried", reason=f"over the run's limit of {resolve.max_references} "
                                                                  "references to resolve")
            else:
                known_sites = document_sites(extraction) if known_sites is None else known_sites
                queries[key] = build_query(reference, extraction, known_sites)
    if not queries:
        return ResolveRun(resolutions, {})
    made, missing = (backends, []) if backends is not None else make_backends(settings)
    from refcheck.fetch.client import run_to_completion

    work = _Work(queries, made, settings, cache, guard)
    run_to_completion(work.run, thread_name="refcheck-resolve")
    resolutions.update(work.verdicts())
    notices = _notices(made, missing, settings, work, backends is not None)
    return ResolveRun(resolutions, work.pages, tuple(notices), work.requests, work.network)


class _Work:
    """One run of the stage, inside one event loop."""

    def __init__(self, queries: dict[tuple[int, str], ResolveQuery], backends: list[Backend], settings: Settings,
                 cache, guard):
        self.queries = queries
        self.backends = backends
        self.settings = settings
        self.cache = cache
        self.guard = guard
        self.pages: dict[str, FetchResult] = {}
        self.answers: dict[tuple[int, str], list[BackendAnswer]] = {key: [] for key in queries}
        self.checks: dict[tuple[int, str], list[Check]] = {key: [] for key in queries}
        self.closed: dict[tuple[int, str], tuple[str, Check | None, list[Check], str]] = {}
        self.requests = 0
        self.network = False

    async def run(self) -> None:
        import asyncio

        from refcheck.fetch.client import user_agent
        from refcheck.fetch.raw import RawClient
        from refcheck.resolve.web import CachedWeb

        resolve, fetch = self.settings.resolve, self.settings.fetch
        offline = self.settings.cache.offline
        agent = user_agent(fetch) + (f" (mailto:{resolve.mailto})" if resolve.mailto else "")
        async with RawClient(remaps=fetch.remaps, allow_private=fetch.allow_private, agent=agent,
                             timeout=resolve.timeout, interval=resolve.interval, max_bytes=resolve.max_bytes,
                             guard=self.guard) as client:
            web = CachedWeb(None if offline else client, self.cache, offline=offline, max_age=resolve.max_age,
                            max_age_miss=resolve.max_age_miss)
            for backend in self.backends:
                open_keys = [key for key in self.queries if key not in self.closed]
                if not open_keys:
                    break
                answers = await asyncio.gather(*(self._ask(backend, self.queries[key], web) for key in open_keys))
                for key, answer in zip(open_keys, answers):
                    self.answers[key].append(answer)
                await self._verify(backend.name, dict(zip(open_keys, answers)))
            self.requests += web.asked
            self.network = self.network or web.network > 0

    async def _ask(self, backend: Backend, query: ResolveQuery, web) -> BackendAnswer:
        try:
            return await backend.search(query, web)
        except Exception as error:  # a backend's bug must not sink the run: it is that backend's error
            return BackendAnswer(backend.name, error=f"{type(error).__name__}: {error}")

    async def _verify(self, via: str, answers: dict[tuple[int, str], BackendAnswer]) -> None:
        from refcheck.fetch.client import fetch_all_async

        limit = self.settings.resolve.max_candidates
        wanted = {key: list(answer.candidates[:limit]) for key, answer in answers.items()}
        urls = list(dict.fromkeys(c.url for candidates in wanted.values() for c in candidates
                                  if c.record is None and c.url not in self.pages))
        if urls:
            fetch = dataclasses.replace(self.settings.fetch, workers=1)
            run = await fetch_all_async(urls, fetch, cache=self.cache, cache_settings=self.settings.cache)
            self.pages.update(run.results)
            self.requests += len(urls)
            self.network = self.network or any(not result.from_cache for result in run.results.values())
        for key, candidates in wanted.items():
            checks = [check_candidate(self.queries[key], c, self.pages.get(c.url)) for c in candidates]
            self.checks[key] += checks
            outcome, best, close = decide(checks)
            if outcome != "none":
                self.closed[key] = (outcome, best, close, via)

    def verdicts(self) -> dict[tuple[int, str], Resolution]:
        return {key: self._verdict(key) for key in self.queries}

    def _verdict(self, key: tuple[int, str]) -> Resolution:
        query, answers, checks = self.queries[key], self.answers[key], self.checks[key]
        asked = tuple(f"{answer.backend}: {q}" for answer in answers for q in answer.queries)
        listed = tuple((c.candidate.url, c.title, round(c.score, 3))
                       for c in sorted(checks, key=lambda c: (not c.accepted, -c.score))[:MAX_LISTED_CANDIDATES])
        closed = self.closed.get(key)
        mismatch = _metadata_mismatch(query, checks)
        if closed is not None:
            outcome, best, close, via = closed
            if outcome == "found" and best is not None:
                return Resolution("found", url=best.candidate.url, title=best.title, via=via,
                                  score=round(best.score, 3), queries=asked, candidates=listed, reason=best.reason,
                                  metadata_mismatch=mismatch)
            urls = ", ".join(c.candidate.url for c in close)
            return Resolution("ambiguous", via=via, score=round(close[0].score, 3), queries=asked,
                              candidates=tuple((c.candidate.url, c.title, round(c.score, 3)) for c in close),
                              reason=f"{len(close)} pages fit equally well: {urls}")
        searched = [answer for answer in answers if answer.skipped is None and answer.error is None]
        if not searched:
            why = "; ".join(f"{a.backend}: {a.skipped or a.error}" for a in answers) or "no backend configured"
            return Resolution("not-tried", queries=asked, candidates=listed, reason=f"nothing could search: {why}")
        rejected = sorted((c for c in checks if not c.accepted), key=lambda c: -c.score)
        detail = (f"{len(rejected)} candidate(s) checked, none is the source (closest: {rejected[0].candidate.url}: "
                  f"{rejected[0].reason})" if rejected else "no candidate found")
        names = ", ".join(dict.fromkeys(answer.backend for answer in searched))
        return Resolution("not-found", queries=asked, candidates=listed,
                          reason=f"not found by these searches ({names}): {detail}", metadata_mismatch=mismatch)


def _metadata_mismatch(query: ResolveQuery, checks: list[Check]) -> tuple[str, ...]:
    """What the cited DOI's own record says differently (title, first author, year), when a backend returned it."""
    if not query.doi:
        return ()
    for check in checks:
        record = check.candidate.record
        if record is not None and record.doi and record.doi.lower() == query.doi.lower():
            try:
                from refcheck.resolve.scholarly import record_mismatches
            except ImportError:
                return ()
            return tuple(record_mismatches(query, record))
    return ()


def _notices(made: list[Backend], missing: list[str], settings: Settings, work: _Work, injected: bool) -> list[str]:
    notices = []
    names = ", ".join(backend.name for backend in made) or "none"
    if not injected and not search_configured(settings):
        notices.append(f"resolve: {len(work.queries)} reference(s) without a URL were looked for with {names}; no "
                       "web search backend is configured, so pages the cited sites do not list in their sitemaps or "
                       "feeds cannot be found. Add one with --resolver-endpoint searxng=URL (or "
                       "[tool.refcheck.resolve] searxng_url, REFCHECK_SEARXNG_ENDPOINT) or REFCHECK_BRAVE_API_KEY.")
    if missing:
        notices.append("resolve: unavailable backend(s): " + ", ".join(missing))
    return notices

