"""find_urls' helpers, made cheaper for link-heavy documents (issue 19), answer as the plain versions they replace."""

from __future__ import annotations

import random

from refcheck.extract import urls

_CLOSING_TO_OPENING = {")": "(", "]": "[", "}": "{"}


def _strip_trailing_plain(url: str) -> str:
    """The earlier version: every count taken first."""
    counts = {closer: (url.count(opener), url.count(closer)) for closer, opener in _CLOSING_TO_OPENING.items()}
    end = len(url)
    while end:
        last = url[end - 1]
        if last in ".,;:!?'\"*":
            end -= 1
        elif last in counts and counts[last][1] > counts[last][0]:
            opened, closed = counts[last]
            counts[last] = (opened, closed - 1)
            end -= 1
        else:
            break
    return url[:end]


def _has_host_plain(url: str) -> bool:
    rest = url.split("://", 1)[-1]
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return any(c.isalnum() for c in host)


def test_the_quick_helpers_answer_as_the_plain_ones():
    rng = random.Random(19)
    pieces = ["a", "Z", "0", "_", "-", ".", ",", ";", ":", "!", "?", "'", '"', "*", "(", ")", "[", "]", "{", "}", "/",
              "#", "://", "http://", "www.", "é", "日本", "٣", "²", "\u3000", " ", "x.example"]
    strings = ["".join(rng.choice(pieces) for _ in range(rng.randrange(0, 14))) for _ in range(30000)]
    strings += ["https://en.wikipedia.org/wiki/Python_(programming_language)", "https://x.com/a)", "https://_/", ""]
    for text in strings:
        assert urls._strip_trailing(text) == _strip_trailing_plain(text), text
        assert urls._has_host(text) == _has_host_plain(text), text
    assert sum(_has_host_plain(text) for text in strings) > 10000
    assert sum(_strip_trailing_plain(text) != text for text in strings) > 5000


def test_the_letter_or_digit_regex_is_str_isalnum_on_every_code_point():
    import sys

    assert [c for c in map(chr, range(sys.maxunicode + 1))
            if (urls._LETTER_OR_DIGIT.match(c) is not None) != c.isalnum()] == []
