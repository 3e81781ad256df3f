"""Stores a fetcher run's results from one thread of its own, committing whatever has queued up in one transaction.

Why: storing each result through `asyncio.to_thread(cache.store, ...)` costs the event loop an executor future, a
thread hand-off and a wake-up per URL, and SQLite a transaction per URL; with thousands of URLs that is CPU taken
from the loop that also serves the network. Here the loop only puts the result on a queue. The writer thread takes
everything queued, stores it with `FetchCache.store_many` (one transaction: a batch is what arrived while the
previous commit ran), and answers the loop once per batch with one `call_soon_threadsafe`, and only for results
whose failure history the caller waits for. An `ok` result's answer is known without the history (its streak
ends), so it is handed back at once and its row is committed with the next batch.

What the cache promises still holds: each row is committed within one batch of arriving (a SIGKILL loses at most
the rows of the commit under way, none that was committed); a result whose history is awaited comes back only once
committed; rows are committed in the order they were given, so once an awaited result is back, every `ok` row given
before it is committed too. A CacheError in the thread is handed to every waiting caller, refuses further results,
and is raised again by `finish`, so the run ends as it would have with a direct `store`.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from typing import TYPE_CHECKING

from refcheck.fetch.cache import is_stored, stored_without_history
from refcheck.models import FetchResult

if TYPE_CHECKING:
    from refcheck.fetch.cache import FetchCache

MAX_BATCH = 500  # rows per transaction at most, so another run sharing the file never waits long for the lock

_STOP = object()  # queued by finish(): commit what came before, then end the thread

# A queued row: (result, etag, last_modified, the future to answer or None for fire-and-forget).
_Item = tuple[FetchResult, "str | None", "str | None", "asyncio.Future[FetchResult] | None"]


class ResultWriter:
    """One run's writer thread over one FetchCache (which serialises its own calls, so others may still use it).

    Call `store` from the event loop that made it; call `finish` (always, also when the run fails) before the cache
    is closed or the loop ends.
    """

    def __init__(self, cache: FetchCache, loop: asyncio.AbstractEventLoop, *, max_batch: int = MAX_BATCH):
        self._cache = cache
        self._loop = loop
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()  # C-level put: the loop's whole share of the work
        self._error: Exception | None = None  # what stopped the writer; set by the thread, read by the loop
        self._ended = loop.create_future()
        # A daemon thread: should the loop die without finish(), the process can still exit (SQLite rolls back
        # the transaction it was in the middle of; nothing committed is lost).
        self._thread = threading.Thread(target=self._drain, name="refcheck-cache-writer", daemon=True)
        self._thread.start()

    async def store(self, result: FetchResult, etag: str | None = None,
                    last_modified: str | None = None) -> FetchResult:
        """What `FetchCache.store` returns for `result`. An `ok` result returns at once (committed with the next
        batch); any other stored outcome returns once its batch is committed, with its failure history."""
        self._raise_if_failed()
        if not is_stored(result):
            return result
        known = stored_without_history(result)
        if known is not None:  # fire-and-forget: the answer does not depend on what the cache holds
            self._queue.put((result, etag, last_modified, None))
            return known
        answer: asyncio.Future[FetchResult] = self._loop.create_future()
        self._queue.put((result, etag, last_modified, answer))
        return await answer

    async def finish(self, *, quietly: bool = False) -> None:
        """Commit everything given so far and end the thread; then raise what stopped the writer, if anything did
        (unless `quietly`: the run is already failing for another reason, which should be the one reported)."""
        self._queue.put(_STOP)
        await self._ended
        self._thread.join()
        if self._error is not None and not quietly:
            raise self._error

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    # ── in the writer thread ─────────────────────────────────────────────────────────────────────────────────────

    def _drain(self) -> None:
        stopping = False
        try:
            while not stopping:
                batch: list[_Item] = []
                item = self._queue.get()  # wait for the first; then take whatever else is already there
                while True:
                    if item is _STOP:
                        stopping = True  # finish() is the last to queue anything: nothing can follow it
                        break
                    batch.append(item)
                    if len(batch) >= self._max_batch:
                        break
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                if batch:
                    self._commit(batch)
        finally:
            self._tell_loop(_set_done, self._ended)

    def _commit(self, batch: list[_Item]) -> None:
        if self._error is None:
            try:
                stored: list[FetchResult | Exception] = list(
                    self._cache.store_many([(result, etag, last_modified) for result, etag, last_modified, _ in batch])
                )
            except Exception as error:  # a CacheError (or a bug): the run must hear of it, not lose it in a thread
                self._error = error
                stored = [error] * len(batch)
        else:  # already failed: refuse the rows given before the loop could see it
            stored = [self._error] * len(batch)
        answers = [(answer, value) for (_, _, _, answer), value in zip(batch, stored) if answer is not None]
        if answers:
            self._tell_loop(_answer_all, answers)

    def _tell_loop(self, callback, argument) -> None:
        try:
            self._loop.call_soon_threadsafe(callback, argument)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass


def _answer_all(answers: list[tuple[asyncio.Future, FetchResult | Exception]]) -> None:
    """On the loop: one call per batch resolves every waiting caller of that batch."""
    for answer, value in answers:
        if answer.done():  # its caller was cancelled (the URL ran out of time, or the run is ending)
            continue
        if isinstance(value, Exception):
            answer.set_exception(value)
        else:
            answer.set_result(value)


def _set_done(ended: asyncio.Future) -> None:
    if not ended.done():
        ended.set_result(None)
