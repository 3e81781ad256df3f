"""Local link rules: what a local link's check on disk (local.py) means: dead-link, missing-fragment, invalid-url."""

from __future__ import annotations

from urllib.parse import unquote

from refcheck.extract.anchors import fragment_found
from refcheck.models import Extraction, FetchResult, Finding, LocalResult, UrlStatus
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


def remote_fragment_findings(extraction: Extraction, results: dict[str, FetchResult]) -> list[Finding]:
    """`check --check-fragments`: a fetched HTML page's `#fragment` must name one of its ids or names. Pages read
    before refcheck kept their anchors (older cache entries), and non-HTML pages, are not judged."""
    findings: list[Finding] = []
    seen: set[tuple[str, int]] = set()
    places = [(r.url, r.line, r.id) for r in extraction.references if r.url]
    places += [(link.url, link.line, link.ref) for link in extraction.links if link.kind == "link"]
    for url, line, ref in places:
        if "#" not in url or (url, line) in seen:
            continue
        seen.add((url, line))
        result = results.get(url)
        if result is None or result.status is not UrlStatus.OK or result.page is None or result.page.anchors is None:
            continue
        fragment = url.split("#", 1)[1]
        anchors = frozenset(result.page.anchors)
        # GitHub renders a README's headings with `user-content-` ids and scrolls to `#name` with a script.
        if fragment_found(fragment, anchors, markdown=False) or fragment_found(
                "user-content-" + fragment, anchors, markdown=False):
            continue
        findings.append(finding("missing-fragment", f"{url}: the page has no element with id or name "
                                f"#{unquote(fragment)}", line=line, url=url, ref=ref,
                                evidence={"status": "missing-fragment", "kind": "link", "local": False,
                                          "fragment": fragment}))
    return findings
