"""Fetching on more than one core: a big run's targets are split by host between forked worker processes.

Why: fetching is CPU-bound in Python (HTTP parsing, page reading: one to two milliseconds per URL), so with
hundreds of requests in flight one process keeps one core busy while the others idle. Splitting by *host* keeps
everything that is per host exact — the per-host limit, the retry budget, the soft-404 probe, connection reuse —
because each host lives in one process; the global limit is divided between the processes.

Each worker is a fork of this process (everything is already imported, so it starts in milliseconds) with its own
event loop, client, guard and cache connection (same run id, so failure streaks still count once per run). It
streams its settled results back over a pipe in small batches, so the parent's progress bar keeps moving, and
ends with what only the whole run can judge (connection-level failures: "is there any network at all?"). A
worker that fails or dies leaves its unsettled targets to the parent, which fetches them itself.
"""

from __future__ import annotations

import asyncio
import copy
import gc
import math
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection

from refcheck.fetch.client import Fetcher, Share, host_of
from refcheck.models import FetchResult
from refcheck.weburl import parse

MIN_FETCHES_PER_WORKER = 150  # fewer network fetches than this per process: a fork costs more than it saves
MAX_AUTO_WORKERS = 4  # beyond this the event loops mostly wait on the network anyway
BATCH_SECONDS = 0.2  # how often a worker sends what it has settled


def worker_count(fetcher: Fetcher, online: list[str]) -> int:
    """Processes for fetching `online` (the targets that need the network): `settings.workers`, or automatic (0)."""
    if not _can_fork() or (fetcher.cache is not None and not hasattr(fetcher.cache, "reopened")):
        return 1
    hosts = len({split_key(target) for target in online})
    wanted = fetcher.settings.workers
    if wanted == 0:
        wanted = min(_usable_cores(), MAX_AUTO_WORKERS, len(online) // MIN_FETCHES_PER_WORKER)
    return max(1, min(wanted, hosts))


def split_key(target: str) -> str:
    """The host a prepared target is split by: the WHATWG host its preparation read (refcheck.weburl's parse, cached
    since the reader and the rules parsed the URL), not a second httpx parse. A target is the standard's own
    serialisation, so its host is already in one spelling (lower case, punycode, IPv4 in dotted decimal): equal
    hosts here are exactly equal gate hosts (`client.host_of`; tests/fetch/test_workers.py holds them equal)."""
    parsed = parse(target)
    return parsed.hostname if parsed is not None else host_of(target)


def split_by_host(targets: list[str], parts: int) -> list[list[str]]:
    """`targets` in at most `parts` groups, each host's targets in one group, the groups as even as hosts allow."""
    by_host: dict[str, list[str]] = {}
    for target in targets:
        by_host.setdefault(split_key(target), []).append(target)
    groups: list[list[str]] = [[] for _ in range(max(1, parts))]
    for host_targets in sorted(by_host.values(), key=len, reverse=True):  # largest first, onto the lightest group
        min(groups, key=len).extend(host_targets)
    return [group for group in groups if group]


async def fetch_in_workers(fetcher: Fetcher, by_target: dict[str, list[str]], entries: dict,
                           settle: Callable[[FetchResult], None], workers: int) -> Share:
    """Fetch `by_target` with this process and `workers - 1` forked ones; one combined Share for the run's judgement."""
    groups = split_by_host(list(by_target), workers)
    concurrency = max(1, math.ceil(fetcher.settings.max_concurrency / len(groups)))
    # Fork before this process starts any request: the children get no half-open connection or pending future.
    # Everything alive now (the documents, their extractions, the imports) lives until the fetch ends: frozen out of
    # the cycle collector, so neither process rescans it during the fetch, and a child's collections do not write to
    # the pages it shares with the parent (copy-on-write). Unfrozen once the fetch is over.
    gc.freeze()
    try:
        children = [_Worker.start(fetcher, {t: by_target[t] for t in group}, entries, concurrency)
                    for group in groups[1:]]
        own = {target: by_target[target] for target in groups[0]}
        digests = fetcher.digests if fetcher.digest is not None else None
        shares = await asyncio.gather(fetcher.fetch_share(own, entries, settle, concurrency=concurrency),
                                      *(child.finish(settle, digests) for child in children))
    finally:
        gc.unfreeze()
    combined = Share()
    for share in shares:
        combined.add(share)
    leftovers = {target: doc_urls for child in children for target, doc_urls in child.unsettled().items()}
    if leftovers:  # a worker failed or died: what it did not settle is fetched here, now that the loop is free
        combined.add(await fetcher.fetch_share(leftovers, entries, settle))
    return combined


class _Worker:
    """One forked fetching process, seen from the parent: its targets, its pipe, and what it has settled so far."""

    def __init__(self, process: multiprocessing.Process, results: Connection, by_target: dict[str, list[str]]):
        self.process = process
        self.results = results
        self.by_target = by_target
        self.settled: set[str] = set()
        self.share: Share | None = None
        self.failure: str | None = None

    @classmethod
    def start(cls, fetcher: Fetcher, by_target: dict[str, list[str]], entries: dict, concurrency: int) -> _Worker:
        context = multiprocessing.get_context("fork")
        receiving, sending = context.Pipe(duplex=False)
        mine = {target: entries[target] for target in by_target if target in entries}
        process = context.Process(target=_work, args=(fetcher, by_target, mine, concurrency, sending, os.getpid()),
                                  name="refcheck-fetch-worker", daemon=True)
        process.start()
        sending.close()  # the child's end: once the child exits, reading reports the end of the stream
        return cls(process, receiving, by_target)

    async def finish(self, settle: Callable[[FetchResult], None], digests: dict | None = None) -> Share:
        """Settle the worker's results as they arrive, keeping their digests (Fetcher.digest) in `digests`; its
        Share once it is done (empty if it failed)."""
        loop = asyncio.get_running_loop()
        ended = loop.create_future()
        descriptor = self.results.fileno()

        def on_readable() -> None:
            try:
                while self.results.poll():
                    self._receive(self.results.recv(), settle, digests)
            except (EOFError, OSError):
                loop.remove_reader(descriptor)
                if not ended.done():
                    ended.set_result(None)

        loop.add_reader(descriptor, on_readable)
        try:
            await ended
        finally:
            loop.remove_reader(descriptor)
            self.results.close()
            await asyncio.to_thread(self.process.join)
        if self.share is None and self.failure is None:
            self.failure = f"worker process ended with exit code {self.process.exitcode}"
        return self.share or Share()

    def _receive(self, message: tuple, settle: Callable[[FetchResult], None], digests: dict | None) -> None:
        kind, payload = message
        if kind == "results":
            for result, digest in payload:
                self.settled.add(result.url)
                if digests is not None:  # before settling: made here, the parent would make it again
                    digests[result.url] = (result, digest)
                settle(result)
        elif kind == "done":
            self.share = payload
        elif kind == "failed":
            self.failure = payload

    def unsettled(self) -> dict[str, list[str]]:
        """The targets the worker did not finish (all of them are settled when it succeeded)."""
        if self.share is not None:
            return {}
        return {target: doc_urls for target, doc_urls in self.by_target.items()
                if not all(url in self.settled for url in doc_urls)}


# ── inside the worker process ───────────────────────────────────────────────────────────────────────────────────


def _work(parent: Fetcher, by_target: dict[str, list[str]], entries: dict, concurrency: int, results: Connection,
          parent_pid: int) -> None:
    _die_with_parent(parent_pid)
    # Forked from inside the parent's running event loop: Python 3.11 does not forget that loop in the child.
    asyncio.events._set_running_loop(None)
    cache = None
    try:
        cache = parent.cache.reopened() if parent.cache is not None else None
        fetcher = _forked_fetcher(parent, cache)
        share = asyncio.run(_fetch_and_stream(fetcher, by_target, entries, concurrency, results))
        results.send(("done", share))
    except BaseException as error:  # reported to the parent, which fetches what is left itself
        try:
            results.send(("failed", f"{type(error).__name__}: {error}"))
        except OSError:
            pass  # the parent is gone
    finally:
        if cache is not None:
            cache.close()
        results.close()


async def _fetch_and_stream(fetcher: Fetcher, by_target: dict[str, list[str]], entries: dict, concurrency: int,
                            results: Connection) -> Share:
    batch: list[tuple[FetchResult, object]] = []  # each result with its digest, made here (Fetcher.digest)

    def collect(result: FetchResult) -> None:
        batch.append((result, fetcher.digest(result) if fetcher.digest is not None else None))

    def flush() -> None:
        if batch:
            results.send(("results", batch.copy()))
            batch.clear()

    async def keep_flushing() -> None:
        while True:
            await asyncio.sleep(BATCH_SECONDS)
            flush()

    flusher = asyncio.create_task(keep_flushing())
    try:
        share = await fetcher.fetch_share(by_target, entries, collect, concurrency=concurrency)
    finally:
        flusher.cancel()
    flush()
    return share


def _forked_fetcher(parent: Fetcher, cache) -> Fetcher:
    """The parent's fetcher with its own cache connection, guard and per-run state (nothing shared survives a fork)."""
    fetcher = copy.copy(parent)
    fetcher.reset_for_worker(cache)
    return fetcher


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to kill this worker when its parent dies (SIGKILL included), so no orphan keeps fetching."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            PR_SET_PDEATHSIG = 1
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass  # without it, the worker still stops at its next send: the pipe is broken
    if os.getppid() != parent_pid:  # the parent died before the request above was in place
        os._exit(1)


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"  # fork is unsafe on macOS


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
