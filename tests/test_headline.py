"""PageFacts.title is the title a reader would cite: site names stripped in every arrangement, Japanese and English."""

from __future__ import annotations

import html

import pytest

from refcheck.headline import SiteNames, reader_title, strip_site_name
from refcheck.page import read_page


def page_title(title: str | None, *, url: str = "https://www.example.com/2024/05/article.html", og: str | None = None,
               site: str | None = None, h1: str | tuple[str, ...] | None = None, body: str = "") -> str | None:
    """The title read_page reports for a page with these parts."""
    head = f"<title>{html.escape(title)}</title>" if title is not None else ""
    if og:
        head += f'<meta property="og:title" content="{html.escape(og)}">'
    if site:
        head += f'<meta property="og:site_name" content="{html.escape(site)}">'
    headings = (h1,) if isinstance(h1, str) else (h1 or ())
    markup = "".join(f"<h1>{html.escape(h)}</h1>" for h in headings)
    page = (f"<html><head><meta charset='utf-8'>{head}</head>"
            f"<body>{body}{markup}<p>Text of the article.</p></body></html>")
    return read_page(page.encode(), "text/html; charset=utf-8", url).title


# --- a site name after the title --------------------------------------------------------------------------


@pytest.mark.parametrize("title, site", [
    ("Brain organoids model early development | bioRxiv", "bioRxiv"),
    ("Apple unveils the new iPad Pro - The Verge", "The Verge"),
    ("Apple unveils the new iPad Pro – The Verge", "The Verge"),
    ("Apple unveils the new iPad Pro — The Verge", "The Verge"),
    ("Apple unveils the new iPad Pro « The Verge", "The Verge"),
    ("Apple unveils the new iPad Pro :: The Verge", "The Verge"),
    ("Apple unveils the new iPad Pro / The Verge", "The Verge"),
    ("Apple unveils the new iPad Pro: The Verge", "The Verge"),
])
def test_a_declared_site_name_after_any_separator_goes(title, site):
    assert page_title(title, site=site) == title.split(site)[0].rstrip(" |-–—«:/")


@pytest.mark.parametrize("title, expected", [
    ("ゴールデンウィークにおける情報セキュリティに関する注意喚起：架空機構", "ゴールデンウィークにおける情報セキュリティに関する注意喚起"),
    ("新型ロケットの打ち上げに成功｜架空機構", "新型ロケットの打ち上げに成功"),
    ("新型ロケットの打ち上げに成功 | 架空機構", "新型ロケットの打ち上げに成功"),
    ("新型ロケットの打ち上げに成功／架空機構", "新型ロケットの打ち上げに成功"),
    ("新型ロケットの打ち上げに成功 － 架空機構", "新型ロケットの打ち上げに成功"),
    ("新型ロケットの打ち上げに成功 - 架空機構 -", "新型ロケットの打ち上げに成功"),
])
def test_a_japanese_site_name_after_full_width_separators_goes(title, expected):
    assert page_title(title, site="架空機構", url="https://www.kakuu.example.jp/news/1") == expected


def test_sections_between_the_title_and_the_site_name_go_with_it():
    assert page_title("バルセロナ、マンＵに先勝…ＣＬ準々決勝第１戦 : スポーツ : 読売新聞オンライン",
                      url="https://www.yomiuri.co.jp/sports/x") == "バルセロナ、マンＵに先勝…ＣＬ準々決勝第１戦"
    assert page_title("US service members killed in helicopter crash | Afghanistan News | Al Jazeera",
                      url="https://www.aljazeera.com/news/x") == "US service members killed in helicopter crash"


def test_a_subtitle_with_another_separator_is_not_a_section():
    title = "Browns’ defensive snap counts, stats, and notes: Week 11 - Dawgs By Nature"
    assert page_title(title, site="Dawgs By Nature") == "Browns’ defensive snap counts, stats, and notes: Week 11"


# --- where the name comes from -----------------------------------------------------------------------------


def test_the_publisher_table_names_the_site_of_the_url():
    url = "https://www.ipa.go.jp/security/announce/gw.html"
    assert page_title("ゴールデンウィークにおける注意喚起：IPA 独立行政法人 情報処理推進機構", url=url) == \
        "ゴールデンウィークにおける注意喚起"
    assert page_title("Surge in sales at Nikkei companies - Nikkei Asia", url="https://asia.nikkei.com/x") == \
        "Surge in sales at Nikkei companies"


def test_the_domain_names_the_site():
    assert page_title("マインドマップ風のツリーを描画できる「Treeviz」:phpspot開発日誌", url="https://phpspot.org/blog/x") == \
        "マインドマップ風のツリーを描画できる「Treeviz」"
    assert page_title("Doobie Brothers to reunite for Blossom show - cleveland.com",
                      url="https://www.cleveland.com/x") == \
        "Doobie Brothers to reunite for Blossom show"
    assert page_title("wasm-module - RustのWebAssemblyの中でDOMを扱う MOONGIFT", url="https://www.moongift.jp/2019/x") == \
        "wasm-module - RustのWebAssemblyの中でDOMを扱う"


def test_a_site_name_before_the_title_goes():
    assert page_title("O'Reilly Japan - Head First はじめてのプログラミング",
                      url="https://www.oreilly.co.jp/books/x") == "Head First はじめてのプログラミング"
    assert page_title("NEWS WEB EASY|子どもへの体罰を禁止する法律ができる", site="NEWS WEB EASY") == \
        "子どもへの体罰を禁止する法律ができる"
    assert page_title("My Garden Blog » Tomatoes in a cold spring", site="My Garden Blog") == \
        "Tomatoes in a cold spring"


def test_the_name_written_on_the_page_a_home_link():
    body = '<header><a href="/"><img src="/logo.png" alt="てくろぐ"></a></header>'
    assert page_title("てくろぐ: 2019年のスマホ政策 (IIJmio meeting 23資料公開)", body=body,
                      url="https://techlog.example.jp/archives/1") == "2019年のスマホ政策 (IIJmio meeting 23資料公開)"
    body = '<div class="masthead"><a href="https://www.example.com/">Field Notes</a></div>'
    assert page_title("Field Notes - Counting birds in winter", body=body) == "Counting birds in winter"


def test_a_heading_that_is_the_site_name_before_the_title():
    title = "高木浩光＠自宅の日記 - 改正NICT法がプチ炎上、初期パスワードが識別符号に当たらないことが理解されていない"
    assert page_title(title, h1="高木浩光＠自宅の日記", url="https://takagi.example.jp/diary/1") == \
        "改正NICT法がプチ炎上、初期パスワードが識別符号に当たらないことが理解されていない"


def test_a_heading_that_starts_the_title_and_is_not_much_shorter_is_the_headline():
    assert page_title("Counting birds in winter - Field Notes", h1="Counting birds in winter") == \
        "Counting birds in winter"


def test_another_title_of_the_page_shows_the_unknown_site_name():
    assert page_title("September 2018 open thread - The GiveWell Blog", og="September 2018 open thread") == \
        "September 2018 open thread"
    assert page_title("Classificação NASCAR | Autoracing | F1 | Indy | MotoGP", og="Classificação NASCAR") == \
        "Classificação NASCAR"


def test_an_unknown_short_name_after_a_clear_separator_goes():
    assert page_title("Dare to Play 3 / October pack – Vortex Cannon Entertainment") == "Dare to Play 3 / October pack"
    assert page_title("South Korea’s roadmap to drive down solar costs | Inexhibit") == \
        "South Korea’s roadmap to drive down solar costs"


def test_a_site_name_in_brackets_at_the_end_goes_another_name_stays():
    assert page_title("DX推進のための補助金の公募を開始します（METI/経済産業省）", url="https://www.meti.go.jp/press/x") == \
        "DX推進のための補助金の公募を開始します"
    assert page_title("パスワードロック未実施のUSBメモリを紛失の可能性（阪南大学） | ScanNetSecurity",
                      site="ScanNetSecurity") == "パスワードロック未実施のUSBメモリを紛失の可能性（阪南大学）"


# --- what stays --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("title", [
    "Python 3.12: What's New",
    "Python 3.12 – What's New in 3.12",
    "Spider-Man - Far From Home",
    "Intel NUCで最新SSDを比較してみた：さらば平成、さらば水冷、いくぜNUC（1/2 ページ）",
    "セキュリティとAI進化の両立なるか？--Appleニュース一気読み",
    "The Verge reviews the new iPad Pro",
    "JVNDB-2018-013542",
    "10:30 a.m. update: markets open lower",
])
def test_a_title_that_merely_holds_a_separator_stays(title):
    assert page_title(title, site="Python Insider", url="https://blog.example.org/x") == title


def test_a_subtitle_is_not_taken_for_a_site_name_even_when_another_title_is_the_first_part():
    assert page_title("Python 3.12: What's New in the release that changes everything", h1="Python 3.12") == \
        "Python 3.12: What's New in the release that changes everything"


# --- a site-wide <title> --------------------------------------------------------------------------------


def test_a_site_wide_title_gives_way_to_the_headline():
    assert page_title("Example Times", site="Example Times", h1="Council approves the new budget") == \
        "Council approves the new budget"
    assert page_title("架空新聞オンライン", site="架空新聞オンライン", h1="市議会が新年度予算を可決") == "市議会が新年度予算を可決"
    assert page_title("ホーム | 架空新聞", site="架空新聞", h1="市議会が新年度予算を可決") == \
        "市議会が新年度予算を可決"


def test_the_heading_the_title_repeats_beats_a_social_teaser():
    assert page_title("House Hitler was born in will become a police station, Austria says",
                      og="House Hitler was born in to become police station",
                      h1="House Hitler was born in will become a police station, Austria says") == \
        "House Hitler was born in will become a police station, Austria says"


def test_a_logo_heading_does_not_replace_the_headline():
    assert page_title("2019年のスマホ政策 - てくろぐ", h1=("てくろぐ", "2019年のスマホ政策")) == "2019年のスマホ政策"


def test_a_page_with_nothing_but_a_site_name_keeps_it():
    assert page_title("Example Times", site="Example Times") == "Example Times"


# --- the functions themselves ------------------------------------------------------------------------------


def test_strip_site_name_and_reader_title_directly():
    names = SiteNames(["架空新聞"], "https://www.kakuu.example.jp/a")
    assert strip_site_name("市議会が予算を可決 | 架空新聞", names) == "市議会が予算を可決"
    assert strip_site_name("", names) == ""
    assert reader_title((), html_title=None, headings=(), site_names=(), url=None) is None
    assert reader_title(("Headline - Site",), html_title="Headline - Site", headings=("Headline",),
                        site_names=("Site",), url="https://site.example/x") == "Headline"


def test_a_site_name_that_itself_holds_a_separator():
    body = '<nav><a href="/">JVN iPedia - 脆弱性対策情報データベース</a></nav>'
    assert page_title("JVNDB-2018-013542 - JVN iPedia - 脆弱性対策情報データベース", body=body,
                      url="https://jvndb.example.jp/ja/contents/2018/x.html") == "JVNDB-2018-013542"


def test_a_heading_permalink_mark_is_no_part_of_the_title():
    body = '<a href="/">evolve extension for Mercurial</a>'
    html_heading = 'Evolve: Shared Mutable History<a class="headerlink" href="#evolve">¶</a>'
    page = (f"<html><head><title>Evolve: Shared Mutable History — evolve extension for Mercurial</title></head>"
            f"<body>{body}<h1>{html_heading}</h1></body></html>")
    assert read_page(page.encode(), "text/html", "https://www.mercurial.example/doc/").title == \
        "Evolve: Shared Mutable History"


# --- a headline that starts with the site's name ----------------------------------------------------------


def test_a_headline_that_starts_with_the_site_name_and_runs_on_keeps_it():
    # "The Guardian view on Hong Kong" holds the site's name but reads on as a phrase: it is the headline's start.
    assert page_title("The Guardian view on Hong Kong: a city on the brink | Editorial", site="the Guardian",
                      url="https://www.theguardian.com/commentisfree/2019/nov/18/x") == \
        "The Guardian view on Hong Kong: a city on the brink"
    # The bare name (or the name and a short tag) before the title still goes, in both languages.
    assert page_title("The Guardian: Hong Kong, a city on the brink", site="the Guardian",
                      url="https://www.theguardian.com/x") == "Hong Kong, a city on the brink"
    assert page_title("YOMIURI ONLINE（読売新聞）：色とりどりのチューリップ",
                      url="https://www.yomiuri.co.jp/x") == "色とりどりのチューリップ"


# --- a description between the headline and the site's name -------------------------------------------------


def test_a_heading_that_is_the_first_pieces_drops_the_description_after_it():
    # Once the site's name is gone, the <h1> that is the title's first piece is the headline; the rest describes.
    title = "異世界おもいで食堂 ～偉人と和食のあったかゴハン～ - 新文芸・ブックス 著者名：電子書籍試し読み無料 - BOOK☆WALKER"
    assert page_title(title, site="BOOK☆WALKER", url="https://bookwalker.jp/de1234/",
                      h1=("ライトノベル、マンガなど電子書籍を読むならBOOK☆WALKER", "異世界おもいで食堂 ～偉人と和食のあったかゴハン～")) == \
        "異世界おもいで食堂 ～偉人と和食のあったかゴハン～"
    assert page_title("Walking boots for wet winters - Outdoor gear, reviewed by our testers - Field Shop",
                      site="Field Shop", h1="Walking boots for wet winters") == "Walking boots for wet winters"
    # Without such a heading the rest stays: it may be the title's own subtitle.
    assert page_title("Walking boots for wet winters - Outdoor gear, reviewed by our testers - Field Shop",
                      site="Field Shop") == "Walking boots for wet winters - Outdoor gear, reviewed by our testers"


# --- the headline in an <h2> ---------------------------------------------------------------------------------


def test_a_site_wide_title_and_a_section_h1_give_way_to_a_headline_h2():
    page = ("<html><head><meta charset='utf-8'><title>日本セキュリティ協会</title>"
            "<meta property='og:site_name' content='日本セキュリティ協会'></head><body>"
            "<h1>イベント情報</h1><h2>セキュリティフォーラム 2019 「早期発見、早期対処」の守りから攻めへ</h2>"
            "<p>本文。</p></body></html>")
    assert read_page(page.encode(), "text/html; charset=utf-8", "https://sec.example.org/event/1").title == \
        "セキュリティフォーラム 2019 「早期発見、早期対処」の守りから攻めへ"
    page = ("<html><head><title>Harbour Town Council</title><meta property='og:site_name' "
            "content='Harbour Town Council'></head><body><h1>News</h1><h2>Related</h2>"
            "<h2>New ferry timetable starts on Monday</h2><p>Text.</p></body></html>")
    assert read_page(page.encode(), "text/html", "https://harbour.example.gov/news/7").title == \
        "New ferry timetable starts on Monday"


def test_a_headline_title_is_not_replaced_by_an_h2():
    page = ("<html><head><title>New ferry timetable starts on Monday - Harbour Town Council</title>"
            "<meta property='og:site_name' content='Harbour Town Council'></head><body>"
            "<h2>Five other stories you might like today</h2><p>Text.</p></body></html>")
    assert read_page(page.encode(), "text/html", "https://harbour.example.gov/news/7").title == \
        "New ferry timetable starts on Monday"
