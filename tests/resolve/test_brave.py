"""The brave backend against a loopback fake answering in the Brave Web Search API's format."""

from __future__ import annotations

from refcheck.resolve.brave import BraveBackend
from tests.resolve.conftest import ask, reference
from tests.resolve.fakes import FIXTURES, JSON
from tests.webserver import Reply

PATH = "/res/v1/web/search"
WATCH = reference(cited_title="Japan AI Promotion Act", site="Impress Watch", domains=("impress.co.jp",),
                  language="en")


def serve(server, name: str, status: int = 200, headers: dict | None = None) -> BraveBackend:
    server.route(PATH, Reply(status, (FIXTURES / "brave" / name).read_bytes(), content_type=JSON,
                             headers=headers or {}))
    return BraveBackend(endpoint=server.url(PATH), api_key="BSA-test-key", count=10)


def test_no_key_is_skipped_without_a_request(web):
    answer = ask(BraveBackend(api_key=None), WATCH, web)
    assert answer.skipped == "no BRAVE_API_KEY (set REFCHECK_BRAVE_API_KEY)"
    assert answer.requests == 0 and web.calls == []


def test_results_parsed_in_braves_order(server, web):
    answer = ask(serve(server, "en-watch.json"), WATCH, web)
    (request,) = server.requests_to(PATH)
    assert request.headers["x-subscription-token"] == "BSA-test-key"
    assert request.query == {"q": '"Japan AI Promotion Act" site:impress.co.jp', "count": "10"}
    assert answer.queries == ('q="Japan AI Promotion Act" site:impress.co.jp',)
    assert all("BSA" not in q for q in answer.queries)
    first, second = answer.candidates
    assert (first.url, first.via, first.rank) == ("https://www.watch.impress.co.jp/docs/news/2012345.html", "brave", 0)
    assert first.title == "Japan's AI Promotion Act passes the Diet - Impress Watch"
    assert first.snippet.startswith("The AI Promotion Act was enacted") and first.published == "2025-05-28"
    assert second.published is None and second.snippet == "Commentary on the AI Promotion Act & its basic plan."


def test_a_japanese_reference_asks_in_braves_code_for_japanese(server, web):
    query = reference(cited_title="生成AIの利用に関するガイドライン", site="デジタル庁", domains=("digital.go.jp",),
                      language="ja")
    answer = ask(serve(server, "ja-digital.json"), query, web)
    (request,) = server.requests_to(PATH)
    assert request.query["search_lang"] == "jp" and request.query["country"] == "JP"  # Brave spells Japanese "jp"
    assert request.query["q"] == '"生成AIの利用に関するガイドライン" site:digital.go.jp'
    (candidate,) = answer.candidates
    assert candidate.published == "2025-05-27" and "生成AI" in candidate.snippet and "<" not in candidate.snippet


def test_the_rate_limit_is_named(server, web):
    backend = serve(server, "error-429.json", status=429,
                    headers={"X-RateLimit-Limit": "1, 2000", "X-RateLimit-Remaining": "0, 1985",
                             "X-RateLimit-Reset": "1, 2419200"})
    answer = ask(backend, WATCH, web)
    assert answer.candidates == ()
    assert answer.error.startswith("Brave Search rate limit exceeded (HTTP 429")
    assert "x-ratelimit-limit: 1, 2000" in answer.error and "x-ratelimit-reset: 1, 2419200" in answer.error


def test_a_refused_key_says_so(server, web):
    answer = ask(serve(server, "error-422.json", status=422), WATCH, web)
    assert answer.error == "Brave Search answered HTTP 422: The provided subscription token is invalid."
    server.route(PATH, Reply(401, '{"type": "ErrorResponse", "error": {"code": "UNAUTHORIZED"}}', content_type=JSON))
    answer = ask(BraveBackend(endpoint=server.url(PATH), api_key="wrong"), WATCH, web)
    assert "HTTP 401" in answer.error and "BRAVE_API_KEY" in answer.error


def test_no_web_section_is_no_candidates(server, web):
    answer = ask(serve(server, "no-web.json"), WATCH, web)
    assert answer.candidates == () and answer.error is None and answer.requests == 1


def test_bad_bodies_and_network_trouble(server, web):
    for body, words in [("not json at all", ["malformed JSON"]),
                        ('{"type": "search", "web": {"results": {"url": "x"}}}', ["unexpected shape", "web.results"]),
                        ('{"type": "search", "web": []}', ["unexpected shape", "web"])]:
        server.route(PATH, Reply(200, body, content_type=JSON))
        answer = ask(BraveBackend(endpoint=server.url(PATH), api_key="k"), WATCH, web)
        for word in words:
            assert word in answer.error
    server.route(PATH, Reply(200, "{}", delay=1.5, content_type=JSON))
    slow = ask(BraveBackend(endpoint=server.url(PATH), api_key="k"), WATCH, web.__class__(timeout=0.3))
    assert slow.error.startswith("Brave Search unreachable: timed out")
    reset = ask(BraveBackend(endpoint=server.url("/_/reset"), api_key="k"), WATCH, web)
    assert reset.error.startswith("Brave Search unreachable")
