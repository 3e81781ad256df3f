"""Whether two versions of refcheck give the same `refcheck check --format json` report on the bench's link documents.

The simulated web (bench/simweb.py, loopback only) serves a workload's pages; its documents (one `- [title](url)`
line per link, and `- <url>` with --link-style bare, as bench/run.py writes them) are checked once by each version
with a fresh cache, and the reports compared byte for byte once each URL's `elapsed` (the fetch's own timing) is
set aside.

    .venv/bin/python bench/check_identical.py --before 4582ecb              # W1: 2,000 links over 50 hosts
    .venv/bin/python bench/check_identical.py --before 4582ecb --urls 20000 --hosts 200
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from run import SimWebProcess, write_document  # noqa: E402
from simweb import plan_web  # noqa: E402
from extract_cost import code_at  # noqa: E402

_TIMING = re.compile(r'^\s*"elapsed": [^\n]*\n', re.MULTILINE)  # the one field that times the run


def check(code: Path, document: Path, work: Path, name: str) -> str:
    output = work / f"{name}.json"
    subprocess.run([sys.executable, "-m", "refcheck", "check", str(document), "--allow-private", "--no-progress",
                    "--no-archive", "--cache-dir", str(work / f"cache-{name}"), "--format", "json", "--output",
                    str(output), "--fail-on", "never"], env={**os.environ, "PYTHONPATH": str(code)}, cwd=work,
                   check=True, stdout=subprocess.DEVNULL)
    return _TIMING.sub("", output.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True)
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=50)
    args = parser.parse_args(argv)
    different = 0
    with tempfile.TemporaryDirectory(prefix="refcheck-check-identical-") as scratch:
        work = Path(scratch)
        versions = {"before": code_at(args.before, work), "after": ROOT}
        with SimWebProcess(urls=args.urls, hosts=args.hosts, latency=0.005, seed=1, dead=0.05, redirects=0.02,
                           lifetime=1800) as web:
            pages = plan_web(args.urls, args.hosts, seed=1, dead_share=0.05, redirect_share=0.02)
            for style in ("markdown", "bare"):
                document = work / f"links-{style}.md"
                write_document(pages, web.port, document, style)
                reports = {name: check(code, document, work, f"{name}-{style}") for name, code in versions.items()}
                same = reports["before"] == reports["after"]
                different += not same
                print(f"{document.name}: {args.urls} links, reports {'identical' if same else 'DIFFERENT'} "
                      f"({len(reports['after']):,} bytes without `elapsed`)", flush=True)
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
