"""The scholarly evaluation set (tests/fixtures/resolve/scholarly-eval.json) through the resolver itself: its
Crossref and OpenAlex backends asked through the resolver's web (the fetcher's raw client, guard, pacing), its
verification (verify.py) and its verdicts — against the loopback fakes of tests/resolve/fakes.py.

bench/resolve_scholarly.py scores the backends with the simplest decision a caller can make; this scores what
`refcheck check` decides. One policy differs on purpose: a DOI whose record has another *title* is reported
(`reference-metadata-mismatch`) but not called "found" (the cited work is not what the DOI names); the set labels
those "found" with the mismatch. The figures count them apart.

    python bench/resolve_scholarly_pipeline.py [--verbose]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from refcheck.fetch.client import run_to_completion  # noqa: E402
from refcheck.resolve.crossref import CrossrefBackend  # noqa: E402
from refcheck.resolve.model import ResolveQuery  # noqa: E402
from refcheck.resolve.openalex import OpenAlexBackend  # noqa: E402
from refcheck.resolve.resolver import _Work  # noqa: E402
from refcheck.resolve.scholarly import find_doi  # noqa: E402
from refcheck.settings import CacheSettings, FetchSettings, ResolveSettings, Settings  # noqa: E402
from tests.resolve.fakes import CrossrefFake, OpenAlexFake  # noqa: E402
from tests.webserver import WebServer  # noqa: E402

SET = ROOT / "tests" / "fixtures" / "resolve" / "scholarly-eval.json"


def query(index: int, fields: dict) -> ResolveQuery:
    return ResolveQuery(ref=str(index), cited_title=fields.get("cited_title"),
                        specific_title=fields.get("cited_title"), site=fields.get("site"),
                        domains=tuple(fields.get("domains", ())), doi=find_doi(fields.get("doi") or ""),
                        authors=tuple(fields.get("authors", ())), year=fields.get("year"),
                        language=fields.get("language"))


def main(verbose: bool) -> int:
    references = json.loads(SET.read_text(encoding="utf-8"))["references"]
    queries = {(0, str(index)): query(index, ref["query"]) for index, ref in enumerate(references)}
    with WebServer() as server:
        crossref, openalex = CrossrefFake(server, prefix="/crossref"), OpenAlexFake(server, prefix="/openalex")
        settings = Settings(fetch=FetchSettings(allow_private=True, retries=0), cache=CacheSettings(enabled=False),
                            resolve=ResolveSettings(enabled=True, interval=0.0))
        work = _Work(queries, [CrossrefBackend(crossref.endpoint), OpenAlexBackend(openalex.endpoint)], settings,
                     None, None)
        started = time.perf_counter()
        run_to_completion(work.run, thread_name="bench")
        seconds = time.perf_counter() - started
        requests = len(server.requests)
    verdicts = work.verdicts()
    counts = dict.fromkeys(("found-correct", "wrong-found", "missed", "correct-not-found",
                            "doi-of-another-work-reported"), 0)
    for index, ref in enumerate(references):
        verdict, expected = verdicts[(0, str(index))], ref["expected"]
        got = find_doi(verdict.url or "") if verdict.status == "found" else None
        if expected["outcome"] == "found" and "title" in expected.get("mismatch", []):
            outcome = ("doi-of-another-work-reported" if verdict.status != "found" and "title" in
                       verdict.metadata_mismatch else "found-correct" if got == expected["doi"] else "missed")
        elif expected["outcome"] == "found":
            outcome = "found-correct" if got == expected["doi"] else ("wrong-found" if got else "missed")
        else:
            outcome = "wrong-found" if got else "correct-not-found"
        counts[outcome] += 1
        if verbose or outcome in ("wrong-found", "missed"):
            print(f"  {ref['id']}: {outcome} ({verdict.status} {got or ''}) {verdict.reason or ''}"[:200])
    left = counts["missed"] + counts["correct-not-found"]
    print(json.dumps({**counts, "references": len(references),
                      "not_found_precision": round(counts["correct-not-found"] / left, 3) if left else None,
                      "requests_per_reference": round(requests / len(references), 2),
                      "seconds": round(seconds, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main("--verbose" in sys.argv))
