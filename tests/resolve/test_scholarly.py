"""DOIs in every usual spelling, record comparison (titles, first authors, years) and the scholarly test."""

from __future__ import annotations

import pytest

from refcheck.resolve.model import ScholarlyRecord
from refcheck.resolve.scholarly import (CONFIDENT, family_name, find_doi, is_scholarly, record_matches,
                                        record_mismatches, title_similarity)
from tests.resolve.conftest import reference


@pytest.mark.parametrize("text, doi", [
    ("doi:10.1038/nature14539", "10.1038/nature14539"),
    ("DOI: 10.1038/NATURE14539.", "10.1038/nature14539"),
    ("https://doi.org/10.1145/3571730", "10.1145/3571730"),
    ("http://dx.doi.org/10.1162/neco.1997.9.8.1735;", "10.1162/neco.1997.9.8.1735"),
    ("(see https://doi.org/10.1038/s41586-021-03819-2)", "10.1038/s41586-021-03819-2"),
    ("[AlphaFold](https://doi.org/10.1038/s41586-021-03819-2)", "10.1038/s41586-021-03819-2"),
    ("10.1002/(SICI)1097-4547(19960215)43:4<439::AID-JNR5>3.0.CO;2-G", "10.1002/(sici)1097-4547(19960215)43:4"),
    ("https://doi.org/10.1002/(SICI)1097-4547(19960215)43:4", "10.1002/(sici)1097-4547(19960215)43:4"),
    ("https://doi.org/10.1000%2Fxyz123", "10.1000/xyz123"),
    ("arXiv DOI 10.48550/arXiv.1706.03762v7, accessed", "10.48550/arxiv.1706.03762"),
    ("詳細はdoi:10.11517/jjsai.40.1_52を参照。", "10.11517/jjsai.40.1_52"),
    ("ＤＯＩ：１０.１１５１７/jjsai.40.1_52", "10.11517/jjsai.40.1_52"),  # full-width digits and colon
    ('"10.1145/3442188.3445922",', "10.1145/3442188.3445922"),
    ("no identifier here", None),
    ("version 10.5 of the tool", None),
    ("", None),
    (None, None),
])
def test_find_doi(text, doi):
    assert find_doi(text) == doi


@pytest.mark.parametrize("author, family", [
    ("LeCun, Y.", "LeCun"), ("Yann LeCun", "LeCun"), ("LeCun Y", "LeCun"), ("Smith JA", "Smith"),
    ("Kaiming He", "He"), ("Andrew Ng", "Ng"), ("van der Berg, J.", "van der Berg"), ("山田 太郎", "山田"),
    ("山田太郎", "山田太郎"), ("Schölkopf B.", "Schölkopf"),
])
def test_family_name(author, family):
    assert family_name(author) == family


RECORD = ScholarlyRecord(doi="10.7551/mitpress/4175.001.0001",
                         title="Learning with Kernels: Support Vector Machines, Regularization, Optimization, and Beyond",
                         authors=("Schölkopf", "Smola"), year=2001)


@pytest.mark.parametrize("author", ["Schoelkopf, B.", "Scholkopf, B.", "Bernhard Schölkopf", "SCHÖLKOPF B",
                                    "Schölkopf, Bernhard"])
def test_unicode_family_names_agree(author):
    query = reference(cited_title="Learning with Kernels", authors=(author,), year=2001)
    assert record_mismatches(query, RECORD) == ()


def test_a_different_first_author_is_named():
    query = reference(cited_title="Learning with Kernels", authors=("Smola, A. J.", "Schölkopf, B."), year=2001)
    assert record_mismatches(query, RECORD) == ("first author",)
    # the right work with its authors swapped still ranks as the work, below a perfect citation
    perfect = reference(cited_title="Learning with Kernels", authors=("Schölkopf, B.",), year=2001)
    assert CONFIDENT <= record_matches(query, RECORD) < record_matches(perfect, RECORD)


def test_mueller_and_muller_and_short_names():
    record = ScholarlyRecord(doi="10.1/x", title="A study of things that matter", authors=("Müller",), year=2020)
    for cited in ("Mueller, K.", "Muller K", "K. Müller"):
        assert record_mismatches(reference(cited_title="A study of things that matter", authors=(cited,)), record) == ()
    li = ScholarlyRecord(doi="10.1/y", title="A study of things that matter", authors=("Li",), year=2020)
    assert record_mismatches(reference(cited_title="A study of things that matter", authors=("Lu, Y.",)), li) == \
        ("first author",)


def test_japanese_titles_subtitles_and_names():
    record = ScholarlyRecord(doi="10.2197/ipsjjip.32.410",
                             title="日本語ニュース記事における見出しと本文の整合性評価: 大規模コーパスによる分析",
                             authors=("田中", "中村"), year=2024)
    for title in ("日本語ニュース記事における見出しと本文の整合性評価",  # subtitle left out
                  "日本語ニュース記事における見出しと本文の整合性評価―大規模コーパスによる分析―",  # dashes as separators
                  "日本語ニュース記事における 見出しと本文の 整合性評価：大規模コーパスによる分析",  # spaces, full-width colon
                  ):
        assert record_mismatches(reference(cited_title=title, authors=("田中美咲",), year=2024), record) == ()
    wrong = reference(cited_title="日本語ニュース記事の自動要約に関する研究", authors=("中村健",), year=2024)
    assert record_mismatches(wrong, record) == ("title", "first author")
    romanised = reference(cited_title="日本語ニュース記事における見出しと本文の整合性評価", authors=("Tanaka, M.",))
    assert record_mismatches(romanised, record) == ()  # 田中 vs Tanaka: cannot be compared, so not called wrong


def test_markup_and_case_in_titles_do_not_matter():
    record = ScholarlyRecord(doi="10.1/z", title="Detection of <i>Escherichia coli</i> O157:H7 in <sub>2</sub> DAYS",
                             authors=("Kim",), year=2019)
    query = reference(cited_title="Detection of Escherichia coli O157:H7 in 2 days", authors=("Kim, S.",), year=2019)
    assert record_mismatches(query, record) == () and record_matches(query, record) == 1.0


def test_a_subtitle_does_not_rescue_a_short_main_title():
    # "Introduction" alone says nothing; "Introduction: X" is not "Introduction: Y".
    assert title_similarity("Introduction", ["Introduction: Deep Learning for Computational Biology"]) < 0.9
    assert title_similarity("Deep learning: an overview for clinicians",
                            ["Deep learning: a critical appraisal"]) < 0.9


def test_year_tolerance_only_with_online_and_print_dates():
    both = ScholarlyRecord(doi="10.1/a", title="Some title of a paper", year=2021, online_year=2021, print_year=2022)
    print_only = ScholarlyRecord(doi="10.1/b", title="Some title of a paper", year=1997, print_year=1997)
    assert record_mismatches(reference(cited_title="Some title of a paper", year=2022), both) == ()
    assert record_mismatches(reference(cited_title="Some title of a paper", year=2020), both) == ()
    assert record_mismatches(reference(cited_title="Some title of a paper", year=2019), both) == ("year",)
    assert record_mismatches(reference(cited_title="Some title of a paper", year=1998), print_only) == ("year",)
    assert record_mismatches(reference(cited_title="Some title of a paper"), print_only) == ()  # no cited year


def test_a_fabricated_title_never_scores_as_a_match_whatever_agrees():
    record = ScholarlyRecord(doi="10.1038/nature14539", title="Deep learning", authors=("LeCun",), year=2015)
    fake = reference(cited_title="Deep learning for automated fact-checking of news articles",
                     authors=("LeCun, Y.",), year=2015)
    assert record_matches(fake, record) < 0.5
    assert record_matches(reference(cited_title=None, authors=("LeCun, Y.",), year=2015), record) == 0.0


@pytest.mark.parametrize("fields, expected", [
    ({"doi": "10.1038/nature14539"}, True),
    ({"cited_title": "Deep learning", "site": "Nature", "domains": ("nature.com",)}, True),
    ({"cited_title": "Attention is all you need", "site": "arXiv"}, True),
    ({"cited_title": "A paper", "site": "Journal of Machine Learning Research"}, True),
    ({"cited_title": "A paper", "site": "人工知能学会論文誌"}, True),
    ({"cited_title": "A paper, vol. 12, pp. 34-56", "site": None}, True),
    ({"cited_title": "A paper", "authors": ("Smith, J.",), "year": 2020}, True),
    ({"cited_title": "A paper", "site": "J-STAGE", "domains": ("jstage.jst.go.jp",)}, True),
    ({"cited_title": "Impress Watch", "site": "Impress Watch", "domains": ("impress.co.jp",)}, False),
    ({"cited_title": "AI推進法が成立", "site": "読売新聞", "domains": ("yomiuri.co.jp",), "authors": ("山田太郎",),
      "year": 2025}, False),
    ({"cited_title": "デジタル庁", "site": "digital.go.jp", "domains": ("digital.go.jp",)}, False),
])
def test_is_scholarly(fields, expected):
    assert is_scholarly(reference(**fields)) is expected


def test_a_real_title_with_an_invented_subtitle_or_extension_is_not_the_work():
    record = ScholarlyRecord(doi="10.1162/neco.1997.9.8.1735", title="Long Short-Term Memory",
                             authors=("Hochreiter",), year=1997, print_year=1997)
    borrowed = reference(cited_title="Long short-term memory: applications to legal citation prediction",
                         authors=("Hochreiter, S.",), year=1997)
    assert record_mismatches(borrowed, record) == ("title",)
    assert record_matches(borrowed, record) < CONFIDENT
    cnn = ScholarlyRecord(doi="10.1145/3065386", title="ImageNet classification with deep convolutional neural networks",
                          authors=("Krizhevsky",), year=2017)
    extended = reference(cited_title="ImageNet classification with deep convolutional neural networks for medical "
                                     "imaging", authors=("Krizhevsky, A.",), year=2017)
    assert 0.8 < title_similarity(extended.cited_title, [cnn.title]) < 0.9  # close, but not the title
    assert record_mismatches(extended, cnn) == ("title",) and record_matches(extended, cnn) < CONFIDENT


def test_family_names_are_compared_as_whole_words():
    from refcheck.resolve.scholarly import family_names_agree
    assert family_names_agree("J. van der Berg", "van der Berg") is True
    assert family_names_agree("van der Berg J", "van der Berg") is True
    assert family_names_agree("J. Blacksmith", "Smith") is False
    assert family_names_agree("Smithson, J.", "Smith") is False
    assert family_names_agree("Fei-Fei, L.", "Fei-Fei") is True
    assert family_names_agree("Li Fei-Fei", "Fei-Fei") is True
