"""Measure claim-support scoring on WiCE (English) and JHARS (Japanese) against plain overlap baselines."""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from refcheck.rules.support import assess_support  # noqa: E402

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
WICE = CORPORA / "wice" / "data" / "entailment_retrieval" / "claim"
JHARS = CORPORA / "jhars" / "annotated_data_relaxed.jsonl"
JHARS_POSITIVE = {"Unverifiable", "Contradictory"}  # not supported by the reference text


def auroc(scores: list[float], positives: list[bool]) -> float:
    """Area under the ROC curve (Mann-Whitney, ties count half): P(score of a positive > score of a negative)."""
    ranked = sorted(zip(scores, positives))
    rank_sum, i, n_pos = 0.0, 0, sum(positives)
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        average_rank = (i + 1 + j) / 2
        rank_sum += average_rank * sum(1 for _, p in ranked[i:j] if p)
        i = j
    n_neg = len(ranked) - n_pos
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def word_overlap(claim: str, source: str) -> float:
    """Baseline: share of the claim's distinct lower-case words that occur in the source."""
    words = set(re.findall(r"\w+", claim.lower()))
    source_words = set(re.findall(r"\w+", source.lower()))
    return len(words & source_words) / len(words) if words else 0.0


def bigram_overlap(claim: str, source: str) -> float:
    """Baseline: share of the claim's distinct character bigrams (NFKC, no spaces) that occur in the source."""
    def bigrams(text: str) -> set[str]:
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
        return {text[i:i + 2] for i in range(len(text) - 1)}
    claim_bigrams = bigrams(claim)
    return len(claim_bigrams & bigrams(source)) / len(claim_bigrams) if claim_bigrams else 0.0


def load_wice(split: str) -> list[tuple[str, str, bool]]:
    """(claim, source text, not_supported) — partially_supported counts as supported-ish (negative)."""
    rows = [json.loads(line) for line in (WICE / f"{split}.jsonl").open(encoding="utf-8")]
    return [(r["claim"], "\n".join(r["evidence"]), r["label"] == "not_supported") for r in rows]


def jhars_half(question_id) -> str:
    return "dev" if int(hashlib.sha1(str(question_id).encode()).hexdigest(), 16) % 2 == 0 else "test"


def load_jhars(split: str) -> list[tuple[str, str, bool]]:
    """(sentence, reference text, not_supported) for one half of the questions; disputed sentences left out."""
    items = []
    for line in JHARS.open(encoding="utf-8"):
        row = json.loads(line)
        if jhars_half(row["id"]) != split:
            continue
        for value in row.values():
            if not isinstance(value, dict):
                continue
            for sentence in value["annotations"]["aggregated"]["sentence_annotations"]:
                kind = sentence["hallucination_type"]
                if kind in JHARS_POSITIVE or kind == "No_hallucination":
                    items.append((sentence["sentence"], row["reference_text"], kind in JHARS_POSITIVE))
    return items


def measure(name: str, items, baseline, baseline_name: str) -> list[str]:
    started = time.perf_counter()
    labels = [not_supported for _, _, not_supported in items]
    verdicts = [assess_support(claim, source) for claim, source, _ in items]
    ours = auroc([-v.score for v in verdicts], labels)
    base = auroc([-baseline(claim, source) for claim, source, _ in items], labels)
    flagged = [v.verdict == "not-supported" for v in verdicts]
    tp = sum(f and y for f, y in zip(flagged, labels))
    precision = tp / sum(flagged) if any(flagged) else 0.0
    recall = tp / sum(labels)
    elapsed = time.perf_counter() - started
    return [f"| {name} | {len(items)} ({sum(labels)} not supported) | {baseline_name} {base:.3f} | {ours:.3f} "
            f"| {precision:.2f} / {recall:.2f} | {elapsed:.1f}s |"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", default="test", choices=["dev", "test"], help="dev for tuning, test to report")
    args = parser.parse_args()
    rows = ["| corpus | items | baseline AUROC | refcheck AUROC | not-supported verdict P / R | time |",
            "|---|---|---|---|---|---|"]
    if (WICE / f"{args.split}.jsonl").exists():
        rows += measure(f"WiCE claim/{args.split}", load_wice(args.split), word_overlap, "word overlap")
    else:
        print(f"skipped WiCE: {WICE} absent", file=sys.stderr)
    if JHARS.exists():
        rows += measure(f"JHARS relaxed, {args.split} half", load_jhars(args.split), bigram_overlap, "char-bigram overlap")
    else:
        print(f"skipped JHARS: {JHARS} absent", file=sys.stderr)
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
