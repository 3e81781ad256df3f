"""The SSRF guard: every spelling of a private address is refused before any packet, at every hop, and sockets go only to checked addresses."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import replace

import httpcore
import pytest

from refcheck.fetch import NO_NETWORK_REASON, fetch_all
from refcheck.fetch.guard import (
    Guard,
    PinnedBackend,
    ResolutionFailed,
    UnsafeTarget,
    literal_address,
    parse_ipv4_number,
    refusal,
)
from refcheck.models import Redirect, UrlStatus
from tests.webserver import Reply, WebServer


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0177.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("0x", "0.0.0.0"),  # WHATWG: an empty hex number is zero
        ("0xA9.0xFE.0xA9.0xFE", "169.254.169.254"),
        ("2852039166", "169.254.169.254"),
        ("10.0.0.1.", "10.0.0.1"),
        ("8.8.8.8", "8.8.8.8"),
    ],
)
def test_numeric_ipv4_spellings_are_read_as_the_address_they_are(host, address):
    assert parse_ipv4_number(host) == ipaddress.IPv4Address(address)


@pytest.mark.parametrize("host", ["example.org", "256.1.1.1", "1.2.3.4.5", "08.1.1.1", "1.2.3.256", "4294967296",
                                  "1e3", "123abc"])
def test_names_and_out_of_range_numbers_are_not_addresses(host):
    assert parse_ipv4_number(host) is None


def test_literal_addresses_include_ipv6_and_percent_encoding():
    assert literal_address("[::1]") == ipaddress.IPv6Address("::1")
    assert literal_address("fe80::1%eth0") == ipaddress.IPv6Address("fe80::1")
    assert literal_address("%31%32%37.0.0.1") == ipaddress.IPv4Address("127.0.0.1")
    assert literal_address("example.org") is None


@pytest.mark.parametrize(
    ("address", "word"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("fd12:3456::1", "private"),  # IPv6 unique local
        ("100.64.0.1", "shared"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:169.254.169.254", "link-local"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("::127.0.0.1", "loopback"),  # deprecated IPv4-compatible
    ],
)
def test_non_public_addresses_are_refused_with_a_reason(address, word):
    reason = refusal(ipaddress.ip_address(address))
    assert reason is not None and word in reason


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700::6810:85e5", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert refusal(ipaddress.ip_address(address)) is None


# ── through the fetcher, with a real server that must see nothing ────────────────────────────────────────────


@pytest.fixture
def strict(quick):
    return replace(quick, allow_private=False)


def ssrf_spellings(port: int) -> list[str]:
    return [
        f"http://127.0.0.1:{port}/",
        f"http://2130706433:{port}/",
        f"http://0x7f.1:{port}/",
        f"http://0x7f000001:{port}/",
        f"http://0177.0.0.1:{port}/",
        f"http://127.1:{port}/",
        f"http://%31%32%37.0.0.1:{port}/",
        f"http://[::ffff:127.0.0.1]:{port}/",
        f"http://[::ffff:7f00:1]:{port}/",
        f"http://[::1]:{port}/",
        f"http://0:{port}/",
        f"http://localhost:{port}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
    ]


def test_every_spelling_of_a_private_address_is_unsafe_and_never_contacted(server, strict, no_wait):
    urls = ssrf_spellings(server.port)
    run = fetch_all(urls, strict, sleep=no_wait)
    for url in urls:
        result = run.results[url]
        assert result.status is UrlStatus.UNSAFE, (url, result)
        assert result.reason.startswith("refused:"), (url, result.reason)
    assert server.connections == 0
    assert run.notices == ()  # refusals are not "no network"


def test_a_name_resolving_to_a_private_address_is_unsafe(strict, no_wait):
    async def resolver(host, port):
        return {"intranet.test": ["10.1.2.3"], "mixed.test": ["93.184.216.34", "192.168.0.7"]}[host]

    guard = Guard(allow_private=False, resolver=resolver)
    run = fetch_all(["http://intranet.test/", "http://mixed.test/"], strict, guard=guard, sleep=no_wait)
    assert run.results["http://intranet.test/"].status is UrlStatus.UNSAFE
    assert "10.1.2.3" in run.results["http://intranet.test/"].reason
    mixed = run.results["http://mixed.test/"]  # ANY private address refuses the host: a connect might pick it
    assert mixed.status is UrlStatus.UNSAFE and "192.168.0.7" in mixed.reason


def test_a_public_looking_site_redirecting_to_loopback_is_stopped_at_that_hop(server, strict, no_wait):
    # `public.test` plays a public site: the test resolver sends it to the server, whose exact (address, port) is
    # exempted. The redirect targets a second real server on another loopback port, which must see nothing.
    with WebServer() as internal:
        internal.route("/admin", Reply(200, "secret"))
        server.route("/out", Reply(302, "", headers={"Location": internal.url("/admin")}))
        server.route("/meta", Reply(301, "", headers={"Location": "http://169.254.169.254/latest/meta-data/"}))
        server.route("/named", Reply(302, "", headers={"Location": f"http://evil.test:{internal.port}/admin"}))

        async def resolver(host, port):
            return {"public.test": ["127.0.0.1"], "evil.test": ["127.0.0.1"]}[host]

        guard = Guard(allow_private=False, resolver=resolver, exempt=[("127.0.0.1", server.port)])
        base = f"http://public.test:{server.port}"
        urls = [f"{base}/out", f"{base}/meta", f"{base}/named"]
        run = fetch_all(urls, strict, guard=guard, sleep=no_wait)
        for url in urls:
            result = run.results[url]
            assert result.status is UrlStatus.UNSAFE, result
            assert result.reason.startswith("redirect to "), result.reason
            assert result.redirects[0].url == url
        assert run.results[f"{base}/out"].redirects == (Redirect(f"{base}/out", 302),)
        assert run.results[f"{base}/meta"].final_url == "http://169.254.169.254/latest/meta-data/"
        assert server.hits("/out") == server.hits("/meta") == server.hits("/named") == 1
        assert internal.connections == 0 and internal.requests == []


def test_the_socket_goes_to_the_checked_address_while_host_header_keeps_the_name(server, quick, no_wait):
    # `pinned.test` exists only in the test resolver: if anything re-resolved it through the system DNS, the fetch
    # could not succeed. The server still sees the name in the Host header.
    lookups = []

    async def resolver(host, port):
        lookups.append(host)
        return ["127.0.0.1"]

    server.route("/page", Reply(200, "<title>pinned</title>"))
    urls = [f"http://pinned.test:{server.port}/page", f"http://PINNED.test:{server.port}/page?again"]
    run = fetch_all(urls, quick, guard=Guard(allow_private=True, resolver=resolver), sleep=no_wait)
    assert all(result.status is UrlStatus.OK for result in run.results.values())
    assert {request.headers["host"] for request in server.requests_to("/page")} == {f"pinned.test:{server.port}"}
    assert lookups == ["pinned.test"]  # one lookup shared by both URLs (same host, any case)


def test_the_backend_refuses_a_host_the_guard_never_checked():
    backend = PinnedBackend(Guard(allow_private=True))
    with pytest.raises(httpcore.ConnectError, match="not checked"):
        asyncio.run(backend.connect_tcp("unchecked.test", 80))


def test_allow_private_lifts_the_refusal(server, quick, no_wait):
    url = f"http://0x7f.1:{server.port}/_/status/200"
    result = fetch_all([url], quick, sleep=no_wait).results[url]
    assert result.status is UrlStatus.OK
    assert result.fetched_url == f"http://127.0.0.1:{server.port}/_/status/200"


# ── DNS failures and "no network" ─────────────────────────────────────────────────────────────────────────────


def failing_resolver(code: int):
    async def resolver(host, port):
        raise socket.gaierror(code, "test resolver: " + host)

    return resolver


def test_nothing_reachable_is_reported_once_and_nothing_is_called_dead(quick, no_wait):
    urls = ["http://one.test/", "http://two.test/a", "http://two.test/b", "http://three.test/"]
    guard = Guard(allow_private=False, resolver=failing_resolver(socket.EAI_AGAIN))
    seen = []
    run = fetch_all(urls, replace(quick, allow_private=False), guard=guard, sleep=no_wait, on_result=seen.append)
    assert run.notices == (NO_NETWORK_REASON,)
    assert [run.results[url].status for url in urls] == [UrlStatus.ERROR] * 4
    assert {run.results[url].reason for url in urls} == {NO_NETWORK_REASON}
    assert sorted(result.url for result in seen) == sorted(urls)


def test_nxdomain_everywhere_is_also_no_network_not_dead(quick, no_wait):
    guard = Guard(resolver=failing_resolver(socket.EAI_NONAME))
    run = fetch_all(["http://gone.test/", "http://also-gone.test/"], quick, guard=guard, sleep=no_wait)
    assert run.notices == (NO_NETWORK_REASON,)
    assert {result.status for result in run.results.values()} == {UrlStatus.ERROR}
    assert no_wait.delays == []  # NXDOMAIN is a definite answer: not retried


def test_nxdomain_for_one_host_while_others_answer_is_dead(server, quick, no_wait):
    async def resolver(host, port):
        if host == "gone.test":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return ["127.0.0.1"]

    guard = Guard(allow_private=True, resolver=resolver)
    urls = [server.url("/_/status/200"), "http://gone.test/page"]
    run = fetch_all(urls, quick, guard=guard, sleep=no_wait)
    assert run.notices == ()
    assert run.results[urls[0]].status is UrlStatus.OK
    gone = run.results["http://gone.test/page"]
    assert gone.status is UrlStatus.DEAD and "NXDOMAIN" in gone.reason


def test_a_temporary_dns_failure_for_one_host_is_an_error_after_retries(server, quick, no_wait):
    async def resolver(host, port):
        if host == "flaky-dns.test":
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return ["127.0.0.1"]

    run = fetch_all([server.url("/_/status/200"), "http://flaky-dns.test/"], quick, sleep=no_wait,
                    guard=Guard(allow_private=True, resolver=resolver))
    flaky = run.results["http://flaky-dns.test/"]
    assert flaky.status is UrlStatus.ERROR and "Temporary failure" in flaky.reason
    assert len(no_wait.delays) == quick.retries


def test_guard_check_raises_data_carrying_exceptions():
    async def scenario():
        guard = Guard(resolver=failing_resolver(socket.EAI_NONAME))
        with pytest.raises(ResolutionFailed) as failure:
            await guard.check("nowhere.test", 80)
        assert failure.value.nonexistent
        with pytest.raises(UnsafeTarget):
            await Guard().check("127.0.0.1", 80)
        checked = await Guard(allow_private=True).check("[::1]", 80)
        assert checked.addresses == ("::1",)

    asyncio.run(scenario())
