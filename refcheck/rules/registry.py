"""Every rule once: its name, default severity and what it means. Findings are made only through `finding()`."""

from __future__ import annotations

from dataclasses import dataclass

from refcheck.models import Finding, Severity


@dataclass(frozen=True)
class Rule:
    name: str
    severity: Severity
    summary: str  # what it reports, one line
    why: str  # why it matters, for the docs


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        # Offline: the document alone.
        Rule("missing-reference", Severity.ERROR, "A [N] marker cites a reference that the list does not have.",
             "A reader who follows the marker finds nothing."),
        Rule("unused-reference", Severity.WARNING, "A reference-list entry that no marker cites.",
             "Often a sign that a marker was lost when the text was edited."),
        Rule("duplicate-reference", Severity.INFO, "Two entries share a URL, or a title and site with no URL.",
             "The same source listed twice splits its citations and hides that one source carries several claims."),
        Rule("no-url", Severity.WARNING, "A reference with no URL: nothing can be fetched to verify it.",
             "The claim resting on it cannot be checked by a reader or by refcheck."),
        Rule("generic-title", Severity.WARNING, "The cited title is only a site or publisher name, not an article.",
             '`"Impress Watch". Impress Watch.` names a whole site; a reader cannot find the article cited.'),
        Rule("invalid-url", Severity.ERROR, "A malformed URL, or one whose scheme cannot be fetched.",
             "A link nobody can follow."),
        Rule("conversation-branches", Severity.INFO,
             "A conversation export holds other branches (edits, regenerations) than the one read.",
             "Only the branch the person last saw (ChatGPT's current_node) is checked; the others say so here."),
        Rule("conversation-structure", Severity.WARNING,
             "A conversation export's structure had to be worked around (no current_node, a loop, missing nodes).",
             "What was read may not be the conversation as its owner saw it; the message says what was read."),
        # Network: the fetched page.
        Rule("dead-link", Severity.ERROR, "The URL answers 404/410, its host does not exist, or it refuses connections.",
             "The cited source is gone; see the archive copy if one is offered."),
        Rule("unreachable", Severity.WARNING, "Timeouts or server errors persisted after retries; could not verify.",
             "Not called dead: the failure may be passing."),
        Rule("blocked", Severity.WARNING, "The site refused the check (401/403/429, bot challenge, login wall).",
             "The page may be fine; refcheck could not see it, so nothing about it is verified."),
        Rule("redirect", Severity.INFO, "A permanent redirect: the source now lives at another URL.",
             "Update the reference so it survives the old address disappearing."),
        Rule("unsafe-url", Severity.WARNING, "The URL resolves to a loopback, private, link-local or reserved address; not fetched.",
             "Documents come from strangers; refcheck never sends a packet to such an address unless --allow-private."),
        Rule("fetch-error", Severity.WARNING, "The URL could not be fetched for another reason (TLS, protocol, no network).",
             "Could not verify; not called dead."),
        Rule("missing-fragment", Severity.WARNING, "A link's #fragment names no heading, id or name in its target.",
             "The link opens the right page at the wrong place: a heading was renamed or an anchor removed."),
        Rule("soft-404", Severity.ERROR, "The page answers 200 but is really a 'not found' page or the site's home page.",
             "The cited article is gone even though the server says OK."),
        Rule("title-mismatch", Severity.WARNING, "The page's title does not match the title the reference cites.",
             "The link may point at a different article than the one cited."),
        Rule("site-mismatch", Severity.WARNING, "The URL belongs to a different publisher than the reference names.",
             "The cited publisher did not publish what the link points at."),
        # Resolution: looking for the source of a reference that has no URL (refcheck/resolve/).
        Rule("reference-found", Severity.INFO, "refcheck located the page a reference without a URL cites.",
             "The reader can now follow the reference; its claims are checked against that page."),
        Rule("reference-not-found", Severity.WARNING,
             "refcheck searched for the source of a reference without a URL and did not find it.",
             "A source nobody can find may not exist: AI answers cite pages that were never published. The "
             "finding says what was searched where; \"not found by these searches\" is not proof of fabrication."),
        Rule("ambiguous-reference", Severity.WARNING,
             "Several pages on the cited site fit a reference without a URL equally well.",
             "The reference does not say enough to tell which page it cites; the candidates are listed."),
        Rule("reference-metadata-mismatch", Severity.WARNING,
             "The record of the DOI a reference gives has another title, first author or year.",
             "The DOI points at a real work, but not the one described: a wrong DOI or a mangled citation."),
        Rule("self-citation", Severity.WARNING, "A reference cites the chat assistant itself (ChatGPT, Claude, …).",
             "An assistant's own answer is not a source: the claim resting on it has no source at all."),
        # Claims.
        Rule("uncited-claim", Severity.WARNING, "A factual sentence (numbers, names, reporting verbs) cites no source.",
             "A claim with no source cannot be checked by the reader."),
        Rule("unsupported-claim", Severity.WARNING, "The cited source does not contain the claim's key facts.",
             "The citation gives the claim an authority its source does not lend it."),
        Rule("partly-supported-claim", Severity.INFO,
             "The cited source supports the claim's wording but lacks some of its key facts (named in the finding).",
             "The facts named are what a reader should look for in the source, or add a source for. Info, not "
             "warning: word overlap cannot tell a partly supported claim from a paraphrased one, so this fires on "
             "some supported claims too (docs/benchmarks.md)."),
        Rule("unverifiable-claim", Severity.INFO, "The claim cites a source that could not be read (no URL, dead, blocked).",
             "Cannot be verified is not the same as supported."),
    )
}


def finding(rule: str, message: str, **fields) -> Finding:
    """Make a Finding of a registered rule, with the rule's default severity."""
    return Finding(rule=rule, severity=RULES[rule].severity, message=message, **fields)
