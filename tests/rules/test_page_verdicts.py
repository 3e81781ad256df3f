"""The page rules' verdicts made during the fetch (page_checks.page_verdicts, FetchRun.digests) place the same
findings as judging each reference afterwards, and are used only for the very result they were made of."""

from __future__ import annotations

from dataclasses import replace

from refcheck.models import Extraction, FetchResult, PageFacts, Reference, UrlStatus
from refcheck.rules.page_checks import cited_pages, page_findings, page_verdicts


def _page(title: str, site: str | None = None) -> PageFacts:
    return PageFacts(title_candidates=(title,), title=title, site_name=site)


REFERENCES = (
    Reference(id="1", line=3, title="Rain returns to the valley", site="Valley Post", url="https://valley.example/a"),
    Reference(id="2", line=4, title="Bridge opens at last", site="Nikkei", url="https://valley.example/b"),
    Reference(id="3", line=5, title="Bridge opens at last", site=None, url="https://valley.example/b"),  # same URL
    Reference(id="4", line=6, title="Rain returns to the valley", site=None, url="https://gone.example/c"),
    Reference(id="5", line=7, title=None, site=None, url="https://valley.example/d"),
)
RESULTS = {
    "https://valley.example/a": FetchResult(url="https://valley.example/a", status=UrlStatus.OK,
                                            page=_page("Rain returns to the valley | Valley Post", "Valley Post")),
    "https://valley.example/b": FetchResult(url="https://valley.example/b", status=UrlStatus.OK,
                                            page=_page("Stocks fall in early trading", "Valley Post")),
    "https://gone.example/c": FetchResult(url="https://gone.example/c", status=UrlStatus.DEAD),
    "https://valley.example/d": FetchResult(url="https://valley.example/d", status=UrlStatus.OK, page=_page("D")),
}
EXTRACTION = Extraction(references=REFERENCES)


def _digests(results: dict[str, FetchResult]) -> dict:
    cited = cited_pages([EXTRACTION])
    return {url: (result, page_verdicts(result, cited)) for url, result in results.items()}


def test_verdicts_made_during_the_fetch_place_the_same_findings():
    alone = page_findings(EXTRACTION, RESULTS)
    assert {(f.rule, f.line, f.ref) for f in alone} == {("title-mismatch", 4, "2"), ("title-mismatch", 5, "3"),
                                                       ("site-mismatch", 4, "2")}
    assert page_findings(EXTRACTION, RESULTS, _digests(RESULTS)) == alone


def test_a_page_that_was_not_read_or_not_cited_gives_no_verdict():
    cited = cited_pages([EXTRACTION])
    assert page_verdicts(RESULTS["https://gone.example/c"], cited) is None
    assert page_verdicts(FetchResult(url="https://elsewhere.example/", status=UrlStatus.OK, page=_page("x")),
                         cited) is None


def test_a_verdict_is_used_only_for_the_result_it_was_made_of():
    made = _digests(RESULTS)
    # --accept or the archive replaced a result after the fetch: its page is judged again, not taken from the digest.
    changed = dict(RESULTS)
    changed["https://valley.example/b"] = replace(RESULTS["https://valley.example/b"],
                                                  page=_page("Bridge opens at last", "Valley Post"))
    assert page_findings(EXTRACTION, changed, made) == page_findings(EXTRACTION, changed)
    assert not [f for f in page_findings(EXTRACTION, changed, made) if f.rule == "title-mismatch"]


def test_each_placed_finding_has_its_own_evidence():
    findings = [f for f in page_findings(EXTRACTION, RESULTS, _digests(RESULTS)) if f.rule == "title-mismatch"]
    assert len(findings) == 2 and findings[0].evidence == findings[1].evidence
    assert findings[0].evidence is not findings[1].evidence


def test_cited_pages_is_each_urls_pairs_once_in_first_seen_order():
    """Against the plain form (a dict of pairs per URL), on references that cite URLs once, twice the same way,
    differently, and not at all."""
    import random

    chooser = random.Random(19)
    urls = [None, "", *(f"https://cited.example/{n}" for n in range(12))]
    titles, sites = [None, "A", "B", "a"], [None, "Site", "Other"]
    for _ in range(200):
        references = [Reference(id=str(n), line=n, url=chooser.choice(urls), title=chooser.choice(titles),
                                site=chooser.choice(sites)) for n in range(chooser.randrange(0, 30))]
        extractions = [Extraction(references=tuple(references[:10])), Extraction(references=tuple(references[10:]))]
        plain: dict = {}
        for reference in references:
            if reference.url:
                plain.setdefault(reference.url, {})[(reference.title, reference.site)] = None
        expected = {url: tuple(pairs) for url, pairs in plain.items()}
        got = cited_pages(extractions)
        assert got == expected and list(got) == list(expected)
