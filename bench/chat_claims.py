"""Check-worthiness on the chat/article labelled set and on the tuning halves of the public corpora.

    .venv/bin/python bench/chat_claims.py                 # dev: chat set dev part, ClaimBuster train, Citation Needed even rows
    .venv/bin/python bench/chat_claims.py --errors        # … and every dev sentence decided wrongly, with its reason
    .venv/bin/python bench/chat_claims.py --split heldout # the held-out part and the test splits (score once, at the end)

The labelled set is tests/fixtures/claims/chat_checkworthy.jsonl: Japanese and English sentences of AI chat answers,
user turns and articles, each with its label and the reason for it; whole conversations/articles are either "dev" or
"heldout". `--errors` refuses the held-out split: what is tuned on must not include it.
ClaimBuster train is what the English model was fitted on, so its figures there are optimistic; they are shown to
see what a change costs, not as a result. Precision on ClaimBuster is "balanced" (false positives rescaled to as many
negatives as positives), as ClaimBuster test is 50/50.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from refcheck.extract.claims import check_worthiness  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
CLAIMBUSTER = CORPORA / "claimbuster" / "two_class"
CITATION_REASON = CORPORA / "citation-needed" / "redi2019-citation-reason" / "citation_reason.csv"
CHAT_SET = ROOT / "tests" / "fixtures" / "claims" / "chat_checkworthy.jsonl"


def chat_rows(split: str) -> list[dict]:
    rows = [json.loads(line) for line in CHAT_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row for row in rows if row["split"] == split]


def claimbuster(name: str) -> list[tuple[str, int]] | None:
    path = CLAIMBUSTER / f"{name}.json"
    if not path.exists():
        return None
    return [(row["text"], row["label"]) for row in json.loads(path.read_text(encoding="utf-8"))]


def citation_needed(parity: int) -> list[tuple[str, int]] | None:
    if not CITATION_REASON.exists():
        return None
    csv.field_size_limit(10**7)
    with CITATION_REASON.open(encoding="utf-8", newline="") as handle:
        rows = [(row["statement"].strip(), 1) for row in csv.DictReader(handle, delimiter="\t")]
    return rows[parity::2]


def figures(rows: list[tuple[str, int]], worthy: Callable[[str], bool] = lambda t: check_worthiness(t)[0],
            balanced: bool = False) -> str:
    guesses = [(worthy(text), bool(label)) for text, label in rows]
    tp = sum(1 for g, y in guesses if g and y)
    fp = sum(1 for g, y in guesses if g and not y)
    positives = sum(1 for _, y in guesses if y)
    negatives = len(guesses) - positives
    recall = tp / positives if positives else float("nan")
    if not negatives:
        return f"n {len(rows):5}  recall {recall:.3f}"
    if balanced:
        fp = fp * positives / negatives
    precision = tp / (tp + fp) if tp + fp else float("nan")
    return f"n {len(rows):5}  P {precision:.3f}  R {recall:.3f}  ({positives} positive)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["dev", "heldout"], default="dev")
    parser.add_argument("--errors", action="store_true", help="list the dev sentences decided wrongly")
    args = parser.parse_args()
    if args.errors and args.split != "dev":
        parser.error("--errors lists dev sentences only: the held-out part is scored, never read")
    rows = chat_rows(args.split)
    groups = [
        ("chat answers + user turns", lambda r: r["speaker"] != "article"),
        ("  Japanese", lambda r: r["speaker"] != "article" and r["lang"] == "ja"),
        ("  English", lambda r: r["speaker"] != "article" and r["lang"] == "en"),
        ("  assistant only", lambda r: r["speaker"] == "assistant"),
        ("articles", lambda r: r["speaker"] == "article"),
        ("all", lambda r: True),
    ]
    print(f"labelled set, {args.split} part ({CHAT_SET.relative_to(ROOT)})")
    for name, keep in groups:
        print(f"  {name:28} {figures([(r['text'], r['label']) for r in rows if keep(r)])}")
    public = (
        [("ClaimBuster train (fitted on: optimistic)", claimbuster("train"), True),
         ("Citation Needed even rows (dev)", citation_needed(0), False)]
        if args.split == "dev" else
        [("ClaimBuster two_class/test", claimbuster("test"), False),
         ("Citation Needed odd rows (test)", citation_needed(1), False),
         ("Citation Needed all rows", citation_needed(0) and (citation_needed(0) + citation_needed(1)), False)]
    )
    for name, data, balanced in public:
        print(f"{name:42} " + ("skipped: corpus absent" if data is None else figures(data, balanced=balanced)))
    if args.errors:
        print("\nwrong on dev (label, speaker, reason | sentence | features):")
        from refcheck.extract.claims import claim_score, sentence_features

        for row in rows:
            guess = check_worthiness(row["text"])[0]
            if guess != bool(row["label"]):
                feats = ",".join(sentence_features(row["text"]))
                print(f"  {'FN' if row['label'] else 'FP'} {row['speaker'][:4]} {row['reason']} | {row['text']} | "
                      f"{claim_score(row['text']):+.2f} {feats}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
