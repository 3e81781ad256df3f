"""Queueing inside the run is not the network's time, and the per-host limit is per address: what a big run of many
links on many hosts needs to be correct (issue 19: live links reported as timeouts at 20,000 and 100,000 links)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest

from refcheck.fetch import fetch_all
from refcheck.models import UrlStatus
from tests.webserver import Reply, WebServer


def test_a_redirects_second_hop_queued_behind_its_host_does_not_time_out(server, quick, no_wait):
    """The redirect's first hop answers at once; its second hop then waits for the host's one slot behind eight slow
    pages (8 × 0.3 s = 2.4 s) — longer than the 1 s deadline. That wait is the run's own queue, not the network: before
    it was left out of the deadline, this URL timed out ("no final answer within the 1 s deadline")."""
    slow = [server.url(f"/_/delay?seconds=0.3&n={n}") for n in range(8)]
    redirected = server.url("/_/redirect/1")
    settings = replace(quick, per_host=1, max_concurrency=10, deadline=1.0, timeout=1.0, retries=0,
                       probe_soft_404=False)
    run = fetch_all([redirected, *slow], settings, sleep=no_wait)
    result = run.results[redirected]
    assert result.status is UrlStatus.OK, result.reason
    assert len(result.redirects) == 1 and result.final_url.endswith("/_/redirect/0")
    assert all(run.results[url].status is UrlStatus.OK for url in slow)
    assert server.max_in_flight == 1
    # The second hop really did wait behind the slow pages: it was asked for after all eight had started.
    paths = [request.path for request in server.requests]
    assert paths.index("/_/redirect/0") > max(i for i, p in enumerate(paths) if p == "/_/delay")


def test_the_deadline_still_counts_the_networks_time_after_a_queued_hop(server, quick, no_wait):
    """A second hop that waited in the queue still gets only what is left of the deadline for the network itself."""
    slow = [server.url(f"/_/delay?seconds=0.3&n={n}") for n in range(4)]
    server.route("/moves", Reply(301, headers={"Location": "/_/drip?bytes=40&interval=0.1"}))
    moving = server.url("/moves")
    settings = replace(quick, per_host=1, max_concurrency=10, deadline=1.5, timeout=1.0, retries=0,
                       probe_soft_404=False)
    run = fetch_all([moving, *slow], settings, sleep=no_wait)
    result = run.results[moving]
    assert result.status is UrlStatus.TIMEOUT  # 40 bytes at 0.1 s each: 4 s of network, more than the 1.5 s deadline
    assert "deadline" in result.reason


def _same_port_servers(hosts: tuple[str, ...]) -> list[WebServer]:
    """One WebServer per loopback address, all on one port (as bench/simweb.py serves its hosts)."""
    for _ in range(20):
        first = WebServer(host=hosts[0])
        servers = [first]
        try:
            for host in hosts[1:]:
                servers.append(WebServer(host=host, port=first.port))
        except OSError:  # the port is taken on another address: try another
            for made in servers:
                made._httpd.server_close()
            continue
        return servers
    pytest.skip("no port free on every address")


def test_per_host_limit_keys_on_the_address_not_the_port(quick, no_wait):
    """Two hosts on one port: each gets its own per-host limit (2), so four requests are in flight at once. A limit
    keyed on the port would hold both hosts to two together."""
    servers = _same_port_servers(("127.0.0.2", "127.0.0.3"))
    lock = threading.Lock()
    now = [0]
    peak = [0]

    def slow(request):
        with lock:
            now[0] += 1
            peak[0] = max(peak[0], now[0])
        time.sleep(0.3)
        with lock:
            now[0] -= 1
        return Reply(200, "<title>page</title>")

    for server in servers:
        server.__enter__()
        server.route("/page", slow)
    try:
        urls = [f"{server.url('/page')}?n={n}" for server in servers for n in range(6)]
        assert len({url.split("/")[2].split(":")[1] for url in urls}) == 1  # one port
        run = fetch_all(urls, replace(quick, per_host=2, max_concurrency=50, workers=1, probe_soft_404=False),
                        sleep=no_wait)
    finally:
        for server in servers:
            server.__exit__(None, None, None)
    assert all(result.status is UrlStatus.OK for result in run.results.values())
    assert [server.max_in_flight for server in servers] == [2, 2]
    assert peak[0] == 4
