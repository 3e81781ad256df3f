"""URL finding in prose: where a URL starts, where it ends, and which ones can be fetched."""

from __future__ import annotations


import pytest

from refcheck.extract.urls import clean_url, find_urls, is_fetchable_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Sentence punctuation after a URL is not part of it.
        ("See https://example.org/a.", [(4, "https://example.org/a")]),
        ("Is it https://example.org/a?", [(6, "https://example.org/a")]),
        ("Quoted 'https://example.org/a', then", [(8, "https://example.org/a")]),
        ('He wrote "https://example.org/q?x=1&y=2".', [(10, "https://example.org/q?x=1&y=2")]),
        # Balanced parentheses stay (Wikipedia); an unbalanced closer goes.
        ("https://en.wikipedia.org/wiki/Python_(programming_language).",
         [(0, "https://en.wikipedia.org/wiki/Python_(programming_language)")]),
        ("(see https://example.org/a)", [(5, "https://example.org/a")]),
        ("(see https://en.wikipedia.org/wiki/A_(b)).", [(5, "https://en.wikipedia.org/wiki/A_(b)")]),
        # <…> ends at >.
        ("<https://example.org/a>.", [(1, "https://example.org/a")]),
        ("→ <https://example.org/a b>", [(3, "https://example.org/a")]),
        # Japanese text or full-width punctuation right after a URL ends it.
        ("詳細はhttps://example.jp/a/b。続きは", [(3, "https://example.jp/a/b")]),
        ("https://example.jp/a、「b」", [(0, "https://example.jp/a")]),
        ("（https://example.jp/a）", [(1, "https://example.jp/a")]),
        ("https://example.jp/a！次", [(0, "https://example.jp/a")]),
        ("記事→https://digital.example.jp/x.html", [(3, "https://digital.example.jp/x.html")]),
        # A citation marker right after a URL is not part of it.
        ("https://example.org/a[1][2]", [(0, "https://example.org/a")]),
        # Bare hosts without www. are not URLs; www. ones get http://.
        ("example.com/path and www.example.org/docs.", [(21, "http://www.example.org/docs")]),
        ("https:// alone", []),
        ("https://./x", []),
        ("no url here at all", []),
        # Several, and a URL inside another one's path is not found twice.
        ("a https://a.example/ b http://b.example/x c", [(2, "https://a.example/"), (23, "http://b.example/x")]),
        ("https://web.archive.org/web/2020/https://x.example/",
         [(0, "https://web.archive.org/web/2020/https://x.example/")]),
        ("HTTPS://EXAMPLE.ORG/A", [(0, "HTTPS://EXAMPLE.ORG/A")]),
        ("http://[::1]:8080/a", [(0, "http://[::1]:8080/a")]),
    ],
)
def test_find_urls(text, expected):
    assert find_urls(text) == expected


def test_offsets_point_at_the_url_as_written():
    text = "前置き https://example.jp/a。 and (https://en.wikipedia.org/wiki/X_(y)) and <http://b.example/c>"
    for offset, url in find_urls(text):
        assert text.startswith(url, offset)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<https://example.org/a>", "https://example.org/a"),
        ("https://example.org/a).", "https://example.org/a"),
        ("https://example.org/A_(b)", "https://example.org/A_(b)"),
        ("  https://example.jp/a。次 ", "https://example.jp/a"),
        ("https://example.org/a\"", "https://example.org/a"),
        ("https://example.org/a]", "https://example.org/a"),
    ],
)
def test_clean_url(raw, expected):
    assert clean_url(raw) == expected


@pytest.mark.parametrize(
    ("url", "fetchable"),
    [
        ("https://example.org/a", True),
        ("HTTP://example.org", True),
        ("http://[::1]:8080/", True),
        ("mailto:someone@example.org", False),
        ("ftp://files.example.org/a.pdf", False),
        ("javascript:alert(1)", False),
        ("data:text/html,hi", False),
        ("https://", False),
        ("http://example.org:99999/", False),
        ("http://[::1/", False),
        ("example.org/a", False),
    ],
)
def test_is_fetchable_url(url, fetchable):
    assert is_fetchable_url(url) is fetchable


def test_pathological_input_stays_linear():
    # Long runs that would make a backtracking pattern explode: parentheses, punctuation, no URL at all.
    text = ("(" * 200_000 + "https://x.example/" + ")" * 200_000 + "." * 200_000 + " ") + "あ" * 2_000_000
    found = find_urls(text)  # a backtracking pattern would not finish within pytest's timeout
    assert found == [(200_000, "https://x.example/")]
