"""The asyncio network backend against real loopback servers: errors, timeouts, EOF, flow control, TLS, pooling."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import shutil
import socket
import ssl
import struct
import threading
from collections.abc import Callable

import httpcore
import pytest

from refcheck.fetch.client import _cause, _errno
from refcheck.fetch.network import AsyncioBackend, AsyncioStream
from tests.fetch.test_tls import H2Server
from tests.webserver import Reply, WebServer


needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a test certificate")


class RawServer:
    """A one-connection-at-a-time TCP server on 127.0.0.1 whose handler gets each accepted socket: for faults that
    an HTTP server does not make (a reset mid-body, a peer that never reads, a silent TLS peer)."""

    def __init__(self, handler: Callable[[socket.socket], None]):
        self._handler = handler
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._listener.close()

    def _serve(self) -> None:
        try:
            while True:
                connection, _ = self._listener.accept()
                with connection:
                    self._handler(connection)
        except OSError:  # the listener was closed: the test is over
            return


@contextlib.contextmanager
def silent_peer(receive_buffer: int | None = None):
    """A RawServer that accepts a connection, then neither reads nor writes until the test is over."""
    released = threading.Event()

    def hold(connection: socket.socket) -> None:
        if receive_buffer:
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        released.wait(5)

    with RawServer(hold) as server:
        try:
            yield server
        finally:
            released.set()


def read_request(connection: socket.socket) -> bytes:
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = connection.recv(65536)
        if not chunk:
            break
        received += chunk
    return received


def reset(connection: socket.socket) -> None:
    # SO_LINGER with a zero timeout makes close() send RST rather than FIN.
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


def get(path: str, host: str = "127.0.0.1") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: identity\r\n\r\n".encode()


async def read_all(stream: httpcore.AsyncNetworkStream, timeout: float = 5.0) -> bytes:
    received = bytearray()
    while chunk := await stream.read(65536, timeout=timeout):
        received += chunk
    return bytes(received)


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_refused_connection_is_a_connect_error_that_carries_econnrefused():
    async def attempt():
        await AsyncioBackend().connect_tcp("127.0.0.1", free_port(), timeout=2.0)

    with pytest.raises(httpcore.ConnectError) as caught:
        asyncio.run(attempt())
    assert _errno(caught.value) == errno.ECONNREFUSED


def test_a_reset_in_the_middle_of_a_body_is_a_read_error_that_carries_econnreset():
    def half_then_reset(connection):
        read_request(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000)
        reset(connection)

    async def fetch(port):
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2.0)
        await stream.write(get("/"), timeout=2.0)
        received = b""
        with pytest.raises(httpcore.ReadError) as caught:
            while chunk := await stream.read(65536, timeout=2.0):  # a clean end (b"") would be the wrong answer
                received += chunk
        await stream.aclose()
        return received, caught.value

    with RawServer(half_then_reset) as server:
        received, error = asyncio.run(fetch(server.port))
    assert _errno(error) == errno.ECONNRESET
    assert received.endswith(b"x" * 1000)  # what arrived before the reset is still delivered first


def test_a_body_that_drips_slower_than_the_timeout_is_a_read_timeout():
    async def fetch(url_port):
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", url_port, timeout=2.0)
        await stream.write(get("/_/drip?bytes=5&interval=0.6"), timeout=2.0)
        head = b""
        while b"\r\n\r\n" not in head:
            head += await stream.read(65536, timeout=2.0)
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(httpcore.ReadTimeout):
            await stream.read(65536, timeout=0.15)
        waited = loop.time() - started
        await stream.aclose()
        return head, waited

    with WebServer() as server:
        head, waited = asyncio.run(fetch(server.port))
    assert head.startswith(b"HTTP/1.1 200")
    assert 0.1 <= waited < 0.5


def test_end_of_stream_reads_as_empty_bytes_and_makes_the_connection_readable():
    body = b"<title>closing</title>"

    def answer_and_close(connection):
        read_request(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    async def fetch(port):
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2.0)
        idle_readable = stream.get_extra_info("is_readable")
        await stream.write(get("/"), timeout=2.0)
        received = await read_all(stream)
        again = await stream.read(65536, timeout=2.0)
        closed_readable = stream.get_extra_info("is_readable")
        await stream.aclose()
        return idle_readable, received, again, closed_readable

    with RawServer(answer_and_close) as server:
        idle_readable, received, again, closed_readable = asyncio.run(fetch(server.port))
    assert idle_readable is False  # nothing arrived yet: a pooled connection like this is reusable
    assert received.endswith(body)
    assert again == b""
    assert closed_readable is True  # the server hung up: httpcore must not reuse this connection


def test_a_large_body_arrives_whole_through_paused_and_resumed_reading():
    body = bytes(range(256)) * (12 * 1024 * 4)  # 12 MiB: far beyond the protocol's read buffer limit

    def send_body(connection):
        read_request(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)

    async def fetch(port):
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2.0)
        assert isinstance(stream, AsyncioStream)
        await stream.write(get("/"), timeout=2.0)
        await asyncio.sleep(0.3)  # let the server fill the buffer while nothing reads
        paused = stream._protocol.reading_paused
        buffered_while_paused = stream._protocol.buffered
        received = bytearray()
        while len(received) < len(body) + 40:
            chunk = await stream.read(65536, timeout=2.0)
            if not chunk:
                break
            received += chunk
        await stream.aclose()
        return paused, buffered_while_paused, bytes(received)

    with RawServer(send_body) as server:
        paused, buffered, received = asyncio.run(fetch(server.port))
    assert paused, "reading should pause once the buffer passes its high-water mark"
    assert buffered < 4 * 1024 * 1024  # bounded by flow control, not the whole 12 MiB
    head, _, content = received.partition(b"\r\n\r\n")
    assert hashlib.sha256(content).digest() == hashlib.sha256(body).digest()


def test_writing_to_a_peer_that_never_reads_times_out():
    async def flood(port):
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2.0)
        with pytest.raises(httpcore.WriteTimeout):
            for _ in range(64):  # up to 64 MiB: more than loopback socket buffers hold
                await stream.write(b"x" * (1024 * 1024), timeout=0.2)
        await stream.aclose()

    with silent_peer(receive_buffer=4096) as server:
        asyncio.run(flood(server.port))


def test_a_pooled_connection_is_reused_and_a_closed_one_is_not():
    async def fetch_twice(server):
        async with httpcore.AsyncConnectionPool(network_backend=AsyncioBackend()) as pool:
            first = await pool.request("GET", server.url("/page"))
            second = await pool.request("GET", server.url("/page"))
            last = await pool.request("GET", server.url("/closing"))
            after_close = await pool.request("GET", server.url("/page"))
        return [r.status for r in (first, second, last, after_close)], first.content

    with WebServer() as server:
        server.route("/page", Reply(200, "<title>Hi</title>"))
        server.route("/closing", Reply(200, "bye", headers={"Connection": "close"}))
        statuses, content = asyncio.run(fetch_twice(server))
        connections = server.connections
    assert statuses == [200, 200, 200, 200]
    assert content == b"<title>Hi</title>"
    assert connections == 2  # one kept alive for three requests, a second after the server closed the first


def test_a_keep_alive_connection_the_server_closed_while_idle_is_not_reused():
    def answer_once_then_close(connection):  # keep-alive promised, then the server hangs up anyway (as idle servers do)
        read_request(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    async def fetch_twice(port):
        async with httpcore.AsyncConnectionPool(network_backend=AsyncioBackend()) as pool:
            first = await pool.request("GET", f"http://127.0.0.1:{port}/")
            await asyncio.sleep(0.2)  # the server's FIN arrives while the connection sits in the pool
            second = await pool.request("GET", f"http://127.0.0.1:{port}/")
        return first.status, second.status, second.content

    with RawServer(answer_once_then_close) as server:
        assert asyncio.run(fetch_twice(server.port)) == (200, 200, b"ok")


@needs_openssl
def test_tls_negotiates_h2_by_alpn_and_exposes_the_ssl_object(certificate):
    cert, key = certificate
    context = ssl.create_default_context(cafile=str(cert))
    context.set_alpn_protocols(["h2", "http/1.1"])

    async def handshake(port):
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2.0)
        tls = await stream.start_tls(context, server_hostname="secure.test", timeout=2.0)
        ssl_object = tls.get_extra_info("ssl_object")
        details = (ssl_object.selected_alpn_protocol(), tls.get_extra_info("server_addr")[1],
                   tls.get_extra_info("is_readable"), stream.get_extra_info("ssl_object"))
        await tls.aclose()
        return details

    with H2Server(cert, key) as server:
        protocol, server_port, readable, plain_ssl_object = asyncio.run(handshake(server.port))
    assert protocol == "h2"
    assert server_port == server.port
    assert readable is False
    assert plain_ssl_object is None


@needs_openssl
def test_a_certificate_for_another_name_is_a_connect_error_caused_by_ssl(certificate):
    cert, key = certificate
    context = ssl.create_default_context(cafile=str(cert))

    async def handshake(port):
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2.0)
        await stream.start_tls(context, server_hostname="other.test", timeout=2.0)

    with H2Server(cert, key) as server:
        with pytest.raises(httpcore.ConnectError) as caught:
            asyncio.run(handshake(server.port))
    assert isinstance(_cause(caught.value, ssl.SSLCertVerificationError), ssl.SSLCertVerificationError)


def test_a_tls_handshake_the_server_never_answers_is_a_connect_timeout():
    async def handshake(port):
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2.0)
        await stream.start_tls(ssl.create_default_context(), server_hostname="silent.test", timeout=0.2)

    with silent_peer() as server, pytest.raises(httpcore.ConnectTimeout):
        asyncio.run(handshake(server.port))


def test_a_second_reader_on_one_connection_is_refused_rather_than_left_hanging():
    async def two_readers(port):
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=2.0)
        first = asyncio.ensure_future(stream.read(1024, timeout=1.0))
        await asyncio.sleep(0)  # the first read is now waiting for data
        with pytest.raises(RuntimeError):
            await stream.read(1024, timeout=1.0)
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        await stream.aclose()

    with silent_peer() as server:
        asyncio.run(two_readers(server.port))
