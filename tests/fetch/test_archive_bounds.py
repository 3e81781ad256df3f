"""The archive step's bounds: a few lookups in flight, one time budget per run, and a circuit breaker that stops
asking a service that will not answer within the run (and remembers it for a while). Counts and behaviour are
asserted, never times: a fake clock drives the budget, and the loopback server counts the requests."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from refcheck.cli import cli
from refcheck.fetch.archive import NO_SNAPSHOT, ArchiveAnswer, ArchiveClient, Lookup, ask_archive, run_budget
from refcheck.fetch.cache import FetchCache
from refcheck.fetch.guard import Guard
from refcheck.pipeline import check_paths
from refcheck.settings import ArchiveSettings, CacheSettings, FetchSettings, Settings
from tests.webserver import Reply, WebServer

API = "/wayback/available"
NONE = json.dumps({"archived_snapshots": {}})


@pytest.fixture
def web():
    with WebServer() as server:
        yield server


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed): connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def lookups(count: int) -> list[Lookup]:
    return [Lookup(f"https://gone.example/{n}", "20261120") for n in range(count)]


def archive(endpoint: str, **options) -> ArchiveSettings:
    return ArchiveSettings(**{"enabled": True, "endpoint": endpoint, "interval": 0.0, "timeout": 2.0, **options})


def asked(settings: ArchiveSettings, count: int, **client_options):
    client = ArchiveClient(settings, allow_private=True, agent="refcheck-test", **client_options)
    answers = ask_archive(lookups(count), settings, client=client)
    return client, list(answers.values())


def outcomes(answers) -> dict[str, int]:
    counts: dict[str, int] = {}
    for answer in answers:
        counts[answer.outcome] = counts.get(answer.outcome, 0) + 1
    return counts


# ── the breaker ────────────────────────────────────────────────────────────────────────────────────────────────


def test_a_refused_connection_stops_the_asking_after_one_lookup():
    settings = archive(f"http://127.0.0.1:{closed_port()}{API}", in_flight=1)
    client, answers = asked(settings, 30)
    assert client.asked == 1
    assert "connection refused" in client.stopped
    assert outcomes(answers) == {"unreachable": 1, "skipped": 29}
    assert all("connection refused" in a.reason and not a.definite for a in answers)


def test_a_name_that_does_not_resolve_stops_the_asking_after_one_lookup():
    calls = []

    async def resolver(host, port):  # no real DNS: the name fails here, as `.invalid` does
        calls.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    settings = archive("https://web.archive.invalid/wayback/available", in_flight=2)
    client, answers = asked(settings, 40, guard=Guard(allow_private=False, resolver=resolver))
    assert client.asked <= 2 and len(calls) <= 2  # the first failure (and at most one already in flight)
    assert "web.archive.invalid" in client.stopped
    assert outcomes(answers)["skipped"] >= 38


def test_a_private_endpoint_refused_by_the_guard_stops_the_asking(web):
    web.route(API, Reply(200, NONE))
    settings = archive(web.url(API))
    client = ArchiveClient(settings, allow_private=False, agent="refcheck-test")
    answers = ask_archive(lookups(5), settings, client=client)
    assert web.hits(API) == 0 and client.stopped and "loopback" in client.stopped
    assert outcomes(answers.values()) == {"unreachable": 1, "skipped": 4}


def test_repeated_5xx_stop_the_asking_after_trip_after_failures(web):
    web.route(API, Reply(503, "busy"))
    client, answers = asked(archive(web.url(API), in_flight=1, trip_after=3), 12)
    assert web.hits(API) == 3 and client.asked == 3
    assert "3 lookups in a row failed" in client.stopped and "HTTP 503" in client.stopped
    assert outcomes(answers) == {"failed": 3, "skipped": 9}


def test_a_success_resets_the_count_of_failures(web):
    web.route(API, Reply(503), Reply(503), Reply(200, NONE), Reply(503), Reply(503), Reply(200, NONE))
    client, answers = asked(archive(web.url(API), in_flight=1, trip_after=3), 6)
    assert client.stopped is None and web.hits(API) == 6
    assert [a.reason == NO_SNAPSHOT for a in answers] == [False, False, True, False, False, True]


def test_a_429_asking_for_longer_than_the_budget_stops_at_once(web):
    web.route(API, Reply(429, "slow down", headers={"Retry-After": "999999"}))
    client, answers = asked(archive(web.url(API), in_flight=1), 8)
    assert web.hits(API) == 1
    assert "HTTP 429" in client.stopped and "999999" in client.stopped
    assert outcomes(answers) == {"failed": 1, "skipped": 7}


def test_lookups_that_time_out_in_a_row_stop_the_asking(web):
    web.route(API, Reply(200, NONE, delay=3.0))
    client, answers = asked(archive(web.url(API), in_flight=1, timeout=0.2, trip_after_timeouts=2), 10)
    assert client.asked == 2
    assert "2 lookups in a row got no answer within 0.2 s" in client.stopped
    assert outcomes(answers) == {"timeout": 2, "skipped": 8}


def test_lookups_in_flight_when_the_breaker_opens_are_cancelled(web):
    # Three slow lookups are in flight when the fourth fails in a way that will not heal (stood in for here).
    web.route(API, Reply(200, NONE, delay=5.0))
    settings = archive(web.url(API), in_flight=4, timeout=10.0)
    client = ArchiveClient(settings, allow_private=True, agent="refcheck-test")
    opened = []
    original = client.ask

    async def ask(http, lookup, timeout=None):
        if lookup.url.endswith("/3"):
            opened.append(lookup)
            return ArchiveAnswer(reason="archive unreachable: connection refused", definite=False,
                                 outcome="unreachable")
        return await original(http, lookup, timeout)

    client.ask = ask
    answers = ask_archive(lookups(4), settings, client=client)
    assert opened and client.stopped == "the archive is unreachable: connection refused"
    assert outcomes(answers.values()) == {"unreachable": 1, "skipped": 3}  # the slow three were not waited for


# ── the budget ─────────────────────────────────────────────────────────────────────────────────────────────────


def test_the_run_budget_is_per_lookup_within_a_floor_and_a_cap():
    settings = ArchiveSettings(timeout=5.0, budget_per_lookup=2.0, budget=30.0)
    assert run_budget(settings, 1) == 5.0  # at least one lookup's timeout
    assert run_budget(settings, 10) == 20.0
    assert run_budget(settings, 116) == 30.0  # the cap
    assert run_budget(ArchiveSettings(budget=0.0), 116) == 0.0  # --archive-budget 0: nothing asked


class FakeTime:
    """A clock that only the pauses between starts move: each lookup's own time is nil."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_spent_budget_stops_new_lookups_and_says_how_many_were_not_asked(web):
    web.route(API, Reply(200, NONE))
    fake = FakeTime()
    # 10 lookups at 2 s each would be 20 s; the cap is 3.5 s, and starts are 1 s apart: 4 are asked (t=0, 1, 2, 3).
    settings = archive(web.url(API), in_flight=1, interval=1.0, budget=3.5, budget_per_lookup=2.0, timeout=1.0)
    client, answers = asked(settings, 10, sleep=fake.sleep, clock=fake)
    assert client.budget == 3.5 and client.asked == 4 and web.hits(API) == 4
    assert outcomes(answers) == {"answer": 4, "budget": 6}
    assert all("3.5 s for archive lookups is spent" in a.reason for a in answers if a.outcome == "budget")


# ── concurrency ────────────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("in_flight", [1, 3])
def test_no_more_lookups_in_flight_than_allowed_and_as_many_as_allowed(web, in_flight):
    web.route(API, Reply(200, NONE, delay=0.3))
    client, answers = asked(archive(web.url(API), in_flight=in_flight), 6)
    assert [a.reason for a in answers] == [NO_SNAPSHOT] * 6
    assert client.most_in_flight == in_flight and web.max_in_flight == in_flight


# ── the pipeline: one notice, and the outage remembered ───────────────────────────────────────────────────────


def document(server: WebServer, count: int) -> str:
    return "# Sources\n\n" + "\n".join(f"- [Gone {n}]({server.url(f'/gone/{n}')})" for n in range(count)) + "\n"


def settings_for(endpoint: str, cache_dir: Path, **archive_options) -> Settings:
    return Settings(fetch=FetchSettings(allow_private=True, retries=0, timeout=2.0, deadline=5.0, probe_soft_404=False),
                    cache=CacheSettings(directory=cache_dir), archive=archive(endpoint, in_flight=1, **archive_options))


def archive_notices(report) -> list[str]:
    return [notice for notice in report.notices if notice.startswith("archive:")]


def test_one_notice_says_how_many_were_skipped_and_why_and_the_next_run_does_not_ask(web, tmp_path):
    web.route(API, Reply(503, "busy"))
    path = tmp_path / "links.md"
    path.write_text(document(web, 8), encoding="utf-8")
    settings = settings_for(web.url(API), tmp_path / "cache")

    first = check_paths([str(path)], settings)
    assert web.hits(API) == 3
    (notice,) = archive_notices(first)
    assert notice.startswith("archive: 5 of 8 lookup(s) skipped after 3 failed: ")
    assert "HTTP 503" in notice
    reasons = [result.archive_reason for result in first.urls if "/gone/" in result.url]
    assert len(reasons) == 8 and sum("not asked" in reason for reason in reasons) == 5
    assert FetchCache(tmp_path / "cache").archive_outage(web.url(API))[0].startswith("3 lookups in a row failed")

    second = check_paths([str(path)], settings)  # within outage_ttl: not one lookup
    assert web.hits(API) == 3
    (notice,) = archive_notices(second)
    assert notice.startswith("archive: 8 of 8 lookup(s) skipped: the archive stopped answering ")
    assert " ago (3 lookups in a row failed" in notice and "asked again after" in notice

    third = check_paths([str(path)], settings_for(web.url(API), tmp_path / "cache", outage_ttl=0.0))
    assert web.hits(API) == 6  # the record has expired: asked again (and stopped again)
    assert len(archive_notices(third)) == 1


def test_a_run_without_failures_has_no_archive_notice(web, tmp_path):
    web.route(API, Reply(200, NONE, content_type="application/json"))
    path = tmp_path / "links.md"
    path.write_text(document(web, 3), encoding="utf-8")
    report = check_paths([str(path)], settings_for(web.url(API), tmp_path / "cache"))
    assert web.hits(API) == 3 and archive_notices(report) == []


# ── the command line and the config file ───────────────────────────────────────────────────────────────────────


def cli_run(tmp_path: Path, server: WebServer, *options: str):
    return CliRunner().invoke(cli, ["check", "links.md", "--format", "json", "--no-progress", "--allow-private",
                                    "--retries", "0", "--cache-dir", str(tmp_path / "cache"),
                                    "--archive-endpoint", server.url(API), "--fail-on", "never", *options])


def test_archive_budget_option_and_config_key(web, tmp_path, monkeypatch):
    web.route(API, Reply(200, NONE, content_type="application/json"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "links.md").write_text(document(web, 3), encoding="utf-8")

    result = cli_run(tmp_path, web, "--archive-budget", "0")
    assert result.exit_code == 0, result.output
    assert web.hits(API) == 0
    notices = json.loads(result.stdout).get("notices", [])
    assert any("3 of 3 lookup(s) not asked" in notice and "--archive-budget" in notice for notice in notices)

    (tmp_path / "refcheck.toml").write_text("archive_budget = 0\n", encoding="utf-8")
    result = cli_run(tmp_path, web, "--no-cache")
    assert result.exit_code == 0, result.output
    assert web.hits(API) == 0  # the config key set the default

    result = cli_run(tmp_path, web, "--no-cache", "--archive-budget", "20")
    assert web.hits(API) == 3  # the option wins over the config file

    bad = cli_run(tmp_path, web, "--archive-budget", "-1")
    assert bad.exit_code == 2
