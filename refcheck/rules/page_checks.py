"""Rules that compare what a reference cites with the page that was fetched: its title and its publisher."""

from __future__ import annotations

from refcheck.models import Extraction, FetchResult, Finding, UrlStatus
from refcheck.rules.sites import check_site
from refcheck.rules.titles import check_title


def page_findings(extraction: Extraction, results: dict[str, FetchResult]) -> list[Finding]:
    findings: list[Finding] = []
    for reference in extraction.references:
        result = results.get(reference.url) if reference.url else None
        if result is None or result.status is not UrlStatus.OK or result.page is None:
            continue  # a page that was not read gives no verdict on its title or site
        where = {"line": reference.line, "ref": reference.id}
        title = check_title(reference.title, result.page, url=reference.url, **where)
        if title is not None:
            findings.append(title)
        site = check_site(reference.site, _publisher_url(reference.url, result), result.page, **where)
        if site is not None:
            findings.append(site)
    return findings


def _publisher_url(document_url: str, result: FetchResult) -> str:
    """The URL whose domain names the publisher: where redirects led, unless --remap sent the fetch elsewhere."""
    remapped = result.fetched_url not in (None, result.url)
    return document_url if remapped else (result.final_url or document_url)
