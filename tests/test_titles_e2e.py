"""title-mismatch and site-mismatch through the whole pipeline, on pages served in UTF-8, Shift_JIS and EUC-JP."""

from __future__ import annotations

from pathlib import Path

import pytest

from refcheck.pipeline import check_paths
from refcheck.settings import CacheSettings, FetchSettings, Settings
from tests.webserver import Reply, WebServer

PAGE = """<html><head><meta charset="{charset}"><title>{title} | 読売新聞オンライン</title>
<meta property="og:site_name" content="読売新聞オンライン"></head>
<body><nav>ホーム 経済 政治</nav><article><h1>{title}</h1>
<p>政府は18日、AI戦略本部がまとめた基本計画を閣議決定した。利活用を柱に、行政での導入を進める。</p></article></body></html>"""

CITED = "政府、AI基本計画を閣議決定　利活用を柱に"
OTHER = "日銀、政策金利を据え置き　物価見通しを上方修正"


def serve(server: WebServer, path: str, title: str, charset: str) -> None:
    body = PAGE.format(charset=charset, title=title).encode(charset)
    server.route(path, Reply(200, body, content_type="text/html"))  # no charset in the header: the page says it


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(fetch=FetchSettings(allow_private=True, retries=0, timeout=5),
                    cache=CacheSettings(directory=tmp_path / "cache"))


def document(tmp_path: Path, entries: list[tuple[str, str, str]]) -> str:
    lines = ["Assistant: 回答 edit", "回答です。" + "".join(f"[{n}]" for n in range(1, len(entries) + 1)), "References edit"]
    lines += [f'- ↑ "{title}". {site}. Retrieved 2026-11-20. {url}' for title, site, url in entries]
    path = tmp_path / "answer.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("charset", ["utf-8", "shift_jis", "euc-jp"])
def test_title_rules_in_every_japanese_encoding(tmp_path, settings, charset):
    with WebServer() as server:
        serve(server, "/same", CITED, charset)
        serve(server, "/different", OTHER, charset)
        serve(server, "/fullwidth", CITED.replace("AI", "ＡＩ").replace("　", " "), charset)
        path = document(tmp_path, [(CITED, "読売新聞", server.url("/same")),
                                   (CITED, "読売新聞", server.url("/different")),
                                   (CITED, "読売新聞", server.url("/fullwidth"))])
        report = check_paths([path], settings)
    pages = {Path(r.url).name: r.page.title for r in report.urls}
    assert "AI基本計画を閣議決定" in pages["same"]  # decoded right: the title is readable Japanese
    mismatches = {f.ref: f for f in report.documents[0].findings if f.rule == "title-mismatch"}
    assert set(mismatches) == {"2"}  # a site suffix or full-width letters are not a mismatch
    assert "政策金利を据え置き" in mismatches["2"].message and "政策金利" in mismatches["2"].evidence["page_title"]


def test_site_mismatch_fires_for_another_publisher_and_not_for_the_right_one(tmp_path, settings):
    with WebServer() as server:
        serve(server, "/article", CITED, "utf-8")
        path = document(tmp_path, [(CITED, "読売新聞", server.url("/article")),
                                   (CITED, "marketwatch.com", server.url("/article"))])
        # the document names real publishers' hosts; remap sends both to the local page
        text = Path(path).read_text(encoding="utf-8")
        text = text.replace(server.url("/article"), "https://www.yomiuri.co.jp/politics/20261118-OYT1T50001/", 1)
        text = text.replace(server.url("/article"), "https://www.yomiuri.co.jp/politics/20261118-OYT1T50002/", 1)
        Path(path).write_text(text, encoding="utf-8")
        remapped = Settings(fetch=FetchSettings(allow_private=True, retries=0, timeout=5,
                                                remaps=((r"^https://www\.yomiuri\.co\.jp/.*$", server.url("/article")),)),
                            cache=settings.cache)
        report = check_paths([path], remapped)
    sites = {f.ref for f in report.documents[0].findings if f.rule == "site-mismatch"}
    assert sites == {"2"}


def test_a_page_title_that_reverses_the_cited_one_and_the_reported_title(tmp_path, settings):
    """Through fetch and pipeline: the reported page title has no site suffix; 延期 added to the cited title is a
    title-mismatch naming the word; the same amount written with all its digits is not."""
    postponed = "万博の開幕式典、4月12日に開催"
    with WebServer() as server:
        serve(server, "/postponed", postponed + "を延期", "utf-8")
        serve(server, "/amount", "政府、半導体に1,000,000,000,000円支援", "utf-8")
        path = document(tmp_path, [(postponed, "読売新聞", server.url("/postponed")),
                                   ("政府、半導体に1兆円支援", "読売新聞", server.url("/amount"))])
        report = check_paths([path], settings)
    pages = {Path(r.url).name: r.page.title for r in report.urls}
    assert pages == {"postponed": postponed + "を延期", "amount": "政府、半導体に1,000,000,000,000円支援"}
    mismatches = {f.ref: f for f in report.documents[0].findings if f.rule == "title-mismatch"}
    assert set(mismatches) == {"1"}
    assert mismatches["1"].evidence["reversing_words"] == ["延期"] and '"延期"' in mismatches["1"].message
