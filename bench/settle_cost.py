"""CPU per URL of what happens to a page after it is fetched and read: the page rules' verdicts (`page_verdicts`,
the digest each fetching process works out), the soft-404 judgement (`Fetcher._judge_soft_404`, with the host's
probe already answered), and the trip of a result and its digest from a worker process to the parent (pickle,
unpickle, settle).

Run (one measurement per process, so that every memo starts empty as in a real run; `PYTHONPATH` picks the tree):
    PYTHONPATH=TREE .venv/bin/python bench/settle_cost.py CACHE_DIR DOCUMENT [--part verdicts|soft404|pipe]
                                                          [--snapshot FILE | --compare FILE]

CACHE_DIR: a kept run's cache (`bench/run.py --keep DIR` leaves DIR/W2/cache-1), copied first, as it is opened;
DOCUMENT: that run's document (DIR/W2/links.md). Every stored result is judged as if freshly fetched. `--snapshot`
writes every result's verdicts and soft-404 judgement (a pickle); `--compare` lists those that differ from it.
Before/after: run it alternately with the two trees' PYTHONPATH and take the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import pickle
import sys
import time
import urllib.parse
from pathlib import Path

from refcheck.settings import Settings
from refcheck.fetch.cache import FetchCache
from refcheck.fetch.client import Fetcher, _Outcome
from refcheck.fetch import soft404
from refcheck.pipeline import extract_paths
from refcheck.rules.page_checks import cited_pages, page_verdicts

BATCH = 200  # results per message: about what a worker settles in its 0.2 s between sends


def load(cache_dir: str, document: str):
    cache = FetchCache(Path(cache_dir))
    urls = [row[0] for row in cache._conn.execute("SELECT fetched_url FROM results")]
    results = [dataclasses.replace(entry.result, from_cache=False) for entry in cache.lookup_many(urls).values()]
    cache.close()
    extracted = extract_paths([document], Settings())
    return results, cited_pages(d.extraction for d in extracted.documents)


def verdicts(results, cited) -> tuple[float, list]:
    started = time.process_time()
    found = [page_verdicts(result, cited) for result in results]
    return time.process_time() - started, found


def _honest_probe(origin: str) -> asyncio.Future:
    future = asyncio.get_event_loop_policy().get_event_loop().create_future()
    future.set_result(soft404.HostFingerprint(origin, "dead", 404, None, "", None))
    return future


def _run_through(coroutine):
    """A coroutine that never has to wait (the probe is answered): run to its end without an event loop's turns."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    raise RuntimeError("the judgement waited for something: the probe was not answered")


def judgements(results) -> tuple[float, list]:
    fetcher = Fetcher(Settings().fetch)
    for result in results:
        origin = soft404.origin_of(result.fetched_url or result.url)
        fetcher._probes.setdefault(origin, _honest_probe(origin))
    outcomes = [_Outcome(result) for result in results]
    _clear_memos()
    started = time.process_time()
    found = [_run_through(fetcher._judge_soft_404(outcome)).result for outcome in outcomes]
    return time.process_time() - started, [(r.status, r.reason) for r in found]


def _clear_memos() -> None:
    """The probes' set-up above split every URL (before origin_of's plain path): forget urllib's memo of that."""
    clear = getattr(urllib.parse.urlsplit, "cache_clear", None)
    if clear is not None:
        clear()


def pipe(results, cited) -> dict:
    digests = [(result, page_verdicts(result, cited)) for result in results]
    batches = [digests[start:start + BATCH] for start in range(0, len(digests), BATCH)]
    started = time.process_time()
    sent = [pickle.dumps(("results", batch), protocol=pickle.HIGHEST_PROTOCOL) for batch in batches]
    dumped = time.process_time() - started
    started = time.process_time()
    received = [pickle.loads(message) for message in sent]
    loaded = time.process_time() - started
    assert [pair for _, batch in received for pair in batch] == digests
    return {"bytes": sum(map(len, sent)) / len(results), "dumps_us": dumped / len(results) * 1e6,
            "loads_us": loaded / len(results) * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cache_dir")
    parser.add_argument("document")
    parser.add_argument("--part", choices=("verdicts", "soft404", "pipe"), default="verdicts")
    parser.add_argument("--snapshot")
    parser.add_argument("--compare")
    args = parser.parse_args()
    gc.set_threshold(50_000, 20, 20)  # as refcheck's command line sets it (cli.main)
    results, cited = load(args.cache_dir, args.document)
    if args.part == "pipe":
        print({key: round(value, 2) for key, value in pipe(results, cited).items()})
        return
    if args.part == "verdicts":
        seconds, found = verdicts(results, cited)
    else:
        seconds, found = judgements(results)
    print(f"{args.part}: {seconds / len(results) * 1e6:.2f} µs per URL ({len(results)} results)")
    if args.snapshot:
        Path(args.snapshot).write_bytes(pickle.dumps(found))
    if args.compare:
        before = pickle.loads(Path(args.compare).read_bytes())
        differ = [index for index, (old, new) in enumerate(zip(before, found)) if old != new]
        print(f"{len(differ)} of {len(found)} differ from {args.compare}" + (f": first {differ[:5]}" if differ else ""))
        sys.exit(1 if differ or len(before) != len(found) else 0)


if __name__ == "__main__":
    main()
