"""Measure the page reader on the shared corpora: titles, Japanese decoding, main text against other extractors, CPU.

Run: .venv/bin/python bench/corpus_pages.py [--corpora DIR] [--verbose] [--cpu-rounds N] [--before OLD_PAGE_PY]
Reads ../shared/corpora (next to the checkout) by default; a corpus that is absent is skipped. The CPU section also
reads bench/simweb.py's pages (the fetch benchmark's simulated web). `--before` times another copy of page.py
(e.g. `git show REV:refcheck/page.py > /tmp/page_before.py`) on the same pages, interleaved, for a before/after;
`--before DIR` (a whole other checkout, e.g. `git worktree add /tmp/old REV` or `git archive REV | tar -x -C DIR`)
reads the pages with that checkout's refcheck in a child process, rounds alternating with this one's, and counts
the pages whose PageFacts differ between the two (with and without the main text).
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import importlib.util
import json
import os
import pickle
import subprocess
import random
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from selectolax.lexbor import LexborHTMLParser  # noqa: E402
from simweb import plan_web, render_not_found, render_page  # noqa: E402

from refcheck.page import decode_html, read_page  # noqa: E402

DEFAULT_CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"

# ---------------------------------------------------------------------------------------------------------------
# Title matching: the rule stated in docs/benchmarks.md
# ---------------------------------------------------------------------------------------------------------------

_EDGE_MARKS = re.compile(r"^[\W_]+|[\W_]+$")
_QUOTES = re.compile(r"[\"'`´‘’‚‛“”„‟«»‹›「」『』〈〉《》【】〔〕\[\]()（）]")
_DASHES = re.compile(r"[‐‑‒–—―−－~〜～]")
_SPACE = re.compile(r"\s+")
_SEPARATOR = re.compile(r"\s+[|\-–—:·•»/]\s+|\s*[｜|]\s*|\s*[：:]\s*|\s+::\s+|\s*-{2,}\s*|_")


def normalise_title(title: str) -> str:
    """NFKC, case-fold, quotes and brackets dropped, dashes unified, white space and edge punctuation/symbols removed."""
    title = unicodedata.normalize("NFKC", title).casefold()
    title = _QUOTES.sub("", title)
    title = _DASHES.sub("-", title)
    return _EDGE_MARKS.sub("", _SPACE.sub("", title))


def title_forms(title: str, site_name: str | None = None) -> set[str]:
    """The title, and the title cut at any separator with the pieces before or after the cut dropped.

    "Headline : Section : Site" → "Headline", "Headline : Section"; "Site - Headline" → "Headline".
    """
    title = unicodedata.normalize("NFKC", title)
    forms = {title}
    for cut in _SEPARATOR.finditer(title):
        forms.add(title[: cut.start()])
        forms.add(title[cut.end() :])
    if site_name:
        for form in list(forms):
            forms.add(form.replace(site_name, ""))
    return {normalise_title(form) for form in forms if normalise_title(form)}


def titles_match(ours: str | None, expected: str, site_name: str | None = None) -> tuple[bool, bool]:
    """(exact after normalisation, equal after dropping a site piece from either side)."""
    if not ours:
        return False, False
    exact = normalise_title(ours) == normalise_title(expected)
    affix = bool(title_forms(ours, site_name) & title_forms(expected, site_name))
    return exact, exact or affix


# ---------------------------------------------------------------------------------------------------------------
# Scoring main text exactly like article-extraction-benchmark/evaluate.py (4-token shingles, per-page normalised)
# ---------------------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)


def shingle_tp_fp_fn(true: str, pred: str, n: int = 4) -> tuple[float, float, float]:
    true_counts, pred_counts = _shingles(true, n), _shingles(pred, n)
    tp = fp = fn = 0.0
    for key in set(true_counts) | set(pred_counts):
        t, p = true_counts.get(key, 0), pred_counts.get(key, 0)
        tp += min(t, p)
        fp += max(0, p - t)
        fn += max(0, t - p)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (tp, fp, fn)


def _shingles(text: str, n: int) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def prf(scores: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    def precision(tp, fp, fn):
        return 1.0 if fp == fn == 0 else 0.0 if tp == fp == 0 else tp / (tp + fp)

    def recall(tp, fp, fn):
        return 1.0 if fp == fn == 0 else 0.0 if tp == fn == 0 else tp / (tp + fn)

    p = statistics.mean(precision(*s) for s in scores if s[0] + s[1] > 0)
    r = statistics.mean(recall(*s) for s in scores if s[0] + s[2] > 0)
    return p, r, 2 * p * r / (p + r)


# ---------------------------------------------------------------------------------------------------------------
# The three measurements
# ---------------------------------------------------------------------------------------------------------------


class Timer:
    def __init__(self):
        self.seconds: list[float] = []

    def read(self, body: bytes, content_type: str | None, url: str):
        start = time.process_time()
        facts = read_page(body, content_type, url)
        self.seconds.append(time.process_time() - start)
        return facts

    def summary(self) -> str:
        if not self.seconds:
            return "-"
        ms = sorted(s * 1000 for s in self.seconds)
        return f"mean {statistics.mean(ms):.1f} ms, median {statistics.median(ms):.1f} ms, max {ms[-1]:.0f} ms (CPU)"


def readability_titles(root: Path, timer: Timer, verbose: bool) -> dict | None:
    """Titles on every page with an expected title; main text on the real pages (> 6 KB) against expected.html."""
    pages = root / "readability" / "test-pages"
    if not pages.is_dir():
        return None
    exact = affix = anywhere = total = 0
    text_scores = []
    for page in sorted(pages.iterdir()):
        expected = json.loads((page / "expected-metadata.json").read_text(encoding="utf-8")).get("title") or ""
        if not expected.strip():
            continue  # a few synthetic cases expect no title at all
        source = (page / "source.html").read_bytes()
        facts = timer.read(source, None, f"http://fakehost/test/{page.name}")
        if len(source) > 6000 and (page / "expected.html").exists():
            expected_text = LexborHTMLParser((page / "expected.html").read_text(encoding="utf-8")).text(separator=" ")
            text_scores.append(shingle_tp_fp_fn(expected_text, facts.main_text))
        is_exact, is_affix = titles_match(facts.title, expected, facts.site_name)
        total += 1
        exact += is_exact
        affix += is_affix
        anywhere += any(titles_match(c, expected, facts.site_name)[1] for c in facts.title_candidates)
        if verbose and not is_affix:
            print(f"  title miss readability/{page.name}: ours={facts.title!r} expected={expected!r}")
    return {"total": total, "exact": exact, "affix": affix, "anywhere": anywhere,
            "text_pages": len(text_scores), "text_prf": prf(text_scores) if text_scores else None}


_REFERENCE_CODECS = {
    "ascii": ("utf-8",), "utf-8": ("utf-8",), "utf-8-sig": ("utf-8-sig",),
    "shift_jis": ("shift_jis", "cp932", "shift_jis_2004"), "cp932": ("cp932", "shift_jis_2004"),
    "euc-jp": ("euc_jp", "euc_jis_2004"), "iso-2022-jp": ("iso2022_jp", "iso2022_jp_2", "iso2022_jp_ext"),
}


def reference_texts(body: bytes, actual: str) -> set[str]:
    """Every strict decode of the bytes by a codec of the actual encoding's family.

    Shift_JIS and CP932 map a few bytes to different but equivalent code points (0x8160: U+301C WAVE DASH or
    U+FF5E FULLWIDTH TILDE); a decode with either table is a correct decode.
    """
    texts = set()
    for codec in _REFERENCE_CODECS.get(actual.lower(), (actual,)):
        try:
            texts.add(body.decode(codec).removeprefix("\ufeff"))
        except (UnicodeDecodeError, LookupError):
            continue
    return texts


def japanese_pages(root: Path, timer: Timer, verbose: bool) -> dict | None:
    manifest = root / "japanese-pages" / "manifest.jsonl"
    if not manifest.exists():
        return None
    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    result = Counter()
    for row in rows:
        body = (manifest.parent / row["file"]).read_bytes()
        text, codec = decode_html(body, None)
        decoded_ok = text in reference_texts(body, row["actual_encoding"])
        declared_wrong = bool(row.get("declared_charset")) and not _same_family(row["declared_charset"], row["actual_encoding"])
        result["decode_total"] += 1
        result["decode_ok"] += decoded_ok
        result["declared_wrong"] += declared_wrong
        result["declared_wrong_ok"] += declared_wrong and decoded_ok
        if verbose and not decoded_ok:
            print(f"  decode miss {row['file']}: used {codec}, actual {row['actual_encoding']}")
        expected = [row["expected_title"]] if row.get("expected_title") else [t for t in (row.get("html_title"), row.get("og_title")) if t]
        if not expected or row["file"].endswith(".txt"):
            continue
        facts = timer.read(body, None, row.get("url") or "http://example.jp/")
        matches = [titles_match(facts.title, e, facts.site_name) for e in expected]
        result["title_total"] += 1
        result["title_exact"] += any(m[0] for m in matches)
        result["title_affix"] += any(m[1] for m in matches)
        result["title_anywhere"] += any(titles_match(c, e, facts.site_name)[1] for c in facts.title_candidates for e in expected)
        if row.get("expected_title"):
            result["title_curated_total"] += 1
            result["title_curated_affix"] += any(m[1] for m in matches)
        if verbose and not any(m[1] for m in matches):
            print(f"  title miss {row['file']}: ours={facts.title!r} expected={expected!r}")
        if row.get("expected_date") or row.get("expected_date_published"):
            wanted = (row.get("expected_date") or row.get("expected_date_published"))[:10]
            result["date_total"] += 1
            result["date_ok"] += facts.published == wanted
            if verbose and facts.published != wanted:
                print(f"  date miss {row['file']}: ours={facts.published} expected={wanted}")
    return dict(result)


def _same_family(declared: str, actual: str) -> bool:
    families = [{"shift_jis", "x-sjis", "cp932", "sjis", "windows-31j"}, {"euc-jp", "x-euc-jp"}, {"utf-8", "ascii", "utf-8-sig"}]
    declared, actual = declared.lower(), actual.lower()
    return declared == actual or any(declared in f and actual in f for f in families)


def main_text_benchmark(root: Path, timer: Timer, verbose: bool) -> dict | None:
    bench = root / "article-extraction-benchmark"
    truth_path = bench / "ground-truth.json"
    if not truth_path.exists():
        return None
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    ours: list[tuple[float, float, float]] = []
    for key, item in truth.items():
        body = gzip.decompress((bench / "html" / f"{key}.html.gz").read_bytes())
        facts = timer.read(body, "text/html; charset=utf-8", item.get("url") or "http://example.com/")
        ours.append(shingle_tp_fp_fn(item.get("articleBody", ""), facts.main_text))
        tp, fp, fn = ours[-1]
        if verbose and tp < 0.75:
            print(f"  main text {key[:10]} tp={tp:.2f} fp={fp:.2f} fn={fn:.2f} {item.get('url')}")
    per_page = {"refcheck": ours}
    for path in sorted((bench / "output").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        answers = data.get("output", data) if isinstance(data.get("output"), dict) else data
        per_page[path.stem] = [
            shingle_tp_fp_fn(item.get("articleBody", ""), answers.get(key, {}).get("articleBody", "") or "")
            for key, item in truth.items()
        ]
    results = {name: prf(scores) for name, scores in per_page.items()}
    differences = {name: paired_bootstrap_f1(ours, scores) for name, scores in per_page.items() if name != "refcheck"}
    return {"pages": len(truth), "results": results, "differences": differences}


def paired_bootstrap_f1(ours: list, theirs: list, rounds: int = 1000) -> tuple[float, float]:
    """Mean and 1.96·stdev of F1(ours) − F1(theirs) over page resamples, as evaluate.py --bootstrap-differences."""
    rng = random.Random(0)
    n = len(ours)
    diffs = []
    for _ in range(rounds):
        sample = [rng.randrange(n) for _ in range(n)]
        diffs.append(prf([ours[i] for i in sample])[2] - prf([theirs[i] for i in sample])[2])
    return statistics.mean(diffs), 1.96 * statistics.stdev(diffs)


# ---------------------------------------------------------------------------------------------------------------
# CPU per page, with and without the main text
# ---------------------------------------------------------------------------------------------------------------

SIMWEB_PAGES = 300  # the first pages of the fetch benchmark's plan (2,000 URLs, 50 hosts): 5% dead, 10% Japanese


def timing_pages(root: Path) -> dict[str, list[tuple[bytes, str | None, str]]]:
    """(body, content type, url) of every corpus page the sections above read, and of simweb's pages."""
    corpora: list[tuple[bytes, str | None, str]] = []
    for page in sorted((root / "readability" / "test-pages").glob("*/source.html")):
        corpora.append((page.read_bytes(), None, f"http://fakehost/test/{page.parent.name}"))
    manifest = root / "japanese-pages" / "manifest.jsonl"
    if manifest.exists():
        for line in manifest.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if not row["file"].endswith(".txt"):
                corpora.append(((manifest.parent / row["file"]).read_bytes(), None, row.get("url") or "http://example.jp/"))
    for path in sorted((root / "article-extraction-benchmark" / "html").glob("*.html.gz")):
        corpora.append((gzip.decompress(path.read_bytes()), "text/html; charset=utf-8", "http://example.com/"))
    simweb = []
    for page in plan_web(2000, 50)[:SIMWEB_PAGES]:
        body = render_not_found(page) if page.kind == "dead" else render_page(page)
        simweb.append((body, "text/html; charset=utf-8", page.url(8080)))
    return {"corpus pages": corpora, "simweb pages": simweb}


def _load_page_module(path: Path, name: str = "page_before"):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cpu_per_page(root: Path, rounds: int, before: Path | None) -> tuple[dict, int, int]:
    """Per-page CPU of each reader, interleaved page by page (machine noise hits all alike); and how many pages
    read with want_text=False differ from the full read in anything but the main text (should be 0)."""
    readers = {"want_text=True": read_page, "want_text=False": lambda *args: read_page(*args, want_text=False)}
    if before is not None:
        readers = {"before (want_text=True)": _load_page_module(before).read_page, **readers}
    seconds: dict[tuple[str, str], list[float]] = {}
    differ = checked = 0
    for round_number in range(rounds):
        for group, pages in timing_pages(root).items():
            for body, content_type, url in pages:
                facts = {}
                for name, reader in readers.items():
                    start = time.process_time()
                    facts[name] = reader(body, content_type, url)
                    seconds.setdefault((group, name), []).append(time.process_time() - start)
                if round_number == 0:
                    checked += 1
                    differ += facts["want_text=False"] != dataclasses.replace(facts["want_text=True"], main_text="")
    return seconds, differ, checked


# The child of `--before DIR`: reads pickled (body, content type, url) pages from stdin with that checkout's
# read_page, with and without the main text, and writes back each read's CPU seconds and PageFacts.
_CHILD = """
import pickle, sys, time
from refcheck.page import read_page
pages = pickle.load(sys.stdin.buffer)
out = []
for body, content_type, url in pages:
    row = []
    for want_text in (True, False):
        start = time.process_time()
        facts = read_page(body, content_type, url, want_text=want_text)
        row.append((time.process_time() - start, facts))
    out.append(row)
pickle.dump(out, sys.stdout.buffer)
"""


def _read_all(pages: list) -> list:
    out = []
    for body, content_type, url in pages:
        row = []
        for want_text in (True, False):
            start = time.process_time()
            facts = read_page(body, content_type, url, want_text=want_text)
            row.append((time.process_time() - start, facts))
        out.append(row)
    return out


def cpu_against_checkout(root: Path, rounds: int, checkout: Path) -> None:
    """This checkout's read_page against another checkout's, on the same pages: CPU per page and differing outputs.

    Each round reads every page in a child process running the other checkout (its refcheck first on sys.path),
    then in this process; the child's rounds and ours alternate, so a drift of the machine's speed hits both."""
    groups = timing_pages(root)
    env = {**os.environ, "PYTHONPATH": str(checkout.resolve())}
    seconds: dict[tuple[str, str], list[float]] = {}
    differ = {True: 0, False: 0}
    for round_number in range(rounds):
        for group, pages in groups.items():
            child = subprocess.run([sys.executable, "-c", _CHILD], input=pickle.dumps(pages), capture_output=True,
                                   env=env, check=True)
            before = pickle.loads(child.stdout)
            after = _read_all(pages)
            for old, new in zip(before, after):
                for index, want_text in enumerate((True, False)):
                    label = "want_text=True" if want_text else "want_text=False"
                    seconds.setdefault((group, f"before ({label})"), []).append(old[index][0])
                    seconds.setdefault((group, f"after ({label})"), []).append(new[index][0])
                    if round_number == 0:
                        differ[want_text] += old[index][1] != new[index][1]
    print(f"\n## CPU per page, this checkout against {checkout} (time.process_time, ms; {rounds} round(s), "
          "the two alternating round by round)")
    print("| pages | n | reader | mean | median | p95 | max |\n|---|---|---|---|---|---|---|")
    for (group, name), values in sorted(seconds.items()):
        print(_cpu_row(group, name, values, rounds))
    pages = sum(len(p) for p in groups.values())
    print(f"PageFacts differing between the two checkouts: {differ[True]} of {pages} pages read with the main text, "
          f"{differ[False]} of {pages} without")


def _cpu_row(group: str, name: str, seconds: list[float], rounds: int) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return (f"| {group} | {len(ms) // rounds} | {name} | {statistics.mean(ms):.2f} | {statistics.median(ms):.2f} "
            f"| {p95:.2f} | {ms[-1]:.1f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    parser.add_argument("--cpu-rounds", type=int, default=1, help="times every page is read for the CPU table (0: skip)")
    parser.add_argument("--before", type=Path, help="another page.py to time next to this one (full read only), or "
                        "another checkout's directory (its whole refcheck, in a child process; outputs compared)")
    args = parser.parse_args()
    if not args.corpora.is_dir():
        print(f"no corpora at {args.corpora}: nothing measured")
        return 0

    title_timer, main_timer = Timer(), Timer()
    readability = readability_titles(args.corpora, title_timer, args.verbose)
    japanese = japanese_pages(args.corpora, title_timer, args.verbose)
    main_text = main_text_benchmark(args.corpora, main_timer, args.verbose)

    print("\n## Titles (best title; 'affix' = equal after dropping a site piece)")
    print(f"{'corpus':<34}{'pages':>6}{'exact':>9}{'affix':>9}{'any cand.':>11}")
    if readability:
        n = readability["total"]
        print(f"{'readability/test-pages':<34}{n:>6}{_pct(readability['exact'], n):>9}{_pct(readability['affix'], n):>9}{_pct(readability['anywhere'], n):>11}")
    if japanese:
        n = japanese["title_total"]
        print(f"{'japanese-pages':<34}{n:>6}{_pct(japanese['title_exact'], n):>9}{_pct(japanese['title_affix'], n):>9}{_pct(japanese['title_anywhere'], n):>11}")
        c = japanese.get("title_curated_total", 0)
        print(f"{'  of which curated expected_title':<34}{c:>6}{'':>9}{_pct(japanese.get('title_curated_affix', 0), c):>9}")
        print("\n## Decoding (japanese-pages)")
        print(f"decoded exactly like the actual encoding: {japanese['decode_ok']}/{japanese['decode_total']} ({_pct(japanese['decode_ok'], japanese['decode_total'])})")
        print(f"  pages whose declared charset is wrong: {japanese['declared_wrong_ok']}/{japanese['declared_wrong']} decoded correctly")
        if japanese.get("date_total"):
            print(f"published date = expected date: {japanese['date_ok']}/{japanese['date_total']}")
    print(f"title pages timing: {title_timer.summary()}")
    if main_text:
        print(f"\n## Main text (article-extraction-benchmark, {main_text['pages']} pages, scored like its evaluate.py)")
        print(f"{'extractor':<20}{'F1':>8}{'precision':>11}{'recall':>9}")
        for name, (p, r, f) in sorted(main_text["results"].items(), key=lambda kv: -kv[1][2]):
            print(f"{name:<20}{f:>8.3f}{p:>11.3f}{r:>9.3f}")
        for name, (mean, interval) in sorted(main_text["differences"].items()):
            print(f"F1 refcheck - {name}: {mean:+.3f} ± {interval:.3f} (paired bootstrap, 95%)")
        print(f"refcheck read_page timing: {main_timer.summary()}")
    if readability and readability["text_prf"]:
        p, r, f = readability["text_prf"]
        print(f"\n## Main text vs Readability.js output (readability/test-pages, {readability['text_pages']} pages > 6 KB, not tuned on)")
        print(f"refcheck F1 {f:.3f}  precision {p:.3f}  recall {r:.3f}")
    if args.cpu_rounds > 0 and args.before is not None and args.before.is_dir():
        cpu_against_checkout(args.corpora, args.cpu_rounds, args.before)
    elif args.cpu_rounds > 0:
        seconds, differ, checked = cpu_per_page(args.corpora, args.cpu_rounds, args.before)
        print(f"\n## CPU per page (time.process_time, ms; {args.cpu_rounds} round(s), readers interleaved page by page)")
        print("| pages | n | reader | mean | median | p95 | max |\n|---|---|---|---|---|---|---|")
        for (group, name), values in seconds.items():
            print(_cpu_row(group, name, values, args.cpu_rounds))
        print(f"want_text=False differs from the full read (main text aside) on {differ} of {checked} pages")
    return 0


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


if __name__ == "__main__":
    sys.exit(main())
