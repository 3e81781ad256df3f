"""The fetcher's HTTP engine on libcurl (pycurl's CurlMulti driven by the asyncio loop), behind httpx's transport
interface like engine_aiohttp: httpx builds the request headers and the fetcher reads an answer with httpx's shape,
but the bytes go through libcurl's connection cache and its C HTTP/1.1 parser.

What the fetcher relies on, kept here:
- **Pinned addresses.** A request goes out only for a host:port the guard checked (`Guard.pinned`). Each transfer
  carries CURLOPT_RESOLVE with the guard's addresses, so curl never asks DNS for it, and curl can open a socket only
  through OPENSOCKETFUNCTION, which refuses any address not pinned for this request's host:port; PREREQFUNCTION
  checks the connected address once more before every request (a reused connection too).
- **Per-origin pooling.** curl keeps idle connections per host:port in the multi handle; CURLMOPT_MAX_HOST_CONNECTIONS
  bounds each host like aiohttp's `limit_per_host`.
- **Raw bodies.** HTTP_CONTENT_DECODING=0: the body arrives as sent and the fetcher's capped decoder undoes
  Content-Encoding. Bodies are streamed: when BUFFER_LIMIT unread bytes are waiting, the write callback pauses the
  transfer (CURL_WRITEFUNC_PAUSE) and reading resumes it, so a cap stops the download as well as the decoding.
- **No redirects followed, no cookies, no .netrc, no proxies** (PROXY "" and NOPROXY "*": libcurl would read
  http_proxy/https_proxy/ALL_PROXY), only http and https. refcheck follows redirects itself, checking every hop.
- **Timeouts** as httpx's: connect (TCP and TLS handshake) by CONNECTTIMEOUT_MS; per-read by a loop timer from the
  moment the connection is ready (PREREQFUNCTION), reset whenever the transfer's socket turns readable, that fires
  after the read timeout without a byte (curl's LOW_SPEED_TIME counts whole seconds, and curl calls back only once a
  whole head line is in). Time the transfer spends paused for the reader does not count. One loop timer serves all
  transfers (armed for the earliest read timeout, it looks at every transfer when it fires), not one per request.
- **TLS** verifying with the trust anchors of the process's context (`client._tls_context`, the seam tests replace):
  pycurl takes no SSLContext, so the context's CA certificates go to curl as PEM (`_ca_option`; curl's own default
  bundle and CA path are unset), with its minimum TLS version, its TLS 1.2 cipher list and its partial-chain flag; host
  names are verified; HTTP/1.1 only, so ALPN offers only http/1.1. Not matched: other X509 verification flags of
  the context (VERIFY_X509_STRICT and CRL checks), and certificates the context would load lazily from a CA path
  (`get_ca_certs` lists only loaded ones; httpx's default context loads certifi's file, which is all loaded).
- **httpx's reading of odd answers.** A head curl refuses or reads differently from h11 (a malformed line, a head
  past h11's 100 KB bound, a URL curl's parser refuses) is asked once more through httpx's own transport
  (`PerOriginTransport`, the same guard and pins), so it is read, or refused, exactly as with the httpx engine.
  Methods other than GET and HEAD go there as well (the fetcher sends only GETs).
- **Failures as httpx's exceptions**, chained to an OSError (CURLINFO_OS_ERRNO) or ssl.SSLError, so
  `client.attempt_for_error` reads them (errno, TLS reason) exactly as it reads httpx's own.
- **Retries are the fetcher's.** curl resends a request by itself when a reused keep-alive connection closes before
  any byte of the answer: PREREQFUNCTION stops that second request before it is sent (the new connection is opened
  and closed unused), and the failure is httpx's "Server disconnected without sending a response.".
- **Fork safety.** The CurlMulti is made on first use inside the running loop, in each process.

REFCHECK_HTTP_ENGINE=curl, or auto (the default) for a run of at least client.BIG_RUN_MIN_FETCHES network fetches
when pycurl imports (else engine_aiohttp); see client.http_engine and docs/benchmarks.md, "The libcurl engine".
"""

from __future__ import annotations

import asyncio
import collections
import errno
import functools
import os
import re
import socket
import ssl
import tempfile
from collections.abc import Callable

import httpx
import pycurl

from refcheck.fetch import client as _client
from refcheck.fetch.guard import Guard
from refcheck.fetch.heads import Answer
from refcheck.fetch.sweep import SweepTimer

BUFFER_LIMIT = 256 * 1024  # unread body bytes held per transfer before it is paused
MAX_HEAD = 100 * 1024  # h11's bound on an answer's head (httpcore's max_incomplete_event_size)
MAX_IDLE_CONNECTIONS = 4096  # curl's connection cache (idle connections kept for reuse, over all hosts)
_PARTIAL_BODY = "peer closed connection without sending complete message body"  # h11's words, which tests read
_TOKEN = re.compile(rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+")  # a header name, as h11 accepts it
_BAD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")  # control characters h11 refuses in a header value
# A header line _on_header accepts as it is, its value stripped of blanks and line ends: a name, a colon, a value
# without those control characters (a line it does not match is read step by step; tests/fetch/test_engine_curl.py).
_PLAIN_FIELD = re.compile(rb"([-!#$%&'*+.^_`|~0-9A-Za-z]+):[ \t\r\n]*([^\x00-\x08\x0a-\x1f\x7f]*?)[ \t\r\n]*")
# The same, for each line of a head's lines joined (each ends with its line feed, the only one in it): a match is
# one whole line, so a head has as many matches as lines exactly when every line is of that shape.
_PLAIN_FIELDS = re.compile(rb"^([-!#$%&'*+.^_`|~0-9A-Za-z]+):[ \t\r]*([^\x00-\x08\x0a-\x1f\x7f]*?)[ \t\r]*\n", re.M)
_TLS_CODES = frozenset({35, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91, 98})  # CURLE_SSL_* and peer checks
_ODD_CODES = frozenset({1, 3, 8, 16, 23, 100})  # protocol, URL, weird reply, HTTP/2, our abort, too large
_AT_ONCE = float("-inf")  # the due time of curl's timer when curl asked for 0 ms


def _read_head(lines: list[bytes]) -> tuple[int, list[tuple[bytes, bytes]]] | None:
    """A head's status and fields (name, value) from its lines (without the blank line that ends it), read as h11
    reads them; None for a head h11 would refuse. Field lines of the plain shape are read by one regex call for the
    whole head; a head with any other line is read line by line (`_read_head_step_by_step`), which is what this
    equals (tests/fetch/test_engine_curl.py)."""
    status = _status(lines[0]) if lines else None
    if status is not None:
        fields = _PLAIN_FIELDS.findall(b"".join(lines[1:]))
        if len(fields) == len(lines) - 1:  # each match is one whole line: every line was plain
            return status, fields
    return _read_head_step_by_step(lines)


def _status(line: bytes) -> int | None:
    if line[:5] != b"HTTP/":
        return None
    parts = line.split(None, 2)
    if len(parts) < 2 or not parts[1].isdigit() or len(parts[1]) != 3:
        return None
    return int(parts[1])


def _read_head_step_by_step(lines: list[bytes]) -> tuple[int, list[tuple[bytes, bytes]]] | None:
    status, raw = 0, []
    for line in lines:
        field = _PLAIN_FIELD.fullmatch(line)
        if field is not None:
            raw.append(field.groups())
        elif line[:5] == b"HTTP/":
            status = _status(line)
            if status is None:
                return None
            raw = []
        elif line[:1] in (b" ", b"\t"):  # obs-fold: h11 joins the continuation to the previous value with a space
            if not raw:
                return None
            name, value = raw[-1]
            raw[-1] = (name, (value + b" " + line.strip(b" \t\r\n")).strip(b" \t"))
        else:
            name, colon, value = line.partition(b":")
            value = value.strip(b" \t\r\n")
            if not colon or not _TOKEN.fullmatch(name) or _BAD_VALUE.search(value):
                return None
            raw.append((name, value))
    return status, raw


class _Odd(Exception):
    """An answer curl would read differently from httpx: asked again through httpx's own transport."""


# ── TLS: the Python context's trust, in curl's options ───────────────────────────────────────────────────────────


def _default_tls_context() -> bool:
    factory = _client._tls_context
    return getattr(factory, "__wrapped__", None) is not None and hasattr(factory, "cache_info")


_tls_cache: dict[int, tuple[ssl.SSLContext, list[tuple[int, object]]]] = {}


def _tls_options(context: ssl.SSLContext) -> list[tuple[int, object]]:
    """curl options carrying `context`'s trust: its CA certificates, its minimum version, its TLS 1.2 ciphers, its
    verification switches. Made once per context (the CA bundle's PEM costs a few milliseconds)."""
    cached = _tls_cache.get(id(context))
    if cached is not None and cached[0] is context:
        return cached[1]
    verify = context.verify_mode != ssl.CERT_NONE
    options: list[tuple[int, object]] = [
        _ca_option(context),
        (pycurl.SSL_VERIFYPEER, 1 if verify else 0),
        (pycurl.SSL_VERIFYHOST, 2 if context.check_hostname else 0),
        (pycurl.SSLVERSION, _MIN_VERSIONS.get(context.minimum_version, pycurl.SSLVERSION_TLSv1_2)),
    ]
    ciphers = ":".join(cipher["name"] for cipher in context.get_ciphers() if cipher["protocol"] != "TLSv1.3")
    if ciphers:
        options.append((pycurl.SSL_CIPHER_LIST, ciphers))
    if not context.verify_flags & getattr(ssl.VerifyFlags, "VERIFY_X509_PARTIAL_CHAIN", 0):
        options.append((pycurl.SSL_OPTIONS, pycurl.SSLOPT_NO_PARTIALCHAIN))
    _tls_cache[id(context)] = (context, options)
    return options


def _ca_option(context: ssl.SSLContext) -> tuple[int, object]:
    """The curl option giving the context's CA certificates: on Linux a file that has no name (created, unlinked,
    kept open, and read by curl as /proc/self/fd/N, which forked workers inherit), else CAINFO_BLOB.

    A file rather than a blob where possible: curl keeps the certificate store it parsed from a file for the multi
    handle's later connections (CA_CACHE_TIMEOUT), but parses a blob again for every new TLS connection (2.3 vs 6.9 ms
    of CPU per new connection with certifi's ~150 certificates, measured). The file has no name, so nothing is left
    behind however the process ends (the CLI leaves with os._exit)."""
    pem = "".join(ssl.DER_cert_to_PEM_cert(der) for der in context.get_ca_certs(binary_form=True)).encode("ascii")
    if not os.path.isdir("/proc/self/fd"):
        return pycurl.CAINFO_BLOB, pem
    descriptor, path = tempfile.mkstemp(prefix="refcheck-ca-", suffix=".pem")
    os.unlink(path)
    os.write(descriptor, pem)
    _ca_descriptors.append(descriptor)  # never closed: curl opens it again for each new certificate store
    return pycurl.CAINFO, f"/proc/self/fd/{descriptor}"


_ca_descriptors: list[int] = []


_MIN_VERSIONS = {ssl.TLSVersion.MINIMUM_SUPPORTED: pycurl.SSLVERSION_TLSv1_2, ssl.TLSVersion.TLSv1_2:
                 pycurl.SSLVERSION_TLSv1_2, ssl.TLSVersion.TLSv1_3: pycurl.SSLVERSION_TLSv1_3}


def preload_tls() -> None:
    """Build the default context's curl options now (before worker processes fork); a test's own context is left."""
    if _default_tls_context():
        _tls_options(_client._tls_context())


# ── failures as httpx's ──────────────────────────────────────────────────────────────────────────────────────────


def _failure(code: int, message: str, os_errno: int, *, reading: bool) -> BaseException:
    """The httpx exception for a curl error, its cause (OSError or ssl.SSLError) attached as `__cause__`."""
    cause: BaseException | None = OSError(os_errno, os.strerror(os_errno)) if os_errno else None
    if code == pycurl.E_OPERATION_TIMEDOUT:  # only the connect phase has a curl timeout (reads are timed here)
        error: BaseException = httpx.ConnectTimeout(message or "connect timeout")
    elif code in _TLS_CODES:
        cause = ssl.SSLError(message)
        cause.reason = "CERTIFICATE_VERIFY_FAILED" if code == 60 else None  # Python's name for a refused certificate
        error = httpx.ConnectError(message)
    elif code in (pycurl.E_COULDNT_CONNECT, pycurl.E_COULDNT_RESOLVE_HOST):
        error = httpx.ConnectError(str(cause) if cause else message)
    elif code == pycurl.E_GOT_NOTHING:
        error = httpx.RemoteProtocolError("Server disconnected without sending a response.")
    elif code == pycurl.E_PARTIAL_FILE:
        error = httpx.RemoteProtocolError(_PARTIAL_BODY)
    elif code in (pycurl.E_RECV_ERROR, pycurl.E_SEND_ERROR):
        if os_errno in (errno.ECONNRESET, errno.EPIPE) or (os_errno and not reading):
            error = httpx.ReadError(str(cause))
        elif reading:
            error = httpx.RemoteProtocolError(f"{_PARTIAL_BODY}: {message}")
        else:
            error = httpx.RemoteProtocolError("Server disconnected without sending a response.")
    else:
        error = httpx.TransportError(f"curl error {code}: {message}")
    error.__cause__ = cause
    return error


# ── one transfer on one reusable easy handle ─────────────────────────────────────────────────────────────────────


class _Transfer:
    """An easy handle and the state of the request it carries: the head as it arrives, the unread body, the outcome.
    The handle (and this object, which its callbacks are bound to) is reused request after request."""

    def __init__(self, driver: _Driver):
        self.driver = driver
        self.handle = handle = pycurl.Curl()
        handle.transfer = self
        for option, value in ((pycurl.HEADERFUNCTION, self._on_header), (pycurl.WRITEFUNCTION, self._on_body),
                              (pycurl.OPENSOCKETFUNCTION, self._open_socket),
                              (pycurl.PREREQFUNCTION, self._on_connected),
                              (pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS),
                              (pycurl.REDIR_PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS),
                              (pycurl.FOLLOWLOCATION, 0), (pycurl.PROXY, ""), (pycurl.NOPROXY, "*"),
                              (pycurl.NETRC, pycurl.NETRC_IGNORED), (pycurl.HTTP_CONTENT_DECODING, 0),
                              (pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1), (pycurl.PATH_AS_IS, 1),
                              (pycurl.NOSIGNAL, 1), (pycurl.SSL_SESSIONID_CACHE, 1)):
            handle.setopt(option, value)
        handle.unsetopt(pycurl.CAINFO)  # trust only what the Python context trusts (_ca_option, per https request)
        handle.unsetopt(pycurl.CAPATH)
        self.resolve = self.tls = self.timeout = self.socket = None
        self.allowed: frozenset[str] = frozenset()

    def start(self, url: str, resolve: str | None, allowed: frozenset[str], headers: list[str],
              timeouts: dict, tls: list | None, head_only: bool) -> None:
        handle = self.handle
        handle.setopt(pycurl.URL, url)
        if resolve != self.resolve:
            handle.setopt(pycurl.RESOLVE, [resolve] if resolve else [])
            self.resolve = resolve
        if tls is not None and tls is not self.tls:
            for option, value in tls:
                handle.setopt(option, value)
            self.tls = tls
        handle.setopt(pycurl.HTTPHEADER, headers)
        if head_only:
            handle.setopt(pycurl.NOBODY, 1)
        else:
            handle.setopt(pycurl.HTTPGET, 1)
        connect = timeouts.get("connect")
        if connect != self.timeout:
            handle.setopt(pycurl.CONNECTTIMEOUT_MS, max(1, int(connect * 1000)) if connect else 0)
            self.timeout = connect
        self.allowed = allowed
        self.read_timeout = timeouts.get("read")
        self.status = 0
        self.raw: list[tuple[bytes, bytes]] = []
        self.lines: list[bytes] = []  # the head's lines so far
        self.head_read = False
        self.head_bytes = 0
        self.head = self.driver.loop.create_future()
        self.chunks: collections.deque[bytes] = collections.deque()
        self.buffered = 0
        self.waiter: asyncio.Future | None = None
        self.paused = self.finished = self.odd = self.refused = self.sent = self.resent = False
        self.error: BaseException | None = None
        self.last = 0.0  # when a byte last arrived (or the connection became ready): the read timer's start
        self.socket: int | None = None  # the connection's socket, once connected
        self.driver.add(self)

    # curl's callbacks (called from inside socket_action): short, and never raising

    def _open_socket(self, purpose: int, address: tuple) -> socket.socket | int:
        family, kind, protocol, where = address
        if where[0] not in self.allowed:
            self.refused = True
            return pycurl.SOCKET_BAD
        return socket.socket(family, kind, protocol)

    def _on_connected(self, primary_ip: str, local_ip: str, primary_port: int, local_port: int) -> int:
        if primary_ip not in self.allowed:
            self.refused = True
            return pycurl.PREREQFUNC_ABORT
        if self.sent:
            # curl resends a request by itself when a reused connection closed with no byte of the answer: stopped
            # before it goes out, so one request of the fetcher is one on the wire (retries are the fetcher's).
            self.resent = True
            return pycurl.PREREQFUNC_ABORT
        self.sent = True
        if self.read_timeout is not None:
            # Bytes arriving on this socket are what resets the read timer (a head trickled a byte at a time is
            # not idle even though curl calls back only once a whole line is in).
            self.driver.connected.append(self)  # its socket is asked for after socket_action (not allowed inside)
            self.last = self.driver.loop.time()
            self.driver.time_reads(self)
        return pycurl.PREREQFUNC_OK

    def _on_header(self, line: bytes) -> int | None:
        # Called once per line: the lines are only kept here, and read together at the blank line that ends a head.
        if self.head_read:
            return None  # trailers after a chunked body: not part of the head
        self.head_bytes += len(line)
        if self.head_bytes > MAX_HEAD:
            return self._refuse()
        if line != b"\r\n" and line != b"\n":
            self.lines.append(line)
            return None
        lines, self.lines = self.lines, []
        head = _read_head(lines)
        if head is None:
            return self._refuse()
        status, raw = head
        if status >= 200:  # else an interim answer (100 Continue): the real one's head follows
            self.status, self.raw, self.head_read = status, raw, True
            self.head.set_result(None)
        return None

    def _refuse(self) -> int:
        self.odd = True
        return -1  # curl aborts the transfer (CURLE_WRITE_ERROR); the request is asked again through httpx

    def _on_body(self, chunk: bytes) -> int | None:
        if self.buffered >= BUFFER_LIMIT:
            self.paused = True
            return pycurl.WRITEFUNC_PAUSE  # curl keeps this chunk and gives it again once resumed
        self.chunks.append(chunk)
        self.buffered += len(chunk)
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        return None

    # the loop's side

    def read_due(self, now: float) -> float | None:
        """When this transfer's read timeout would strike, seen at `now`; None if it has struck."""
        if self.paused:  # waiting for the reader, not for the network: looked at again a read timeout later
            return now + self.read_timeout
        due = self.last + self.read_timeout
        return due if now < due else None

    def failed(self, code: int, message: str) -> None:
        """curl ended the transfer with `code`: the answer's failure as httpx's, or the odd answer to ask again."""
        if self.resent:  # what httpx says of a kept-alive connection closed without an answer
            self.finish(httpx.RemoteProtocolError("Server disconnected without sending a response."))
        elif self.odd or (code in _ODD_CODES and not self.head.done()):
            self.finish(_Odd(message))
        elif self.refused:
            self.finish(httpx.ConnectError(f"refcheck: {message}: the address was not checked by the guard"))
        else:
            os_errno = self.handle.getinfo(pycurl.OS_ERRNO)
            self.finish(_failure(code, message, os_errno, reading=self.head.done()))

    def finish(self, error: BaseException | None = None) -> None:
        self.finished = True
        self.driver.timed.discard(self)
        if error is None and not self.head.done():
            error = httpx.RemoteProtocolError("Server disconnected without sending a response.")
        if not self.head.done():
            self.head.set_exception(error)
            self.head.exception()  # retrieved here: the one who awaits it reads it again
        else:
            self.error = error
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def chunks_as_read(self):
        """The body's bytes as they arrive; a paused transfer resumes once the reader has taken half its buffer."""
        chunks = self.chunks
        while True:
            if chunks:
                chunk = chunks.popleft()
                self.buffered -= len(chunk)
                if self.paused and self.buffered <= BUFFER_LIMIT // 2 and not self.finished:
                    self.paused = False
                    self.last = self.driver.loop.time()
                    self._resume()
                yield chunk
            elif self.finished:
                if self.error is not None:
                    error, self.error = self.error, None
                    raise error
                return
            else:
                self.waiter = self.driver.loop.create_future()
                await self.waiter
                self.waiter = None

    def _resume(self) -> None:
        try:
            self.handle.pause(pycurl.PAUSE_CONT)  # may hand over the held chunk at once (_on_body)
        except pycurl.error as error:  # the connection failed while paused
            self.driver.remove(self)
            self.finish(httpx.ReadError(f"curl could not resume the transfer: {error}"))

    def release(self) -> None:
        """The answer is done with (read to its end or not): an unfinished transfer is stopped (curl closes its
        connection), and the handle goes back for the next request."""
        if not self.finished:
            self.driver.remove(self)
            self.finish(httpx.StreamClosed())
        self.chunks.clear()
        self.error = None
        self.driver.idle.append(self)


# ── the multi handle on the asyncio loop ─────────────────────────────────────────────────────────────────────────


class SocketsOnLoop:
    """curl's socket callback (M_SOCKETFUNCTION) on an asyncio loop: each socket curl names is watched for what curl
    asks (read, write, both, or no longer), and readiness is handed to `self._act(fd, event)`. Needs `self.loop` and
    `self.watched` (socket -> what it is watched for). Shared with bench/http_stacks.py's bare pycurl stack."""

    def _on_socket(self, what: int, fd: int, multi, data) -> None:
        loop = self.loop
        before = self.watched.pop(fd, 0)
        if before & pycurl.POLL_IN:
            loop.remove_reader(fd)
        if before & pycurl.POLL_OUT:
            loop.remove_writer(fd)
        if what == pycurl.POLL_REMOVE:
            return
        if what & pycurl.POLL_IN:
            loop.add_reader(fd, self._act, fd, pycurl.CSELECT_IN)
        if what & pycurl.POLL_OUT:
            loop.add_writer(fd, self._act, fd, pycurl.CSELECT_OUT)
        self.watched[fd] = what


class _Driver(SocketsOnLoop):
    """One CurlMulti driven by the running asyncio loop through curl's socket and timer callbacks."""

    def __init__(self, per_origin: int):
        self.loop = asyncio.get_running_loop()
        self.multi = multi = pycurl.CurlMulti()
        multi.setopt(pycurl.M_SOCKETFUNCTION, self._on_socket)
        multi.setopt(pycurl.M_TIMERFUNCTION, self._on_timer)
        multi.setopt(pycurl.M_MAX_HOST_CONNECTIONS, per_origin)
        multi.setopt(pycurl.M_MAXCONNECTS, MAX_IDLE_CONNECTIONS)
        self.timer: asyncio.Handle | None = None  # curl's timer
        self.timer_due = 0.0  # when curl's timer fires (loop time; -inf: as soon as the loop turns)
        self.timed: set[_Transfer] = set()  # transfers whose read timeout runs (connected, not finished)
        self.read_timer = SweepTimer(self.loop, self._time_out_idle)  # one for all of them: the earliest read timeout
        self.watched: dict[int, int] = {}
        self.idle: list[_Transfer] = []
        self.active: set[_Transfer] = set()
        self.reading: dict[int, _Transfer] = {}  # socket -> the transfer on it whose read timer it resets
        self.connected: list[_Transfer] = []  # transfers whose connection became ready in this socket_action

    def transfer(self) -> _Transfer:
        return self.idle.pop() if self.idle else _Transfer(self)

    def add(self, transfer: _Transfer) -> None:
        self.active.add(transfer)
        self.multi.add_handle(transfer.handle)

    def remove(self, transfer: _Transfer) -> None:
        if transfer.socket is not None and self.reading.get(transfer.socket) is transfer:
            del self.reading[transfer.socket]
        if transfer in self.active:
            self.active.discard(transfer)
            self.multi.remove_handle(transfer.handle)

    def _on_timer(self, milliseconds: int) -> None:
        # curl often asks again for the deadline its timer already has (0 ms at every request's start, then the same
        # connect deadline as before it): the armed timer is kept when it fires within a millisecond of the one
        # asked for (curl's unit; a timer that fires early is safe: curl then asks for the rest).
        if milliseconds < 0:
            due = None
        elif milliseconds == 0:
            due = _AT_ONCE
        else:
            due = self.loop.time() + milliseconds / 1000
        timer = self.timer
        if timer is not None:
            if due is not None and (due == self.timer_due or abs(due - self.timer_due) <= 0.001):
                return
            timer.cancel()
            self.timer = None
        if due is None:
            return
        if due == _AT_ONCE:
            self.timer = self.loop.call_soon(self._on_deadline)
        else:
            self.timer = self.loop.call_at(due, self._on_deadline)
        self.timer_due = due

    def _on_deadline(self) -> None:
        self.timer = None  # fired: whatever curl asks for next is armed anew
        self._act(pycurl.SOCKET_TIMEOUT, 0)

    def time_reads(self, transfer: _Transfer) -> None:
        """Start `transfer`'s read timeout (from `transfer.last`). One loop timer serves every transfer: armed for
        the earliest read timeout, it looks at all of them when it fires and arms itself for the next. A byte that
        arrives only moves a transfer's own time (`last`), never the timer, which may then fire for nothing."""
        self.timed.add(transfer)
        due = transfer.last + transfer.read_timeout
        self.read_timer.due_by(due)

    def _time_out_idle(self, now: float) -> float | None:
        earliest, idle = None, []
        for transfer in self.timed:
            due = transfer.read_due(now)
            if due is None:
                idle.append(transfer)
            elif earliest is None or due < earliest:
                earliest = due
        for transfer in idle:
            self.remove(transfer)
            transfer.finish(httpx.ReadTimeout("read timeout"))
        return earliest

    def _act(self, fd: int, event: int) -> None:
        if event == pycurl.CSELECT_IN:
            reader = self.reading.get(fd)
            if reader is not None:
                reader.last = self.loop.time()
        multi = self.multi
        multi.socket_action(fd, event)
        if self.connected:
            self._watch_sockets()
        while True:
            queued, done, failed = multi.info_read()
            for handle in done:
                self.remove(handle.transfer)
                handle.transfer.finish()
            for handle, code, message in failed:
                self.remove(handle.transfer)
                handle.transfer.failed(code, message)
            if not queued:
                return

    def _watch_sockets(self) -> None:
        for transfer in self.connected:
            if not transfer.finished:
                transfer.socket = transfer.handle.getinfo(pycurl.ACTIVESOCKET)
                self.reading[transfer.socket] = transfer
        self.connected.clear()

    def close(self) -> None:
        for transfer in list(self.active):
            self.remove(transfer)
            transfer.finish(httpx.StreamClosed())
        for transfer in self.idle:
            transfer.handle.close()
        self.idle.clear()
        self.multi.close()
        for fd, what in self.watched.items():
            if what & pycurl.POLL_IN:
                self.loop.remove_reader(fd)
            if what & pycurl.POLL_OUT:
                self.loop.remove_writer(fd)
        self.watched.clear()
        if self.timer is not None:
            self.timer.cancel()
        self.read_timer.cancel()
        self.timed.clear()


# ── the answer, with and without httpx's models ──────────────────────────────────────────────────────────────────


class _Body(httpx.AsyncByteStream):
    """A transfer's body as httpx's raw stream."""

    def __init__(self, transfer: _Transfer):
        self._transfer = transfer
        self._released = False

    def __aiter__(self):
        return self._transfer.chunks_as_read()  # the transfer's own generator: no second one around it per chunk

    async def aclose(self) -> None:
        if not self._released:
            self._released = True
            self._transfer.release()


def _header_lines(headers: list[tuple[str, str]]) -> list[bytes]:
    """The request's header lines for curl, as the bytes httpx would send (latin-1, as the pairs were decoded):
    "Name: value" (curl's "Name;" for an empty value, since "Name:" would remove the header), and "Accept:" when no
    Accept is given, so curl adds no "Accept: */*" of its own."""
    lines, accept = [], False
    for name, value in headers:
        accept = accept or name.lower() == "accept"
        lines.append(_header_line(name, value))
    if not accept:
        lines.append(b"Accept:")
    return lines


@functools.lru_cache(maxsize=4096)
def _header_line(name: str, value: str) -> bytes:
    """One header line, made once per distinct pair: the client's own headers and a host's Host line repeat on
    every request. Raises (nothing cached) for a line break or NUL, which would split or end the line."""
    line = f"{name}: {value}" if value else f"{name};"
    if "\r" in line or "\n" in line or "\0" in line:
        raise httpx.LocalProtocolError(f"invalid header {name!r}")
    return line.encode("latin-1")


class CurlTransport(_client.HttpxFallback, httpx.AsyncBaseTransport):
    """httpx.AsyncBaseTransport on one CurlMulti: per-host pools of `per_origin` connections each."""

    def __init__(self, guard: Guard, *, per_origin: int):
        self._guard = guard
        self._per_origin = per_origin
        self._driver: _Driver | None = None
        self._pins: dict[tuple[str, int], tuple[tuple[str, ...], str | None, frozenset[str]]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method not in ("GET", "HEAD"):
            return await self._ask_httpx(request)
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw]
        answer = await self._request(request.url, headers, request.extensions.get("timeout"), lambda: request,
                                     head_only=request.method == "HEAD")
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(answer.status, headers=answer.raw, stream=_Body(answer), request=request)

    async def send_get(self, url: httpx.URL, headers: list[tuple[str, str]], timeouts: dict | None,
                       request: Callable[[], httpx.Request]) -> Answer | httpx.Response:
        """The fetcher's GET without httpx's models (as AiohttpTransport.send_get)."""
        answer = await self._request(url, headers, timeouts, request)
        return answer if isinstance(answer, httpx.Response) else Answer(answer.status, answer.raw, _Body(answer))

    async def _request(self, url: httpx.URL, headers: list[tuple[str, str]], timeouts: dict | None,
                       request: Callable[[], httpx.Request], head_only: bool = False) -> _Transfer | httpx.Response:
        """The transfer once its head has arrived (its body still to read), or httpx's answer for an odd one."""
        scheme = url.scheme
        if scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"refcheck fetches only http and https, not {scheme!r}")
        host = url.raw_host.decode("ascii")
        port = url.port or (443 if scheme == "https" else 80)
        pinned = self._guard.pinned(host, port)
        if not pinned:
            raise httpx.ConnectError(f"refcheck: {host}:{port} was not checked by the guard; refusing to connect")
        driver = self._driver or self._open()
        resolve, allowed = self._pins_for(host, port, pinned)
        tls = _tls_options(_client._tls_context()) if scheme == "https" else None
        target = f"{scheme}://{url.netloc.decode('latin-1')}{url.raw_path.decode('latin-1')}"
        if not target.isascii():  # httpx percent-encodes; anything else is httpx's to send (or refuse)
            return await self._ask_httpx(request())
        transfer = driver.transfer()
        try:
            transfer.start(target, resolve, allowed, _header_lines(headers), timeouts or {}, tls, head_only)
        except BaseException:
            driver.idle.append(transfer)
            raise
        try:
            await transfer.head
        except _Odd:
            transfer.release()
            return await self._ask_httpx(request())
        except BaseException:
            transfer.release()
            raise
        return transfer

    def _pins_for(self, host: str, port: int, pinned: tuple[str, ...]) -> tuple[str | None, frozenset[str]]:
        """CURLOPT_RESOLVE's entry for the guard's addresses (none for an IPv6 literal, which curl does not resolve)
        and the set the socket callbacks allow; kept while the guard's pins for host:port stay the same tuple."""
        known = self._pins.get((host, port))
        if known is not None and known[0] is pinned:
            return known[1], known[2]
        spelled = ",".join(f"[{address}]" if ":" in address else address for address in pinned)
        resolve = None if ":" in host else f"{host}:{port}:{spelled}"
        allowed = frozenset(pinned)
        self._pins[(host, port)] = (pinned, resolve, allowed)
        return resolve, allowed

    def _open(self) -> _Driver:
        # Made on first use, inside the running loop (a forked worker process makes its own).
        self._driver = _Driver(self._per_origin)
        return self._driver

    async def aclose(self) -> None:
        if self._driver is not None:
            driver, self._driver = self._driver, None
            driver.close()
        await self._close_fallback()
