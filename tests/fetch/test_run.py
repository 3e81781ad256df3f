"""A run answered wholly from the cache (fetch/run.py): the same results as the fetcher's, or no answer at all."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest

from refcheck.fetch import fetch_all
from refcheck.fetch.cache import FetchCache
from refcheck.fetch.client import prepare_url
from refcheck.fetch.run import InvalidTarget, answer_from_cache, prepared_form
from refcheck.models import UrlStatus
from refcheck.settings import CacheSettings
from tests.webserver import Reply


@pytest.mark.parametrize("url", [
    "http://example.org", "https://Example.org/a/b?q=1#frag", "http://0x7f.1/", "http://2130706433:8080/x",
    "http://[::ffff:127.0.0.1]/", "http://user:pw@example.org/", "  http://example.org/space  ",
    "http://例え.jp/パス", "http://example.org/%E3%81%82",
])
def test_the_prepared_form_is_the_fetchers_target(url):
    assert prepared_form(url) == prepare_url(url)


# `http:///nohost` is not here: the WHATWG URL standard (browsers, lychee) reads it as `http://nohost/`.
@pytest.mark.parametrize("url", ["ftp://example.org/", "http://", "http://:80/", "http://[::1/", "http://[zz]/x",
                                 "http://a b/", "mailto:a@example.org"])
def test_what_the_fetcher_refuses_is_refused_here_too(url):
    with pytest.raises(InvalidTarget):
        prepare_url(url)
    with pytest.raises(InvalidTarget):
        prepared_form(url)


@pytest.fixture
def cached_site(server, quick, tmp_path):
    """Three pages and a 404, fetched once into a cache at tmp_path/cache."""
    server.route("/a", Reply(200, "<title>A</title><p>alpha</p>"))
    server.route("/b", Reply(200, "<title>B</title><p>beta</p>"))
    server.route("/gone", Reply(404, "<title>Not Found</title>"))
    urls = [server.url("/a"), server.url("/b") + "#part", server.url("/b"), server.url("/gone")]
    with FetchCache(tmp_path / "cache") as cache:
        # No soft-404 probe: the first page of a probed host is read with its text, before the probe answers.
        fetch_all(urls, replace(quick, probe_soft_404=False), cache=cache, text_urls=set())
        assert not cache.lookup(server.url("/a")).result.page.text_read
    return urls


def test_a_fully_cached_run_gives_what_the_fetcher_gives(cached_site, quick, tmp_path, server):
    settings = replace(quick, exclude=(r"/excluded",))
    urls = [*cached_site, server.url("/excluded")]
    reported = []
    with FetchCache(tmp_path / "cache") as cache:
        answered = answer_from_cache(urls, settings, cache, CacheSettings(), text_urls=set(),
                                     on_result=lambda r: reported.append(r.url))
        fetched = fetch_all(urls, settings, cache=cache, text_urls=set())
    assert answered is not None
    assert replace(answered, basis=None) == fetched  # results (statuses, pages, from_cache, order) and notices alike
    assert fetched.basis is None  # a run that asked the web rests on more than the cache
    assert [(part.table, part.keys) for part in answered.basis.parts] == [
        ("results", (server.url("/a"), server.url("/b"), server.url("/gone")))]  # the excluded URL has no entry
    assert reported == urls
    assert len(server.requests) == 3  # the cold run's; neither of these went to the network


def test_no_answer_when_anything_needs_the_fetcher(cached_site, quick, tmp_path, server):
    with FetchCache(tmp_path / "cache") as cache:
        def answer(urls, cache_settings=CacheSettings(), text_urls=frozenset()):
            return answer_from_cache(urls, quick, cache, cache_settings, text_urls=text_urls)

        assert answer(cached_site) is not None
        assert answer([*cached_site, server.url("/never-fetched")]) is None
        assert answer([*cached_site, "http://[::1/broken"]) is None  # invalid: the fetcher reports it
        assert answer(cached_site, CacheSettings(max_age_ok=0.0)) is None  # stale: revalidated by the fetcher
        assert answer(cached_site, CacheSettings(offline=True)) is None  # offline answers are the fetcher's
        assert answer(cached_site, text_urls={cached_site[0]}) is None  # stored without the text a claim needs
    assert answer_from_cache(cached_site, quick, None, CacheSettings()) is None


def test_the_first_url_decides_a_cold_cache_alone(cached_site, quick, tmp_path, server):
    """A first URL without an entry is enough for None (one lookup, not one per URL); an excluded or cached first
    URL is not, and the rest are still asked about."""
    excluded_first = replace(quick, exclude=(r"/excluded",))
    with FetchCache(tmp_path / "cache") as cache:
        asked: list[list[str]] = []
        lookup_many = cache.lookup_many
        cache.lookup_many = lambda targets: asked.append(list(targets)) or lookup_many(targets)
        many_new = [server.url(f"/new-{n}") for n in range(50)]
        assert answer_from_cache([*many_new, *cached_site], quick, cache, CacheSettings()) is None
        assert asked == [[many_new[0]]]
        assert answer_from_cache(["http://[::1/broken", *cached_site], quick, cache, CacheSettings()) is None
        assert answer_from_cache([*cached_site, *many_new], quick, cache, CacheSettings()) is None
        answered = answer_from_cache([server.url("/excluded"), *cached_site], excluded_first, cache, CacheSettings(),
                                     text_urls=set())
        assert answered is not None and answered.results[server.url("/excluded")].status is UrlStatus.EXCLUDED
        assert [r.status for r in answered.results.values()][1:] == [
            UrlStatus.OK, UrlStatus.OK, UrlStatus.OK, UrlStatus.DEAD]


def test_a_warm_check_does_not_load_the_network_layer(server, tmp_path):
    server.route("/a", Reply(200, "<title>A</title>"))
    document = tmp_path / "doc.md"
    document.write_text(f"See [A]({server.url('/a')}).\n")
    program = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from refcheck.pipeline import check_paths\n"
        "from refcheck.settings import CacheSettings, FetchSettings, Settings\n"
        f"settings = Settings(fetch=FetchSettings(allow_private=True), cache=CacheSettings(directory=Path({str(tmp_path / 'cache')!r})))\n"
        f"report = check_paths([{str(document)!r}], settings)\n"
        "print(json.dumps({'httpx': 'httpx' in sys.modules, 'from_cache': [u.from_cache for u in report.urls]}))\n"
    )

    def run() -> dict:
        done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    assert run() == {"httpx": True, "from_cache": [False]}  # cold: fetched
    assert run() == {"httpx": False, "from_cache": [True]}  # warm: answered from the cache alone
