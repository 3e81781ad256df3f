"""CPU of the work around fetching at W2 scale (issue 19): extraction, the offline rules, the network rules
(`pipeline._with_network_findings`) and the JSON report, each timed alone, with no network.

The inputs are W2-like: bench/run.py's document (20,000 `- [title](url)` lines under "# Sources", 200 hosts), and
one FetchResult per URL as the simulated web would give it (bench/simweb.py's pages read by refcheck.page.read_page;
dead pages 404, redirected ones with their final URL). Reading 19,600 pages takes a while, so the results are
built once and kept in a pickle under the temporary directory (`--rebuild` makes them again).

    .venv/bin/python bench/findings_cost.py                 # times each part (process CPU, best of --rounds)
    .venv/bin/python bench/findings_cost.py --profile findings   # cProfile of one part: extract|offline|findings|json
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pickle
import pstats
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from run import write_document  # noqa: E402
from simweb import plan_web, render_page  # noqa: E402

from refcheck.documents import read_document  # noqa: E402
from refcheck.extract import extract, without_prose  # noqa: E402
from refcheck.models import DocumentReport, FetchResult, Redirect, Report, UrlStatus  # noqa: E402
from refcheck.page import read_page  # noqa: E402
from refcheck.pipeline import _finish, _with_network_findings  # noqa: E402
from refcheck.report import json as json_report  # noqa: E402
from refcheck.rules.claims import uncited_claim_findings  # noqa: E402
from refcheck.rules.conversations import conversation_findings  # noqa: E402
from refcheck.rules.references import reference_findings  # noqa: E402
from refcheck.settings import Settings  # noqa: E402

PORT = 8123  # nothing listens: the pages are rendered and read in-process


def build_results(pages, port: int) -> dict[str, FetchResult]:
    results = {}
    for page in pages:
        url = page.url(port)
        if page.kind == "dead":
            results[url] = FetchResult(url, UrlStatus.DEAD, http_status=404, reason="HTTP 404", elapsed=0.05)
            continue
        final = f"http://{page.host}:{port}{page.redirect_target}" if page.kind == "redirect" else url
        body = render_page(page, path=page.redirect_target) if page.kind == "redirect" else render_page(page)
        facts = read_page(body, "text/html; charset=utf-8", final, want_text=False)
        redirects = (Redirect(url, 301),) if page.kind == "redirect" else ()
        results[url] = FetchResult(url, UrlStatus.OK, http_status=200, final_url=final, redirects=redirects,
                                   page=facts, elapsed=0.05)
    return results


def inputs(urls: int, hosts: int, rebuild: bool):
    work = Path(tempfile.gettempdir()) / f"refcheck-findings-cost-{urls}-{hosts}"
    work.mkdir(exist_ok=True)
    pages = plan_web(urls, hosts, seed=1)
    document_path = work / "links.md"
    write_document(pages, PORT, document_path, "markdown")
    stored = work / "results.pickle"
    if rebuild or not stored.exists():
        print(f"reading {len(pages)} simulated pages once (kept in {stored})", file=sys.stderr)
        stored.write_bytes(pickle.dumps(build_results(pages, PORT)))
    return document_path, pickle.loads(stored.read_bytes())


def timed(function, *args):
    start = time.process_time()
    value = function(*args)
    return time.process_time() - start, value


def parts(document_path: Path, results, settings: Settings):
    """Each part as a function of the previous part's output, in pipeline order."""
    document = read_document(document_path)

    def extraction_part():
        return without_prose(extract(document))

    def offline_part(extraction):
        findings = reference_findings(extraction) + uncited_claim_findings(
            extraction.claims, claims_from=settings.claims_from) + conversation_findings(extraction)
        return DocumentReport(document, extraction, _finish(findings, extraction, settings, None, document))

    def findings_part(report):
        return _with_network_findings(report, results, settings, {}, ())

    def json_part(report):
        whole = Report(command="check", documents=(report,), urls=tuple(results.values()))
        sink = io.StringIO()
        json_report.write(whole, sink)
        return sink.getvalue()

    return {"extract": extraction_part, "offline": offline_part, "findings": findings_part, "json": json_part}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=20_000)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="times each part runs; the best is reported")
    parser.add_argument("--profile", choices=("extract", "offline", "findings", "json"),
                        help="run that part once under cProfile and print its hot spots")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--rebuild", action="store_true", help="read the simulated pages again")
    parser.add_argument("--output", help="write the JSON report of the last round here (to compare versions)")
    args = parser.parse_args(argv)
    document_path, results = inputs(args.urls, args.hosts, args.rebuild)
    settings = Settings()
    steps = parts(document_path, results, settings)
    order = ["extract", "offline", "findings", "json"]
    if args.profile:
        value = None
        for name in order:
            if name == args.profile:
                profiler = cProfile.Profile()
                profiler.enable()
                steps[name](*(() if value is None else (value,)))
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)
                return 0
            value = steps[name](*(() if value is None else (value,)))
    best = {name: float("inf") for name in order}
    for _ in range(args.rounds):
        value = None
        for name in order:
            seconds, value = timed(steps[name], *(() if value is None else (value,)))
            best[name] = min(best[name], seconds)
    if args.output:
        Path(args.output).write_text(value, encoding="utf-8")
    print(f"{args.urls} links over {args.hosts} hosts, best of {args.rounds} (process CPU):")
    for name in order:
        print(f"  {name:9s} {best[name]:7.3f} s  {best[name] / args.urls * 1000:6.3f} ms/link")
    total = sum(best.values())
    print(f"  {'total':9s} {total:7.3f} s  {total / args.urls * 1000:6.3f} ms/link")
    return 0


if __name__ == "__main__":
    sys.exit(main())
