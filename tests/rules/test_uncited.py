"""`uncited-claim`: check-worthy sentences with no marker or link in their sentence or block."""

from __future__ import annotations

import re

import pytest

from refcheck.extract.claims import claims_from_blocks
from refcheck.models import Claim, ProseBlock, Severity
from refcheck.rules.claims import uncited_claim_findings

FACT = "経済産業省が5年で1兆円規模の支援を予定している。"
OPINION = "その指摘は妥当だ。"


def block(text: str, line: int = 1, speaker: str | None = None) -> ProseBlock:
    citations = tuple((m.start(), m.group(1)) for m in re.finditer(r"\[(\d+)\]", text))
    links = tuple((m.start(), m.group()) for m in re.finditer(r"https?://\S+", text))
    return ProseBlock(text=text, line=line, speaker=speaker, citations=citations, links=links)


def findings_for(*blocks: ProseBlock, claims_from: str = "all"):
    return uncited_claim_findings(claims_from_blocks(blocks), claims_from=claims_from)


def test_fires_on_an_uncited_factual_sentence_and_says_why():
    (found,) = findings_for(block(OPINION + FACT, line=7, speaker="assistant"))
    assert found.rule == "uncited-claim" and found.severity is Severity.WARNING
    assert found.line == 7
    assert FACT in found.message and "number: 1兆円" in found.message
    assert found.evidence == {"sentence": FACT, "reasons": list(found.evidence["reasons"]), "speaker": "assistant"}
    assert "number: 1兆円" in found.evidence["reasons"] and "verb: 予定" in found.evidence["reasons"]


def test_english_claim_fires():
    (found,) = findings_for(block("Microsoft announced a $10 billion investment in OpenAI in January 2023."))
    assert "number: $10 billion" in found.evidence["reasons"]


def test_not_for_opinions():
    assert findings_for(block("I think the government should focus on talent. " + OPINION)) == []


def test_not_when_the_sentence_carries_a_marker_or_a_link():
    assert findings_for(block(FACT + "TBS NEWS DIG[9]")) == []
    assert findings_for(block("Nvidia reported revenue of $22.1 billion, see https://example.com/q3 for details.")) == []


def test_not_when_another_sentence_of_the_same_paragraph_cites():
    # `…予定している。…進めています。デジタル庁[2]`: the paragraph's closing marker covers the sentences before it
    assert findings_for(block(FACT + "同庁は内製開発を進めています。デジタル庁[2]")) == []


def test_a_citation_in_another_paragraph_does_not_cover_it():
    found = findings_for(block(FACT, line=3), block("同庁は内製開発を進めています。デジタル庁[2]", line=5))
    assert [finding.line for finding in found] == [3]


def test_line_of_a_later_sentence_in_a_multi_line_block():
    found = findings_for(block("Intro.\n" + FACT, line=20))
    assert [finding.line for finding in found] == [21]


def test_claims_from_filters_by_speaker():
    blocks = (block(FACT, line=1, speaker="user"), block("人員は100人程度だった。", line=3, speaker="assistant"))
    assert [f.line for f in findings_for(*blocks)] == [1, 3]
    assert [f.line for f in findings_for(*blocks, claims_from="assistant")] == [3]
    assert [f.line for f in findings_for(*blocks, claims_from="user")] == [1]


def test_speaker_filter_keeps_documents_without_turns():
    assert [f.line for f in findings_for(block(FACT, line=4), claims_from="assistant")] == [4]


def test_long_sentences_are_truncated_in_the_message_not_in_the_evidence():
    long_fact = "経済産業省は" + "、".join(f"{n}年に{n}億円" for n in range(2001, 2030)) + "を支援すると発表した。"
    (found,) = findings_for(block(long_fact))
    assert "…" in found.message and long_fact not in found.message
    assert found.evidence["sentence"] == long_fact


def test_claims_without_a_block_index_are_judged_alone():
    claims = [Claim(text=FACT, line=1, check_worthy=True, reasons=("number: 1兆円",)),
              Claim(text="他の文。", line=1, refs=("2",))]
    assert len(uncited_claim_findings(claims)) == 1


def test_unknown_speaker_filter_is_refused():
    with pytest.raises(ValueError):
        uncited_claim_findings([], claims_from="bot")
