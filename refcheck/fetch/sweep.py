"""One event-loop timer for many deadlines (a timer per request cost a handle, a heap push and a cancel each).

Armed for the earliest deadline it has been told of, the timer calls its `sweep` when it fires; the sweep settles
whatever is due and answers the next earliest deadline (or None), for which the timer arms itself again. A deadline
that goes away (its request done) is simply not answered by the next sweep: the timer may then fire for nothing,
at most once per deadline's length. Used by the fetcher's per-URL deadlines and the curl engine's read timeouts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class SweepTimer:
    def __init__(self, loop: asyncio.AbstractEventLoop, sweep: Callable[[float], float | None]):
        self.loop = loop
        self._sweep = sweep  # called with the loop's time; settles what is due and answers the next due, or None
        self._timer: asyncio.TimerHandle | None = None

    def due_by(self, due: float) -> None:
        """Make sure the timer fires no later than `due` (loop time)."""
        if self._timer is None or due < self._timer.when():
            self._arm(due)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _arm(self, due: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.loop.call_at(due, self._fire)

    def _fire(self) -> None:
        self._timer = None
        following = self._sweep(self.loop.time())
        if following is not None:
            self._arm(following)
