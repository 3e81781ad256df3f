"""The backends' web: the fetcher's raw client (remap, guard on every hop, size cap, pacing) behind the run's memo
and the SQLite cache (answers and misses with their max-ages, failures never stored, --offline)."""

from __future__ import annotations

import asyncio
import gzip

from refcheck.fetch.cache import FetchCache
from refcheck.fetch.guard import Guard
from refcheck.fetch.raw import RawClient
from refcheck.resolve.web import CachedWeb, request_key
from tests.webserver import Reply, WebServer


def _run(coroutine):
    return asyncio.run(coroutine)


def _guard(server):
    """Private addresses refused, except this test server's own (so a redirect to 169.254.… is refused, unsent)."""
    return Guard(allow_private=False, exempt=[("127.0.0.1", server.port)])


async def _get_all(server, cache, urls, *, offline=False, clock=None, remaps=(), **client_options):
    async with RawClient(remaps=remaps, guard=_guard(server), interval=0.0, **client_options) as client:
        web = CachedWeb(client, cache, offline=offline, max_age=100.0, max_age_miss=10.0,
                        **({"clock": clock} if clock else {}))
        answers = [await web.get(url) for url in urls]
        return answers, web


def test_answers_and_misses_are_cached_with_their_own_max_age_and_failures_never(tmp_path):
    now = [1000.0]
    with WebServer() as server, FetchCache(tmp_path, clock=lambda: now[0]) as cache:
        server.route("/ok", Reply(200, "<urlset/>", content_type="application/xml"))
        server.route("/gone", Reply(404, "no"))
        server.route("/flaky", Reply(503, "busy"))
        urls = [server.url("/ok"), server.url("/gone"), server.url("/flaky")]
        answers, web = _run(_get_all(server, cache, urls, clock=lambda: now[0]))
        assert [a.status for a in answers] == [200, 404, 503] and web.network == 3
        now[0] += 50  # the miss (10 s) is stale, the answer (100 s) is not; the 503 was never stored
        answers, web = _run(_get_all(server, cache, urls, clock=lambda: now[0]))
        assert [a.from_cache for a in answers] == [True, False, False]
        assert answers[0].body == b"<urlset/>" and answers[0].content_type == "application/xml"
        assert server.hits("/ok") == 1 and server.hits("/gone") == 2 and server.hits("/flaky") == 2


def test_offline_answers_from_the_cache_whatever_its_age_and_never_asks(tmp_path):
    now = [1000.0]
    with WebServer() as server, FetchCache(tmp_path, clock=lambda: now[0]) as cache:
        server.route("/ok", Reply(200, "x"))
        _run(_get_all(server, cache, [server.url("/ok")], clock=lambda: now[0]))
        now[0] += 10 ** 6
        answers, _ = _run(_get_all(server, cache, [server.url("/ok"), server.url("/never")], offline=True,
                                   clock=lambda: now[0]))
        assert answers[0].ok and answers[0].from_cache
        assert answers[1].status is None and "offline" in answers[1].error
        assert server.hits("/ok") == 1 and server.hits("/never") == 0


def test_the_same_request_twice_in_a_run_is_asked_once():
    with WebServer() as server:
        server.route("/s", Reply(200, "x"))

        async def both():
            async with RawClient(guard=_guard(server), interval=0.0) as client:
                web = CachedWeb(client)
                return await asyncio.gather(web.get(server.url("/s")), web.get(server.url("/s"))), web

        (first, second), web = _run(both())
        assert first.body == second.body == b"x" and server.hits("/s") == 1 and web.asked == 2


def test_remap_guard_cap_gzip_and_redirects(tmp_path):
    with WebServer() as server:
        server.route("/big", Reply(200, b"a" * 50_000))
        server.route("/sitemap.xml.gz", Reply(200, gzip.compress(b"<urlset>" + b" " * 10 + b"</urlset>"),
                                              content_type="application/octet-stream"))
        server.route("/hop", Reply(302, "", headers={"Location": "/big"}))
        server.route("/away", Reply(302, "", headers={"Location": "http://169.254.169.254/latest/meta-data/"}))
        remap = (r"^https://real\.example/(.*)$", server.url("/") + r"\1")
        answers, _ = _run(_get_all(server, None, ["https://real.example/big", "https://real.example/sitemap.xml.gz",
                                                  "https://real.example/hop", "https://real.example/away"],
                                   remaps=(remap,), max_bytes=1000))
        big, gz, hop, away = answers
        assert big.status == 200 and len(big.body) == 1000  # capped
        assert gz.body.startswith(b"<urlset>")  # a gzip file is read as what it holds
        assert hop.status == 200 and hop.url.endswith("/big")
        assert away.status is None and "refused" in away.error  # the guard checks the redirect's host too


def test_guard_refuses_loopback_without_allow_private():
    with WebServer() as server:
        server.route("/x", Reply(200, "x"))

        async def one():
            async with RawClient(interval=0.0) as client:
                return await client.get(server.url("/x"))

        answer = _run(one())
        assert answer.status is None and "refused" in answer.error and server.hits("/x") == 0


def test_requests_to_one_host_are_paced():
    waits: list[float] = []
    clock = [0.0]

    async def fake_sleep(seconds):
        waits.append(round(seconds, 3))
        clock[0] += seconds

    with WebServer() as server:
        server.route("/a", Reply(200, "a"))

        async def three():
            async with RawClient(guard=_guard(server), interval=0.5, clock=lambda: clock[0],
                                 sleep=fake_sleep) as client:
                for _ in range(3):
                    await client.get(server.url("/a"))

        _run(three())
    assert waits == [0.5, 0.5]


def test_request_key_keeps_parameters_in_order():
    assert request_key("https://api/x", {"q": "a b", "rows": 5, "skip": None}) == "https://api/x?q=a+b&rows=5"
    assert request_key("https://api/x?f=json", {"q": "一"}) == "https://api/x?f=json&q=%E4%B8%80"
