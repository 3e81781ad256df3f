"""The Markdown reader's quick answer for plain URLs equals markdown-it's own normalizeLink on every URL."""

from __future__ import annotations

import random

from markdown_it.common.normalize_url import normalizeLink, normalizeLinkText

from refcheck.extract.markdown import _MAX_PLAIN_URL, _PARSER, _PLAIN_HTTP_URL, _PLAIN_RELATIVE

# Characters a URL is built from here: the plain ones, and every kind the quick path must leave to markdown-it
# (escapes, spaces, non-ASCII, brackets, the characters its URL parser or encoder treats specially).
_PLAIN = "abcxyzABCXYZ0189-._~/?#;:@&=+$,!*'()"
_SPECIAL = ["%", "%2F", "%zz", " ", "\t", "é", "日本", "[", "]", "{", "}", "|", "\\", "^", "`", '"', "<", ">", "\u3002",
            "\uff0e", "xn--", "..", "::", "@@", "//", "\ud800"]
_HOSTS = ["example.com", "127.0.0.2", "a-b.c-d.example", "EXAMPLE.com", "日本.jp", "[::1]", "user@host.com",
          "host.com:8080", "host.com:", "-x.com", "a" * 63 + ".com", "a" * 64 + ".com", "a..b", "", "x.com.",
          "." * 3, ("abcdefghi." * 26) + "com"]
_SCHEMES = ["http://", "https://", "HTTP://", "ftp://", "mailto:", "//", "http:/", "javascript:"]


def _random_url(rng: random.Random) -> str:
    odd = rng.random() < 0.5  # half the URLs may hold anything; the other half are plain but for their punctuation
    tail = "".join(rng.choice(_SPECIAL) if odd and rng.random() < 0.1 else rng.choice(_PLAIN)
                   for _ in range(rng.randint(0, 40)))
    if tail and rng.random() < 0.8:
        tail = rng.choice("/?#") + tail
    scheme = rng.choice(_SCHEMES) if odd else rng.choice(_SCHEMES[:2])
    host = rng.choice(_HOSTS) if odd else rng.choice(_HOSTS[:3])
    return scheme + host + tail


def test_quick_answer_equals_markdown_its_normalize_link():
    rng = random.Random(20251128)
    urls = [_random_url(rng) for _ in range(20000)]
    urls += ["http://127.0.0.2:38753/articles/2020/bank-editor-draft-0", "https://example.com", "https://example.com/",
             "https://en.wikipedia.org/wiki/Python_(programming_language)", "https://x.com/a?b=c&d=e#f",
             "https://" + "a" * 250 + ".com/", "https://example.com/" + "p" * 300]
    quick = 0
    for url in urls:
        assert _PARSER.normalizeLink(url) == normalizeLink(url), url
        quick += bool(len(url) <= _MAX_PLAIN_URL and _PLAIN_HTTP_URL.fullmatch(url))
    # The comparison means something only if both paths ran many times.
    assert 2000 < quick < len(urls) - 2000


def test_quick_answer_equals_markdown_its_normalize_link_text():
    rng = random.Random(20261206)
    urls = [_random_url(rng) for _ in range(20000)]
    urls += ["http://127.0.0.2:38753/articles/2020/bank-editor-draft-0", "http://EXAMPLE.com/A", "http://xn--wgv71a.jp/",
             "http://XN--wgv71a.jp/", "http://a.xn--wgv71a/x", "https://x.com/xn--wgv71a", "http://a..b/"]
    quick = 0
    for url in urls:
        assert _PARSER.normalizeLinkText(url) == normalizeLinkText(url), url
        quick += bool(len(url) <= _MAX_PLAIN_URL and _PLAIN_HTTP_URL.fullmatch(url) and "xn--" not in url.lower())
    assert 2000 < quick < len(urls) - 2000
    assert _PARSER.normalizeLinkText("http://xn--wgv71a.jp/") == "http://日本.jp/"  # punycode is still decoded


def test_links_still_normalised_where_markdown_it_would():
    env: dict = {}
    tokens = _PARSER.parse("[a](http://example.com/a b) [b](<http://example.com/日本>) [c](http://example.com/x)\n", env)
    hrefs = [child.attrGet("href") for token in tokens if token.children for child in token.children
             if child.type == "link_open"]
    assert hrefs == ["http://example.com/%E6%97%A5%E6%9C%AC", "http://example.com/x"]


def test_quick_answer_for_relative_paths_equals_markdown_its_normalize_link():
    rng = random.Random(20261205)
    pieces = ["a", "Z", "0", "-", "_", ".", "~", "/", "#", "..", "./", "../", "//", "%20", " ", "é", ":", "?", "@",
              "README.md", "docs/", "index.html", "日本語", "(", ")", "&", "=", "+", "!", "*", "'", ",", ";", "$"]
    urls = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(20000)]
    urls += ["docs/b.md", "../img/x.png", "./a/b/#frag-1", "#top", "/root/x.md", "//host/x", "a//b", "#", ""]
    quick = 0
    for url in urls:
        assert _PARSER.normalizeLink(url) == normalizeLink(url), url
        quick += bool(_PLAIN_RELATIVE.fullmatch(url))
    assert 1000 < quick < len(urls) - 1000
