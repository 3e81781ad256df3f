"""Measure the soft-404 keyword rule on real article pages: every page in the corpora is a real page, so each soft-404 is a false one.

Run: .venv/bin/python bench/corpus_soft404.py [--corpora DIR] [--verbose]
Reads ../shared/corpora (next to the checkout) by default: japanese-pages (every HTML page in manifest.jsonl),
readability/test-pages (every source.html) and article-extraction-benchmark (every page). A corpus that is absent
is skipped. For contrast it also counts the pages on which the page reader's raw signals fire (any title/h1 or body
signal), which is what a plain keyword list would have called a soft 404, and the pages whose title candidates pass the
headline test alone (without the text-length and URL guards).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from refcheck.fetch.soft404 import LONG_TEXT, keyword_reason, not_found_headline  # noqa: E402
from refcheck.page import read_page  # noqa: E402

DEFAULT_CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def japanese_pages(root: Path) -> Iterator[tuple[str, bytes, str]]:
    folder = root / "japanese-pages"
    manifest = folder / "manifest.jsonl"
    if not manifest.exists():
        return
    for line in manifest.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        path = folder / record["file"]
        if path.suffix in (".html", ".htm") or record.get("html_title"):
            yield f"japanese-pages/{record['file']}", path.read_bytes(), record.get("url") or f"https://example.jp/{path.name}"


def readability_pages(root: Path) -> Iterator[tuple[str, bytes, str]]:
    for source in sorted((root / "readability" / "test-pages").glob("*/source.html")):
        yield f"readability/{source.parent.name}", source.read_bytes(), f"https://example.org/{source.parent.name}/article.html"


def benchmark_pages(root: Path) -> Iterator[tuple[str, bytes, str]]:
    for page in sorted((root / "article-extraction-benchmark" / "html").glob("*.html.gz")):
        yield f"article-extraction-benchmark/{page.name[:12]}", gzip.decompress(page.read_bytes()), \
            f"https://example.com/{page.name[:16]}.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    print("| corpus | pages | raw reader signal (title/h1) | raw reader signal (any) | headline test alone | "
          "soft-404 by the keyword rule |")
    print("|---|---|---|---|---|---|")
    total_false = 0
    for name, pages in (("japanese-pages", japanese_pages), ("readability/test-pages", readability_pages),
                        ("article-extraction-benchmark", benchmark_pages)):
        count = headline = anything = bare = false = 0
        for label, body, url in pages(args.corpora):
            page = read_page(body, "text/html", url)
            count += 1
            headline += any(s.startswith(("title:", "h1:")) for s in page.soft_404_signals)
            anything += bool(page.soft_404_signals)
            bare += any(not_found_headline(title) for title in page.title_candidates)
            reason = keyword_reason(page, url)
            if reason:
                false += 1
                print(f"  FALSE soft-404: {label}: {reason}", file=sys.stderr)
            elif args.verbose and page.soft_404_signals:
                print(f"  raw signals only: {label} ({len(page.main_text)} chars): {page.soft_404_signals[:3]}",
                      file=sys.stderr)
        if count:
            print(f"| {name} | {count} | {headline} | {anything} | {bare} | {false} |")
        total_false += false
    print(f"\nfalse soft-404s from the keyword rule: {total_false} (LONG_TEXT = {LONG_TEXT} characters)")
    return 1 if total_false else 0


if __name__ == "__main__":
    sys.exit(main())
