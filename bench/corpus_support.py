"""Measure claim-support scoring on WiCE (English) and JHARS (Japanese) against plain overlap baselines."""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import refcheck.rules.support as support  # noqa: E402
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


def load_wice(split: str) -> list[tuple[str, str, bool, object]]:
    """(claim, source text, not_supported, group) — partially_supported counts as supported-ish (negative).

    Each claim is its own group for the bootstrap."""
    rows = [json.loads(line) for line in (WICE / f"{split}.jsonl").open(encoding="utf-8")]
    return [(r["claim"], "\n".join(r["evidence"]), r["label"] == "not_supported", i) for i, r in enumerate(rows)]


def jhars_half(question_id) -> str:
    return "dev" if int(hashlib.sha1(str(question_id).encode()).hexdigest(), 16) % 2 == 0 else "test"


def load_jhars(split: str) -> list[tuple[str, str, bool, object]]:
    """(sentence, reference text, not_supported, question id) for one half of the questions; disputed sentences left out.

    The bootstrap resamples questions: a question's sentences share one reference text."""
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
                    items.append((sentence["sentence"], row["reference_text"], kind in JHARS_POSITIVE, row["id"]))
    return items


def bootstrap(items, ours: list[float], base: list[float], resamples: int, seed: int = 7) -> str:
    """95% percentile interval of refcheck's AUROC over resampled groups, and how often it beats the baseline."""
    groups: dict[object, list[int]] = {}
    for index, item in enumerate(items):
        groups.setdefault(item[3], []).append(index)
    keys, rng = list(groups), random.Random(seed)
    values, wins = [], 0
    for _ in range(resamples):
        chosen = [i for key in (rng.choice(keys) for _ in keys) for i in groups[key]]
        labels = [items[i][2] for i in chosen]
        if all(labels) or not any(labels):
            continue
        ours_auroc = auroc([-ours[i] for i in chosen], labels)
        values.append(ours_auroc)
        wins += ours_auroc > auroc([-base[i] for i in chosen], labels)
    values.sort()
    low, high = values[int(0.025 * len(values))], values[int(0.975 * len(values)) - 1]
    return f"95% CI {low:.3f}–{high:.3f}, above baseline in {wins / len(values):.0%} of {len(values)} resamples"


def paired_share(items, before: list[float], after: list[float], resamples: int, seed: int = 7) -> str:
    """How often `after` has the higher AUROC over resampled groups (same resamples as `bootstrap`), and the mean gain."""
    groups: dict[object, list[int]] = {}
    for index, item in enumerate(items):
        groups.setdefault(item[3], []).append(index)
    keys, rng = list(groups), random.Random(seed)
    gains = []
    for _ in range(resamples):
        chosen = [i for key in (rng.choice(keys) for _ in keys) for i in groups[key]]
        labels = [items[i][2] for i in chosen]
        if all(labels) or not any(labels):
            continue
        gains.append(auroc([-after[i] for i in chosen], labels) - auroc([-before[i] for i in chosen], labels))
    return f"{sum(g > 0 for g in gains) / len(gains):.0%} of {len(gains)} resamples, mean {sum(gains) / len(gains):+.4f}"


def _without_list_rule(items) -> list[float]:
    rule = support._announces_list
    support._announces_list = lambda claim: False
    try:
        return [assess_support(claim, source).score for claim, source, _, _ in items]
    finally:
        support._announces_list = rule


def measure(name: str, items, baseline, baseline_name: str, resamples: int = 0) -> list[str]:
    started = time.perf_counter()
    labels = [not_supported for _, _, not_supported, _ in items]
    verdicts = [assess_support(claim, source) for claim, source, _, _ in items]
    elapsed = time.perf_counter() - started
    ours = auroc([-v.score for v in verdicts], labels)
    base_scores = [baseline(claim, source) for claim, source, _, _ in items]
    base = auroc([-b for b in base_scores], labels)
    flagged = [v.verdict == "not-supported" for v in verdicts]
    tp = sum(f and y for f, y in zip(flagged, labels))
    precision = tp / sum(flagged) if any(flagged) else 0.0
    recall = tp / sum(labels)
    scores = [v.score for v in verdicts]
    interval = f" ({bootstrap(items, scores, base_scores, resamples)})" if resamples else ""
    row = [f"| {name} | {len(items)} ({sum(labels)} not supported) | {baseline_name} {base:.3f} | {ours:.3f}{interval} "
           f"| {precision:.2f} / {recall:.2f} | {elapsed:.1f}s |"]
    if resamples and support._announces_list("以下の通りです。"):  # not when --without-list-rule switched it off
        before = _without_list_rule(items)
        matched = [i for i, (claim, _, _, _) in enumerate(items) if support._announces_list(claim)]
        row.append(f"|   {name}, without the list rule | | | {auroc([-b for b in before], labels):.4f} → {ours:.4f} "
                   f"(with the list rule > without: {paired_share(items, before, scores, resamples)}; "
                   f"{len(matched)} list sentences, {sum(labels[i] for i in matched)} not supported) | | |")
    return row


def _rule_for(claim: str, source: str) -> str | None:
    """The finding `refcheck.rules.support.check_claim_support` gives a claim citing one readable page (its rule)."""
    from refcheck.models import Claim, FetchResult, PageFacts, UrlStatus
    from refcheck.rules.support import check_claim_support

    page = FetchResult(url="https://example.org/source", status=UrlStatus.OK, http_status=200,
                       page=PageFacts(title="source", main_text=source))
    found = check_claim_support(Claim(text=claim, line=1, refs=("1",)), [("1", page)])
    return None if found is None else found.rule


def operating_point(split: str) -> list[str]:
    """What a person sees: the share of each gold label reported as `unsupported-claim` (warning) and as
    `partly-supported-claim` (info), through the rule itself."""
    lines = [f"| corpus ({split}) | gold label | claims | `unsupported-claim` (warning) | `partly-supported-claim` (info) | nothing |",
             "|---|---|---|---|---|---|"]
    corpora = []
    if (WICE / f"{split}.jsonl").exists():
        rows = [json.loads(line) for line in (WICE / f"{split}.jsonl").open(encoding="utf-8")]
        corpora.append((f"WiCE claim/{split}", [(r["claim"], "\n".join(r["evidence"]), r["label"]) for r in rows],
                        ("not_supported", "partially_supported", "supported")))
    if JHARS.exists():
        items = load_jhars(split)
        corpora.append((f"JHARS relaxed, {split} half",
                        [(c, s, "Unverifiable/Contradictory" if p else "No_hallucination") for c, s, p, _ in items],
                        ("Unverifiable/Contradictory", "No_hallucination")))
    for name, rows, labels in corpora:
        for label in labels:
            rules = [_rule_for(claim, source) for claim, source, gold in rows if gold == label]
            n = len(rules)
            warned, info = rules.count("unsupported-claim"), rules.count("partly-supported-claim")
            lines.append(f"| {name} | {label} | {n} | {warned} ({warned / n:.1%}) | {info} ({info / n:.1%}) "
                         f"| {n - warned - info} ({(n - warned - info) / n:.1%}) |")
        warned_rows = [(gold, _rule_for(claim, source)) for claim, source, gold in rows]
        flagged = [gold for gold, rule in warned_rows if rule == "unsupported-claim"]
        if flagged:
            lines.append(f"| {name} | precision of the warning | {len(flagged)} warned | "
                         f"{flagged.count(labels[0]) / len(flagged):.1%} are {labels[0]} | | |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", default="test", choices=["dev", "test"], help="dev for tuning, test to report")
    parser.add_argument("--bootstrap", type=int, default=0, metavar="N",
                        help="also give a 95%% interval over N resamples of claims (WiCE) or questions (JHARS)")
    parser.add_argument("--without-list-rule", action="store_true",
                        help="score list-announcing sentences like any other (the scorer before that rule)")
    parser.add_argument("--operating-point", action="store_true",
                        help="print what a person sees instead: the share of each gold label reported as "
                             "unsupported-claim (warning) and partly-supported-claim (info)")
    args = parser.parse_args()
    if args.operating_point:
        print("\n".join(operating_point(args.split)))
        return 0
    if args.without_list_rule:
        support._announces_list = lambda claim: False
    rows = ["| corpus | items | baseline AUROC | refcheck AUROC | not-supported verdict P / R | time |",
            "|---|---|---|---|---|---|"]
    if (WICE / f"{args.split}.jsonl").exists():
        rows += measure(f"WiCE claim/{args.split}", load_wice(args.split), word_overlap, "word overlap", args.bootstrap)
    else:
        print(f"skipped WiCE: {WICE} absent", file=sys.stderr)
    if JHARS.exists():
        rows += measure(f"JHARS relaxed, {args.split} half", load_jhars(args.split), bigram_overlap, "char-bigram overlap",
                        args.bootstrap)
    else:
        print(f"skipped JHARS: {JHARS} absent", file=sys.stderr)
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
