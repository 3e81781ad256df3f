"""The site backend's readers: robots.txt, sitemap indexes, news sitemaps, RSS/Atom, feed links; what it proposes."""

from __future__ import annotations

from refcheck.resolve.model import ResolveQuery
from refcheck.resolve.site import (Entry, child_order, feed_links, iso_day, parse_xml, propose, read_sitemap,
                                   robots_sitemaps)

NEWS = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
<url><loc>https://news.example.jp/a/1</loc><image:image><image:loc>https://i/1.jpg</image:loc></image:image>
<news:news><news:publication><news:name>Ex</news:name><news:language>ja</news:language></news:publication>
<news:publication_date>2025-12-20T09:00:00+09:00</news:publication_date><news:title>国産AIに1兆円</news:title></news:news></url>
<url><loc>https://news.example.jp/a/2</loc><lastmod>2025-12-01</lastmod></url>
</urlset>""".encode()


def test_robots_sitemap_lines_in_order_any_case():
    text = "User-agent: *\nDisallow: /x\nSitemap: https://a.jp/s1.xml\nsitemap:https://a.jp/s2.xml\nSITEMAP: https://a.jp/s1.xml\n"
    assert robots_sitemaps(text) == ["https://a.jp/s1.xml", "https://a.jp/s2.xml"]


def test_news_sitemap_gives_title_and_publication_date_not_the_image_title():
    children, entries = read_sitemap(NEWS, "s")
    assert children == []
    assert entries == [Entry("https://news.example.jp/a/1", "国産AIに1兆円", "2025-12-20", "s"),
                       Entry("https://news.example.jp/a/2", None, "2025-12-01", "s")]


def test_sitemap_index_children_and_their_order_near_the_retrieved_date():
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://a.jp/sitemap-2025-06.xml</loc></sitemap>
      <sitemap><loc>https://a.jp/sitemap-2025-12.xml</loc></sitemap>
      <sitemap><loc>https://a.jp/sitemap-2026-03.xml</loc></sitemap>
      <sitemap><loc>https://a.jp/sitemap-news.xml</loc></sitemap>
      <sitemap><loc>https://a.jp/sitemap-2025-11.xml</loc><lastmod>2025-11-30</lastmod></sitemap></sitemapindex>"""
    children, entries = read_sitemap(index, "i")
    assert entries == [] and len(children) == 5
    assert child_order(children, "2025-12-26") == [
        "https://a.jp/sitemap-news.xml", "https://a.jp/sitemap-2025-12.xml", "https://a.jp/sitemap-2025-11.xml",
        "https://a.jp/sitemap-2025-06.xml", "https://a.jp/sitemap-2026-03.xml"]


def test_rss_and_atom_items():
    rss = b"""<rss version="2.0"><channel><item><title>T1</title><link>https://a.jp/1</link>
      <pubDate>Sat, 20 Dec 2025 09:00:00 +0900</pubDate></item></channel></rss>"""
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>T2</title><link rel="alternate" href="https://a.jp/2"/>
      <published>2025-12-21T00:00:00Z</published></entry></feed>"""
    assert read_sitemap(rss, "r")[1] == [Entry("https://a.jp/1", "T1", "2025-12-20", "r")]
    assert read_sitemap(atom, "a")[1] == [Entry("https://a.jp/2", "T2", "2025-12-21", "a")]


def test_feed_links_from_a_home_page_are_absolute():
    html = ('<head><link rel="stylesheet" href="/s.css"><link rel="alternate" type="application/rss+xml" '
            'href="/rss.xml"><LINK REL="alternate" TYPE="application/atom+xml" HREF="https://a.jp/atom"></head>')
    assert feed_links(html, "https://a.jp/") == ["https://a.jp/rss.xml", "https://a.jp/atom"]


def test_xml_with_a_dtd_is_refused_and_garbage_is_nothing():
    bomb = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><urlset>&lol2;</urlset>'
    assert parse_xml(bomb) is None
    assert read_sitemap(b"<html>not xml", "x") == ([], [])


def test_dates_in_both_formats():
    assert iso_day("2025-12-20T09:00:00+09:00") == "2025-12-20"
    assert iso_day("Sat, 20 Dec 2025 09:00:00 GMT") == "2025-12-20"
    assert iso_day("yesterday") is None


def _query(**fields):
    return ResolveQuery(ref="1", cited_title=fields.pop("cited_title", None), specific_title=fields.pop("specific_title", None),
                        site="Ex", domains=("news.example.jp",), **fields)


def test_specific_title_proposes_the_most_similar_titles_and_never_one_published_after_retrieval():
    entries = [Entry("https://news.example.jp/a/1", "政府、AI基本計画を閣議決定", "2025-12-20"),
               Entry("https://news.example.jp/a/2", "政府、AI基本計画を閣議決定へ　来週にも", "2025-12-30"),
               Entry("https://news.example.jp/a/3", "円相場、一時150円台", "2025-12-21")]
    query = _query(cited_title="政府、AI基本計画を閣議決定", specific_title="政府、AI基本計画を閣議決定",
                   retrieved="2025-12-26")
    assert [entry.url for entry, _ in propose(entries, query, 5)] == ["https://news.example.jp/a/1"]


def test_generic_title_proposes_titles_with_key_facts_first_then_dates_near_retrieval():
    entries = [Entry("https://news.example.jp/a/1", "市場の動き", "2025-12-25"),
               Entry("https://news.example.jp/a/2", "PFN、「PLaMo Translate」を提供", "2025-12-10"),
               Entry("https://news.example.jp/a/3", "古い記事", "2024-01-01"),
               Entry("https://news.example.jp/", "トップ", "2025-12-25")]
    query = _query(cited_title="Ex", retrieved="2025-12-26", key_facts=("PLaMo Translate", "2026年"))
    assert [entry.url for entry, _ in propose(entries, query, 5)] == ["https://news.example.jp/a/2",
                                                                      "https://news.example.jp/a/1"]


def test_a_shift_jis_feed_is_read():
    body = ('<?xml version="1.0" encoding="Shift_JIS"?><rss version="2.0"><channel><item><title>国産AIに1兆円</title>'
            "<link>https://a.jp/1</link></item></channel></rss>").encode("shift_jis")
    assert read_sitemap(body, "r")[1] == [Entry("https://a.jp/1", "国産AIに1兆円", None, "r")]


def test_a_sitemap_cut_at_the_size_cap_keeps_its_finished_entries_only():
    body = ('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + "".join(
        f"<url><loc>https://a.jp/articles/{n}/a-long-slug</loc><lastmod>2025-12-01</lastmod></url>"
        for n in range(100)) + "</urlset>").encode()
    for cut in range(1500, 1700, 7):
        entries = read_sitemap(body[:cut], "s")[1]
        assert entries and all(entry.url.endswith("/a-long-slug") for entry in entries)
        assert entries[-1].published == "2025-12-01"
    rss = ("<rss><channel><title>x</title>" + "".join(
        f"<item><title>t{n}</title><link>https://a.jp/{n}/slug</link></item>" for n in range(20))
        + "</channel></rss>").encode()
    items = read_sitemap(rss[:500], "r")[1]
    assert items and all(item.url.endswith("/slug") and item.title for item in items)


def test_the_newest_capture_of_a_cdx_answer_and_when_one_is_worth_asking_for():
    from refcheck.resolve.site import _too_recent, latest_capture

    body = b'[["urlkey","timestamp","original"],["k","20251220080000","u"],["k","20251224090000","u"]]'
    assert latest_capture(body) == "20251224090000"
    assert latest_capture(b"[]") is None and latest_capture(b"<html>") is None
    newer = [Entry("https://a.jp/1", "T", "2026-01-10")]
    older = [Entry("https://a.jp/1", "T", "2025-12-20")]
    assert _too_recent(newer, "feed", "https://a.jp/rss.xml", "2025-12-26")
    assert not _too_recent(older, "feed", "https://a.jp/rss.xml", "2025-12-26")  # it reaches back far enough
    assert not _too_recent(newer, "feed", "https://a.jp/rss.xml", None)  # no date to aim at
    assert not _too_recent([Entry("https://a.jp/1", None, "2026-01-10")], "sitemap", "https://a.jp/sitemap-1.xml",
                           "2025-12-26")  # a general sitemap is not a window on the last days
