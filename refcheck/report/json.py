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
    """A Report from refcheck/1 JSON; raises ValueError when it is not that schema."""
    if not isinstance(payload, dict) or payload.get("schema") != SCHEMA:
        raise ValueError(f"not a {SCHEMA} report")
    documents = tuple(_document_from(d) for d in payload.get("documents", []))
    urls = tuple(_url_from(u) for u in payload.get("urls", []))
    return Report(command=payload.get("command", "check"), documents=documents, urls=urls,
                  notices=tuple(payload.get("notices", [])))


def _document_from(data: dict) -> DocumentReport:
    conversation = data.get("conversation") if isinstance(data.get("conversation"), dict) else {}
    document = Document(path=data["path"], format=Format(data["format"]), text="", encoding=data.get("encoding", "utf-8"),
                        conversation=conversation.get("id"), title=conversation.get("title"))
    extraction = Extraction(
        references=tuple(Reference(id=r["id"], line=r["line"], title=r.get("title"), site=r.get("site"), url=r.get("url"),
                                   retrieved=r.get("retrieved"), archive_url=r.get("archive_url"), doi=r.get("doi"),
                                   authors=tuple(r.get("authors") or ()), year=r.get("year"),
                                   published=r.get("published"))
                         for r in data.get("references", [])),
        markers=tuple(Marker(ref=m["ref"], line=m["line"]) for m in data.get("markers", [])),
        links=tuple(Link(url=l["url"], line=l["line"], text=l.get("text"), ref=l.get("ref")) for l in data.get("links", [])),
        claims=tuple(Claim(text=c["text"], line=c["line"], refs=tuple(c.get("refs", [])), urls=tuple(c.get("urls", [])),
                           speaker=c.get("speaker"), check_worthy=c.get("check_worthy", False),
                           reasons=tuple(c.get("reasons", [])))
                     for c in data.get("claims", [])),
        has_markers=bool(data.get("markers")),
    )
    findings = tuple(Finding(rule=f["rule"], severity=Severity(f["severity"]), message=f["message"], line=f.get("line"),
                             url=f.get("url"), ref=f.get("ref"), evidence=f.get("evidence") or {},
                             location=_location_from(f.get("location")))
                     for f in data.get("findings", []))
    resolutions = tuple((r["id"], r["resolution"]) for r in data.get("references", []) if r.get("resolution"))
    return DocumentReport(document, extraction, findings, resolutions=resolutions)


def _location_from(data) -> Location | None:
    if not isinstance(data, dict) or not isinstance(data.get("conversation"), str):
        return None
    return Location(conversation=data["conversation"], title=data.get("title"), message=data.get("message"),
                    offset=data.get("offset"), node=data.get("node"))


def _url_from(data: dict) -> FetchResult:
    page = None
    if data.get("title") or data.get("site_name") or data.get("content_type"):
        page = PageFacts(title=data.get("title"), site_name=data.get("site_name"), content_type=data.get("content_type"))
    return FetchResult(url=data["url"], status=UrlStatus(data["status"]), fetched_url=data.get("fetched_url"),
                       http_status=data.get("http_status"), final_url=data.get("final_url"),
                       redirects=tuple(Redirect(h["url"], h["status"]) for h in data.get("redirects", [])),
                       page=page, from_cache=data.get("from_cache", False), reason=data.get("reason"),
                       elapsed=data.get("elapsed", 0.0), first_failed=data.get("first_failed"),
                       failed_runs=data.get("failed_runs", 0), archive_url=data.get("archive_url"),
                       archived_at=data.get("archived_at"), archive_reason=data.get("archive_reason"))
