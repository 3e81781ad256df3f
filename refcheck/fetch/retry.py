"""What counts as a passing failure, how long to wait before trying again (backoff, Retry-After), and each host's retry budget."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from typing import Protocol, TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_result, stop_after_attempt

# 500 is here although RFC 9110 does not call it temporary: in practice a 500 is often a hiccup, and one retry
# costs little. 501/505 (not implemented, version) are definite and are not retried.
TRANSIENT_HTTP_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

BACKOFF_INITIAL = 0.5  # seconds before the first retry; doubles each time
BACKOFF_MAX = 8.0
BACKOFF_JITTER = 0.5  # up to this many extra seconds, so many URLs failing together do not retry in lockstep

Sleep = Callable[[float], Awaitable[None]]


class Retryable(Protocol):
    """An attempt's outcome as the retry policy sees it: the attempt never raises, it returns one of these."""

    transient: bool
    retry_after: float | None  # seconds the server asked us to wait, already parsed


T = TypeVar("T", bound=Retryable)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date. None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, moment.timestamp() - current)


class HostRetryBudget:
    """Retries each host may still spend this run, so one sick host cannot stall everything queued behind it."""

    def __init__(self, per_host: int):
        self._per_host = per_host
        self._spent: dict[str, int] = {}

    def available(self, host: str) -> bool:
        return self._spent.get(host, 0) < self._per_host

    def spend(self, host: str) -> None:
        self._spent[host] = self._spent.get(host, 0) + 1

    def spent(self, host: str) -> int:
        return self._spent.get(host, 0)


def backoff_delay(retry_number: int, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter for the n-th retry (1-based)."""
    base = min(BACKOFF_MAX, BACKOFF_INITIAL * 2 ** (retry_number - 1))
    return base + (rng or random).uniform(0, BACKOFF_JITTER)


async def with_retries(
    attempt: Callable[[], Awaitable[T]],
    *,
    host: str,
    retries: int,
    budget: HostRetryBudget,
    retry_after_cap: float,
    time_left: Callable[[], float],
    sleep: Sleep = asyncio.sleep,
) -> T:
    """Run `attempt` until its outcome is not transient, the attempts or the host's budget run out, or waiting would
    overrun the URL's deadline. Returns the last outcome either way: retries decide on results, never on exceptions.

    A Retry-After longer than `retry_after_cap` ends the retries at once (waiting a capped time would only meet the
    same refusal); a shorter one replaces the backoff delay.
    """

    def should_retry(outcome: T) -> bool:
        if not outcome.transient or not budget.available(host):
            return False
        return outcome.retry_after is None or outcome.retry_after <= retry_after_cap

    def wait(state: RetryCallState) -> float:
        outcome = state.outcome.result()
        if outcome.retry_after is not None:
            return outcome.retry_after
        return backoff_delay(state.attempt_number)

    def out_of_time(state: RetryCallState) -> bool:
        return state.upcoming_sleep >= time_left()

    retrying = AsyncRetrying(
        stop=stop_after_attempt(retries + 1) | out_of_time,
        wait=wait,
        retry=retry_if_result(should_retry),
        before_sleep=lambda state: budget.spend(host),
        retry_error_callback=lambda state: state.outcome.result(),
        sleep=sleep,
    )
    return await retrying(attempt)
