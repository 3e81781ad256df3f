"""The archive step's cost when the archive cannot help: refcheck check on ~2,000 links (~100 dead) to the simulated
web, with the availability API unreachable (a refused loopback port; an unresolvable `.invalid` name), slow (a local
server that answers "no snapshot" after a delay), or hanging (answers after longer than the lookup timeout),
against --no-archive. All on 127.0.0.0/8 (the `.invalid` name fails in the resolver; nothing is sent anywhere).

Run: .venv/bin/python bench/archive_step.py [--urls 2000] [--slow 2.0] [--hang 60] [--checkout OTHER_TREE]

Each variant is a fresh cache (cold fetch), then, for the unreachable ones, a rerun on that cache (the outage is
remembered, so the rerun asks nothing). `--checkout DIR` also times another source tree of refcheck (e.g. the
commit before the bounded step) with the same commands, as "before".
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from run import SimWebProcess, measure, write_document  # noqa: E402
from simweb import plan_web  # noqa: E402

NO_SNAPSHOT = json.dumps({"archived_snapshots": {}}).encode()


class SlowArchive:
    """A loopback availability API that answers "no snapshot" after `delay` seconds; counts what it was asked."""

    def __init__(self, delay: float):
        outer = self
        self.delay = delay
        self.requests = 0
        self.in_flight = self.most_in_flight = 0
        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                with outer._lock:
                    outer.requests += 1
                    outer.in_flight += 1
                    outer.most_in_flight = max(outer.most_in_flight, outer.in_flight)
                try:
                    time.sleep(outer.delay)
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(NO_SNAPSHOT)))
                    self.end_headers()
                    self.wfile.write(NO_SNAPSHOT)
                except OSError:
                    pass
                finally:
                    with outer._lock:
                        outer.in_flight -= 1

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/wayback/available"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def command(python: str, document: Path, cache: Path, report: Path, archive: list[str]) -> list[str]:
    return [python, "-m", "refcheck", "check", str(document), "--allow-private", "--no-progress",
            "--cache-dir", str(cache), "--format", "json", "--output", str(report), "--fail-on", "never", *archive]


def archive_summary(report: Path) -> str:
    try:
        payload = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "no report"
    dead = [entry for entry in payload["urls"] if entry["status"] in ("dead", "soft-404")]
    notices = [notice for notice in payload.get("notices", []) if notice.startswith("archive")]
    return f"{len(dead)} dead; " + (" | ".join(notices) if notices else "no archive notice")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--dead", type=float, default=0.05)
    parser.add_argument("--slow", type=float, default=2.0, help="seconds the slow archive takes per answer")
    parser.add_argument("--hang", type=float, default=60.0, help="seconds the hanging archive takes per answer")
    parser.add_argument("--checkout", help="another refcheck source tree to time too, as 'before' (put first on "
                                           "PYTHONPATH; e.g. `git archive <commit> | tar -x -C DIR`)")
    parser.add_argument("--only", nargs="*", help="variant labels to run (default: all)")
    args = parser.parse_args()

    trees = {"after": str(ROOT)}
    if args.checkout:
        trees["before"] = str(Path(args.checkout).resolve())
    pages = plan_web(args.urls, args.hosts, dead_share=args.dead)
    work = Path(tempfile.mkdtemp(prefix="refcheck-archive-bench-"))
    log = work / "children.log"
    slow, hang = SlowArchive(args.slow), SlowArchive(args.hang)
    refused = f"http://127.0.0.1:{closed_port()}/wayback/available"
    variants = {
        "--no-archive": ["--no-archive"],
        "refused port": ["--archive-endpoint", refused],
        "unresolvable name": ["--archive-endpoint", "https://web.archive.invalid/wayback/available"],
        f"slow ({args.slow:g} s per answer)": ["--archive-endpoint", slow.url],
        f"hanging ({args.hang:g} s per answer)": ["--archive-endpoint", hang.url],
    }
    rows = []
    try:
        with SimWebProcess(urls=args.urls, hosts=args.hosts, latency=args.latency, seed=1, dead=args.dead,
                           redirects=0.02, lifetime=1800) as web:
            document = work / "links.md"
            write_document(pages, web.port, document, "markdown")
            print(f"{len(pages)} links, {sum(p.kind == 'dead' for p in pages)} dead; simweb port {web.port}")
            for version, tree in trees.items():
                os.environ["PYTHONPATH"] = tree
                for label, extra in variants.items():
                    if args.only and not any(part in label for part in args.only):
                        continue
                    cache = work / f"cache-{version}-{len(rows)}"
                    phases = ["cold"] + (["rerun"] if label in ("refused port", "unresolvable name") else [])
                    for phase in phases:
                        report = work / f"{version}-{len(rows)}-{phase}.json"
                        asked_before = (slow.requests, hang.requests)
                        os.environ.pop("REFCHECK_ARCHIVE_ENDPOINT", None)
                        measured = measure(f"{version} {label} {phase}",
                                           command(sys.executable, document, cache, report, extra), Path(tree), web, log)
                        asked = (slow.requests - asked_before[0]) + (hang.requests - asked_before[1])
                        rows.append((version, label, phase, measured.wall, measured.returncode, asked,
                                     archive_summary(report)))
                        print(f"{version:6} {label:28} {phase:5} {measured.wall:7.2f} s  exit {measured.returncode}"
                              f"  archive asked {asked}  {rows[-1][-1]}", flush=True)
    finally:
        slow.close()
        hang.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
