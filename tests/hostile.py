"""Hostile HTTP servers for tests: a raw TCP server on 127.0.0.1 whose every connection runs a script that writes
whatever bytes it likes (trickled headers, endless bodies, lying Content-Length, HTTP/0.9, resets…).

    with HostileServer(trickle(RESPONSE, every=0.02)) as server:
        fetch_all([server.url("/x")], settings)
    server.connections       # connections accepted
    server.open_connections  # those whose peer had not closed by the time the script ended (or the server stopped)

A script gets a `Peer` (the socket, the request head already read, a `stopping` event) and returns when done; the
server closes the socket afterwards. `stop()` sets `stopping`, closes every socket, and joins every thread, so a
test ends with nothing of the server left running.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import brotli

HEAD_LIMIT = 64 * 1024


@dataclass
class Peer:
    sock: socket.socket
    head: bytes  # the request head as received (up to the blank line), b"" if the client sent none
    stopping: threading.Event

    def send(self, data: bytes) -> bool:
        """Send; False once the client has gone (or the server is stopping)."""
        if self.stopping.is_set():
            return False
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def pause(self, seconds: float) -> bool:
        """Wait; False if the server is stopping."""
        return not self.stopping.wait(seconds)

    def reset(self) -> None:
        """Abort the connection with a TCP RST."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


Script = Callable[[Peer], None]


class HostileServer:
    def __init__(self, script: Script):
        self.script = script
        self.stopping = threading.Event()
        self.connections = 0
        self.requests: list[bytes] = []
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._peer_closed: dict[int, threading.Event] = {}
        self._lock = threading.Lock()
        self._acceptor = threading.Thread(target=self._accept, name=f"hostile-{self.port}", daemon=True)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> HostileServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _accept(self) -> None:
        self._listener.settimeout(0.05)  # so that stop() is seen even while no one connects
        while not self.stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(None)
            with self._lock:
                self.connections += 1
                self._sockets.append(sock)
                thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
                self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        try:
            sock.settimeout(5.0)
            head = _read_head(sock)
            with self._lock:
                self.requests.append(head)
            if head:
                self.script(Peer(sock, head, self.stopping))
        except OSError:
            pass
        finally:
            try:
                sock.close()
            except OSError:
                pass

    def stop(self) -> None:
        self.stopping.set()
        self._acceptor.join(5)
        self._listener.close()
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in threads:
            thread.join(5)


def _read_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < HEAD_LIMIT:
        try:
            chunk = sock.recv(4096)
        except OSError:
            return data
        if not chunk:
            return data
        data += chunk
    return data


# ── scripts ────────────────────────────────────────────────────────────────────────────────────────────────────

PAGE = b"<html><head><title>Hostile</title></head><body><p>text</p></body></html>"


def response(status: str = "200 OK", headers: tuple[tuple[str, str], ...] = (), body: bytes = PAGE, *,
             length: int | None = -1, content_type: str = "text/html; charset=utf-8") -> bytes:
    """An HTTP/1.1 response's bytes; `length=-1`: the body's true length, None: no Content-Length."""
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}"]
    if length is not None:
        lines.append(f"Content-Length: {len(body) if length == -1 else length}")
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def send(data: bytes) -> Script:
    return lambda peer: peer.send(data)


def send_raw_head(head: bytes, body: bytes = PAGE) -> Script:
    """A response head given as raw bytes (may hold control characters), then the body."""
    return lambda peer: peer.send(head + body)


def trickle(data: bytes, every: float) -> Script:
    """The bytes one at a time, `every` seconds apart."""
    def script(peer: Peer) -> None:
        for index in range(len(data)):
            if not (peer.send(data[index:index + 1]) and peer.pause(every)):
                return
    return script


def endless_headers(every: float) -> Script:
    """A status line, then header lines for ever, a byte at a time."""
    def script(peer: Peer) -> None:
        if not peer.send(b"HTTP/1.1 200 OK\r\n"):
            return
        number = 0
        while True:
            for byte in f"X-Slow-{number}: y\r\n".encode():
                if not (peer.send(bytes([byte])) and peer.pause(every)):
                    return
            number += 1
    return script


def endless_body(chunk: bytes = b"<p>" + b"x" * 8189, every: float = 0.0) -> Script:
    """A 200 with no length, then body bytes for ever (close-delimited)."""
    def script(peer: Peer) -> None:
        if not peer.send(response(body=b"", length=None).replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")):
            return
        while peer.send(chunk) and (every == 0 or peer.pause(every)):
            pass
    return script


def then_reset(data: bytes) -> Script:
    """Send these bytes, then abort the connection with a TCP RST."""
    def script(peer: Peer) -> None:
        peer.send(data)
        time.sleep(0.05)
        peer.reset()
    return script


def gzip_bomb_body(mib: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    return b"".join(compressor.compress(block) for _ in range(mib)) + compressor.flush()


def brotli_bomb_body(mib: int) -> bytes:
    return brotli.compress(bytes(mib * 1024 * 1024), quality=5)


def request_path(head: bytes) -> str:
    parts = head.split(b"\r\n", 1)[0].split()
    return parts[1].decode("latin-1") if len(parts) >= 2 else ""


def by_path(answers: dict[str, bytes]) -> Script:
    """Keep-alive: answer each request on the connection with the bytes for its path (a 404 for any other)."""
    def script(peer: Peer) -> None:
        head = peer.head
        while head:
            answer = answers.get(request_path(head), response("404 Not Found", body=b"<title>Not Found</title>"))
            if not peer.send(answer):
                return
            head = _read_head(peer.sock)
    return script
