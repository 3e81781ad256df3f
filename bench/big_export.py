"""Make a big conversation export in the text-copy format (what a browser's "copy" of a ChatGPT share page gives),
for measuring memory and time on large input: the sample export repeated with every copy varied (its own
conversation id, its own URLs in the prose and in the reference list, its own numbers), until the size is reached.

Run: .venv/bin/python bench/big_export.py --mb 50 --out /tmp/export-50mb.txt [--sample ../shared/samples/…]

Then, for example: /usr/bin/time -v .venv/bin/refcheck extract /tmp/export-50mb.txt --format json > /dev/null
(bench/memory.py does the measuring for 12/25/50 MB).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "samples" / "chatgpt-export-ai-policy.txt"
_URL = re.compile(r"https?://[^\s)」]+")
_REFERENCE = re.compile(r"^(- ↑ .*Retrieved \d{4}-\d{2}-\d{2}\.)$", re.MULTILINE)
_NUMBER = re.compile(r"(?<![\d.])(\d{2,4})(?![\d.])")


def variant(sample: str, index: int) -> str:
    """Copy `index` of the sample: its own id line, URLs, reference URLs and numbers (so nothing dedupes away)."""
    text = sample.replace("Openai/694ca20a-a3b8-800f-896f-bc1d4a3ad44e", f"Openai/{index:08x}-bench", 1)
    text = _URL.sub(lambda m: f"{m.group(0).rstrip('/')}/v{index}", text)
    counter = iter(range(1_000_000))
    text = _REFERENCE.sub(lambda m: f"{m.group(1)} https://news{index % 97}.example.jp/{index}/{next(counter)}", text)
    return _NUMBER.sub(lambda m: str(int(m.group(1)) + index % 7), text)


def write_export(out: Path, megabytes: float, sample_path: Path = SAMPLE) -> int:
    sample = sample_path.read_text(encoding="utf-8")
    target = int(megabytes * 1024 * 1024)
    written = copies = 0
    with out.open("w", encoding="utf-8", newline="\n") as sink:
        while written < target:
            chunk = variant(sample, copies) + "\n"
            sink.write(chunk)
            written += len(chunk.encode("utf-8"))
            copies += 1
    return copies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=50.0)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    args = parser.parse_args()
    if not args.sample.is_file():
        print(f"no sample at {args.sample} (needs ../shared/samples)", file=sys.stderr)
        return 2
    copies = write_export(args.out, args.mb, args.sample)
    print(f"{args.out}: {args.out.stat().st_size / 1024 / 1024:.1f} MB, {copies} copies of {args.sample.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
