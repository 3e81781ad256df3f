"""Time the fetcher alone against bench/simweb.py (2,000 URLs, 50 loopback hosts, 100 ms latency): wall, CPU, peak memory.

    .venv/bin/python bench/fetch_probe.py [--concurrency 64] [--workers N] [--no-page-reader] [--profile FILE]

A probe for tuning the network layer, not the benchmark of record (that is `make bench`, which also times lychee).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from simweb import plan_web  # noqa: E402

from refcheck.fetch import fetch_all  # noqa: E402
from refcheck.models import PageFacts  # noqa: E402
from refcheck.settings import FetchSettings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--workers", type=int, default=0, help="fetching processes (0: automatic, as the CLI)")
    parser.add_argument("--no-page-reader", action="store_true", help="measure fetching without page parsing")
    parser.add_argument("--profile", help="write a cProfile dump here")
    args = parser.parse_args()
    web = subprocess.Popen([sys.executable, str(HERE / "simweb.py"), "--urls", "2000", "--hosts", "50",
                            "--latency", "0.1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = json.loads(web.stdout.readline())["port"]
        urls = [page.url(port) for page in plan_web(2000, 50)]
        options = {"read_page": lambda body, ctype, url: PageFacts(content_type=ctype)} if args.no_page_reader else {}
        settings = FetchSettings(allow_private=True, max_concurrency=args.concurrency, per_host=args.per_host,
                                 workers=args.workers)
        profile = cProfile.Profile()
        # Worker processes are joined inside fetch_all, so RUSAGE_CHILDREN holds their CPU once it returns (the
        # simulated web, also a child, is waited for only later).
        before, started = _cpu(), time.perf_counter()
        if args.profile:
            profile.enable()
        run = fetch_all(urls, settings, **options)
        profile.disable()
        wall, cpu = time.perf_counter() - started, _cpu() - before
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        web.stdin.close()
        web.wait()
    if args.profile:
        profile.dump_stats(args.profile)
    floor = max(len(urls) / args.concurrency, 40 / args.per_host) * 0.1
    print(dict(Counter(str(result.status) for result in run.results.values())))
    print(f"wall {wall:.2f} s, cpu {cpu:.2f} s, peak rss {peak_mb:.0f} MB (this process), floor {floor:.2f} s")


def _cpu() -> float:
    """CPU seconds of this process and of its finished (waited-for) children, i.e. the fetch's worker processes."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
