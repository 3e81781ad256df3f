"""How a URL's host names an address: every IPv4 spelling browsers accept, bracketed IPv6, and the standard form.

Kept apart from the guard (which needs httpcore) so that preparing a URL does not load the network layer.
"""

from __future__ import annotations

import functools
import ipaddress
from urllib.parse import unquote

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ipv4_number(host: str) -> ipaddress.IPv4Address | None:
    """Read a host spelled as an IPv4 number the way browsers and inet_aton do: `2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`.

    Returns None when the host is not such a spelling (a name). An out-of-range number is not an address either.
    """
    text = host[:-1] if host.endswith(".") else host
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        number = _ipv4_part(part)
        if number is None:
            return None
        numbers.append(number)
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for index, number in enumerate(leading):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _ipv4_part(part: str) -> int | None:
    lowered = part.lower()
    try:
        if lowered.startswith("0x"):
            return int(lowered[2:] or "0", 16)
        if len(lowered) > 1 and lowered.startswith("0"):
            return int(lowered[1:], 8)
        if lowered.isdigit():
            return int(lowered, 10)
    except ValueError:
        return None
    return None


@functools.lru_cache(maxsize=4096)  # asked at every hop's guard check; pure, and its answers are immutable
def literal_address(host: str) -> IPAddress | None:
    """The address a URL's host denotes literally (any IPv4 spelling, bracketed or bare IPv6), or None for a name."""
    text = unquote(host).strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text.split("%", 1)[0])  # drop a zone id: it does not change the address
        except ValueError:
            return None
    return parse_ipv4_number(text)


def canonical_host(host: str) -> str:
    """The host as it should be sent on: a literal address in its standard spelling, a name unchanged."""
    address = literal_address(host)
    if address is None:
        return host
    return f"[{address}]" if address.version == 6 else str(address)
