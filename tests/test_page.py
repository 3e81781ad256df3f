"""Tests for the page reader: decoding, titles, site names, dates, main text, soft-404 and challenge signals."""

from __future__ import annotations

import codecs
import dataclasses
import gzip
import json
from pathlib import Path

import pytest

from refcheck.models import PageFacts
from refcheck import page as page_module
from refcheck.page import decode_html, normalise_date, read_page
from tests.conftest import CORPORA, need_shared

PAGES = Path(__file__).parent / "fixtures" / "pages"


def read_fixture(name: str, content_type: str | None = "text/html", url: str = "https://gazette.example/news/2023/cycle") -> PageFacts:
    return read_page((PAGES / name).read_bytes(), content_type, url)


# --- decoding -----------------------------------------------------------------------------------------------------


def test_shift_jis_page_that_declares_euc_jp_is_decoded_as_shift_jis():
    body = (PAGES / "ja_sjis_declared_eucjp.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("euc_jp")  # the declaration is really wrong
    text, encoding = decode_html(body, None)
    assert encoding == "cp932"
    assert "新型ロケットの打ち上げに成功" in text


def test_euc_jp_page_that_declares_shift_jis_is_not_read_as_half_width_katakana():
    body = (PAGES / "ja_eucjp_declared_sjis.html").read_bytes()
    assert "ｿ" in body.decode("cp932")  # decodes "cleanly" as the declared charset, into nonsense
    text, encoding = decode_html(body, None)
    assert encoding in ("euc_jp", "euc_jis_2004")
    assert "たなかさんはきのうおおさかにいきました" in text


def test_header_charset_is_used_when_it_decodes_plausibly():
    body = "<title>café crème</title>".encode("cp1252")
    text, encoding = decode_html(body, "text/html; charset=ISO-8859-1")
    assert encoding == "cp1252"
    assert "café crème" in text


def test_utf8_bytes_win_over_a_wrong_shift_jis_declaration():
    body = '<meta charset="Shift_JIS"><title>脆弱性対策情報データベース</title>'.encode("utf-8")
    text, encoding = decode_html(body, None)
    assert encoding == "utf-8"
    assert "脆弱性対策情報データベース" in text


def test_bom_decides_the_encoding():
    text, encoding = decode_html(codecs.BOM_UTF8 + "<title>体罰</title>".encode("utf-8"), "text/html; charset=shift_jis")
    assert encoding == "utf-8-sig"
    assert text == "<title>体罰</title>"


def test_iso_2022_jp_is_recognised_without_a_declaration():
    text, encoding = decode_html("<p>日本語の文章です</p>".encode("iso2022_jp"), None)
    assert encoding.startswith("iso2022_jp")
    assert "日本語の文章です" in text


def test_undeclared_shift_jis_is_guessed():
    body = "<html><body><p>これは宣言のない日本語のページです。文字コードを推測します。</p></body></html>".encode("cp932")
    text, encoding = decode_html(body, None)
    assert encoding == "cp932"
    assert "宣言のない日本語のページ" in text


# --- titles, site, canonical, language, date ----------------------------------------------------------------------


def test_english_article_metadata_from_og_and_json_ld():
    facts = read_fixture("en_article_jsonld.html")
    assert facts.title == "Council approves new cycle lanes for city centre"
    assert facts.title_candidates[0] == facts.title
    assert "Council approves new cycle lanes for city centre | The Example Gazette" in facts.title_candidates
    assert "Cycle lanes approved" in facts.title_candidates
    assert facts.site_name == "The Example Gazette"
    assert facts.canonical_url == "https://gazette.example/news/news/cycle-lanes-approved"
    assert facts.language == "en-GB"
    assert facts.published == "2023-05-04"
    assert facts.content_type == "text/html"


def test_json_ld_publisher_is_the_site_name_when_there_is_no_og_site_name():
    html = """<html><head><title>Budget 2024 explained - Money Weekly</title>
    <script type="application/ld+json">[{"@type": "WebSite", "name": "Money Weekly site"},
    {"@type": "Article", "headline": "Budget 2024 explained", "datePublished": "2024/03/06",
     "publisher": {"@type": "Organization", "name": "Money Weekly"}}]</script></head>
    <body><h1>Budget 2024 explained</h1></body></html>"""
    facts = read_page(html.encode(), "text/html; charset=utf-8", "https://money.example/a")
    assert facts.title == "Budget 2024 explained"
    assert facts.site_name == "Money Weekly"
    assert facts.published == "2024-03-06"


def test_japanese_page_title_h1_and_text_without_og():
    facts = read_fixture("ja_sjis_declared_eucjp.html", content_type="text/html", url="https://news.example.jp/science/x")
    # The title as a reader cites it: without the section and the site name the <title> adds.
    assert facts.title == "新型ロケットの打ち上げに成功、月面探査へ前進"
    assert facts.title_candidates[0] == "新型ロケットの打ち上げに成功、月面探査へ前進 : 科学 : 架空新聞オンライン"
    assert facts.title_candidates[1] == "新型ロケットの打ち上げに成功、月面探査へ前進"  # the <h1>
    assert facts.site_name == "架空新聞オンライン"
    assert facts.canonical_url == "https://news.example.jp/science/20240115-rocket.html"
    assert facts.language == "ja"
    assert facts.published == "2024-01-15"


def test_uncorroborated_metadata_title_gives_way_to_title_and_h1():
    html = """<html><head><title>List of films featuring time loops - Wikipedia</title>
    <script type="application/ld+json">{"@type": "Article", "name": "List of films featuring time loops",
    "headline": "Wikimedia list article"}</script></head><body><h1>List of films featuring time loops</h1></body></html>"""
    facts = read_page(html.encode(), None, "https://en.wikipedia.example/wiki/x")
    assert facts.title == "List of films featuring time loops"
    assert "Wikimedia list article" in facts.title_candidates


def test_svg_title_is_not_the_page_title():
    html = "<html><body><svg><title>icon</title></svg><h1>Real heading</h1></body></html>"
    facts = read_page(html.encode(), "text/html", "https://x.example/")
    assert facts.title == "Real heading"
    assert "icon" not in facts.title_candidates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2020-02-15T09:00:00+09:00", "2020-02-15"),
        ("2020/7/1", "2020-07-01"),
        ("２０２０年２月１５日", "2020-02-15"),
        ("20191120", "2019-11-20"),
        ("not a date", None),
        ("1850-01-01", None),
    ],
)
def test_normalise_date(raw, expected):
    assert normalise_date(raw) == expected


# --- main text ----------------------------------------------------------------------------------------------------


def test_main_text_keeps_the_article_and_drops_the_furniture():
    text = read_fixture("en_article_jsonld.html").main_text
    paragraphs = text.split("\n")
    assert paragraphs[0].startswith("The city council voted on Wednesday")
    assert any(p.startswith("Construction is expected to begin") for p in paragraphs)
    assert len([p for p in paragraphs if len(p) > 100]) == 4  # the four paragraphs, each on its own line
    for furniture in ("Weather", "Log in", "Share on Twitter", "Bus fares", "terrible idea", "All rights reserved",
                      "tracking script", "color: red", "Photo: Gazette", "By Jane Reporter"):
        assert furniture not in text


def test_main_text_of_a_japanese_page_written_with_br():
    text = read_fixture("ja_sjis_declared_eucjp.html").main_text
    lines = text.split("\n")
    assert lines[0].startswith("宇宙航空研究開発機構は十五日")
    assert any(line.startswith("探査機は約四か月かけて月へ向かい") for line in lines)
    assert "アクセスランキング" not in text and "別の記事の見出し" not in text and "Copyright" not in text


def test_main_text_is_capped():
    paragraph = "<p>" + "A long sentence about nothing in particular, repeated. " * 20 + "</p>"
    html = "<html><body><article>" + paragraph * 400 + "</article></body></html>"
    facts = read_page(html.encode(), "text/html", "https://x.example/")
    assert 190_000 <= len(facts.main_text) <= 200_000


# --- soft 404 and challenges --------------------------------------------------------------------------------------


def test_japanese_not_found_page_has_soft_404_signals():
    facts = read_fixture("ja_soft_404.html")
    signals = " ".join(facts.soft_404_signals)
    assert "title: お探しのページ" in signals
    assert "h1: ページが見つかりません" in signals
    assert facts.challenge is None


def test_english_404_title_is_a_signal():
    html = "<html><head><title>404 - Page Not Found | Example</title></head><body><h1>Oops</h1><p>Sorry.</p></body></html>"
    signals = read_page(html.encode(), "text/html", "https://x.example/a").soft_404_signals
    assert "title: 404" in signals and "title: page not found" in signals


def test_normal_article_has_no_soft_404_signal_even_with_404_in_a_number():
    html = "<html><head><title>Budget grows to 4,040 million</title></head><body><article><p>" + (
        "The company reported revenue of 1404 million yen and said it does not exist to serve shareholders alone. " * 5
    ) + "</p></article></body></html>"
    facts = read_page(html.encode(), "text/html", "https://x.example/a")
    assert not any(s.startswith("title") for s in facts.soft_404_signals)


def test_cloudflare_challenge_is_recognised():
    facts = read_fixture("cloudflare_challenge.html")
    assert facts.challenge == "cloudflare"


def test_login_wall_is_recognised():
    facts = read_fixture("login_wall.html")
    assert facts.challenge == "login-wall"


def test_article_with_login_link_and_hidden_login_form_is_not_a_wall():
    facts = read_fixture("en_article_jsonld.html")
    assert facts.challenge is None
    assert facts.soft_404_signals == ()


def test_article_that_mentions_cloudflare_is_not_a_challenge():
    body = "<p>Cloudflare said on Tuesday that its DDoS protection blocked a record attack. " * 30
    html = f"<html><head><title>Cloudflare blocks record attack</title></head><body><article>{body}</article></body></html>"
    assert read_page(html.encode(), "text/html", "https://x.example/").challenge is None


def test_challenge_markers_and_titles_are_found_in_any_case():
    marker = b"<html><head><title>News</title></head><body><div class='CF-TURNSTILE'></div><p>x</p></body></html>"
    title = b"<html><head><TITLE>  JUST A MOMENT...</TITLE></head><body><p>Checking</p></body></html>"
    assert read_page(marker, "text/html", "https://x.example/").challenge == "cloudflare"
    assert read_page(title, "text/html", "https://x.example/").challenge == "cloudflare"


@pytest.mark.parametrize(
    ("title", "filler_paragraphs", "expected"),
    [
        ("News", 2500, "cloudflare"),  # ~55 KB: a small page, the marker alone decides
        ("News", 3500, None),  # ~77 KB: a marker on a long page is the real page embedding a script
        ("Attention Required! | Cloudflare", 3500, "cloudflare"),  # a challenge title with the marker
        ("Attention Required! | Cloudflare", 16000, None),  # > 300 KB: never a challenge
    ],
)
def test_challenge_markers_count_only_on_small_pages_or_with_a_challenge_title(title, filler_paragraphs, expected):
    html = (f"<html><head><title>{title}</title></head><body><script>var _CF_CHL_OPT={{}};</script>"
            + "<p>filler text here</p>" * filler_paragraphs + "</body></html>")
    assert read_page(html.encode(), "text/html", "https://x.example/").challenge == expected


def test_unlikely_class_names_are_matched_in_any_case():
    article = "<p>" + "Plain prose that makes this the article body, with commas, and more words. " * 8 + "</p>"
    sidebar = "<p>" + "Sidebar prose that should not be read, at all. " * 3 + "</p>"
    html = f"<html><body><div class='SIDEBAR Widget'>{sidebar}</div><div class='Content'>{article}</div></body></html>"
    text = read_page(html.encode(), "text/html", "https://x.example/").main_text
    assert text.startswith("Plain prose")
    assert "Sidebar prose" not in text


# --- reading without the main text (want_text=False) ---------------------------------------------------------------


def _without_text(facts: PageFacts) -> PageFacts:
    return dataclasses.replace(facts, main_text="")


@pytest.mark.parametrize("name", sorted(path.name for path in PAGES.iterdir()))
def test_without_text_every_other_fact_is_the_same(name):
    body = (PAGES / name).read_bytes()
    full = read_page(body, "text/html", "https://gazette.example/news/2023/cycle")
    without_text = read_page(body, "text/html", "https://gazette.example/news/2023/cycle", want_text=False)
    assert without_text == _without_text(full)


def test_without_text_the_main_text_is_not_extracted(monkeypatch):
    def no_extraction(*args, **kwargs):
        raise AssertionError("main text extracted")

    prose = "<p>" + "The council said the lanes would open in spring, and that costs had risen. " * 10 + "</p>"
    body = (f"<html lang='en'><head><title>Lanes open | Gazette</title><meta property='og:title' content='Lanes open'>"
            f"</head><body><nav><a href='/'>Home</a></nav><article><h1>Lanes open</h1>{prose * 4}</article></body></html>").encode()
    full = read_page(body, "text/html", "https://gazette.example/a")
    assert full.main_text.startswith("The council said")
    monkeypatch.setattr(page_module, "extract_main_text", no_extraction)
    assert read_page(body, "text/html", "https://gazette.example/a", want_text=False) == _without_text(full)
    assert read_page("a\n b".encode(), "text/plain", "https://x.example/a.txt", want_text=False).main_text == ""


@pytest.mark.parametrize(
    "sentence",
    [
        "Sorry, the page you are looking for has moved.",
        "Sorry, the page you&#8217;re looking for has moved.",
        "The page you requested could not be shown.",
        "We can&rsquo;t find that.",
        "We couldn't find that.",
        "This article does\n      not exist.",
        "This article doesn&#x2019;t exist.",
        "It is no&nbsp;longer available.",
        "It no longer exists.",
        "Nothing was found.",
        "ERROR 404 - PAGE NOT FOUND",
        "404 Error: file not found",
        "This page cannot be found.",
        "This page could not be found.",
        "This page can't be found.",
        "お探しのページは削除された可能性があります。",
        "指定されたページを表示できません。",
        "アクセスしようとしたページは見つかりませんでした。",
    ],
)
def test_without_text_the_body_soft_404_signals_are_the_same(sentence):
    html = f"<html><head><title>Example site</title></head><body><div><p>{sentence}</p></div></body></html>"
    full = read_page(html.encode(), "text/html", "https://x.example/a")
    assert any(signal.startswith("body: ") for signal in full.soft_404_signals)
    assert read_page(html.encode(), "text/html", "https://x.example/a", want_text=False) == _without_text(full)


def test_without_text_a_password_form_still_decides_the_login_wall():
    wall = read_fixture("login_wall.html")
    body = (PAGES / "login_wall.html").read_bytes()
    without_text = read_page(body, "text/html", "https://gazette.example/news/2023/cycle", want_text=False)
    assert without_text.challenge == wall.challenge == "login-wall"


def test_every_corpus_page_reads_the_same_without_text():
    corpora = need_shared(CORPORA / "article-extraction-benchmark" / "ground-truth.json").parents[1]
    # A sample of each corpus keeps the test quick; bench/corpus_pages.py checks every page (its CPU section).
    pages = [(gzip.decompress(path.read_bytes()), "text/html; charset=utf-8")
             for path in sorted((corpora / "article-extraction-benchmark" / "html").glob("*.html.gz"))[::6]]
    pages += [(path.read_bytes(), None) for path in sorted((corpora / "readability" / "test-pages").glob("*/source.html"))[::6]]
    pages += [(path.read_bytes(), None) for path in sorted((corpora / "japanese-pages").rglob("*.htm*"))[::2]]
    assert len(pages) > 70
    differ = [index for index, (body, content_type) in enumerate(pages)
              if read_page(body, content_type, "https://x.example/a", want_text=False)
              != _without_text(read_page(body, content_type, "https://x.example/a"))]
    assert differ == []


# --- other content types and bad input ----------------------------------------------------------------------------


def test_plain_text_becomes_main_text():
    facts = read_page("第一行\n\n  second   line \n".encode("utf-8"), "text/plain; charset=utf-8", "https://x.example/a.txt")
    assert facts.main_text == "第一行\nsecond line"
    assert facts.content_type == "text/plain"
    assert facts.title is None


@pytest.mark.parametrize("content_type", ["application/json", "application/pdf", "image/png", "video/mp4", "application/xml"])
def test_non_html_types_keep_only_the_content_type(content_type):
    facts = read_page(b'{"title": "<title>not html</title>"}', content_type, "https://x.example/a")
    assert facts == PageFacts(content_type=content_type)


def test_html_without_content_type_is_sniffed():
    facts = read_page(b"<!doctype html><html><head><title>Sniffed</title></head><body></body></html>", None, "https://x.example/")
    assert facts.title == "Sniffed"
    assert facts.content_type == "text/html"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<",
        b"<html><head><title>unclosed",
        b"\x00\x01\x02\xff\xfe garbage",
        b'<html><script type="application/ld+json">{not json</script><meta property="og:title"><body><p>x',
        b"<div>" * 5000 + b"deep" + b"</div>" * 10,
        "<title>caf\u00e9</title>".encode("utf-16-le"),
    ],
)
def test_malformed_input_never_raises(body):
    facts = read_page(body, "text/html", "https://x.example/")
    assert isinstance(facts, PageFacts)


def test_every_japanese_corpus_page_decodes_like_its_actual_encoding():
    manifest = need_shared(CORPORA / "japanese-pages" / "manifest.jsonl")
    families = {"ascii": ("utf-8",), "utf-8": ("utf-8",), "utf-8-sig": ("utf-8-sig",), "shift_jis": ("shift_jis", "cp932"),
                "cp932": ("cp932",), "euc-jp": ("euc_jp", "euc_jis_2004"), "iso-2022-jp": ("iso2022_jp",)}
    wrong = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        body = (manifest.parent / row["file"]).read_bytes()
        text, _ = decode_html(body, None)
        references = set()
        for codec in families[row["actual_encoding"].lower()]:
            try:
                references.add(body.decode(codec).removeprefix("\ufeff"))
            except UnicodeDecodeError:
                continue
        if text not in references:
            wrong.append(row["file"])
    assert wrong == []


def test_metadata_is_read_before_boilerplate_removal_changes_the_tree():
    html = """<html><body><div class="article-header-wrap header"><h1>Heading inside a header wrapper</h1>
    <span class="byline">By A. Writer <time datetime="2021-09-30">30 Sep</time></span></div>
    <div class="content"><p>""" + "Plain prose that makes this the article body, with commas, and more words. " * 8 + """</p></div></body></html>"""
    facts = read_page(html.encode(), "text/html", "https://x.example/")
    assert facts.title == "Heading inside a header wrapper"
    assert facts.published == "2021-09-30"
    assert facts.main_text.startswith("Plain prose that makes this the article body")
    assert "By A. Writer" not in facts.main_text


def test_want_anchors_false_leaves_anchors_unread_and_every_other_fact_as_it_was():
    from pathlib import Path

    pages = [path.read_bytes() for path in sorted(Path(__file__).parent.rglob("*.htm*")) if path.is_file()]
    pages.append(b'<html><head><title>T</title></head><body><h2 id="usage">Usage</h2><a name="old">x</a></body></html>')
    assert len(pages) >= 5
    for body in pages:
        for want_text in (True, False):
            full = read_page(body, None, "https://example.org/p", want_text=want_text)
            lean = read_page(body, None, "https://example.org/p", want_text=want_text, want_anchors=False)
            assert full.anchors is not None and lean.anchors is None
            assert dataclasses.replace(full, anchors=None) == lean
    assert read_page(pages[-1], "text/html", "https://example.org/p").anchors == ("usage", "old")
    assert read_page(b"plain", "text/plain", "https://example.org/p", want_anchors=True).anchors is None  # not HTML
