"""CPU before the first request of `refcheck check` on a benchmark document, stage by stage (issue 19).

Each stage as `check` runs it, without the network: reading and extracting the document with its offline rules,
choosing the URLs to fetch, the cache step's preparation of each (`answer_from_cache` with a cold cache), the
fetcher's routing (remap, the standard's form, httpx's check), the worker count and the split by host. One child
process per version and round, alternately (before, after, before, after); peak RSS of each child.

    .venv/bin/python bench/prefetch_cost.py --before 1880434 --workload W3
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from extract_cost import ROOT, WORKLOADS, code_at, documents  # noqa: E402

_STAGES = """
import resource, sys, time
sys.path.insert(0, sys.argv[1])
from refcheck import pipeline
from refcheck.settings import Settings
from refcheck.fetch.run import InvalidTarget, prepared_form
from refcheck.fetch.client import Fetcher
from refcheck.fetch.workers import split_by_host, worker_count

settings = Settings()
clock = time.process_time
t = [clock()]
report = pipeline.extract_paths([sys.argv[2]], settings); t.append(clock())
urls = pipeline.urls_to_fetch(report.documents, settings); t.append(clock())
for url in urls:
    try:
        prepared_form(url)
    except InvalidTarget:
        pass
t.append(clock())
fetcher = Fetcher(settings.fetch)
by_target = {}
for url in urls:
    immediate, target = fetcher._route(url)
    if immediate is None:
        by_target.setdefault(target, []).append(url)
t.append(clock())
worker_count(fetcher, list(by_target)); t.append(clock())
split_by_host(list(by_target), 2); t.append(clock())
print(" ".join(f"{b - a:.2f}" for a, b in zip(t, t[1:])), f"{t[-1] - t[0]:.2f}",
      f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
"""
STAGES = ("extract + offline rules", "URLs to fetch", "cache step's prepare", "fetcher's route (prepare)",
          "worker count", "split by host", "total", "peak MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True)
    parser.add_argument("--workload", default="W3", choices=sorted(WORKLOADS))
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="refcheck-prefetch-cost-") as scratch:
        work = Path(scratch)
        versions = {"before": code_at(args.before, work), "after": ROOT}
        document = documents(work, [args.workload])[0]  # with "# Sources", as bench/run.py writes it
        print(f"{document.name}; before = {args.before}; load average {os.getloadavg()[0]:.2f}")
        print("| version | " + " | ".join(STAGES) + " |")
        print("|---|" + "---:|" * len(STAGES))
        for _ in range(args.rounds):
            for name, code in versions.items():
                out = subprocess.run([sys.executable, "-c", _STAGES, str(code), str(document)], check=True,
                                     capture_output=True, text=True, cwd=work).stdout.split()
                print(f"| {name} | " + " | ".join(out) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
