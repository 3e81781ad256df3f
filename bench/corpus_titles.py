"""Measure the title refcheck reports for a page (`PageFacts.title`) against titles a reader would cite.

Run: .venv/bin/python bench/corpus_titles.py [--split dev|fresh|old-dev|old-held-out] [--corpora DIR] [--code DIR] [--verbose]
                                             [--self-check]

Corpora (under ../shared/corpora by default; an absent one is skipped):
  readability     readability/test-pages/*/expected-metadata.json `title` (pages with an empty title are left out)
  japanese-pages  japanese-pages/manifest.jsonl rows with a curated `expected_title` (the source repositories');
                  a postlight-parser fixture without a `url` gets https://<its file name's host>/article
  aeb             article-extraction-benchmark: no title truth there; bench/labels/aeb_titles.jsonl holds titles
                  labelled by hand for a sample of its pages (how: see that file's header row and docs/benchmarks.md)

Split, fixed before any tuning: a page is held out when int(sha256("<corpus>/<page id>").hexdigest(), 16) is odd,
else it is dev. The page id is the folder name (readability), the manifest's `file` (japanese-pages), the
ground-truth key (aeb). That was the first round (`--split old-dev`, `--split old-held-out`). Second round:
`--split dev` is every page of the first round, `--split fresh` the pages of bench/labels/fresh_titles.jsonl
(labelled before that round's code; score once). Columns r-exact/r-contain read bench/labels/relabel_titles.jsonl.

Metrics, after normalising both sides (NFKC, case-fold, every quote mark as ", every dash as -, white space
removed): exact = equal; containing-or-contained = one contains the other (the reported title must be non-empty);
exact* = exact, or equal to the label with the corpus's own site name (readability: expected siteName) cut from
its start or end (Readability's labels keep a site name whenever the page's metadata title has one).
`--code DIR` measures another checkout's refcheck package (e.g. one made with `git archive REV refcheck | tar -x`).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPORA = ROOT.parent / "shared" / "corpora"
AEB_LABELS = ROOT / "bench" / "labels" / "aeb_titles.jsonl"
RELABELS = ROOT / "bench" / "labels" / "relabel_titles.jsonl"
FRESH_LABELS = ROOT / "bench" / "labels" / "fresh_titles.jsonl"

_QUOTES = re.compile(r"[\"'`´‘’‚‛“”„‟«»‹›「」『』〈〉《》]")
_DASHES = re.compile(r"[‐‑‒–—―−－~〜～]")
_SPACE = re.compile(r"\s+")


def normalise(title: str) -> str:
    """NFKC, case-folded, quote marks as ", dashes as -, white space removed."""
    title = unicodedata.normalize("NFKC", title or "").casefold()
    title = _QUOTES.sub('"', title)
    title = _DASHES.sub("-", title)
    return _SPACE.sub("", title)


def score(ours: str | None, expected: str) -> tuple[bool, bool]:
    """(exact, containing-or-contained) after normalisation."""
    a, b = normalise(ours or ""), normalise(expected)
    if not a:
        return False, False
    return a == b, a == b or a in b or b in a


_LABEL_SEPARATOR = r"\s*(?:[|｜:：/／»«]|\s[-–—]|::)\s*"


def without_site_label(expected: str, site: str | None) -> str:
    """The expected title without the corpus's own site name at its start or end ("… | eHow" with siteName eHow).

    Readability's expected titles are Readability's output, which keeps a site name whenever the page's metadata
    title carries one; this reading of the label is reported beside the label as it is, never instead of it.
    """
    if not site:
        return expected
    site = re.escape(site.strip())
    trimmed = re.sub(rf"{_LABEL_SEPARATOR}{site}\s*$", "", expected.strip())
    return re.sub(rf"^{site}{_LABEL_SEPARATOR}", "", trimmed).strip() or expected


def split_of(corpus: str, page_id: str) -> str:
    return "held-out" if int(hashlib.sha256(f"{corpus}/{page_id}".encode()).hexdigest(), 16) % 2 else "dev"


@dataclass(frozen=True)
class Page:
    corpus: str
    page_id: str
    body: bytes
    content_type: str | None
    url: str
    expected: str
    site_label: str | None = None  # the corpus's own site name for the page (readability: expected siteName)


def readability_pages(corpora: Path):
    root = corpora / "readability" / "test-pages"
    if not root.is_dir():
        return
    for page in sorted(root.iterdir()):
        metadata = json.loads((page / "expected-metadata.json").read_text(encoding="utf-8"))
        expected = metadata.get("title") or ""
        if expected.strip():
            yield Page("readability", page.name, (page / "source.html").read_bytes(), None,
                       f"http://fakehost/test/{page.name}", expected, metadata.get("siteName"))


def japanese_pages(corpora: Path):
    manifest = corpora / "japanese-pages" / "manifest.jsonl"
    if not manifest.exists():
        return
    for line in manifest.read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else {}
        if row.get("expected_title", "").strip():
            yield Page("japanese-pages", row["file"], (manifest.parent / row["file"]).read_bytes(), None,
                       row.get("url") or _url_from_name(row["file"]), row["expected_title"])


def _url_from_name(file: str) -> str:
    """postlight-parser's fixtures are named after their host (www.asahi.com.html): the page's URL had that host."""
    folder, _, name = file.rpartition("/")
    if folder == "postlight-parser" and name.endswith(".html"):
        return f"https://{name.removesuffix('.html')}/article"
    return "http://example.jp/"


def aeb_pages(corpora: Path):
    root = corpora / "article-extraction-benchmark"
    if not (root / "ground-truth.json").exists() or not AEB_LABELS.exists():
        return
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    for line in AEB_LABELS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else {}
        if "key" not in row:
            continue  # the header row says how the labels were made
        body = gzip.decompress((root / "html" / f"{row['key']}.html.gz").read_bytes())
        yield Page("aeb", row["key"], body, "text/html; charset=utf-8",
                   truth[row["key"]].get("url") or "http://example.com/", row["title"])


def fresh_pages(corpora: Path):
    """The second round's held-out set: pages no earlier round scored, labelled by hand before that round's code."""
    if not FRESH_LABELS.exists():
        return
    aeb = corpora / "article-extraction-benchmark"
    manifest = corpora / "japanese-pages" / "manifest.jsonl"
    truth = json.loads((aeb / "ground-truth.json").read_text(encoding="utf-8")) if aeb.is_dir() else {}
    rows = {}
    if manifest.exists():
        rows = {r["file"]: r for r in map(json.loads, filter(str.strip, manifest.read_text("utf-8").splitlines()))}
    for line in FRESH_LABELS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else {}
        if row.get("corpus") == "aeb" and row["key"] in truth:
            body = gzip.decompress((aeb / "html" / f"{row['key']}.html.gz").read_bytes())
            yield Page("aeb", row["key"], body, "text/html; charset=utf-8",
                       truth[row["key"]].get("url") or "http://example.com/", row["title"])
        elif row.get("corpus") == "japanese-pages" and row["key"] in rows:
            yield Page("japanese-pages", row["key"], (manifest.parent / row["key"]).read_bytes(), None,
                       rows[row["key"]].get("url") or _url_from_name(row["key"]), row["title"])


def all_pages(corpora: Path):
    yield from readability_pages(corpora)
    yield from japanese_pages(corpora)
    yield from aeb_pages(corpora)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--split", choices=("dev", "fresh", "old-dev", "old-held-out"),
                        default="dev", help="dev = every page the first round scored (its dev and held-out); "
                        "fresh = the second round's held-out set (bench/labels/fresh_titles.jsonl)")
    parser.add_argument("--code", type=Path, help="a directory holding another refcheck package to measure")
    parser.add_argument("--verbose", action="store_true", help="list the misses (dev only)")
    parser.add_argument("--show-held-out", action="store_true",
                        help="with --verbose, list held-out misses too (only after the held-out figure is taken)")
    parser.add_argument("--self-check", action="store_true",
                        help="also count title-mismatch findings for each page cited by its own titles (should be 0)")
    args = parser.parse_args()
    sys.path.insert(0, str((args.code or ROOT).resolve()))
    from refcheck.page import read_page

    if not args.corpora.is_dir():
        print(f"no corpora at {args.corpora}: nothing measured")
        return 0
    relabel = {}
    if RELABELS.exists():
        for line in RELABELS.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            if "page_id" in row:
                relabel[(row["corpus"], row["page_id"])] = row["title"]
    counts: dict[str, list[int]] = {}
    self_findings = self_checks = 0
    pages = fresh_pages(args.corpora) if args.split == "fresh" else all_pages(args.corpora)
    for page in pages:
        if args.split.startswith("old-") and split_of(page.corpus, page.page_id) != args.split[4:]:
            continue
        facts = read_page(page.body, page.content_type, page.url)
        if args.self_check:
            from refcheck.rules.titles import check_title
            for cited in dict.fromkeys((facts.title, *facts.title_candidates)):
                if cited:
                    self_checks += 1
                    found = check_title(cited, facts, url=page.url)
                    self_findings += found is not None
                    if found is not None and args.verbose:
                        print(f"  self-check {page.corpus}/{page.page_id}: {found.message}")
        exact, contained = score(facts.title, page.expected)
        exact_reader = exact or score(facts.title, without_site_label(page.expected, page.site_label))[0]
        for key in (page.corpus, "overall"):
            row = counts.setdefault(key, [0, 0, 0, 0, 0, 0])
            row[0] += 1
            row[1] += exact
            row[2] += contained
            row[3] += exact_reader
            r_exact, r_contained = score(facts.title, relabel.get((page.corpus, page.page_id), page.expected))
            row[4] += r_exact
            row[5] += r_contained
        if args.verbose and not exact and (args.split != "fresh" or args.show_held_out):
            mark = "~" if contained else "x"
            print(f"  {mark} {page.corpus}/{page.page_id}: ours={facts.title!r} expected={page.expected!r}"
                  f" site={facts.site_name!r}")
    print(f"\ntitles, split {args.split} (code: {args.code or 'this checkout'})")
    print(f"{'corpus':<16}{'pages':>6}{'exact':>9}{'contain':>9}{'exact*':>9}{'r-exact':>9}{'r-contain':>10}")
    for key in sorted(counts, key=lambda k: (k == "overall", k)):
        n, exact, contained, exact_reader, r_exact, r_contained = counts[key]
        print(f"{key:<16}{n:>6}{exact / n:>9.3f}{contained / n:>9.3f}{exact_reader / n:>9.3f}"
              f"{r_exact / n:>9.3f}{r_contained / n:>10.3f}")
    print("exact* = exact against the label, or against the label without the corpus's own siteName at an end")
    print("r-exact, r-contain = against bench/labels/relabel_titles.jsonl where it relabels a page (reason per row)")
    if args.self_check:
        print(f"self-check: {self_findings} title-mismatch findings for {self_checks} (page, one of its own titles)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
