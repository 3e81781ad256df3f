"""Tests that the page reader's fast paths give exactly what the obvious way gives (lexbor's selectors, regexes)."""

from __future__ import annotations

import re
from pathlib import Path
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from refcheck import headline, page, sitenames


# --- white space ----------------------------------------------------------------------------------------------------


def test_clean_inline_agrees_with_the_whitespace_regex_on_every_white_space_character():
    spaces = [chr(code) for code in range(sys.maxunicode + 1) if re.match(r"\s", chr(code))]
    assert all(space.isspace() for space in spaces)  # str.split() splits on exactly these
    value = "".join(f"{space}w{index}{space}{space}" for index, space in enumerate(spaces)) + "\u00a0end\u3000"
    assert page._clean_inline(value) == re.sub(r"\s+", " ", value).strip()
    assert page._clean_inline("  \u2028 ") == "" and page._clean_inline(None) == ""


# --- elements found by tag name, filtered in Python -------------------------------------------------------------------

_TRICKY_MARKUP = """<html><head>
<link rel="STYLESHEET canonical" href="/c1"><link rel="x&#13;canonical" href="/cr">
<link rel="x&#11;canonical" href="/vt">
<link rel="canonical&#12;x" href="/ff"><link rel="canonical,x" href="/comma">
<link rel=" CANONİCAL" href="/dotted-i">
<link rel href="/empty"><base href><base href="https://b.example/">
<script type="APPLICATION/LD+JSON">{}</script><script type=" application/ld+json">{}</script>
<script type="application/ld&#43;json">{}</script><script>{}</script>
</head><body>
<svg><script type="APPLICATION/LD+JSON">{}</script><script type="application/ld+json">{}</script>
<input type=PASSWORD><input type=password><link rel="x&#11;canonical" href="/svg-vt"><link rel="canonical" href="/x">
</link></link><link rel="CANONICAL" href="/svg-upper"><link rel="a canonical" href="/svg">
<title>icon</title><time datetime="svg">t</time></svg>
<math><input type=PassWord></math>
<input type="pass&#119;ord"><input type="password "><input type="passworD"><input TYPE="password"><input type>
<time datetime>a</time><time>b</time><time datetime="2020-01-02">c</time>
</body></html>"""


def _selected(tree: LexborHTMLParser, selector: str) -> list[str]:
    return [node.html for node in tree.css(selector)]


def test_landmarks_are_what_lexbor_selectors_match():
    tree = LexborHTMLParser(_TRICKY_MARKUP)
    found = page._Landmarks(tree)
    expected = {
        "json_ld": _selected(tree, 'script[type="application/ld+json"]'),
        "password_inputs": _selected(tree, "input[type=password]"),
        "canonical_links": _selected(tree, 'link[rel~="canonical" i]'),
        "bases": _selected(tree, "base[href]"),
        "times": _selected(tree, "time[datetime]"),
    }
    for name, html_of_matches in expected.items():
        assert [node.html for node in getattr(found, name)] == html_of_matches, name
    # The markup exercises both answers of the lexbor fallback: an upper-case value matches on an HTML element, not on
    # an SVG/MathML one, and an SVG element whose descendant matches is not itself a match.
    assert [node.attributes["type"] for node in found.json_ld] == ["APPLICATION/LD+JSON"] + ["application/ld+json"] * 2
    types = [node.attributes["type"] for node in found.password_inputs]
    assert types == ["password", "password", "passworD", "password"]
    assert len(tree.tags("input")) == 8
    hrefs = [node.attributes["href"] for node in found.canonical_links]
    assert hrefs == ["/c1", "/cr", "/ff", "/x", "/svg-upper", "/svg"]  # not /vt, /svg-vt (holding /x), /comma


def test_the_fallback_canonical_selector_adds_nothing():
    # _canonical_url once asked for link[rel="canonical"] when link[rel~="canonical" i] found nothing.
    tree = LexborHTMLParser(_TRICKY_MARKUP + '<link rel="canonical" href="/plain"><link rel="Canonical" href="/up">')
    broad = set(_selected(tree, 'link[rel~="canonical" i]'))
    assert set(_selected(tree, 'link[rel="canonical"]')) <= broad


@pytest.mark.parametrize(
    "markup",
    [
        "<title>a</title>",
        "<body><svg><title>icon</title></svg><title>late</title></body>",
        "<html><head><title>Head</title></head><body><svg><title>pic</title></svg></body></html>",
        "<body><title>in body</title></body>",
        "<p>no title</p>",
        "<html><head></head><body><title>b</title><title>c</title></body></html>",
    ],
)
def test_html_title_is_the_selectors_choice(markup):
    tree = LexborHTMLParser(markup)
    node = tree.css_first("head > title") or tree.css_first("title")
    expected = None if node is None or node.parent.tag == "svg" else node.text(deep=True)
    assert page._html_title(tree) == expected


def test_marked_article_bodies_match_the_two_queries_in_turn():
    long = "<p>" + "Words of the article, " * 20 + "</p>"
    cases = [
        f'<div itemprop="articlebody">{long}</div><div itemprop="articleBody">{long}</div>',
        f'<div itemprop="ARTICLEBODY">{long}</div><div itemprop="articlebody">{long}</div>',
        f'<div itemprop="articleBody"><p>short</p></div><div itemprop="articlebody">{long}</div>',
        f'<svg><g itemprop="articlebody">{"x" * 300}</g></svg>',
        "<p>none</p>",
    ]
    for markup in cases:
        tree = LexborHTMLParser(markup)
        expected = []
        for selector in ('[itemprop="articleBody"]', '[itemprop="articlebody"]'):
            expected = [node.html for node in tree.css(selector) if len(node.text(deep=True, strip=True)) >= 250]
            if expected:
                break
        assert [node.html for node in page._marked_article_bodies(tree)] == expected, markup


# --- "not found" phrases ----------------------------------------------------------------------------------------------


def _old_body_may_say_not_found(tree: LexborHTMLParser) -> bool:
    """The previous implementation: every Japanese phrase, then the plain alternation around every anchor."""
    text = tree.body.text(deep=True).encode("utf-8", "replace").lower()
    if any(phrase.encode() in text for phrase in page._NOT_FOUND_JAPANESE.split("|")):
        return True
    plain = re.compile(page._NOT_FOUND_LATIN.encode().replace(b" ", page._SPACES_BYTES))
    for anchor in page._LATIN_HINT_BYTES:
        at = text.find(anchor)
        while at != -1:
            if plain.search(text, max(0, at - page._NEAR), at + page._NEAR):
                return True
            at = text.find(anchor, at + 1)
    return False


_BODIES = [
    "nothing to see here",
    "The page you’re looking for is gone",
    "Sorry, the PAGE\n\n NOT\tFOUND",
    "page&nbsp;could&#160;not be found",
    "find " * 300 + "available found 404",
    "find available found " * 150 + " page could not  be found",
    "page" + " " * 400 + "not found",
    "available " * 60 + "page" + "&nbsp;" * 350 + "not found",
    "40404 error",
    "お探しのページは見つかりませんでした。",
    "記事は削除された可能性があります。",
    "お知らせ 見つかりませんでした",
    "ページトップへ 削除 見つかります",
    "删除 页面 “quotes” — no kana",
    "We couldn’t find it. We couldn't find it.",
]


@pytest.mark.parametrize("body", _BODIES)
def test_body_not_found_check_agrees_with_the_previous_implementation(body):
    tree = LexborHTMLParser(f"<title>t</title><body><p>{body}</p></body>")
    assert page._body_may_say_not_found(tree) == _old_body_may_say_not_found(tree)


_NOT_FOUND_PIECES = ["page", "not", "found", "page not found", "no longer available", "find", "available",
                     "looking", "exist", "we can't find", "404", "error 404", " ", "  ", "\n", "&nbsp;", " " * 290,
                     "x" * 250, "word ", "お探しのページ", "ページ"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_NOT_FOUND_PIECES), max_size=40).map("".join))
def test_body_not_found_check_agrees_with_the_previous_implementation_on_made_up_bodies(body):
    """Anchors alone and in crowds (spans of merged windows), phrases inside one window and phrases whose spaces run
    past a window (a match in a span that no single window holds)."""
    tree = LexborHTMLParser(f"<body><p>{body}</p></body>")
    assert page._body_may_say_not_found(tree) == _old_body_may_say_not_found(tree)


def test_a_match_in_a_span_that_no_window_holds_is_not_taken_for_one():
    """Two anchors whose windows meet make one span; a phrase that starts in the first window and ends in the second
    (its anchor, "found", too far from its start) matches in the span only."""
    body = "find" + " " * 100 + "page" + " " * 350 + "not found"
    tree = LexborHTMLParser(f"<body><p>{body}</p></body>")
    lowered = tree.body.text(deep=True).encode().lower()
    anchors = sorted(page._anchor_positions(lowered))
    spans = page._spans_of_windows(anchors, len(lowered))
    match = page._NOT_FOUND_SPACED.search(lowered, *spans[0])
    assert len(spans) == 1 and match is not None
    assert not page._inside_a_window(match.start(), match.end(), anchors)
    assert page._body_may_say_not_found(tree) is _old_body_may_say_not_found(tree) is False


@settings(max_examples=500, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=3000), min_size=1, max_size=12),
       st.integers(min_value=0, max_value=3000), st.integers(min_value=0, max_value=900), st.integers(min_value=1, max_value=4000))
def test_spans_and_windows_are_the_windows_around_each_anchor(anchors, start, length, text_length):
    anchors = sorted(anchors)
    end = start + length
    windows = [(max(0, at - page._NEAR), at + page._NEAR) for at in anchors]
    inside = any(low <= start and end <= high for low, high in windows)
    assert page._inside_a_window(start, end, anchors) is inside
    spans = page._spans_of_windows(anchors, text_length)
    covered = {byte for low, high in spans for byte in range(low, high)}
    assert covered == {byte for low, high in windows for byte in range(low, min(high, text_length))}
    assert all(first[1] < second[0] for first, second in zip(spans, spans[1:]))  # apart, in order


def test_the_bodies_above_cover_both_answers():
    answers = {_old_body_may_say_not_found(LexborHTMLParser(f"<body><p>{body}</p></body>")) for body in _BODIES}
    assert answers == {True, False}


def test_grouped_alternation_matches_what_the_plain_one_matches():
    grouped = re.compile(page._grouped_by_first_character(page._NOT_FOUND_LATIN_PHRASES))
    plain = re.compile(page._NOT_FOUND_LATIN)
    assert all(phrase[0].isalnum() for phrase in page._NOT_FOUND_LATIN_PHRASES)
    samples = ["page you were looking for", "page you’re looking for", "404 not found", "404 error", "error 404",
               "no longer exists", "no longer availabl", "doesn’t exist", "we can't find", "nothing was found",
               "page can't be found", "file not found", "page not", "page you requested", "xpage not foundx"]
    for sample in samples:
        assert bool(grouped.search(sample)) == bool(plain.search(sample)), sample
        assert bool(grouped.fullmatch(sample)) == bool(plain.fullmatch(sample)), sample


def test_every_japanese_phrase_is_looked_for_and_holds_the_kana_byte():
    grouped = {phrase for _, phrases in page._JAPANESE_PHRASE_GROUPS for phrase in phrases}
    assert grouped == {phrase.encode() for phrase in page._NOT_FOUND_JAPANESE.split("|")}
    for anchor, phrases in page._JAPANESE_PHRASE_GROUPS:
        assert all(anchor is None or anchor in phrase for phrase in phrases)
    assert page._KANA_LEAD_BYTE == b"\xe3"


@pytest.mark.parametrize(
    "title",
    ["Error: 1404 pages", "404", "Not Found", "ERROR 404 エラー", "Page not founded", "terror", "404.5 km", ""],
)
def test_title_404_hints_never_hide_a_match(title):
    lowered = title.lower()
    if page._TITLE_404.search(lowered):
        assert page._TITLE_404_HINTS.found_in(lowered)


# --- challenge markers: one search per shared key ---------------------------------------------------------------------


def _naive_holds_marker(lowered: bytes) -> bool:
    return any(marker in lowered for marker in page._CHALLENGE_MARKUP)


def test_every_challenge_marker_is_looked_for_once_alone_or_under_one_key():
    grouped = [marker for _, group in page._CHALLENGE_GROUPS for marker, _ in group]
    assert sorted([*page._PHRASE_MARKERS, *page._CHALLENGE_ALONE, *grouped]) == sorted(page._CHALLENGE_MARKUP)
    keyed = [marker for _, _, group in page._KEYED_GROUPS for marker, _ in group]
    assert sorted([*page._PHRASE_MARKERS, *keyed]) == sorted(page._CHALLENGE_MARKUP)
    assert all(marker[offset:offset + 1] == key and marker[offset:] in tails
               for key, tails, group in page._KEYED_GROUPS for marker, offset in group)
    assert all(marker[offset:].startswith(key) for key, group in page._CHALLENGE_GROUPS for marker, offset in group)
    assert all(len(group) >= 2 for _, group in page._CHALLENGE_GROUPS)  # a key for one marker would save nothing


@pytest.mark.parametrize("marker", page._CHALLENGE_MARKUP)
def test_each_challenge_marker_is_found_after_decoys_of_its_key(marker):
    """The grouped search finds a marker wherever it stands: at the start, after many decoy occurrences of its key
    (and of the marker's own beginning), at the very end, in upper case, on a page of an ordinary title."""
    decoys = b"cf cf- cf_ cfg captcha px-capt geo.captcha - _ j " * 50 + marker[:-1] + b" "
    for body in (marker + b" tail", decoys + marker, decoys + marker.upper() + b"!"):
        lowered = body.lower()
        assert page._holds_challenge_marker(lowered) is True is _naive_holds_marker(lowered)
        html = b"<html><head><title>Quarterly report</title></head><body><p>" + body + b"</p></body></html>"
        assert page.read_page(html, "text/html", "https://example.org/a", want_text=False).challenge == "cloudflare"
    lowered = decoys.lower()
    assert page._holds_challenge_marker(lowered) is False is _naive_holds_marker(lowered)
    html = b"<html><head><title>Quarterly report</title></head><body><p>" + decoys + b"</p></body></html>"
    assert page.read_page(html, "text/html", "https://example.org/a", want_text=False).challenge is None


# The keyed search answers as a search for each marker does, on few and on many places of each key (the fallback).
_MARKER_PIECES = sorted({piece for marker in page._CHALLENGE_MARKUP
                         for piece in (marker, marker[:-1], marker[1:], marker[: len(marker) // 2])})


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_MARKER_PIECES), st.sampled_from([b"-", b"_", b"j", b" ", b"cf", b"x-"]),
                          st.binary(max_size=12)), max_size=80),
       st.integers(min_value=0, max_value=60))
def test_keyed_challenge_search_answers_as_the_naive_search(pieces, key_padding):
    lowered = (b"".join(pieces) + b"-_j" * key_padding).lower()
    assert page._holds_challenge_marker(lowered) is _naive_holds_marker(lowered)
    assert page._searched_for_markers(lowered) is any(
        marker in lowered for marker in page._CHALLENGE_MARKUP if marker not in page._PHRASE_MARKERS)


# --- "not found" hint words found from a rare byte's places ------------------------------------------------------------


def _every_place(lowered: bytes) -> list[int]:
    """Each hint word's places found by its own search, words in turn (the previous _anchor_positions)."""
    positions = []
    for word in page._LATIN_HINT_BYTES:
        at = lowered.find(word)
        while at != -1:
            positions.append(at)
            at = lowered.find(word, at + 1)
    return positions


def test_hint_words_with_a_rare_byte_are_planned_with_its_offset():
    planned = {word: (rare, offset) for word, rare, offset in page._HINT_SEARCHES}
    assert list(planned) == list(page._LATIN_HINT_BYTES)
    assert {word for word, (rare, _) in planned.items() if rare} == {b"requested", b"exist", b"404"}
    assert all(word[offset:offset + 1] == rare for word, (rare, offset) in planned.items() if rare)


_HINT_PIECES = sorted({piece for word in page._LATIN_HINT_BYTES for piece in (word, word[:-1], word[1:])}
                      | {b"q", b"x", b"4", b"44", b"0", b" ", b"40404", b"exexist", b"requrequested"})


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_HINT_PIECES), st.binary(max_size=8)), max_size=60),
       st.sampled_from([b"", b"q", b"x", b"4", b"x4q"]), st.integers(min_value=0, max_value=300))
def test_hint_word_places_are_every_place_of_every_word(pieces, padding, repeat):
    """Few places of a rare byte (tried one by one) and many (past the cap the word's own search takes over, also
    in the middle of the text: the padding is put first or last)."""
    text = b"".join(pieces).lower()
    for lowered in (text, padding * repeat + text, text + padding * repeat, text * 3 + padding * repeat + text):
        assert page._anchor_positions(lowered) == _every_place(lowered)


# --- headings and titles: regexes not run where they cannot match -----------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab ¶§#🔗\n\t\u3000x")), max_size=20))
def test_heading_text_drops_permalink_marks_as_the_regex_does(words):
    tree = LexborHTMLParser(f"<h1>{html_escape(words)}</h1>")
    node = tree.tags("h1")[0]
    expected = page._PERMALINK_MARKS.sub("", page._clean_inline(node.text(deep=True, separator=" ")))
    assert page._heading_text(node) == expected


def html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.text(alphabet=st.sampled_from(list("ab 日本語ページ")), max_size=10))
def test_title_words_skip_the_cjk_search_only_for_ascii_text(title, cjk):
    for text in (title, cjk, title + cjk):
        normal = unicodedata.normalize("NFKC", text).casefold()
        expected = set(page._TITLE_WORD.findall(normal)) | set(page._CJK_CHAR.findall(normal))
        assert page._title_words(text) == expected


_ASCII = st.text(alphabet=st.characters(max_codepoint=127), max_size=40)


@settings(max_examples=1000, deadline=None)
@given(_ASCII, st.text(alphabet=st.sampled_from(list("Aa1_ ÄßİＡ１ﬁ日本")), max_size=6))
def test_ascii_title_words_and_name_keys_are_what_the_regexes_give(ascii_text, other):
    """The ASCII fast paths of _title_words and sitenames.name_key against NFKC + casefold + the regexes, on ASCII
    text (every character, controls and "_" included) and on text where NFKC or casefold change something."""
    for text in (ascii_text, ascii_text + other, other):
        normal = unicodedata.normalize("NFKC", text).casefold()
        expected_words = set(page._TITLE_WORD.findall(normal)) | set(page._CJK_CHAR.findall(normal))
        assert page._title_words(text) == expected_words
        assert sitenames.name_key.__wrapped__(text) == re.sub(r"[\W_]+", "", normal)


def test_edge_junk_marks_and_white_space_are_the_regex_class():
    for code in range(sys.maxunicode + 1):
        character = chr(code)
        in_class = headline._EDGE_JUNK.fullmatch(character) is not None
        assert headline._is_edge_junk(character) is in_class, hex(code)


_TITLE_CHARACTERS = list("ab Z9 -–|｜:：/／»«·()（）\n\t日本語ページ") + ["\u3000", "\u00a0"]


_TITLE_PIECES = ["(site)", "（サイト）", "(a/b)", ")", " ", "\n", " - ", "«", "x" * 41]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet=st.sampled_from(_TITLE_CHARACTERS), max_size=6),
                          st.sampled_from(_TITLE_PIECES)), max_size=6).map("".join))
def test_title_end_regexes_are_skipped_only_where_they_cannot_match(text):
    assert headline._without_edge_junk(text) == headline._EDGE_JUNK.sub("", text)
    expected = headline._TRAILING_PAREN.search(text)
    found = headline._trailing_paren(text)
    assert (found and found.span()) == (expected and expected.span())
    if text.isascii():  # strip_site_name runs _LATIN_TAIL only on a title with a non-ASCII character
        assert headline._LATIN_TAIL.search(text) is None


def test_every_separator_branch_needs_a_separator_mark():
    """_pieces takes a title without any _SEPARATOR_MARK for one piece: no branch of _SEPARATOR matches white space
    alone (or anything else without a mark), whatever the spaces are."""
    spaces = "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())
    for sample in (spaces, "a" + spaces + "b", "10:30", "x" + "\u3000" * 3 + "y"):
        if headline._SEPARATOR_MARK.search(sample) is None:
            assert headline._SEPARATOR.split(sample) == [sample]
    marks = [chr(code) for code in range(sys.maxunicode + 1) if headline._SEPARATOR_MARK.fullmatch(chr(code))]
    lone = [chr(code) for code in range(sys.maxunicode + 1)
            if any(headline._SEPARATOR.search(f"{pad}{chr(code)}{pad}") for pad in ("", " ", "  "))]
    assert set(lone) <= set(marks), set(lone) - set(marks)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet=st.sampled_from(_TITLE_CHARACTERS + list("›>¦—―·•_1:")), max_size=6),
                          st.sampled_from(_TITLE_PIECES)), max_size=6).map("".join))
def test_title_pieces_are_the_separator_split(title):
    parts = headline._SEPARATOR.split(title)
    assert headline._pieces(title) == (parts[0::2], parts[1::2])


_BAR_TITLE_CHARACTERS = list("ab Z9|｜¦\n\t\x1c\x85") + ["\u3000", "\u00a0", "\u2028", "\u200b", "\ufeff"]


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(_BAR_TITLE_CHARACTERS), max_size=14))
def test_a_title_with_only_bars_splits_as_the_separator_regex_does(title):
    """_split_at_bars (what _pieces takes for a title whose only marks are bars) against the regex split, on titles of
    bars, runs of every kind of white space (and near-spaces that are not: U+200B, U+FEFF) and letters."""
    assert headline._NON_BAR_MARK.search(title) is None
    parts = headline._SEPARATOR.split(title)
    assert headline._split_at_bars(title) == (parts[0::2], parts[1::2])


def test_the_non_bar_marks_are_the_separator_marks_but_the_bars():
    marks = {chr(code) for code in range(sys.maxunicode + 1) if headline._SEPARATOR_MARK.fullmatch(chr(code))}
    others = {chr(code) for code in range(sys.maxunicode + 1) if headline._NON_BAR_MARK.fullmatch(chr(code))}
    assert others == marks - set("|｜¦") and len(others) == len(marks) - 3


_ONE_PIECE_PARTS = ["日本語のページ", " MOONGIFT", " Example", "(MOONGIFT)", "（経済産業省）", "(a/MOONGIFT)", "Headline",
                    " ", "e-mail", "10:30", "x" * 41, "（", ")", "ページ", " ab"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_ONE_PIECE_PARTS), min_size=1, max_size=5).map("".join),
       st.sampled_from([(), ("MOONGIFT",), ("経済産業省", "Example")]))
def test_a_one_piece_title_is_stripped_as_the_general_path_strips_it(title, declared):
    """strip_site_name's shortcut for a title that is one piece against the general path given that one piece."""
    names = headline.SiteNames(declared, "https://www.moongift.jp/2020/", lambda: ["MOONGIFT", "Example"])
    others = [("MOONGIFT", True), (title, False)]
    text = headline._without_edge_junk(" ".join(title.split()))
    segments, separators = headline._pieces(text)
    if text and len(segments) == 1:
        assert headline.strip_site_name(title, names, others) == headline._strip_pieces(text, [text], [], names, others)


def _corroborated_eagerly(sourced):
    """_corroborated as it was: every title's words made up front."""
    words = [(source, page._title_words(title)) for source, title in sourced]
    for index, (source, own) in enumerate(words):
        if any(other_source != source and page._overlap(own, other) >= 0.6 for other_source, other in words):
            return sourced[index][1]
    return None


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["meta", "social", "json-ld", "title", "h1"]),
                          st.lists(st.sampled_from(["alpha", "beta", "gamma", "Delta", "日本", "語", "-", "|"]),
                                   max_size=5).map(" ".join)), max_size=6))
def test_titles_are_corroborated_as_with_every_title_read_first(sourced):
    assert page._corroborated(sourced) == _corroborated_eagerly(sourced)


# --- <meta>s: only the keys the reader reads are kept -----------------------------------------------------------------


def test_every_meta_key_the_reader_asks_for_is_kept():
    """Each meta.get("…") in page.py names a key of _META_KEYS_READ (a key missing there would read as absent)."""
    source = Path(page.__file__).read_text(encoding="utf-8")
    asked = set(re.findall(r"""meta\.get\(["']([^"']+)["']""", source))
    assert asked and asked <= page._META_KEYS_READ, asked - page._META_KEYS_READ
    # The keys read in loops: meta.get(key) for key in these tuples.
    assert re.findall(r"meta\.get\(key\)", source)
    assert set(page._OTHER_TITLE_META) | set(page._DATE_META_KEYS) <= page._META_KEYS_READ
    assert "meta.get(" not in source.replace("meta.get(key)", "").replace('meta.get("', "")


def _every_meta(tree):
    """_collect_meta as it was: the first non-empty content of every key."""
    found = {}
    for node in tree.tags("meta"):
        attrs = node.attributes
        content = page._clean_inline(attrs.get("content"))
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            for key in (attrs.get(attr) or "").lower().split():
                found.setdefault(key, content)
    return found


_META_KEYS = sorted(page._META_KEYS_READ) + ["description", "og:description", "viewport", "og:image", "OG:TITLE"]
_META_ATTRIBUTES = ["name", "property", "itemprop", "http-equiv", "NAME", "rel"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_META_ATTRIBUTES),
                          st.lists(st.sampled_from(_META_KEYS), min_size=1, max_size=3).map(" ".join),
                          st.sampled_from(["", " ", "\u3000", "Some  Title", "2020-02-15", "ja_JP", "en,fr", " x\ny "]),
                          st.booleans()),
                max_size=12))
def test_the_meta_kept_are_the_keys_read_of_every_meta(metas):
    """_collect_meta against the first non-empty content of every key, restricted to _META_KEYS_READ: pages of
    <meta>s with keys read and not, several keys in one attribute, empty and white-space contents, no content."""
    tags = "".join(f'<meta {attribute}="{keys}"' + (f' content="{content}"' if has_content else "") + ">"
                   for attribute, keys, content, has_content in metas)
    tree = LexborHTMLParser(f"<html><head>{tags}</head><body><meta name=language content=de></body></html>")
    every = _every_meta(tree)
    assert page._collect_meta(tree) == {key: value for key, value in every.items() if key in page._META_KEYS_READ}


# --- soft-404 signals: one look for a hint in all the places ------------------------------------------------------------


def _soft_404_signals_place_by_place(candidates, h1, main_text):
    """The previous _soft_404_signals: each place looked at on its own."""
    signals = []
    places = [("title", title) for title in candidates[:3]] + [("h1", h1 or ""), ("body", main_text[:600])]
    for place, text in places:
        lowered = text.lower()
        if page._NOT_FOUND_HINTS.found_in(lowered):
            signals.extend(f"{place}: {match.group(0)}" for match in page._NOT_FOUND_PHRASES.finditer(lowered))
        if place != "body" and page._TITLE_404_HINTS.found_in(lowered):
            signals.extend(f"{place}: {match.group(0)}" for match in page._TITLE_404.finditer(lowered))
    return tuple(dict.fromkeys(signals))


_SOFT_404_PIECES = ["Page Not Found", "404", "Error", "エラー", "ページが見つかりません", "no longer available", "not",
                    " found", "fou", "nd", "ΣΑΣ", "İ", "\n", " ", "page you’re looking for", "x" * 300, "1404"]
_soft_404_texts = st.lists(st.one_of(st.sampled_from(_SOFT_404_PIECES), st.text(max_size=4)), max_size=5).map("".join)


def test_soft_404_hints_are_both_lists():
    assert set(page._SOFT_404_HINTS.words) == set(page._NOT_FOUND_HINTS.words) | set(page._TITLE_404_HINTS.words)
    assert page._SOFT_404_HINTS.bounded is page._NOT_FOUND_HINTS.bounded is page._TITLE_404_HINTS.bounded is None
    assert not any("\n" in word for word in page._SOFT_404_HINTS.words)


@settings(max_examples=500, deadline=None)
@given(st.lists(_soft_404_texts, max_size=4), st.one_of(st.none(), _soft_404_texts), _soft_404_texts)
def test_soft_404_signals_are_found_as_place_by_place(candidates, h1, main_text):
    expected = _soft_404_signals_place_by_place(tuple(candidates), h1, main_text)
    assert page._soft_404_signals(tuple(candidates), h1, main_text) == expected


# --- decoding: characters counted by runs -------------------------------------------------------------------------------

_DECODE_CHARACTERS = list("aZ \x7f\x80\x9f\xa0é") + ["\u3000", "\u30ff", "\u3041", "\uff01", "\uff5e", "\uff61", "\uff9f",
                                                      "\ue000", "\uf8ff", "\ufffd", "\ud800", "漢", "😀"]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(_DECODE_CHARACTERS), max_size=60))
def test_character_counts_are_the_single_character_findalls(text):
    assert page._non_ascii_count(text) == len(re.findall(r"[^\x00-\x7f]", text))
    assert page._count(page._UNLIKELY_CHARS, text) == len(re.findall(r"[\uff61-\uff9f\ue000-\uf8ff\x80-\x9f\ufffd]", text))
    assert page._count(page._KANA_OR_CJK_PUNCT, text) == len(re.findall(r"[\u3000-\u30ff\uff01-\uff5e]", text))


# Pairs that share their start (and their key's start) with different answers: a memo keyed on too little would mix
# them up.
_SITE_WIDE_SAMPLES = ["Home", "Home prices rise again this spring", "Example Daily", "Example Daily 2",
                      "Example Daily wins the award for its reporting", "example.com", "example of a headline",
                      "News", "News of the week in five lines", "", "  ", "トップページ", "トップ記事の見出しです",
                      "Daily", "Daily life in the old town, a photo essay"]


def _site_names() -> headline.SiteNames:
    return headline.SiteNames(["Example Daily"], "https://www.example.com/a", on_page=lambda: ["Daily", "Home"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_SITE_WIDE_SAMPLES), min_size=1, max_size=8))
def test_site_wide_answers_remembered_are_the_answers_worked_out(texts):
    remembering = _site_names()
    assert [remembering.is_site_wide(text) for text in texts] == [_site_names().is_site_wide(text) for text in texts]


def test_the_site_wide_samples_take_both_answers_after_a_shared_start():
    answers = {text: _site_names().is_site_wide(text) for text in _SITE_WIDE_SAMPLES}
    assert answers["Home"] and not answers["Home prices rise again this spring"]
    assert answers["Example Daily"] and not answers["Example Daily wins the award for its reporting"]


# --- main text: the retry on a fresh parse is skipped when it would work on the same tree ------------------------------

_PAGE_PIECES = ['<div class="sidebar">', '<div id="comment-1">', '<div role="navigation">', '<div class="content">',
                '<div class="page-ad-margins">', '<nav>', "<aside>", '<p class="byline">', "<p>", "<section>",
                '<span hidden>', '<div style="display:none">', '<div aria-hidden="true">', "</div>", "</p>",
                "</section>", "<h1>Not found</h1>", "<br>", '<a href="/">home</a>', "<li>", "<ul>", "</ul>",
                "Short text.", "A sentence of the article, with a comma, and words enough to score. " * 3,
                "ページが見つかりません。", "x" * 120, "<table><tr><td>cell text, with a comma</td></tr></table>"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PAGE_PIECES), max_size=14).map("".join), st.booleans())
def test_main_text_without_the_needless_retry_is_the_main_text(body, with_head):
    source = ("<html><head><title>t</title></head><body>" if with_head else "") + body
    always_retried = page.extract_main_text(LexborHTMLParser(source), source)
    assert page.extract_main_text(LexborHTMLParser(source), source, pristine=True) == always_retried
    assert page.extract_main_text(LexborHTMLParser(source.encode()), source, pristine=True) == always_retried


def test_the_pages_above_take_both_ways_and_the_retry_can_win():
    """The retry is skipped for a page whose class/id removal took nothing, made (and kept) for one where it took the
    article's wrapper."""
    taken = '<div class="page-ad-margins"><p>' + "Words of the article, " * 5 + "</p></div>"
    assert page._main_text_pass(LexborHTMLParser(taken), strip_unlikely=True) == ("", True)
    assert page.extract_main_text(LexborHTMLParser(taken), taken, pristine=True).startswith("Words of the article")
    plain = "<p>Page not found.</p>"
    assert page._main_text_pass(LexborHTMLParser(plain), strip_unlikely=True) == ("Page not found.", False)
