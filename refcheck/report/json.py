"""The refcheck/1 JSON contract that CI jobs and other tools parse (documented in docs/json.md; extend, never break)."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from refcheck import __version__
from refcheck.models import (Claim, Document, DocumentReport, Extraction, FetchResult, Finding, Format, Link, Marker,
                             PageFacts, Redirect, Reference, Report, Severity, UrlStatus)
from refcheck.report import summarize

SCHEMA = "refcheck/1"


def render(report: Report) -> str:
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2) + "\n"


def write(report: Report, stream: TextIO, *, chunk_chars: int = 1 << 16) -> None:
    """Write `render(report)` to a text stream in pieces, never holding the whole text (or the whole `to_dict`) at
    once: one document's header, claim, finding or URL at a time. The bytes are the same as `render`'s."""
    # Every piece (and the small dicts it is made from) is freed by reference counting as soon as it is written (no
    # cycles: see _pieces); the cycle collector would only rescan the whole report, millions of objects, again and
    # again (measured: twice the writer's CPU at 12 MB, growing faster than the input). So it is paused meanwhile.
    collecting = gc.isenabled()
    gc.disable()
    try:
        pending: list[str] = []
        size = 0
        for piece in iter_render(report):
            pending.append(piece)
            size += len(piece)
            if size >= chunk_chars:
                stream.write("".join(pending))
                pending, size = [], 0
        stream.write("".join(pending))
    finally:
        if collecting:
            gc.enable()


def iter_render(report: Report) -> Iterator[str]:
    """`render(report)` as a sequence of pieces (joined, they are exactly its text)."""
    entries: list[tuple[str, object]] = [
        ("schema", SCHEMA),
        ("tool", {"name": "refcheck", "version": __version__}),
        ("command", report.command),
        ("documents", _Lazy(lambda: (_lazy_document(d) for d in report.documents))),
        ("summary", _Lazy(lambda: summarize(report), whole=True)),
        ("notices", list(report.notices)),
    ]
    if report.command == "check":
        entries.append(("urls", _Lazy(lambda: (url_dict(result) for result in report.urls))))
    yield from _pieces(_Object(entries), 0)
    yield "\n"


class _Lazy:
    """A list whose items are made when written (`whole`: a value made when written, dumped as one)."""

    def __init__(self, make: Callable[[], object], *, whole: bool = False):
        self.make = make
        self.whole = whole


class _Object:
    """A JSON object whose values may be _Lazy: written key by key, in order."""

    def __init__(self, entries: Iterable[tuple[str, object]]):
        self.entries = entries


def _lazy_document(document_report) -> _Object:
    document, extraction = document_report.document, document_report.extraction
    return _Object([
        ("path", document.path),
        ("format", str(document.format)),
        ("encoding", document.encoding),
        ("references", _Lazy(lambda: ({"id": r.id, "title": r.title, "site": r.site, "url": r.url,
                                        "retrieved": r.retrieved, "line": r.line, "archive_url": r.archive_url}
                                       for r in extraction.references))),
        ("markers", _Lazy(lambda: ({"ref": m.ref, "line": m.line} for m in extraction.markers))),
        ("links", _Lazy(lambda: ({"url": l.url, "line": l.line, "text": l.text, "ref": l.ref}
                                 for l in extraction.links))),
        ("claims", _Lazy(lambda: (_claim(c) for c in extraction.claims))),
        ("findings", _Lazy(lambda: (finding_dict(f) for f in document_report.findings))),
    ])


_INDENT = "  "  # render's indent=2


def _pieces(value: object, level: int) -> Iterator[str]:
    """What json.dumps(value, ensure_ascii=False, indent=2) writes for `value` nested `level` deep, in pieces: one
    per item of an _Object or a _Lazy list; plain values are dumped whole by `_dump`."""
    inner = "\n" + _INDENT * (level + 1)
    if isinstance(value, _Object):
        opened = False
        for key, item in value.entries:
            yield ("," if opened else "{") + inner + _key(key) + ": "
            opened = True
            yield from _pieces(item, level + 1)
        yield "\n" + _INDENT * level + "}" if opened else "{}"
    elif isinstance(value, _Lazy) and not value.whole:
        opened = False
        for item in value.make():
            yield ("," if opened else "[") + inner
            opened = True
            yield from _pieces(item, level + 1)
        yield "\n" + _INDENT * level + "]" if opened else "[]"
    else:
        yield _dump(value.make() if isinstance(value, _Lazy) else value, level)


_encode_string = json.encoder.encode_basestring  # ensure_ascii=False's string encoder (C)
_FLOAT_SPECIALS = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _dump(value: object, level: int) -> str:
    """json.dumps(value, ensure_ascii=False, indent=2) for a value nested `level` deep, without json.dumps: with
    `indent` it builds mutually recursive closures on every call, a reference cycle per call that only the cycle
    collector frees (and a big report makes that collector slow)."""
    if isinstance(value, str):
        return _encode_string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        text = float.__repr__(value)
        return _FLOAT_SPECIALS.get(text, text)
    inner = "\n" + _INDENT * (level + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        return ("{" + inner + ("," + inner).join(_key(key) + ": " + _dump(item, level + 1) for key, item in value.items())
                + "\n" + _INDENT * level + "}")
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        return "[" + inner + ("," + inner).join(_dump(item, level + 1) for item in value) + "\n" + _INDENT * level + "]"
    return json.dumps(value, ensure_ascii=False)  # anything else: as json.dumps would (a TypeError, mostly)


def _key(key: object) -> str:
    """A dict key as json.dumps writes it (it turns None, booleans and numbers into strings; others are errors)."""
    if isinstance(key, str):
        return _encode_string(key)
    return json.dumps({key: 0})[1:].rsplit(": ", 1)[0]


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
        links=tuple(Link(url=l["url"], line=l["line"], text=l.get("text"), ref=l.get("ref")) for l in data.get("links", [])),
        claims=tuple(Claim(text=c["text"], line=c["line"], refs=tuple(c.get("refs", [])), urls=tuple(c.get("urls", [])),
                           speaker=c.get("speaker"), check_worthy=c.get("check_worthy", False),
                           reasons=tuple(c.get("reasons", [])))
                     for c in data.get("claims", [])),
        has_markers=bool(data.get("markers")),
    )
    findings = tuple(Finding(rule=f["rule"], severity=Severity(f["severity"]), message=f["message"], line=f.get("line"),
                             url=f.get("url"), ref=f.get("ref"), evidence=f.get("evidence") or {})
                     for f in data.get("findings", []))
    return DocumentReport(document, extraction, findings)


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
