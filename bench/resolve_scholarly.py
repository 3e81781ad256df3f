"""Score the crossref and openalex backends on the scholarly evaluation set, against loopback fakes.

Run: .venv/bin/python bench/resolve_scholarly.py [--set tests/fixtures/resolve/scholarly-eval.json] [--verbose]
     [--json]

Each reference of the set (real-looking citations: right DOIs, DOIs with another work's metadata, a fabricated DOI,
real works without DOI, fabricated titles including near misses of real ones; English and Japanese) is resolved
with the backends through a plain loopback BackendWeb, against the Crossref and OpenAlex fakes of
tests/resolve/fakes.py (each service's response shape, a relevance search by word overlap that returns near misses
as the real services do). The decision made here is the simplest a caller can make with these backends:

* DOI: Crossref's record, else (no record, or a DataCite DOI Crossref skips) OpenAlex's; no record → not found.
  The record found is compared with `record_mismatches`.
* no DOI: Crossref's candidates, then OpenAlex's only if none scored CONFIDENT; the best by `record_matches` is
  found at CONFIDENT or above; two different works within 0.02 of each other at the top → ambiguous.

Figures: found-correct (expected found, found with the expected DOI), wrong-found (found where nothing should be,
or another DOI: the goal is zero), missed, not-found precision, metadata-mismatch agreement on found DOI records,
requests per reference and wall time. The fakes answer instantly: times measure refcheck's side only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from refcheck.resolve.crossref import CrossrefBackend  # noqa: E402
from refcheck.resolve.model import ResolveQuery  # noqa: E402
from refcheck.resolve.openalex import OpenAlexBackend  # noqa: E402
from refcheck.resolve.scholarly import CONFIDENT, record_matches, record_mismatches  # noqa: E402
from tests.resolve.fakes import CrossrefFake, OpenAlexFake  # noqa: E402
from tests.resolve.loopback_web import LoopbackWeb  # noqa: E402
from tests.webserver import WebServer  # noqa: E402

DEFAULT_SET = ROOT / "tests" / "fixtures" / "resolve" / "scholarly-eval.json"
TIE = 0.02


def to_query(index: int, fields: dict) -> ResolveQuery:
    return ResolveQuery(ref=str(index + 1), cited_title=fields.get("cited_title"),
                        specific_title=fields.get("cited_title"), site=fields.get("site"),
                        domains=tuple(fields.get("domains", ())), doi=fields.get("doi"),
                        authors=tuple(fields.get("authors", ())), year=fields.get("year"),
                        language=fields.get("language"))


async def decide(query: ResolveQuery, backends, web) -> dict:
    """The outcome for one reference: found (doi, score, mismatch), ambiguous or not-found; with the requests."""
    requests = 0
    asked: list[str] = []
    if query.doi:
        for backend in backends:
            answer = await backend.search(query, web)
            requests += answer.requests
            asked += [f"{answer.backend}: {q}" for q in answer.queries]
            if answer.candidates:
                record = answer.candidates[0].record
                return {"outcome": "found", "doi": record.doi, "via": answer.backend, "requests": requests,
                        "mismatch": list(record_mismatches(query, record)), "queries": asked,
                        "score": record_matches(query, record)}
        return {"outcome": "not-found", "requests": requests, "queries": asked}
    scored: list[tuple[float, str, str]] = []
    for backend in backends:
        answer = await backend.search(query, web)
        requests += answer.requests
        asked += [f"{answer.backend}: {q}" for q in answer.queries]
        for candidate in answer.candidates:
            scored.append((record_matches(query, candidate.record), candidate.record.doi, answer.backend))
        if any(score >= CONFIDENT for score, _, _ in scored):
            break  # stop at the first confident backend, as a resolver would
    scored.sort(key=lambda item: -item[0])
    best = scored[0] if scored else (0.0, None, None)
    if best[0] < CONFIDENT:
        return {"outcome": "not-found", "requests": requests, "queries": asked, "best": best[0]}
    rivals = {doi for score, doi, _ in scored if score >= CONFIDENT and best[0] - score <= TIE and doi != best[1]}
    if rivals:
        return {"outcome": "ambiguous", "requests": requests, "queries": asked, "dois": [best[1], *sorted(rivals)]}
    return {"outcome": "found", "doi": best[1], "via": best[2], "score": best[0], "requests": requests,
            "queries": asked}


def score(references: list[dict], verbose: bool = False) -> dict:
    with WebServer() as server:
        crossref = CrossrefFake(server, prefix="/crossref")
        openalex = OpenAlexFake(server, prefix="/openalex")
        backends = (CrossrefBackend(endpoint=crossref.endpoint, mailto="bench@example.org"),
                    OpenAlexBackend(endpoint=openalex.endpoint, mailto="bench@example.org"))
        web = LoopbackWeb(timeout=5.0)
        rows = []
        started = time.perf_counter()
        for index, reference in enumerate(references):
            query = to_query(index, reference["query"])
            t0 = time.perf_counter()
            got = asyncio.run(decide(query, backends, web))
            got["seconds"] = time.perf_counter() - t0
            rows.append((reference, got))
        elapsed = time.perf_counter() - started
    counts = {"references": len(rows), "expected_found": 0, "expected_not_found": 0, "found_correct": 0,
              "wrong_found": 0, "missed": 0, "ambiguous": 0, "called_not_found": 0, "not_found_correct": 0,
              "doi_records": 0, "mismatch_agree": 0}
    details = []
    for reference, got in rows:
        expected = reference["expected"]
        want_found = expected["outcome"] == "found"
        counts["expected_found" if want_found else "expected_not_found"] += 1
        verdict = ""
        if got["outcome"] == "found":
            if want_found and got["doi"] == expected["doi"]:
                counts["found_correct"] += 1
                verdict = "found-correct"
            else:
                counts["wrong_found"] += 1
                verdict = "WRONG-FOUND"
            if "mismatch" in got and want_found:
                counts["doi_records"] += 1
                if got["mismatch"] == expected.get("mismatch", []):
                    counts["mismatch_agree"] += 1
                else:
                    verdict += f" (mismatch {got['mismatch']} != {expected.get('mismatch')})"
        elif got["outcome"] == "ambiguous":
            counts["ambiguous"] += 1
            verdict = "ambiguous" + (" (expected found)" if want_found else "")
        else:
            counts["called_not_found"] += 1
            if want_found:
                counts["missed"] += 1
                verdict = "MISSED"
            else:
                counts["not_found_correct"] += 1
                verdict = "not-found-correct"
        details.append({"id": reference["id"], "verdict": verdict, **{k: v for k, v in got.items()
                                                                      if k not in ("queries",)}})
        if verbose:
            print(f"{reference['id']:28} {verdict:22} {got.get('doi') or '':34} "
                  f"score={got.get('score', got.get('best', 0)):.3f} requests={got['requests']}", file=sys.stderr)
    total_requests = sum(got["requests"] for _, got in rows)
    counts["not_found_precision"] = (counts["not_found_correct"] / counts["called_not_found"]
                                     if counts["called_not_found"] else None)
    counts["requests_per_reference"] = total_requests / len(rows) if rows else 0.0
    counts["ms_per_reference"] = 1000 * elapsed / len(rows) if rows else 0.0
    return {"counts": counts, "details": details}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures and per-reference verdicts as JSON")
    args = parser.parse_args()
    references = json.loads(args.set.read_text(encoding="utf-8"))["references"]
    result = score(references, verbose=args.verbose)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    c = result["counts"]
    nfp = "n/a" if c["not_found_precision"] is None else f"{c['not_found_precision']:.2f}"
    print(f"references: {c['references']} ({c['expected_found']} real works, {c['expected_not_found']} fabricated)")
    print(f"found-correct: {c['found_correct']}/{c['expected_found']}   wrong-found: {c['wrong_found']}   "
          f"missed: {c['missed']}   ambiguous: {c['ambiguous']}")
    print(f"not-found precision: {nfp} ({c['not_found_correct']}/{c['called_not_found']})   "
          f"metadata mismatch agreement on DOI records: {c['mismatch_agree']}/{c['doi_records']}")
    print(f"requests per reference: {c['requests_per_reference']:.2f}   time: {c['ms_per_reference']:.1f} ms "
          f"per reference (loopback fakes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
