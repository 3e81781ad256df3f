"""Time the fetcher alone against bench/simweb.py (2,000 URLs, 50 loopback hosts, 100 ms latency): wall, CPU, peak memory.

    .venv/bin/python bench/fetch_probe.py [--concurrency 64] [--no-page-reader] [--profile FILE]

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
    parser.add_argument("--no-page-reader", action="store_true", help="measure fetching without page parsing")
    parser.add_argument("--profile", help="write a cProfile dump here")
    args = parser.parse_args()
    web = subprocess.Popen([sys.executable, str(HERE / "simweb.py"), "--urls", "2000", "--hosts", "50",
                            "--latency", "0.1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = json.loads(web.stdout.readline())["port"]
        urls = [page.url(port) for page in plan_web(2000, 50)]
        options = {"read_page": lambda body, ctype, url: PageFacts(content_type=ctype)} if args.no_page_reader else {}
        settings = FetchSettings(allow_private=True, max_concurrency=args.concurrency, per_host=args.per_host)
        profile = cProfile.Profile()
        before, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        if args.profile:
            profile.enable()
        run = fetch_all(urls, settings, **options)
        profile.disable()
        wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF)
    finally:
        web.stdin.close()
        web.wait()
    if args.profile:
        profile.dump_stats(args.profile)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    floor = max(len(urls) / args.concurrency, 40 / args.per_host) * 0.1
    print(dict(Counter(str(result.status) for result in run.results.values())))
    print(f"wall {wall:.2f} s, cpu {cpu:.2f} s, peak rss {after.ru_maxrss / 1024:.0f} MB, floor {floor:.2f} s")


if __name__ == "__main__":
    main()
