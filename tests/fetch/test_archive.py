"""Archive rescue against a local server that answers the availability API's JSON shape: never the real service."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from refcheck.cli import cli
from refcheck.fetch.archive import (NO_SNAPSHOT, ArchiveAnswer, Lookup, archived_at_from_url, ask_archive,
                                    cached_answer, parse_availability, wayback_timestamp)
from refcheck.fetch.cache import FetchCache
from refcheck.pipeline import check_paths
from refcheck.report.json import to_dict
from refcheck.settings import ArchiveSettings, CacheSettings, FetchSettings, Settings
from tests.webserver import Reply, Request, WebServer

API = "/wayback/available"
STAMP = "20251226093000"
CITED = "消えた記事の見出しはここにある"


def page(title: str) -> str:
    return (f"<html lang=\"ja\"><head><title>{title} | 例新聞</title><meta property=\"og:site_name\" content=\"例新聞\">"
            f"</head><body><article><h1>{title}</h1><p>{title}。記事の本文がここに続く。</p></article></body></html>")


def export(base: str) -> str:
    """A conversation export: [1] a dead page retrieved on 2026-11-20, [2] a live one, plus a dead bare link."""
    return f"""User: 質問 edit
質問
Assistant: 回答 edit
削除された記事がある。[1]
生きている記事もある。[2] 参考: {base}/bare-gone
References edit
- ↑ "{CITED}". 例新聞. Retrieved 2026-11-20. {base}/gone
- ↑ "生きている記事". 例新聞. Retrieved 2026-11-20. {base}/alive
"""


def snapshot_json(url: str, stamp: str = STAMP) -> str:
    return json.dumps({"url": "x", "archived_snapshots": {"closest": {
        "available": True, "url": url, "timestamp": stamp, "status": "200"}}})


@pytest.fixture
def web():
    with WebServer() as server:
        server.route("/gone", Reply(404, "<title>Not Found</title>"))
        server.route("/bare-gone", Reply(404, "<title>Not Found</title>"))
        server.route("/alive", Reply(200, page("生きている記事")))
        server.route(f"/web/{STAMP}/gone", Reply(200, page(CITED)))
        yield server


def settings_for(server: WebServer, cache_dir: Path, **archive) -> Settings:
    options = {"enabled": True, "endpoint": server.url(API), "interval": 0.0, "timeout": 1.0, **archive}
    return Settings(fetch=FetchSettings(allow_private=True, retries=0, timeout=2.0, deadline=5.0, probe_soft_404=False),
                    cache=CacheSettings(directory=cache_dir), archive=ArchiveSettings(**options))


def run_check(server: WebServer, tmp_path: Path, settings: Settings):
    document = tmp_path / "answer.txt"
    document.write_text(export(server.base_url), encoding="utf-8")
    report = check_paths([str(document)], settings)
    return report, to_dict(report)


def json_url(payload: dict, url: str) -> dict:
    return next(entry for entry in payload["urls"] if entry["url"] == url)


def findings_at(payload: dict, url: str) -> list[dict]:
    return [f for f in payload["documents"][0]["findings"] if f["url"] == url]


def answer_snapshot_for_gone(server: WebServer):
    def answer(request: Request) -> Reply:
        if request.query.get("url") == server.url("/gone"):
            return Reply(200, snapshot_json(server.url(f"/web/{STAMP}/gone")), content_type="application/json")
        return Reply(200, json.dumps({"archived_snapshots": {}}), content_type="application/json")
    return answer


# ── the pipeline, end to end ───────────────────────────────────────────────────────────────────────────────────


def test_a_snapshot_found_is_named_in_the_finding_and_the_json(web, tmp_path):
    web.route(API, answer_snapshot_for_gone(web))
    report, payload = run_check(web, tmp_path, settings_for(web, tmp_path / "cache"))

    asked = {r.query["url"]: r.query for r in web.requests_to(API)}
    assert set(asked) == {web.url("/gone"), web.url("/bare-gone")}  # dead URLs only, not the live one
    assert asked[web.url("/gone")]["timestamp"] == "20261120"  # the reference's retrieved date
    assert "timestamp" not in asked[web.url("/bare-gone")]  # a bare link has no date to be close to

    copy_url = web.url(f"/web/{STAMP}/gone")
    gone = json_url(payload, web.url("/gone"))
    assert (gone["status"], gone["archive_url"], gone["archived_at"]) == ("dead", copy_url, "2025-12-26T09:30:00Z")
    assert gone["archive_reason"] is None
    (dead,) = [f for f in findings_at(payload, web.url("/gone")) if f["rule"] == "dead-link"]
    assert f"archived copy: {copy_url}, taken 2025-12-26T09:30:00Z" in dead["message"]
    assert dead["evidence"]["archive_url"] == copy_url and dead["evidence"]["archived_at"] == "2025-12-26T09:30:00Z"

    # The copy was fetched like any URL (it is in `urls`), once, and its title matches: no title-mismatch for it.
    assert json_url(payload, copy_url)["status"] == "ok"
    assert web.hits(f"/web/{STAMP}/gone") == 1
    assert not [f for f in payload["documents"][0]["findings"] if f["rule"] == "title-mismatch"]
    bare = json_url(payload, web.url("/bare-gone"))
    assert (bare["archive_url"], bare["archive_reason"]) == (None, NO_SNAPSHOT)
    assert report.notices == ()  # definite answers: nothing to warn about
    assert json_url(payload, web.url("/alive"))["archive_reason"] is None


def test_an_offered_copy_whose_title_names_another_article_is_a_title_mismatch(web, tmp_path):
    web.route(f"/web/{STAMP}/gone", Reply(200, page("円相場、一時150円台に下落")))
    web.route(API, answer_snapshot_for_gone(web))
    _, payload = run_check(web, tmp_path, settings_for(web, tmp_path / "cache"))
    copy_url = web.url(f"/web/{STAMP}/gone")
    (mismatch,) = [f for f in payload["documents"][0]["findings"] if f["rule"] == "title-mismatch"]
    assert mismatch["url"] == copy_url and mismatch["message"].startswith("archived copy: ")
    assert mismatch["evidence"]["archive"] is True and mismatch["evidence"]["cited_url"] == web.url("/gone")
    assert mismatch["evidence"]["cited_title"] == CITED


def test_a_copy_that_is_dead_too_is_no_rescue(web, tmp_path):
    web.route(f"/web/{STAMP}/gone", Reply(404, "<title>Not Found</title>"))
    web.route(API, answer_snapshot_for_gone(web))
    _, payload = run_check(web, tmp_path, settings_for(web, tmp_path / "cache"))
    gone = json_url(payload, web.url("/gone"))
    assert gone["archive_url"] is None and "is dead too" in gone["archive_reason"]
    (dead,) = [f for f in findings_at(payload, web.url("/gone")) if f["rule"] == "dead-link"]
    assert "archived copy" not in dead["message"] and "is dead too" in dead["evidence"]["archive_reason"]


def test_a_miss_is_cached_and_the_second_run_asks_nothing(web, tmp_path):
    web.route(API, Reply(200, json.dumps({"url": "x", "archived_snapshots": {}}), content_type="application/json"))
    settings = settings_for(web, tmp_path / "cache")
    _, first = run_check(web, tmp_path, settings)
    assert web.hits(API) == 2
    assert json_url(first, web.url("/gone"))["archive_reason"] == NO_SNAPSHOT
    _, second = run_check(web, tmp_path, settings)
    assert web.hits(API) == 2  # both misses came from the cache
    assert json_url(second, web.url("/gone"))["archive_reason"] == NO_SNAPSHOT


@pytest.mark.parametrize("reply, reason", [
    (Reply(200, "<html>not json</html>"), "not JSON"),
    (Reply(200, json.dumps({"archived_snapshots": {"closest": {"available": True}}})), "no snapshot URL"),
    (Reply(503, "busy"), "HTTP 503"),
])
def test_a_bad_answer_is_no_archive_with_a_reason_and_is_not_cached(web, tmp_path, reply, reason):
    web.route(API, reply)
    settings = settings_for(web, tmp_path / "cache")
    report, payload = run_check(web, tmp_path, settings)
    gone = json_url(payload, web.url("/gone"))
    assert gone["status"] == "dead" and gone["archive_url"] is None and reason in gone["archive_reason"]
    (dead,) = [f for f in findings_at(payload, web.url("/gone")) if f["rule"] == "dead-link"]
    assert reason in dead["evidence"]["archive_reason"]
    assert report.notices and reason in report.notices[0]
    run_check(web, tmp_path, settings)
    assert web.hits(API) == 4  # not cached: the next run asks again


@pytest.mark.parametrize("reply", [Reply(200, snapshot_json("http://x.example/"), delay=3.0),
                                   Reply(200, snapshot_json("http://x.example/"), drip=0.05)])
def test_a_slow_or_dripping_answer_times_out_within_the_bound(web, tmp_path, reply):
    web.route(API, reply)
    answers = ask_archive([Lookup(web.url("/gone"), "20261120")], ArchiveSettings(
        enabled=True, endpoint=web.url(API), timeout=0.3, interval=0.0), allow_private=True)
    (answer,) = answers.values()
    assert answer.snapshot_url is None and not answer.definite
    assert answer.reason == "the archive did not answer within 0.3 s"  # the bound fired, not the 3 s answer


# ── entries that carry their own archive URL ───────────────────────────────────────────────────────────────────


def wikitext(base: str) -> str:
    return f"""Gone.<ref>{{{{cite web |url={base}/gone |title={CITED} |website=例新聞 |access-date=2026-11-20 |archive-url={base}/web/{STAMP}/gone}}}}</ref>
Moved on.<ref>{{{{cite web |url={base}/gone2 |title={CITED} |website=例新聞 |access-date=2026-11-20 |archive-url={base}/web/{STAMP}/other}}}}</ref>

== References ==
<references />
"""


def test_an_entry_with_its_own_archive_url_asks_no_api_and_its_copy_is_title_checked(web, tmp_path):
    web.route(API, Reply(500, "must not be asked"))
    web.route("/gone2", Reply(410, "<title>Gone</title>"))
    web.route(f"/web/{STAMP}/other", Reply(200, page("円相場、一時150円台に下落")))
    document = tmp_path / "article.wiki"
    document.write_text(wikitext(web.base_url), encoding="utf-8")
    payload = to_dict(check_paths([str(document)], settings_for(web, tmp_path / "cache")))

    assert web.hits(API) == 0
    assert web.hits(f"/web/{STAMP}/gone") == 1 and web.hits(f"/web/{STAMP}/other") == 1  # fetched once each
    gone = json_url(payload, web.url("/gone"))
    assert gone["archive_url"] == web.url(f"/web/{STAMP}/gone")  # used as it is
    findings = payload["documents"][0]["findings"]
    dead = {f["url"]: f for f in findings if f["rule"] == "dead-link"}
    assert f"archived copy: {web.url(f'/web/{STAMP}/gone')}" in dead[web.url("/gone")]["message"]
    mismatches = [f for f in findings if f["rule"] == "title-mismatch"]
    assert [m["url"] for m in mismatches] == [web.url(f"/web/{STAMP}/other")]  # the matching copy is not flagged
    assert mismatches[0]["evidence"]["archive"] is True


# ── the command line: --archive (default), --no-archive, --offline ─────────────────────────────────────────────


def cli_check(tmp_path: Path, server: WebServer, *options: str) -> dict:
    result = CliRunner().invoke(cli, ["check", "answer.txt", "--format", "json", "--no-progress", "--allow-private",
                                      "--retries", "0", "--cache-dir", str(tmp_path / "cache"),
                                      "--archive-endpoint", server.url(API), *options])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return json.loads(result.stdout)


def test_no_archive_and_offline_ask_nothing_and_the_default_asks(web, tmp_path, monkeypatch):
    web.route(API, answer_snapshot_for_gone(web))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "answer.txt").write_text(export(web.base_url), encoding="utf-8")

    off = cli_check(tmp_path, web, "--no-archive")
    assert web.hits(API) == 0 and json_url(off, web.url("/gone"))["archive_url"] is None
    offline = cli_check(tmp_path, web, "--offline")  # the fetch cache now holds every URL
    assert web.hits(API) == 0 and json_url(offline, web.url("/gone"))["archive_url"] is None
    assert json_url(offline, web.url("/gone"))["status"] == "dead"

    default = cli_check(tmp_path, web)
    assert web.hits(API) == 2
    assert json_url(default, web.url("/gone"))["archive_url"] == web.url(f"/web/{STAMP}/gone")


def test_offline_settings_ask_nothing_even_when_enabled(web, tmp_path):
    web.route(API, answer_snapshot_for_gone(web))
    settings = settings_for(web, tmp_path / "cache")
    run_check(web, tmp_path, replace(settings, archive=replace(settings.archive, enabled=False)))  # fills the cache
    _, payload = run_check(web, tmp_path, replace(settings, cache=replace(settings.cache, offline=True)))
    assert web.hits(API) == 0
    assert json_url(payload, web.url("/gone"))["status"] == "dead"
    assert json_url(payload, web.url("/gone"))["archive_reason"] is None


def test_a_malformed_endpoint_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "answer.txt").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "answer.txt", "--archive-endpoint", "ftp://nope"])
    assert "--archive-endpoint" in str(result.exception) or "--archive-endpoint" in result.output


# ── the client's politeness and guard ──────────────────────────────────────────────────────────────────────────


def test_one_lookup_at_a_time_with_a_pause_between_starts(web):
    web.route(API, Reply(200, json.dumps({"archived_snapshots": {}}), delay=0.05))
    lookups = [Lookup(web.url(f"/p{n}")) for n in range(4)]
    answers = ask_archive(lookups, ArchiveSettings(enabled=True, endpoint=web.url(API), interval=0.3, in_flight=1),
                          allow_private=True)
    assert [a.reason for a in answers.values()] == [NO_SNAPSHOT] * 4
    assert web.max_in_flight == 1
    # The server sees when each request arrived, not when it was sent: on a loaded machine two arrivals can sit
    # ~10 ms closer than their sends, so the bound leaves 50 ms. Without the pause they would be ~0.05 s apart.
    starts = [r.received for r in web.requests_to(API)]
    assert len(starts) == 4 and min(b - a for a, b in zip(starts, starts[1:])) >= 0.25


def test_a_spent_budget_leaves_the_rest_unasked(web):
    web.route(API, Reply(200, json.dumps({"archived_snapshots": {}})))
    answers = ask_archive([Lookup(web.url("/a")), Lookup(web.url("/b"))],
                          ArchiveSettings(enabled=True, endpoint=web.url(API), interval=0.0, budget=0.0),
                          allow_private=True)
    assert web.hits(API) == 0
    assert all("spent" in a.reason and not a.definite for a in answers.values())


def test_the_guard_refuses_a_private_endpoint_unless_allowed(web):
    web.route(API, Reply(200, json.dumps({"archived_snapshots": {}})))
    settings = ArchiveSettings(enabled=True, endpoint=web.url(API), interval=0.0)
    (refused,) = ask_archive([Lookup("https://n.example/a")], settings, allow_private=False).values()
    assert web.hits(API) == 0 and "loopback" in refused.reason and not refused.definite
    (asked,) = ask_archive([Lookup("https://n.example/a")], settings, allow_private=True).values()
    assert web.hits(API) == 1 and asked.reason == NO_SNAPSHOT


def test_a_redirected_endpoint_is_followed_through_the_guard(web):
    web.route("/old", Reply(302, headers={"Location": API + "?url=https%3A%2F%2Fn.example%2Fa"}))
    web.route(API, Reply(200, snapshot_json("http://web.archive.org/web/20200101000000/https://n.example/a",
                                            "20200101000000")))
    settings = ArchiveSettings(enabled=True, endpoint=web.url("/old"), interval=0.0)
    (answer,) = ask_archive([Lookup("https://n.example/a")], settings, allow_private=True).values()
    assert answer.snapshot_url == "https://web.archive.org/web/20200101000000/https://n.example/a"  # http upgraded
    assert answer.archived_at == "2020-01-01T00:00:00Z"


# ── pure parts ─────────────────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("body, snapshot, definite", [
    (snapshot_json("https://web.archive.org/web/20251226093000/https://a.example/"),
     "https://web.archive.org/web/20251226093000/https://a.example/", True),
    (json.dumps({"archived_snapshots": {}}), None, True),
    (json.dumps({"archived_snapshots": {"closest": {"available": False, "url": "https://x.example/"}}}), None, True),
    (json.dumps({"archived_snapshots": {"closest": {"available": True, "url": "https://x.example/",
                                                    "status": "404"}}}), None, True),
    (json.dumps([]), None, False),
    (json.dumps({"archived_snapshots": 3}), None, False),
    (json.dumps({"archived_snapshots": {"closest": {"available": True, "url": "javascript:alert(1)"}}}), None, False),
    ("{truncated", None, False),
    (b"\xff\xfe not utf-8", None, False),
])
def test_parse_availability(body, snapshot, definite):
    answer = parse_availability(body if isinstance(body, bytes) else body.encode())
    assert (answer.snapshot_url, answer.definite) == (snapshot, definite)
    assert (answer.reason is None) == (snapshot is not None)


@pytest.mark.parametrize("retrieved, stamp", [("2026-11-20", "20261120"), ("2025-03", "202503"), ("2025", "2025"),
                                              (None, None), ("", None), ("yesterday", None), ("20/11/2026", None)])
def test_wayback_timestamp(retrieved, stamp):
    assert wayback_timestamp(retrieved) == stamp


@pytest.mark.parametrize("url, when", [
    ("https://web.archive.org/web/20191010123456/https://a.example/", "2019-10-10T12:34:56Z"),
    ("http://web.archive.org/web/20191010id_/https://a.example/", "2019-10-10"),
    ("https://web.archive.org/web/1/https://a.example/", None),
    ("https://archive.ph/abcd", None),
    (None, None),
])
def test_archived_at_from_url(url, when):
    assert archived_at_from_url(url) == when


def test_cached_hits_live_longer_than_misses(tmp_path):
    now = [1_000_000.0]
    settings = ArchiveSettings(max_age_hit=7 * 86400.0, max_age_miss=86400.0)
    with FetchCache(tmp_path, clock=lambda: now[0]) as cache:
        cache.store_archive_lookup("https://a.example/", "20261120", "https://web.archive.org/web/1/x", None)
        cache.store_archive_lookup("https://b.example/", None, None, None)
        hit, miss = Lookup("https://a.example/", "20261120"), Lookup("https://b.example/")
        assert cached_answer(cache, hit, settings, now[0] + 3600) == ArchiveAnswer(
            "https://web.archive.org/web/1/x", None, None, from_cache=True)
        assert cached_answer(cache, miss, settings, now[0] + 3600).reason == NO_SNAPSHOT
        two_days = now[0] + 2 * 86400
        assert cached_answer(cache, hit, settings, two_days) is not None
        assert cached_answer(cache, miss, settings, two_days) is None  # a miss is asked again sooner
        assert cached_answer(cache, replace(hit, timestamp=None), settings, now[0]) is None  # another question
        assert cache.clear() == 0 and cached_answer(cache, hit, settings, now[0]) is None  # clear empties it too


# ── a rerun's stored report (refcheck/memo.py) rests on the archive's cached answers too ──────────────────────


def test_a_rerun_with_dead_sources_reuses_its_report_while_the_archive_answers_stay_the_same(web, tmp_path,
                                                                                            monkeypatch):
    import sqlite3

    import refcheck.pipeline

    web.route(API, answer_snapshot_for_gone(web))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "answer.txt").write_text(export(web.base_url), encoding="utf-8")
    full_runs = []
    real = refcheck.pipeline.check_paths
    monkeypatch.setattr(refcheck.pipeline, "check_paths", lambda *a, **k: full_runs.append(1) or real(*a, **k))

    cold = cli_check(tmp_path, web)  # asks the archive and fetches the copy
    warm = cli_check(tmp_path, web)  # every answer from the cache: stores its report
    asked = web.hits(API), web.hits(f"/web/{STAMP}/gone")
    rerun = cli_check(tmp_path, web)
    assert len(full_runs) == 2 and rerun == warm
    assert json_url(rerun, web.url("/gone"))["archive_url"] == web.url(f"/web/{STAMP}/gone")
    assert json_url(cold, web.url("/gone"))["archive_url"] == json_url(warm, web.url("/gone"))["archive_url"]
    assert (web.hits(API), web.hits(f"/web/{STAMP}/gone")) == asked == (2, 1)  # asked once, by the cold run

    with sqlite3.connect(tmp_path / "cache" / "refcheck.sqlite") as conn:  # another run asked the archive again
        conn.execute("UPDATE archive_lookups SET stored_at = stored_at + 1 WHERE url = ?", (web.url("/gone"),))
    again = cli_check(tmp_path, web)
    assert len(full_runs) == 3 and again == warm


def test_a_run_that_asked_the_archive_keeps_no_report(web, tmp_path, monkeypatch):
    import sqlite3

    web.route(API, answer_snapshot_for_gone(web))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "answer.txt").write_text(export(web.base_url), encoding="utf-8")
    cli_check(tmp_path, web)  # cold: the pages, the archive's answers and the copy all stored
    with sqlite3.connect(tmp_path / "cache" / "refcheck.sqlite") as conn:
        conn.execute("DELETE FROM archive_lookups")  # as if they had expired
    cli_check(tmp_path, web)  # pages and copy from the cache, but the archive asked again
    assert web.hits(API) == 4 and web.hits(f"/web/{STAMP}/gone") == 1
    with sqlite3.connect(tmp_path / "cache" / "refcheck.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM report_memos").fetchone()[0] == 0
