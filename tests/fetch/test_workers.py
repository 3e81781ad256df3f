"""Fetching in forked worker processes: hosts split between processes, results and cache exactly as with one."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from refcheck.fetch import fetch_all
from refcheck.fetch.cache import FetchCache
from refcheck.fetch.client import Fetcher
from refcheck.fetch.workers import split_by_host, worker_count
from refcheck.models import UrlStatus
from refcheck.settings import CacheSettings, FetchSettings
from tests.webserver import Reply, WebServer

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="worker processes are forked (Linux)")

HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4")


@pytest.fixture
def three_hosts():
    """Three servers on three loopback addresses: three hosts, as far as the per-host split is concerned."""
    servers = [WebServer(host=host) for host in HOSTS]
    for index, server in enumerate(servers):
        server.__enter__()
        for n in range(12):
            server.route(f"/page/{n}", Reply(200, f"<title>Host {index} page {n}</title><p>text {n}</p>", delay=0.01))
        server.route("/gone", Reply(404, "<title>Not Found</title>"))
    yield servers
    for server in servers:
        server.__exit__(None, None, None)


def all_urls(servers) -> list[str]:
    return [server.url(f"/page/{n}") for server in servers for n in range(12)] + [s.url("/gone") for s in servers]


def test_split_keeps_each_host_in_one_group_and_balances_them():
    targets = [f"http://{host}/p{n}" for host, count in (("a.example", 9), ("b.example", 5), ("c.example", 4),
                                                          ("d.example", 1)) for n in range(count)]
    groups = split_by_host(targets, 2)
    assert sorted(len(group) for group in groups) == [9, 10]
    hosts_per_group = [{target.split("/")[2] for target in group} for group in groups]
    assert not hosts_per_group[0] & hosts_per_group[1]
    assert sorted(t for group in groups for t in group) == sorted(targets)
    assert len(split_by_host(targets[:3], 4)) == 1  # one host: one group, whatever was asked


def test_automatic_count_needs_many_fetches_and_more_than_one_host():
    fetcher = Fetcher(FetchSettings(workers=0))
    many_hosts = [f"http://h{n % 20}.example/{n}" for n in range(2000)]
    assert worker_count(fetcher, many_hosts[:100]) == 1  # too few fetches to pay for a fork
    assert worker_count(fetcher, [f"http://one.example/{n}" for n in range(2000)]) == 1
    expected = min(len(os.sched_getaffinity(0)), 4)
    assert worker_count(fetcher, many_hosts) == expected
    assert worker_count(Fetcher(FetchSettings(workers=3)), many_hosts[:10]) == 3  # asked for: honoured


def test_workers_give_the_same_results_as_one_process_and_store_every_one(three_hosts, tmp_path):
    urls = all_urls(three_hosts)
    settings = FetchSettings(allow_private=True, retries=0, workers=3, probe_soft_404=False)
    seen = []
    with FetchCache(tmp_path / "many") as cache:
        run = fetch_all(urls, settings, cache=cache, on_result=lambda r: seen.append(r.url))
    alone = fetch_all(urls, FetchSettings(allow_private=True, retries=0, workers=1, probe_soft_404=False))

    assert list(run.results) == urls  # the document's order, not the order the processes finished in
    assert sorted(seen) == sorted(urls)  # each result reported once, from whichever process fetched it
    for url in urls:
        mine, reference = run.results[url], alone.results[url]
        assert (mine.status, mine.http_status, mine.page.title if mine.page else None) == \
               (reference.status, reference.http_status, reference.page.title if reference.page else None), url
    assert sum(r.status is UrlStatus.DEAD for r in run.results.values()) == 3
    with sqlite3.connect(tmp_path / "many" / "refcheck.sqlite") as connection:
        assert connection.execute("select count(*) from results").fetchone()[0] == len(urls)
        runs = {row[0] for row in connection.execute("select last_run_id from history")}
    assert len(runs) == 1  # the workers stored as the parent's run: one failure observation per URL and run
    requests = sum(len(server.requests) for server in three_hosts)
    assert requests == 2 * len(urls)  # each URL fetched once per run, by exactly one process


def _made_where(result):
    """A digest that says which process made it, and of what."""
    return (os.getpid(), result.url, result.status.value)


def test_each_digest_is_made_by_the_process_that_fetched_its_url(three_hosts):
    urls = all_urls(three_hosts)
    settings = FetchSettings(allow_private=True, retries=0, workers=3, probe_soft_404=False)
    run = fetch_all(urls, settings, digest=_made_where)

    assert set(run.digests) == set(urls)
    for url, (result, (pid, digested_url, status)) in run.digests.items():
        assert result is run.results[url]  # the very result the run returns: a rule may use its digest as is
        assert (digested_url, status) == (url, result.status.value)
    pids_by_host = {}
    for url, (_, (pid, _, _)) in run.digests.items():
        pids_by_host.setdefault(url.split("/")[2], set()).add(pid)
    assert all(len(pids) == 1 for pids in pids_by_host.values())  # a host's URLs: one process, as the fetch
    assert len({pid for pids in pids_by_host.values() for pid in pids}) == 3  # three hosts, three processes
    assert os.getpid() in {pid for pids in pids_by_host.values() for pid in pids}


def test_a_dead_worker_leaves_its_digests_to_the_parent(three_hosts, monkeypatch):
    """A worker that dies before sending anything: the parent fetches its targets and makes their digests."""
    from refcheck.fetch import workers

    def die(*args, **kwargs):
        os._exit(7)

    monkeypatch.setattr(workers, "_fetch_and_stream", die)
    urls = all_urls(three_hosts)
    run = fetch_all(urls, FetchSettings(allow_private=True, retries=0, workers=2, probe_soft_404=False),
                    digest=_made_where)
    assert set(run.digests) == set(urls)
    assert {pid for _, (pid, _, _) in run.digests.values()} == {os.getpid()}
    assert sum(r.status is UrlStatus.DEAD for r in run.results.values()) == 3


def test_a_second_run_with_workers_answers_from_the_cache_without_forking(three_hosts, tmp_path):
    urls = all_urls(three_hosts)
    settings = FetchSettings(allow_private=True, retries=0, workers=3, probe_soft_404=False)
    with FetchCache(tmp_path) as cache:
        fetch_all(urls, settings, cache=cache)
    before = sum(len(server.requests) for server in three_hosts)
    with FetchCache(tmp_path) as cache:
        run = fetch_all(urls, settings, cache=cache)
    assert all(result.from_cache for result in run.results.values())
    assert sum(len(server.requests) for server in three_hosts) == before


def test_no_network_is_judged_over_all_processes(tmp_path):
    """Hosts that do not resolve in every process: one "no network" notice, never `dead`."""
    async def nothing_resolves(host, port):
        import socket

        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    from refcheck.fetch.guard import Guard

    urls = [f"http://site{n}.example/page" for n in range(6)]
    run = fetch_all(urls, FetchSettings(retries=0, workers=3, probe_soft_404=False),
                    guard=Guard(resolver=nothing_resolves))
    assert run.notices == ("no network: nothing was reachable",)
    assert {result.status for result in run.results.values()} == {UrlStatus.ERROR}


def test_a_process_whose_hosts_all_fail_does_not_call_the_run_offline(three_hosts):
    """One process may get only failing hosts; the run reached servers, so its failures are judged as such."""
    import socket

    addresses = {f"good{n}.test": server for n, server in enumerate(three_hosts)}

    async def resolver(host, port):
        if host in addresses:
            return [addresses[host].host]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    from refcheck.fetch.guard import Guard

    good = [f"http://{name}:{server.port}/page/{n}" for name, server in addresses.items() for n in range(4)]
    gone = [f"http://gone.test/page/{n}" for n in range(20)]  # the biggest host: a process of its own
    run = fetch_all(good + gone, FetchSettings(retries=0, workers=2, probe_soft_404=False),
                    guard=Guard(resolver=resolver, exempt=[(server.host, server.port) for server in three_hosts]))
    assert run.notices == ()
    assert {run.results[url].status for url in good} == {UrlStatus.OK}
    assert {run.results[url].status for url in gone} == {UrlStatus.DEAD}


def test_cli_with_workers_reports_every_url_and_a_killed_parent_takes_its_workers_along(three_hosts, tmp_path):
    document = tmp_path / "links.md"
    document.write_text("".join(f"- [link]({url})\n" for url in all_urls(three_hosts)))
    command = [sys.executable, "-m", "refcheck", "check", str(document), "--allow-private", "--no-progress",
               "--no-archive", "--workers", "3", "--format", "json", "--cache-dir", str(tmp_path / "cache")]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 1, finished.stderr  # three dead links
    payload = json.loads(finished.stdout)
    assert len(payload["urls"]) == 39 and sum(u["status"] == "dead" for u in payload["urls"]) == 3

    for server in three_hosts:  # slow every page down, so the next run is still fetching when it is killed
        for n in range(12):
            server.route(f"/page/{n}", Reply(200, "<title>slow</title>", delay=20.0))
    slow = subprocess.Popen([*command[:-2], "--cache-dir", str(tmp_path / "other"), "--max-age", "0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = _wait_for_children(slow.pid, 2)
    os.kill(slow.pid, signal.SIGKILL)
    slow.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers), "a worker outlived its killed parent"


def _wait_for_children(pid: int, count: int) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        if len(children) >= count:
            return [int(child) for child in children]
        time.sleep(0.02)
    raise AssertionError(f"process {pid} did not start {count} workers")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_the_split_key_groups_targets_exactly_as_the_per_host_gates_do():
    # The split keys on the WHATWG host (parsed once, cached) instead of httpx's; two targets share a process
    # exactly when they share a per-host gate (client.host_of), over the standard's own web cases and spellings of
    # one host (IDN, case, numeric IPv4, IPv6, ports, a trailing dot, userinfo).
    from refcheck.fetch.client import host_of, prepare_url
    from refcheck.fetch.run import InvalidTarget
    from refcheck.fetch.workers import split_key
    from tests.wpt import url_cases

    written = [case["href"] for case in url_cases() if not case.get("failure") and "href" in case]
    written += ["http://Bücher.de/a", "http://xn--bcher-kva.de/b", "HTTP://BÜCHER.DE:8080/c", "http://0x7f.1/",
                "http://127.0.0.1:81/", "http://[::1]/", "http://[0:0::1]:8080/", "http://example.com./",
                "http://example.com/", "http://user:pw@EXAMPLE.com/", "https://例え.jp/", "https://xn--r8jz45g.jp/x",
                "http://ＥＸＡＭＰＬＥ.com/", "http://a.b.c.xn--p1ai/"]
    targets = []
    for url in written:
        try:
            targets.append(prepare_url(url))  # what the fetcher routes: the standard's form that httpx accepts
        except InvalidTarget:
            continue
    assert len(targets) > 200
    gate_of, split_of = {}, {}
    for target in targets:
        gate = host_of(target)
        gate_of.setdefault(gate, set()).add(split_key(target))
        split_of.setdefault(split_key(target), set()).add(gate)
    assert all(len(keys) == 1 for keys in gate_of.values()), {g: k for g, k in gate_of.items() if len(k) > 1}
    assert all(len(gates) == 1 for gates in split_of.values()), {k: g for k, g in split_of.items() if len(g) > 1}
    assert len(gate_of) > 50


def _freeze_count(result) -> int:
    import gc

    return gc.get_freeze_count()


def test_what_lived_before_the_fork_is_frozen_during_the_fetch_and_thawed_after(three_hosts):
    """Objects alive when the workers fork are kept out of the cycle collector while the fetch runs, in every
    fetching process (so no process rescans them, and a child's collections do not copy the pages it shares with the
    parent); the parent thaws them once the fetch is over, so later work is collected as before."""
    import gc

    assert gc.get_freeze_count() == 0
    run = fetch_all(all_urls(three_hosts), FetchSettings(allow_private=True, retries=0, workers=3, probe_soft_404=False),
                    digest=_freeze_count)
    assert all(count > 1000 for _, count in run.digests.values())  # the imports alone are many thousands of objects
    assert gc.get_freeze_count() == 0
