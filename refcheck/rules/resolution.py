"""Findings from the resolution stage's verdicts (refcheck/resolve/): found, not found, ambiguous, and a DOI whose
record disagrees. Pure: the verdicts are handed in."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from refcheck.models import Extraction, Finding
from refcheck.rules.registry import finding


def resolution_findings(extraction: Extraction, resolutions: Mapping[str, object]) -> list[Finding]:
    """`resolutions`: reference id → refcheck.resolve.model.Resolution. (`self-citation` is an offline rule:
    rules/references.py.)"""
    findings: list[Finding] = []
    for reference in extraction.references:
        resolution = resolutions.get(reference.id)
        if resolution is not None:
            findings += _findings(reference, resolution)
    return findings


def _label(reference) -> str:
    parts = [f"\"{reference.title}\"" if reference.title else None, reference.site if reference.site != reference.title
             else None]
    return ", ".join(part for part in parts if part) or "untitled"


def _findings(reference, resolution) -> Iterator[Finding]:
    status = resolution.status
    evidence = {"status": status, "queries": list(resolution.queries),
                "candidates": [{"url": url, "title": title, "score": score}
                               for url, title, score in resolution.candidates]}
    where = {"line": reference.line, "ref": reference.id}
    if status == "found":
        title = f" (\"{resolution.title}\")" if resolution.title else ""
        yield finding("reference-found",
                      f"reference [{reference.id}] located by refcheck: {resolution.url}{title}, via "
                      f"{resolution.via}; {resolution.reason}", url=resolution.url, **where,
                      evidence={**evidence, "via": resolution.via,
                                "reason": resolution.reason})
    elif status == "ambiguous":
        yield finding("ambiguous-reference",
                      f"reference [{reference.id}] ({_label(reference)}): {resolution.reason}", **where,
                      evidence={**evidence, "via": resolution.via})
    elif status == "not-found":
        yield finding("reference-not-found",
                      f"reference [{reference.id}] ({_label(reference)}) {resolution.reason}; searched: "
                      f"{summarize_queries(resolution.queries)}", **where, evidence={**evidence,
                                                                                    "reason": resolution.reason})
    mismatch = tuple(getattr(resolution, "metadata_mismatch", ()) or ())
    if mismatch:
        yield finding("reference-metadata-mismatch",
                      f"reference [{reference.id}]: the record of its DOI has another {', '.join(mismatch)}",
                      url=resolution.url, **where, evidence={"fields": list(mismatch), "url": resolution.url})


def summarize_queries(queries) -> str:
    """`site: sitemap https://…` lines as a short phrase: what was read, where ("3 sitemaps, 1 feed on …")."""
    counts: dict[tuple[str, str], int] = {}
    hosts: dict[str, list[str]] = {}
    for line in queries:
        backend, _, rest = line.partition(": ")
        kind, _, target = rest.partition(" ")
        counts[(backend, kind)] = counts.get((backend, kind), 0) + 1
        host = target.split("/")[2] if target.startswith("http") and target.count("/") >= 2 else ""
        if host and host not in hosts.setdefault(backend, []):
            hosts[backend].append(host)
    if not counts:
        return "nothing"
    parts = []
    for backend in dict.fromkeys(backend for backend, _ in counts):
        read = ", ".join(f"{n} {kind}{'' if n == 1 or kind.endswith('s') else 's'}"
                         for (b, kind), n in counts.items() if b == backend)
        on = f" on {', '.join(hosts.get(backend, [])[:3])}" if hosts.get(backend) else ""
        parts.append(f"{backend} ({read}{on})")
    return "; ".join(parts)
