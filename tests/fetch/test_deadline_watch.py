"""URL deadlines on one loop timer (fetch/client.py, _DeadlineWatch): every URL's clock is struck when its own time is
out, whatever the others do: one done early, one paused for the page reader, one whose time the reader took."""

from __future__ import annotations

import asyncio

from refcheck.fetch import client


async def _url(watch: client._DeadlineWatch, seconds: float, steps, stalls=lambda: 0.0) -> str:
    """Run `steps` (("network", s) or ("paused", s)) within a `seconds` deadline: "done" or "timeout"."""
    window = asyncio.Timeout(None)
    clock = client._Deadline(seconds, window, stalls, watch)
    try:
        async with window:
            clock.start()
            for kind, length in steps:
                if kind == "paused":
                    with clock.paused():
                        await asyncio.sleep(length)
                else:
                    await asyncio.sleep(length)
        return "done"
    except TimeoutError:
        return "timeout"
    finally:
        clock.stop()


def test_one_timer_strikes_each_deadline_in_turn_and_spares_the_paused_and_the_stalled():
    async def urls():
        watch = client._DeadlineWatch(asyncio.get_running_loop())
        reader = [0.0]  # seconds the page reader has held the loop so far (a stall no URL is charged for)

        async def reader_busy():
            await asyncio.sleep(0.2)
            reader[0] += 1.0

        outcomes = await asyncio.wait_for(asyncio.gather(
            _url(watch, 0.5, [("network", 0.02)]),  # done before the timer first fires
            _url(watch, 0.3, [("network", 5)]),  # struck first
            _url(watch, 0.6, [("network", 5)]),  # struck after the timer armed itself again
            _url(watch, 0.5, [("network", 0.05), ("paused", 1.0), ("network", 0.05)]),  # paused past the others
            _url(watch, 0.5, [("network", 0.9)], stalls=lambda: reader[0]),  # 0.9 s, but the reader's 1 s is excused
            reader_busy()), 10)
        return outcomes[:5], watch.running

    outcomes, running = asyncio.run(urls())
    assert outcomes == ["done", "timeout", "timeout", "done", "done"]
    assert running == set()  # every clock stopped has left the watch


def test_the_timer_arms_itself_again_for_a_later_deadline_when_no_clock_starts_after():
    async def urls():
        watch = client._DeadlineWatch(asyncio.get_running_loop())
        return await asyncio.wait_for(asyncio.gather(_url(watch, 0.2, [("network", 5)]),
                                                     _url(watch, 0.4, [("network", 5)])), 5)

    assert asyncio.run(urls()) == ["timeout", "timeout"]


def test_a_fetcher_has_one_watch_per_loop():
    fetcher = client.Fetcher(client.FetchSettings(allow_private=True))

    async def watches():
        return fetcher._deadline_watch(), fetcher._deadline_watch()

    first, again = asyncio.run(watches())
    other, _ = asyncio.run(watches())
    assert first is again and other is not first and other.loop is not first.loop
