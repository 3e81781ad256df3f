"""The searxng backend against a loopback fake answering in SearXNG's JSON format (GET /search?format=json)."""

from __future__ import annotations

from refcheck.resolve.searxng import SearxngBackend
from tests.resolve.conftest import ask, reference
from tests.resolve.fakes import FIXTURES, JSON
from tests.webserver import Reply

DIGITAL = reference(cited_title="生成AIの利用に関するガイドライン", site="デジタル庁", domains=("digital.go.jp",),
                    retrieved="2025-12-26", language="ja")


def serve(server, name: str) -> SearxngBackend:
    server.route("/search", Reply(200, (FIXTURES / "searxng" / name).read_bytes(), content_type=JSON))
    return SearxngBackend(server.url("/"))


def test_no_endpoint_is_skipped_without_a_request(web):
    answer = ask(SearxngBackend(None), DIGITAL, web)
    assert answer.skipped == "no endpoint configured" and answer.requests == 0 and web.calls == []


def test_a_japanese_title_search_restricted_to_the_site(server, web):
    answer = ask(serve(server, "ja-digital.json"), DIGITAL, web)
    (request,) = server.requests_to("/search")
    assert request.query == {"q": '"生成AIの利用に関するガイドライン" site:digital.go.jp', "format": "json",
                             "language": "ja"}
    assert answer.queries == ('q="生成AIの利用に関するガイドライン" site:digital.go.jp language=ja',)
    assert answer.error is None and answer.requests == 1
    # Three results, one a duplicate URL from another engine: two candidates in SearXNG's order.
    first, second = answer.candidates
    assert first.url == "https://www.digital.go.jp/news/5a7e1c2b-3f4d-4e6a-9b8c-1d2e3f4a5b6c"
    assert first.title.startswith("行政の進化と革新のための生成AIの調達") and first.published == "2025-05-27"
    assert first.snippet == "デジタル庁は、政府機関における 生成AI の調達・利活用に係るガイドラインを策定しました。"
    assert (first.rank, second.rank, second.published, first.via) == (0, 1, None, "searxng")


def test_an_english_search_drops_results_that_are_not_web_pages(server, web):
    query = reference(cited_title="Japan AI Promotion Act", site="Impress Watch",
                      domains=("impress.co.jp", "watch.impress.co.jp"), language="en")
    answer = ask(serve(server, "en-watch.json"), query, web)
    (request,) = server.requests_to("/search")
    assert request.query["q"] == '"Japan AI Promotion Act" site:impress.co.jp' and "language" not in request.query
    assert [c.url for c in answer.candidates] == ["https://www.watch.impress.co.jp/docs/news/2012345.html",
                                                  "https://internet.watch.impress.co.jp/docs/news/2012399.html"]
    assert answer.candidates[0].published == "2025-05-28"
    assert answer.candidates[1].snippet == "Commentary on the AI Promotion Act & its basic plan."


def test_a_generic_title_searches_the_key_facts(server, web):
    query = reference(cited_title="Impress Watch", specific_title=None, site="Impress Watch",
                      domains=("impress.co.jp",), key_facts=("AI推進法", "5月28日", "AI戦略本部"), language="ja")
    ask(serve(server, "empty.json"), query, web)
    (request,) = server.requests_to("/search")
    assert request.query["q"] == "AI推進法 5月28日 AI戦略本部 site:impress.co.jp"


def test_nothing_specific_to_search_is_skipped(server, web):
    query = reference(cited_title="Impress Watch", specific_title=None, site="Impress Watch", domains=("impress.co.jp",))
    answer = ask(serve(server, "empty.json"), query, web)
    assert answer.skipped and server.requests == []


def test_no_results_is_an_empty_answer_and_silent_engines_an_error(server, web):
    empty = ask(serve(server, "empty.json"), DIGITAL, web)
    assert empty.candidates == () and empty.error is None
    silent = ask(serve(server, "empty-unresponsive.json"), DIGITAL, web)
    assert silent.candidates == ()
    assert silent.error == ("SearXNG returned nothing and these engines did not answer: google (timeout), "
                            "bing (CAPTCHA), duckduckgo (too many requests)")


def test_json_format_disabled_on_the_instance(server, web):
    server.route("/search", Reply(403, "<html><title>403 Forbidden</title></html>"))
    answer = ask(SearxngBackend(server.url("")), DIGITAL, web)
    assert "403" in answer.error and "settings.yml" in answer.error and "format=json" in answer.error


def test_errors_and_bad_bodies(server, web):
    for reply, words in [
        (Reply(500, "Internal Server Error", content_type="text/plain"), ["SearXNG answered HTTP 500"]),
        (Reply(429, "Too Many Requests", content_type="text/plain"), ["rate limit exceeded"]),
        (Reply(200, "<!DOCTYPE html><html>results page</html>"), ["malformed JSON"]),
        (Reply(200, '{"query": "x", "results": null}', content_type=JSON), ["unexpected shape", "results"]),
        (Reply(200, '{"query": "x", "results": ["https://a.example/"]}', content_type=JSON), ["unexpected shape"]),
    ]:
        server.route("/search", reply)
        answer = ask(SearxngBackend(server.url("")), DIGITAL, web)
        assert answer.candidates == ()
        for word in words:
            assert word in answer.error


def test_unreachable_and_slow_instances(server, web):
    closed = ask(SearxngBackend("http://127.0.0.1:9"), DIGITAL, web)
    assert closed.error.startswith("SearXNG unreachable")
    server.route("/search", Reply(200, "{}", delay=1.5, content_type=JSON))
    slow = ask(SearxngBackend(server.url("")), DIGITAL, web.__class__(timeout=0.3))
    assert slow.error.startswith("SearXNG unreachable: timed out")
