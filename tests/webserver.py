"""A real, threaded HTTP/1.1 server on 127.0.0.1 for tests: registered routes, a served directory, and built-in fault routes.

Usage (a pytest fixture is one line: `with WebServer() as server: yield server`):

    server.route("/page", Reply(200, "<title>Hi</title>"))          # same answer every time
    server.route("/flaky", Reply(500), Reply(200, "ok"))             # 1st request 500, then 200 for ever after
    server.route("/echo", lambda request: Reply(200, request.path))  # computed per request
    server.serve_directory(Path("site"), prefix="/docs/")
    server.url("/page") -> "http://127.0.0.1:PORT/page"
    server.hits("/flaky"), server.requests, server.max_in_flight

Built-in fault routes (used when no registered route matches):
    /_/status/<code>              that status, a tiny HTML body
    /_/redirect/<n>?code=302      a chain of n redirects ending at /_/status/200
    /_/loop/<a>                   /_/loop/a ↔ /_/loop/b, for ever
    /_/reset                      closes the connection with a TCP RST instead of answering
    /_/drip?bytes=20&interval=0.5 a body that arrives one byte per interval
    /_/delay?seconds=0.2          a 200 after a pause
    /_/gzip-bomb?mib=1024         a gzip body that inflates to that many MiB of zeros (streamed, ~1 MB per GiB)
    /_/challenge                  a Cloudflare-like 403 "Just a moment..." page

Each request is recorded (method, path, headers) before it is answered; `max_in_flight` is the largest number of
requests being answered at the same moment, which is how tests observe concurrency limits from the server's side.
"""

from __future__ import annotations

import gzip
import mimetypes
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    received: float  # time.monotonic()


@dataclass(frozen=True)
class Reply:
    """One answer. `body` may be an iterable of byte chunks (streamed); `drip` pauses before each chunk."""

    status: int = 200
    body: bytes | str | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "text/html; charset=utf-8"
    delay: float = 0.0  # seconds before the status line is sent
    drip: float = 0.0  # seconds before each chunk of an iterable body
    reset: bool = False  # abort the connection with a TCP RST instead of answering
    length: int | None = None  # Content-Length for a streamed body (default: chunked transfer encoding)


Handler = Callable[[Request], Reply]


class _Route:
    def __init__(self, replies: tuple[Reply | Handler, ...], methods: frozenset[str] | None):
        self._replies = replies
        self._methods = methods
        self._count = 0
        self._lock = threading.Lock()

    def answer(self, request: Request) -> Reply:
        if self._methods is not None and request.method not in self._methods:
            return Reply(405, "method not allowed", headers={"Allow": ", ".join(sorted(self._methods))})
        with self._lock:
            reply = self._replies[min(self._count, len(self._replies) - 1)]
            self._count += 1
        return reply(request) if callable(reply) else reply


class WebServer:
    """A threaded stdlib HTTP server bound to `host` (default 127.0.0.1) on a free port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._routes: dict[str, _Route] = {}
        self._prefixes: list[tuple[str, Path]] = []
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.connections = 0
        self._httpd = _Server((host, port), _handler_class(self))
        self.host, self.port = self._httpd.server_address[:2]
        self._thread: threading.Thread | None = None

    # ── lifecycle ──

    def start(self) -> WebServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"webserver-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> WebServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # ── configuration ──

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def route(self, path: str, *replies: Reply | Handler, methods: Iterable[str] | None = None) -> None:
        """Answer `path` with the replies in turn (the last repeats). A handler is called with the Request."""
        if not replies:
            raise ValueError("route needs at least one reply")
        allowed = frozenset(m.upper() for m in methods) if methods is not None else None
        self._routes[path] = _Route(replies, allowed)

    def serve_directory(self, directory: Path, prefix: str = "/") -> None:
        """Serve files under `directory` at `prefix` (index.html for a directory); content types from the extension."""
        self._prefixes.append((prefix if prefix.endswith("/") else prefix + "/", Path(directory)))

    # ── observation ──

    def hits(self, path: str, method: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path == path and (method is None or r.method == method))

    def requests_to(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def reset_stats(self) -> None:
        with self._lock:
            self.requests.clear()
            self.max_in_flight = self.in_flight
            self.connections = 0

    # ── answering (called from the handler threads) ──

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _answer(self, request: Request) -> Reply:
        route = self._routes.get(request.path)
        if route is not None:
            return route.answer(request)
        for prefix, directory in self._prefixes:
            if request.path.startswith(prefix):
                return _file_reply(directory, request.path[len(prefix):])
        if request.path.startswith("/_/"):
            return _fault_reply(request)
        return Reply(404, "<title>Not Found</title><h1>404</h1>")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256  # many clients connect at once in concurrency tests and benchmarks
    allow_reuse_address = True


def _handler_class(server: WebServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, so clients can reuse connections
        timeout = 15  # an idle keep-alive connection's thread ends after this

        def setup(self) -> None:
            super().setup()
            with server._lock:
                server.connections += 1

        def log_message(self, format: str, *args) -> None:  # quiet: pytest shows failures, not access logs
            pass

        def do_GET(self) -> None:
            self._serve(send_body=True)

        def do_HEAD(self) -> None:
            self._serve(send_body=False)

        def do_POST(self) -> None:
            self._serve(send_body=True)

        def _serve(self, send_body: bool) -> None:
            parts = urlsplit(self.path)
            request = Request(
                method=self.command,
                path=parts.path,
                query={k: v[-1] for k, v in parse_qs(parts.query).items()},
                headers={k.lower(): v for k, v in self.headers.items()},
                received=time.monotonic(),
            )
            server._record(request)
            try:
                self._send(server._answer(request), send_body)
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                self.close_connection = True  # the client went away (a capped or timed-out read): expected
            finally:
                server._done()

        def _send(self, reply: Reply, send_body: bool) -> None:
            if reply.delay:
                time.sleep(reply.delay)
            if reply.reset:
                self._reset()
                return
            self.send_response(reply.status)
            if reply.content_type and not any(k.lower() == "content-type" for k in reply.headers):
                self.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            body = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
            if isinstance(body, bytes | bytearray):
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if send_body:
                    self._write_chunks([bytes(body)] if not reply.drip else _bytes_one_by_one(body), reply.drip,
                                       chunked=False)
                return
            chunked = reply.length is None
            self.send_header("Transfer-Encoding" if chunked else "Content-Length",
                             "chunked" if chunked else str(reply.length))
            self.end_headers()
            if send_body:
                self._write_chunks(body, reply.drip, chunked=chunked)

        def _write_chunks(self, chunks: Iterable[bytes], drip: float, *, chunked: bool) -> None:
            for chunk in chunks:
                if drip:
                    time.sleep(drip)
                if not chunk:
                    continue
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
                self.wfile.flush()
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

        def _reset(self) -> None:
            # SO_LINGER with a zero timeout makes close() send RST rather than FIN: a true "connection reset".
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True

    return Handler


def _bytes_one_by_one(body: bytes) -> Iterator[bytes]:
    return (body[i:i + 1] for i in range(len(body)))


def _file_reply(directory: Path, relative: str) -> Reply:
    root = directory.resolve()
    target = (root / relative).resolve()
    if target.is_dir():
        target = target / "index.html"
    if root not in target.parents and target != root or not target.is_file():
        return Reply(404, "<title>Not Found</title>")
    content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return Reply(200, target.read_bytes(), content_type=content_type)


def _fault_reply(request: Request) -> Reply:
    parts = request.path.strip("/").split("/")[1:]
    name, arg = (parts + ["", ""])[:2]
    query = request.query
    if name == "status" and arg.isdigit():
        return Reply(int(arg), f"<title>{arg}</title>")
    if name == "redirect" and arg.isdigit():
        remaining = int(arg)
        if remaining <= 0:
            return Reply(200, "<title>final</title>")
        code = int(query.get("code", "302"))
        suffix = f"?code={code}" if "code" in query else ""
        return Reply(code, "", headers={"Location": f"/_/redirect/{remaining - 1}{suffix}"})
    if name == "loop":
        other = "b" if arg == "a" else "a"
        return Reply(302, "", headers={"Location": f"/_/loop/{other}"})
    if name == "reset":
        return Reply(reset=True)
    if name == "drip":
        size = int(query.get("bytes", "20"))
        return Reply(200, b"x" * size, content_type="text/plain", drip=float(query.get("interval", "0.5")))
    if name == "delay":
        return Reply(200, "<title>late</title>", delay=float(query.get("seconds", "0.2")))
    if name == "gzip-bomb":
        mib = int(query.get("mib", "1024"))
        return Reply(200, gzip_bomb_chunks(mib), headers={"Content-Encoding": "gzip"}, length=len(gzip_bomb(mib)))
    if name == "challenge":
        return Reply(403, CHALLENGE_PAGE, headers={"Server": "cloudflare", "cf-mitigated": "challenge"})
    return Reply(404, "<title>no such fault</title>")


CHALLENGE_PAGE = (
    "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    "<div id=\"challenge-body\">Checking your browser before accessing the site.</div>"
    "<script src=\"/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1\"></script></body></html>"
)


@lru_cache(maxsize=4)
def gzip_bomb(mib: int) -> bytes:
    """A valid gzip file of `mib` MiB of zeros, built without compressing them all (about 1 KB per MiB).

    Deflate blocks ended by a full flush are byte-aligned and independent, so one compressed MiB repeated
    `mib` times is a correct stream; the trailer's CRC-32 and length are computed for the whole.
    """
    block = bytes(1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeat = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    final = compressor.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(mib):  # the CRC of the whole, one block at a time (crc32 of 1 MiB is well under a millisecond)
        crc = zlib.crc32(block, crc)
    header = gzip.compress(b"")[:10]
    trailer = struct.pack("<II", crc & 0xFFFFFFFF, (mib * 1024 * 1024) & 0xFFFFFFFF)
    return header + first + repeat * (mib - 1) + final + trailer


def gzip_bomb_chunks(mib: int, chunk: int = 16 * 1024) -> Iterator[bytes]:
    data = gzip_bomb(mib)
    return (data[i:i + chunk] for i in range(0, len(data), chunk))
