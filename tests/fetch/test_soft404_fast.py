"""The soft-404 judgement's cheap paths answer exactly as the full ones: the needle test before `_CORE_RE`, the plain
URL's origin without urlsplit, and the skipped probe step for a host whose probe said nothing."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from refcheck.fetch import soft404
from refcheck.fetch.client import Fetcher, _Outcome
from refcheck.models import FetchResult, PageFacts, UrlStatus
from refcheck.settings import FetchSettings
from tests.regex_language import matched_strings

PAIRS = Path(__file__).resolve().parents[1] / "fixtures" / "titles" / "pairs.jsonl"

HEADLINES = (
    "404 Not Found", "Page not found | Example", "PAGE NOT FOUND", "Error", "Oops! That page can't be found.",
    "Oops! That page can’t be found.", "Nothing found for this query", "The page does not exist", "No such page",
    "This item is no longer available", "We couldn't find that page", "ＮＯＴ ＦＯＵＮＤ", "Error 404 (Not Found)!!1",
    "ページが見つかりません | 例IT", "お探しのページは見つかりませんでした", "エラー", "How to design a good 404 page",
    "Found: the lost city", "Errors and omissions", "Findings of the 2024 survey", "Existential risk", "Such is life",
    "Available now", "410 Gone", "Notfound", "doesnt exist", "Harbour record project | Example Daily 9", "",
    "Cannot be found", "could not find it", "Is not available", "Fin de la page 4O4", "Site ｜ 見つかりません",
)


def _headlines() -> list[str]:
    found = list(HEADLINES)
    for line in PAIRS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            pair = json.loads(line)
            found += [pair["cited"], *pair["page_titles"]]
    return list(dict.fromkeys(found))


def test_every_latin_not_found_statement_holds_a_needle():
    statements = matched_strings(soft404._CORE_LATIN)
    assert len(statements) > 50
    for statement in statements:
        assert any(needle in statement.casefold() for needle in soft404._CORE_LATIN_NEEDLES), statement


def test_not_found_headline_answers_as_the_regex_alone(monkeypatch):
    headlines = _headlines()
    fast = [soft404.not_found_headline(headline) for headline in headlines]
    monkeypatch.setattr(soft404, "_CORE_LATIN_NEEDLES", ("",))  # "" is in every text: the regex decides each
    slow = [soft404.not_found_headline(headline) for headline in headlines]
    assert fast == slow
    assert sum(slow) >= 15 and len(slow) - sum(slow) >= 100


URLS = (
    "http://127.0.0.2:46755/articles/2020/x-1", "https://Example.COM/a?b#c", "HTTPS://user:pw@Example.com:8443/x",
    "http://a@b@c.example/", "https://example.com", "https://example.com?x", "https://example.com#f",
    "http://[::1]:8080/x", "http://[::1/x", "https://ex ample.com/x", " https://example.com/x", "https://exa\tmple.com/",
    "http://@/x", "http:///x", "foo://@/x", "mailto:someone@example.com", "//example.com/x", "example.com/x",
    "https://例え.jp/パス", "https://xn--r8jz45g.jp/x", "git+ssh://git@github.com/a/b", "a.b-c+d://host/x", "1http://x/",
    "https://example.com:/x", "https://EXAMPLE.com.:443/", "https://example.com\x7f/x", "", "http:", "http://",
    "https://example.com/%41?q=%42", "ftp://ftp.example.org/pub", "https://user@/x", "https://a:b@/x",
)


def test_origin_of_answers_as_urlsplit(monkeypatch):
    fast = [soft404.origin_of(url) for url in URLS]
    monkeypatch.setattr(soft404, "_PLAIN_ORIGIN", re.compile(r"(?!)"))  # never matches: urlsplit for every URL
    slow = [soft404.origin_of(url) for url in URLS]
    assert fast == slow


# ── the skipped probe step (client._judge_soft_404) ──


def _result(url: str, title: str, text: str) -> FetchResult:
    page = PageFacts(title_candidates=(title,), title=title, main_text=text)
    return FetchResult(url=url, status=UrlStatus.OK, fetched_url=url, http_status=200, final_url=url, page=page)


def _judged(fetcher: Fetcher, result: FetchResult) -> FetchResult:
    async def judge():
        return (await fetcher._judge_soft_404(_Outcome(result))).result

    return asyncio.run(judge())


def _fetcher_with_probe(origin: str, fingerprint: soft404.HostFingerprint | None) -> Fetcher:
    fetcher = Fetcher(FetchSettings())
    future = asyncio.Future(loop=asyncio.new_event_loop())
    future.set_result(fingerprint)
    fetcher._probes[origin] = future
    return fetcher


TEMPLATE = "Sorry, we looked everywhere for this one and it is just not here today. Try the search box above."


def _probe_fingerprint(origin: str, status: UrlStatus) -> soft404.HostFingerprint:
    answer = _result(f"{origin}/articles/refcheck-probe-0", "Oops | Example", TEMPLATE)
    return soft404.fingerprint(origin, FetchResult(url=answer.url, status=status, fetched_url=answer.url,
                                                   http_status=200 if status is UrlStatus.OK else 404,
                                                   final_url=answer.url, page=answer.page))


def test_a_host_whose_probe_answered_200_still_judges_its_pages():
    origin = "https://example.com"
    fetcher = _fetcher_with_probe(origin, _probe_fingerprint(origin, UrlStatus.OK))
    assert not fetcher._probe_says_nothing(_result(f"{origin}/articles/a", "Oops | Example", TEMPLATE))
    judged = _judged(fetcher, _result(f"{origin}/articles/gone", "Oops | Example", TEMPLATE))
    assert judged.status is UrlStatus.SOFT_404 and "does not exist" in judged.reason
    assert _judged(fetcher, _result(f"{origin}/articles/real", "A real story", TEMPLATE * 3)).status is UrlStatus.OK


def test_an_honest_or_silent_probe_skips_the_step_and_judges_as_without_the_skip(monkeypatch):
    origin = "https://example.com"
    pages = [_result(f"{origin}/articles/gone", "Oops | Example", TEMPLATE),
             _result(f"{origin}/articles/nf", "Page not found", "short"),
             _result(f"{origin}/", "Example home", TEMPLATE)]
    for fingerprint in (_probe_fingerprint(origin, UrlStatus.DEAD), None):
        fetcher = _fetcher_with_probe(origin, fingerprint)
        assert all(fetcher._probe_says_nothing(page) for page in pages)
        fast = [_judged(fetcher, page) for page in pages]
        with monkeypatch.context() as patched:
            patched.setattr(Fetcher, "_probe_says_nothing", lambda self, result: False)
            slow = [_judged(fetcher, page) for page in pages]
        assert fast == slow
        assert [page.status for page in fast] == [UrlStatus.OK, UrlStatus.SOFT_404, UrlStatus.OK]
