"""The one orchestrator: paths → documents → extractions → unique URLs → fetch → rules → Report."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from refcheck.documents import collect_paths, read_document
from refcheck.errors import InputError
from refcheck.extract import extract
from refcheck.extract.urls import is_fetchable_url
from refcheck.models import Claim, DocumentReport, Extraction, FetchResult, Finding, Report, Suppression
from refcheck.rules.claims import uncited_claim_findings
from refcheck.rules.links import link_findings
from refcheck.rules.references import reference_findings
from refcheck.settings import Settings


def extract_paths(paths: Iterable[str], settings: Settings) -> Report:
    """Read and extract every document, with the findings that need no network."""
    reports = []
    for document_path in _document_paths(paths):
        document = read_document(document_path, settings.input_format)
        extraction = extract(document)
        findings = reference_findings(extraction) + uncited_claim_findings(
            extraction.claims, claims_from=settings.claims_from)
        reports.append(DocumentReport(document, extraction, _finish(findings, extraction, settings)))
    return Report(command="extract", documents=tuple(reports))


def check_paths(paths: Iterable[str], settings: Settings,
                on_result: Callable[[FetchResult], None] | None = None,
                on_start: Callable[[int], None] | None = None) -> Report:
    """Extract, fetch every unique URL once, and apply every rule."""
    from refcheck.fetch import fetch_all  # the network layer is loaded only when a check needs it

    extracted = extract_paths(paths, settings)
    urls = unique_urls(report.extraction for report in extracted.documents)
    if on_start:
        on_start(len(urls))
    cache = _open_cache(settings)
    try:
        run = fetch_all(urls, settings.fetch, cache=cache, cache_settings=settings.cache, on_result=on_result)
    finally:
        if cache is not None:
            cache.close()
    documents = tuple(_with_network_findings(report, run.results, settings) for report in extracted.documents)
    ordered = tuple(run.results[url] for url in urls if url in run.results)
    return Report(command="check", documents=documents, urls=ordered, notices=tuple(run.notices))


def unique_urls(extractions: Iterable[Extraction]) -> list[str]:
    """Every fetchable URL once, in first-seen order, however many documents cite it."""
    seen: dict[str, None] = {}
    for extraction in extractions:
        for reference in extraction.references:
            for url in (reference.url, reference.archive_url):
                if url and is_fetchable_url(url):
                    seen.setdefault(url, None)
        for link in extraction.links:
            if is_fetchable_url(link.url):
                seen.setdefault(link.url, None)
    return list(seen)


def _with_network_findings(report: DocumentReport, results: dict[str, FetchResult], settings: Settings) -> DocumentReport:
    from refcheck.rules.page_checks import page_findings
    from refcheck.rules.support import check_claim_support

    extraction = report.extraction
    findings = list(link_findings(extraction, results, confirm_dead=settings.cache.confirm_dead))
    findings += page_findings(extraction, results)
    references = {reference.id: reference for reference in extraction.references}
    for claim in _claims_to_verify(extraction.claims, settings.claims_from):
        sources = _claim_sources(claim, references, results)
        support = check_claim_support(claim, sources)
        if support is not None:
            findings.append(support)
    return replace(report, findings=_sorted(report.findings + _finish(findings, extraction, settings)))


def _claims_to_verify(claims: Iterable[Claim], claims_from: str) -> Iterable[Claim]:
    for claim in claims:
        if not claim.check_worthy or not (claim.refs or claim.urls):
            continue
        if claims_from != "all" and claim.speaker not in (None, claims_from):
            continue
        yield claim


def _claim_sources(claim: Claim, references: dict, results: dict[str, FetchResult]) -> list[tuple[str, FetchResult | None]]:
    sources: list[tuple[str, FetchResult | None]] = []
    for ref in claim.refs:
        reference = references.get(ref)
        if reference is None:
            continue  # missing-reference already says so
        url = reference.url or reference.archive_url
        sources.append((ref, results.get(url) if url else None))
    sources += [(url, results.get(url)) for url in claim.urls]
    return sources


def _finish(findings: list[Finding], extraction: Extraction, settings: Settings) -> tuple[Finding, ...]:
    """Apply configured severities, turned-off rules and inline suppressions; sort by line."""
    kept = []
    for item in findings:
        if item.rule in settings.disabled_rules or _suppressed(item, extraction.suppressions):
            continue
        severity = settings.rule_severity.get(item.rule)
        kept.append(replace(item, severity=severity) if severity else item)
    return _sorted(kept)


def _sorted(findings) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (f.line or 0, f.rule)))


def _suppressed(item: Finding, suppressions: tuple[Suppression, ...]) -> bool:
    return any(s.line == item.line and (not s.rules or item.rule in s.rules) for s in suppressions)


def _document_paths(paths: Iterable[str]):
    names = list(paths)
    found = collect_paths(names)
    if not found:
        raise InputError("no supported documents found in " + ", ".join(names))
    return found


def _open_cache(settings: Settings):
    if not settings.cache.enabled:
        return None
    from refcheck.fetch.cache import FetchCache

    return FetchCache(settings.cache.directory)
