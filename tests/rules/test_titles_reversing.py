"""`_reversed_by` skips the titles `_may_hold_reversing_word` rules out: the filter must never rule out a title that
`reversing_words` would find a word in, and `_reversed_by` and `check_title` must answer exactly as without it."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

from refcheck.models import PageFacts
from refcheck.rules import titles
from refcheck.rules.titles import (_REVERSING_EN, _REVERSING_EN_FIRST_WORDS, _may_hold_reversing_word, _reversed_by,
                                   _site_keys, _strip_with_keys, check_title, reversing_words)
from tests.regex_language import matched_strings

PAIRS = Path(__file__).resolve().parents[1] / "fixtures" / "titles" / "pairs.jsonl"

# Titles where a reversing word hides behind what the stripping does: an underscore cut, full-width letters,
# curly apostrophes, a tag, dashes, case, and the Japanese words; and titles with none.
TRICKY = (
    "Summit_postponed after talks", "Summit_POSTPONED | Example News", "Minister ＤＥＮＩＥＳ resigning",
    "Minister denies resigning - Example", "It isn’t over | Example", "It ISN'T over", "【速報】五輪開催を延期",
    "五輪開催を延期｜例新聞", "Plan halted—officials", "Plan—halted", "talks call off", "Talks called  off",
    "CEO drops plans for merger", "Fake news about the summit", "The myth of the summit _ Example", "Summit (not)",
    "Summit [cancelled]", "Summit: no longer planned", "Summit can’t go on", "ﬁnance deal withdrawn",
    "Hospital budget approved", "Harbour record project | Example Daily 9", "Nothing to see", "Notable results",
    "Another report", "cancellations_2024", "Denver festival", "Don Quixote review", "Canopy research",
    "İSN'T it", "Wonderful harvest", "政府が方針を撤回しない", "計画は予定通り", "Plan_B: not_a_drill",
    "決定 – 中止", "x_can't_y", "例新聞_postponed summit", "例新聞_Summit_postponed", "postponing", "Reversal of fortune", "Falsehood and truth", "no", "NO LONGER",
)


def _pairs() -> list[dict]:
    return [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]


def _all_titles() -> list[str]:
    found = list(TRICKY)
    for pair in _pairs():
        found.append(pair["cited"])
        found.extend(pair["page_titles"])
    return list(dict.fromkeys(title for title in found if title))


def test_the_first_words_are_those_of_every_match_of_the_pattern():
    matches = matched_strings(_REVERSING_EN.pattern, exhaustive=True)
    assert len(matches) > 60
    first_words = {re.match(r"[a-z]+", match.lower()).group(0) for match in matches}
    assert first_words == _REVERSING_EN_FIRST_WORDS


@pytest.mark.parametrize("title", ["Summit_postponed", "Minister ＤＥＮＩＥＳ it", "It isn’t over", "五輪を延期",
                                   "İSN'T it", "Plan—halted", "talks call off", "ﬁnance deal withdrawn",
                                   "例新聞_postponed summit"])
def test_a_title_with_a_reversing_word_is_kept(title):
    assert _may_hold_reversing_word(title)


@pytest.mark.parametrize("title", ["Hospital budget approved", "Notable results", "Another report", "Denver festival",
                                   "計画は予定通り", "Canopy research"])
def test_a_title_without_one_is_ruled_out(title):
    assert not _may_hold_reversing_word(title)


def test_a_ruled_out_title_has_no_reversing_word_however_it_is_stripped():
    site_name_sets = ([], ["Example"], ["Example News"], ["例新聞"], ["Example Daily 9"], ["Example", "summit"])
    cited_titles = ("Summit goes ahead", "Summit", "五輪開催", "It is over", "Minister resigning")
    ruled_out = 0
    for title in _all_titles():
        if _may_hold_reversing_word(title):
            continue
        ruled_out += 1
        for names in site_name_sets:
            stripped = _strip_with_keys(title, _site_keys(names))
            for cited in cited_titles:
                assert reversing_words(cited, stripped) == (), (title, names, cited)
    assert ruled_out > 100


def _without_filter(monkeypatch):
    monkeypatch.setattr(titles, "_may_hold_reversing_word", lambda title: True)


def test_reversed_by_answers_as_without_the_filter(monkeypatch):
    cases = [(pair["cited"], tuple(pair["page_titles"]), tuple(pair["site_names"])) for pair in _pairs()]
    for first, second in itertools.combinations(TRICKY, 2):
        cases.append((first, (second, f"{second} | Example"), ("Example",)))
        cases.append((second.replace("_", " "), (first, second), ()))
    for base, tricky in itertools.product(("Summit goes ahead in Tokyo", "五輪開催を決定した政府"), TRICKY):
        cases.append((base, (f"{base} {tricky}", f"{tricky} | {base}", f"{base}_{tricky}"), ("Example",)))
    fast = [_reversed_by(cited, page_titles, names) for cited, page_titles, names in cases]
    _without_filter(monkeypatch)
    slow = [_reversed_by(cited, page_titles, names) for cited, page_titles, names in cases]
    assert fast == slow
    assert sum(answer is not None for answer in slow) > 40  # the cases do reach reversed titles


def test_check_title_answers_as_without_the_filter(monkeypatch):
    pages = [(pair["cited"], PageFacts(title_candidates=tuple(pair["page_titles"]),
                                       title=pair["page_titles"][0] if pair["page_titles"] else None,
                                       site_name=(pair["site_names"] or [None])[0])) for pair in _pairs()]
    pages += [(cited.replace("_", " "), PageFacts(title_candidates=(page, f"{page} | Example"), title=page,
                                                  site_name="Example"))
              for cited, page in itertools.permutations(TRICKY[:20], 2)]
    fast = [check_title(cited, page, url="https://www.example.com/a/b") for cited, page in pages]
    _without_filter(monkeypatch)
    slow = [check_title(cited, page, url="https://www.example.com/a/b") for cited, page in pages]
    assert fast == slow
    assert any(finding is not None and "reversing_words" in finding.evidence for finding in slow)
