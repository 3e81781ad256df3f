"""title-mismatch for a page title that says the opposite of the cited one: reversing words, contradicted numbers."""

from __future__ import annotations

import pytest

from refcheck.models import PageFacts
from refcheck.rules.titles import check_title, compare_titles, contradicted_quantity, reversing_words


def page(*titles: str, site: str | None = None) -> PageFacts:
    return PageFacts(title_candidates=titles, title=titles[0], site_name=site)


# --- words that reverse or cancel the cited title ------------------------------------------------------------


@pytest.mark.parametrize("cited, page_title, words", [
    ("東京五輪、7月24日に開幕", "東京五輪、7月24日の開幕を延期 | 架空新聞", ["延期"]),
    ("新庁舎の建設計画", "新庁舎の建設計画を中止", ["中止"]),
    ("大臣が辞任を表明", "大臣が辞任を表明、その後撤回", ["撤回"]),
    ("A社とB社が合併へ", "A社とB社が合併へ、両社は否定", ["否定"]),
    ("新料金プランの導入", "新料金プランの導入を見送り", ["見送り"]),
    ("火星探査計画", "火星探査計画を断念", ["断念"]),
    ("年末の花火大会", "年末の花火大会、取りやめに", ["取りやめ"]),
    ("Global climate summit to be held in Paris", "Global climate summit to be held in Paris postponed", ["postponed"]),
    ("Minister resigns over leaked memo", "Minister denies he resigns over leaked memo", ["denies"]),
    ("Vaccine causes memory loss", "Vaccine does not cause memory loss, study finds", ["not"]),
    ("Factory production in Ohio", "Factory production in Ohio halted after fire", ["halted"]),
    ("Study links coffee to longer life", "Study links coffee to longer life retracted", ["retracted"]),
    ("Moon landing photos were staged", "Moon landing photos were staged: claim debunked", ["debunked"]),
    ("Tech conference in Berlin", "Tech conference in Berlin cancelled", ["cancelled"]),
])
def test_a_page_title_adding_a_reversing_word_is_a_mismatch_naming_it(cited, page_title, words):
    result = check_title(cited, page(page_title, site="架空新聞" if "架空新聞" in page_title else None),
                         url="https://news.example.org/a")
    assert result is not None and result.rule == "title-mismatch"
    assert result.evidence["reversing_words"] == words
    for word in words:
        assert f'"{word}"' in result.message
    assert result.evidence["page_title"] == page_title


@pytest.mark.parametrize("cited, page_title", [
    ("東京五輪の開幕を延期", "東京五輪の開幕を延期 | 架空新聞"),  # the cancelling word is already cited
    ("Tokyo Olympics postponed to 2021", "Tokyo Olympics postponed to 2021 - Example News"),
    ("Government denies report on tax rise", "Government denies report on tax rise"),
    ("Why coffee is not bad for you", "Why coffee is not bad for you | Health Site"),
    ("東京五輪、7月24日に開幕", "東京五輪、7月24日に開幕 | 架空新聞"),
    ("Apple unveils the new iPad Pro", "Apple unveils the new iPad Pro - The Verge"),
])
def test_no_finding_when_the_word_is_already_cited_or_absent(cited, page_title):
    assert check_title(cited, page(page_title), url="https://news.example.org/a") is None


def test_a_reversing_word_only_in_a_title_that_is_another_article_is_an_ordinary_mismatch():
    result = check_title("Council approves budget", page("Storm postponed the marathon"), url="https://x.example/a")
    assert result is not None and "reversing_words" not in result.evidence


def test_the_reversing_words_found_in_both_languages():
    assert reversing_words("会議を開催", "会議を開催しない方針") == ("しない",)
    assert reversing_words("Bank raises rates", "Bank won’t raise rates, it says") == ("won't",)
    assert reversing_words("Bank raises rates", "Bank raises rates") == ()
    assert reversing_words("Plan not approved", "Plan not approved") == ()


# --- numbers and dates the page's title contradicts ----------------------------------------------------------


@pytest.mark.parametrize("cited, page_title, cited_number, page_number", [
    ("政府、半導体に1兆円支援", "政府、半導体に1.2兆円支援", "1兆円", "1.2兆円"),
    ("政府、半導体に一兆円支援へ", "政府、半導体に2兆円支援へ", "一兆円", "2兆円"),
    ("2024年5月1日に新法施行", "2024年6月1日に新法施行", "2024年5月1日", "2024年6月1日"),
    ("Summit set for May 1, 2024 in Geneva", "Summit set for June 1, 2024 in Geneva", "May 1, 2024", "June 1, 2024"),
    ("Company to cut 500 jobs", "Company to cut 5,000 jobs", "500", "5,000"),
])
def test_a_contradicted_number_or_date_is_a_mismatch_naming_both(cited, page_title, cited_number, page_number):
    result = check_title(cited, page(page_title), url="https://news.example.org/a")
    assert result is not None and result.rule == "title-mismatch"
    assert result.evidence["contradicting_numbers"] == [[cited_number, page_number]]
    assert cited_number in result.message and page_number in result.message


@pytest.mark.parametrize("cited, page_title", [
    ("政府、半導体に1兆円支援", "政府、半導体に1,000,000,000,000円支援"),  # formatted otherwise, not contradicted
    ("政府、半導体に1兆円支援", "政府、半導体に一兆円支援"),
    ("政府、半導体に1兆円支援", "政府、半導体に１兆円支援 | 架空新聞"),  # full-width digits
    ("令和6年の予算案", "2024年の予算案"),
    ("Apple sells $1 billion of iPads", "Apple sells $1,000,000,000 of iPads"),
    ("Summit set for May 1, 2024", "Summit set for 1 May 2024"),
])
def test_a_number_written_otherwise_is_no_contradiction(cited, page_title):
    assert check_title(cited, page(page_title), url="https://news.example.org/a") is None
    assert contradicted_quantity(cited, page_title) is None
    assert compare_titles(cited, [page_title]).matches


def test_a_page_title_without_numbers_contradicts_none():
    assert contradicted_quantity("政府、半導体に1兆円支援", "政府、半導体に支援") is None
    assert check_title("政府、半導体に1兆円支援", page("政府、半導体に1兆円支援へ"), url="https://x.example/a") is None


def test_the_same_number_in_two_different_titles_does_not_make_them_match():
    result = check_title("令和6年度 地方財政の見通しと課題に関する中間報告", page("令和6年度 人工知能戦略の実施状況に関する報告書"),
                         url="https://www.example.go.jp/a.pdf")
    assert result is not None and "contradicting_numbers" not in result.evidence
