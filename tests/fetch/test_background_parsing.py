"""Page reading at a lower priority than network I/O: one page per turn of the event loop (fetch/client.py)."""

from __future__ import annotations

import asyncio

import pytest

from refcheck.fetch.client import _BackgroundParsing
from refcheck.models import PageFacts


def test_other_ready_work_runs_between_two_pages():
    events: list[str] = []

    def read(name: str) -> PageFacts:
        events.append(f"read {name}")
        return PageFacts(title=name)

    async def network_step() -> None:  # stands for a coroutine whose answer has just arrived
        for step in range(3):
            events.append(f"network {step}")
            await asyncio.sleep(0)

    async def main() -> list[PageFacts]:
        parsing = _BackgroundParsing()
        pages = asyncio.gather(*(parsing.run(read, name) for name in "abc"))
        await asyncio.gather(pages, network_step())
        return await pages

    pages = asyncio.run(main())
    assert [page.title for page in pages] == ["a", "b", "c"]
    # Inline parsing would read a, b and c back to back; here the network gets a turn between pages.
    assert events.index("network 1") < events.index("read c")
    assert events.count("read a") == events.count("read b") == events.count("read c") == 1


def test_a_reader_error_reaches_its_own_url_only():
    def read(name: str) -> PageFacts:
        if name == "bad":
            raise ValueError("broken page")
        return PageFacts(title=name)

    async def main():
        parsing = _BackgroundParsing()
        return await asyncio.gather(parsing.run(read, "bad"), parsing.run(read, "good"), return_exceptions=True)

    bad, good = asyncio.run(main())
    assert isinstance(bad, ValueError) and good.title == "good"


def test_a_page_whose_url_gave_up_waiting_is_not_read():
    read_names: list[str] = []

    def read(name: str) -> PageFacts:
        read_names.append(name)
        return PageFacts(title=name)

    async def main():
        parsing = _BackgroundParsing()
        first = asyncio.ensure_future(parsing.run(read, "first"))
        doomed = asyncio.ensure_future(parsing.run(read, "doomed"))
        last = asyncio.ensure_future(parsing.run(read, "last"))
        await asyncio.sleep(0)  # all three are queued; no page has been read yet
        assert read_names == []
        doomed.cancel()  # its URL runs out of time while it waits its turn
        with pytest.raises(asyncio.CancelledError):
            await doomed
        await first
        return await last

    assert asyncio.run(main()).title == "last"
    assert read_names == ["first", "last"]
