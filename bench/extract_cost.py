"""Extraction cost on the benchmark's link documents (issue 19 item 3), this checkout against an earlier commit.

The documents are bench/run.py's: W2 (20,000 links over 200 hosts) and W3 (100,000 over 500), one
`- [title](url)` line per link, as `bench/run.py` writes them (with its "# Sources" heading: every link is a
reference entry) and without it (a plain link list: every link's text is a sentence the claim scorer judges).

For each document and each code version, alternately (old, new, old, new: the VM's speed drifts), in fresh child
processes: the CPU of `refcheck.extract.extract(document)` alone (process time around the call, the document read
before it), and the `refcheck extract DOC --format json` command: wall, CPU (user + sys of the child, wait4) and
peak RSS. The JSON outputs of the two versions are compared byte for byte.

    .venv/bin/python bench/extract_cost.py --before 1880434               # W2 and W3, 2 rounds
    .venv/bin/python bench/extract_cost.py --before 1880434 --workloads W2 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from run import write_document  # noqa: E402  (bench/run.py: the benchmark's own document writer)
from simweb import plan_web  # noqa: E402

WORKLOADS = {"W2": (20_000, 200), "W3": (100_000, 500)}
PORT = 8123  # any port: nothing is fetched

_EXTRACT_ONLY = """
import sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from refcheck.documents import read_document
from refcheck.extract import extract
from refcheck.extract import claims, html, markdown, pills, text  # imported (regexes compiled) before the clock
document = read_document(Path(sys.argv[2]))
start = time.process_time()
extraction = extract(document)
print(time.process_time() - start, len(extraction.claims), sum(c.check_worthy for c in extraction.claims))
"""


def documents(work: Path, names: list[str]) -> list[Path]:
    paths = []
    for name in names:
        urls, hosts = WORKLOADS[name]
        with_heading = work / f"{name}-sources.md"
        write_document(plan_web(urls, hosts, seed=1), PORT, with_heading, "markdown")
        text = with_heading.read_text(encoding="utf-8")
        plain = work / f"{name}-plain.md"
        plain.write_text(text.removeprefix("# Sources\n\n"), encoding="utf-8")
        paths += [with_heading, plain]
    return paths


def code_at(commit: str, work: Path, parts: tuple[str, ...] = ("refcheck",)) -> Path:
    """`commit`'s refcheck package (and any other `parts` of the tree), unpacked (git archive) where a child can
    import it first."""
    target = work / f"code-{commit}"
    target.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, *parts], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def extraction_cpu(code: Path, document: Path) -> tuple[float, int, int]:
    out = subprocess.run([sys.executable, "-c", _EXTRACT_ONLY, str(code), str(document)], check=True,
                         capture_output=True, text=True, cwd=document.parent).stdout.split()
    return float(out[0]), int(out[1]), int(out[2])


def command(code: Path, document: Path, output: Path) -> tuple[float, float, float]:
    """`refcheck extract` in a child importing `code` first (run outside the checkout: `-m` puts the working
    directory first on the path): wall s, CPU s, peak MB."""
    env = {**os.environ, "PYTHONPATH": str(code), "NO_COLOR": "1"}
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "refcheck", "extract", str(document), "--format", "json",
                              "--output", str(output), "--fail-on", "never"], env=env, cwd=output.parent,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"refcheck extract failed on {document}: {child.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="the commit to compare with (e.g. 1880434)")
    parser.add_argument("--workloads", nargs="+", default=["W2", "W3"], choices=sorted(WORKLOADS))
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="refcheck-extract-cost-") as scratch:
        work = Path(scratch)
        versions = {"before": code_at(args.before, work), "after": ROOT}
        print(f"before = {args.before}, after = this checkout ({ROOT}); load average "
              f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}")
        rows = []
        for document in documents(work, args.workloads):
            figures: dict[str, dict[str, list[float]]] = {name: {"cpu": [], "wall": [], "cmd_cpu": [], "mb": []}
                                                          for name in versions}
            claims = {}
            for round_ in range(args.rounds):
                for name, code in versions.items():
                    cpu, kept, worthy = extraction_cpu(code, document)
                    wall, cmd_cpu, mb = command(code, document, work / f"{name}-{document.stem}.json")
                    claims[name] = (kept, worthy)
                    for key, value in (("cpu", cpu), ("wall", wall), ("cmd_cpu", cmd_cpu), ("mb", mb)):
                        figures[name][key].append(value)
            same = (work / f"before-{document.stem}.json").read_bytes() == (work / f"after-{document.stem}.json").read_bytes()
            rows.append((document.stem, figures, claims, same))
            print(f"{document.stem}: done ({'identical' if same else 'DIFFERENT'} JSON)", flush=True)
    print("\n| document | version | extraction CPU s | `refcheck extract` wall s | its CPU s | peak MB | claims kept (check-worthy) | JSON |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for stem, figures, claims, same in rows:
        for name in ("before", "after"):
            f = figures[name]
            cells = [" / ".join(f"{v:.2f}" for v in f["cpu"]), " / ".join(f"{v:.2f}" for v in f["wall"]),
                     " / ".join(f"{v:.2f}" for v in f["cmd_cpu"]), f"{max(f['mb']):.0f}"]
            print(f"| {stem} | {name} | {' | '.join(cells)} | {claims[name][0]:,} ({claims[name][1]:,}) | "
                  f"{'identical' if same else 'DIFFERENT'} |")
        before, after = figures["before"], figures["after"]
        print(f"|  | after / before (medians) | {statistics.median(after['cpu']) / statistics.median(before['cpu']):.2f} | "
              f"{statistics.median(after['wall']) / statistics.median(before['wall']):.2f} | "
              f"{statistics.median(after['cmd_cpu']) / statistics.median(before['cmd_cpu']):.2f} | | | |")
    return 0 if all(same for *_, same in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
