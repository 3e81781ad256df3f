"""Pages read without their main text (`fetch_all(..., text_urls=...)`): same statuses and soft-404 verdicts as with it, and a cache that knows which entries lack the text."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from refcheck.fetch import fetch_all
from refcheck.fetch.cache import FetchCache
from refcheck.fetch.soft404 import PROBE_PREFIX
from refcheck.models import UrlStatus
from tests.fetch.test_client_soft404 import ARTICLE, HOME, CatchAllServer, finnish_not_found, page
from tests.webserver import Reply, WebServer

NOT_FOUND_TITLED = page("ページが見つかりません | 例IT", "お探しのページは見つかりませんでした。", lang="ja")
LONG_ERROR_ARTICLE = page("Error - Wikipedia", "An error is an action which is inaccurate or incorrect. " * 60)


def _verdicts(results: dict) -> dict:
    """Each URL's status, reason (without the probe's URL), HTTP status and page title.

    The probe's URL is random, and its folder is the one of whichever cited page of the host finished first (a race
    in either mode), so only its presence is compared.
    """
    return {url: (result.status, re.sub(rf"http[^\s)]*{PROBE_PREFIX}[0-9a-f]+[^\s)]*", "PROBE", result.reason or ""),
                  result.http_status, result.page.title if result.page else None)
            for url, result in results.items()}


def _routes(server: WebServer) -> list[str]:
    server.route("/news/2026/budget.html", Reply(200, ARTICLE))
    server.route("/news/2026/missing.html", Reply(200, NOT_FOUND_TITLED))
    server.route("/wiki/article/Mistake", Reply(200, LONG_ERROR_ARTICLE))
    server.route("/", Reply(200, HOME))
    server.route("/news/2026/moved.html", Reply(301, "", headers={"Location": "/"}))
    paths = ["/news/2026/budget.html", "/news/2026/missing.html", "/wiki/article/Mistake", "/", "/news/2026/moved.html",
             "/news/2026/never-written.html"]
    return [server.url(path) for path in paths]


@pytest.mark.parametrize("fallback", [finnish_not_found, lambda request: Reply(200, HOME), None],
                         ids=["foreign-soft-404-template", "catch-all-home", "honest-host"])
def test_results_without_text_are_the_results_with_text(quick, fallback):
    with (CatchAllServer(fallback) if fallback else WebServer()) as server:
        urls = _routes(server)
        with_text = _verdicts(fetch_all(urls, quick).results)
        without_text = _verdicts(fetch_all(urls, quick, text_urls=()).results)
        probes = [r for r in server.requests if PROBE_PREFIX in r.path]
    assert without_text == with_text
    assert len(probes) == 2  # one probe per host and run, either way
    assert any(status is UrlStatus.SOFT_404 for status, *_ in with_text.values())  # the comparison saw verdicts


def test_only_the_named_urls_have_their_text_read(server, quick):
    server.route("/a.html", Reply(200, ARTICLE))
    server.route("/b.html", Reply(200, ARTICLE))
    needed, other = server.url("/a.html"), server.url("/b.html")
    unprobed = replace(quick, probe_soft_404=False)  # the probe's decision would read a first page's text anyway
    results = fetch_all([needed, other], unprobed, text_urls={needed}).results
    assert results[needed].page.text_read and "council approved" in results[needed].page.main_text
    assert not results[other].page.text_read and results[other].page.main_text == ""
    assert results[other].page.title == results[needed].page.title == "Council approves budget"  # as a reader cites it
    assert results[other].page.title_candidates[0] == "Council approves budget — Example Times"


def test_a_cached_page_without_its_text_is_fetched_again_when_a_claim_needs_the_text(server, quick, tmp_path):
    server.route("/a.html", Reply(200, ARTICLE))
    url = server.url("/a.html")
    unprobed = replace(quick, probe_soft_404=False)  # the probe's decision would read a first page's text anyway

    def run(text_urls):
        with FetchCache(tmp_path / "cache") as cache:
            return fetch_all([url], unprobed, cache=cache, text_urls=text_urls).results[url]

    first = run(())  # no claim needs the text: stored without it
    assert not first.page.text_read and server.hits("/a.html") == 1
    again = run(())  # still not needed: the text-less entry serves
    assert again.from_cache and server.hits("/a.html") == 1
    needed = run({url})  # now a claim needs it: a text-less entry is a miss
    assert not needed.from_cache and server.hits("/a.html") == 2
    assert needed.page.text_read and "council approved" in needed.page.main_text
    reused = run(None)  # stored with its text this time: every later run may use it
    assert reused.from_cache and server.hits("/a.html") == 2 and reused.page.main_text == needed.page.main_text
