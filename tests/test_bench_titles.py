"""bench/corpus_titles.py's scoring and split (the corpora themselves are not needed)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import corpus_titles as bench  # noqa: E402


def test_normalisation_unifies_width_case_quotes_dashes_and_space():
    assert bench.normalise("ＣＬ準々決勝 “Final” – Ｗｅｅｋ 1") == bench.normalise('cl準々決勝 "final" - week1')
    assert bench.normalise("Only  one\u3000space") == "onlyonespace"


def test_exact_and_containing_or_contained():
    assert bench.score("Headline", "headline") == (True, True)
    assert bench.score("Headline", "Headline | Site") == (False, True)
    assert bench.score("Headline | Site", "Headline") == (False, True)
    assert bench.score("Other", "Headline") == (False, False)
    assert bench.score("", "Headline") == (False, False) and bench.score(None, "Headline") == (False, False)


def test_the_split_is_fixed_and_about_half():
    ids = [f"page-{n}" for n in range(400)]
    held_out = [i for i in ids if bench.split_of("readability", i) == "held-out"]
    assert held_out == [i for i in ids if bench.split_of("readability", i) == "held-out"]
    assert 160 < len(held_out) < 240


def test_a_label_without_the_corpus_site_name():
    assert bench.without_site_label("How to Build a Terrarium | eHow", "eHow") == "How to Build a Terrarium"
    assert bench.without_site_label("eHow: How to Build a Terrarium", "eHow") == "How to Build a Terrarium"
    assert bench.without_site_label("Headline", None) == "Headline"
