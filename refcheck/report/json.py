"""The refcheck/1 JSON contract that CI jobs and other tools parse (documented in docs/json.md; extend, never break)."""

from __future__ import annotations

import json

from refcheck import __version__
from refcheck.models import (Claim, Document, DocumentReport, Extraction, FetchResult, Finding, Format, Link,
                             LocalResult, Marker, PageFacts, Redirect, Reference, Report, Severity, UrlStatus)
from refcheck.report import summarize

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
    return {
        "path": document.path,
        "format": str(document.format),
        "encoding": document.encoding,
        "references": [
            {"id": r.id, "title": r.title, "site": r.site, "url": r.url, "retrieved": r.retrieved,
             "line": r.line, "archive_url": r.archive_url}
            for r in extraction.references
        ],
        "markers": [{"ref": m.ref, "line": m.line} for m in extraction.markers],
        "links": _links(extraction.links, document_report.local),
        "claims": [_claim(c) for c in extraction.claims],
        "findings": [finding_dict(f) for f in document_report.findings],
    }


def _links(links, local) -> list[dict]:
    """Every link with its kind; a local link that `check` looked at on disk also says what it found there."""
    checked = {(result.url, result.line): result for result in local}
    rows = []
    for link in links:
        row = {"url": link.url, "line": link.line, "text": link.text, "ref": link.ref, "kind": link.kind}
        result = checked.get((link.url, link.line))
        if result is not None:
            row["local"] = {"status": result.status, "path": result.path, "fragment": result.fragment,
                            "reason": result.reason}
        rows.append(row)
    return rows


def _claim(claim: Claim) -> dict:
    return {"text": claim.text, "line": claim.line, "refs": list(claim.refs), "urls": list(claim.urls),
            "speaker": claim.speaker, "check_worthy": claim.check_worthy, "reasons": list(claim.reasons)}


def finding_dict(item: Finding) -> dict:
    return {"rule": item.rule, "severity": str(item.severity), "line": item.line, "url": item.url,
            "ref": item.ref, "message": item.message, "evidence": item.evidence}


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
    document = Document(path=data["path"], format=Format(data["format"]), text="", encoding=data.get("encoding", "utf-8"))
    extraction = Extraction(
        references=tuple(Reference(id=r["id"], line=r["line"], title=r.get("title"), site=r.get("site"), url=r.get("url"),
                                   retrieved=r.get("retrieved"), archive_url=r.get("archive_url"))
                         for r in data.get("references", [])),
        markers=tuple(Marker(ref=m["ref"], line=m["line"]) for m in data.get("markers", [])),
        links=tuple(Link(url=l["url"], line=l["line"], text=l.get("text"), ref=l.get("ref"), kind=l.get("kind") or "link")
                    for l in data.get("links", [])),
        claims=tuple(Claim(text=c["text"], line=c["line"], refs=tuple(c.get("refs", [])), urls=tuple(c.get("urls", [])),
                           speaker=c.get("speaker"), check_worthy=c.get("check_worthy", False),
                           reasons=tuple(c.get("reasons", [])))
                     for c in data.get("claims", [])),
        has_markers=bool(data.get("markers")),
    )
    findings = tuple(Finding(rule=f["rule"], severity=Severity(f["severity"]), message=f["message"], line=f.get("line"),
                             url=f.get("url"), ref=f.get("ref"), evidence=f.get("evidence") or {})
                     for f in data.get("findings", []))
    local = tuple(LocalResult(url=l["url"], line=l["line"], kind=l.get("kind") or "link", status=l["local"]["status"],
                              path=l["local"].get("path"), fragment=l["local"].get("fragment"),
                              reason=l["local"].get("reason"))
                  for l in data.get("links", []) if isinstance(l.get("local"), dict))
    return DocumentReport(document, extraction, findings, local=local)


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
