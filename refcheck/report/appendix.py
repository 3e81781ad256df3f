"""The sources appendix as data: one numbered entry per source a document cites, in citation order. Pure.

Each entry says which title to print (the cited one, or the page's where the cited one is generic or wrong),
who published it, the URL to give (after permanent redirects only), the access date, and whether the source
was verified, is dead, could not be verified, or was not checked at all (an `extract` report).
The formats that print these entries are in `refcheck.report.appendix_formats`; docs/appendix.md has the rules.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from refcheck.extract.urls import is_fetchable_url
from refcheck.models import DocumentReport, Extraction, FetchResult, Finding, PageFacts, Reference, Report, UrlStatus
from refcheck.rules.sites import registrable_domain
from refcheck.rules.titles import is_generic_title, strip_site_affixes

PERMANENT_REDIRECTS = frozenset({301, 308})
START_MARKER = re.compile(r"<!--\s*refcheck:appendix:start\s*-->")
END_MARKER = re.compile(r"<!--\s*refcheck:appendix:end\s*-->")
_UNVERIFIABLE = {UrlStatus.BLOCKED: "blocked", UrlStatus.TIMEOUT: "timed out", UrlStatus.ERROR: "fetch error",
                 UrlStatus.OFFLINE: "offline: not in the cache", UrlStatus.UNSAFE: "unsafe address",
                 UrlStatus.INVALID: "invalid URL", UrlStatus.EXCLUDED: "excluded from the check"}
_NOT_KEY_CHARACTER = re.compile(r"[^a-z0-9]+")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


class Verification(StrEnum):
    VERIFIED = "verified"  # fetched now and the page answered
    DEAD = "dead"  # dead link or soft 404
    UNVERIFIABLE = "unverifiable"  # no URL, blocked, timed out, error, offline, unsafe, …
    NOT_CHECKED = "not-checked"  # an extract report: nothing was fetched


@dataclass(frozen=True)
class AppendixEntry:
    number: int  # 1, 2, … within its document
    document: str  # the citing document's path
    kind: str  # "reference" (an entry of the reference list) | "link" (a standalone link in the prose)
    ref: str | None  # the reference id; None for a link
    line: int  # where the reference entry (or the link) is
    key: str  # a stable citation key (BibTeX key, CSL id): ref3-yomiuri-2026
    title: str | None  # the title to print; None when neither the document nor the page gives one
    title_source: str | None  # "cited" | "page" | None
    cited_title: str | None  # as the document wrote it
    publisher: str | None
    publisher_source: str | None  # "cited" | "page" (og:site_name) | "url" (the URL's domain) | None
    cited_publisher: str | None  # the site as the document wrote it
    url: str | None  # after permanent redirects
    cited_url: str | None  # as the document wrote it
    accessed: str | None  # YYYY-MM-DD
    accessed_source: str | None  # "run" (verified by this run) | "cited" (the reference's retrieved date) | None
    verification: Verification
    status: str | None  # the URL's status when it was fetched (a UrlStatus value)
    reason: str | None  # why it is dead or unverifiable
    archive_url: str | None = None  # a web-archive copy of a dead source (`check` asks the archive, or the entry named one)
    archived_at: str | None = None  # when that copy was taken (ISO date or time)
    located: bool = False  # the document gives no URL: refcheck found this one (refcheck/resolve/)


def build_entries(report: Report, today: date) -> tuple[AppendixEntry, ...]:
    """The entries of every document of the report: each document numbered from 1, keys unique across all."""
    results = {result.url: result for result in report.urls}
    checked = report.command == "check"
    used_keys: set[str] = set()
    return tuple(entry for document_report in report.documents
                 for entry in _document_entries(document_report, results, checked, today, used_keys))


# --- which sources, in which order -------------------------------------------------------------------------


def _document_entries(document_report: DocumentReport, results: dict[str, FetchResult], checked: bool,
                      today: date, used_keys: set[str]) -> tuple[AppendixEntry, ...]:
    extraction = _outside_appendix(document_report.extraction, document_report.document.text)
    verdicts = _verdicts(document_report.findings)
    located = {ref: url for ref, resolution in document_report.resolutions if (url := _found_url(resolution))}
    sources = [(replace(r, url=located[r.id]) if r.id in located and not r.url else r, "reference")
               for r in _cited_order(extraction)]
    sources += [(link, "link") for link in _standalone_links(extraction)]
    entries = []
    for number, (source, kind) in enumerate(sources, start=1):
        entry = _entry(source, kind, number, document_report.document.path, results, checked, today, verdicts)
        if kind == "reference" and located.get(source.id) == source.url:
            entry = replace(entry, located=True, cited_url=None)
        entries.append(_with_unique_key(entry, used_keys))
    return tuple(entries)


def _found_url(resolution) -> str | None:
    """The URL a resolution found (a Resolution, or its JSON form read back), else None."""
    if isinstance(resolution, dict):
        return resolution.get("url") if resolution.get("status") == "found" else None
    return resolution.url if getattr(resolution, "status", None) == "found" else None


def _cited_order(extraction: Extraction) -> list[Reference]:
    """References by their first marker; those never cited follow in list order."""
    by_id = {}
    for reference in extraction.references:
        by_id.setdefault(reference.id, reference)
    order: dict[str, None] = {}
    for marker in sorted(extraction.markers, key=lambda m: m.line):  # stable: same-line markers keep reader order
        if marker.ref in by_id:
            order.setdefault(marker.ref, None)
    cited = [by_id[ref] for ref in order]
    first_cited = {id(reference) for reference in cited}
    return cited + [r for r in extraction.references if id(r) not in first_cited]


def _standalone_links(extraction: Extraction) -> list[Reference]:
    """Links in the prose that are no reference's own URL, once each, as URL-only references (no id; the anchor
    text, when it is not the URL itself, stands as the cited title)."""
    known = {url for r in extraction.references for url in (r.url, r.archive_url) if url}
    ids = {r.id for r in extraction.references}
    seen: dict[str, Reference] = {}
    for link in sorted(extraction.links, key=lambda l: l.line):
        if (link.url in known or link.url in seen or (link.ref in ids) or link.kind != "link"
                or not is_fetchable_url(link.url)):  # an image or a stylesheet is not a source
            continue
        text = _clean(link.text)
        title = text if text and text != link.url else None
        seen[link.url] = Reference(id="", line=link.line, title=title, url=link.url)
    return list(seen.values())


def _outside_appendix(extraction: Extraction, text: str) -> Extraction:
    """Leave out what lies between the appendix markers: a document that holds its own appendix (--write-into)
    would otherwise cite its appendix's links as new sources on the next run, and the run would not be idempotent."""
    start, end = START_MARKER.search(text), END_MARKER.search(text)
    if not start or not end or end.start() < start.end():
        return extraction
    first, last = text.count("\n", 0, start.start()) + 1, text.count("\n", 0, end.start()) + 1

    def outside(line: int) -> bool:
        return not first <= line <= last

    return replace(extraction, references=tuple(r for r in extraction.references if outside(r.line)),
                   markers=tuple(m for m in extraction.markers if outside(m.line)),
                   links=tuple(link for link in extraction.links if outside(link.line)))


@dataclass(frozen=True)
class _Verdicts:
    """What the rules said about a document's sources, reused rather than recomputed (so suppressions count)."""

    page_titles: dict  # (ref, line) → the page title a title-mismatch finding names
    url_domains: dict  # (ref, line) → the URL's domain a site-mismatch finding names
    unconfirmed: set  # URLs reported `unreachable` rather than dead (--confirm-dead)


def _verdicts(findings: tuple[Finding, ...]) -> _Verdicts:
    """The page title of each title-mismatch finding and the URL domain of each site-mismatch, by (reference id,
    line), and the URLs called unreachable. The rules' verdicts are reused, so a suppressed or disabled
    title-mismatch keeps the cited title."""
    return _Verdicts(
        page_titles={(f.ref, f.line): f.evidence.get("page_title", "") for f in findings if f.rule == "title-mismatch"},
        url_domains={(f.ref, f.line): f.evidence.get("url_domain") for f in findings if f.rule == "site-mismatch"},
        unconfirmed={f.url for f in findings if f.rule == "unreachable" and f.url})


# --- one entry ---------------------------------------------------------------------------------------------


def _entry(source: Reference, kind: str, number: int, document: str, results: dict[str, FetchResult], checked: bool,
           today: date, verdicts: _Verdicts) -> AppendixEntry:
    cited_url = source.url or source.archive_url
    result = results.get(cited_url) if (checked and cited_url) else None
    verification, reason = _verification(cited_url, result, checked, verdicts.unconfirmed)
    page = result.page if result is not None and result.status is UrlStatus.OK else None
    cited_title = _clean(source.title)
    is_link = kind == "link"
    where = (source.id, source.line)
    title, title_source = _title(source, cited_title, page, verdicts.page_titles.get(where), is_link)
    cited_publisher = _clean(source.site)
    publisher, publisher_source = _publisher(cited_publisher, page, where in verdicts.url_domains,
                                             verdicts.url_domains.get(where))
    accessed, accessed_source = _accessed(source, verification, today)
    return AppendixEntry(
        number=number, document=document, kind=kind, ref=None if is_link else source.id,
        line=source.line, key=_key(None if is_link else source.id, number, source.retrieved, cited_url, publisher, page),
        title=title, title_source=title_source, cited_title=cited_title,
        publisher=publisher, publisher_source=publisher_source, cited_publisher=cited_publisher,
        url=_permanent_url(cited_url, result), cited_url=cited_url,
        accessed=accessed, accessed_source=accessed_source,
        verification=verification, status=str(result.status) if result is not None else None, reason=reason,
        **_archive_copy(source, result, verification))


def _archive_copy(source, result: FetchResult | None, verification: Verification) -> dict:
    """The copy a reader can follow when the source itself is gone: the archive's answer, else the entry's own."""
    if verification is not Verification.DEAD:
        return {}
    if result is not None and result.archive_url:
        return {"archive_url": result.archive_url, "archived_at": result.archived_at}
    own = getattr(source, "archive_url", None)
    return {"archive_url": own} if own else {}


def _verification(url: str | None, result: FetchResult | None, checked: bool,
                  unconfirmed: set[str]) -> tuple[Verification, str | None]:
    if not checked:
        return Verification.NOT_CHECKED, None
    if not url:
        return Verification.UNVERIFIABLE, "no URL"
    if result is None:
        return Verification.UNVERIFIABLE, "not a URL refcheck can fetch"
    if result.status is UrlStatus.OK:
        return Verification.VERIFIED, None
    if result.status in (UrlStatus.DEAD, UrlStatus.SOFT_404):
        if result.status is UrlStatus.DEAD and url in unconfirmed:
            # --confirm-dead: one failed run is "unreachable", not yet dead; the appendix says the same.
            return Verification.UNVERIFIABLE, result.reason or "not yet confirmed dead"
        return Verification.DEAD, result.reason or str(result.status)
    return Verification.UNVERIFIABLE, result.reason or _UNVERIFIABLE.get(result.status, str(result.status))


def _title(source: Reference, cited: str | None, page: PageFacts | None, mismatch_title: str | None,
           is_link: bool) -> tuple[str | None, str | None]:
    """The cited title, unless the page was read and the cited one is missing, generic, or another article's.

    A standalone link's anchor text ("here", "this report") is not a title: the page's title wins when there is one."""
    page_title = _page_title(page, source.site, mismatch_title)
    if page_title and (not cited or mismatch_title is not None or is_link
                       or _generic(cited, source.site, source.url, page)):
        return page_title, "page"
    if cited:
        return cited, "cited"
    return None, None


def _generic(title: str, site: str | None, url: str | None, page: PageFacts | None) -> bool:
    return is_generic_title(title, site, url) or bool(page and is_generic_title(title, page.site_name, url))


def _page_title(page: PageFacts | None, cited_site: str | None, mismatch_title: str | None) -> str | None:
    if page is None or page.challenge:
        return None
    raw = mismatch_title or page.title or next((t for t in page.title_candidates if t and t.strip()), None)
    if not raw:
        return None
    stripped = _clean(strip_site_affixes(raw, [name for name in (page.site_name, cited_site) if name]))
    return stripped or _clean(raw)


def _publisher(cited_site: str | None, page: PageFacts | None, wrong_site: bool,
               url_domain: str | None) -> tuple[str | None, str | None]:
    """The cited site; else (or when a site-mismatch finding says it is another publisher) the page's site name,
    or failing that the URL's domain."""
    if cited_site and not wrong_site:
        return cited_site, "cited"
    site_name = _clean(page.site_name) if page else None
    if site_name:
        return site_name, "page"
    if wrong_site and url_domain:
        return url_domain, "url"
    return (cited_site, "cited") if cited_site else (None, None)


def _accessed(source: Reference, verification: Verification, today: date) -> tuple[str | None, str | None]:
    """Today for a source this run verified; else the date the document says it was retrieved."""
    if verification is Verification.VERIFIED:
        return today.isoformat(), "run"
    if source.retrieved and _DATE.fullmatch(source.retrieved):
        return source.retrieved, "cited"
    return None, None


def _permanent_url(cited_url: str | None, result: FetchResult | None) -> str | None:
    """Follow the redirect chain while its hops are permanent (301, 308); stop at the first temporary one.

    Only for a page that answered, and never through --remap (the redirects are then the mirror's)."""
    if cited_url is None or result is None or result.status is not UrlStatus.OK:
        return cited_url
    if result.fetched_url not in (None, result.url):
        return cited_url
    hops = result.redirects
    url = cited_url
    for index, hop in enumerate(hops):
        if hop.status not in PERMANENT_REDIRECTS:
            break
        url = hops[index + 1].url if index + 1 < len(hops) else (result.final_url or url)
    return url


# --- citation keys -----------------------------------------------------------------------------------------


def _key(ref: str | None, number: int, retrieved: str | None, url: str | None, publisher: str | None,
         page: PageFacts | None) -> str:
    """`ref3-yomiuri-2026`: the reference id, the site's domain (or the publisher in ASCII), the year cited.

    Built from what the document says (never from today's date), so the key stays the same from run to run."""
    head = f"ref{_slug(ref) or number}" if ref else f"link{number}"
    site = _domain_label(url) or _slug(publisher or "")
    year = _year(retrieved) or _year(page.published if page else None)
    return "-".join(part for part in (head, site[:24].strip("-"), year) if part)


def _domain_label(url: str | None) -> str:
    if not url:
        return ""
    domain = registrable_domain(url)
    label = domain if re.fullmatch(r"[\d.]+", domain or "") else (domain or "").split(".")[0]
    return _slug(label)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _NOT_KEY_CHARACTER.sub("-", ascii_text).strip("-")


def _year(text: str | None) -> str:
    match = re.match(r"(\d{4})", text or "")
    return match.group(1) if match else ""


def _with_unique_key(entry: AppendixEntry, used: set[str]) -> AppendixEntry:
    key, suffix = entry.key, 2
    while key in used:
        key, suffix = f"{entry.key}-{suffix}", suffix + 1
    used.add(key)
    return entry if key == entry.key else replace(entry, key=key)


def _clean(text: str | None) -> str | None:
    """Whitespace collapsed (page titles carry newlines and tabs); empty becomes None."""
    if text is None:
        return None
    cleaned = " ".join(text.split())
    return cleaned or None
