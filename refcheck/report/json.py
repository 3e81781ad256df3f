"""The refcheck/1 JSON contract that CI jobs and other tools parse (documented in docs/json.md; extend, never break)."""

from __future__ import annotations

import json

from refcheck import __version__
from refcheck.models import (Claim, Document, DocumentReport, Extraction, FetchResult, Finding, Format, Link, Location,
                             Marker, PageFacts, Redirect, Reference, Report, Severity, UrlStatus)
from refcheck.report import summarize
from refcheck.report.paths import location_dict

SCHEMA = "refcheck/1"


def render(report: Report) -> str:
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2) + "\n"


def to_dict(report: Report) -> dict:
    payload: dict = {
        "schema": SCHEMA,
        "tool": {"name": "refcheck", "version": __version__},
        "command": report.command,
        "documents": [_document(d) for d in report.documents],
        "summary": summarize(report),
        "notices": list(report.notices),
    }
    if report.command == "check":
        payload["urls"] = [url_dict(result) for result in report.urls]
    return payload


def _document(document_report) -> dict:
    document, extraction = document_report.document, document_report.extraction
    resolutions = dict(document_report.resolutions)
    payload = {
        "path": document.path,
        "format": str(document.format),
        "encoding": document.encoding,
        "references": [
            {"id": r.id, "title": r.title, "site": r.site, "url": r.url, "retrieved": r.retrieved,
             "line": r.line, "archive_url": r.archive_url, "doi": r.doi, "authors": list(r.authors),
             "year": r.year, "published": r.published, "resolution": resolution_dict(resolutions.get(r.id))}
            for r in extraction.references
        ],
        "markers": [{"ref": m.ref, "line": m.line} for m in extraction.markers],
        "links": [{"url": l.url, "line": l.line, "text": l.text, "ref": l.ref} for l in extraction.links],
        "claims": [_claim(c) for c in extraction.claims],
        "findings": [finding_dict(f) for f in document_report.findings],
    }
    if document.conversation is not None:  # one conversation of a ChatGPT or Claude export
        payload["conversation"] = _conversation(document, extraction)
    return payload


def _conversation(document: Document, extraction: Extraction) -> dict:
    facts = extraction.conversation
    return {"id": document.conversation, "title": document.title,
            "messages": facts.messages if facts else None,
            "other_branches": facts.other_branches if facts else None, "leaf": facts.leaf if facts else None}


def resolution_dict(resolution) -> dict | None:
    """A refcheck.resolve.model.Resolution as the contract's `references[].resolution` (a dict read back from
    JSON is given as it is); None when the reference was not looked for."""
    if resolution is None or isinstance(resolution, dict):
        return resolution
    return {
        "status": resolution.status,
        "url": resolution.url,
        "title": resolution.title,
        "via": resolution.via,
        "score": resolution.score,
        "queries": list(resolution.queries),
        "candidates": [{"url": url, "title": title, "score": score} for url, title, score in resolution.candidates],
        "reason": resolution.reason,
        "metadata_mismatch": list(resolution.metadata_mismatch),
    }


def _claim(claim: Claim) -> dict:
    return {"text": claim.text, "line": claim.line, "refs": list(claim.refs), "urls": list(claim.urls),
            "speaker": claim.speaker, "check_worthy": claim.check_worthy, "reasons": list(claim.reasons)}


def finding_dict(item: Finding) -> dict:
    payload = {"rule": item.rule, "severity": str(item.severity), "line": item.line, "url": item.url,
               "ref": item.ref, "message": item.message, "evidence": item.evidence}
    if item.location is not None:  # conversation exports: where in the JSON, since its lines mean nothing
        payload["location"] = location_dict(item.location)
    return payload


def url_dict(result: FetchResult) -> dict:
    page = result.page
    return {
        "url": result.url,
        "status": str(result.status),
        "http_status": result.http_status,
        "final_url": result.final_url,
        "fetched_url": result.fetched_url,
        "redirects": [{"url": hop.url, "status": hop.status} for hop in result.redirects],
        "title": page.title if page else None,
        "site_name": page.site_name if page else None,
        "content_type": page.content_type if page else None,
        "page_count": page.page_count if page else None,  # PDFs
        "from_cache": result.from_cache,
        "reason": result.reason,
        "elapsed": round(result.elapsed, 3),
        "first_failed": result.first_failed,
        "failed_runs": result.failed_runs,
        "archive_url": result.archive_url,
        "archived_at": result.archived_at,
        "archive_reason": result.archive_reason,
    }



# Reading the contract back (`refcheck merge`): the inverse of to_dict, for documents, findings and URLs.

def from_dict(payload: dict) -> Report:
    """A Report from refcheck/1 JSON; raises ValueError when it is not that schema, a field of the wrong type included
    (a damaged or hand-made report must be refused here, on one line, not crash a reporter later)."""
    if not isinstance(payload, dict) or payload.get("schema") != SCHEMA:
        raise ValueError(f"not a {SCHEMA} report")
    documents = tuple(_document_from(d) for d in _items(payload, "documents", dict))
    urls = tuple(_url_from(u) for u in _items(payload, "urls", dict))
    command = _field(payload, "command", str, "check")
    if command not in ("check", "extract"):
        raise ValueError(f"command: {command!r} is neither check nor extract")
    return Report(command=command, documents=documents, urls=urls, notices=tuple(_items(payload, "notices", str)))


_REQUIRED = object()


def _field(data: dict, key: str, kind: type | tuple[type, ...], default=None):
    """`data[key]` when it has the type the contract gives it; `default` when absent or null (unless required)."""
    value = data.get(key)
    if value is None:
        if default is _REQUIRED:
            raise ValueError(f"{key}: missing")
        return default
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,))):
        raise ValueError(f"{key}: expected {getattr(kind, '__name__', kind)}, found {type(value).__name__}")
    return value


def _items(data: dict, key: str, kind: type) -> list:
    values = _field(data, key, list, [])
    if not all(isinstance(value, kind) and not isinstance(value, bool) for value in values):
        raise ValueError(f"{key}: expected a list of {kind.__name__}")
    return values


def _document_from(data: dict) -> DocumentReport:
    conversation = data.get("conversation") if isinstance(data.get("conversation"), dict) else {}
    document = Document(path=_field(data, "path", str, _REQUIRED), format=Format(_field(data, "format", str, _REQUIRED)),
                        text="", encoding=_field(data, "encoding", str, "utf-8"),
                        conversation=_field(conversation, "id", str), title=_field(conversation, "title", str))
    markers = _items(data, "markers", dict)
    references = _items(data, "references", dict)
    extraction = Extraction(
        references=tuple(Reference(id=_field(r, "id", str, _REQUIRED), line=_field(r, "line", int, _REQUIRED),
                                   title=_field(r, "title", str), site=_field(r, "site", str), url=_field(r, "url", str),
                                   retrieved=_field(r, "retrieved", str), archive_url=_field(r, "archive_url", str),
                                   doi=_field(r, "doi", str), authors=tuple(_items(r, "authors", str)),
                                   year=_field(r, "year", int), published=_field(r, "published", str))
                         for r in references),
        markers=tuple(Marker(ref=_field(m, "ref", str, _REQUIRED), line=_field(m, "line", int, _REQUIRED))
                      for m in markers),
        links=tuple(Link(url=_field(l, "url", str, _REQUIRED), line=_field(l, "line", int, _REQUIRED),
                         text=_field(l, "text", str), ref=_field(l, "ref", str))
                    for l in _items(data, "links", dict)),
        claims=tuple(Claim(text=_field(c, "text", str, _REQUIRED), line=_field(c, "line", int, _REQUIRED),
                           refs=tuple(_items(c, "refs", str)), urls=tuple(_items(c, "urls", str)),
                           speaker=_field(c, "speaker", str), check_worthy=_field(c, "check_worthy", bool, False),
                           reasons=tuple(_items(c, "reasons", str)))
                     for c in _items(data, "claims", dict)),
        has_markers=bool(markers),
    )
    findings = tuple(Finding(rule=_field(f, "rule", str, _REQUIRED), severity=Severity(_field(f, "severity", str, _REQUIRED)),
                             message=_field(f, "message", str, _REQUIRED), line=_field(f, "line", int),
                             url=_field(f, "url", str), ref=_field(f, "ref", str), evidence=_field(f, "evidence", dict, {}),
                             location=_location_from(f.get("location")))
                     for f in _items(data, "findings", dict))
    resolutions = tuple((r["id"], r["resolution"]) for r in references if isinstance(r.get("resolution"), dict))
    return DocumentReport(document, extraction, findings, resolutions=resolutions)


def _location_from(data) -> Location | None:
    if not isinstance(data, dict) or not isinstance(data.get("conversation"), str):
        return None
    return Location(conversation=data["conversation"], title=data.get("title"), message=data.get("message"),
                    offset=data.get("offset"), node=data.get("node"))


def _url_from(data: dict) -> FetchResult:
    page = None
    title, site_name = _field(data, "title", str), _field(data, "site_name", str)
    content_type = _field(data, "content_type", str)
    if title or site_name or content_type:
        page = PageFacts(title=title, site_name=site_name, content_type=content_type)
    redirects = tuple(Redirect(_field(h, "url", str, _REQUIRED), _field(h, "status", int, _REQUIRED))
                      for h in _items(data, "redirects", dict))
    return FetchResult(url=_field(data, "url", str, _REQUIRED), status=UrlStatus(_field(data, "status", str, _REQUIRED)),
                       fetched_url=_field(data, "fetched_url", str), http_status=_field(data, "http_status", int),
                       final_url=_field(data, "final_url", str), redirects=redirects, page=page,
                       from_cache=_field(data, "from_cache", bool, False), reason=_field(data, "reason", str),
                       elapsed=float(_field(data, "elapsed", (int, float), 0.0)),
                       first_failed=_field(data, "first_failed", str), failed_runs=_field(data, "failed_runs", int, 0),
                       archive_url=_field(data, "archive_url", str), archived_at=_field(data, "archived_at", str),
                       archive_reason=_field(data, "archive_reason", str))
