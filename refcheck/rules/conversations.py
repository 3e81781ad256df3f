"""Offline rules on how a conversation export was read: branches left out, structure worked around."""

from __future__ import annotations

from refcheck.models import Extraction, Finding
from refcheck.rules.registry import finding


def conversation_findings(extraction: Extraction) -> list[Finding]:
    facts = extraction.conversation
    if facts is None:
        return []
    line = extraction.places[0].line if extraction.places else None
    findings = [finding("conversation-structure", f"this conversation: {problem}", line=line,
                        evidence={"leaf": facts.leaf})
                for problem in facts.problems]
    if facts.other_branches:
        branches = "branch was" if facts.other_branches == 1 else "branches were"
        findings.append(finding(
            "conversation-branches",
            f"{facts.other_branches} other {branches} left out (edits or regenerations); read the "
            f"{facts.messages} messages of the branch ending at {facts.leaf}",
            line=line, evidence={"other_branches": facts.other_branches, "messages": facts.messages,
                                 "leaf": facts.leaf}))
    return findings
