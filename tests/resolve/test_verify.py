"""Verification of one candidate on its fetched page, and the decision between several: each rule that keeps a
wrong page from being "found"."""

from __future__ import annotations

from refcheck.models import FetchResult, PageFacts, Redirect, UrlStatus
from refcheck.resolve.model import Candidate, ResolveQuery, ScholarlyRecord
from refcheck.resolve.verify import check_candidate, decide, on_cited_site

URL = "https://watch.impress.co.jp/docs/news/2025/1219001.html"
TEXT = ("デジタル庁は19日、政府職員向けの生成AI利用環境「源内」に、Preferred Networks（PFN）の日本語特化モデル"
        "「PLaMo Translate」を導入すると発表した。2026年以降、他省庁にも展開する計画。")
SENTENCE = "デジタル庁はPreferred Networksの「PLaMo Translate」を源内に導入し、2026年以降他省庁にも展開します。"


def query(**fields) -> ResolveQuery:
    base = dict(ref="1", cited_title="Impress Watch", specific_title=None, site="Impress Watch",
                domains=("watch.impress.co.jp", "impress.co.jp"), retrieved="2025-12-26",
                key_facts=("PLaMo Translate", "Preferred Networks", "2026年"), citing_sentences=(SENTENCE,))
    base.update(fields)
    return ResolveQuery(**base)


def page(url=URL, title="デジタル庁、「源内」に「PLaMo Translate」を導入", text=TEXT, published="2025-12-19",
         status=UrlStatus.OK, redirects=(), final_url=None, canonical=None) -> FetchResult:
    facts = PageFacts(title_candidates=(title,), title=f"{title} - Impress Watch", site_name="Impress Watch",
                      published=published, main_text=text, canonical_url=canonical)
    return FetchResult(url, status, fetched_url=url, final_url=final_url or url, redirects=redirects, page=facts)


def check(q, result, url=URL):
    return check_candidate(q, Candidate(url, "site"), result)


def test_a_generic_title_is_found_when_the_page_supports_the_citing_text():
    verdict = check(query(), page())
    assert verdict.accepted and "PLaMo Translate" in verdict.reason


def test_the_group_counts_as_the_site_but_another_publisher_does_not():
    assert on_cited_site(query(), "https://it.impress.co.jp/articles/-/1")  # IT Leaders: the Impress group
    assert not on_cited_site(query(), "https://www.itmedia.co.jp/news/1.html")
    other = "https://www.itmedia.co.jp/news/articles/1.html"
    assert not check(query(), page(url=other), other).accepted


def test_what_is_never_found():
    assert not check(query(), page(status=UrlStatus.SOFT_404)).accepted
    assert not check(query(), page(published="2026-01-10")).accepted  # after it was retrieved
    home = "https://watch.impress.co.jp/"
    assert not check(query(), page(url=home), home).accepted
    assert not check(query(), page(title="Impress Watch")).accepted  # a page titled only with the site's name
    moved = page(redirects=(Redirect(URL, 301),), final_url="https://elsewhere.example/x")
    assert not check(query(), moved).accepted
    assert not check(query(key_facts=()), page()).accepted  # a generic title without key facts
    assert not check(query(citing_sentences=()), page()).accepted
    made_up = query(citing_sentences=("PFNは「PLaMo Vision」を2027年に全省庁へ提供します。",),
                    key_facts=("PLaMo Vision", "PFN", "2027年"))
    assert not check(made_up, page()).accepted  # same topic, other facts


def test_a_specific_title_must_match_the_pages_title():
    specific = query(cited_title="デジタル庁、「源内」に「PLaMo Translate」を導入",
                     specific_title="デジタル庁、「源内」に「PLaMo Translate」を導入")
    assert check(specific, page()).accepted
    other = query(cited_title="デジタル庁、国産AIを全省庁に導入", specific_title="デジタル庁、国産AIを全省庁に導入")
    assert not check(other, page()).accepted  # even though the text is on the topic


def test_records_by_doi_and_by_title():
    record = ScholarlyRecord("10.1038/nature14539", "Deep learning", ("LeCun",), 2015)
    candidate = Candidate("https://doi.org/10.1038/nature14539", "crossref", record=record)
    by_doi = ResolveQuery(ref="1", cited_title="Deep Learning", specific_title="Deep Learning", site=None,
                          doi="10.1038/nature14539", year=2014)
    verdict = check_candidate(by_doi, candidate, None)
    assert verdict.accepted and "year" in verdict.reason  # the DOI's own record, its year garbled
    another = ResolveQuery(ref="1", cited_title="Mastering Chess", specific_title="Mastering Chess", site=None,
                           doi="10.1038/nature14539")
    verdict = check_candidate(another, candidate, None)
    assert not verdict.accepted and "another title" in verdict.reason  # a real DOI of another work
    by_title = ResolveQuery(ref="1", cited_title="Deep Learning", specific_title="Deep Learning", site=None,
                            authors=("Yann LeCun",), year=2015)
    assert check_candidate(by_title, candidate, None).accepted
    wrong_year = ResolveQuery(ref="1", cited_title="Deep Learning", specific_title="Deep Learning", site=None,
                              year=2009)
    assert not check_candidate(wrong_year, candidate, None).accepted
    wrong_author = ResolveQuery(ref="1", cited_title="Deep Learning", specific_title="Deep Learning", site=None,
                                authors=("Goodfellow",))
    assert not check_candidate(wrong_author, candidate, None).accepted


def test_two_close_pages_are_ambiguous_the_same_page_twice_is_not():
    first = check(query(), page())
    twin_url = "https://watch.impress.co.jp/docs/news/2025/1219001-amp.html"
    twin = check(query(), page(url=twin_url), twin_url)
    assert decide([first, twin])[0] == "ambiguous"
    same = check(query(), page(url=twin_url, canonical=URL), twin_url)
    alone = check(query(), page(canonical=URL))
    outcome, best, _ = decide([alone, same])
    assert outcome == "found" and best is not None
    assert decide([check(query(), page(status=UrlStatus.DEAD))])[0] == "none"


def test_a_site_without_a_known_domain_is_matched_by_the_pages_own_site_name():
    unknown = query(site="例ローカル新聞", domains=(), cited_title="例ローカル新聞")
    url = "https://www.example-local.jp/news/1.html"
    named = FetchResult(url, UrlStatus.OK, fetched_url=url, final_url=url, page=PageFacts(
        title_candidates=("デジタル庁、「源内」に「PLaMo Translate」を導入",), title="t", site_name="例ローカル新聞",
        published="2025-12-19", main_text=TEXT))
    assert check(unknown, named, url).accepted
    other = FetchResult(url, UrlStatus.OK, fetched_url=url, final_url=url, page=PageFacts(
        title_candidates=("デジタル庁、「源内」に「PLaMo Translate」を導入",), title="t", site_name="全然別のサイト",
        published="2025-12-19", main_text=TEXT))
    assert not check(unknown, other, url).accepted


def test_a_generic_title_needs_the_source_bar_not_the_readers_verdict():
    from refcheck.resolve.verify import SOURCE_SUPPORT, covers_citing_text
    from refcheck.rules.support import SupportVerdict

    english, japanese = "Acme raised $5 million in 2024.", SENTENCE
    # "Supported" as a reader is told (above the unsupported bar, nothing missing) is not enough to be the source.
    assert not covers_citing_text(english, SupportVerdict("supported", SOURCE_SUPPORT["en"] - 0.01, (), (), ""))
    assert covers_citing_text(english, SupportVerdict("supported", SOURCE_SUPPORT["en"], (), (), ""))
    assert not covers_citing_text(japanese, SupportVerdict("supported", SOURCE_SUPPORT["ja"] - 0.01, (), (), ""))
    assert covers_citing_text(japanese, SupportVerdict("supported", 0.95, (), (), ""))
    # A missing or contradicted key fact keeps any page out, however high its score.
    assert not covers_citing_text(japanese, SupportVerdict("partly-supported", 0.95, ("2026年",), (), ""))
    assert not covers_citing_text(english, SupportVerdict("not-supported", 0.95, (), (("$5 million", "$6 million"),),
                                                          ""))
    # On a real page: the same topic with a contradicted amount is rejected, and the reason says what.
    wrong = query(citing_sentences=("デジタル庁はPreferred Networksの「PLaMo Translate」を源内に導入し、"
                                    "2030年以降他省庁にも展開します。",))
    verdict = check(wrong, page())
    assert not verdict.accepted and "2030年" in verdict.reason
