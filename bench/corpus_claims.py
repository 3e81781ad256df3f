"""Measure check-worthiness on public corpora and the labelled set: prints a table, exits 0, skips absent corpora.

    .venv/bin/python bench/corpus_claims.py

- ClaimBuster two_class/test.json (702 debate sentences, balanced): precision, recall, F1 of check_worthiness.
- Citation Needed, Redi et al. 2019 (3,819 Wikipedia sentences that all carry a citation): recall, on all of it and
  on its halves (even rows: dev, used by bench/train_checkworthy.py to set the English threshold; odd rows: test).
- tests/fixtures/claims/checkworthy.jsonl: precision and recall on its dev and test halves.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from refcheck.extract.claims import check_worthiness  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
CLAIMBUSTER_TEST = CORPORA / "claimbuster" / "two_class" / "test.json"
CITATION_REASON = CORPORA / "citation-needed" / "redi2019-citation-reason" / "citation_reason.csv"
LABELLED = ROOT / "tests" / "fixtures" / "claims" / "checkworthy.jsonl"


def scores(rows: list[tuple[str, int]]) -> tuple[int, str, str, str]:
    """n, precision, recall, F1 (as text; "–" where a figure is undefined, e.g. precision with no negatives)."""
    guesses = [(check_worthiness(text)[0], bool(label)) for text, label in rows]
    true_positives = sum(1 for guess, truth in guesses if guess and truth)
    predicted = sum(1 for guess, _ in guesses if guess)
    actual = sum(1 for _, truth in guesses if truth)
    precision = true_positives / predicted if predicted else None
    recall = true_positives / actual if actual else None
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else None
    has_negatives = actual < len(rows)

    def show(value):
        return "–" if value is None else f"{value:.3f}"

    return len(rows), show(precision if has_negatives else None), show(recall), show(f1 if has_negatives else None)


def claimbuster() -> list[tuple[str, int]] | None:
    if not CLAIMBUSTER_TEST.exists():
        return None
    return [(row["text"], row["label"]) for row in json.loads(CLAIMBUSTER_TEST.read_text(encoding="utf-8"))]


def citation_needed() -> list[tuple[str, int]] | None:
    if not CITATION_REASON.exists():
        return None
    csv.field_size_limit(10**7)
    with CITATION_REASON.open(encoding="utf-8", newline="") as handle:
        return [(row["statement"].strip(), 1) for row in csv.DictReader(handle, delimiter="\t")]


def _half(rows: list[tuple[str, int]] | None, parity: int) -> list[tuple[str, int]] | None:
    return None if rows is None else rows[parity::2]


def labelled(split: str) -> list[tuple[str, int]]:
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    return [(row["text"], row["label"]) for row in rows if row["split"] == split]


def main() -> int:
    datasets = [
        ("claimbuster two_class/test", claimbuster(), "rule F1 0.73 at P 0.86; aim P ≥ 0.88 at R ≥ 0.70"),
        ("citation-needed (all cited)", citation_needed(), "aim recall ≥ 0.80"),
        ("  even rows (dev)", _half(citation_needed(), 0), "English threshold set here"),
        ("  odd rows (test)", _half(citation_needed(), 1), ""),
        ("labelled set, dev half", labelled("dev"), "tuned on"),
        ("labelled set, test half", labelled("test"), "asserted in tests"),
    ]
    print(f"{'data':30} {'n':>5} {'precision':>9} {'recall':>7} {'F1':>6}  baseline / aim")
    for name, rows, note in datasets:
        if rows is None:
            print(f"{name:30} skipped: not found under {CORPORA}")
            continue
        n, precision, recall, f1 = scores(rows)
        print(f"{name:30} {n:>5} {precision:>9} {recall:>7} {f1:>6}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
