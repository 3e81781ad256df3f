"""Registrable domains, the publisher table, and the site-mismatch rule: cases that must fire and near-misses."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest

from refcheck.models import PageFacts, Severity
from refcheck.rules import sites
from refcheck.rules.sites import (SiteComparison, check_site, load_publishers, original_url, publishers_at,
                                  publishers_named, registrable_domain, site_matches)

ROOT = Path(__file__).resolve().parents[2]


# --- registrable_domain ------------------------------------------------------------------------------------


@pytest.mark.parametrize("host_or_url, expected", [
    ("www3.nhk.or.jp", "nhk.or.jp"),
    ("https://www.yomiuri.co.jp/politics/20251223-OYT1T50001/", "yomiuri.co.jp"),
    ("https://user:pw@WWW.Nikkei.COM:443/article/x?y=1", "nikkei.com"),
    ("ja.m.wikipedia.org", "wikipedia.org"),
    ("group.softbank", "group.softbank"),  # a brand top-level domain
    ("news.yahoo.co.jp", "yahoo.co.jp"),
    ("pc.watch.impress.co.jp", "impress.co.jp"),
    ("www.digital.go.jp", "digital.go.jp"),
    ("someone.github.io", "someone.github.io"),  # a private suffix: each user's site is its own
    ("economy.ac", "economy.ac"),
    ("www.example.com.", "example.com"),
    ("http://127.0.0.1:8080/page", "127.0.0.1"),
    ("http://[::1]:8080/page", "::1"),
    ("localhost", "localhost"),
])
def test_registrable_domain(host_or_url, expected):
    assert registrable_domain(host_or_url) == expected


def test_registrable_domain_never_touches_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the Public Suffix List must come from the bundled snapshot")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    sites._suffix_list.cache_clear()
    try:
        assert registrable_domain("https://www.bbc.co.uk/news") == "bbc.co.uk"
    finally:
        sites._suffix_list.cache_clear()


# --- the publisher table -----------------------------------------------------------------------------------


def test_table_is_large_and_well_formed():
    publishers = load_publishers()
    assert len(publishers) >= 80
    for publisher in publishers:
        assert publisher.name and publisher.domains
        for domain in publisher.domains:
            assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", domain), domain


def test_every_name_and_alias_means_one_publisher():
    seen: dict[str, str] = {}
    clashes = []
    for publisher in load_publishers():
        for name in publisher.names:
            key = sites.name_key(name)
            if key in seen and seen[key] != publisher.name:
                clashes.append((name, seen[key], publisher.name))
            seen.setdefault(key, publisher.name)
    assert clashes == []


def test_every_publisher_is_documented():
    docs = (ROOT / "docs" / "publishers.md").read_text(encoding="utf-8")
    raw = json.loads((ROOT / "refcheck" / "data" / "publishers.json").read_text(encoding="utf-8"))
    missing = [entry["name"] for entry in raw["publishers"] if f"| {entry['name']} |" not in docs]
    assert missing == []


@pytest.mark.parametrize("name, expected", [
    ("読売新聞", "読売新聞"), ("読売新聞オンライン", "読売新聞"), ("ＹＯＭＩＵＲＩ　ＯＮＬＩＮＥ", "読売新聞"),
    ("日経", "日本経済新聞"), ("nikkei", "日本経済新聞"), ("Impress Watch", "Impress Watch"),
    ("IT Leaders", "IT Leaders"), ("X (formerly Twitter)", "X (formerly Twitter)"), ("Twitter", "X (formerly Twitter)"),
    ("ロイター", "Reuters"), ("the guardian", "The Guardian"), ("マーケットウォッチ", "MarketWatch"),
    ("TBS NEWS DIG", "TBS NEWS DIG"), ("デジタル庁", "デジタル庁"), ("ソフトバンクグループ株式会社", "ソフトバンクグループ"),
])
def test_publishers_named(name, expected):
    assert [publisher.name for publisher in publishers_named(name)] == [expected]


@pytest.mark.parametrize("url, expected", [
    ("https://it.impress.co.jp/articles/-/1", "IT Leaders"),  # the most specific domain wins
    ("https://pc.watch.impress.co.jp/docs/1.html", "Impress Watch"),
    ("https://www.meti.go.jp/press/1.html", "経済産業省"),
    ("https://www.env.go.jp/press/1.html", "日本政府"),  # any *.go.jp
    ("https://mobile.twitter.com/x/status/1", "X (formerly Twitter)"),
    ("https://m.youtube.com/watch?v=1", "YouTube"),
    ("https://asia.nikkei.com/x", "Nikkei Asia"),
])
def test_publishers_at(url, expected):
    assert publishers_at(url)[0].name == expected


# --- wrappers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url, expected", [
    ("https://web.archive.org/web/20250101000000/https://www.yomiuri.co.jp/x/", "https://www.yomiuri.co.jp/x/"),
    ("https://web.archive.org/web/20250101000000id_/http://www.asahi.com/a.html", "http://www.asahi.com/a.html"),
    ("https://archive.ph/2025.01.01-000000/https://www.nikkei.com/article/1", "https://www.nikkei.com/article/1"),
    ("https://www-asahi-com.cdn.ampproject.org/c/s/www.asahi.com/amp/articles/A1.html",
     "https://www.asahi.com/amp/articles/A1.html"),
    ("https://www.google.com/amp/s/www.nikkei.com/article/1", "https://www.nikkei.com/article/1"),
    ("https://warp.ndl.go.jp/info:ndljp/pid/11547454/www.meti.go.jp/press/1.html",
     "http://www.meti.go.jp/press/1.html"),
    ("https://www.yomiuri.co.jp/x/", "https://www.yomiuri.co.jp/x/"),
])
def test_original_url(url, expected):
    assert original_url(url) == expected


# --- site_matches ------------------------------------------------------------------------------------------

MUST_FIRE = [
    # (cited site, URL, page's og:site_name)
    ("marketwatch.com", "https://www.nikkei.com/article/DGXZQOUB0000/", "日本経済新聞"),  # the sample's マネーウォッチ
    ("marketwatch.com", "https://toyokeizai.net/articles/-/1", None),
    ("digital.go.jp", "https://www.yomiuri.co.jp/politics/1/", None),
    ("デジタル庁", "https://www.yomiuri.co.jp/politics/1/", "読売新聞オンライン"),
    ("読売新聞", "https://www.asahi.com/articles/A1.html", "朝日新聞デジタル"),
    ("Impress Watch", "https://www.itmedia.co.jp/news/articles/1.html", "ITmedia NEWS"),
    ("The Verge", "https://techcrunch.com/2025/01/01/x/", "TechCrunch"),
    ("NHK", "https://newsdig.tbs.co.jp/articles/-/1", "TBS NEWS DIG"),
    ("日本経済新聞", "https://www.example-blog.jp/nikkei-copy", None),  # a known publisher, a domain it does not own
    ("Reuters", "https://web.archive.org/web/2025/https://www.bloomberg.com/news/x", None),  # archived: not Reuters
    ("X (formerly Twitter)", "https://www.youtube.com/watch?v=1", "YouTube"),
]


@pytest.mark.parametrize("cited, url, page_site_name", MUST_FIRE)
def test_site_mismatch_fires(cited, url, page_site_name):
    result = site_matches(cited, url, page_site_name)
    assert isinstance(result, SiteComparison)
    assert result.matches is False, result.reason
    assert result.expected_domains


NEAR_MISSES = [
    ("Impress Watch", "https://watch.impress.co.jp/docs/news/1.html", None),  # the sample's Impress Watch
    ("Impress Watch", "https://pc.watch.impress.co.jp/docs/news/1.html", "PC Watch"),
    ("IT Leaders", "https://it.impress.co.jp/articles/-/1", None),
    ("digital.go.jp", "https://www.digital.go.jp/news/1", None),  # www.
    ("marketwatch.com", "https://www.marketwatch.com/story/x", None),
    ("www.marketwatch.com", "https://marketwatch.com/story/x", None),
    ("group.softbank", "https://group.softbank/news/press/1", None),
    ("softbank.jp", "https://www.softbank.jp/corp/news/1", None),
    ("X (formerly Twitter)", "https://x.com/digital_jpn/status/1", None),
    ("X (formerly Twitter)", "https://twitter.com/digital_jpn/status/1", None),
    ("TBS NEWS DIG", "https://newsdig.tbs.co.jp/articles/-/1", None),
    ("NHK", "https://www3.nhk.or.jp/news/html/1.html", None),
    ("YouTube", "https://m.youtube.com/watch?v=1", None),  # mobile site
    ("YouTube", "https://youtu.be/1", None),
    ("朝日新聞", "https://www.asahi.com/amp/articles/A1.html", None),  # AMP path
    ("朝日新聞", "https://www-asahi-com.cdn.ampproject.org/c/s/www.asahi.com/amp/articles/A1.html", None),  # AMP cache
    ("読売新聞", "https://web.archive.org/web/2025/https://www.yomiuri.co.jp/x/", None),  # an archived copy
    ("Wikipedia", "https://ja.m.wikipedia.org/wiki/X", None),
    ("ロイター", "https://jp.reuters.com/article/x", None),
    ("ＩＴ　Ｌｅａｄｅｒｓ", "https://it.impress.co.jp/articles/-/1", None),  # full-width name
    ("経済産業省", "https://www.meti.go.jp/press/1.html", None),
    ("MarketWatch", "https://www.marketwatch.com/story/x", None),
    ("Salon.com", "https://www.salon.com/2015/x/", None),  # a name that is a domain
    ("Foo Times", "https://foo-times.example/x", "Foo Times"),  # unknown name, the page agrees
    ("読売新聞", "https://www.yomiuri-new-domain.example/x", "読売新聞オンライン"),  # a domain the table lacks
]


@pytest.mark.parametrize("cited, url, page_site_name", NEAR_MISSES)
def test_site_matches(cited, url, page_site_name):
    assert site_matches(cited, url, page_site_name).matches is True


NO_VERDICT = [
    ("読売新聞", "https://news.yahoo.co.jp/articles/abc", "Yahoo!ニュース"),  # syndicated by an aggregator
    ("Bloomberg", "https://www.msn.com/ja-jp/news/x", "MSN"),
    ("デジタル庁", "https://www.cao.go.jp/x.html", None),  # another ministry hosts the document
    ("digital.go.jp", "https://www.cas.go.jp/x.html", None),
    ("日経", "https://www.ft.com/content/x", None),  # same group
    ("ソフトバンク", "https://group.softbank/news/1", None),
    ("エコノミー", "https://economy.ac/news/1", None),  # a name refcheck does not know
    ("Some Blog", "https://example.com/x", "Another Name"),
    ("Impress Watch", "http://127.0.0.1:8080/docs/news/1.html", None),  # a remapped local copy
    ("Impress Watch", "", None),
    ("", "https://watch.impress.co.jp/x", None),
    ("読売新聞", "https://archive.ph/AbCd1", None),  # an archive whose original cannot be read
]


@pytest.mark.parametrize("cited, url, page_site_name", NO_VERDICT)
def test_site_matches_cannot_tell(cited, url, page_site_name):
    assert site_matches(cited, url, page_site_name).matches is None


# --- check_site --------------------------------------------------------------------------------------------


def test_check_site_reports_another_publisher_with_evidence():
    url = "https://www.nikkei.com/article/DGXZQOUB0000/"
    found = check_site("marketwatch.com", url, PageFacts(site_name="日本経済新聞"), line=195, ref="4")
    assert found is not None
    assert found.rule == "site-mismatch" and found.severity is Severity.WARNING
    assert (found.line, found.url, found.ref) == (195, url, "4")
    assert found.evidence == {"cited_site": "marketwatch.com", "url_domain": "nikkei.com",
                              "expected_domains": ["marketwatch.com"], "page_site_name": "日本経済新聞"}
    assert "marketwatch.com" in found.message and "www.nikkei.com" in found.message


def test_check_site_is_silent_on_matches_and_unknowns():
    assert check_site("Impress Watch", "https://watch.impress.co.jp/docs/news/1.html", None, line=1, ref="3") is None
    assert check_site("エコノミー", "https://economy.ac/news/1", PageFacts(), line=1, ref="11") is None
    assert check_site(None, "https://watch.impress.co.jp/", None, line=1, ref="1") is None
    assert check_site("Impress Watch", None, None, line=1, ref="1") is None


def test_check_site_ignores_the_site_name_of_a_challenge_page():
    url = "https://www.yomiuri-new-domain.example/x"
    trusted = PageFacts(site_name="読売新聞オンライン")
    walled = PageFacts(site_name="読売新聞オンライン", challenge="login-wall")
    assert check_site("読売新聞", url, trusted, line=1, ref="1") is None
    found = check_site("読売新聞", url, walled, line=1, ref="1")
    assert found is not None and found.evidence["page_site_name"] is None
