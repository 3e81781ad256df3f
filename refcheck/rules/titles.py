"""Is the fetched page the article a reference names? Title normalisation, comparison, and the title rules."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from refcheck.models import Finding, PageFacts
from refcheck.numbers import DATE_UNITS, Quantity, find_quantities, quantities_agree, units_comparable
from refcheck.rules.registry import finding
from refcheck.rules.sites import (domain_name_keys, looks_like_domain, name_key, publishers_at, publishers_named,
                                  related_publishers, url_host)
from refcheck.sitenames import _host_name_keys, publishers_on_host

# Thresholds chosen on tests/fixtures/titles/pairs.jsonl (see docs/publishers.md and the test's printed figures).
# Latin titles: word-level similarity; CJK titles: character-bigram or content-word overlap (Dice), all 0..100.
LATIN_THRESHOLD = 84.0
CJK_THRESHOLD = 65.0
CJK_WORD_THRESHOLD = 75.0  # content words (runs of kanji, katakana, latin) shared, for rephrased particles
# In a short CJK title one substituted word (辞任/訪米, 利用/調達) leaves most bigrams shared: below this length
# (characters of the shorter title) character overlap alone is not enough, the content words must agree.
CJK_SHORT_TITLE = 20
# Titles that carry the same numbers (a date, an amount) share a specific fact: a looser bar is enough.
SAME_NUMBERS_RELIEF = 20.0
# A title contained in another (a dropped subtitle, a prefix) counts only when it is long enough to name an article.
MIN_CONTAINED_LATIN = 10
MIN_CONTAINED_CJK = 7

_QUOTES = str.maketrans("", "", "「」『』“”‘’\"'《》〈〉«»„‟‚‛`´")
_ASCII_QUOTES = ("\"", "'", "`")  # the only ASCII characters _QUOTES removes: other ASCII text is left as it is
# Em/en dashes and bars separate title parts; hyphen-like marks join words. ー (katakana long vowel) is neither.
_SEPARATING_DASHES = re.compile(r"(?=\s*[–—―])\s*[–—―]+\s*")
# One table for both (a single translate pass): joining dashes and wave dashes, and bracket styles as [].
_JOINING_DASHES_AND_BRACKETS = str.maketrans({"‐": "-", "‑": "-", "‒": "-", "−": "-", "〜": "~", "～": "~",
                                              "【": "[", "】": "]", "〔": "[", "〕": "]", "〖": "[", "〗": "]"})
_LEADING_BULLETS = re.compile(r"^[\s■□●○◆◇▼▽▲△★☆※◎◉・]+")
# Marks dropped from the end of a normalised title (which by then holds no white space but single spaces).
_TRAILING_MARKS = " .。,、:;!?・-|/~"
# Separators between a title and a site name or section: " | ", "｜", " - ", " : ", "：", " / ", " · ", "::", "_".
# Each of these patterns opens with a look-ahead for the one character every alternative needs (after optional
# space): it matches exactly what the alternatives match, but a position that cannot start a separator (nearly all
# of them) fails on one test instead of one per alternative, which makes a split about five times faster.
_SITE_SEPARATOR = re.compile(r"(?=\s*[|:/·•»«_-])(\s*\|\s*|\s*::\s*|\s+[-/·•»«]\s+|\s*(?<!\d):(?!\d)\s*|\s*-{2,}\s*|(?<=\S)-\s+|\s*_\s*)")
# Separators between a main title and its subtitle (for "a dropped subtitle is not a mismatch").
_SUBTITLE_SEPARATOR = re.compile(r"(?=\s*[|:~/·_-])\s*(?:\||::|(?<!\d):(?!\d)|\s-\s|-{2,}|(?<!\d)~(?!\d)|\s/\s|\s·\s|\s_\s)\s*")
_LEADING_TAG = re.compile(r"^\s*\[[^\]]{1,12}\]\s*")  # 【速報】, 【独自】, [News]
_TRAILING_PAREN = re.compile(r"\s*\(([^()]{1,40})\)\s*$")  # "(METI/経済産業省)"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_PAREN_PARTS = re.compile(r"[/|]")
_SENTENCE_END = re.compile(r"[。.!?]\s*$")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")  # 1.1 and 1.0 are different versions, not {1} and {1, 0}
_ERA = re.compile(r"(令和|平成|昭和)(\d+|元)年")
# Content words of a Japanese title: what is left between hiragana (particles, inflections) and punctuation.
_CONTENT_WORD = re.compile(r"[^\u3040-\u309f\W_]+")
_ERA_START = {"令和": 2018, "平成": 1988, "昭和": 1925}
# Words that, with the site's name removed, leave a title that still names no article.
GENERIC_WORDS = frozenset(name_key(word) for word in (
    "home", "homepage", "home page", "top", "top page", "index", "official site", "official website", "news",
    "blog", "press releases", "press release", "news release", "ホーム", "トップ", "トップページ", "ホームページ",
    "公式サイト", "公式ホームページ", "公式ウェブサイト", "ニュース", "ニュースリリース", "プレスリリース", "お知らせ",
    "記事一覧", "ブログ", "報道発表", "報道発表資料", "新着情報",
))


@dataclass(frozen=True)
class TitleComparison:
    matches: bool
    score: float  # 0..100, the best similarity found
    best_page_title: str
    reason: str
    numbers: tuple[str, str] | None = None  # (cited, page's) when a number or date of the cited title is contradicted


# --- normalisation -----------------------------------------------------------------------------------------


@lru_cache(maxsize=8192)  # pure, and each title is unified for several readings of it
def _unify_marks(text: str) -> str:
    """NFKC (full-width → half-width), separating dashes spaced as " - ", joining dashes as "-", brackets as []."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text  # every dash and bracket unified here is outside ASCII: nothing to do (and ASCII is common)
    text = text.translate(_JOINING_DASHES_AND_BRACKETS)
    return _SEPARATING_DASHES.sub(" - ", text)


@lru_cache(maxsize=16384)  # a title is read several ways, and the same page title is compared with many references
def normalize_title(text: str) -> str:
    """A title reduced for comparison: NFKC, case-folded, no quotes, dashes and brackets unified, spaces collapsed."""
    text = _unify_marks(text or "")
    if not text.isascii() or any(quote in text for quote in _ASCII_QUOTES):
        text = text.translate(_QUOTES)  # str.translate is slow per character: skipped when it would change nothing
    text = _LEADING_BULLETS.sub("", text.casefold())
    text = " ".join(text.split())  # white space runs as one space, none at the ends (str.split's white space is \s)
    return text.rstrip(_TRAILING_MARKS)


@lru_cache(maxsize=16384)  # each reading of each title is compacted; pure, so memoised
def compact(text: str) -> str:
    """Letters and digits only: the form two titles are compared in."""
    return name_key(normalize_title(text))


def _is_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def _long_enough(key: str) -> bool:
    return len(key) >= (MIN_CONTAINED_CJK if _is_cjk(key) else MIN_CONTAINED_LATIN)


# --- site names before and after a title -------------------------------------------------------------------


def _site_keys(site_names: Iterable[str]) -> frozenset[str]:
    keys = {name_key(name) for name in site_names if name}
    return frozenset(key for key in keys if key)  # frozen: a key of the memoised _forms


def _is_site_segment(segment: str, site_keys: frozenset[str]) -> bool:
    key = name_key(segment)
    if not key:
        return False
    if key in site_keys or publishers_named(segment) or looks_like_domain(segment.strip()):
        return True
    # "YOMIURI ONLINE（読売新聞）" contains the site's name and little else.
    return any(len(site) >= 3 and site in key and len(key) <= len(site) + 16 for site in site_keys)


def _is_section_segment(segment: str) -> bool:
    """A short section or category name between a title and its site ("スポーツ", "Environment")."""
    key = name_key(segment)
    return 0 < len(key) <= (6 if _is_cjk(key) else 14) and len(segment.split()) <= 2


@lru_cache(maxsize=8192)  # the same unified title is split by every reading of it (tuples: the answer is shared)
def _split_parts(title: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    pieces = _SITE_SEPARATOR.split(title)
    return tuple(pieces[0::2]), tuple(pieces[1::2])  # segments, and the separators between them


def _join_parts(segments: Sequence[str], separators: Sequence[str]) -> str:
    text = segments[0] if segments else ""
    for separator, segment in zip(separators, segments[1:]):
        text += separator + segment
    return text.strip()


def _strip_known(title: str, site_keys: frozenset[str]) -> str:
    segments, separators = _split_parts(title)
    # From the end: the last site segment within the last three, and short sections next to it.
    for index in range(len(segments) - 1, max(0, len(segments) - 4), -1):
        if index > 0 and _is_site_segment(segments[index], site_keys):
            keep = index
            while keep > 1 and index - keep < 2 and _is_section_segment(segments[keep - 1]):
                keep -= 1
            segments, separators = segments[:keep], separators[: keep - 1]
            break
    # From the start: a site name before the title ("NEWS WEB EASY|…").
    if len(segments) > 1 and _is_site_segment(segments[0], site_keys):
        segments, separators = segments[1:], separators[1:]
    text = _join_parts(segments, separators)
    paren = _TRAILING_PAREN.search(text)
    if paren and any(_is_site_segment(part, site_keys) for part in _PAREN_PARTS.split(paren.group(1))):
        text = text[: paren.start()]
    return text


def _strip_site_like_tail(title: str) -> str:
    """Drop a last segment that looks like a site name ("… - Impress Watch") when the separator is a clear one."""
    segments, separators = _split_parts(title)
    if len(segments) < 2 or separators[-1].strip() in {"_", ""} or separators[-1] == ": ":
        return title  # "Daring Fireball: Colophon": a colon followed by a space opens a subtitle, not a site name
    tail, main = segments[-1], _join_parts(segments[:-1], separators[:-1])
    tail_key, main_key = name_key(tail), name_key(main)
    site_like = 0 < len(tail_key) <= 24 and len(tail.split()) <= 4 and not _SENTENCE_END.search(tail)
    if site_like and _long_enough(main_key) and len(main_key) > len(tail_key):
        return main
    return title


def strip_site_affixes(title: str, site_names: Iterable[str] = ()) -> str:
    """The title without a site name added before or after it (`… | 読売新聞オンライン`, `【速報】…`, `… - ITmedia NEWS`).

    Given site names and the publisher table's names are removed wherever they stand as a segment; any other
    short last segment after a clear separator is removed as a likely site name. Text is NFKC-normalised.
    """
    return _strip_with_keys(title, _site_keys(site_names))


def _strip_with_keys(title: str, site_keys: frozenset[str]) -> str:
    """`strip_site_affixes` for site names already made keys (`_site_keys`): several titles, one set of names."""
    text = _untagged(title or "")
    stripped, tail_stripped = _site_stripped(text, site_keys)
    return tail_stripped if stripped == text else stripped


@lru_cache(maxsize=8192)  # a cited title is read by both generic-title checks and by its comparison
def _untagged(title: str) -> str:
    """The title unified (`_unify_marks`), without a leading tag (【速報】, [News])."""
    text = _unify_marks(title)
    return (_LEADING_TAG.sub("", text) if "[" in text else text).strip()  # a tag is bracketed: no `[`, no tag


@lru_cache(maxsize=8192)  # pure; the same title with the same site names is stripped by several checks
def _site_stripped(text: str, site_keys: frozenset[str]) -> tuple[str, str]:
    """An untagged title without the known site names, and that again without a site-like last segment."""
    known = _strip_known(text, site_keys)
    return known, _strip_site_like_tail(known)


# --- comparison --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Forms:
    """The ways one title can be read: whole, without site names, without a site-like tail; and its parts."""

    text: str  # the title as given
    keys: tuple[str, ...]
    parts: tuple[str, ...]
    words: tuple[tuple[str, ...], ...]  # Latin words, in order
    content_words: tuple[frozenset[str], ...]  # CJK content words
    numbers: frozenset[str]


def _gregorian_years(text: str) -> str:
    """令和7年 → 2025年, so a title written with the era name matches one written with the Western year."""
    return _ERA.sub(lambda m: f"{_ERA_START[m.group(1)] + (1 if m.group(2) == '元' else int(m.group(2)))}年", text)


def _first_key(title: str) -> str:
    """The key of a title's first reading, `_forms(title, …).keys[0]` whenever it is not empty (any site names)."""
    return compact(_gregorian_years(unicodedata.normalize("NFKC", title)))


@lru_cache(maxsize=4096)  # pure: a page title cited by several references is read once
def _forms(title: str, site_keys: frozenset[str]) -> _Forms:
    original = title
    title = _gregorian_years(unicodedata.normalize("NFKC", title))
    unified = _untagged(title)
    known, tail_stripped = _site_stripped(unified, site_keys)
    # The readings often coincide; each distinct one is read once (first-seen order, as the results are ordered).
    readings = tuple(dict.fromkeys((title, unified, known, tail_stripped)))
    stripped = tuple(dict.fromkeys((known, tail_stripped)))
    keys = tuple(dict.fromkeys(key for key in map(compact, readings) if key))
    parts = tuple(dict.fromkeys(key for reading in stripped
                                for key in map(compact, _SUBTITLE_SEPARATOR.split(reading)) if _long_enough(key)))
    words = tuple(dict.fromkeys(words for words in map(_plain_words, readings) if words))
    content = tuple(dict.fromkeys(frozenset(_CONTENT_WORD.findall(normalize_title(reading))) for reading in readings))
    return _Forms(original, keys, parts, words, tuple(words for words in content if words), _numbers(unified))


_WORD = re.compile(r"\w+")


def _plain_words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(normalize_title(text)))  # the runs of letters and digits (\w holds no white space)


def _numbers(text: str) -> frozenset[str]:
    return frozenset(number if "." in number else number.lstrip("0") or "0" for number in _NUMBER.findall(text))


def _numbers_conflict(first: frozenset[str], second: frozenset[str]) -> bool:
    """Both titles carry numbers and neither set holds the other: "Issue 85" is not "Issue 86"."""
    return bool(first) and bool(second) and not (first <= second or second <= first)


@lru_cache(maxsize=8192)  # pure; a cited title is compared with each of a page's titles
def _quantities(text: str) -> tuple[Quantity, ...]:
    return tuple(find_quantities(_gregorian_years(unicodedata.normalize("NFKC", text))))


def contradicted_quantity(cited: str, page: str) -> tuple[str, str] | None:
    """(as cited, as the page has it) for an amount or date of the cited title that the page's title contradicts.

    A quantity contradicts when the page's title has quantities of the same kind (a date, yen, a bare count) and none
    of them states the same value: 1兆円 vs 1.2兆円, "May 1" vs "June 1". 1兆円 and 1,000,000,000,000円 agree.
    """
    page_quantities = _quantities(page)
    for quantity in _quantities(cited):
        comparable = [other for other in page_quantities if units_comparable(quantity, other)]
        if comparable and not any(quantities_agree(quantity, other) for other in comparable):
            return quantity.text, comparable[0].text
    return None


def _written_otherwise(first: str, second: str) -> bool:
    """The two titles write their quantities differently (else rewriting them alike changes nothing)."""
    return {q.text for q in _quantities(first)} != {q.text for q in _quantities(second)}


def _canonical_quantities(text: str) -> str:
    """The text with each quantity written one way (its value and unit), so that formatting does not count."""
    text = _gregorian_years(unicodedata.normalize("NFKC", text))
    for quantity in reversed(find_quantities(text)):
        unit = "" if quantity.unit in DATE_UNITS or not quantity.unit else quantity.unit
        text = f"{text[:quantity.start]}{quantity.value:g}{unit}{text[quantity.end:]}"
    return text


def _same_quantities(cited: str, page: str) -> bool:
    """Every quantity of the cited title is stated, maybe written otherwise, in the page's title."""
    cited_quantities, page_quantities = _quantities(cited), _quantities(page)
    return bool(cited_quantities) and all(any(quantities_agree(q, other) for other in page_quantities)
                                          for q in cited_quantities)


def _contained(shorter: str, longer: str) -> bool:
    return _long_enough(shorter) and (longer.startswith(shorter) or longer.endswith(shorter))


def _bigrams(key: str) -> list[str]:
    return [key[i:i + 2] for i in range(len(key) - 1)] or [key]


def _dice(first: str, second: str) -> float:
    a, b = _bigrams(first), _bigrams(second)
    pool, common = list(b), 0
    for gram in a:
        if gram in pool:
            pool.remove(gram)
            common += 1
    return 200.0 * common / (len(a) + len(b))


def _set_dice(first: frozenset[str], second: frozenset[str]) -> float:
    return 200.0 * len(first & second) / (len(first) + len(second))


def _similarity(cited: _Forms, page: _Forms, relief: float) -> tuple[float, bool]:
    """The best similarity (0..100) and whether it clears the bar for the titles' script."""
    if any(_is_cjk(key) for key in cited.keys + page.keys):
        characters, a, b = max((_dice(a, b), a, b) for a in cited.keys for b in page.keys)
        words = max((_set_dice(a, b) for a in cited.content_words for b in page.content_words), default=0.0)
        long_enough = min(len(a), len(b)) >= CJK_SHORT_TITLE or relief > 0
        passes = (characters >= CJK_THRESHOLD - relief and long_enough) or words >= CJK_WORD_THRESHOLD - relief
        return round(max(characters, words), 1), passes
    # Latin: word by word, so one changed word in a short title weighs as much as it reads.
    score = max((fuzz.ratio(a, b) for a in cited.words for b in page.words), default=0.0)
    return round(score, 1), score >= LATIN_THRESHOLD - relief


def _compare_one(cited: _Forms, page: _Forms) -> tuple[bool, float, str]:
    if cited.keys[0] == page.keys[0]:
        return True, 100.0, "same title after normalisation"  # the common case: no similarity to work out
    relief = SAME_NUMBERS_RELIEF if cited.numbers and cited.numbers == page.numbers else 0.0
    score, similar = _similarity(cited, page, relief)
    if _numbers_conflict(cited.numbers, page.numbers) and not _same_quantities(cited.text, page.text):
        return False, score, "the titles carry different numbers"
    if contradicted_quantity(cited.text, page.text):
        return False, score, "the titles carry different numbers"
    if set(cited.keys) & set(page.keys):
        return True, 100.0, "same title once the site name is removed"
    for a in cited.keys:
        for b in page.keys:
            shorter, longer = sorted((a, b), key=len)
            if _contained(shorter, longer):
                return True, 100.0, "one title is the other with a subtitle, prefix or site name added"
    if set(cited.keys) & set(page.parts) or set(page.keys) & set(cited.parts):
        return True, 100.0, "one title is a part of the other (a dropped subtitle)"
    if similar:
        return True, score, "similar titles"
    return False, score, "the titles name different articles"


def compare_titles(cited: str, page_titles: Sequence[str], site_names: Sequence[str] = ()) -> TitleComparison:
    """Compare a cited title with the page's title candidates; a match with any candidate is a match."""
    site_keys = _site_keys(site_names)
    # A title's first key (`_Forms.keys[0]` when it is not empty) is cheap; when a candidate's equals the cited
    # title's, `_compare_one` answers "same title" from those alone, so the other readings are not made.
    cited_first = _first_key(cited)
    cited_forms = None if cited_first else _forms(cited, site_keys)
    if cited_forms is not None and not cited_forms.keys:
        return TitleComparison(True, 0.0, "", "no cited title to compare")
    best: tuple[bool, float, str, str] | None = None
    for page_title in page_titles:
        if not page_title or not compact(page_title) or name_key(page_title) in site_keys:
            continue  # an empty page title, or one that is only the site's name, says nothing about the article
        if cited_first and _first_key(page_title) == cited_first:
            matches, score, reason = True, 100.0, "same title after normalisation"
        else:
            cited_forms = cited_forms or _forms(cited, site_keys)
            matches, score, reason = _compare_one(cited_forms, _forms(page_title, site_keys))
        if (not matches and _written_otherwise(cited, page_title) and _same_quantities(cited, page_title)
                and _same_quantities(page_title, cited)):
            # The same amounts written otherwise (1兆円 / 1,000,000,000,000円): compare with both written alike.
            matches, score, reason = _compare_one(_forms(_canonical_quantities(cited), site_keys),
                                                  _forms(_canonical_quantities(page_title), site_keys))
        if best is None or (matches, score) > (best[0], best[1]):
            best = (matches, score, page_title, reason)
            if matches and score >= 100.0:
                break  # no later candidate can beat a full match (scores are at most 100), and ties keep the first
    if best is None:
        return TitleComparison(True, 0.0, "", "no page title to compare")
    # The contradicted number is named only for titles that otherwise tell the same story ("第3回" / "第4回").
    numbers = contradicted_quantity(cited, best[2]) if not best[0] and best[1] >= REVERSED_SIMILARITY else None
    return TitleComparison(matches=best[0], score=best[1], best_page_title=best[2], reason=best[3], numbers=numbers)


# --- the rules ---------------------------------------------------------------------------------------------


# Pure look-ups with immutable answers, asked several times per reference for the same URL (check_title, then
# is_generic_title twice): memoised here rather than in sites.py, which other callers use once per value.
_publishers_at = lru_cache(maxsize=4096)(publishers_at)
_domain_name_keys = lru_cache(maxsize=4096)(domain_name_keys)


def is_generic_title(title: str | None, site: str | None, url: str | None) -> bool:
    """True when the title is only a site or publisher name (`"Impress Watch". Impress Watch.`), naming no article."""
    # Of the URL only its host counts (its publishers and the names in its domain), and whether there is a URL at
    # all: the memo is keyed on that, so the same title on one site is worked out once whatever the page.
    return _is_generic_on(title, site, url_host(url) if url else None)


@lru_cache(maxsize=16384)  # pure (the publisher table is fixed), and asked up to three times per reference
def _is_generic_on(title: str | None, site: str | None, host: str | None) -> bool:
    """`is_generic_title` for a URL's host (None: no URL; "": a URL with no host)."""
    # An ASCII title's compact form is its name key: normalize_title only drops or case-folds, there, characters that
    # name_key drops or case-folds too (tests/rules/test_titles_ascii.py). One normalisation instead of two, and the
    # name key is the one publishers_named looks up next.
    key = name_key(title) if title and title.isascii() else compact(title or "")
    if not key:
        return False
    if key == name_key(site) or key in _domain_name_keys(looks_like_domain(site) or "") or (
            host is not None and key in _host_name_keys(host)):
        return True
    titled = publishers_named(title)
    if titled and _publisher_fits(titled, site, host):
        return True
    unsplit = _unsplit(title or "")
    if unsplit is not None:
        remainder = name_key(unsplit)  # nothing to strip, whatever the site names: they are not gathered
    else:
        at_host = publishers_on_host(host or "")
        context = tuple(dict.fromkeys(publishers_named(site) + _publishers_at(looks_like_domain(site) or "") + at_host))
        site_names = [site or "", *(name for publisher in context for name in publisher.names)]
        remainder = name_key(strip_site_affixes(title or "", site_names))
    return not remainder or remainder in GENERIC_WORDS


def _unsplit(title: str) -> str | None:
    """`strip_site_affixes(title, names)` for any names when the untagged title has no separator and no trailing
    parenthesis (then there is no segment to remove: the untagged title is the answer); else None."""
    text = _untagged(title)
    if len(_split_parts(text)[0]) > 1 or (")" in text and _TRAILING_PAREN.search(text)):
        return None
    return text


def _publisher_fits(titled: tuple, site: str | None, host: str | None) -> bool:
    """A title naming a publisher is generic unless the site or URL says the page is elsewhere (`"BBC". Wikipedia.`)."""
    site_publishers = publishers_named(site) + _publishers_at(looks_like_domain(site) or "")
    if site_publishers:
        return related_publishers(titled, site_publishers)
    if host is not None and publishers_on_host(host):
        return related_publishers(titled, publishers_on_host(host))
    if host is not None:
        return any(name_key(name) in _host_name_keys(host) for publisher in titled for name in publisher.names)
    return True  # nothing says the title means anything but the publisher


# Words that, added to a title, reverse or cancel what it says: "Summit postponed", 「五輪開催を延期」.
_REVERSING_JA = (
    "延期", "中止", "撤回", "否定", "見送り", "見送る", "見送った", "見送へ", "断念", "取りやめ", "取り止め", "とりやめ",
    "白紙", "凍結", "否決", "中断", "停止", "頓挫", "破談", "撤退", "誤報", "デマ", "虚偽", "事実無根", "誤り",
    "訂正", "しない", "ではない", "でない", "できない", "されない", "せず", "されず", "不成立", "不承認", "不採用",
)
_REVERSING_EN = re.compile(
    r"\b(?:not|never|no longer|denies|denied|deny|denying|postpone[sd]?|postponing|delay(?:s|ed)|halt(?:s|ed)?"
    r"|cancel(?:s|led|ed|ling|ing)?|cancellation|call(?:s|ed)? off|scrap(?:s|ped)|withdraw[sn]?|withdrew"
    r"|retract(?:s|ed)?"
    r"|retraction|false|fake|hoax|debunk(?:s|ed)?|myth|rejects?|rejected|suspend(?:s|ed)?|revers(?:es|ed)"
    r"|overturn(?:s|ed)?|backtracks?|abandon(?:s|ed)?|drops? plans?|isn't|aren't|wasn't|weren't|won't|doesn't"
    r"|didn't|don't|can't|cannot)\b",
    re.IGNORECASE,
)


MIN_REVERSED_CITED = 4  # characters (letters and digits) a cited title needs for the reversing-word check
# A page title this similar to the cited one (0..100) that adds a reversing word is the cited story reversed
# ("Minister denies he resigns over leaked memo"), even when it no longer counts as the same title.
REVERSED_SIMILARITY = 60.0
COVERED_SHARE = 0.8  # or this share of the cited title's words in the page's title


def reversing_words(cited: str, page_title: str) -> tuple[str, ...]:
    """Words of the page's title that reverse or cancel the cited title and that the cited title does not have."""
    cited_text = _apostrophes(unicodedata.normalize("NFKC", cited)).casefold()
    page_text = _apostrophes(unicodedata.normalize("NFKC", page_title))
    found: list[str] = []
    for word in _REVERSING_JA:
        if word in page_text and word not in cited_text and not any(word in other for other in found):
            found.append(word)
    for match in _REVERSING_EN.finditer(page_text):
        word = match.group(0)
        already = word.casefold() in map(str.casefold, found)
        if not already and not re.search(rf"\b{re.escape(word.casefold())}\b", cited_text):
            found.append(word)
    return tuple(found)


def _covers(cited: str, page_title: str) -> bool:
    """Nearly every word of the cited title (crudely stemmed) or CJK bigram is in the page's title."""
    cited_key, page_key = compact(cited), compact(page_title)
    if _is_cjk(cited_key):
        grams, page_grams = set(_bigrams(cited_key)), set(_bigrams(page_key))
        return bool(grams) and len(grams & page_grams) / len(grams) >= COVERED_SHARE
    stems = {word.rstrip("s") for word in _plain_words(cited) if len(word) >= 3}
    page_stems = {word.rstrip("s") for word in _plain_words(page_title)}
    return len(stems) >= 2 and len(stems & page_stems) / len(stems) >= COVERED_SHARE


def _apostrophes(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'")


# The first word (run of letters) of every match of _REVERSING_EN, lower-case (tests/rules/test_titles_reversing.py
# derives it from the pattern): an ASCII text without one of these words has no match.
_REVERSING_EN_FIRST_WORDS = frozenset((
    "not never no denies denied deny denying postpone postponed postpones postponing delays delayed halt halts "
    "halted cancel cancels cancelled canceled cancelling canceling cancellation call calls called scraps scrapped "
    "withdraw withdraws withdrawn withdrew retract retracts retracted retraction false fake hoax debunk debunks "
    "debunked myth reject rejects rejected suspend suspends suspended reverses reversed overturn overturns "
    "overturned backtrack backtracks abandon abandons abandoned drop drops isn aren wasn weren won doesn didn don "
    "can cannot"
).split())
_ASCII_LETTERS = re.compile(r"[a-z]+")


def _may_hold_reversing_word(title: str) -> bool:
    """False when `reversing_words(anything, _strip_with_keys(title, any keys))` is surely empty: then the title is
    neither stripped nor compared by `_reversed_by` (most titles hold no such word).

    The stripped title is a stretch of the title once NFKC-normalised and its dashes and brackets unified (marks, not
    letters), cut at separators; so each reversing word it holds is in the whole normalised title too, and so is the
    word boundary on each side, except where the cut was an underscore (a word character), written here as a space.
    """
    text = _apostrophes(unicodedata.normalize("NFKC", title)).replace("_", " ")
    if text.isascii():  # no Japanese word, and case is ASCII case: the first word of a match is one of a few
        return not _REVERSING_EN_FIRST_WORDS.isdisjoint(_ASCII_LETTERS.findall(text.lower()))
    return _REVERSING_EN.search(text) is not None or any(word in text for word in _REVERSING_JA)


def _reversed_by(cited_title: str, titles: Sequence[str],
                 site_names: Sequence[str]) -> tuple[str, tuple[str, ...]] | None:
    """A page title that holds the cited title plus words reversing it: (that title, the words)."""
    titles = [title for title in titles if _may_hold_reversing_word(title)]
    if not titles:
        return None  # no title could be returned (and nothing else is worked out for them)
    site_keys = _site_keys(site_names)  # the same names for every title: made keys once
    cited_key = compact(_strip_with_keys(cited_title, site_keys))
    if len(cited_key) < MIN_REVERSED_CITED:
        return None
    for title in titles:
        stripped = _strip_with_keys(title, site_keys)
        if cited_key not in compact(stripped) and not _covers(cited_title, stripped):
            comparison = compare_titles(cited_title, [title], site_names)
            if not comparison.matches and comparison.score < REVERSED_SIMILARITY:
                continue
        if compact(stripped) == cited_key:
            continue  # the cited title itself: nothing added to reverse it (reversing_words is not asked)
        words = reversing_words(cited_title, stripped)
        if words:
            return title, words
    return None


def check_title(cited_title: str | None, page: PageFacts | None, *, line: int | None = None,
                url: str | None = None, ref: str | None = None) -> Finding | None:
    """A title-mismatch finding when the page's titles name another article than the cited one; else None."""
    if not cited_title or page is None or page.challenge:
        return None  # no title, no page, or a challenge page that is not the article: no verdict
    candidates = tuple(dict.fromkeys(t for t in (*page.title_candidates, page.title) if t and t.strip()))
    if not candidates:
        return None
    if is_generic_title(cited_title, page.site_name, url) or is_generic_title(cited_title, None, url):
        return None  # a title that is only a site name is the generic-title rule's business
    site_names = [page.site_name or "", *(name for p in publishers_on_host(url_host(url or "")) for name in p.names)]
    comparison = compare_titles(cited_title, candidates, site_names)
    reversed_by = _reversed_by(cited_title, candidates, site_names)
    if comparison.matches and reversed_by is None:
        return None
    if reversed_by is not None:
        page_title, words = reversed_by
        named = ", ".join(f"\"{word}\"" for word in words)
        message = (f"the page's title \"{page_title}\" adds {named} to \"{cited_title}\": "
                   f"it may say the opposite of the cited title")
        return finding("title-mismatch", message, line=line, url=url, ref=ref,
                       evidence={"cited_title": cited_title, "page_title": page_title, "score": comparison.score,
                                 "reversing_words": list(words)})
    message = (f"the page's title is \"{comparison.best_page_title}\", not \"{cited_title}\" "
               f"(similarity {comparison.score:.0f}/100)")
    evidence = {"cited_title": cited_title, "page_title": comparison.best_page_title, "score": comparison.score}
    if comparison.numbers:
        cited_number, page_number = comparison.numbers
        message += f"; the cited title says {cited_number}, the page's title {page_number}"
        evidence["contradicting_numbers"] = [list(comparison.numbers)]
    return finding("title-mismatch", message, line=line, url=url, ref=ref, evidence=evidence)
