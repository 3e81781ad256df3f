"""An asyncio-native httpcore network backend: TCP and TLS streams on asyncio transports, without anyio.

Why: httpcore's default backend goes through anyio, whose per-call cancel scopes, checkpoints and socket-attribute
tables are a large share of each request's CPU in a fetch-heavy run. A protocol that buffers what the transport
delivers lets `read` return at once when bytes are already there, `write` skip waiting unless the transport asks it
to, and "is this idle connection readable?" be answered from memory instead of a syscall.

The contract is httpcore's: timeouts raise ConnectTimeout/ReadTimeout/WriteTimeout, failures raise
ConnectError/ReadError/WriteError chained to the OSError (or ssl.SSLError) that caused them, so callers can still find
its errno; a read at end of stream returns b"".
"""

from __future__ import annotations

import asyncio
import collections
import ssl
import typing

import httpcore

# Received bytes buffered before reading from the socket is paused (the reader is slower than the network). Small
# enough to bound memory per connection, large enough that a page arrives in a few reads.
_READ_HIGH_WATER = 512 * 1024
_READ_LOW_WATER = _READ_HIGH_WATER // 4
# How long closing a TLS connection waits for the peer's close_notify before dropping the socket.
_TLS_SHUTDOWN_TIMEOUT = 2.0


def _seconds(timeout: float | None) -> str:
    return "an unbounded time" if timeout is None else f"{timeout:g} s"


def _expire(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


def _wake(waiter: asyncio.Future | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


class _BufferingProtocol(asyncio.Protocol):
    """Keeps what the transport delivers until the stream reads it, and remembers end of stream and why it ended."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self.chunks: collections.deque[bytes] = collections.deque()
        self.buffered = 0
        self.ended = False  # no more bytes will arrive (EOF, or the connection is gone)
        self.lost = False  # the connection is gone: writing is pointless
        self.error: BaseException | None = None  # why it was lost, when that was not a clean close
        self.reading_paused = False
        self.writing_paused = False
        self._data_waiter: asyncio.Future | None = None
        self._drain_waiter: asyncio.Future | None = None

    # ── callbacks from the transport ──

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = typing.cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.buffered += len(data)
        _wake(self._data_waiter)
        if self.buffered > _READ_HIGH_WATER and not self.reading_paused and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()

    def eof_received(self) -> bool:
        self.ended = True
        _wake(self._data_waiter)
        return False  # let the transport close itself: an HTTP client has nothing to send after the server's EOF

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = self.lost = True
        self.error = exc
        _wake(self._data_waiter)
        _wake(self._drain_waiter)

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        _wake(self._drain_waiter)

    # ── used by the stream ──

    def take(self, max_bytes: int) -> bytes:
        """Up to max_bytes of what is buffered (the caller checked there is some); whole chunks are not copied."""
        chunk = self.chunks.popleft()
        if len(chunk) > max_bytes:
            self.chunks.appendleft(chunk[max_bytes:])
            chunk = chunk[:max_bytes]
        self.buffered -= len(chunk)
        if self.reading_paused and self.buffered <= _READ_LOW_WATER and not self.lost and self.transport is not None:
            self.reading_paused = False
            self.transport.resume_reading()
        return chunk

    async def wait_for_data(self, timeout: float | None) -> None:
        if self._data_waiter is not None and not self._data_waiter.done():
            # httpcore reads a connection from one task at a time (HTTP/2 holds a read lock); a second reader would
            # steal the first one's wake-up, so refuse it loudly rather than hang.
            raise RuntimeError("read() called while another read is waiting on the same connection")
        self._data_waiter = waiter = self._loop.create_future()
        await self._wait(waiter, timeout)
        self._data_waiter = None

    async def wait_for_drain(self, timeout: float | None) -> None:
        self._drain_waiter = waiter = self._loop.create_future()
        await self._wait(waiter, timeout)
        self._drain_waiter = None

    async def _wait(self, waiter: asyncio.Future, timeout: float | None) -> None:
        # One timer handle per wait that actually blocks, cancelled when the wait ends: far cheaper than a task or a
        # cancel scope per call. A timeout raises TimeoutError out of the waiter.
        if timeout is None:
            await waiter
            return
        timer = self._loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        finally:
            timer.cancel()


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection (plain TCP, or TLS after start_tls) as httpcore sees it."""

    def __init__(self, transport: asyncio.Transport, protocol: _BufferingProtocol):
        self._transport = transport
        self._protocol = protocol

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        while not protocol.buffered:
            if protocol.ended:
                if protocol.error is not None:
                    raise httpcore.ReadError(str(protocol.error) or type(protocol.error).__name__) from protocol.error
                return b""
            try:
                await protocol.wait_for_data(timeout)
            except TimeoutError:
                raise httpcore.ReadTimeout(f"nothing received for {_seconds(timeout)}") from None
        return protocol.take(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:  # h11 ends every body-less request with an empty write
            return
        protocol = self._protocol
        if protocol.lost or self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed") from protocol.error
        self._transport.write(buffer)
        # The transport sends what it can at once and buffers the rest; wait only when it says its buffer is full.
        while protocol.writing_paused and not protocol.lost:
            try:
                await protocol.wait_for_drain(timeout)
            except TimeoutError:
                raise httpcore.WriteTimeout(f"could not send for {_seconds(timeout)}") from None
        if protocol.lost and protocol.error is not None:
            raise httpcore.WriteError(str(protocol.error) or type(protocol.error).__name__) from protocol.error

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(self._transport, self._protocol, ssl_context,
                                                 server_hostname=server_hostname,
                                                 ssl_shutdown_timeout=_TLS_SHUTDOWN_TIMEOUT)
        except TimeoutError:
            self._transport.abort()
            raise httpcore.ConnectTimeout(f"TLS handshake took longer than {_seconds(timeout)}") from None
        except (OSError, ssl.SSLError) as error:  # ssl.SSLError is an OSError; named for the reader
            self._transport.abort()
            raise httpcore.ConnectError(str(error) or type(error).__name__) from error
        if transport is None:  # the connection closed during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake") from self._protocol.error
        # The same protocol now hears the decrypted side; flow control must pause the TLS transport, not the raw one.
        self._protocol.transport = typing.cast(asyncio.Transport, transport)
        return AsyncioStream(self._protocol.transport, self._protocol)

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":
            # httpcore asks this of idle pooled connections: anything buffered, or the end seen, means it is unusable.
            return self._protocol.ended or self._protocol.buffered > 0
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend on plain asyncio: `loop.create_connection` and `loop.start_tls`."""

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
                          ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        protocol = _BufferingProtocol(loop)
        try:
            async with asyncio.timeout(timeout):
                transport, _ = await loop.create_connection(
                    lambda: protocol, host, port, local_addr=(local_address, 0) if local_address else None)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"connecting to {host}:{port} took longer than {_seconds(timeout)}") from None
        except OSError as error:  # keeps the errno reachable: ECONNREFUSED means dead, ENETUNREACH means no network
            raise httpcore.ConnectError(str(error) or type(error).__name__) from error
        sock = transport.get_extra_info("socket")
        try:
            for option in socket_options or ():  # asyncio already sets TCP_NODELAY
                sock.setsockopt(*option)
        except OSError as error:
            transport.abort()
            raise httpcore.ConnectError(str(error)) from error
        return AsyncioStream(transport, protocol)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("refcheck does not connect to unix sockets")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
