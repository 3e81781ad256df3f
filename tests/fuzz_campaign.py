"""`make fuzz`: the targets of tests/fuzzing.py with many more examples than the suite gives them, time-bounded.

FUZZ_SECONDS (default 300) is the whole campaign's time, shared evenly by the targets; FUZZ_SEED makes a run
repeatable. Each target runs batches of hypothesis examples until its share is spent, and stops at its first failure,
printed with hypothesis's minimal example and the traceback. Exit status 1 when any target failed.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from refcheck.models import Format
from tests import fuzzing

BATCH = 200


def _targets(directory) -> dict:
    documents = {
        str(fmt): (st.tuples(fuzzing.document_bytes(fmt, pieces=150), st.integers(0, 10**6)),
                   lambda args, fmt=fmt: fuzzing.check_document(fmt, *args))
        for fmt in (Format.TEXT, Format.MARKDOWN, Format.HTML, Format.WIKITEXT)
    }
    return {
        **documents,
        "cli": (st.tuples(st.one_of(*(fuzzing.document_bytes(f, pieces=60) for f in fuzzing.TEXT_FORMATS)),
                          st.sampled_from(fuzzing.CLI_SUFFIXES), st.sampled_from(fuzzing.CLI_FORMATS)),
                lambda args: fuzzing.check_cli(*args, directory)),
        "page": (st.tuples(fuzzing.page_bytes(), fuzzing.content_types), lambda args: fuzzing.check_page(*args)),
        "url": (st.tuples(fuzzing.url_text, st.sampled_from([fuzzing.BASE, "http://[::1]:8080/a/b?c#d", "https://例え.jp/"])),
                lambda args: fuzzing.check_url(*args)),
        "json-report": (st.tuples(fuzzing.json_values, st.lists(st.integers(0, 50), min_size=1, max_size=6)),
                        lambda args: fuzzing.check_report_json(args[0], tuple(args[1]))),
        "reporters": (st.tuples(fuzzing.nasty_text, fuzzing.nasty_text, fuzzing.nasty_text, fuzzing.url_text),
                      lambda args: fuzzing.check_report_strings(*args)),
    }


def run_target(name: str, strategy, check, seconds: float, base_seed: int) -> tuple[int, float, str | None]:
    count = 0
    started = time.monotonic()
    batch = 0
    while time.monotonic() - started < seconds:
        @seed(base_seed + batch)
        @settings(max_examples=BATCH, deadline=None, database=None, derandomize=False, report_multiple_bugs=False,
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def property_(args):
            nonlocal count
            count += 1
            check(args)

        batch += 1
        try:
            property_()
        except Exception:  # a crash or a broken invariant: hypothesis has shrunk it and printed the minimal example
            return count, time.monotonic() - started, traceback.format_exc()
    return count, time.monotonic() - started, None


def main() -> int:
    total = float(os.environ.get("FUZZ_SECONDS", "300"))
    base_seed = int(os.environ.get("FUZZ_SEED", str(int(time.time()))))
    directory = Path(tempfile.mkdtemp(prefix="refcheck-fuzz-"))
    targets = _targets(directory)
    share = total / len(targets)
    print(f"fuzz: {len(targets)} targets, {share:.0f} s each, seed {base_seed}", flush=True)
    failed = []
    for name, (strategy, check) in targets.items():
        examples, spent, failure = run_target(name, strategy, check, share, base_seed)
        print(f"{name:12} {examples:8d} examples  {spent:6.1f} s  {'FAILED' if failure else 'ok'}", flush=True)
        if failure:
            failed.append(name)
            print(failure, file=sys.stderr, flush=True)
    print("fuzz: " + (f"failures in {', '.join(failed)}" if failed else "no failure"), flush=True)
    shutil.rmtree(directory, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
