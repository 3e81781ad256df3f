"""Local link rules: what a local link's check on disk (local.py) means: dead-link, missing-fragment, invalid-url."""

from __future__ import annotations

from refcheck.models import Finding, LocalResult
from refcheck.rules.registry import finding


def local_findings(results: tuple[LocalResult, ...] | list[LocalResult]) -> list[Finding]:
    findings: list[Finding] = []
    for result in results:
        evidence = {"status": result.status, "kind": result.kind, "local": True}
        if result.path is not None:
            evidence["path"] = result.path
        if result.fragment is not None:
            evidence["fragment"] = result.fragment
        what = "asset" if result.kind == "asset" else "local link"
        if result.status == "dead":
            findings.append(finding("dead-link", f"{what} to a missing file: {result.path} ({result.reason})",
                                    line=result.line, url=result.url, evidence=evidence))
        elif result.status == "missing-fragment":
            findings.append(finding("missing-fragment", f"{result.url}: {result.reason}", line=result.line,
                                    url=result.url, evidence=evidence))
        elif result.status == "unresolved":
            findings.append(finding("invalid-url", f"{result.url!r} cannot be resolved: {result.reason}",
                                    line=result.line, url=result.url, evidence=evidence))
    return findings
