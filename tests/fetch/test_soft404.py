"""The soft-404 evidence as pure functions: headlines that say "not found" (and near misses), redirects to the home page, the probe's URL and the page-shape comparison."""

from __future__ import annotations

import pytest

from refcheck.fetch.soft404 import (
    PROBE_PREFIX,
    fingerprint,
    first_look,
    is_rootish,
    keyword_reason,
    not_found_headline,
    page_shape,
    probe_reason,
    probe_url,
    redirect_reason,
    similar_shape,
    text_similarity,
    worth_probing,
)
from refcheck.models import FetchResult, PageFacts, Redirect, UrlStatus
from refcheck.page import read_page

ARTICLE_URL = "https://www.example-it.jp/article/2026/11/ai-talent.html"


@pytest.mark.parametrize("headline", [
    "ページが見つかりません | 例IT",
    "お探しのページは見つかりませんでした | 日本経済新聞",
    "申し訳ございません。お探しのページは見つかりませんでした。",
    "指定されたページが見つかりません",
    "このページは存在しません",
    "404エラー",
    "404 - ページが見つかりません - 例IT",
    "エラー | 例IT",
    "404 Not Found",
    "Error 404 (Not Found)!!1",
    "Page not found – Example Blog",
    "Page Not Found | The New York Times",
    "Oops! That page can't be found.",
    "The page you requested could not be found",
    "Sorry, this page isn't available.",
    "We can't find that page",
    "File not found",
])
def test_a_headline_that_is_only_a_not_found_statement_counts(headline):
    assert not_found_headline(headline)


@pytest.mark.parametrize("headline", [
    "How to design a good 404 page",
    "404 page design ideas | Smashing Magazine",
    "「ページが見つかりません」表示が相次ぐ　通販サイトで障害",
    "エラーが起きたときの対処法",
    "Error handling in Rust",
    "The Error of Our Ways",
    "Not Found (film) - Wikipedia",
    "神は存在しません",
    "問題ありません",
    "Terrorist attack in the city centre",
    "Found a bug? | Blog",
    "生成AI時代のIT人材の流動性 | 例IT",
    "Gone",
])
def test_a_headline_about_something_else_does_not(headline):
    assert not not_found_headline(headline)


def _page(title: str, text: str = "お探しのページは見つかりませんでした。", signals: tuple[str, ...] = ()) -> PageFacts:
    return PageFacts(title_candidates=(title,), title=title, main_text=text, soft_404_signals=signals)


def test_keyword_reason_names_the_headline_and_the_readers_signal():
    page = read_page("<title>ページが見つかりません | 例IT</title><h1>ページが見つかりません</h1>"
                     "<p>お探しのページは見つかりませんでした。</p>".encode(), "text/html; charset=utf-8", ARTICLE_URL)
    reason = keyword_reason(page, ARTICLE_URL)
    assert reason is not None
    assert "ページが見つかりません | 例IT" in reason and "title: ページが見つかりません" in reason


def test_an_h1_alone_can_say_it():
    page = PageFacts(title_candidates=("例IT", "Page not found"), title="例IT", main_text="Try the search box.")
    assert keyword_reason(page, ARTICLE_URL) is not None


def test_a_long_page_is_an_article_whatever_its_headline():
    long_text = "An error is a deviation from accuracy or correctness. " * 60
    assert keyword_reason(_page("Error - Wikipedia", long_text), "https://en.wikipedia.org/wiki/Error") is None
    assert keyword_reason(_page("Error - Wikipedia", long_text[:400]), "https://en.wikipedia.org/wiki/Mistake") \
        is not None  # the same headline on a short page at an unrelated URL is an error page


@pytest.mark.parametrize("url", [
    "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/404",
    "https://en.wikipedia.org/wiki/HTTP_404",
    "https://example.com/blog/designing-not-found-pages",
    "https://example.com/errors/error-codes.html",
])
def test_a_url_that_names_the_topic_is_a_page_about_it(url):
    assert keyword_reason(_page("404 Not Found - HTTP | MDN", "The HTTP 404 Not Found response code."), url) is None


def test_a_body_mention_is_not_a_headline():
    page = read_page(
        ("<title>通販サイトで障害、一時つながりにくく | 例新聞</title><h1>通販サイトで障害、一時つながりにくく</h1>"
         "<p>28日午前、大手通販サイトで「ページが見つかりません」と表示される障害が起きた。</p>").encode(),
        "text/html; charset=utf-8", ARTICLE_URL)
    assert any(signal.startswith("body:") for signal in page.soft_404_signals)  # the reader saw the phrase…
    assert keyword_reason(page, ARTICLE_URL) is None  # …but it is a news story about it


@pytest.mark.parametrize("url", [
    "https://example.jp/", "https://example.jp/index.html", "https://example.jp/ja/", "https://example.jp/en-us/",
    "https://example.jp/top", "https://example.jp/ja/index.html", "https://example.jp/?from=404",
    "https://example.jp/home/", "https://example.jp/default.aspx",
])
def test_home_pages(url):
    assert is_rootish(url)


@pytest.mark.parametrize("url", [
    "https://example.jp/ai/", "https://example.jp/news/", "https://example.jp/articles/2026/11/x.html",
    "https://example.jp/topics", "https://example.jp/japan/",
])
def test_not_home_pages(url):
    assert not is_rootish(url)


def test_redirects_that_show_the_page_is_gone():
    deep = "https://www.example-news.jp/articles/2026/11/x.html"
    assert "home page" in redirect_reason(deep, "https://www.example-news.jp/")
    assert "home page" in redirect_reason(deep, "https://example-news.jp/ja/")  # same registrable domain
    assert "home page" in redirect_reason("http://example.com/a/b", "https://example.com/index.html")
    assert "error page" in redirect_reason(deep, "https://www.example-news.jp/404.html")
    assert "error page" in redirect_reason(deep, "https://www.example-news.jp/error/notfound/")


def test_redirects_that_do_not():
    deep = "https://www.example-news.jp/articles/2026/11/x.html"
    assert redirect_reason(deep, deep) is None
    assert redirect_reason(deep, "https://www.example-news.jp/articles/2026/11/x-renamed.html") is None
    assert redirect_reason(deep, "https://other-site.example/") is None  # a domain that moved elsewhere
    assert redirect_reason("https://example.jp/", "https://example.jp/ja/") is None  # the home page was cited
    assert redirect_reason("https://example.jp/index.html", "https://example.jp/") is None
    assert redirect_reason("https://example.jp/blog/error-budgets.html", "https://example.jp/blog/error-budgets/") \
        is None
    assert redirect_reason(deep, None) is None


def test_first_look_uses_the_fetched_url_and_the_final_one():
    result = FetchResult(url="https://doc.example/x", fetched_url="https://www.example-news.jp/articles/x.html",
                         status=UrlStatus.OK, http_status=200, final_url="https://www.example-news.jp/",
                         redirects=(Redirect("https://www.example-news.jp/articles/x.html", 301),),
                         page=_page("例新聞 トップ", "今日のニュース " * 20))
    assert "home page" in first_look(result)


def test_probe_url_keeps_the_folder_and_extension_but_not_the_query():
    url = probe_url("https://example.jp/articles/2026/11/x.html?ref=top", "abc123")
    assert url == f"https://example.jp/articles/2026/11/{PROBE_PREFIX}abc123.html"
    assert probe_url("http://127.0.0.1:8080/news/item", "f00") == f"http://127.0.0.1:8080/news/{PROBE_PREFIX}f00"


NOT_FOUND_TEMPLATE = ("Valitettavasti sivua {path} ei ole olemassa tai se on siirretty. Tarkista osoite tai palaa "
                      "etusivulle. Voit myös käyttää hakua löytääksesi etsimäsi sisällön.")


def test_two_answers_of_one_template_have_the_same_shape_even_when_they_echo_the_path():
    one = page_shape(PageFacts(main_text=NOT_FOUND_TEMPLATE.format(path="/a/refcheck-probe-0f3a9c12d4e5.html")))
    other = page_shape(PageFacts(main_text=NOT_FOUND_TEMPLATE.format(path="/a/vanha-uutinen.html")))
    assert text_similarity(one, other) > 0.8 and similar_shape(one, other)


def test_an_article_and_the_not_found_template_differ():
    template = page_shape(PageFacts(main_text=NOT_FOUND_TEMPLATE.format(path="/a/x.html")))
    article = page_shape(PageFacts(main_text="Helsingin kaupunginvaltuusto hyväksyi keskiviikkona uuden "
                                             "budjetin, joka painottaa koulutusta ja joukkoliikennettä. " * 3))
    assert text_similarity(template, article) < 0.2 and not similar_shape(template, article)


def _result(url: str, title: str, text: str, status=UrlStatus.OK, http_status=200) -> FetchResult:
    page = PageFacts(title_candidates=(title,), title=title, main_text=text) if status is UrlStatus.OK else None
    return FetchResult(url=url, fetched_url=url, status=status, http_status=http_status, final_url=url, page=page)


def test_probe_reason_compares_title_and_shape_with_a_host_that_answers_200():
    probe = _result("https://x.fi/a/refcheck-probe-1.html", "Uutiset",
                    NOT_FOUND_TEMPLATE.format(path="/a/refcheck-probe-1.html"))
    host = fingerprint("https://x.fi", probe)
    assert host.answers_200
    gone = _result("https://x.fi/a/vanha.html", "Uutiset", NOT_FOUND_TEMPLATE.format(path="/a/vanha.html"))
    assert "does not exist" in probe_reason(gone, host)
    same_title_other_text = _result("https://x.fi/a/budjetti.html", "Uutiset", "Kaupunginvaltuusto hyväksyi "
                                    "budjetin, joka painottaa koulutusta ja joukkoliikennettä. " * 3)
    assert probe_reason(same_title_other_text, host) is None
    other_title_same_text = _result("https://x.fi/a/vanha.html", "Budjetti", NOT_FOUND_TEMPLATE.format(path="/a/v"))
    assert probe_reason(other_title_same_text, host) is None


def test_an_honest_host_says_nothing_and_a_transient_answer_is_no_fingerprint():
    honest = fingerprint("https://x.fi", _result("https://x.fi/refcheck-probe-1", "", "", UrlStatus.DEAD, 404))
    assert honest is not None and not honest.answers_200
    gone = _result("https://x.fi/a/vanha.html", "404 Not Found", "Not Found")
    assert probe_reason(gone, honest) is None
    assert fingerprint("https://x.fi", _result("https://x.fi/p", "", "", UrlStatus.ERROR, 503)) is None
    assert fingerprint("https://x.fi", _result("https://x.fi/p", "", "", UrlStatus.TIMEOUT, None)) is None


def test_an_app_shell_with_no_text_is_not_judged_by_the_probe():
    shell = _result("https://app.example/refcheck-probe-1", "My App", "")
    article = _result("https://app.example/posts/42", "My App", "")
    assert probe_reason(article, fingerprint("https://app.example", shell)) is None


def test_a_cited_home_page_is_never_judged_by_the_probe():
    home = _result("https://x.fi/", "Uutiset", "Etusivu " * 20)
    probe = _result("https://x.fi/refcheck-probe-1", "Uutiset", "Etusivu " * 20)
    assert probe_reason(home, fingerprint("https://x.fi", probe)) is None


def test_only_a_deep_page_with_a_title_and_some_text_is_worth_a_probe():
    text = "Council approves the budget after a long debate."
    assert worth_probing(_result("https://x.fi/a/b.html", "Budget", text))
    assert not worth_probing(_result("https://x.fi/a/b.html", "200", ""))  # nothing to compare
    assert not worth_probing(_result("https://x.fi/", "Home", text))  # the home page itself
    assert not worth_probing(_result("https://x.fi/a/b.html", "", "", UrlStatus.DEAD, 404))


def test_worth_probing_with_an_assumed_text_length_is_worth_probing_with_a_text_that_long():
    import dataclasses

    cases = [_result("https://x.fi/a/b.html", "Budget", ""), _result("https://x.fi/a/b.html", "", ""),
             _result("https://x.fi/", "Home", ""), _result("https://x.fi/a/b.html", "", "", UrlStatus.DEAD, 404),
             _result("https://x.fi/a/b.html", "Budget", "long enough text " * 3)]
    cases.append(dataclasses.replace(cases[0], page=dataclasses.replace(cases[0].page, challenge="cloudflare")))
    for length in (0, 19, 20, 500):
        for case in cases:
            padded = case if case.page is None else dataclasses.replace(
                case, page=dataclasses.replace(case.page, main_text=" " * length))
            assert worth_probing(case, text_length=length) == worth_probing(padded), (case, length)
    assert worth_probing(cases[0], text_length=20) and not worth_probing(cases[0], text_length=19)


def test_a_cited_folder_index_is_not_judged_by_a_probe_placed_inside_it():
    index_text = "Uusimmat uutiset: valtuusto, budjetti, liikenne ja koulut. " * 3
    probe = _result("https://x.fi/uutiset/refcheck-probe-1", "Uutiset", index_text)
    host = fingerprint("https://x.fi", probe)
    assert probe_reason(_result("https://x.fi/uutiset/", "Uutiset", index_text), host) is None
    assert probe_reason(_result("https://x.fi/uutiset", "Uutiset", index_text), host) is None
    assert probe_reason(_result("https://x.fi/uutiset/vanha.html", "Uutiset", index_text), host) is not None


def test_settings_decided_probe_answers_are_no_fingerprint():
    assert fingerprint("https://x.fi", _result("https://x.fi/p", "", "", UrlStatus.UNSAFE, None)) is None


def test_the_whole_headline_prefilter_never_changes_the_answer():
    """not_found_headline first asks whether the whole headline holds a "not found" word at all; it must answer as
    the part-by-part test alone does, including where a word touches a separator."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from refcheck.fetch import soft404

    def part_by_part(text: str) -> bool:
        normalised = soft404.unicodedata.normalize("NFKC", text).casefold()
        for part in soft404._SITE_SEPARATOR.split(normalised):
            if not soft404._CORE_RE.search(part):
                continue
            pieces = soft404._PIECE.findall(soft404._STATEMENT_RE.sub(" ", part))
            if all(soft404._HIRAGANA.fullmatch(p) or soft404._DIGIT_PIECE.fullmatch(p) for p in pieces):
                return True
        return False

    words = ["404", "not found", "page", "error", "ページが見つかりません", "見つかりません", "は", "news", "|", "｜",
             " - ", "：", " / ", "・", "notfound", "Ｎｏｔ Ｆｏｕｎｄ", "４０４", "x", " "]

    @settings(max_examples=400, suppress_health_check=list(HealthCheck), deadline=None)
    @given(st.lists(st.sampled_from(words), max_size=8).map("".join))
    def agrees(headline):
        assert soft404.not_found_headline(headline) == part_by_part(headline)

    agrees()
    assert soft404.not_found_headline("Error 404 (Not Found)!!1")
    assert not soft404.not_found_headline("Found footage | Example News")
