"""The scholarly evaluation set runs end to end (bench/resolve_scholarly.py) and no fabricated reference is found."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import resolve_scholarly as bench  # noqa: E402  (bench/resolve_scholarly.py)


def test_the_set_has_the_kinds_it_claims():
    references = json.loads(bench.DEFAULT_SET.read_text(encoding="utf-8"))["references"]
    assert len(references) >= 15
    kinds = {r["id"].split("-")[0] for r in references}
    assert kinds == {"doi", "nodoi", "fab"}
    assert any(r["query"].get("language") == "ja" for r in references)
    assert any(r["expected"].get("mismatch") for r in references)


def test_scoring_the_set_finds_no_fabricated_reference():
    references = json.loads(bench.DEFAULT_SET.read_text(encoding="utf-8"))["references"]
    counts = bench.score(references)["counts"]
    assert counts["references"] == len(references)
    assert counts["found_correct"] + counts["missed"] + counts["ambiguous"] + counts["wrong_found"] >= \
        counts["expected_found"]
    assert counts["wrong_found"] == 0  # a wrong "found" is worse than "not found"
    assert counts["called_not_found"] >= counts["expected_not_found"]
    assert 1.0 <= counts["requests_per_reference"] <= 2.0  # one request per backend asked, at most two backends
