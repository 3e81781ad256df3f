"""A finding's evidence in plain words (label, value), shared by the Markdown, GitHub and JUnit reporters."""

from __future__ import annotations

from collections.abc import Iterator

from refcheck.models import Finding

# One set of labels, so every format names evidence alike.
EVIDENCE_LABELS = {
    "cited_title": "cited title", "page_title": "page title", "score": "similarity",
    "cited_site": "cited site", "page_site_name": "page's site", "url_domain": "URL's domain",
    "sentence": "sentence", "reasons": "looks factual because", "missing": "missing from source",
    "contradictions": "source says otherwise", "best_passage": "closest passage", "final_url": "now at",
    "unreadable": "sources not read", "page": "page of the closest passage",
    "reversing_words": "words that reverse it", "contradicting_numbers": "numbers that differ",
}


def evidence_lines(item: Finding, *, verbose: bool = True) -> Iterator[tuple[str, str]]:
    """The evidence worth showing a reader, in the text report's order; the long closest passage only when verbose."""
    for key, label in EVIDENCE_LABELS.items():
        value = item.evidence.get(key)
        if value in (None, "", [], ()):
            continue
        if key == "best_passage" and not verbose:
            continue
        yield label, flatten(value)


def flatten(value) -> str:
    """Lists read as `a; b`, and pairs inside them as `a → b` (e.g. a redirect chain or a contradiction)."""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, (list, tuple)):
        return "; ".join(" → ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v) for v in value)
    return str(value)
