"""CPU per page of refcheck's page reader (refcheck/page.py:read_page), by want_text and want_anchors, and a check that
a change to the reader left every fact it returns as it was.

Run: .venv/bin/python bench/page_read_cost.py [--corpora DIR] [--rounds N] [--profile OUT.txt]
                                              [--snapshot FILE | --compare FILE]

Pages: bench/simweb.py's (the fetch benchmark's simulated web, built with its page builder), the tests' HTML
fixtures, and the real pages of ../shared/corpora (readability, japanese-pages, article-extraction-benchmark; a
corpus that is absent is skipped). `--snapshot FILE` writes every page's PageFacts (each want_text/want_anchors
combination) to FILE, a pickle that belongs outside the checkout; `--compare FILE` reads the pages again with this
checkout's reader and lists every page whose facts differ from the snapshot's. Take the snapshot before changing
page.py, compare after each change. `--profile OUT` runs cProfile over one round of reads and writes the top
functions by cumulative and own time. `--before OLD_PAGE_PY` times an earlier page.py (`git show REV:refcheck/page.py
> /tmp/page_before.py`) against this checkout's, interleaved page by page, reading as the fetcher does (no main text,
no anchors), with the corpus pages split by corpus. `--before DIR` (an earlier checkout's files: `git archive REV
refcheck | tar -x -C DIR`) takes DIR/refcheck's page.py and headline.py (the title the reader picks), for a change to
either.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pickle
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus_pages import DEFAULT_CORPORA, _load_page_module, timing_pages  # noqa: E402

from refcheck.page import read_page  # noqa: E402

MODES = ((False, False), (False, True), (True, False), (True, True))  # (want_text, want_anchors)


def all_pages(corpora: Path) -> dict[str, list[tuple[bytes, str | None, str]]]:
    groups = timing_pages(corpora)
    fixtures = [(path.read_bytes(), None, f"http://fixture.test/{path.name}")
                for path in sorted((ROOT / "tests").rglob("*.htm*")) if path.is_file()]
    return {**groups, "test fixtures": fixtures}


def _read(body: bytes, content_type: str | None, url: str, want_text: bool, want_anchors: bool):
    try:
        return read_page(body, content_type, url, want_text=want_text, want_anchors=want_anchors)
    except TypeError:  # a reader from before want_anchors: it always read them
        return read_page(body, content_type, url, want_text=want_text)


def facts_of(groups: dict) -> dict:
    return {(group, index, mode): _read(*page, *mode)
            for group, pages in groups.items() for index, page in enumerate(pages) for mode in MODES}


def compare(before: dict, after: dict) -> int:
    differ = 0
    for key, old in before.items():
        new = after.get(key)
        if new is None:
            continue
        want_anchors = key[2][1]
        if not want_anchors and old.anchors is not None:
            old = old.__class__(**{**old.__dict__, "anchors": None})  # a snapshot from before want_anchors
        if new != old:
            differ += 1
            fields = [name for name in old.__dataclass_fields__ if getattr(old, name) != getattr(new, name)]
            print(f"DIFFERS {key}: {fields}")
    print(f"{differ} of {len(before)} reads differ from the snapshot")
    return differ


def timing(groups: dict, rounds: int) -> None:
    seconds: dict[tuple[str, tuple[bool, bool]], list[float]] = {}
    for round_number in range(rounds):
        for group, pages in groups.items():
            for index, page in enumerate(pages):
                # Interleaved page by page (machine noise hits every mode alike), in a rotating order: a page's
                # first read pays for cold caches, which would otherwise always fall on the same mode.
                shift = (index + round_number) % len(MODES)
                for mode in MODES[shift:] + MODES[:shift]:
                    start = time.process_time()
                    _read(*page, *mode)
                    seconds.setdefault((group, mode), []).append(time.process_time() - start)
    print(f"## CPU per page (time.process_time, µs; {rounds} round(s))")
    print("| pages | n | want_text | want_anchors | mean | median |\n|---|---|---|---|---|---|")
    for (group, (want_text, want_anchors)), values in sorted(seconds.items()):
        us = [value * 1e6 for value in values]
        print(f"| {group} | {len(us) // rounds} | {want_text} | {want_anchors} | {statistics.mean(us):.0f} "
              f"| {statistics.median(us):.0f} |")


def _corpus_of(page: tuple[bytes, str | None, str]) -> str:
    """Which corpus a page of timing_pages' "corpus pages" comes from (told by the URL it is given there)."""
    _, content_type, url = page
    if url.startswith("http://fakehost/test/"):
        return "readability"
    return "article-extraction-benchmark" if url == "http://example.com/" and content_type else "japanese-pages"


def by_corpus(groups: dict) -> dict:
    split = {group: pages for group, pages in groups.items() if group != "corpus pages"}
    for page in groups.get("corpus pages", ()):
        split.setdefault(f"corpus: {_corpus_of(page)}", []).append(page)
    if "corpus pages" in groups:
        split["corpus pages (all)"] = groups["corpus pages"]
    return split


def before_after(groups: dict, before_path: Path, rounds: int) -> None:
    """CPU per page of an earlier reader and of this checkout's, read as the fetcher reads (want_text=False,
    want_anchors=False), alternating which goes first page by page."""
    readers = {"before": _earlier_reader(before_path), "after": read_page}
    seconds: dict[tuple[str, str], list[float]] = {}
    for round_number in range(rounds):
        for group, pages in groups.items():
            for index, page in enumerate(pages):
                order = ("before", "after") if (index + round_number) % 2 == 0 else ("after", "before")
                for name in order:
                    start = time.process_time()
                    readers[name](*page, want_text=False, want_anchors=False)
                    seconds.setdefault((group, name), []).append(time.process_time() - start)
    print(f"## CPU per page, before ({before_path}) and after (this checkout), µs; {rounds} round(s)")
    print("| pages | n | before median | after median | before mean | after mean |\n|---|---|---|---|---|---|")
    for group, pages in groups.items():
        old, new = ([value * 1e6 for value in seconds[(group, name)]] for name in ("before", "after"))
        print(f"| {group} | {len(pages)} | {statistics.median(old):.0f} | {statistics.median(new):.0f} "
              f"| {statistics.mean(old):.0f} | {statistics.mean(new):.0f} |")


def _earlier_reader(before: Path):
    """read_page of an earlier page.py, or of an earlier checkout's page.py with that checkout's headline.py."""
    if not before.is_dir():
        return _load_page_module(before).read_page
    page = _load_page_module(before / "refcheck" / "page.py")
    page.reader_title = _load_page_module(before / "refcheck" / "headline.py", "headline_before").reader_title
    return page.read_page


def profile(groups: dict, out: Path, modes: tuple = ((False, False),)) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for pages in groups.values():
        for page in pages:
            for mode in modes:
                _read(*page, *mode)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(40)
    out.write_text(text.getvalue(), encoding="utf-8")
    print(f"profile written to {out}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=("simweb pages", "corpus pages", "test fixtures"))
    parser.add_argument("--profile", type=Path, help="write a cProfile summary of one round (want_text=False)")
    parser.add_argument("--snapshot", type=Path, help="write every page's facts to this file (outside the checkout)")
    parser.add_argument("--compare", type=Path, help="compare every page's facts with this snapshot")
    parser.add_argument("--before", type=Path,
                        help="time this earlier page.py (or checkout's page.py and headline.py) against this checkout's")
    args = parser.parse_args()
    groups = all_pages(args.corpora)
    if args.only:
        groups = {args.only: groups[args.only]}
    print("pages: " + ", ".join(f"{group} {len(pages)}" for group, pages in groups.items()))
    if args.snapshot:
        args.snapshot.write_bytes(pickle.dumps(facts_of(groups)))
        print(f"snapshot written to {args.snapshot}")
        return 0
    if args.compare:
        return 1 if compare(pickle.loads(args.compare.read_bytes()), facts_of(groups)) else 0
    if args.profile:
        profile(groups, args.profile)
        return 0
    if args.before:
        before_after(by_corpus(groups), args.before, args.rounds)
        return 0
    timing(groups, args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
