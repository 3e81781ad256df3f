"""The crossref backend against a loopback fake answering in Crossref's REST API shapes (/works/{doi}, /works)."""

from __future__ import annotations

import pytest

from refcheck.resolve.crossref import CrossrefBackend
from refcheck.resolve.scholarly import CONFIDENT, record_matches, record_mismatches
from tests.resolve.conftest import ask, reference
from tests.resolve.fakes import CrossrefFake
from tests.webserver import Reply


@pytest.fixture
def crossref(server):
    return CrossrefFake(server)


@pytest.fixture
def backend(crossref):
    return CrossrefBackend(endpoint=crossref.endpoint, mailto="audit@example.org", rows=5)


def test_a_doi_whose_record_agrees(backend, web, server):
    query = reference(cited_title="Deep learning", authors=("LeCun, Y.", "Bengio, Y."), year=2015,
                      doi="10.1038/NATURE14539", site="Nature")
    answer = ask(backend, query, web)
    assert answer.error is None and answer.skipped is None
    assert answer.queries == ("GET /works/10.1038/nature14539",)
    assert answer.requests == 1
    (candidate,) = answer.candidates
    record = candidate.record
    assert candidate.url == "https://doi.org/10.1038/nature14539" and candidate.via == "crossref"
    assert candidate.published == "2015-05-27"
    assert record.doi == "10.1038/nature14539" and record.title == "Deep learning"
    assert record.authors == ("LeCun", "Bengio", "Hinton") and record.container == "Nature"
    assert (record.year, record.online_year, record.print_year) == (2015, 2015, 2015)
    assert record_mismatches(query, record) == ()
    # The polite pool: mailto as a parameter and in the User-Agent.
    (request,) = server.requests_to("/works/10.1038/nature14539")
    assert request.query["mailto"] == "audit@example.org"
    assert "mailto:audit@example.org" in request.headers["user-agent"]


def test_a_doi_with_another_works_metadata_names_every_field_that_disagrees(backend, web):
    # The DOI of LeCun et al. (2015) cited with Schmidhuber's review's title, author and a wrong year.
    query = reference(cited_title="Deep learning in neural networks: an overview", authors=("J. Schmidhuber",),
                      year=2012, doi="10.1038/nature14539")
    (candidate,) = ask(backend, query, web).candidates
    assert record_mismatches(query, candidate.record) == ("title", "first author", "year")


def test_year_exact_without_an_online_first_date_and_one_off_with_both(backend, web):
    lstm = reference(cited_title="Long short-term memory", authors=("Hochreiter S",), year=1996,
                     doi="10.1162/neco.1997.9.8.1735")
    (candidate,) = ask(backend, lstm, web).candidates
    assert candidate.record.online_year is None and candidate.record.print_year == 1997
    assert record_mismatches(lstm, candidate.record) == ("year",)
    # AlphaFold: online 2021-07-15, print 2021-08-26; a citation saying 2022 is within the tolerance.
    alphafold = reference(cited_title="Highly accurate protein structure prediction with AlphaFold",
                          authors=("Jumper, J.",), year=2022, doi="10.1038/s41586-021-03819-2")
    (candidate,) = ask(backend, alphafold, web).candidates
    assert record_mismatches(alphafold, candidate.record) == ()
    assert record_mismatches(alphafold.__class__(**{**alphafold.__dict__, "year": 2019}), candidate.record) == ("year",)


def test_a_subtitle_left_out_and_a_html_title_still_match(backend, web):
    query = reference(cited_title="On the Dangers of Stochastic Parrots", authors=("Bender, E. M.",), year=2021,
                      doi="doi:10.1145/3442188.3445922")
    (candidate,) = ask(backend, query, web).candidates
    assert candidate.record.title == "On the Dangers of Stochastic Parrots: Can Language Models Be Too Big? 🦜"
    assert record_mismatches(query, candidate.record) == ()


def test_an_unknown_doi_is_no_candidate_and_the_query_is_recorded(backend, web):
    answer = ask(backend, reference(cited_title="Deep learning", doi="10.1038/s41586-099-99999-9"), web)
    assert answer.candidates == () and answer.error is None and answer.skipped is None
    assert answer.queries == ("GET /works/10.1038/s41586-099-99999-9",) and answer.requests == 1


def test_a_datacite_doi_is_not_crossrefs_to_answer(backend, web, server):
    answer = ask(backend, reference(cited_title="Attention is all you need", doi="10.48550/arXiv.1706.03762v7"), web)
    assert answer.skipped and "DataCite" in answer.skipped and answer.requests == 0
    assert server.requests == []


def test_no_doi_a_bibliographic_query_finds_the_work_with_its_year_wrong(backend, web, server):
    # Cited as the 2012 NeurIPS paper; Crossref's record is the 2017 CACM reprint.
    query = reference(cited_title="ImageNet Classification with Deep Convolutional Neural Networks",
                      authors=("Krizhevsky, A.", "Sutskever, I.", "Hinton, G. E."), year=2012,
                      site="Advances in Neural Information Processing Systems")
    answer = ask(backend, query, web)
    assert answer.error is None and answer.candidates
    assert [c.rank for c in answer.candidates] == list(range(len(answer.candidates)))
    best = max(answer.candidates, key=lambda c: record_matches(query, c.record))
    assert best.record.doi == "10.1145/3065386" and record_matches(query, best.record) >= CONFIDENT
    assert record_mismatches(query, best.record) == ("year",)
    (request,) = server.requests_to("/works")
    assert request.query["query.bibliographic"] == ("ImageNet Classification with Deep Convolutional Neural Networks "
                                                    "Advances in Neural Information Processing Systems 2012")
    assert request.query["query.author"] == "Krizhevsky" and request.query["rows"] == "5"
    assert "DOI" in request.query["select"] and request.query["mailto"] == "audit@example.org"
    assert answer.queries[0].startswith("GET /works?query.bibliographic=ImageNet Classification")
    assert "mailto" not in answer.queries[0]


def test_a_japanese_reference_without_doi(backend, web):
    query = reference(cited_title="大規模言語モデルの出典表示と引用の信頼性", authors=("佐藤花子", "鈴木一郎"), year=2025,
                      site="人工知能", language="ja")
    answer = ask(backend, query, web)
    best = max(answer.candidates, key=lambda c: record_matches(query, c.record))
    assert best.record.doi == "10.11517/jjsai.40.1_52"
    assert best.record.other_titles == ("Source Attribution and Citation Reliability of Large Language Models",)
    assert record_matches(query, best.record) >= CONFIDENT and record_mismatches(query, best.record) == ()
    # The English title of the same record matches too.
    english = reference(cited_title="Source attribution and citation reliability of large language models",
                        authors=("Sato, H.",), year=2025, site="Journal of the Japanese Society for AI")
    assert record_mismatches(english, best.record) == ()  # Sato vs 佐藤: different scripts, not called a mismatch


@pytest.mark.parametrize("title, author, year", [
    ("Neural Citation Verification with Retrieval-Augmented Transformers", "Smith, J.", 2021),
    ("Deep learning for automated fact-checking of news articles", "LeCun, Y.", 2015),
    ("Attention Is All You Need for Citation Verification", "Vaswani, A.", 2019),
    ("生成AIによる引用文献の自動検証に関する研究", "山田太郎", 2023),
])
def test_a_fabricated_title_gets_near_misses_and_none_scores_as_a_match(backend, web, title, author, year):
    query = reference(cited_title=title, authors=(author,), year=year, site="Journal of Machine Learning Research")
    answer = ask(backend, query, web)
    assert answer.error is None
    scores = [record_matches(query, c.record) for c in answer.candidates]
    assert scores, "the fake's relevance search returns near misses, as Crossref does"
    assert max(scores) < CONFIDENT


def test_a_news_reference_is_skipped_without_a_request(backend, web, server):
    query = reference(cited_title="Impress Watch", specific_title=None, site="Impress Watch",
                      domains=("impress.co.jp",), retrieved="2025-12-26")
    answer = ask(backend, query, web)
    assert answer.skipped == "not scholarly" and answer.requests == 0 and server.requests == []


@pytest.mark.parametrize("reply, words", [
    (Reply(429, "Too Many Requests", content_type="text/plain",
           headers={"x-rate-limit-limit": "5", "x-rate-limit-interval": "1s", "Retry-After": "2"}),
     ["rate limit", "429", "retry after 2 s", "x-rate-limit-limit: 5"]),
    (Reply(500, "<html><title>Internal Server Error</title></html>"), ["HTTP 500"]),
    (Reply(503, "Service Unavailable", content_type="text/plain"), ["HTTP 503", "Service Unavailable"]),
    (Reply(200, '{"status":"ok","message":{"items":[{"DOI":', content_type="application/json"), ["malformed JSON"]),
    (Reply(200, '{"status":"ok","message":{"items":"none"}}', content_type="application/json"),
     ["unexpected shape", "message.items"]),
    (Reply(200, '["not", "an", "object"]', content_type="application/json"), ["unexpected shape"]),
])
def test_service_trouble_is_an_error_never_an_exception(server, web, reply, words):
    server.route("/works", reply)
    backend = CrossrefBackend(endpoint=server.url("/").rstrip("/"))
    answer = ask(backend, reference(cited_title="Deep learning", authors=("LeCun, Y.",), year=2015,
                                    site="Nature"), web)
    assert answer.candidates == () and answer.requests == 1
    for word in words:
        assert word in answer.error
    assert answer.queries  # what was asked is kept even when it failed


def test_a_doi_lookup_that_fails_is_an_error(server, web):
    server.route("/works/10.1038/nature14539", Reply(502, "Bad Gateway", content_type="text/plain"))
    answer = ask(CrossrefBackend(endpoint=server.url("")), reference(doi="10.1038/nature14539"), web)
    assert answer.error == "Crossref answered HTTP 502: Bad Gateway" and answer.candidates == ()


def test_a_timeout_and_a_closed_port_are_errors(server, web):
    server.route("/works", Reply(200, "{}", delay=1.5, content_type="application/json"))
    slow = ask(CrossrefBackend(endpoint=server.url("")), reference(cited_title="Deep learning", site="Nature"),
               web.__class__(timeout=0.3))
    assert slow.error.startswith("Crossref unreachable: timed out")
    closed = ask(CrossrefBackend(endpoint="http://127.0.0.1:9"), reference(doi="10.1038/nature14539"), web)
    assert closed.error.startswith("Crossref unreachable:") and closed.requests == 1


def test_a_site_that_is_a_domain_is_not_part_of_the_reference_string(backend, web, server):
    ask(backend, reference(cited_title="Deep learning", authors=("LeCun, Y.",), site="nature.com",
                           domains=("nature.com",)), web)
    (request,) = server.requests_to("/works")
    assert request.query["query.bibliographic"] == "Deep learning"


def test_an_html_404_is_not_taken_for_an_unregistered_doi(server, web):
    # A wrong endpoint (or a proxy) answers the test server's HTML 404 page, not Crossref's "Resource not found."
    answer = ask(CrossrefBackend(endpoint=server.url("/v2")), reference(doi="10.1038/nature14539"), web)
    assert answer.candidates == ()
    assert answer.error == ("Crossref answered 404 with an HTML page, not the API's answer: is the endpoint right?")


def test_a_refused_select_list_is_asked_again_without_it(server, web):
    fake = CrossrefFake(server)
    search = server._routes["/works"]

    def answer(request):
        if "select" in request.query:
            return Reply(400, '{"status":"failed","message-type":"validation-failure","message":[{"type":'
                              '"field-not-selectable","value":"original-title","message":"Field not selectable"}]}',
                         content_type="application/json")
        return search.answer(request)

    server.route("/works", answer)
    query = reference(cited_title="Long short-term memory", authors=("Hochreiter, S.",), year=1997,
                      site="Neural Computation")
    result = ask(CrossrefBackend(endpoint=fake.endpoint), query, web)
    assert result.error is None and result.requests == 2
    assert result.candidates[0].record.doi == "10.1162/neco.1997.9.8.1735"
    assert ["select" in r.query for r in server.requests_to("/works")] == [True, False]
