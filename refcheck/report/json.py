"""The refcheck/1 JSON contract that CI jobs and other tools parse (documented in docs/json.md; extend, never break)."""

from __future__ import annotations

import json

from refcheck import __version__
from refcheck.models import Claim, FetchResult, Finding, Report
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
        "links": [{"url": l.url, "line": l.line, "text": l.text, "ref": l.ref} for l in extraction.links],
        "claims": [_claim(c) for c in extraction.claims],
        "findings": [finding_dict(f) for f in document_report.findings],
    }


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
        "from_cache": result.from_cache,
        "reason": result.reason,
        "elapsed": round(result.elapsed, 3),
        "first_failed": result.first_failed,
        "failed_runs": result.failed_runs,
    }

