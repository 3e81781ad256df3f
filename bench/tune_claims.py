"""Fit the check-worthiness rule's weights on ClaimBuster train and the labelled set's dev half (never a test split).

The rule decides Japanese sentences; English ones are decided by the model of bench/train_checkworthy.py.

Prints suggested weights (a class-balanced logistic regression over the rule's own binary features, rounded to
0.5) and how the rule in refcheck/extract/claims.py does on the same training data. The weights in claims.py are
copied from here by hand, so a person can read and adjust them.

    .venv/bin/python bench/tune_claims.py
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from refcheck.extract.claims import BIAS, WEIGHTS, check_score, sentence_features  # noqa: E402

CLAIMBUSTER_TRAIN = ROOT.parent / "shared" / "corpora" / "claimbuster" / "two_class" / "train.json"
LABELLED = ROOT / "tests" / "fixtures" / "claims" / "checkworthy.jsonl"
FEATURES = list(WEIGHTS)


def training_rows() -> list[tuple[str, int, str]]:
    rows = []
    if CLAIMBUSTER_TRAIN.exists():
        rows += [(row["text"], row["label"], "claimbuster") for row in json.loads(CLAIMBUSTER_TRAIN.read_text())]
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["split"] == "dev":
            rows.append((row["text"], row["label"], "labelled-dev"))
    return rows


def fit(vectors: Counter, epochs: int = 1500, rate: float = 1.0, l2: float = 1e-3) -> list[float]:
    """Plain gradient descent on (feature tuple, label) → weight counts; classes weighted to balance."""
    weights = [0.0] * (len(FEATURES) + 1)
    total = sum(vectors.values())
    for _ in range(epochs):
        gradient = [0.0] * len(weights)
        for (present, label), weight in vectors.items():
            z = weights[-1] + sum(weights[i] for i in present)
            error = (1 / (1 + math.exp(-z)) - label) * weight
            for i in present:
                gradient[i] += error
            gradient[-1] += error
        weights = [w - rate * (g / total + l2 * w) for w, g in zip(weights, gradient)]
    return weights


def main() -> None:
    rows = training_rows()
    labels = Counter(label for _, label, _ in rows)
    vectors: Counter = Counter()
    for text, label, _ in rows:
        present = tuple(i for i, name in enumerate(FEATURES) if name in sentence_features(text))
        vectors[(present, label)] += len(rows) / (2 * labels[label])  # balanced: ClaimBuster test is 50/50
    weights = fit(vectors)
    print("suggested (rounded to 0.25):")
    print(f"  bias {round(weights[-1] * 4) / 4:+.2f}   (now {BIAS:+.1f})")
    for name, weight in zip(FEATURES, weights):
        print(f"  {name:14} {round(weight * 4) / 4:+.2f}   (now {WEIGHTS[name]:+.1f})")
    rounded = {name: round(weight * 4) / 4 for name, weight in zip(FEATURES, weights)}
    print("threshold sweep with the rounded weights (balanced precision / recall):")
    featured = [(sentence_features(text), label, origin) for text, label, origin in rows]
    for bias in [x / 4 for x in range(-14, 0)]:
        line = [f"  bias {bias:+.2f}"]
        for source in ("claimbuster", "labelled-dev"):
            subset = [(f, label) for f, label, origin in featured if origin == source]
            picked = [label for f, label in subset if bias + sum(rounded[n] for n in f) >= 0]
            positives = sum(label for _, label in subset)
            negatives = len(subset) - positives
            tp, fp = sum(picked), len(picked) - sum(picked)
            balanced_fp = fp * positives / negatives
            line.append(f"{source} P {tp / max(tp + balanced_fp, 1e-9):.3f} R {tp / positives:.3f}")
        print("   ".join(line))
    for source in ("claimbuster", "labelled-dev"):
        subset = [(text, label) for text, label, origin in rows if origin == source]
        tp = sum(1 for text, label in subset if label and check_score(sentence_features(text)) >= 0)
        fp = sum(1 for text, label in subset if not label and check_score(sentence_features(text)) >= 0)
        positives = sum(label for _, label in subset)
        negatives = len(subset) - positives
        # precision as it would be on a balanced set: false positives rescaled to as many negatives as positives
        balanced_fp = fp * positives / negatives if negatives else 0
        print(f"{source}: n={len(subset)} recall {tp / positives:.3f} "
              f"precision {tp / (tp + fp):.3f} (balanced {tp / (tp + balanced_fp):.3f})")


if __name__ == "__main__":
    main()
