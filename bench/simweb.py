"""A simulated web for the fetch benchmark: many loopback hosts (127.0.0.2, 127.0.0.3, …) answering realistic pages after an injected latency, with some dead pages and same-host redirects.

Run as its own process (so it never shares a GIL with the client being measured):

    python bench/simweb.py --urls 2000 --hosts 50 --latency 0.1

It prints one JSON line on stdout once every host listens ({"port", "hosts", "pid"}), then serves HTTP/1.1 with
keep-alive until stdin closes (the parent went away), `--lifetime` seconds pass, or `--max-requests` requests were
answered; it never sends a packet outside 127.0.0.0/8. `plan_web` is the single source of truth for which page is
alive, dead or redirected, so the benchmark knows the right answer without asking the server.

`GET /_simweb/stats` on any host returns counters as JSON (requests, statuses, the most requests in flight at once,
overall and per host), which is how the benchmark sees each client's request count and concurrency from outside.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import os
import random
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from email.utils import formatdate

FIRST_HOST = 2  # 127.0.0.1 is left to everything else on the machine
HOSTS_PER_BLOCK = 250  # 127.0.0.2 … 127.0.0.251, then 127.0.1.2 …: every address is on loopback (127.0.0.0/8)
MAX_HOSTS = 4 * HOSTS_PER_BLOCK
HEAD_LIMIT = 64 * 1024  # a request head longer than this closes the connection
STATS_PATH = "/_simweb/stats"

_WORDS = (
    "policy research model language data energy market city council report budget school river climate survey "
    "network software library archive museum harbour railway election court ruling study results method sample "
    "analysis growth rate index review draft agency minister region province county village festival season "
    "history record statement evidence source journal article figure table chapter editor reader version release "
    "support service project program system platform standard protocol security privacy safety health hospital "
    "patient doctor trial vaccine water forest coast island mountain valley weather storm drought harvest farm "
    "factory worker union wage price inflation currency bank loan debt trade export import tariff treaty border"
).split()
_JAPANESE = (
    "政府は 新しい 政策を 発表した。 研究者によると、 この 調査の 結果は 重要である。 市議会は 予算案を 可決した。 "
    "気候変動の 影響が 各地で 報告されている。 専門家は 慎重な 対応を 求めている。 図書館の 資料は 公開された。 "
    "鉄道会社は 運賃の 改定を 検討している。 病院では 新しい 治療法の 試験が 始まった。"
).split()


@dataclass(frozen=True)
class SimPage:
    """One URL of the simulated web and what it answers."""

    host: str  # "127.0.0.N"
    path: str
    kind: str  # "ok" | "dead" | "redirect"
    title: str
    japanese: bool = False

    def url(self, port: int) -> str:
        return f"http://{self.host}:{port}{self.path}"

    @property
    def redirect_target(self) -> str:
        """Where a redirect points: a live page on the same host that the document does not cite."""
        return self.path.replace("/old/", "/articles/", 1) + "-moved"


def host_addresses(hosts: int) -> list[str]:
    if not 1 <= hosts <= MAX_HOSTS:
        raise ValueError(f"--hosts must be 1..{MAX_HOSTS}")
    return [f"127.0.{index // HOSTS_PER_BLOCK}.{FIRST_HOST + index % HOSTS_PER_BLOCK}" for index in range(hosts)]


def plan_web(urls: int, hosts: int, *, seed: int = 1, dead_share: float = 0.05,
             redirect_share: float = 0.02) -> list[SimPage]:
    """The document's URLs, round-robin over the hosts, with a seeded choice of which are dead or redirected."""
    addresses = host_addresses(hosts)
    chooser = random.Random(seed)
    order = list(range(urls))
    chooser.shuffle(order)
    dead_count = round(urls * dead_share)
    redirect_count = round(urls * redirect_share)
    dead = set(order[:dead_count])
    redirected = set(order[dead_count:dead_count + redirect_count])
    pages = []
    for index in range(urls):
        host = addresses[index % hosts]
        words = random.Random(f"{seed}:{index}").sample(_WORDS, 5)
        slug = "-".join(words[:3])
        kind = "dead" if index in dead else "redirect" if index in redirected else "ok"
        folder = "old" if kind == "redirect" else "articles"
        title = " ".join(words).capitalize()
        pages.append(SimPage(host, f"/{folder}/{2020 + index % 6}/{slug}-{index}", kind, title,
                             japanese=index % 10 == 7))
    return pages


# ── page bodies ──────────────────────────────────────────────────────────────────────────────────────────────


def _site_name(host: str) -> str:
    return f"Example Daily {host.rsplit('.', 1)[1]}"


def _paragraph(chooser: random.Random, japanese: bool) -> str:
    if japanese:
        return "".join(chooser.choice(_JAPANESE) for _ in range(chooser.randint(12, 30))).replace(" ", "")
    sentences = []
    for _ in range(chooser.randint(4, 8)):
        words = [chooser.choice(_WORDS) for _ in range(chooser.randint(8, 18))]
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


def render_page(page: SimPage, *, path: str | None = None, title: str | None = None) -> bytes:
    """A news-like article page of roughly 4–14 KB: head with og tags, nav, article body, footer."""
    path = path or page.path
    title = title or page.title
    chooser = random.Random(f"{page.host}{path}")
    site = _site_name(page.host)
    lang = "ja" if page.japanese else "en"
    nav = "\n".join(f'      <li><a href="/section/{word}">{word.capitalize()}</a></li>'
                    for word in chooser.sample(_WORDS, 14))
    paragraphs = "\n".join(f"      <p>{_paragraph(chooser, page.japanese)}</p>"
                           for _ in range(chooser.randint(5, 16)))
    description = _paragraph(chooser, page.japanese)[:150]
    html = f"""<!doctype html>
<html lang="{lang}">
<head>
  <meta charset="utf-8">
  <title>{title} | {site}</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="description" content="{description}">
  <meta property="og:type" content="article">
  <meta property="og:title" content="{title}">
  <meta property="og:site_name" content="{site}">
  <meta property="og:description" content="{description}">
  <meta property="article:published_time" content="2024-0{chooser.randint(1, 9)}-1{chooser.randint(0, 9)}T08:00:00Z">
  <link rel="canonical" href="http://{page.host}{path}">
  <link rel="stylesheet" href="/static/site.css">
</head>
<body>
  <header><a class="logo" href="/">{site}</a>
    <nav class="menu"><ul>
{nav}
    </ul></nav>
  </header>
  <main>
    <article>
      <h1>{title}</h1>
      <p class="byline">By Staff Writer · <time datetime="2024-05-01">1 May 2024</time></p>
{paragraphs}
    </article>
    <aside class="related"><h2>Related</h2><ul>{"".join(f'<li><a href="/articles/{w}">{w}</a></li>' for w in chooser.sample(_WORDS, 6))}</ul></aside>
  </main>
  <footer><p>© 2024 {site}. All rights reserved.</p><a href="/about">About</a> · <a href="/privacy">Privacy</a></footer>
</body>
</html>
"""
    return html.encode("utf-8")


def render_not_found(page: SimPage) -> bytes:
    site = _site_name(page.host)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Page not found | {site}</title></head>"
            f"<body><h1>404 Not Found</h1><p>The page {page.path} does not exist.</p></body></html>\n").encode()


# ── responses ────────────────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class _Response:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    gzipped: bytes | None = None  # the body gzip-encoded, for clients that accept it
    etag: str | None = None


_REASONS = {200: "OK", 301: "Moved Permanently", 304: "Not Modified", 404: "Not Found", 503: "Service Unavailable"}
_HTML = "text/html; charset=utf-8"
_LAST_MODIFIED = formatdate(1714550400, usegmt=True)


def _page_response(body: bytes) -> _Response:
    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
    headers = (("Content-Type", _HTML), ("ETag", etag), ("Last-Modified", _LAST_MODIFIED),
               ("Cache-Control", "max-age=300"), ("Vary", "Accept-Encoding"))
    return _Response(200, headers, body, gzip.compress(body, 6, mtime=0), etag)


def build_routes(pages: list[SimPage], port: int) -> dict[tuple[str, str], _Response]:
    """Every (host, path) the simulated web answers, rendered once up front so serving costs almost nothing."""
    routes: dict[tuple[str, str], _Response] = {}
    for page in pages:
        if page.kind == "dead":
            routes[(page.host, page.path)] = _Response(404, (("Content-Type", _HTML),), render_not_found(page))
        elif page.kind == "redirect":
            target = page.redirect_target
            location = f"http://{page.host}:{port}{target}"
            body = f"<html><body>Moved to <a href='{location}'>{location}</a></body></html>".encode()
            routes[(page.host, page.path)] = _Response(301, (("Location", location), ("Content-Type", _HTML)), body)
            routes[(page.host, target)] = _page_response(render_page(page, path=target))
        else:
            routes[(page.host, page.path)] = _page_response(render_page(page))
    return routes


class SimWeb:
    """The routes, the injected latency, the stop conditions and the counters shared by every connection."""

    def __init__(self, routes: dict[tuple[str, str], _Response], latency: float, max_requests: int):
        self.routes = routes
        self.latency = latency
        self.max_requests = max_requests
        self.requests = 0
        self.statuses: Counter[int] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self.host_in_flight: Counter[str] = Counter()
        self.host_max_in_flight: Counter[str] = Counter()
        self.connections = 0
        self.done = asyncio.Event()

    def stats(self) -> dict:
        cpu = os.times()
        return {"requests": self.requests, "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "max_in_flight": self.max_in_flight, "connections": self.connections,
                "max_in_flight_per_host": max(self.host_max_in_flight.values(), default=0),
                "cpu_seconds": round(cpu.user + cpu.system, 3)}

    def reset_peaks(self) -> None:
        self.max_in_flight = 0
        self.host_max_in_flight.clear()

    def respond(self, host: str, method: str, target: str, headers: dict[str, str]) -> tuple[bytes, bool]:
        """The whole response (head and body) for one request, and whether it counts toward the stats."""
        path = target.split("?", 1)[0]
        if path == STATS_PATH:
            if "reset" in target:
                self.reset_peaks()
            body = json.dumps(self.stats()).encode()
            return _serialise(_Response(200, (("Content-Type", "application/json"),), body), method, headers), False
        response = self.routes.get((host, path))
        if response is None:
            response = _Response(404, (("Content-Type", _HTML),), b"<html><title>Not found</title>no such page</html>")
        elif response.etag and headers.get("if-none-match") == response.etag:
            response = _Response(304, (("ETag", response.etag),), b"")
        self.statuses[response.status] += 1
        return _serialise(response, method, headers), True


def _serialise(response: _Response, method: str, headers: dict[str, str]) -> bytes:
    body = response.body
    extra = []
    if response.gzipped is not None and "gzip" in headers.get("accept-encoding", ""):
        body = response.gzipped
        extra.append("Content-Encoding: gzip")
    lines = [f"HTTP/1.1 {response.status} {_REASONS.get(response.status, 'Status')}", "Server: simweb",
             *(f"{name}: {value}" for name, value in response.headers), *extra, f"Content-Length: {len(body)}"]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if method == "HEAD" or response.status == 304 else head + body


class _Connection(asyncio.Protocol):
    """One keep-alive client connection: parse request heads as they come, answer each after the latency, in order."""

    def __init__(self, web: SimWeb):
        self.web = web
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.host = ""
        self.closing = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.host = transport.get_extra_info("sockname")[0]
        self.web.connections += 1

    def connection_lost(self, exc) -> None:
        self.closing = True

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while not self.closing:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > HEAD_LIMIT:
                    self._close()
                return
            head = bytes(self.buffer[:end]).decode("latin-1")
            del self.buffer[:end + 4]
            self._answer(head)

    def _answer(self, head: str) -> None:
        request_line, _, header_block = head.partition("\r\n")
        parts = request_line.split(" ")
        if len(parts) != 3:
            self._close()
            return
        method, target, version = parts
        headers = {}
        for line in header_block.split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
        data, counted = self.web.respond(self.host, method, target, headers)
        if counted:
            self._begin()
        # Equal delays keep call_later callbacks in order, so pipelined answers leave in request order.
        asyncio.get_running_loop().call_later(self.web.latency if counted else 0, self._send, data, close, counted)

    def _begin(self) -> None:
        web = self.web
        web.requests += 1
        web.in_flight += 1
        web.max_in_flight = max(web.max_in_flight, web.in_flight)
        web.host_in_flight[self.host] += 1
        web.host_max_in_flight[self.host] = max(web.host_max_in_flight[self.host], web.host_in_flight[self.host])

    def _send(self, data: bytes, close: bool, counted: bool) -> None:
        if counted:
            self.web.in_flight -= 1
            self.web.host_in_flight[self.host] -= 1
            if self.web.requests >= self.web.max_requests:
                self.web.done.set()
        if self.closing or self.transport is None:
            return
        self.transport.write(data)
        if close:
            self._close()

    def _close(self) -> None:
        self.closing = True
        if self.transport is not None:
            self.transport.close()


# ── process ──────────────────────────────────────────────────────────────────────────────────────────────────


async def _listen_everywhere(web: SimWeb, addresses: list[str], port: int) -> tuple[list[asyncio.Server], int]:
    """Bind every address on one port (chosen by the first bind when `port` is 0); retry if another program has it."""
    loop = asyncio.get_running_loop()
    for _ in range(30):
        servers: list[asyncio.Server] = []
        try:
            first = await loop.create_server(lambda: _Connection(web), addresses[0], port, backlog=1024)
            servers.append(first)
            chosen = first.sockets[0].getsockname()[1]
            for address in addresses[1:]:
                servers.append(await loop.create_server(lambda: _Connection(web), address, chosen, backlog=1024))
            return servers, chosen
        except OSError:
            for server in servers:
                server.close()
            if port:
                raise
    raise OSError("no port was free on every simulated host")


def _watch_stdin(done: asyncio.Event) -> None:
    """Stop when the parent closes our stdin (or dies), so a crashed benchmark leaves no server behind.

    A daemon thread, not asyncio.to_thread: the executor would wait at exit for a read that may never end.
    """
    loop = asyncio.get_running_loop()

    def wait_for_eof() -> None:
        # os.read, not sys.stdin: a daemon thread blocked inside the buffered reader aborts interpreter shutdown.
        while os.read(sys.stdin.fileno(), 4096):
            pass
        loop.call_soon_threadsafe(done.set)

    threading.Thread(target=wait_for_eof, name="simweb-stdin", daemon=True).start()


async def serve(args: argparse.Namespace) -> None:
    pages = plan_web(args.urls, args.hosts, seed=args.seed, dead_share=args.dead, redirect_share=args.redirects)
    addresses = host_addresses(args.hosts)
    web = SimWeb({}, args.latency, args.max_requests)
    servers, port = await _listen_everywhere(web, addresses, args.port)
    web.routes = build_routes(pages, port)
    print(json.dumps({"port": port, "hosts": addresses, "pid": os.getpid(), "routes": len(web.routes)}), flush=True)
    _watch_stdin(web.done)
    try:
        await asyncio.wait_for(web.done.wait(), timeout=args.lifetime)
    except TimeoutError:
        pass
    for server in servers:
        server.close()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds before each answer")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dead", type=float, default=0.05, help="share of pages that answer 404")
    parser.add_argument("--redirects", type=float, default=0.02, help="share of pages that answer 301 (same host)")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (the same on every host)")
    parser.add_argument("--lifetime", type=float, default=900.0, help="seconds after which the server stops anyway")
    parser.add_argument("--max-requests", type=int, default=200_000, help="stop after answering this many")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(serve(parse_args()))
