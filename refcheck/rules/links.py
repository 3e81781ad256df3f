"""Network rules: what a URL's fetch outcome means for each place in a document that cites it."""

from __future__ import annotations

from collections.abc import Iterator

from dataclasses import replace

from refcheck.models import Extraction, FetchResult, Finding, UrlStatus
from refcheck.rules.registry import finding
from refcheck.rules.titles import check_title

PERMANENT_REDIRECTS = {301, 308}


def url_places(extraction: Extraction) -> list[tuple[str, int, str | None]]:
    """(url, line, reference id) for every place a URL is cited: reference entries, then standalone links."""
    places = [(r.url, r.line, r.id) for r in extraction.references if r.url]
    reference_urls = {(r.url, r.line) for r in extraction.references if r.url}
    # A link that is a reference's own URL (same url, same line) is reported once, as the reference.
    places += [(link.url, link.line, link.ref) for link in extraction.links if (link.url, link.line) not in reference_urls]
    return places


def link_findings(extraction: Extraction, results: dict[str, FetchResult], confirm_dead: int = 1) -> list[Finding]:
    findings: list[Finding] = []
    for url, line, ref in url_places(extraction):
        result = results.get(url)
        if result is not None:
            findings += outcome_findings(result, line=line, ref=ref, confirm_dead=confirm_dead)
    return findings + archived_copy_findings(extraction, results)


def outcome_findings(result: FetchResult, *, line: int, ref: str | None, confirm_dead: int = 1) -> Iterator[Finding]:
    where = {"line": line, "ref": ref, "url": result.url}
    evidence = _evidence(result)
    status = result.status
    if status is UrlStatus.DEAD:
        history = _history(result)
        if result.failed_runs and result.failed_runs < confirm_dead:
            yield finding("unreachable", f"failed ({result.reason}){history}; called dead only after {confirm_dead} runs"
                          f"{_archive_note(result)}", evidence=evidence, **where)
        else:
            yield finding("dead-link", f"dead link: {result.reason or status}{history}{_archive_note(result)}",
                          evidence=evidence, **where)
    elif status is UrlStatus.SOFT_404:
        yield finding("soft-404", f"the page answers {result.http_status or 200} but is not the cited page: {result.reason}"
                      f"{_archive_note(result)}", evidence=evidence, **where)
    elif status is UrlStatus.BLOCKED:
        yield finding("blocked", f"could not verify: {result.reason or 'the site refused the check'}", evidence=evidence, **where)
    elif status is UrlStatus.TIMEOUT or (status is UrlStatus.ERROR and (result.http_status or 0) >= 500):
        yield finding("unreachable", f"could not verify: {result.reason or status}{_history(result)}", evidence=evidence, **where)
    elif status is UrlStatus.ERROR:
        yield finding("fetch-error", f"could not fetch: {result.reason or 'unknown error'}", evidence=evidence, **where)
    elif status is UrlStatus.UNSAFE:
        yield finding("unsafe-url", f"not fetched: {result.reason or 'resolves to a private or reserved address'}",
                      evidence=evidence, **where)
    elif status is UrlStatus.OK:
        yield from _redirect_findings(result, where)


def _redirect_findings(result: FetchResult, where: dict) -> Iterator[Finding]:
    if any(hop.status in PERMANENT_REDIRECTS for hop in result.redirects) and result.final_url:
        yield finding("redirect", f"permanently moved to {result.final_url}",
                      evidence={"final_url": result.final_url, "chain": [[h.url, h.status] for h in result.redirects]},
                      **where)


def _history(result: FetchResult) -> str:
    if result.first_failed and result.failed_runs:
        runs = "1 run" if result.failed_runs == 1 else f"{result.failed_runs} runs"
        return f" (failing since {result.first_failed}, {runs})"
    return ""


def _evidence(result: FetchResult) -> dict:
    evidence: dict = {"status": str(result.status)}
    if result.http_status is not None:
        evidence["http_status"] = result.http_status
    if result.first_failed:
        evidence["first_failed"] = result.first_failed
        evidence["failed_runs"] = result.failed_runs
    if result.archive_url:
        evidence["archive_url"] = result.archive_url
        evidence["archived_at"] = result.archived_at
    elif result.archive_reason:
        evidence["archive_reason"] = result.archive_reason
    return evidence


def _archive_note(result: FetchResult) -> str:
    """The archived copy a dead source can be read at (fetch/archive.py found or the document named it), if any."""
    if not result.archive_url:
        return ""
    when = f", taken {result.archived_at}" if result.archived_at else ""
    return f"; archived copy: {result.archive_url}{when}"


def archived_copy_findings(extraction: Extraction, results: dict[str, FetchResult]) -> list[Finding]:
    """title-mismatch for an archived copy (one the entry names, or one the archive offered for a dead source)
    whose title names another article than the cited one: the copy is checked like a live page."""
    findings: list[Finding] = []
    for reference in extraction.references:
        result = results.get(reference.url) if reference.url else None
        copy_url = reference.archive_url or (result.archive_url if result is not None else None)
        copy = results.get(copy_url) if copy_url else None
        if copy is None or copy.status is not UrlStatus.OK or copy.page is None:
            continue
        # The original URL, not the archive's, names the publisher whose site names are stripped from the title.
        mismatch = check_title(reference.title, copy.page, line=reference.line, url=reference.url, ref=reference.id)
        if mismatch is not None:
            findings.append(replace(mismatch, url=copy_url, message=f"archived copy: {mismatch.message}",
                                    evidence={**mismatch.evidence, "archive": True, "archive_url": copy_url,
                                              "cited_url": reference.url}))
    return findings
