"""The claim scorer's pre-filter is a bound, not a guess: the check-worthy sentences are exactly those of the full score.

`check_worthiness` skips work where a bound proves the outcome (refcheck/extract/claims.py `_is_worthy`): features of
weight 0 are never worked out, a positive feature whose cheap necessary condition fails counts as absent
(`_Features.possible`), and an English sentence with a RULE_MUST_AGREE feature tries the rule's half first. The
reference here is `claim_score`, which works out every feature and every word weight: with and without the
pre-filter, the set of check-worthy sentences must be identical, on the real corpora and on generated link lists.
"""

from __future__ import annotations

import csv
import functools
import json
import random
from pathlib import Path

import pytest

from refcheck.documents import read_document
from refcheck.extract import claims as claims_module
from refcheck.extract import extract
from refcheck.extract.claims import check_worthiness, claim_score, sentence_features
from tests.conftest import CORPORA, need_shared

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "claims"

# Words of the kind a page title or a link's text is made of, with the evidence the scorer looks for mixed in:
# figures, years, spelled numbers, names, reporting verbs, past forms, comparisons, questions, chat, Japanese.
_TITLE_WORDS = (
    "bank editor draft source forest currency service region policy doctor river statement harbour record project "
    "market council school energy report budget city museum garden election review study data plan water rail "
    "announced reported said rose fell increased launched approved signed more than highest record first time "
    "will should might I think you your thanks please let me know here is sure how why what is are was were "
    "OpenAI NASA United Nations Pew Research Center Ministry University Inc "
    "2019 2024 1990s 3.5% $4 billion 12 million 40 people last year yesterday January 5 March 2020 "
    "two three hundreds thousands half dozen ten percent 1st century "
    "デジタル庁 1兆円 発表した 増加 と思う でしょうか 「源内」 令和元年 昨年 ſ K İ"
).split()


def _generated_titles(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    titles = []
    for _ in range(count):
        words = rng.sample(_TITLE_WORDS, rng.randrange(1, 13))
        title = " ".join(words)
        title = title[:1].upper() + title[1:]
        titles.append(title + rng.choice(("", "", "", ".", "?", ":", " [3]")))
    return titles


def _simweb_titles(count: int) -> list[str]:
    """The titles bench/simweb.py gives its pages (5 of its words, capitalised), made the same way here."""
    from bench.simweb import _WORDS

    return [" ".join(random.Random(f"1:{index}").sample(_WORDS, 5)).capitalize() for index in range(count)]


@functools.cache
def _corpus_sentences() -> list[str]:
    texts = []
    for name in ("checkworthy.jsonl", "chat_checkworthy.jsonl"):
        texts += [json.loads(line)["text"] for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines()]
    for split in ("train", "test"):
        path = CORPORA / "claimbuster" / "two_class" / f"{split}.json"
        if path.exists():
            texts += [row["text"] for row in json.loads(path.read_text(encoding="utf-8"))]
    reasons = CORPORA / "citation-needed" / "redi2019-citation-reason" / "citation_reason.csv"
    if reasons.exists():
        with reasons.open(encoding="utf-8", newline="") as handle:
            texts += [row["statement"] for row in csv.DictReader(handle, delimiter="\t") if row.get("statement")]
    return texts


def _verdicts_agree(texts: list[str]) -> tuple[int, int]:
    """Assert check_worthiness (bounded) and claim_score (every feature) agree on each text; (worthy, total)."""
    check_worthiness.cache_clear()
    bounded = {text for text in texts if check_worthiness(text)[0]}
    full = {text for text in texts if claim_score(text) >= 0}
    assert bounded == full, sorted(bounded ^ full)[:5]
    return len(full), len(set(texts))


def test_check_worthy_sentences_are_identical_on_the_real_corpora():
    need_shared(CORPORA / "claimbuster" / "two_class" / "train.json")
    worthy, total = _verdicts_agree(_corpus_sentences())
    assert total > 10000 and 0 < worthy < total  # both outcomes are exercised


def test_check_worthy_sentences_are_identical_on_generated_link_titles():
    titles = _generated_titles(6000, seed=19) + _simweb_titles(3000)
    worthy, total = _verdicts_agree(titles)
    assert 0 < worthy < total


def test_the_rule_first_bound_settles_plain_link_titles_without_the_word_model(monkeypatch):
    # The point of the pre-filter: a 5-word title without a figure is shown unable to qualify before any word
    # weight is summed. (It must also be exact: the agreement tests above.)
    calls = []
    original = claims_module._english_words_score
    monkeypatch.setattr(claims_module, "_english_words_score", lambda text: calls.append(text) or original(text))
    titles = _simweb_titles(2000)
    check_worthiness.cache_clear()
    assert not any(check_worthiness(title)[0] for title in titles)
    assert len(calls) < len(titles) * 0.05
    check_worthiness.cache_clear()


@pytest.mark.parametrize("feature", ["number", "name"])
def test_the_cheap_tests_are_necessary_conditions(feature):
    # `possible` may say True for a sentence without the feature, never False for one with it.
    need_shared(CORPORA / "claimbuster" / "two_class" / "train.json")
    texts = _corpus_sentences()[::2] + _generated_titles(3000, seed=5)
    with_feature = [text for text in texts if feature in sentence_features(text)]
    assert len(with_feature) > 1000
    for text in with_feature:
        assert claims_module._Features(text).possible(feature), text


def test_the_cheap_tests_rule_out_what_they_claim():
    features = claims_module._Features("river statement harbour record project")
    assert not features.possible("number") and not features.possible("name")
    assert claims_module._Features("Two rivers").possible("number")
    assert claims_module._Features("Hello world 2").possible("number")
    assert claims_module._Features("the NASA plan").possible("name")


def test_the_finite_verb_searches_equal_the_one_regex():
    texts = _generated_titles(4000, seed=11) + [
        "He walked", "walked", "wed", "bed bed", "Tired", "TIRED OF IT", "naïveed", "x'rested", "we go", ", it is",
        "—they ran", "cannot", "CAN'T", "ſaid", "Kissed", "stopped.", "a_b_ced", "ééed",
    ]
    for text in texts:
        quick = any(search(text) for search in claims_module._EN_FINITE_SEARCHES)
        assert quick == bool(claims_module._EN_FINITE.search(text)), text


def test_a_plain_link_list_gets_the_same_claims_as_the_full_score(tmp_path):
    # The extraction of a link list without a "# Sources" heading: every link's text is a sentence, and each
    # claim's verdict is the full score's.
    lines = [f"- [{title}](https://example.org/{index})" for index, title in enumerate(_generated_titles(800, 3))]
    path = tmp_path / "links.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    check_worthiness.cache_clear()
    extraction = extract(read_document(path))
    assert len(extraction.claims) == 800
    for claim in extraction.claims:
        assert claim.check_worthy == (claim_score(claim.text) >= 0), claim.text
    assert any(claim.check_worthy for claim in extraction.claims)
