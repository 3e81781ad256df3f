"""Peak memory and time of refcheck on big conversation exports (text-copy format, bench/big_export.py):
`extract --format json` and `check --offline --format json` (stdout to /dev/null) at several sizes, so that both
the peak and the growth with size can be read. Each command runs once, in its own process; peak RSS and CPU come
from wait4() (ru_maxrss, user+sys), wall time from the clock.

Run: .venv/bin/python bench/memory.py [--sizes 12 25 50] [--checkout OTHER_TREE] [--work /tmp/refcheck-memory]

`--checkout DIR` also measures another source tree of refcheck (e.g. `git archive <commit> | tar -x -C DIR`), put
first on PYTHONPATH, as "before". Needs ../shared/samples (the export the big ones are made from).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from big_export import SAMPLE, write_export  # noqa: E402


def run_once(tree: Path, args: list[str]) -> tuple[float, float, float, int]:
    """(wall s, CPU s, peak RSS MB, exit code) of `python -m refcheck ARGS` from `tree`, stdout discarded."""
    env = {**os.environ, "PYTHONPATH": str(tree), "NO_COLOR": "1"}
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "refcheck", *args], cwd=tree, env=env,
                                   stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[12, 25, 50], help="export sizes in MB")
    parser.add_argument("--checkout", type=Path, help="another refcheck source tree, measured as 'before'")
    parser.add_argument("--work", type=Path, help="where the exports are made (kept); default: a temporary folder")
    parser.add_argument("--commands", nargs="+", default=["extract", "check"], choices=["extract", "check"])
    args = parser.parse_args()
    if not SAMPLE.is_file():
        print(f"no sample at {SAMPLE} (needs ../shared/samples)", file=sys.stderr)
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="refcheck-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    trees = {"after": ROOT, **({"before": args.checkout.resolve()} if args.checkout else {})}
    print(f"{'tree':6} {'command':16} {'MB in':>6} {'wall s':>7} {'CPU s':>6} {'peak MB':>8} {'CPU s/MB':>8}  exit")
    try:
        for size in args.sizes:
            export = work / f"export-{size:g}mb.txt"
            if not export.exists():
                write_export(export, size)
            megabytes = export.stat().st_size / 1024 / 1024
            for name, tree in trees.items():
                for command in args.commands:
                    cache = work / f"cache-{name}-{size:g}"
                    shutil.rmtree(cache, ignore_errors=True)
                    extra = (["extract", str(export)] if command == "extract" else
                             ["check", str(export), "--offline", "--no-progress", "--cache-dir", str(cache)])
                    wall, cpu, peak, code = run_once(tree, [*extra, "--format", "json", "--fail-on", "never"])
                    label = "extract" if command == "extract" else "check --offline"
                    print(f"{name:6} {label:16} {megabytes:6.1f} {wall:7.1f} {cpu:6.1f} {peak:8.0f} "
                          f"{cpu / megabytes:8.3f}  {code}", flush=True)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
