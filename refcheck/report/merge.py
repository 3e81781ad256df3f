"""Join reports of shard runs (`refcheck merge`): each document once, findings without duplicates, every URL once."""

from __future__ import annotations

from dataclasses import replace

from refcheck.models import DocumentReport, FetchResult, Report


def merge_reports(reports: list[Report]) -> Report:
    documents: dict[str, DocumentReport] = {}
    for report in reports:
        for document in report.documents:
            key = document.document.path + "\0" + (document.document.conversation or "")  # exports: per conversation
            earlier = documents.get(key)
            documents[key] = document if earlier is None else _join(earlier, document)
    urls: dict[str, FetchResult] = {}
    for report in reports:
        for result in report.urls:
            urls.setdefault(result.url, result)
    notices = tuple(dict.fromkeys(n for report in reports for n in report.notices))
    command = "check" if any(r.command == "check" for r in reports) else "extract"
    return Report(command=command, documents=tuple(documents.values()), urls=tuple(urls.values()), notices=notices)


def _join(first: DocumentReport, second: DocumentReport) -> DocumentReport:
    # Every shard reports the offline findings of the whole document; a finding is the same when all of it is.
    seen = {_identity(f) for f in first.findings}
    extra = tuple(f for f in second.findings if _identity(f) not in seen)
    findings = tuple(sorted(first.findings + extra, key=lambda f: (f.line or 0, f.rule)))
    local = tuple(dict.fromkeys(first.local + second.local))  # each shard checked its own local links
    # Each shard looks for the sources of its own share of the references without a URL.
    known = {ref for ref, _ in first.resolutions}
    resolutions = first.resolutions + tuple(pair for pair in second.resolutions if pair[0] not in known)
    return replace(first, findings=findings, local=local, resolutions=resolutions)


def _identity(finding) -> tuple:
    return (finding.rule, finding.line, finding.url, finding.ref, finding.message)
