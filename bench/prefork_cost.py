"""CPU seconds `refcheck check` spends before its first request, this checkout against an earlier commit (issue 19).

For each document and version, alternately (before, after, before, after: the VM's speed drifts), a fresh
`bench/serial_phases.py check DOC …` of that version's tree (its own serial_phases.py, so the stamps are the same)
runs until the fetch forks its first worker; the process is stopped there (nothing is fetched: the documents'
URLs point at a closed loopback port). From its `[phase]` stamps (process CPU seconds at each): the extraction
(`extract_paths`, offline rules and the memo store included) and everything before the fork (imports, extraction,
URL selection, the fetcher's routing), whose CPU adds straight to the run's wall time.

    .venv/bin/python bench/prefork_cost.py --before 4582ecb DOC...   # e.g. bench/extract_cost.py's W2/W3 documents
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from extract_cost import code_at  # noqa: E402  (git archive of a commit's tree)

_STAMP = re.compile(r"\[phase\]\s+([0-9.]+) pid=(\d+) (.*) cpu=([0-9.]+)")


def until_fork(tree: Path, document: Path, work: Path) -> tuple[dict[str, float], dict[str, float]]:
    """The CPU and the wall stamps of one run of `tree`'s check on `document`, up to the first fork of a fetch
    worker (wall: seconds since the interpreter started; work moved to another process shows only there)."""
    cache = work / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    command = [sys.executable, str(tree / "bench" / "serial_phases.py"), "check", str(document), "--allow-private",
               "--no-progress", "--no-archive", "--cache-dir", str(cache), "--format", "json", "--output",
               str(work / "out.json"), "--fail-on", "never"]
    # TMPDIR: the scratch directory, so what a killed run leaves (the offline rules' file) goes with it
    child = subprocess.Popen(command, env={**os.environ, "PYTHONPATH": str(tree), "TMPDIR": str(work)},
                             stderr=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, text=True, start_new_session=True)
    stamps: dict[str, float] = {}
    walls: dict[str, float] = {}
    try:
        for line in child.stderr:
            match = _STAMP.search(line)
            if match and int(match.group(2)) == child.pid:
                stamps.setdefault(match.group(3), float(match.group(4)))
                walls.setdefault(match.group(3), float(match.group(1)))
                if match.group(3) in ("fork end", "fetch_share begin", "Fetcher.run end"):
                    break
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    return stamps, walls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("documents", nargs="+", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="refcheck-prefork-") as scratch:
        work = Path(scratch)
        trees = {"before": code_at(args.before, work, ("refcheck", "bench")), "after": ROOT}
        print(f"before = {args.before}, after = this checkout; load average "
              f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}")
        print("\n| document | version | extraction CPU s (runs) | median | before the first fork CPU s (runs) | median "
              "| to the first fork's end, wall s (runs) | median |")
        print("|---|---|---|---:|---|---:|---|---:|")
        for document in args.documents:
            figures = {name: {"extract": [], "serial": [], "wall": []} for name in trees}
            for _ in range(args.rounds):
                for name, tree in trees.items():
                    stamps, walls = until_fork(tree, document.resolve(), work)
                    figures[name]["extract"].append(stamps["extract_paths end"] - stamps["extract_paths begin"])
                    figures[name]["serial"].append(stamps.get("fork begin", stamps.get("fetch_share begin", 0.0)))
                    # wall at the fork's end: waiting for anything before the fork (pipeline.OfflineRules) counts
                    figures[name]["wall"].append(walls.get("fork end", walls.get("fetch_share begin", 0.0)))
            for name in trees:
                cells = []
                for key in ("extract", "serial", "wall"):
                    values = figures[name][key]
                    cells += [" / ".join(f"{v:.2f}" for v in values), f"{statistics.median(values):.2f}"]
                print(f"| {document.name} | {name} | {' | '.join(cells)} |", flush=True)
            ratios = [statistics.median(figures["after"][key]) / statistics.median(figures["before"][key])
                      for key in ("extract", "serial", "wall")]
            print(f"| {document.name} | after / before | | {ratios[0]:.2f} | | {ratios[1]:.2f} | | {ratios[2]:.2f} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
