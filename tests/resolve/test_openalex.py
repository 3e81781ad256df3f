"""The openalex backend against a loopback fake answering in OpenAlex's shapes (/works/doi:…, /works?filter=…)."""

from __future__ import annotations

import pytest

from refcheck.resolve.openalex import OpenAlexBackend
from refcheck.resolve.scholarly import CONFIDENT, record_matches, record_mismatches
from tests.resolve.conftest import ask, reference
from tests.resolve.fakes import OpenAlexFake
from tests.webserver import Reply


@pytest.fixture
def openalex(server):
    return OpenAlexFake(server)


@pytest.fixture
def backend(openalex):
    return OpenAlexBackend(endpoint=openalex.endpoint, mailto="audit@example.org", rows=5, api_key="sekret-key")


def test_a_doi_whose_record_agrees(backend, web, server):
    query = reference(cited_title="Deep learning", authors=("Yann LeCun",), year=2015, doi="10.1038/nature14539")
    answer = ask(backend, query, web)
    assert answer.queries == ("GET /works/doi:10.1038/nature14539",) and answer.requests == 1
    (candidate,) = answer.candidates
    record = candidate.record
    assert candidate.via == "openalex" and candidate.url == "https://doi.org/10.1038/nature14539"
    assert record.doi == "10.1038/nature14539" and record.authors == ("LeCun", "Bengio", "Hinton")
    assert record.year == 2015 and record.container == "Nature" and candidate.published == "2015-05-27"
    assert record_mismatches(query, record) == ()
    (request,) = server.requests_to("/works/doi:10.1038/nature14539")
    assert request.query["api_key"] == "sekret-key" and request.query["mailto"] == "audit@example.org"
    assert "authorships" in request.query["select"]
    assert all("sekret" not in q for q in answer.queries)  # the key never reaches the report


def test_an_arxiv_doi_crossref_cannot_answer_is_found_here(backend, web):
    query = reference(cited_title="Attention Is All You Need", authors=("Vaswani, A.",), year=2017,
                      doi="https://doi.org/10.48550/arXiv.1706.03762v5")
    (candidate,) = ask(backend, query, web).candidates
    assert candidate.record.doi == "10.48550/arxiv.1706.03762"
    assert candidate.record.authors[0] == "Vaswani" and candidate.record.container == "arXiv (Cornell University)"
    assert record_mismatches(query, candidate.record) == ()


def test_a_doi_with_wrong_metadata(backend, web):
    query = reference(cited_title="Mastering chess and shogi by self-play with a general reinforcement learning "
                                  "algorithm", authors=("Hassabis, D.",), year=2018, doi="10.1038/nature16961")
    (candidate,) = ask(backend, query, web).candidates
    assert record_mismatches(query, candidate.record) == ("title", "first author", "year")


def test_an_unknown_doi_is_no_candidate(backend, web):
    answer = ask(backend, reference(doi="10.1145/0000000.0000000"), web)
    assert answer.candidates == () and answer.error is None and answer.requests == 1


def test_a_title_search_without_doi(backend, web, server):
    query = reference(cited_title="Survey of hallucination in natural language generation",
                      authors=("Ji, Z.",), year=2022, site="ACM Computing Surveys")
    answer = ask(backend, query, web)
    best = max(answer.candidates, key=lambda c: record_matches(query, c.record))
    assert best.record.doi == "10.1145/3571730" and record_matches(query, best.record) >= CONFIDENT
    (request,) = server.requests_to("/works")
    assert request.query["filter"] == "title.search:Survey of hallucination in natural language generation"
    assert request.query["per_page"] == "5"
    assert answer.queries == ("GET /works?filter=title.search:Survey of hallucination in natural language "
                              "generation&per_page=5",)


def test_filter_syntax_in_a_title_is_neutralised(backend, web, server):
    ask(backend, reference(cited_title="Deep learning: yes, no | maybe!", site="Nature"), web)
    (request,) = server.requests_to("/works")
    assert request.query["filter"] == "title.search:Deep learning yes no maybe"


def test_japanese_authors_family_names(backend, web):
    query = reference(cited_title="日本語ニュース記事における見出しと本文の整合性評価", authors=("田中美咲",), year=2024,
                      site="情報処理学会論文誌", language="ja")
    answer = ask(backend, query, web)
    best = max(answer.candidates, key=lambda c: record_matches(query, c.record))
    assert best.record.doi == "10.2197/ipsjjip.32.410"
    assert best.record.authors == ("田中", "中村")  # display_name "田中 美咲": family name first
    assert best.record.title == "日本語ニュース記事における見出しと本文の整合性評価: 大規模コーパスによる分析"
    assert record_matches(query, best.record) >= CONFIDENT and record_mismatches(query, best.record) == ()


def test_a_fabricated_title_scores_below_a_match(backend, web):
    query = reference(cited_title="Protein structure prediction with large language models for citation graphs",
                      authors=("Jumper, J.",), year=2021, site="Nature")
    answer = ask(backend, query, web)
    assert answer.candidates and max(record_matches(query, c.record) for c in answer.candidates) < CONFIDENT


@pytest.mark.parametrize("reply, words", [
    (Reply(403, '{"error": "Forbidden", "message": "Rate limit exceeded"}', content_type="application/json"),
     ["HTTP 403", "Rate limit exceeded", "rate limit"]),
    (Reply(429, '{"error": "Too Many Requests", "message": "Daily limit exceeded"}', content_type="application/json"),
     ["rate limit exceeded (HTTP 429"]),
    (Reply(500, "oops", content_type="text/plain"), ["HTTP 500"]),
    (Reply(200, "<html>maintenance</html>"), ["malformed JSON"]),
    (Reply(200, '{"meta": {}, "results": {"id": 1}}', content_type="application/json"), ["unexpected shape"]),
    (Reply(200, '{"meta": {}, "results": [{"title": "no id"}]}', content_type="application/json"),
     ["unexpected shape"]),
])
def test_service_trouble_is_an_error(server, web, reply, words):
    server.route("/works", reply)
    answer = ask(OpenAlexBackend(endpoint=server.url("")), reference(cited_title="Deep learning", site="Nature"), web)
    assert answer.candidates == () and answer.requests == 1
    for word in words:
        assert word in answer.error


def test_without_a_key_a_429_says_to_set_one(server, web):
    server.route("/works", Reply(429, '{"error": "Too Many Requests"}', content_type="application/json"))
    answer = ask(OpenAlexBackend(endpoint=server.url("")), reference(cited_title="Deep learning", site="Nature"), web)
    assert "api_key" in answer.error


def test_a_timeout_is_an_error(server, web):
    server.route("/works/doi:10.1038/nature14539", Reply(200, "{}", delay=1.5, content_type="application/json"))
    answer = ask(OpenAlexBackend(endpoint=server.url("")), reference(doi="10.1038/nature14539"),
                 web.__class__(timeout=0.3))
    assert answer.error.startswith("OpenAlex unreachable: timed out")


def test_not_scholarly_is_skipped(backend, web, server):
    answer = ask(backend, reference(cited_title="Yomiuri Shimbun", specific_title=None, site="読売新聞",
                                    domains=("yomiuri.co.jp",)), web)
    assert answer.skipped == "not scholarly" and server.requests == []


def test_a_refused_title_filter_falls_back_to_full_text_search(server, web):
    OpenAlexFake(server)
    search = server._routes["/works"]

    def answer(request):
        if "filter" in request.query:
            return Reply(400, '{"error": "Invalid query parameters error.", "message": "title.search is deprecated"}',
                         content_type="application/json")
        return search.answer(request)

    server.route("/works", answer)
    query = reference(cited_title="Long short-term memory", authors=("Hochreiter, S.",), year=1997,
                      site="Neural Computation")
    result = ask(OpenAlexBackend(endpoint=server.url("")), query, web)
    assert result.requests == 2 and result.error is None
    assert result.queries[1] == "GET /works?search=Long short-term memory&per_page=5"
    assert result.candidates[0].record.doi == "10.1162/neco.1997.9.8.1735"
    assert [r.query.get("search") for r in server.requests_to("/works")] == [None, "Long short-term memory"]


def test_an_html_404_is_an_error_not_a_missing_work(server, web):
    answer = ask(OpenAlexBackend(endpoint=server.url("/nowhere")), reference(doi="10.1038/nature14539"), web)
    assert answer.error.startswith("OpenAlex answered 404 with an HTML page")
