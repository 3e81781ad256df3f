"""Soft 404s through the real fetcher and a real loopback server: headlines, redirects to the home page, and the host probe (once per host, cached in SQLite)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from refcheck.fetch import fetch_all
from refcheck.fetch.cache import FetchCache
from refcheck.fetch.soft404 import PROBE_PREFIX
from refcheck.models import UrlStatus
from refcheck.settings import CacheSettings
from tests.webserver import Handler, Reply, Request, WebServer


class CatchAllServer(WebServer):
    """A site whose unknown paths are answered by `fallback` (a soft-404 site) instead of an honest 404."""

    def __init__(self, fallback: Handler):
        super().__init__()
        self.fallback = fallback

    def _answer(self, request: Request) -> Reply:
        if request.path in self._routes or request.path.startswith("/_/"):
            return super()._answer(request)
        return self.fallback(request)

    def probes(self) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if PROBE_PREFIX in r.path]


def page(title: str, *paragraphs: str, h1: str | None = None, lang: str = "en") -> str:
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<header><nav><a href="/">Home</a> <a href="/news/">News</a></nav></header>'
            f"<main><article><h1>{h1 or title}</h1>{body}</article></main><footer>© Example</footer></body></html>")


# A "not found" page in Finnish that no keyword list knows, echoing the requested path.
def finnish_not_found(request: Request) -> Reply:
    return Reply(200, page("Uutiset – Esimerkki", f"Valitettavasti sivua {request.path} ei ole olemassa tai se on "
                           "siirretty toiseen osoitteeseen.", "Tarkista osoite tai palaa etusivulle. Voit myös käyttää "
                           "hakua löytääksesi etsimäsi sisällön.", h1="Hups!", lang="fi"))


HOME = page("Example Times — news from everywhere",
            "Council approves the new budget after a long debate about schools and buses.",
            "Storm warning for the coast this weekend; ferries may be cancelled.",
            "Local team wins the cup in extra time, fans celebrate in the old town.", h1="Example Times")
ARTICLE = page("Council approves budget — Example Times",
               "The city council approved next year's budget on Wednesday by a wide margin, after a debate that "
               "lasted well into the night.", "Most of the new money goes to schools and to the bus network, which "
               "will run every ten minutes on the main lines from the spring.", h1="Council approves budget")


@pytest.fixture
def finnish_site():
    with CatchAllServer(finnish_not_found) as server:
        yield server


@pytest.fixture
def catch_all_home():
    with CatchAllServer(lambda request: Reply(200, HOME)) as server:
        yield server


def test_a_foreign_not_found_template_without_keywords_is_caught_by_the_probe(finnish_site, quick):
    finnish_site.route("/uutiset/2026/11/budjetti.html", Reply(200, page(
        "Valtuusto hyväksyi budjetin – Esimerkki", "Helsingin kaupunginvaltuusto hyväksyi keskiviikkona uuden "
        "budjetin, joka painottaa koulutusta ja joukkoliikennettä.", "Bussit kulkevat keväästä alkaen kymmenen "
        "minuutin välein pääreiteillä.", lang="fi")))
    gone, real = finnish_site.url("/uutiset/2026/11/vanha-uutinen.html"), finnish_site.url("/uutiset/2026/11/budjetti.html")
    results = fetch_all([gone, real], quick).results
    assert results[gone].status is UrlStatus.SOFT_404, results[gone]
    assert "does not exist" in results[gone].reason and results[gone].http_status == 200
    assert results[real].status is UrlStatus.OK, results[real]
    [probe] = finnish_site.probes()  # one probe for the host, in the cited pages' folder, with their extension
    assert probe.path.startswith(f"/uutiset/2026/11/{PROBE_PREFIX}") and probe.path.endswith(".html")


def test_a_catch_all_home_page_is_a_soft_404_but_a_real_article_on_that_host_is_not(catch_all_home, quick):
    catch_all_home.route("/news/2026/budget.html", Reply(200, ARTICLE))
    catch_all_home.route("/", Reply(200, HOME))
    gone = catch_all_home.url("/news/2026/old-story.html")
    real = catch_all_home.url("/news/2026/budget.html")
    home = catch_all_home.url("/")
    results = fetch_all([gone, real, home], quick).results
    assert results[gone].status is UrlStatus.SOFT_404 and "Example Times" in results[gone].reason
    assert results[real].status is UrlStatus.OK
    assert results[home].status is UrlStatus.OK  # citing the home page itself is fine
    assert len(catch_all_home.probes()) == 1


def test_an_honest_host_gets_no_soft_404(server, quick):
    server.route("/articles/2026/11/short.html", Reply(200, page("Short note", "A two-line note.")))
    server.route("/articles/2026/11/long.html", Reply(200, ARTICLE))
    urls = [server.url("/articles/2026/11/short.html"), server.url("/articles/2026/11/long.html")]
    results = fetch_all(urls, quick).results
    assert [results[url].status for url in urls] == [UrlStatus.OK, UrlStatus.OK]
    probes = [r for r in server.requests if PROBE_PREFIX in r.path]
    assert len(probes) == 1  # asked once; it answered 404, so the host is honest


@pytest.mark.parametrize("title, h1, text", [
    ("ページが見つかりません | 例IT", None, "お探しのページは見つかりませんでした。トップページからお探しください。"),
    ("例IT", "お探しのページは見つかりませんでした", "URLに誤りがないかご確認ください。"),
    ("404 Not Found", None, "The requested URL was not found on this server."),
    ("Page not found – Example Blog", None, "Maybe try a search?"),
], ids=["ja-title", "ja-h1", "en-404", "en-wordpress"])
def test_a_headline_that_says_not_found_is_a_soft_404_without_probing(server, quick, title, h1, text):
    server.route("/article/2026/11/ai-talent.html", Reply(200, page(title, text, h1=h1, lang="ja")))
    url = server.url("/article/2026/11/ai-talent.html")
    result = fetch_all([url], quick).results[url]
    assert result.status is UrlStatus.SOFT_404 and "headline" in result.reason
    assert not [r for r in server.requests if PROBE_PREFIX in r.path]  # the headline was enough


@pytest.mark.parametrize("path, title, text", [
    ("/blog/design.html", "How to design a good 404 page", "A good 404 page tells the reader what happened. " * 5),
    ("/news/2026/11/outage.html", "通販サイトで障害、一時つながりにくく | 例新聞",
     "28日午前、大手通販サイトで「ページが見つかりません」と表示される障害が起きた。復旧は正午ごろ。"),
    ("/docs/Web/HTTP/Status/404", "404 Not Found - HTTP | MDN",
     "The HTTP 404 Not Found response status code indicates that the server cannot find the requested resource."),
    ("/wiki/Error", "Error - Wikipedia", "An error is an action which is inaccurate or incorrect. " * 60),
], ids=["article-about-404-pages", "ja-news-mentions-it", "mdn-status-page", "long-article-titled-error"])
def test_near_misses_stay_ok(server, quick, path, title, text):
    server.route(path, Reply(200, page(title, text)))
    url = server.url(path)
    result = fetch_all([url], quick).results[url]
    assert result.status is UrlStatus.OK, result.reason


def test_a_deep_url_redirected_to_the_home_page_is_a_soft_404(server, quick):
    server.route("/", Reply(200, HOME))
    server.route("/articles/2026/11/x.html", Reply(301, "", headers={"Location": "/"}))
    server.route("/articles/2026/11/y.html", Reply(301, "", headers={"Location": "/articles/2026/11/y-renamed.html"}))
    server.route("/articles/2026/11/y-renamed.html", Reply(200, ARTICLE))
    server.route("/articles/2026/11/z.html", Reply(302, "", headers={"Location": "/404.html"}))
    server.route("/404.html", Reply(200, page("Example Times", "Try the search box.")))
    moved_home, moved, to_error = (server.url(f"/articles/2026/11/{name}.html") for name in "xyz")
    results = fetch_all([moved_home, moved, to_error], quick).results
    assert results[moved_home].status is UrlStatus.SOFT_404
    assert results[moved_home].reason == f"redirected to the home page ({server.url('/')})"
    assert results[moved].status is UrlStatus.OK and results[moved].final_url.endswith("y-renamed.html")
    assert results[to_error].status is UrlStatus.SOFT_404 and "error page" in results[to_error].reason


def test_the_probe_is_sent_once_per_host_even_for_many_urls(catch_all_home, quick):
    urls = [catch_all_home.url(f"/news/2026/story-{n}.html") for n in range(12)]
    results = fetch_all(urls, replace(quick, per_host=4)).results
    assert {result.status for result in results.values()} == {UrlStatus.SOFT_404}
    assert len(catch_all_home.probes()) == 1


def test_the_fingerprint_is_reused_from_the_cache_on_the_next_run(finnish_site, quick, tmp_path):
    first_urls = [finnish_site.url("/uutiset/a.html")]
    later_urls = [finnish_site.url("/uutiset/b.html"), finnish_site.url("/uutiset/c.html")]
    for urls in (first_urls, later_urls):
        with FetchCache(tmp_path / "cache") as cache:
            results = fetch_all(urls, quick, cache=cache).results
        assert {result.status for result in results.values()} == {UrlStatus.SOFT_404}
    assert len(finnish_site.probes()) == 1  # the second run judged its pages with the stored fingerprint
    with FetchCache(tmp_path / "cache") as cache:
        stored, _ = cache.host_fingerprint(finnish_site.base_url)
    assert stored.status == "ok" and stored.title == "uutiset – esimerkki" and stored.shape.length > 50


def test_an_expired_fingerprint_is_probed_again(finnish_site, quick, tmp_path):
    stale = CacheSettings(max_age_ok=0.0)
    for name in ("a", "b"):
        with FetchCache(tmp_path / "cache") as cache:
            fetch_all([finnish_site.url(f"/uutiset/{name}.html")], quick, cache=cache, cache_settings=stale)
    assert len(finnish_site.probes()) == 2


def test_the_probe_can_be_turned_off(finnish_site, quick):
    url = finnish_site.url("/uutiset/2026/11/vanha-uutinen.html")
    result = fetch_all([url], replace(quick, probe_soft_404=False)).results[url]
    assert result.status is UrlStatus.OK
    assert finnish_site.probes() == []


def test_a_challenge_page_is_blocked_and_never_judged(finnish_site, quick):
    finnish_site.route("/uutiset/suojattu.html", Reply(200, (
        "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><div>Checking your browser before "
        "accessing the site.</div><script src=\"/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1\"></script>"
        "</body></html>")))
    url = finnish_site.url("/uutiset/suojattu.html")
    result = fetch_all([url], quick).results[url]
    assert result.status is UrlStatus.BLOCKED
    assert finnish_site.probes() == []


def encoded_page(title: str, text: str, charset: str) -> Reply:
    html = (f'<html lang="ja"><head><meta charset="{charset}"><title>{title}</title></head><body><main><article>'
            f"<h1>{title}</h1><p>{text}</p></article></main></body></html>")
    return Reply(200, html.encode(charset), content_type="text/html")  # no charset in the header: the page says it


def test_a_shift_jis_not_found_headline_is_read_and_judged(server, quick):
    server.route("/news/20261118/gone.html", encoded_page("お探しのページは見つかりませんでした｜例経済新報",
                                                          "URLをご確認ください。", "shift_jis"))
    url = server.url("/news/20261118/gone.html")
    result = fetch_all([url], quick).results[url]
    assert result.status is UrlStatus.SOFT_404 and "お探しのページは見つかりませんでした" in result.reason


def test_an_euc_jp_site_whose_unknown_paths_show_one_template_is_caught_by_the_probe(quick):
    template = "ご迷惑をおかけしております。URLが変更になったか、公開が終了した可能性がございます。トップページからご覧ください。"

    def fallback(request: Request) -> Reply:
        return encoded_page("例地方新聞", template, "euc-jp")

    with CatchAllServer(fallback) as site:
        site.route("/local/2026/festival.html", encoded_page(
            "秋祭り、三年ぶりに開催 | 例地方新聞", "市中心部で二十八日、秋祭りが三年ぶりに開かれ、約五万人が訪れた。"
            "山車の巡行は夜まで続いた。", "euc-jp"))
        gone, real = site.url("/local/2026/old.html"), site.url("/local/2026/festival.html")
        results = fetch_all([gone, real], quick).results
        assert results[gone].status is UrlStatus.SOFT_404 and "例地方新聞" in results[gone].reason
        assert results[real].status is UrlStatus.OK
        assert len(site.probes()) == 1
