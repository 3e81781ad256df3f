"""Rescue dead sources from web archives: find each dead URL's archived copy, politely and through the SSRF guard.

Shape: dead and soft-404 results → a copy the document already names (used as it is, no question asked) or one
question per URL, `GET {endpoint}?url=<url>&timestamp=YYYYMMDD` (the reference's retrieved date) → the cache's
answer when fresh, else the archive's, one at a time with a pause between → the copies fetched like any URL →
each dead FetchResult carries `archive_url`, `archived_at`, or `archive_reason` when there is no usable copy.
A lookup that fails (no answer, a slow one, an HTTP error, JSON of another shape) is "no archive" with a reason,
never an exception; only definite answers (a snapshot, or "none") are cached, a miss for a shorter time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, TypeVar

import httpx

from refcheck.fetch.client import (FetchRun, InvalidTarget, PinnedTransport, attempt_for_error, fetch_all,
                                   prepare_url, run_to_completion, user_agent)
from refcheck.fetch.guard import Guard, ResolutionFailed, UnsafeTarget
from refcheck.fetch.basis import lookups_digest
from refcheck.fetch.retry import parse_retry_after
from refcheck.fetch.run import answer_from_cache, resolve_location
from refcheck.models import BasisPart, CacheBasis, Extraction, FetchResult, UrlStatus
from refcheck.settings import ArchiveSettings, Settings

if TYPE_CHECKING:
    from refcheck.fetch.cache import FetchCache

RESCUED_STATUSES = frozenset({UrlStatus.DEAD, UrlStatus.SOFT_404})
MAX_ANSWER_BYTES = 256 * 1024  # the availability API answers a few hundred bytes; anything huge is not its answer
MAX_REDIRECTS = 3
NO_SNAPSHOT = "the archive has no snapshot of this URL"
# Wayback copy URLs carry their capture time: https://web.archive.org/web/20251226093000/https://…
_WAYBACK_STAMP = re.compile(r"^https?://(?:web\.)?archive\.org/web/(\d{4,14})[a-z_]*/", re.IGNORECASE)
_PLAIN_WAYBACK = re.compile(r"^http://web\.archive\.org/", re.IGNORECASE)

Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")


@dataclass(frozen=True)
class Lookup:
    """One question to the availability API: a URL, and the day its copy should be closest to (YYYYMMDD) or None."""

    url: str
    timestamp: str | None = None


@dataclass(frozen=True)
class ArchiveAnswer:
    """The archive's answer to one Lookup: a snapshot, or why there is none."""

    snapshot_url: str | None = None
    archived_at: str | None = None  # ISO 8601
    reason: str | None = None  # set when there is no snapshot
    definite: bool = True  # worth caching: a snapshot, or a clear "none" (not a timeout or a garbled answer)
    from_cache: bool = False
    # "answer" (definite), "failed" (5xx, 429, garbled…), "timeout", "unreachable" (will not heal within the run),
    # "skipped" (not asked: the breaker was open), "budget" (not asked: the run's time for lookups ran out)
    outcome: str = "answer"
    retry_after: float | None = None  # seconds a 429/503 asked to wait


# ── values ─────────────────────────────────────────────────────────────────────────────────────────────────────


def wayback_timestamp(retrieved: str | None) -> str | None:
    """A reference's retrieved date (YYYY-MM-DD, or a YYYY-MM / YYYY prefix) as the API's YYYYMMDD, or None."""
    if not retrieved:
        return None
    digits = re.sub(r"\D", "", retrieved)
    return digits[:8] if len(digits) >= 4 and re.fullmatch(r"\d{4}(?:-\d{2}){0,2}", retrieved.strip()) else None


def iso_from_stamp(stamp: str | None) -> str | None:
    """Wayback's capture stamp (YYYYMMDDhhmmss, or a shorter prefix of at least a day) as ISO 8601, or None."""
    if not stamp or not stamp.isdigit() or len(stamp) < 8:
        return None
    try:
        if len(stamp) >= 14:
            return datetime.strptime(stamp[:14], "%Y%m%d%H%M%S").strftime("%Y-%m-%dT%H:%M:%SZ")
        return datetime.strptime(stamp[:8], "%Y%m%d").strftime("%Y-%m-%d")
    except ValueError:
        return None


def archived_at_from_url(archive_url: str | None) -> str | None:
    """The capture time a Wayback copy URL carries (`/web/20251226093000/…`), or None (other archives, short stamps)."""
    match = _WAYBACK_STAMP.match(archive_url or "")
    return iso_from_stamp(match.group(1)) if match else None


def parse_availability(body: bytes) -> ArchiveAnswer:
    """Read the availability API's answer: `{"archived_snapshots": {"closest": {"available": true, "url": …}}}`.

    `{"archived_snapshots": {}}` is a definite "none"; anything else that is not that shape is a garbled answer
    (not cached, so the next run asks again).
    """
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return ArchiveAnswer(reason="the archive's answer is not JSON", definite=False)
    snapshots = data.get("archived_snapshots") if isinstance(data, dict) else None
    if not isinstance(snapshots, dict):
        return ArchiveAnswer(reason="the archive's answer has no archived_snapshots", definite=False)
    closest = snapshots.get("closest")
    if closest is None:
        return ArchiveAnswer(reason=NO_SNAPSHOT)
    if not isinstance(closest, dict) or not isinstance(closest.get("url"), str):
        return ArchiveAnswer(reason="the archive's answer has no snapshot URL", definite=False)
    if closest.get("available") is False:
        return ArchiveAnswer(reason=NO_SNAPSHOT)
    status = str(closest.get("status") or "200")
    if not status.startswith("2"):
        return ArchiveAnswer(reason=f"the closest snapshot recorded HTTP {status}, not the page")
    try:
        snapshot = prepare_url(_PLAIN_WAYBACK.sub("https://web.archive.org/", closest["url"].strip()))
    except InvalidTarget as error:
        return ArchiveAnswer(reason=f"the archive's snapshot URL is unusable: {error}", definite=False)
    stamp = closest.get("timestamp")
    archived_at = iso_from_stamp(stamp if isinstance(stamp, str) else None) or archived_at_from_url(snapshot)
    return ArchiveAnswer(snapshot_url=snapshot, archived_at=archived_at)


# ── asking the archive ─────────────────────────────────────────────────────────────────────────────────────────


def run_budget(settings: ArchiveSettings, lookups: int) -> float:
    """Seconds a run's lookups may take together: `budget_per_lookup` for each (at least one lookup's timeout),
    never more than `budget`."""
    return max(0.0, min(settings.budget, max(settings.timeout, settings.budget_per_lookup * lookups)))


class ArchiveClient:
    """One run's questions to the availability API: a few in flight (`in_flight`), a pause between starts, one time
    budget for the whole run (`run_budget`), and a circuit breaker. `guard`, `sleep` and `clock` are test seams.

    The breaker opens (`stopped` says why) after a failure that will not heal within the run — the name does not
    resolve, the connection is refused or cannot be made, TLS fails, the guard refuses the endpoint, a 429 asks for a
    wait longer than the budget left — or after `trip_after` failed lookups in a row (5xx, 429, resets, garbled
    answers; `trip_after_timeouts` for lookups that ran out of time). Then the lookups in flight are cancelled and
    the rest are not asked: their answers say "not asked" and why (`outcome="skipped"`)."""

    def __init__(self, settings: ArchiveSettings, *, allow_private: bool, agent: str,
                 guard: Guard | None = None, sleep: Sleep = asyncio.sleep, clock: Callable[[], float] = time.monotonic):
        self.settings = settings
        self.agent = agent
        self.guard = guard or Guard(allow_private=allow_private)
        self._sleep = sleep
        self._clock = clock
        self._gate: asyncio.Semaphore | None = None
        self._next_start = 0.0
        self._spent_by = 0.0
        self.budget = 0.0
        self.stopped: str | None = None  # why the breaker opened, once it has
        self.asked = 0  # lookups sent
        self.most_in_flight = 0
        self._in_flight = 0
        self._failures = 0  # failed lookups in a row
        self._timeouts = 0  # timed-out lookups in a row
        self._tasks: list[asyncio.Task] = []

    async def ask_all(self, lookups: Iterable[Lookup]) -> dict[Lookup, ArchiveAnswer]:
        unique = list(dict.fromkeys(lookups))
        if not unique:
            return {}
        self._gate = asyncio.Semaphore(max(1, self.settings.in_flight))
        self.budget = run_budget(self.settings, len(unique))
        self._spent_by = self._clock() + self.budget
        limits = httpx.Limits(max_connections=max(1, self.settings.in_flight),
                              max_keepalive_connections=max(1, self.settings.in_flight))
        transport = PinnedTransport(self.guard, limits=limits)
        async with httpx.AsyncClient(transport=transport, follow_redirects=False, trust_env=False,
                                     headers={"User-Agent": self.agent, "Accept": "application/json"},
                                     timeout=httpx.Timeout(self.settings.timeout)) as client:
            self._tasks = [asyncio.create_task(self._ask_politely(client, lookup)) for lookup in unique]
            outcomes = await asyncio.gather(*self._tasks, return_exceptions=True)
        answers = []
        for outcome in outcomes:
            if isinstance(outcome, asyncio.CancelledError):  # cancelled when the breaker opened
                answers.append(self._skipped())
            elif isinstance(outcome, BaseException):
                raise outcome
            else:
                answers.append(outcome)
        return dict(zip(unique, answers))

    def _skipped(self) -> ArchiveAnswer:
        return ArchiveAnswer(reason=f"not asked: {self.stopped}", definite=False, outcome="skipped")

    def _out_of_budget(self) -> ArchiveAnswer:
        return ArchiveAnswer(reason=f"not asked: the run's {self.budget:g} s for archive lookups is spent",
                             definite=False, outcome="budget")

    async def _ask_politely(self, client: httpx.AsyncClient, lookup: Lookup) -> ArchiveAnswer:
        assert self._gate is not None
        async with self._gate:
            if self.stopped:
                return self._skipped()
            wait = self._next_start - self._clock()
            if wait > 0:
                await self._sleep(wait)
            if self.stopped:
                return self._skipped()
            left = self._spent_by - self._clock()
            if left <= 0:
                return self._out_of_budget()
            self._next_start = self._clock() + self.settings.interval
            self.asked += 1
            self._in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self._in_flight)
            try:
                answer = await self.ask(client, lookup, timeout=min(self.settings.timeout, left))
            finally:
                self._in_flight -= 1
            if answer.outcome == "timeout" and left < self.settings.timeout:
                return self._out_of_budget()  # the budget's end cut it short, not the archive's slowness
            self._count(answer)
            return answer

    def _count(self, answer: ArchiveAnswer) -> None:
        """The breaker's accounting after one lookup; opens it when the archive will not answer in this run."""
        if answer.outcome == "answer":
            self._failures = self._timeouts = 0
            return
        self._failures += 1
        self._timeouts = self._timeouts + 1 if answer.outcome == "timeout" else 0
        why = None
        if answer.outcome == "unreachable":
            detail = answer.reason.removeprefix("archive unreachable: ").removeprefix("archive not asked: ")
            why = f"the archive is unreachable: {detail}"
        elif answer.retry_after is not None and answer.retry_after > self._spent_by - self._clock():
            why = f"{answer.reason}, asking to wait {answer.retry_after:g} s"
        elif self._timeouts >= max(1, self.settings.trip_after_timeouts):
            why = f"{self._timeouts} lookups in a row got no answer within {self.settings.timeout:g} s"
        elif self._failures >= max(1, self.settings.trip_after):
            why = f"{self._failures} lookups in a row failed (last: {answer.reason})"
        elif answer.retry_after is not None:
            self._next_start = max(self._next_start, self._clock() + answer.retry_after)
        if why is not None and self.stopped is None:
            self.stopped = why
            current = asyncio.current_task()
            for task in self._tasks:
                if task is not current and not task.done():
                    task.cancel()

    async def ask(self, client: httpx.AsyncClient, lookup: Lookup, timeout: float | None = None) -> ArchiveAnswer:
        """One lookup, bounded by the timeout as a whole (a server that drips its answer cannot hold the run)."""
        timeout = self.settings.timeout if timeout is None else timeout
        params = {"url": lookup.url, **({"timestamp": lookup.timestamp} if lookup.timestamp else {})}
        try:
            endpoint = httpx.URL(prepare_url(self.settings.endpoint)).copy_merge_params(params)
            async with asyncio.timeout(timeout):
                return await self._request(client, endpoint)
        except (TimeoutError, httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout):
            return ArchiveAnswer(reason=f"the archive did not answer within {timeout:g} s", definite=False,
                                 outcome="timeout")
        except (UnsafeTarget, ResolutionFailed) as error:
            return ArchiveAnswer(reason=f"archive not asked: {error}", definite=False, outcome="unreachable")
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:  # refused, unreachable, TLS, no connection in time
            reason = attempt_for_error(error, timeout).reason
            return ArchiveAnswer(reason=f"archive unreachable: {reason}", definite=False, outcome="unreachable")
        except (httpx.HTTPError, httpx.StreamError, InvalidTarget) as error:
            return ArchiveAnswer(reason=f"archive lookup failed: {type(error).__name__}: {error}".rstrip(": "),
                                 definite=False, outcome="failed")

    async def _request(self, client: httpx.AsyncClient, url: httpx.URL) -> ArchiveAnswer:
        for _ in range(MAX_REDIRECTS + 1):
            await self.guard.check(url.raw_host.decode("ascii"), url.port or (443 if url.scheme == "https" else 80))
            async with client.stream("GET", url) as response:
                location = response.headers.get("location")
                if response.is_redirect and location:
                    url = httpx.URL(prepare_url(resolve_location(str(url), location)))
                    continue
                if response.status_code != 200:
                    wait = parse_retry_after(response.headers.get("retry-after"))
                    return ArchiveAnswer(reason=f"the archive answered HTTP {response.status_code}", definite=False,
                                         outcome="failed", retry_after=wait)
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        return ArchiveAnswer(reason="the archive's answer is too large to be its answer",
                                             definite=False, outcome="failed")
                answer = parse_availability(bytes(body))
                return answer if answer.definite else dataclasses.replace(answer, outcome="failed")
        return ArchiveAnswer(reason=f"the archive redirected more than {MAX_REDIRECTS} times", definite=False,
                             outcome="failed")


def ask_archive(lookups: Iterable[Lookup], settings: ArchiveSettings, *, allow_private: bool = False,
                agent: str = "refcheck", guard: Guard | None = None,
                sleep: Sleep = asyncio.sleep, client: ArchiveClient | None = None) -> dict[Lookup, ArchiveAnswer]:
    """Ask the availability API about each lookup (no cache): a synchronous wrapper over ArchiveClient (`client`,
    if given, is used and can be read afterwards: `stopped`, `asked`, `most_in_flight`)."""
    client = client or ArchiveClient(settings, allow_private=allow_private, agent=agent, guard=guard, sleep=sleep)
    return run_to_completion(lambda: client.ask_all(lookups), thread_name="refcheck-archive")


# ── the cache ──────────────────────────────────────────────────────────────────────────────────────────────────


def cached_answer(cache: FetchCache | None, lookup: Lookup, settings: ArchiveSettings,
                  now: float, seen: dict | None = None) -> ArchiveAnswer | None:
    """The stored answer if still fresh: a snapshot within `max_age_hit`, a miss within `max_age_miss`.

    `seen`, if given, gets the row an answer came from, as `_lookups_basis` needs it."""
    stored = cache.archive_lookup(lookup.url, lookup.timestamp) if cache is not None else None
    if stored is None:
        return None
    snapshot_url, archived_at, stored_at = stored
    max_age = settings.max_age_hit if snapshot_url else settings.max_age_miss
    if not 0 <= now - stored_at < max_age:
        return None
    if seen is not None:
        seen[lookup] = (snapshot_url, archived_at, stored_at, stored_at + max_age)
    return ArchiveAnswer(snapshot_url, archived_at, None if snapshot_url else NO_SNAPSHOT, from_cache=True)


def answers_with_cache(lookups: Iterable[Lookup], settings: ArchiveSettings, cache: FetchCache | None, *,
                       allow_private: bool, agent: str, guard: Guard | None = None,
                       sleep: Sleep = asyncio.sleep, seen: dict | None = None) -> dict[Lookup, ArchiveAnswer]:
    """Each lookup's answer: fresh ones from the cache, the rest from the archive (definite answers then stored).

    An endpoint whose breaker opened in a run less than `outage_ttl` ago (a cache row, `archive_outages`) is not
    asked at all; one whose breaker opens now is recorded so."""
    now = time.time()
    answers: dict[Lookup, ArchiveAnswer] = {}
    to_ask: list[Lookup] = []
    for lookup in dict.fromkeys(lookups):
        found = cached_answer(cache, lookup, settings, now, seen)
        if found is not None:
            answers[lookup] = found
        else:
            to_ask.append(lookup)
    if not to_ask:
        return answers
    outage = cache.archive_outage(settings.endpoint) if cache is not None else None
    if outage is not None and 0 <= now - outage[1] < settings.outage_ttl:
        reason, stored_at = outage
        again = datetime.fromtimestamp(stored_at + settings.outage_ttl, timezone.utc).strftime("%H:%M UTC")
        age = now - stored_at
        ago = f"{age:.0f} s" if age < 60 else f"{age / 60:.0f} min"
        skipped = ArchiveAnswer(reason=f"not asked: the archive stopped answering {ago} ago ({reason}); "
                                       f"asked again after {again}", definite=False, outcome="skipped")
        return answers | {lookup: skipped for lookup in to_ask}
    client = ArchiveClient(settings, allow_private=allow_private, agent=agent, guard=guard, sleep=sleep)
    asked = ask_archive(to_ask, settings, client=client)
    for lookup, answer in asked.items():
        if cache is not None and answer.definite:
            cache.store_archive_lookup(lookup.url, lookup.timestamp, answer.snapshot_url, answer.archived_at)
        answers[lookup] = answer
    if cache is not None and client.stopped is not None:
        cache.store_archive_outage(settings.endpoint, client.stopped)
    return answers


# ── the pipeline's step ────────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class _Source:
    """What the documents say about one dead URL: the day to ask about, and a copy they already name."""

    timestamp: str | None = None
    own_copy: str | None = None


def dead_sources(results: dict[str, FetchResult], extractions: Iterable[Extraction]) -> dict[str, _Source]:
    """Every dead or soft-404 URL with the first retrieved date and the first archive copy its references give."""
    dead = {url: _Source() for url, result in results.items() if result.status in RESCUED_STATUSES}
    for extraction in extractions:
        for reference in extraction.references:
            source = dead.get(reference.url or "")
            if source is None:
                continue
            dead[reference.url] = _Source(source.timestamp or wayback_timestamp(reference.retrieved),
                                          source.own_copy or reference.archive_url)
    return dead


def rescue_dead_sources(run: FetchRun, extractions: Iterable[Extraction], settings: Settings,
                        cache: FetchCache | None = None, *, guard: Guard | None = None,
                        sleep: Sleep = asyncio.sleep) -> FetchRun:
    """The run with each dead or soft-404 result naming its archived copy (or why there is none), and the copies
    the archive offered fetched and appended (keyed by copy URL) so rules can check them like live pages.

    Off (the run as it is) unless `settings.archive.enabled`, and always with `--offline`.
    """
    if not settings.archive.enabled or settings.cache.offline:
        return run
    sources = dead_sources(run.results, extractions)
    if not sources:
        return run
    lookups = {url: Lookup(url, source.timestamp) for url, source in sources.items() if not source.own_copy}
    seen: dict[Lookup, tuple] = {}
    answers = answers_with_cache(lookups.values(), settings.archive, cache, allow_private=settings.fetch.allow_private,
                                 agent=user_agent(settings.fetch), guard=guard, sleep=sleep, seen=seen)
    offered = {url: (ArchiveAnswer(source.own_copy, archived_at_from_url(source.own_copy)) if source.own_copy
                     else answers[lookups[url]]) for url, source in sources.items()}
    copies, copies_basis = _fetch_copies(offered.values(), run.results, settings, cache)
    results = dict(run.results)
    for url, answer in offered.items():
        results[url] = _with_archive(results[url], answer, copies.get(answer.snapshot_url or ""))
    results.update((copy_url, copy) for copy_url, copy in copies.items() if copy_url not in results)
    # Still answered wholly from the cache only if the archive's answers and the copies were too.
    basis = None
    if run.basis is not None and copies_basis is not None and len(seen) == len(set(lookups.values())):
        basis = run.basis.joined(_lookups_basis(seen)).joined(copies_basis)
    return dataclasses.replace(run, results=results, notices=run.notices + _notices(answers.values()), basis=basis)


def _lookups_basis(seen: dict[Lookup, tuple]) -> CacheBasis:
    """The archive_lookups rows the answers came from (see `cached_answer`), as a part of a run's CacheBasis."""
    rows = [(lookup.url, lookup.timestamp or "", snapshot, archived_at, stored_at)
            for lookup, (snapshot, archived_at, stored_at, _) in seen.items()]
    keys = tuple(sorted((url, timestamp) for url, timestamp, *_ in rows))
    return CacheBasis(parts=(BasisPart("archive_lookups", keys, lookups_digest(rows)),) if rows else (),
                      fresh_until=min((until for *_, until in seen.values()), default=math.inf),
                      newest=max((row[2] for row in seen.values()), default=0.0))


def _fetch_copies(answers: Iterable[ArchiveAnswer], fetched: dict[str, FetchResult], settings: Settings,
                  cache: FetchCache | None) -> tuple[dict[str, FetchResult], CacheBasis | None]:
    """The copies, fetched like any URL (guard, retries, cache); a copy the document names was fetched already.

    With them, what they rest on when the cache answered for every one not fetched already (else None)."""
    wanted = list(dict.fromkeys(answer.snapshot_url for answer in answers if answer.snapshot_url))
    copies = {url: fetched[url] for url in wanted if url in fetched}
    missing = [url for url in wanted if url not in copies]
    if not missing:
        return copies, CacheBasis(parts=(), fresh_until=math.inf, newest=0.0)
    # The archive is one host serving many copies: fewer at once than a publisher's site would get.
    polite = dataclasses.replace(settings.fetch, per_host=min(settings.fetch.per_host,
                                                              max(1, settings.archive.copies_per_host)))
    run = answer_from_cache(missing, polite, cache, settings.cache)
    if run is None:
        run = fetch_all(missing, polite, cache=cache, cache_settings=settings.cache)
    copies.update(run.results)
    return copies, run.basis


def _with_archive(result: FetchResult, answer: ArchiveAnswer, copy: FetchResult | None) -> FetchResult:
    """A dead result naming its copy; a copy that turned out dead itself is no rescue, and says so."""
    if answer.snapshot_url is None:
        return dataclasses.replace(result, archive_reason=answer.reason or NO_SNAPSHOT)
    if copy is not None and copy.status in RESCUED_STATUSES:
        reason = f"the archived copy {answer.snapshot_url} is {copy.status} too"
        return dataclasses.replace(result, archive_reason=reason + (f" ({copy.reason})" if copy.reason else ""))
    return dataclasses.replace(result, archive_url=answer.snapshot_url, archived_at=answer.archived_at)


def _notices(answers: Iterable[ArchiveAnswer]) -> tuple[str, ...]:
    """Run-level notices, each said once, so that "no archive" is not read as "no copy exists": lookups skipped
    because the archive stopped answering (and why), lookups the run's time budget left unasked, and lookups that
    got no usable answer."""
    answers = [answer for answer in answers if not answer.from_cache]
    skipped = [answer for answer in answers if answer.outcome == "skipped"]
    unasked = [answer for answer in answers if answer.outcome == "budget"]
    failed = [answer for answer in answers if not answer.definite and answer.outcome not in ("skipped", "budget")]
    notices = []
    if skipped:
        why = skipped[0].reason.removeprefix("not asked: ")
        tried = f" after {len(failed)} failed" if failed else ""
        notices.append(f"archive: {len(skipped)} of {len(answers)} lookup(s) skipped{tried}: {why}")
    if unasked:
        notices.append(f"archive: {len(unasked)} of {len(answers)} lookup(s) not asked: "
                       f"{unasked[0].reason.removeprefix('not asked: ')} (--archive-budget; found answers are cached, "
                       "so a later run asks the rest)")
    if failed and not skipped:
        notices.append(f"archive: {len(failed)} lookup(s) got no usable answer (first: {failed[0].reason})")
    return tuple(notices)
