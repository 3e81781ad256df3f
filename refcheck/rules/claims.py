"""Claim rules that need no network: `uncited-claim`, a check-worthy sentence with no source anywhere near it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from refcheck.models import Claim, Finding
from refcheck.rules.registry import finding

_QUOTE_LIMIT = 120  # characters of the sentence quoted in the message; the evidence keeps it whole
SPEAKERS = ("all", "assistant", "user")


def uncited_claim_findings(claims: Sequence[Claim], *, claims_from: str = "all") -> list[Finding]:
    """An `uncited-claim` for each check-worthy claim whose sentence and block (paragraph, list item) cite nothing."""
    if claims_from not in SPEAKERS:
        raise ValueError(f"claims_from must be one of {', '.join(SPEAKERS)}, not {claims_from!r}")
    cited_blocks = _blocks_with_citations(claims)
    # Documents without turns (articles, wiki pages) have no speakers: a speaker filter keeps all their claims.
    has_turns = any(claim.speaker is not None for claim in claims)
    findings = []
    for claim in claims:
        if not claim.check_worthy or _cites(claim) or (has_turns and not _said_by(claim, claims_from)):
            continue
        if claim.block is not None and claim.block in cited_blocks:
            continue  # a paragraph's closing [N] or link covers the sentences before it
        findings.append(_uncited(claim))
    return findings


def _blocks_with_citations(claims: Sequence[Claim]) -> set[int]:
    cited: dict[int, bool] = defaultdict(bool)
    for claim in claims:
        if claim.block is not None:
            cited[claim.block] |= _cites(claim)
    return {block for block, has_citation in cited.items() if has_citation}


def _cites(claim: Claim) -> bool:
    return bool(claim.refs or claim.urls)


def _said_by(claim: Claim, claims_from: str) -> bool:
    return claims_from == "all" or claim.speaker == claims_from


def _uncited(claim: Claim) -> Finding:
    quoted = claim.text if len(claim.text) <= _QUOTE_LIMIT else claim.text[: _QUOTE_LIMIT - 1] + "…"
    why = ", ".join(claim.reasons) if claim.reasons else "reads as a statement of fact"
    speaker = f" ({claim.speaker})" if claim.speaker else ""
    return finding(
        "uncited-claim",
        f"Factual claim{speaker} cites no source: “{quoted}” — looks factual because of {why}.",
        line=claim.line,
        evidence={"sentence": claim.text, "reasons": list(claim.reasons), "speaker": claim.speaker},
    )
