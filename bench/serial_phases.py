"""Timestamps of `refcheck check`'s phases in one run: where its serial time goes (issue 19).

Run: python bench/serial_phases.py check DOC --allow-private --no-progress --no-archive --cache-dir DIR \
         --format json --output OUT --fail-on never
Prints `[phase] SECONDS pid=PID LABEL cpu=CPU` lines on stderr (seconds since the interpreter started, the process's
CPU seconds), for the stages of refcheck/pipeline.py, the fetch (fork of the worker processes, each fetch_share) and
the report, then each stage's total. What runs before the first fork and after the last fetch is one process's.
The stages are wrapped by patching the modules, so the run is otherwise the command's own.
"""
import functools
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
T0 = time.time()
try:
    T0 = float(open(f"/proc/{os.getpid()}/stat").read().split()[21]) / os.sysconf("SC_CLK_TCK") + \
        time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)
except Exception:
    pass
def stamp(label):
    print(f"[phase] {time.time() - T0:7.3f} pid={os.getpid()} {label} cpu={time.process_time():.2f}", file=sys.stderr, flush=True)
stamp("wrapper start")
def wrap(module, name, label=None, total=False):
    f = getattr(module, name)
    acc = {"t": 0.0, "n": 0}
    if total:
        @functools.wraps(f)
        def g(*a, **k):
            t = time.perf_counter(); r = f(*a, **k); acc["t"] += time.perf_counter() - t; acc["n"] += 1
            return r
        import atexit
        g._acc = acc
        TOTALS.append((label or name, acc))
    else:
        @functools.wraps(f)
        def g(*a, **k):
            stamp(f"{label or name} begin"); r = f(*a, **k); stamp(f"{label or name} end"); return r
    setattr(module, name, g)
TOTALS = []
import refcheck.cli as cli
stamp("cli imported")
import refcheck.pipeline as p
stamp("pipeline imported")
for n in ["extract_paths", "urls_to_fetch", "text_urls_needed", "_fetch", "_with_accepted", "_resolve", "local_results"]:
    wrap(p, n)
wrap(p, "_with_network_findings", total=True)
wrap(cli, "_emit")
import refcheck.fetch.client as c
stamp("client imported")
orig_ft = c.Fetcher._fetch_targets
async def ft(self, *a, **k):
    stamp("_fetch_targets begin"); r = await orig_ft(self, *a, **k); stamp("_fetch_targets end"); return r
c.Fetcher._fetch_targets = ft
orig_run = c.Fetcher.run
async def run_(self, *a, **k):
    stamp("Fetcher.run begin"); r = await orig_run(self, *a, **k); stamp("Fetcher.run end"); return r
c.Fetcher.run = run_
import refcheck.fetch.workers as w
orig_start = w._Worker.start.__func__
@classmethod
def start(cls, *a, **k):
    stamp("fork begin"); r = orig_start(cls, *a, **k); stamp("fork end"); return r
w._Worker.start = start
orig_fin = w._Worker.finish
async def fin(self, *a, **k):
    r = await orig_fin(self, *a, **k); stamp("worker finished"); return r
w._Worker.finish = fin
orig_fs = c.Fetcher.fetch_share
async def fs(self, *a, **k):
    stamp("fetch_share begin"); r = await orig_fs(self, *a, **k); stamp("fetch_share end"); return r
c.Fetcher.fetch_share = fs
sys.argv = ["refcheck", *sys.argv[1:]]
try:
    cli.main()
except SystemExit:
    pass
for label, acc in TOTALS:
    print(f"[phase] total {label}: {acc['t']:.3f} s over {acc['n']} calls", file=sys.stderr)
stamp("main returned")
os._exit(0)
