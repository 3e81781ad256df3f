"""Like-for-like CPU of the HTTP stacks refcheck could fetch with: N loopback URLs from bench/simweb.py, each body read
raw and decoded by refcheck's own capped decoder, with the same guard check, gates and limits in every stack.

    .venv-bench/bin/python bench/http_stacks.py [--urls 2000] [--hosts 50] [--latency 0.02] [--rounds 3]
        [--stacks fetcher,httpx,aiohttp,pycurl]

Stacks (each in this one process, on one asyncio event loop, in turn, rounds interleaved so that load from other jobs
on a shared machine hits all of them alike):
  fetcher  refcheck's whole fetch path (`Fetcher`, one process, no cache, a page reader that reads nothing) on the
           aiohttp engine (REFCHECK_HTTP_ENGINE=aiohttp, fetch/engine_aiohttp.py) + everything refcheck does around a request (redirects,
           deadline; the soft-404 probe is off);
  fetcher-httpx  the same with REFCHECK_HTTP_ENGINE=httpx (httpx's own stack, PerOriginTransport);
  fetcher-curl   the same with REFCHECK_HTTP_ENGINE=curl (libcurl's CurlMulti on the loop, fetch/engine_curl.py);
  httpx    httpx.AsyncClient building each request, sent straight to refcheck's PerOriginTransport (its pinned
           asyncio network backend, fetch/network.py), the body read with aiter_raw — the fetcher's own calls, alone;
  httpx-aiohttp  the same calls, sent to refcheck's AiohttpTransport (the aiohttp engine behind httpx's interface);
  httpcore httpx's engine alone: httpcore requests sent to the same pinned per-origin pools, no httpx models;
  aiohttp  aiohttp.ClientSession, TCPConnector(limit, limit_per_host) with a resolver that answers only the guard's
           pinned addresses (no DNS cache), auto_decompress off, the body read with iter_any;
  pycurl   one CurlMulti driven by the asyncio loop (socket and timer callbacks), easy handles reused, each pinned
           with CURLOPT_RESOLVE to the guard's addresses, curl's own decoding off, proxies off.
Every stack: guard.check(host, port) before every request, a global gate (--concurrency) and a per-host gate
(--per-host) as the fetcher has, 'Accept-Encoding: gzip, deflate, br', redirects not followed, the raw body fed to
refcheck.fetch.decoding.CappedDecoder (10 MB cap). Every answer's status and decoded size are checked against the
plan (a stack that gets one wrong is reported as such).

Reported per stack (after one untimed warm-up of 50 URLs each): CPU ms per URL (time.process_time of this process around the fetch: the simulated web runs in
its own process), wall seconds, and the median over rounds. Optional stacks that are not installed are skipped
(aiohttp and pycurl are runtime dependencies).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from simweb import plan_web  # noqa: E402

from refcheck.fetch.decoding import CappedDecoder, accept_encoding  # noqa: E402
from refcheck.fetch.engine_curl import SocketsOnLoop  # noqa: E402
from refcheck.fetch.guard import Guard  # noqa: E402

CAP = 10 * 1024 * 1024
HEADERS = {"User-Agent": "refcheck-bench", "Accept": "text/html,*/*;q=0.5"}


class Gates:
    """The fetcher's two gates: a global limit and one per host."""

    def __init__(self, concurrency: int, per_host: int):
        self.all = asyncio.Semaphore(concurrency)
        self.per_host = per_host
        self.hosts: dict[str, asyncio.Semaphore] = {}

    def host(self, host: str) -> asyncio.Semaphore:
        gate = self.hosts.get(host)
        if gate is None:
            gate = self.hosts[host] = asyncio.Semaphore(self.per_host)
        return gate


# ── the stacks: each returns {url: (status, decoded bytes)} ─────────────────────────────────────────────────────


async def run_fetcher(urls: list[str], concurrency: int, per_host: int, engine: str = "aiohttp",
                      ) -> dict[str, tuple[int, int]]:
    import os

    from refcheck.fetch.client import Fetcher
    from refcheck.models import PageFacts
    from refcheck.settings import FetchSettings

    seen: dict[str, int] = {}

    def reader(body: bytes, content_type, url) -> PageFacts:
        seen[url] = len(body)
        return PageFacts(content_type=content_type, title="t", text_read=True)

    settings = FetchSettings(allow_private=True, max_concurrency=concurrency, per_host=per_host, workers=1,
                             probe_soft_404=False)
    os.environ["REFCHECK_HTTP_ENGINE"] = engine
    try:
        run = await Fetcher(settings, read_page=reader).run(urls)
    finally:
        del os.environ["REFCHECK_HTTP_ENGINE"]
    # The fetcher follows redirects itself (one more request for each 301): reported as the first hop's status.
    return {url: (result.redirects[0].status if result.redirects else result.http_status or 0,
                  seen.get(result.final_url or url, 0)) for url, result in run.results.items()}


async def run_fetcher_httpx(urls: list[str], concurrency: int, per_host: int) -> dict[str, tuple[int, int]]:
    return await run_fetcher(urls, concurrency, per_host, engine="httpx")


async def run_fetcher_curl(urls: list[str], concurrency: int, per_host: int) -> dict[str, tuple[int, int]]:
    return await run_fetcher(urls, concurrency, per_host, engine="curl")


async def run_httpx(urls: list[str], concurrency: int, per_host: int, engine: str = "httpx",
                    ) -> dict[str, tuple[int, int]]:
    import httpx

    from refcheck.fetch.client import PerOriginTransport

    guard = Guard(allow_private=True)
    gates = Gates(concurrency, per_host)
    if engine == "aiohttp":
        from refcheck.fetch.engine_aiohttp import AiohttpTransport

        transport = AiohttpTransport(guard, per_origin=per_host)
    else:
        transport = PerOriginTransport(guard, per_origin=per_host)
    headers = {**HEADERS, "Accept-Encoding": accept_encoding()}
    out: dict[str, tuple[int, int]] = {}
    async with httpx.AsyncClient(transport=transport, headers=headers, follow_redirects=False, trust_env=False,
                                 timeout=httpx.Timeout(30, pool=None)) as client:

        async def one(url: str) -> None:
            parsed = httpx.URL(url)
            await guard.check(parsed.host, parsed.port or 80)
            async with gates.host(parsed.host), gates.all:
                request = client.build_request("GET", parsed)
                response = await transport.handle_async_request(request)
                try:
                    decoder = CappedDecoder(response.headers.get("content-encoding"), CAP)
                    async for chunk in response.aiter_raw():
                        decoder.feed(chunk)
                finally:
                    await response.aclose()
            out[url] = (response.status_code, decoder.size)

        await asyncio.gather(*(one(url) for url in urls))
    return out


async def run_httpx_aiohttp(urls: list[str], concurrency: int, per_host: int) -> dict[str, tuple[int, int]]:
    return await run_httpx(urls, concurrency, per_host, engine="aiohttp")


async def run_httpcore(urls: list[str], concurrency: int, per_host: int) -> dict[str, tuple[int, int]]:
    """httpx's engine without httpx's request and response models: refcheck's pinned pools, fed httpcore requests."""
    import httpcore

    from refcheck.fetch.client import PerOriginTransport

    guard = Guard(allow_private=True)
    gates = Gates(concurrency, per_host)
    transport = PerOriginTransport(guard, per_origin=per_host)
    headers = [(name.encode(), value.encode()) for name, value in
               {**HEADERS, "Accept-Encoding": accept_encoding()}.items()]
    out: dict[str, tuple[int, int]] = {}

    async def one(url: str) -> None:
        parts = urlsplit(url)
        port = parts.port or 80
        await guard.check(parts.hostname, port)
        async with gates.host(parts.hostname), gates.all:
            origin = (parts.scheme, parts.hostname, port)
            request = httpcore.Request("GET", url, headers=[(b"Host", parts.netloc.encode()), *headers],
                                       extensions={"timeout": {"connect": 30, "read": 30, "write": 30, "pool": None}})
            response = await _pool_for(transport, origin).handle_async_request(request)
            try:
                encoding = next((value.decode("latin-1") for name, value in response.headers
                                 if name.lower() == b"content-encoding"), None)
                decoder = CappedDecoder(encoding, CAP)
                async for chunk in response.aiter_stream():
                    decoder.feed(chunk)
            finally:
                await response.aclose()
        out[url] = (response.status, decoder.size)

    await asyncio.gather(*(one(url) for url in urls))
    await transport.aclose()
    return out


def _pool_for(transport, origin):
    from refcheck.fetch.client import PinnedTransport

    pool = transport._pools.get(origin)
    if pool is None:
        pool = transport._pools[origin] = PinnedTransport(transport._guard, limits=transport._limits)
    return pool._pool


async def run_aiohttp(urls: list[str], concurrency: int, per_host: int) -> dict[str, tuple[int, int]]:
    import socket

    import aiohttp
    from aiohttp.abc import AbstractResolver

    guard = Guard(allow_private=True)

    class PinnedResolver(AbstractResolver):
        """Answers only what the guard approved for (host, port): the connection goes nowhere else."""

        async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET):
            addresses = guard.pinned(host, port)
            if not addresses:
                raise OSError(f"{host}:{port} was not checked by the guard")
            return [{"hostname": host, "host": address, "port": port,
                     "family": socket.AF_INET6 if ":" in address else socket.AF_INET, "proto": 0,
                     "flags": socket.AI_NUMERICHOST} for address in addresses]

        async def close(self) -> None:
            pass

    gates = Gates(concurrency, per_host)
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=per_host, resolver=PinnedResolver(),
                                     use_dns_cache=False)
    out: dict[str, tuple[int, int]] = {}
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False, trust_env=False,
                                     headers={**HEADERS, "Accept-Encoding": accept_encoding()},
                                     timeout=aiohttp.ClientTimeout(total=None, sock_read=30, sock_connect=30)) as session:

        async def one(url: str) -> None:
            parts = urlsplit(url)
            await guard.check(parts.hostname, parts.port or 80)
            async with gates.host(parts.hostname), gates.all:
                async with session.get(url, allow_redirects=False) as response:
                    decoder = CappedDecoder(response.headers.get("Content-Encoding"), CAP)
                    async for chunk in response.content.iter_any():
                        decoder.feed(chunk)
            out[url] = (response.status, decoder.size)

        await asyncio.gather(*(one(url) for url in urls))
    return out


class CurlOnLoop(SocketsOnLoop):
    """One pycurl.CurlMulti driven by an asyncio loop through curl's socket and timer callbacks."""

    def __init__(self, concurrency: int, per_host: int):
        import pycurl

        self.pycurl = pycurl
        self.loop = asyncio.get_running_loop()
        self.multi = pycurl.CurlMulti()
        self.multi.setopt(pycurl.M_MAX_HOST_CONNECTIONS, per_host)
        self.multi.setopt(pycurl.M_MAX_TOTAL_CONNECTIONS, concurrency)
        self.multi.setopt(pycurl.M_SOCKETFUNCTION, self._on_socket)
        self.multi.setopt(pycurl.M_TIMERFUNCTION, self._on_timer)
        self.timer: asyncio.TimerHandle | None = None
        self.watched: dict[int, int] = {}
        self.idle: list = []  # easy handles kept for reuse (curl keeps their connection caches in the multi)

    def _on_timer(self, milliseconds: int) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if milliseconds >= 0:
            self.timer = self.loop.call_later(milliseconds / 1000, self._act, self.pycurl.SOCKET_TIMEOUT, 0)

    def _act(self, fd: int, event: int) -> None:
        self.multi.socket_action(fd, event)
        while True:
            queued, done, failed = self.multi.info_read()
            for handle in done:
                self.multi.remove_handle(handle)
                handle.waiter.set_result(handle.getinfo(self.pycurl.RESPONSE_CODE))
            for handle, code, message in failed:
                self.multi.remove_handle(handle)
                handle.waiter.set_exception(OSError(code, message))
            if not queued:
                break

    async def get(self, url: str, pinned: str, headers: list[str]) -> tuple[int, int]:
        pycurl = self.pycurl
        handle = self.idle.pop() if self.idle else pycurl.Curl()
        parts = urlsplit(url)
        decoder_box: list[CappedDecoder] = []
        encoding: list[str | None] = [None]

        def header(line: bytes) -> None:
            if line[:17].lower() == b"content-encoding:":
                encoding[0] = line[17:].strip().decode("latin-1")

        def body(chunk: bytes) -> None:
            if not decoder_box:
                decoder_box.append(CappedDecoder(encoding[0], CAP))
            decoder_box[0].feed(chunk)

        handle.setopt(pycurl.URL, url)
        handle.setopt(pycurl.RESOLVE, [f"{parts.hostname}:{parts.port or 80}:{pinned}"])
        handle.setopt(pycurl.HTTPHEADER, headers)
        handle.setopt(pycurl.HEADERFUNCTION, header)
        handle.setopt(pycurl.WRITEFUNCTION, body)
        handle.setopt(pycurl.HTTP_CONTENT_DECODING, 0)
        handle.setopt(pycurl.FOLLOWLOCATION, 0)
        handle.setopt(pycurl.PROXY, "")
        handle.setopt(pycurl.NOPROXY, "*")
        handle.setopt(pycurl.CONNECTTIMEOUT, 30)
        handle.waiter = self.loop.create_future()
        self.multi.add_handle(handle)
        try:
            status = await handle.waiter
        finally:
            self.idle.append(handle)
        return status, decoder_box[0].size if decoder_box else 0


async def run_pycurl(urls: list[str], concurrency: int, per_host: int) -> dict[str, tuple[int, int]]:
    guard = Guard(allow_private=True)
    gates = Gates(concurrency, per_host)
    curl = CurlOnLoop(concurrency, per_host)
    headers = [f"{name}: {value}" for name, value in {**HEADERS, "Accept-Encoding": accept_encoding()}.items()]
    out: dict[str, tuple[int, int]] = {}

    async def one(url: str) -> None:
        parts = urlsplit(url)
        checked = await guard.check(parts.hostname, parts.port or 80)
        async with gates.host(parts.hostname), gates.all:
            out[url] = await curl.get(url, checked.addresses[0], headers)

    await asyncio.gather(*(one(url) for url in urls))
    for handle in curl.idle:
        handle.close()
    curl.multi.close()
    return out


STACKS = {"fetcher": run_fetcher, "fetcher-httpx": run_fetcher_httpx, "fetcher-curl": run_fetcher_curl, "httpx": run_httpx,
          "httpx-aiohttp": run_httpx_aiohttp, "httpcore": run_httpcore, "aiohttp": run_aiohttp, "pycurl": run_pycurl}
OPTIONAL = {"pycurl": "pycurl", "fetcher-curl": "pycurl"}


def available(name: str) -> bool:
    module = OPTIONAL.get(name)
    if module is None:
        return True
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def expected(pages, port: int) -> dict[str, int]:
    """The status each URL answers (redirects are not followed: 301)."""
    return {page.url(port): {"ok": 200, "dead": 404, "redirect": 301}[page.kind] for page in pages}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--concurrency", type=int, default=128)
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stacks", default=",".join(STACKS))
    args = parser.parse_args()
    names = [name for name in args.stacks.split(",") if name]
    missing = [name for name in names if not available(name)]
    names = [name for name in names if name not in missing]
    web = subprocess.Popen([sys.executable, str(HERE / "simweb.py"), "--urls", str(args.urls), "--hosts",
                            str(args.hosts), "--latency", str(args.latency), "--max-requests", "10000000"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    cpu: dict[str, list[float]] = {name: [] for name in names}
    wall: dict[str, list[float]] = {name: [] for name in names}
    wrong: dict[str, int] = {name: 0 for name in names}
    try:
        port = json.loads(web.stdout.readline())["port"]
        pages = plan_web(args.urls, args.hosts)
        truth = expected(pages, port)
        urls = list(truth)
        for name in names:  # imports and first-use costs (CA bundle, regexes) stay out of the figures
            asyncio.run(STACKS[name](urls[:50], args.concurrency, args.per_host))
        for _ in range(args.rounds):
            for name in names:
                started, began = time.perf_counter(), time.process_time()
                answers = asyncio.run(STACKS[name](urls, args.concurrency, args.per_host))
                cpu[name].append(time.process_time() - began)
                wall[name].append(time.perf_counter() - started)
                wrong[name] += sum(1 for url, status in truth.items()
                                   if answers.get(url, (0, 0))[0] != status
                                   or (status == 200 and answers[url][1] < 1000))
    finally:
        web.stdin.close()
        web.wait()
    import os

    print(f"{args.urls} URLs over {args.hosts} loopback hosts, {args.latency * 1000:g} ms latency, concurrency "
          f"{args.concurrency} ({args.per_host} per host), {args.rounds} rounds interleaved; load average "
          f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if missing:
        print(f"not installed, skipped: {', '.join(missing)}")
    print("\n| stack | CPU ms per URL (median) | rounds | wall s (median) | wrong answers |")
    print("|---|---:|---|---:|---:|")
    for name in names:
        per_url = [value / args.urls * 1000 for value in cpu[name]]
        print(f"| {name} | {statistics.median(per_url):.3f} | {' / '.join(f'{v:.3f}' for v in per_url)} "
              f"| {statistics.median(wall[name]):.2f} | {wrong[name]} |")
    return 1 if any(wrong.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
