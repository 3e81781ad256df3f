"""`--accept`: HTTP statuses a run treats as ok, applied to raw outcomes at report time.

The fetcher and the cache keep what the server answered (a 403 stays a 403), so a rerun with another `--accept`
reads the same cache entries and reports them differently: nothing is fetched again, nothing cached is wrong.
The grammar is lychee's: `403`, `200..=299` (inclusive), `500..600` (end excluded), `..=103`, `900..`; lists are
comma-separated and the option repeats. Unlike lychee's, refcheck's list adds to the 2xx statuses, never replaces them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from refcheck.models import FetchResult, UrlStatus

LOWEST, HIGHEST = 100, 999
_RANGE = re.compile(r"^(?P<single>\d+)$|^(?P<start>\d+)?\.\.(?P<inclusive>=)?(?P<end>\d+)?$")
# What an accepted status can turn into ok: the answer was a status the server gave, not a refusal of ours.
ACCEPTABLE = frozenset({UrlStatus.DEAD, UrlStatus.BLOCKED, UrlStatus.ERROR, UrlStatus.SOFT_404})


def parse_accept(values: Iterable[str | int]) -> tuple[int, ...]:
    """Every status the values name, sorted; ValueError with the offending text when one cannot be read."""
    codes: set[int] = set()
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if part:
                codes.update(_codes(part))
    return tuple(sorted(codes))


def _codes(text: str) -> range:
    match = _RANGE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a status, a list or a range such as 200..=299")
    if match["single"]:
        start = end = int(match["single"])
    else:
        if match["inclusive"] and not match["end"]:
            raise ValueError(f"{text!r}: an inclusive range needs its end")
        start = int(match["start"]) if match["start"] else LOWEST
        end = int(match["end"]) - (0 if match["inclusive"] else 1) if match["end"] else HIGHEST
    if not (LOWEST <= start <= HIGHEST and LOWEST <= end <= HIGHEST) or start > end:
        raise ValueError(f"{text!r}: statuses run from {LOWEST} to {HIGHEST}, start before end")
    return range(start, end + 1)


def apply_accept(results: dict[str, FetchResult], accepted: tuple[int, ...]) -> dict[str, FetchResult]:
    """The results with each accepted non-2xx answer turned ok (its reason says so); the rest unchanged."""
    if not accepted:
        return results
    codes = frozenset(accepted)
    return {url: _accepted(result) if result.http_status in codes and result.status in ACCEPTABLE else result
            for url, result in results.items()}


def _accepted(result: FetchResult) -> FetchResult:
    return replace(result, status=UrlStatus.OK, reason=f"HTTP {result.http_status} accepted (--accept)",
                   first_failed=None, failed_runs=0)
