"""The one orchestrator: paths → documents → extractions → unique URLs → fetch → rules → Report."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import replace

from refcheck.documents import collect_paths, read_documents, skipped_paths
from refcheck.errors import InputError
from refcheck.extract import extract, without_prose
from refcheck.extract.urls import is_fetchable_url
from refcheck.models import (Claim, DocumentReport, Extraction, FetchResult, Finding, LocalResult, Location, Report, Suppression,
                             UrlStatus)
from refcheck.rules.claims import uncited_claim_findings
from refcheck.rules.conversations import conversation_findings
from refcheck.rules.links import link_findings
from refcheck.rules.references import reference_findings
from refcheck.settings import Settings
from refcheck.weburl import parse as parse_url


def extract_paths(paths: Iterable[str], settings: Settings, memo=None, aside: OfflineRules | None = None) -> Report:
    """Read and extract every document, with the findings that need no network.

    `memo`: where extractions are kept between runs (the check's cache: `stored_extraction`/`store_extraction`).
    `aside`: takes the offline findings of documents that are not conversations, to be made later (its `start`
    makes them on another core); their reports hold no findings until `aside.filled` puts them in.
    """
    paths = list(paths)
    reports = []
    matched: set[str] = set()
    for document_path in _document_paths(paths, settings):
        # A conversation export is one document per conversation, streamed: see documents.read_documents.
        for document in read_documents(document_path, settings.input_format, settings.conversations, matched):
            extraction = _extract(document, memo)
            if not settings.local.assets:
                extraction = replace(extraction, links=tuple(link for link in extraction.links if link.kind != "asset"))
            # --changed-since names lines of the file; a JSON export's lines are not those the findings give.
            scope = _scope(document_path, settings) if document.conversation is None else None
            if aside is not None and document.conversation is None:
                aside.hold(len(reports), document, extraction, scope)
                reports.append(DocumentReport(document, extraction, (), scope))
                continue
            findings = offline_findings(document, extraction, scope, settings)
            if document.conversation is not None:
                document, extraction = _slim(document, extraction)
            reports.append(DocumentReport(document, extraction, findings, scope))
    unmatched = [name for name in settings.conversations if name not in matched]
    if unmatched:
        raise InputError("--conversation " + ", ".join(repr(name) for name in unmatched)
                         + ": no conversation with that id or title in " + ", ".join(map(str, paths)))
    return Report(command="extract", documents=tuple(reports), notices=_skipped_notice(paths))


def offline_findings(document, extraction: Extraction, scope: frozenset[int] | None,
                     settings: Settings) -> tuple[Finding, ...]:
    """A document's findings that need no network (references, uncited claims, conversations), finished."""
    findings = reference_findings(extraction) + uncited_claim_findings(
        extraction.claims, claims_from=settings.claims_from) + conversation_findings(extraction)
    return _finish(findings, extraction, settings, scope, document)


class OfflineRules:
    """The offline findings of a check, made in a fork of this process while this one picks the URLs and prepares
    the fetch: they decide no request, and that time the second core idles (W3: ~1 s of rules before the fork).

    The fork writes them to an unnamed temporary file (nothing is left on disk, even when a process is killed) and
    exits. It is waited for before this process forks again (the fetch's worker
    processes: `_wait_before_forking`), so it never competes with the fetch for a core nor holds copied pages
    through it; `filled` puts its findings in. Where the fork fails or dies, or there is too little to gain, they
    are made here: the same code on the same extraction either way.
    """

    MIN_ITEMS = 5_000  # references and links below which the fork (~10 ms, and the pages it copies) gains nothing

    def __init__(self, settings: Settings):
        self.settings = settings
        self.held: list[tuple[int, object, Extraction, frozenset[int] | None]] = []
        self.child: int | None = None  # the fork's pid, until it is waited for
        self.found: dict[int, tuple[Finding, ...]] | None = None
        self._output = None  # the unnamed temporary file both processes hold, until the findings are read

    def hold(self, index: int, document, extraction: Extraction, scope: frozenset[int] | None) -> None:
        self.held.append((index, document, extraction, scope))

    def start(self) -> None:
        """Make the held documents' findings in a fork, when there is enough of them and this system can fork."""
        items = sum(len(extraction.references) + len(extraction.links) for _, _, extraction, _ in self.held)
        if items < self.MIN_ITEMS or not _can_fork_aside():
            return
        import os
        import tempfile

        _wait_at_every_fork()
        try:
            self._output = tempfile.TemporaryFile(prefix="refcheck-offline-")
            self.child = os.fork()
        except OSError:  # no temporary file or no fork: the findings are made here
            self.child = None
            self._remove_output()
            return
        if self.child == 0:
            self._in_child()
        _RUNNING.append(self)

    def _in_child(self) -> None:
        import gc
        import os
        import pickle

        gc.disable()  # a short life: collecting would only touch (and copy) the parent's pages
        status = 1
        try:
            pickle.dump(self._made_here(), self._output, protocol=pickle.HIGHEST_PROTOCOL)
            self._output.flush()
            status = 0
        finally:
            os._exit(status)  # never back into the parent's code: no atexit, no cache connection closed twice

    def _made_here(self) -> dict[int, tuple[Finding, ...]]:
        return {index: offline_findings(document, extraction, scope, self.settings)
                for index, document, extraction, scope in self.held}

    def collect(self) -> None:
        """Wait for the fork and take its findings (none if it failed, was killed or wrote nothing)."""
        import os
        import pickle

        if self.child is None:
            return
        if self in _RUNNING:
            _RUNNING.remove(self)
        try:
            _, status = os.waitpid(self.child, 0)
            if os.waitstatus_to_exitcode(status) == 0:
                self._output.seek(0)  # the descriptor's offset is shared: the fork left it at the end
                self.found = pickle.load(self._output)
        except (OSError, EOFError, pickle.UnpicklingError):
            self.found = None
        finally:
            self.child = None
            self._remove_output()

    def filled(self, documents: tuple[DocumentReport, ...]) -> tuple[DocumentReport, ...]:
        """`documents` with the held documents' findings in place."""
        self.collect()
        if self.found is None:
            self.found = self._made_here()
        return tuple(replace(report, findings=self.found[index]) if index in self.found else report
                     for index, report in enumerate(documents))

    def discard(self) -> None:
        """End the fork and close its file (a check that failed or was interrupted needs no findings)."""
        import os
        import signal

        if self.child is not None:
            try:
                os.kill(self.child, signal.SIGKILL)
            except OSError:
                pass  # ended already
            self.collect()
        self._remove_output()

    def _remove_output(self) -> None:
        if self._output is not None:
            self._output.close()
            self._output = None


_RUNNING: list[OfflineRules] = []  # OfflineRules whose fork is not yet waited for


def _wait_before_forking() -> None:
    """Before this process forks (the fetch's workers), the offline rules' fork ends: a worker then has both cores
    to itself and the parent, and no process holds copies of the parent's pages through the fetch."""
    while _RUNNING:
        _RUNNING[-1].collect()


def _can_fork_aside() -> bool:
    import os
    import sys

    return hasattr(os, "fork") and sys.platform != "darwin"  # fork is unsafe on macOS (as for fetch/workers.py)


def _wait_at_every_fork() -> None:
    """Have `_wait_before_forking` run before each fork of this process (registered once: it cannot be undone)."""
    global _WAIT_REGISTERED
    if not _WAIT_REGISTERED:
        import os

        os.register_at_fork(before=_wait_before_forking)
        _WAIT_REGISTERED = True


_WAIT_REGISTERED = False


def location_of(document, extraction: Extraction, line: int | None) -> Location:
    """Where a line of a conversation is in its export: the message and the character its line starts at."""
    places = extraction.places
    index = bisect_right(places, line, key=lambda place: place.line) - 1 if line is not None else -1
    if index < 0 or places[index].line != line:
        return Location(conversation=document.conversation, title=document.title)
    place = places[index]
    return Location(conversation=document.conversation, title=document.title, message=place.message,
                    offset=place.offset, node=place.node)


def _slim(document, extraction: Extraction):
    """What a conversation of an export keeps once its offline findings are made: not its JSON, nor its prose
    prose blocks (its claims hold the sentences that matter; `without_prose` keeps those that cite one reference),
    nor the places of lines nothing can be reported on."""
    reported = {item.line for part in (extraction.references, extraction.markers, extraction.links, extraction.claims)
                for item in part}
    places = tuple(place for index, place in enumerate(extraction.places) if index == 0 or place.line in reported)
    # The parsed-URL cache holds what one document's stages share (weburl.parse); across the conversations of a big
    # export it would hold every one of their URLs (~0.5 KB each) to the end. A later stage parses again (~5 µs each).
    parse_url.cache_clear()
    return replace(document, text=""), replace(without_prose(extraction), places=places)


def check_paths(paths: Iterable[str], settings: Settings,
                on_result: Callable[[FetchResult], None] | None = None,
                on_start: Callable[[int], None] | None = None) -> Report:
    """Extract, fetch every unique URL once, and apply every rule."""
    paths = [str(path) for path in paths]
    documents = [str(path) for path in _document_paths(paths, settings)]  # "nothing to check" comes first, before the cache
    cache = _open_cache(settings)
    aside = OfflineRules(settings)
    try:
        extracted = extract_paths(documents, settings, memo=cache, aside=aside)
        aside.start()
        urls = urls_to_fetch(extracted.documents, settings)
        if on_start:
            on_start(len(urls))
        run = _fetch(urls, settings, cache, text_urls_needed(extracted.documents, settings), on_result,
                     _page_digest(extracted.documents))
        run = _with_accepted(run, settings)
        if _may_need_archive(run, settings):
            from refcheck.fetch.archive import rescue_dead_sources  # dead sources' archived copies (--archive)

            run = rescue_dead_sources(run, [d.extraction for d in extracted.documents], settings, cache)
        basis = run.basis if settings.changed_since is None else None  # a scope from git is not in the cache
        urls = list(dict.fromkeys([*urls, *run.results]))  # with the copies the archive offered
        resolved = _resolve(extracted.documents, run.results, settings, cache)
    except BaseException:
        aside.discard()
        raise
    finally:
        if cache is not None:
            cache.close()
    local = local_results(extracted.documents, settings, roots=paths)
    if any(local):
        basis = None  # the report rests on files besides the documents: it is never kept for reuse
    results, notices = run.results, _skipped_notice(paths) + tuple(run.notices)
    if resolved is not None:
        basis = None  # what the resolution stage read is not part of a memo's basis: such a run is not reused
        notices += resolved.notices
        found = {r.url: resolved.results[r.url] for r in resolved.resolutions.values()
                 if r.status == "found" and r.url in resolved.results}
        results = {**results, **{url: result for url, result in found.items() if url not in results}}
        urls = list(dict.fromkeys([*urls, *found]))
    documents = tuple(_with_network_findings(report, results, settings, _resolved_in(resolved, index), checked,
                                             run.digests)
                      for index, (report, checked) in enumerate(zip(aside.filled(extracted.documents), local)))
    ordered = tuple(results[url] for url in urls if url in results)
    return Report(command="check", documents=documents, urls=ordered, notices=notices, cache_basis=basis)


def _resolve(documents, results: dict[str, FetchResult], settings: Settings, cache):
    """The resolution stage's run (refcheck/resolve/), or None when it is off or no reference needs it."""
    if not settings.resolve.enabled:
        return None
    from refcheck.resolve.resolver import resolve_references

    extractions = [_in_scope(d.extraction, d.scope) for d in documents]
    if settings.shard is not None:  # each reference is looked for by one shard only (`refcheck merge` joins them)
        from refcheck.changes import in_shard

        extractions = [replace(e, references=tuple(r for r in e.references
                                                   if in_shard(f"{d.document.path}#{r.id}", settings.shard)))
                       for d, e in zip(documents, extractions)]
    resolved = resolve_references(extractions, results, settings, cache)
    return resolved if resolved.resolutions else None


def _resolved_in(resolved, index: int) -> dict:
    """Reference id → Resolution, for one document."""
    if resolved is None:
        return {}
    return {ref: verdict for (doc, ref), verdict in resolved.resolutions.items() if doc == index}


def local_results(documents: Iterable[DocumentReport], settings: Settings,
                  roots: Iterable[str] = ()) -> list[tuple[LocalResult, ...]]:
    """Each document's local links (paths, anchors, local assets) checked on disk, in its --changed-since scope and
    this --shard (a local link belongs to the shard of its resolved target). `roots`: the paths given to check (links
    may lead anywhere under them, the working directory and --root-dir; elsewhere nothing is looked at)."""
    import os

    from refcheck.local import LocalChecker, is_local

    documents = list(documents)
    known = {os.path.abspath(d.document.path): (d.document.format, d.extraction) for d in documents}
    checker = LocalChecker(settings.local, known, roots=[*roots, *(d.document.path for d in documents)])
    checked = []
    for report in documents:
        links = [link for link in report.extraction.links if is_local(link, settings.local)
                 and (report.scope is None or link.line in report.scope)]
        results = checker.check(report.document.path, links) if links else []
        if settings.shard is not None:
            from refcheck.changes import in_shard

            results = [r for r in results if in_shard(f"{r.path or r.url}#{r.fragment or ''}", settings.shard)]
        checked.append(tuple(results))
    return checked


def _page_digest(documents: Iterable[DocumentReport]):
    """The page rules' per-URL verdicts (title, site), to be worked out where each URL is fetched (FetchRun.digests)."""
    from functools import partial

    from refcheck.rules.page_checks import cited_pages, page_verdicts

    return partial(page_verdicts, cited=cited_pages(d.extraction for d in documents))


def _fetch(urls: list[str], settings: Settings, cache, text_urls: set[str], on_result, digest=None):
    """Every URL's result: from the cache alone when it can answer them all, else from the fetcher.

    The network layer (httpx and the rest) is loaded only in the second case: a rerun whose every entry is fresh
    does not pay for importing it.
    """
    from refcheck.fetch.run import FetchRun, answer_from_cache

    # Pages' ids and names are read only when --check-fragments judges the #fragments of fetched pages.
    settings = replace(settings, fetch=replace(settings.fetch, read_anchors=settings.local.check_fragments))
    if not urls and cache is None:
        return FetchRun(results={})  # nothing to fetch (a docs tree of local links): the network layer is not loaded
    run = answer_from_cache(urls, settings.fetch, cache, settings.cache, text_urls=text_urls, on_result=on_result)
    if run is not None:
        return run
    from refcheck.fetch import fetch_all

    return fetch_all(urls, settings.fetch, cache=cache, cache_settings=settings.cache, on_result=on_result,
                     text_urls=text_urls, digest=digest)


def _with_accepted(run, settings: Settings):
    """The run with `--accept` applied: the cache keeps raw outcomes, so a changed list needs no new fetch."""
    if not settings.fetch.accept_status:
        return run
    from refcheck.fetch.accept import apply_accept

    return replace(run, results=apply_accept(run.results, settings.fetch.accept_status))


def _may_need_archive(run, settings: Settings) -> bool:
    """Whether the archive step can change anything: it is on, and some URL is dead or a soft 404 (the statuses
    `fetch.archive.RESCUED_STATUSES` rescues; that module loads httpx, so it is not imported to ask)."""
    if not settings.archive.enabled or settings.cache.offline:
        return False
    return any(result.status in (UrlStatus.DEAD, UrlStatus.SOFT_404) for result in run.results.values())


def urls_to_fetch(documents: Iterable[DocumentReport], settings: Settings) -> list[str]:
    """The unique URLs in scope (--changed-since) and of this shard (--shard), with the sources their claims cite."""
    documents = list(documents)
    urls = unique_urls(_in_scope(d.extraction, d.scope) for d in documents)
    if settings.shard is not None:
        from refcheck.changes import in_shard

        urls = [url for url in urls if in_shard(url, settings.shard)]
    wanted = dict.fromkeys(urls)
    # A claim is verified where its first source is fetched, and there it needs every source it cites.
    for document in documents:
        for claim in _claims_to_verify(document.extraction.claims, settings.claims_from):
            if document.scope is not None and claim.line not in document.scope:
                continue
            sources = _claim_source_urls(claim, document.extraction)
            if sources and (settings.shard is None or sources[0] in wanted):
                wanted.update(dict.fromkeys(sources))
    base_url = settings.local.base_url
    return [url for url in wanted if not (base_url and url.startswith(base_url))]  # those are local files


def text_urls_needed(documents: Iterable[DocumentReport], settings: Settings) -> set[str]:
    """The URLs whose pages' main text some claim is checked against; the other pages are read without it."""
    return {url for document in documents
            for claim in _claims_to_verify(document.extraction.claims, settings.claims_from)
            for url in _claim_source_urls(claim, document.extraction)}


def _claim_source_urls(claim: Claim, extraction: Extraction) -> list[str]:
    references = {r.id: r for r in extraction.references}
    urls = [references[r].url or references[r].archive_url for r in claim.refs if r in references]
    return [url for url in [*urls, *claim.urls] if url and is_fetchable_url(url)]


def _in_scope(extraction: Extraction, scope: frozenset[int] | None) -> Extraction:
    if scope is None:
        return extraction
    return replace(extraction, references=tuple(r for r in extraction.references if r.line in scope),
                   links=tuple(link for link in extraction.links if link.line in scope))


def _scope(path, settings: Settings) -> frozenset[int] | None:
    if settings.changed_since is None:
        return None
    from refcheck.changes import changed_lines

    lines = changed_lines(str(path), settings.changed_since)
    return None if lines is None else frozenset(lines)


def unique_urls(extractions: Iterable[Extraction]) -> list[str]:
    """Every fetchable URL once, in first-seen order, however many documents cite it."""
    seen: dict[str, None] = {}
    for extraction in extractions:  # a URL already seen is not asked about again (a cited link is also a reference)
        for reference in extraction.references:
            for url in (reference.url, reference.archive_url):
                if url and url not in seen and is_fetchable_url(url):
                    seen[url] = None
        for link in extraction.links:
            url = link.url  # a docs tree's local links skip the URL parser
            if url not in seen and "://" in url and is_fetchable_url(url):
                seen[url] = None
    return list(seen)


def _with_network_findings(report: DocumentReport, results: dict[str, FetchResult], settings: Settings,
                           resolutions: dict | None = None, local: tuple[LocalResult, ...] = (),
                           page_verdicts: dict | None = None) -> DocumentReport:
    from refcheck.rules.local_links import local_findings
    from refcheck.rules.page_checks import page_findings
    from refcheck.rules.support import check_claim_support

    extraction = report.extraction
    findings = list(link_findings(extraction, results, confirm_dead=settings.cache.confirm_dead))
    findings += local_findings(local)
    if settings.local.check_fragments:
        from refcheck.rules.local_links import remote_fragment_findings

        findings += remote_fragment_findings(extraction, results)
    findings += page_findings(extraction, results, page_verdicts)
    resolutions = resolutions or {}
    if resolutions:
        from refcheck.rules.resolution import resolution_findings

        findings += resolution_findings(extraction, resolutions)
    # A reference refcheck located is checked against the page it found, as if the document had cited its URL.
    located = {ref: verdict.url for ref, verdict in resolutions.items() if verdict.status == "found" and verdict.url}
    references = {reference.id: reference for reference in extraction.references}
    for claim in _claims_to_verify(extraction.claims, settings.claims_from):
        first_sources = _claim_source_urls(claim, extraction)[:1]
        if settings.shard is not None and first_sources and first_sources[0] not in results:
            continue  # another shard verifies this claim
        sources = _claim_sources(claim, references, results, located)
        support = check_claim_support(claim, sources)
        if support is not None:
            findings.append(support)
    ordered = tuple((r.id, resolutions[r.id]) for r in extraction.references if r.id in resolutions)
    return replace(report, findings=_sorted(
        report.findings + _finish(findings, extraction, settings, report.scope, report.document)), resolutions=ordered,
        local=local)


def _claims_to_verify(claims: Iterable[Claim], claims_from: str) -> Iterable[Claim]:
    """Every claim that cites something: its author chose to source it, so its support is checked whatever its
    check-worthiness (which decides only what `uncited-claim` asks a source for)."""
    for claim in claims:
        if not (claim.refs or claim.urls):
            continue
        if claims_from != "all" and claim.speaker not in (None, claims_from):
            continue
        yield claim


def _claim_sources(claim: Claim, references: dict, results: dict[str, FetchResult],
                   located: dict[str, str] | None = None) -> list[tuple[str, FetchResult | None]]:
    sources: list[tuple[str, FetchResult | None]] = []
    for ref in claim.refs:
        reference = references.get(ref)
        if reference is None:
            continue  # missing-reference already says so
        url = (located or {}).get(ref) or reference.url or reference.archive_url
        sources.append((ref, results.get(url) if url else None))
    sources += [(url, results.get(url)) for url in claim.urls]
    return sources


def _finish(findings: list[Finding], extraction: Extraction, settings: Settings,
            scope: frozenset[int] | None = None, document=None) -> tuple[Finding, ...]:
    """Apply configured severities, turned-off rules, inline suppressions and the --changed-since scope; sort."""
    kept = []
    for item in findings:
        if item.rule in settings.disabled_rules or _suppressed(item, extraction.suppressions):
            continue
        if scope is not None and item.line is not None and item.line not in scope:
            continue
        severity = settings.rule_severity.get(item.rule)
        kept.append(replace(item, severity=severity) if severity else item)
    if document is not None and document.conversation is not None:
        kept = [replace(item, location=location_of(document, extraction, item.line)) for item in kept]
    return _sorted(kept)


def _sorted(findings) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (f.line or 0, f.rule)))


def _suppressed(item: Finding, suppressions: tuple[Suppression, ...]) -> bool:
    return any(s.line == item.line and (not s.rules or item.rule in s.rules) for s in suppressions)


def _document_paths(paths: Iterable[str], settings: Settings):
    names = list(paths)
    found = collect_paths(names, exclude_paths=settings.exclude_paths, hidden=settings.hidden)
    if not found:
        skipped = skipped_paths(names)
        if skipped and len(skipped) == len(names):
            raise InputError(f"{', '.join(names)}: code or configuration, not documents (refcheck reads Markdown, "
                             "HTML, wikitext and conversation exports)")
        raise InputError("no supported documents found in " + ", ".join(names))
    return found


def _skipped_notice(paths: list[str]) -> tuple[str, ...]:
    skipped = skipped_paths(paths)
    if not skipped:
        return ()
    shown = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
    return (f"not read: {len(skipped)} file(s) of code or configuration, never prose ({shown})",)


MEMO_MAX_CHARS = 5_000_000  # a bigger document's extraction is not kept: its JSON would be several times its size


def _extract(document, memo) -> Extraction:
    """The document's extraction, from `memo` when neither the text nor the extraction code changed since."""
    if memo is None or document.conversation is not None or len(document.text) > MEMO_MAX_CHARS:
        return without_prose(extract(document))  # the claims are made: a big document's prose is not held twice
    from refcheck.extract.plain import extraction_from_json, extraction_key, extraction_to_json

    key = extraction_key(document)
    stored = memo.stored_extraction(str(document.path), key)
    if stored is not None:
        try:
            return extraction_from_json(stored)
        except ValueError:
            pass  # damaged or foreign: extracted again, and replaced below
    extraction = without_prose(extract(document))
    memo.store_extraction(str(document.path), key, extraction_to_json(extraction))
    return extraction


def _open_cache(settings: Settings):
    if not settings.cache.enabled:
        return None
    from refcheck.fetch.cache import FetchCache

    return FetchCache(settings.cache.directory)
