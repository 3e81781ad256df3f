"""Rules that compare what a reference cites with the page that was fetched: its title and its publisher.

The comparison is per URL (a cited title and site against one page), ~35 µs each, so a big check has it done where
each page was fetched, during the fetch (`page_verdicts`, see pipeline.py and FetchRun.digests), instead of for
every URL in one process afterwards; `page_findings` then only places the verdicts at their references.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from refcheck.models import Extraction, FetchResult, Finding, UrlStatus
from refcheck.rules.sites import check_site
from refcheck.rules.titles import check_title

# (cited title, cited site) → (title-mismatch, site-mismatch) for one page, each without its line and reference id.
Verdicts = dict[tuple[str | None, str | None], tuple[Finding | None, Finding | None]]


def cited_pages(extractions: Iterable[Extraction]) -> dict[str, tuple[tuple[str | None, str | None], ...]]:
    """URL → each (title, site) a reference cites it with: what `page_verdicts` judges for that URL's page."""
    cited: dict[str, tuple[tuple[str | None, str | None], ...]] = {}
    for extraction in extractions:
        for reference in extraction.references:
            url = reference.url
            if url:
                pair = (reference.title, reference.site)
                pairs = cited.get(url)
                if pairs is None:  # most URLs are cited once: one tuple, no set of pairs to build and convert
                    cited[url] = (pair,)
                elif pair not in pairs:
                    cited[url] = (*pairs, pair)
    return cited


def page_verdicts(result: FetchResult, cited: dict[str, tuple[tuple[str | None, str | None], ...]]) -> Verdicts | None:
    """What `page_findings` decides for each (title, site) that references cite `result`'s URL with, without their
    places; None when the page gives no verdict (not read) or no reference cites the URL."""
    pairs = cited.get(result.url)
    if not pairs or not _readable(result):
        return None
    return {(title, site): _page_verdict(title, site, result.url, result) for title, site in pairs}


def page_findings(extraction: Extraction, results: dict[str, FetchResult],
                  known: dict[str, tuple[FetchResult, Verdicts | None]] | None = None) -> list[Finding]:
    """`known`: URL → (the result, its `page_verdicts`), as the fetch worked them out; a verdict is used only for
    that very result (a result replaced since, by --accept or the archive, is judged here again)."""
    findings: list[Finding] = []
    for reference in extraction.references:
        result = results.get(reference.url) if reference.url else None
        if result is None or not _readable(result):
            continue
        verdict = _known_verdict(known, reference.url, result, (reference.title, reference.site))
        if verdict is None:
            verdict = _page_verdict(reference.title, reference.site, reference.url, result)
        for item in verdict:
            if item is not None:
                findings.append(replace(item, line=reference.line, ref=reference.id, evidence=dict(item.evidence)))
    return findings


def _readable(result: FetchResult) -> bool:
    return result.status is UrlStatus.OK and result.page is not None  # a page not read gives no verdict


def _known_verdict(known, url: str, result: FetchResult, pair) -> tuple[Finding | None, Finding | None] | None:
    if not known:
        return None
    entry = known.get(url)
    if entry is None or entry[0] is not result or entry[1] is None:
        return None
    return entry[1].get(pair)


def _page_verdict(title: str | None, site: str | None, url: str,
                  result: FetchResult) -> tuple[Finding | None, Finding | None]:
    return (check_title(title, result.page, url=url),
            check_site(site, _publisher_url(url, result), result.page))


def _publisher_url(document_url: str, result: FetchResult) -> str:
    """The URL whose domain names the publisher: where redirects led, unless --remap sent the fetch elsewhere."""
    remapped = result.fetched_url not in (None, result.url)
    return document_url if remapped else (result.final_url or document_url)
