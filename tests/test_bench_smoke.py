"""Smoke test of the fetch benchmark's parts: the simulated web on loopback, and refcheck finding exactly its dead pages (no timing is asserted, no lychee needed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import run as bench  # noqa: E402  (bench/run.py)
from simweb import plan_web  # noqa: E402

URLS, HOSTS, LATENCY, DEAD, REDIRECTS = 20, 2, 0.01, 0.2, 0.1


@pytest.fixture()
def web():
    with bench.SimWebProcess(urls=URLS, hosts=HOSTS, latency=LATENCY, seed=3, dead=DEAD, redirects=REDIRECTS,
                             lifetime=60) as server:
        yield server


def test_plan_is_seeded_and_mixes_dead_redirected_and_live_pages():
    pages = plan_web(URLS, HOSTS, seed=3, dead_share=DEAD, redirect_share=REDIRECTS)
    assert pages == plan_web(URLS, HOSTS, seed=3, dead_share=DEAD, redirect_share=REDIRECTS)
    kinds = [page.kind for page in pages]
    assert kinds.count("dead") == 4 and kinds.count("redirect") == 2
    assert {page.host for page in pages} == {"127.0.0.2", "127.0.0.3"}
    assert len({page.path for page in pages}) == URLS


def test_floor_counts_the_limits_and_the_redirects_extra_hop():
    pages = plan_web(2000, 50, dead_share=0.05, redirect_share=0.02)
    assert bench.refcheck_floor(pages, 0.1, 64, 4) == pytest.approx((3.2, 32))  # ceil(2040 / 64)
    seconds, rounds = bench.refcheck_floor(pages, 0.1, 1000, 4)  # now the busiest host decides
    busiest = max(sum(2 if p.kind == "redirect" else 1 for p in pages if p.host == host) for host in {p.host for p in pages})
    assert rounds == -(-busiest // 4)


def test_simulated_web_serves_pages_404s_and_redirects(web):
    import urllib.error
    import urllib.request

    pages = plan_web(URLS, HOSTS, seed=3, dead_share=DEAD, redirect_share=REDIRECTS)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    live = next(page for page in pages if page.kind == "ok")
    with opener.open(live.url(web.port), timeout=10) as answer:
        body = answer.read().decode()
    assert f"<title>{live.title} |" in body and 'property="og:title"' in body and 4_000 < len(body) < 20_000
    dead = next(page for page in pages if page.kind == "dead")
    with pytest.raises(urllib.error.HTTPError) as failure:
        opener.open(dead.url(web.port), timeout=10)
    assert failure.value.code == 404
    moved = next(page for page in pages if page.kind == "redirect")
    with opener.open(moved.url(web.port), timeout=10) as answer:  # urllib follows the 301 on the same host
        assert answer.url.endswith(moved.redirect_target) and answer.status == 200
    assert web.stats()["statuses"] == {"200": 2, "301": 1, "404": 1}


def test_refcheck_finds_exactly_the_dead_pages(web, tmp_path):
    pages = plan_web(URLS, HOSTS, seed=3, dead_share=DEAD, redirect_share=REDIRECTS)
    document = tmp_path / "links.md"
    bench.write_document(pages, web.port, document, "markdown")
    report = tmp_path / "report.json"
    command = bench.refcheck_command(document, tmp_path / "cache", report, [],
                                     python_prefix=[sys.executable, "-m", "refcheck"])
    finished = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=90,
                              env=bench._child_env())
    assert finished.returncode == 0, finished.stderr
    outcome = bench.refcheck_outcome(report)
    assert outcome["dead"] == bench.dead_urls(pages, web.port)
    assert outcome["other"] == {}
    assert outcome["redirected"] == 2
    # each URL once, the redirects' second hop, and one soft-404 probe per host
    assert web.stats()["requests"] == URLS + 2 + HOSTS
    statuses = {entry["url"]: entry["status"] for entry in json.loads(report.read_text())["urls"]}
    assert len(statuses) == URLS


def test_workloads_and_hosts_past_the_first_block_of_addresses():
    """W3's 500 hosts run on past 127.0.0.251 into 127.0.1.x (one port, many addresses): all still loopback."""
    import ipaddress
    import urllib.request

    from simweb import host_addresses

    assert (bench.parse_args(["--workload", "W3"]).urls, bench.parse_args(["--workload", "W3"]).hosts) == (100_000, 500)
    assert bench.parse_args(["--workload", "W2", "--urls", "50"]).urls == 50  # an option given still wins
    addresses = host_addresses(500)
    assert len(set(addresses)) == 500 and addresses[250] == "127.0.1.2"
    assert all(ipaddress.ip_address(a) in ipaddress.ip_network("127.0.0.0/8") for a in addresses)
    with bench.SimWebProcess(urls=260, hosts=260, latency=0, seed=1, dead=0, redirects=0, lifetime=60) as server:
        page = next(p for p in plan_web(260, 260, seed=1, dead_share=0, redirect_share=0) if p.host.startswith("127.0.1."))
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(page.url(server.port), timeout=10) as answer:
            assert answer.status == 200


def test_workload_all_runs_the_three_presets_in_order():
    plans = bench.parse_args(["--workload", "all"]).plans
    assert [plan[0] for plan in plans] == ["W1", "W2", "W3"]
    assert [plan[1:] for plan in plans] == [bench.WORKLOADS[name] for name in ("W1", "W2", "W3")]
    assert bench.parse_args([]).plans == [("W1", *bench.WORKLOADS["W1"])]
    assert bench.parse_args(["--urls", "200"]).plans[0][:2] == ("custom", 200)


def test_a_live_link_reported_as_a_timeout_fails_the_correctness_check(tmp_path):
    dead, live = "http://127.0.0.2:1/articles/dead", "http://127.0.0.2:1/old/moved"
    report = tmp_path / "report.json"
    row = bench.Measured("refcheck cold", 1.0, 10.0, 1.0, 0, killed=False)
    report.write_text(json.dumps({"urls": [{"url": dead, "status": "dead"}, {"url": live, "status": "ok"}]}))
    assert all(ok for _, ok, _ in bench._refcheck_checks(row, report, {dead}, "cold", 2, 0))
    report.write_text(json.dumps({"urls": [{"url": dead, "status": "dead"},
                                           {"url": live, "status": "timeout", "reason": "deadline"}]}))
    label, ok, detail = bench._refcheck_checks(row, report, {dead}, "cold", 2, 0)[0]
    assert not ok and "1 other non-ok" in detail
