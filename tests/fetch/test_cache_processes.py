"""The fetch cache under real processes: two writers at once on one file, and a writer killed with SIGKILL mid-run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from refcheck.fetch.cache import CACHE_FILENAME, FetchCache
from refcheck.models import FetchResult, PageFacts, UrlStatus

REPO = Path(__file__).resolve().parents[2]

# Each writer stores its own URLs (ok, with a page naming the writer) and a set shared with the other writer
# (dead, so both runs count in the shared URLs' failure history). It waits for a start file so both really overlap,
# and prints the index of each URL once `store` has returned (or `store_soon`'s future is done), i.e. once it is
# committed.
WRITER = """
import sys, time
from pathlib import Path
from refcheck.fetch.cache import FetchCache
from refcheck.models import FetchResult, PageFacts, UrlStatus

directory, name, own, shared, start_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
mode = sys.argv[6]
cache = FetchCache(Path(directory), run_id=name)
deadline = time.monotonic() + 30
while not Path(start_file).exists() and time.monotonic() < deadline:
    time.sleep(0.005)
def outcome(index):
    if index < shared:
        url = f"https://shared.example/{index}"
        return FetchResult(url=url, fetched_url=url, status=UrlStatus.DEAD, http_status=404)
    url = f"https://{name}.example/{index}"
    page = PageFacts(title=url, main_text=f"{name} " * 200)
    return FetchResult(url=url, fetched_url=url, status=UrlStatus.OK, http_status=200, page=page)

if mode == "store":
    index = 0
    while own < 0 or index < own + shared:
        cache.store(outcome(index), etag=f'"{index}"')
        print(index, flush=True)
        index += 1
else:  # store_soon, as the fetcher does: many rows in flight at once, one transaction per batch
    import asyncio

    async def one(index):
        await cache.store_soon(outcome(index), etag=f'"{index}"')
        print(index, flush=True)

    async def main():
        start = 0
        while own < 0 or start < own + shared:
            end = start + 25 if own < 0 else min(start + 25, own + shared)
            await asyncio.gather(*(one(index) for index in range(start, end)))
            start = end

    asyncio.run(main())
cache.close()
"""


def start_writer(directory: Path, name: str, own: int, shared: int, start_file: Path,
                 mode: str = "store") -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(directory), name, str(own), str(shared), str(start_file), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        cwd=REPO,
    )


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


@pytest.mark.parametrize("mode", ["store", "store_soon"])
@pytest.mark.parametrize("first_run", [False, True], ids=["existing-file", "both-create-the-file"])
def test_two_processes_writing_at_once_both_finish_with_every_row(tmp_path, first_run, mode):
    own, shared = 500, 50
    start_file = tmp_path / "go"
    if not first_run:
        FetchCache(tmp_path / "cache").close()  # an existing file, as on any run after the first
    writers = {name: start_writer(tmp_path / "cache", name, own, shared, start_file, mode) for name in ("alpha", "beta")}
    start_file.touch()
    outputs = {name: writer.communicate(timeout=90) for name, writer in writers.items()}

    for name, writer in writers.items():
        stdout, stderr = outputs[name]
        assert writer.returncode == 0, stderr
        printed = [int(index) for index in stdout.split()]
        assert (printed if mode == "store" else sorted(printed)) == list(range(own + shared))

    with FetchCache(tmp_path / "cache", run_id="reader") as cache:
        assert cache.stats()["entries"] == 2 * own + shared
        for name in ("alpha", "beta"):
            urls = [f"https://{name}.example/{i}" for i in range(shared, shared + own)]
            entries = cache.lookup_many(urls)
            assert set(entries) == set(urls)
            for url, entry in entries.items():
                assert entry.result.status is UrlStatus.OK and entry.result.page.title == url
                assert entry.result.page.main_text == f"{name} " * 200
                assert entry.etag == f'"{url.rsplit("/", 1)[1]}"'
        shared_entries = cache.lookup_many(f"https://shared.example/{i}" for i in range(shared))
        assert len(shared_entries) == shared
        # Both runs failed on every shared URL: no increment was lost to the other writer.
        assert {entry.result.failed_runs for entry in shared_entries.values()} == {2}
    assert integrity(tmp_path / "cache" / CACHE_FILENAME) == "ok"


@pytest.mark.parametrize("mode", ["store", "store_soon"])
def test_a_writer_killed_mid_run_loses_nothing_it_had_stored(tmp_path, mode):
    start_file = tmp_path / "go"
    start_file.touch()
    writer = start_writer(tmp_path / "cache", "victim", -1, 0, start_file, mode)  # stores until it is killed
    reported: list[int] = []
    deadline = time.monotonic() + 60
    while len(reported) < 400 and time.monotonic() < deadline:
        line = writer.stdout.readline()
        if not line:
            break
        reported.append(int(line))
    writer.send_signal(signal.SIGKILL)
    rest, stderr = writer.communicate(timeout=30)
    reported += [int(line) for line in rest.split()]  # lines printed before the kill landed

    assert writer.returncode == -signal.SIGKILL, stderr
    assert len(reported) >= 400, stderr
    path = tmp_path / "cache" / CACHE_FILENAME
    assert integrity(path) == "ok"
    with FetchCache(tmp_path / "cache", run_id="rerun") as cache:
        urls = [f"https://victim.example/{i}" for i in reported]
        entries = cache.lookup_many(urls)
        assert set(entries) == set(urls)
        assert all(entry.result.page.title == url for url, entry in entries.items())
        # The rerun can carry on where the killed run stopped.
        cache.store(FetchResult(url="https://after.example/", status=UrlStatus.OK, page=PageFacts(title="after")))
        assert cache.lookup("https://after.example/").result.page.title == "after"
    assert integrity(path) == "ok"
