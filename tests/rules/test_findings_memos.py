"""The shortcuts behind the rules' per-link cost (issue 19): each gives the answer the long way gives.

- `url_host` reads a plain authority without urlsplit: checked against urlsplit on URLs of every shape.
- `is_generic_title` is memoised on (title, site, the URL's host or None): URLs that differ past their host give
  one answer; what the answer depends on (the host, whether there is a URL at all, the site, the title) changes it.
- `cites_assistant` asks once per host whether it is an assistant's.
- `_reversed_by` skips the reversing-word scan for a page title that is the cited one once stripped.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import given, settings, strategies as st

from refcheck.models import PageFacts, Reference
from refcheck.rules import titles
from refcheck.rules.references import cites_assistant
from refcheck.rules.titles import check_title, is_generic_title, reversing_words
from refcheck.sitenames import url_host


def _slow_url_host(host_or_url: str) -> str:
    """url_host as it was before the fast path: urlsplit alone."""
    text = host_or_url.strip()
    if "//" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".").lower()


URL_SHAPES = [
    "http://127.0.0.5:8080/articles/x", "https://WWW.Example.COM./a?b#c", "https://example.com", "example.com/path",
    "//example.com:443", "http://user:pw@example.com/", "http://[::1]:80/", "http://[::1/", "http://exa\tmple.com/",
    "http:\t//example.com/", "ht\ttp://example.com/", "http://example.com:80x/", "http://例え.jp/", "http:///path",
    "mailto:someone@example.com", "example.com/a//b", "a:b//c", "http://example.com:/", "HTTP://EXAMPLE.com:99",
    "\x01http://example.com/", " http://example.com/ ", "http://exa_mple.com/", "http://%41.com/", "x+y.z-w://h.example/p",
    "1http://example.com/", "http://example.com\\@evil.com/", "https://a.b.c.d.e/?q=//x", "",
]


def test_url_host_agrees_with_urlsplit_on_every_shape():
    for text in URL_SHAPES:
        assert url_host(text) == _slow_url_host(text), text


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab.-:/?#@[]%_1\t\n Éx")), max_size=30))
def test_url_host_agrees_with_urlsplit_on_random_text(text):
    assert url_host.__wrapped__(text) == _slow_url_host(text)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["http://", "https://", "//", "ftp://", ""]), st.from_regex(r"[A-Za-z0-9.-]{0,20}", fullmatch=True),
       st.sampled_from(["", ":", ":80", ":8x"]), st.sampled_from(["", "/", "/p?q", "#f", "?x//y"]))
def test_url_host_agrees_with_urlsplit_on_urls(scheme, host, port, rest):
    text = scheme + host + port + rest
    assert url_host.__wrapped__(text) == _slow_url_host(text)


def test_generic_title_memo_keys_on_the_host_not_the_url():
    titles._is_generic_on.cache_clear()
    first = is_generic_title("Impress Watch", None, "https://watch.impress.co.jp/docs/news/1.html")
    second = is_generic_title("Impress Watch", None, "https://watch.impress.co.jp/other/page?x=2#f")
    assert first is True and second is True
    assert titles._is_generic_on.cache_info().hits == 1  # the second URL differs only past its host: one answer


def test_generic_title_answer_follows_every_input_the_key_keeps():
    # The host: a title that is the name in one domain is an article title on another.
    assert is_generic_title("Impress Watch", None, "https://watch.impress.co.jp/docs/1.html")
    assert not is_generic_title("Impress Watch", None, "https://www.example.org/reviews/1.html")
    # Whether there is a URL at all: a publisher's name with nothing saying the page is elsewhere is generic; a
    # URL whose host is empty says it is elsewhere (the answer differs for None and "").
    assert is_generic_title("BBC", None, None)
    assert not is_generic_title("BBC", None, "mailto:someone")
    assert titles._is_generic_on("BBC", None, None) != titles._is_generic_on("BBC", None, "")
    # The site and the title.
    assert is_generic_title("Example Daily", "Example Daily", "http://127.0.0.2:80/a")
    assert not is_generic_title("Example Daily", "Other Paper", "http://127.0.0.2:80/a")
    assert not is_generic_title("Budget report published", "Example Daily", "http://127.0.0.2:80/a")


def test_generic_title_same_answer_as_the_unmemoised_rule_on_many_inputs():
    cases = [(title, site, url) for title in ("Impress Watch", "BBC", "Home | BBC", "ホーム - 読売新聞オンライン",
                                             "News", "Budget vote delayed | BBC News", "nhk.or.jp", "")
             for site in (None, "", "BBC", "Impress Watch", "watch.impress.co.jp", "読売新聞")
             for url in (None, "", "https://www.bbc.co.uk/news/1", "https://watch.impress.co.jp/x",
                         "https://www.yomiuri.co.jp/a/", "http://127.0.0.9:1234/p", "mailto:x@y.z")]
    for title, site, url in cases:
        titles._is_generic_on.cache_clear()  # each answer worked out afresh, then asked again from the memo
        fresh = is_generic_title(title, site, url)
        for other in ((url + "?again") if url else url, url):
            assert is_generic_title(title, site, other) == fresh, (title, site, url)


def test_cites_assistant_per_host():
    assert cites_assistant(Reference(id="1", line=1, url="https://chatgpt.com/share/abc")) == "chatgpt.com"
    assert cites_assistant(Reference(id="1", line=1, url="https://www.perplexity.ai/search/x")) == "www.perplexity.ai"
    assert cites_assistant(Reference(id="1", line=1, url="https://notchatgpt.com/x")) is None
    assert cites_assistant(Reference(id="1", line=1, url="https://example.com/x")) is None


def test_reversed_title_still_found_and_same_title_still_passes():
    page = PageFacts(title="Minister denies he resigns over leaked memo | Example Daily 2",
                     site_name="Example Daily 2")
    found = check_title("Minister resigns over leaked memo", page, url="http://127.0.0.2:80/a", line=3, ref="1")
    assert found is not None and found.evidence["reversing_words"] == ["denies"]
    same = PageFacts(title="Not a drill: storm warning issued | Example Daily 2", site_name="Example Daily 2")
    # The cited title holds "Not" too, and the page adds nothing: no finding, and the scan is not even needed.
    assert reversing_words("Not a drill: storm warning issued", "Not a drill: storm warning issued") == ()
    assert check_title("Not a drill: storm warning issued", same, url="http://127.0.0.2:80/a") is None


def test_publishers_on_host_is_publishers_at_of_the_url():
    from refcheck.sitenames import publishers_at, publishers_on_host

    for url in ("https://it.impress.co.jp/articles/1", "https://www3.nhk.or.jp/news/", "http://127.0.0.2:80/a",
                "https://www.bbc.co.uk/news", "mailto:x@y.z", ""):
        assert publishers_on_host(url_host(url) if url else "") == publishers_at(url), url
    assert publishers_on_host("it.impress.co.jp")  # the table knows it: the comparison above is not of empties


def test_stripping_with_keys_made_once_is_stripping_with_names():
    names = ["Example Daily 2", "読売新聞", ""]
    keys = titles._site_keys(names)
    for title in ("Budget vote delayed | Example Daily 2", "【速報】五輪開催を延期 - 読売新聞オンライン",
                  "Example Daily 2 | Home", "Plain title", ""):
        assert titles._strip_with_keys(title, keys) == titles.strip_site_affixes(title, names)


def _title_pairs():
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "fixtures" / "titles" / "pairs.jsonl"
    pairs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    # Also candidates that equal the cited title once normalised, first or after another candidate, and titles
    # with no letters or digits (an empty first key: the long way only).
    extra = [{"cited": "Budget vote delayed", "page_titles": ["budget  vote DELAYED!", "Other"], "site_names": []},
             {"cited": "Budget vote delayed", "page_titles": ["Other story", "“Budget vote delayed”"], "site_names": []},
             {"cited": "令和7年の予算", "page_titles": ["2025年の予算"], "site_names": []},
             {"cited": "---", "page_titles": ["---", "Budget"], "site_names": []},
             {"cited": "Example Daily 2", "page_titles": ["Example Daily 2"], "site_names": ["Example Daily 2"]}]
    return pairs + extra


def test_compare_titles_shortcut_gives_the_full_comparison(monkeypatch):
    pairs = _title_pairs()
    fast = [titles.compare_titles(p["cited"], p["page_titles"], p.get("site_names", [])) for p in pairs]
    monkeypatch.setattr(titles, "_first_key", lambda title: "")  # no first key: every candidate the long way
    slow = [titles.compare_titles(p["cited"], p["page_titles"], p.get("site_names", [])) for p in pairs]
    assert fast == slow
    assert sum(c.reason == "same title after normalisation" for c in fast) >= 3  # the shortcut was taken


def test_generic_title_without_separators_gives_the_long_answer(monkeypatch):
    """`_unsplit` skips gathering site names for a title with nothing to strip: forced off, every answer is the same."""
    candidates = {p["cited"] for p in _title_pairs()} | {t for p in _title_pairs() for t in p["page_titles"]}
    candidates |= {"Impress Watch", "BBC", "ホーム", "News (BBC)", "Home | BBC", "[News] BBC", "【速報】ニュース", "読売新聞",
                   "Top page", "nhk.or.jp", "Example Daily 2", "Budget (2025)", "トップページ（読売新聞）"}
    contexts = [(None, None), ("BBC", "www.bbc.co.uk"), (None, "watch.impress.co.jp"), ("読売新聞", ""),
                ("Example Daily 2", "127.0.0.2"), ("nhk.or.jp", None)]
    questions = [(title, site, host) for title in sorted(candidates) for site, host in contexts]

    def answers():
        titles._is_generic_on.cache_clear()
        return [titles._is_generic_on(title, site, host) for title, site, host in questions]

    fast = answers()
    assert sum(titles._unsplit(title) is not None for title in candidates) > 20  # the shortcut is taken
    monkeypatch.setattr(titles, "_unsplit", lambda title: None)
    assert answers() == fast
    assert any(fast)  # some generic titles among them: the comparison is not of all-False lists
