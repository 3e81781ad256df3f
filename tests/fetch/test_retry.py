"""The retry policy on plain outcomes: what is retried, how long it waits, Retry-After, budgets and the deadline."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from email.utils import formatdate

from refcheck.fetch.retry import BACKOFF_JITTER, HostRetryBudget, backoff_delay, parse_retry_after, with_retries


@dataclass(frozen=True)
class Outcome:
    name: str
    transient: bool
    retry_after: float | None = None


class Script:
    """Returns the scripted outcomes in turn and records the sleeps it was asked for."""

    def __init__(self, *outcomes: Outcome):
        self.outcomes = list(outcomes)
        self.calls = 0
        self.sleeps: list[float] = []

    async def attempt(self) -> Outcome:
        self.calls += 1
        return self.outcomes[min(self.calls, len(self.outcomes)) - 1]

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def run(script: Script, *, retries=3, budget=None, cap=30.0, time_left=lambda: 100.0, host="h"):
    return asyncio.run(with_retries(script.attempt, host=host, retries=retries, budget=budget or HostRetryBudget(100),
                                    retry_after_cap=cap, time_left=time_left, sleep=script.sleep))


def test_a_definite_outcome_is_returned_at_once():
    script = Script(Outcome("404", False))
    assert run(script).name == "404"
    assert script.calls == 1 and script.sleeps == []


def test_transient_then_success():
    script = Script(Outcome("503", True), Outcome("503", True), Outcome("200", False))
    assert run(script).name == "200"
    assert script.calls == 3 and len(script.sleeps) == 2


def test_when_attempts_run_out_the_last_outcome_is_returned_not_raised():
    script = Script(Outcome("503", True))
    assert run(script, retries=2).name == "503"
    assert script.calls == 3


def test_retry_after_replaces_the_backoff():
    script = Script(Outcome("429", True, retry_after=7.0), Outcome("200", False))
    run(script)
    assert script.sleeps == [7.0]


def test_retry_after_beyond_the_cap_gives_up():
    script = Script(Outcome("429", True, retry_after=120.0), Outcome("200", False))
    assert run(script, cap=30.0).name == "429"
    assert script.sleeps == []


def test_the_host_budget_is_shared_and_spent_only_on_real_retries():
    budget = HostRetryBudget(3)
    first, second = Script(Outcome("503", True)), Script(Outcome("503", True))
    run(first, retries=2, budget=budget)
    run(second, retries=2, budget=budget)
    assert first.calls + second.calls == 2 + 3  # two first attempts, three retries in all
    assert budget.spent("h") == 3 and not budget.available("h")
    other_host = Script(Outcome("503", True), Outcome("200", False))
    assert run(other_host, budget=budget, host="other").name == "200"


def test_no_wait_that_would_overrun_the_deadline():
    script = Script(Outcome("503", True, retry_after=5.0), Outcome("200", False))
    assert run(script, time_left=lambda: 2.0).name == "503"
    assert script.sleeps == []


def test_backoff_grows_exponentially_with_bounded_jitter():
    rng = random.Random(7)
    delays = [backoff_delay(n, rng) for n in range(1, 6)]
    bases = [0.5, 1.0, 2.0, 4.0, 8.0]
    assert all(base <= delay <= base + BACKOFF_JITTER for base, delay in zip(bases, delays))
    assert backoff_delay(20, rng) <= 8.0 + BACKOFF_JITTER  # capped


def test_parse_retry_after():
    now = 1_800_000_000.0
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after(formatdate(now + 90, usegmt=True), now=now) == 90.0
    assert parse_retry_after(formatdate(now - 90, usegmt=True), now=now) == 0.0  # a date in the past: now
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("-5") is None
