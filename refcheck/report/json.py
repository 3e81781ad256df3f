"""The refcheck/1 JSON contract that CI jobs and other tools parse (documented in docs/json.md; extend, never break)."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from refcheck import __version__
from refcheck.models import (Claim, Document, DocumentReport, Extraction, FetchResult, Finding, Format, Link,
                             LocalResult, Location, Marker, PageFacts, Redirect, Reference, Report, Severity, UrlStatus)
from refcheck.report import summarize
from refcheck.report.paths import location_dict

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
    resolutions = dict(document_report.resolutions)
    entries = [
        ("path", document.path),
        ("format", str(document.format)),
        ("encoding", document.encoding),
        ("references", _Lazy(lambda: (_reference_dict(r, resolutions) for r in extraction.references))),
        ("markers", _Lazy(lambda: ({"ref": m.ref, "line": m.line} for m in extraction.markers))),
        ("links", _Lazy(lambda: _link_rows(extraction.links, document_report.local))),
        ("claims", _Lazy(lambda: (_claim(c) for c in extraction.claims))),
        ("findings", _Lazy(lambda: (finding_dict(f) for f in document_report.findings))),
    ]
    if document.conversation is not None:  # the same keys, in the same order, as _document
        entries.append(("conversation", _conversation(document, extraction)))
    return _Object(entries)


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
_CONTAINERS = (dict, list, tuple)


class _NotPlain(Exception):
    """A value json's C encoder cannot write (it would call `default`): the generic path writes it instead."""


def _not_plain(value: object) -> object:
    raise _NotPlain


def _flat_encoder(level: int):
    """json's C encoder (`json.dumps` without indent uses it) with the separators of indent=2 at `level`: for a dict or
    list of plain values (no non-empty container inside), what it writes between the brackets is exactly what
    json.dumps(indent=2) writes there. Several times faster than building the text item by item in Python."""
    return json.encoder.c_make_encoder(None, _not_plain, _encode_string, None, ": ", ",\n" + _INDENT * (level + 1),
                                       False, False, True) if json.encoder.c_make_encoder else None


_FLAT_ENCODERS: dict[int, object] = {}


def _flat(value: dict | list | tuple, level: int) -> str | None:
    """`_dump` of a non-empty dict or list whose values are all plain (a report's rows), by the C encoder; None when
    some value is a non-empty container or not a JSON value (the generic path then writes it)."""
    for item in (value.values() if type(value) is dict else value):
        if isinstance(item, _CONTAINERS) and item:  # namedtuples and dict subclasses included
            return None
    encoder = _FLAT_ENCODERS.get(level)
    if encoder is None:
        encoder = _FLAT_ENCODERS[level] = _flat_encoder(level)
        if encoder is None:  # no C accelerator in this Python: the generic path
            return None
    try:
        text = "".join(encoder(value, 0))
    except _NotPlain:
        return None
    return text[0] + "\n" + _INDENT * (level + 1) + text[1:-1] + "\n" + _INDENT * level + text[-1]


def _dump(value: object, level: int) -> str:
    """json.dumps(value, ensure_ascii=False, indent=2) for a value nested `level` deep, without json.dumps: with
    `indent` it builds mutually recursive closures on every call, a reference cycle per call that only the cycle
    collector frees (and a big report makes that collector slow)."""
    if type(value) in _CONTAINERS and value:
        text = _flat(value, level)
        if text is not None:
            return text
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
    resolutions = dict(document_report.resolutions)
    payload = {
        "path": document.path,
        "format": str(document.format),
        "encoding": document.encoding,
        "references": [_reference_dict(r, resolutions) for r in extraction.references],
        "markers": [{"ref": m.ref, "line": m.line} for m in extraction.markers],
        "links": list(_link_rows(extraction.links, document_report.local)),
        "claims": [_claim(c) for c in extraction.claims],
        "findings": [finding_dict(f) for f in document_report.findings],
    }
    if document.conversation is not None:  # one conversation of a ChatGPT or Claude export
        payload["conversation"] = _conversation(document, extraction)
    return payload


def _reference_dict(r: Reference, resolutions: dict) -> dict:
    """One reference as the contract has it; the streaming writer and `to_dict` share it, so they cannot drift."""
    return {"id": r.id, "title": r.title, "site": r.site, "url": r.url, "retrieved": r.retrieved,
            "line": r.line, "archive_url": r.archive_url, "doi": r.doi, "authors": list(r.authors),
            "year": r.year, "published": r.published, "resolution": resolution_dict(resolutions.get(r.id))}


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


def _link_rows(links, local) -> Iterator[dict]:
    """Every link with its kind; a local link that `check` looked at on disk also says what it found there. The
    streaming writer and `to_dict` share it, so they cannot drift."""
    checked = {(result.url, result.line): result for result in local}
    for link in links:
        row = {"url": link.url, "line": link.line, "text": link.text, "ref": link.ref, "kind": link.kind}
        result = checked.get((link.url, link.line))
        if result is not None:
            row["local"] = {"status": result.status, "path": result.path, "fragment": result.fragment,
                            "reason": result.reason}
        yield row


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
    links = _items(data, "links", dict)
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
                         text=_field(l, "text", str), ref=_field(l, "ref", str), kind=_field(l, "kind", str, "link"))
                    for l in links),
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
    local = tuple(_local_from(l) for l in links if isinstance(l.get("local"), dict))
    return DocumentReport(document, extraction, findings, resolutions=resolutions, local=local)


def _local_from(link: dict) -> LocalResult:
    result = link["local"]
    return LocalResult(url=_field(link, "url", str, _REQUIRED), line=_field(link, "line", int, _REQUIRED),
                       kind=_field(link, "kind", str, "link"), status=_field(result, "status", str, _REQUIRED),
                       path=_field(result, "path", str), fragment=_field(result, "fragment", str),
                       reason=_field(result, "reason", str))


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
