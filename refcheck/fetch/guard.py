"""The SSRF guard: resolve each hop's host, refuse non-public addresses, and make the socket connect only to an address that was checked."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import httpcore

from refcheck.fetch.addresses import IPAddress, canonical_host, literal_address, parse_ipv4_number

__all__ = ["Guard", "PinnedBackend", "UnsafeTarget", "ResolutionFailed", "canonical_host", "literal_address",
           "parse_ipv4_number", "refusal", "system_resolver"]

# A resolver turns (host, port) into the IP addresses a connection may use. The default asks the system
# (getaddrinfo) in a worker thread; tests inject one so fake names point wherever they need.
Resolver = Callable[[str, int], Awaitable[list[str]]]

_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # embeds an IPv4 address in its last 32 bits
_RESOLUTION_TTL = 60.0  # seconds a checked resolution is reused within a run


class UnsafeTarget(Exception):
    """The host resolves to an address refcheck must not send a packet to."""


class ResolutionFailed(Exception):
    """The host name could not be resolved. `nonexistent` is True for a definite NXDOMAIN-like answer."""

    def __init__(self, host: str, detail: str, *, nonexistent: bool):
        super().__init__(f"{host}: {detail}")
        self.host = host
        self.detail = detail
        self.nonexistent = nonexistent


def refusal(address: IPAddress) -> str | None:
    """Why refcheck must not connect to this address (a few words), or None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            reason = refusal(embedded)
            return f"{reason} (embedded in IPv6 {address})" if reason else None
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("shared address space", address in _SHARED_ADDRESS_SPACE if address.version == 4 else False),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("not globally routable", not address.is_global),
    )
    for name, applies in checks:
        if applies:
            return f"{name} address {address}"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address hidden in an IPv4-mapped, IPv4-compatible, 6to4 or NAT64 IPv6 address."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if int(address) >> 32 == 0 and int(address) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(address))
    return None


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with getaddrinfo in the loop's worker thread, keeping the system's preference order."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


@dataclass(frozen=True)
class CheckedTarget:
    host: str  # as it appears in the URL sent on (lowercase name or canonical literal)
    port: int
    addresses: tuple[str, ...]  # every one passed the check; a connection uses only these


class Guard:
    """Checks every hop before a request and remembers the addresses it approved, which the network backend then uses.

    `exempt` lists (address, port) pairs allowed even when private: a test hook so a loopback test server can play a
    public site while every other private address (another port on 127.0.0.1, 169.254.169.254) is still refused.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        resolver: Resolver | None = None,
        exempt: Iterable[tuple[str, int]] = (),
        clock: Callable[[], float] = time.monotonic,
    ):
        self.allow_private = allow_private
        self._resolver = resolver or system_resolver
        self._exempt = frozenset((str(ipaddress.ip_address(a)), p) for a, p in exempt)
        self._clock = clock
        self._pins: dict[tuple[str, int], tuple[str, ...]] = {}
        self._resolving: dict[tuple[str, int], asyncio.Future] = {}
        self._resolved_at: dict[tuple[str, int], float] = {}

    def fresh(self) -> Guard:
        """A guard with the same policy and resolver and nothing remembered (for a forked worker process)."""
        fresh = Guard(allow_private=self.allow_private, resolver=self._resolver, clock=self._clock)
        fresh._exempt = self._exempt
        return fresh

    async def check(self, host: str, port: int) -> CheckedTarget:
        """Resolve `host` and approve it, or raise UnsafeTarget / ResolutionFailed. No packet has gone to the host yet."""
        key = (_pin_key(host), port)
        literal = literal_address(host)
        if literal is not None:
            addresses = (str(literal),)
        else:
            addresses = await self._resolve(key)
        if not self.allow_private:
            for address in addresses:
                reason = refusal(ipaddress.ip_address(address))
                if reason and (address, port) not in self._exempt:
                    raise UnsafeTarget(f"{host} resolves to a {reason}" if literal is None else f"{reason}")
        self._pins[key] = addresses
        return CheckedTarget(host=key[0], port=port, addresses=addresses)

    def pinned(self, host: str, port: int) -> tuple[str, ...] | None:
        """The approved addresses for a host the backend is about to connect to; None if it was never checked."""
        return self._pins.get((_pin_key(host), port))

    async def _resolve(self, key: tuple[str, int]) -> tuple[str, ...]:
        # Reuse a recent answer and share an in-flight lookup: 2,000 URLs on one host need one getaddrinfo.
        pinned = self._pins.get(key)
        if pinned and self._clock() - self._resolved_at.get(key, -_RESOLUTION_TTL) < _RESOLUTION_TTL:
            return pinned
        pending = self._resolving.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._lookup(*key))
            self._resolving[key] = pending
            pending.add_done_callback(lambda _: self._resolving.pop(key, None))
        addresses = await asyncio.shield(pending)
        self._resolved_at[key] = self._clock()
        return addresses

    async def _lookup(self, host: str, port: int) -> tuple[str, ...]:
        try:
            found = await self._resolver(host, port)
        except socket.gaierror as error:
            raise ResolutionFailed(host, _gaierror_text(error), nonexistent=_is_nonexistent(error)) from error
        except (OSError, UnicodeError) as error:
            raise ResolutionFailed(host, str(error) or type(error).__name__, nonexistent=False) from error
        addresses = tuple(dict.fromkeys(str(ipaddress.ip_address(a.split("%", 1)[0])) for a in found))
        if not addresses:
            raise ResolutionFailed(host, "no addresses", nonexistent=True)
        return addresses


def _pin_key(host: str) -> str:
    return host.strip("[]").lower().rstrip(".") if host else host


def _is_nonexistent(error: socket.gaierror) -> bool:
    # EAI_NONAME is the resolver's "no such name" (NXDOMAIN); EAI_NODATA "name has no address". EAI_AGAIN and EAI_FAIL
    # mean the question could not be answered, which is not evidence that the host is gone.
    definite = {socket.EAI_NONAME}
    if hasattr(socket, "EAI_NODATA"):
        definite.add(socket.EAI_NODATA)
    return error.errno in definite


def _gaierror_text(error: socket.gaierror) -> str:
    return error.strerror or str(error)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses the guard approved for that host.

    httpcore still sends the URL's host in the Host header and as the TLS server name; only the TCP connect is
    pinned, so a DNS answer that changes between the check and the connect (rebinding) cannot redirect the socket.
    """

    def __init__(self, guard: Guard, inner: httpcore.AsyncNetworkBackend | None = None):
        self._guard = guard
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = self._guard.pinned(host, port)
        if not addresses:
            raise httpcore.ConnectError(f"refcheck: {host}:{port} was not checked by the guard; refusing to connect")
        *others, last = addresses
        for address in others:  # try each approved address in the resolver's order, as other clients do
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue
        # The last one raises as it is, keeping its cause chain (the OSError's errno tells refused from unreachable).
        return await self._inner.connect_tcp(
            last, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):  # pragma: no cover - never used
        raise httpcore.ConnectError("refcheck does not connect to unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
