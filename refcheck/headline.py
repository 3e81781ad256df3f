"""The title a reader would cite for a page: without the site's name, or the headline when the title is site-wide.

Pure; used by the page reader for `PageFacts.title`. A site name is recognised in any arrangement — before or after
the title, after `|` `｜` `-` `–` `—` `:` `：` `／` `/` `«` `»` `::` `--` `·`, with section names next to it
(`… : スポーツ : 読売新聞オンライン`) — when it is one the page declares (og:site_name, JSON-LD publisher,
application-name), one written on the page (the text of a link to the home page, or a heading that is also a
piece of the `<title>`), a name in the publisher table or the URL's domain. Without a known name, only a short
last piece after a clear separator (`|`, ` - `, ` – `, ` — `, `«`, `»`) is taken for one; a title that merely
holds a separator ("Python 3.12: What's New") is kept as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from refcheck.sitenames import (domain_name_keys, looks_like_domain, name_key, publishers_at, publishers_named,
                                registrable_domain, url_host)

# Separators between a title and a site name, each a group so that re.split keeps them. "Strong" ones often
# introduce a site name even when the name is unknown; "weak" ones (colons, slashes, "--") as often open a subtitle,
# so only a known name after them is removed.
_SEPARATOR = re.compile(
    # Every branch starts with white space or one of these characters: the lookahead lets the regex engine pass over
    # every other position after one test instead of trying the eleven branches there (4× less time per title).
    r"(?=[\s|｜¦\-‐‑‒–—―－:«»›>：／/·•_])"
    r"(\s*[|｜¦]\s*"  # bars, spaced or not
    r"|\s+[-‐‑‒–—―－]{1,2}\s+"  # spaced dashes
    r"|\s+::\s+|\s+[«»›>]\s+"
    r"|\s*：\s*|(?<!\d)\s*:(?!\d)\s*"  # colons (not in 10:30)
    r"|\s*／\s*|\s+/\s+"  # slashes (not in "and/or")
    r"|\s*-{2,}\s*|\s*[—―]{2,}\s*"  # "--", "――"
    r"|\s+[·•_]\s+)"
)
# Every branch of _SEPARATOR holds one of these (white space alone separates nothing): a title without any is one piece.
_SEPARATOR_MARK = re.compile(r"[|｜¦\-‐‑‒–—―－:«»›>：／/·•_]")
_STRONG = re.compile(r"\s*[|｜¦]\s*|\s+(?:[-‐‑‒–—―－]{1,2}|[«»]|::)\s+")
_EDGE_JUNK = re.compile(r"^[\s|｜¦:：/／\-–—―·•»«]+|[\s|｜¦:：/／\-–—―·•»«]+$")
_EDGE_JUNK_MARKS = "|｜¦:：/／-–—―·•»«"  # _EDGE_JUNK's characters besides white space (str.isspace() is \s)
_TRAILING_PAREN = re.compile(r"\s*[(（]([^()（）]{1,40})[)）]\s*$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_SENTENCE_END = re.compile(r"[。.!?！？]$")
_DIGIT = re.compile(r"\d")
_LATIN_TAIL = re.compile(r"(?<=[\u3040-\u30ff\u3400-\u9fff）」』！？。])\s+([A-Za-z][A-Za-z0-9 .&'!-]{2,30})$")

# Words that name no article: a title that is only these (and site names) is site-wide.
GENERIC_WORDS = frozenset(name_key(word) for word in (
    "home", "homepage", "home page", "top", "top page", "index", "official site", "official website", "news",
    "blog", "welcome", "ホーム", "トップ", "トップページ", "ホームページ", "公式サイト", "公式ホームページ",
    "公式ウェブサイト", "ニュース", "お知らせ", "記事一覧", "ブログ", "新着情報",
))
MAX_SITE_TAIL_WORDS = 4  # an unknown last piece longer than this is a subtitle, not a site name
MAX_SITE_TAIL_CHARS = 30
MAX_PAGE_NAME = 60  # characters: a longer text is no name written on the page (page.py keeps none longer)
# Share of words (of the longer) an <h1> must have in common with the best title to be taken as its visible form.
HEADING_OVERLAP = 0.7


class SiteNames:
    """The names a page's site goes by, as keys (`name_key`): declared, on the page, in the table, the domain."""

    def __init__(self, declared: Iterable[str | None], url: str | None,
                 on_page: Callable[[], Iterable[str]] | None = None):
        self.declared, self.contained, self.exact = _known_keys(tuple(n for n in declared if n), url_host(url or ""))
        self._on_page = on_page
        self._page_keys: set[str] | None = None
        self._site_wide: dict[str, bool] = {}  # is_site_wide's answers: a title is asked about two or three times

    def page_keys(self) -> set[str]:
        """Names written on the page (home links), read only when a title needs them."""
        if self._page_keys is None:
            names = self._on_page() if self._on_page else ()
            self._page_keys = {key for key in map(name_key, names) if key and key not in GENERIC_WORDS}
        return self._page_keys

    def is_site(self, text: str, *, use_page: bool = True, anywhere: bool = True) -> bool:
        key = name_key(text)
        if not key:
            return False
        if key in self.exact or looks_like_domain(text.strip()):
            return True
        if anywhere and publishers_named(text):
            return True
        if use_page and _name_sized(text) and key in self.page_keys():
            return True
        # "YOMIURI ONLINE（読売新聞）", "IPA 独立行政法人 情報処理推進機構": the name and little else.
        digits = _DIGIT.search(key) is not None  # "JVNDB-2018-013542" holds "jvn" but is no site name
        # Before the title, a piece that reads as a phrase ("The Guardian view on Hong Kong: …") is the headline's
        # own start, not the site: a name does not run on in lower-case words.
        phrase = not anywhere and _reads_as_phrase(text)
        if not phrase and any(site in key and len(key) <= len(site) + 16 and (not digits or _DIGIT.search(site))
                              for site in self.contained):
            return True
        # "Aktuálně.cz" for "Aktuálně.cz - Víte, co se právě děje", "Spiceworks" for "Spiceworks Inc".
        return len(key) >= 4 and any(site.startswith(key) for site in self.declared)

    def names_exactly(self, text: str) -> bool:
        """The text is a known name (or a declared one with a few characters more): "(METI/経済産業省)"."""
        key = name_key(text)
        if not key:
            return False
        if key in self.exact or (_name_sized(text) and key in self.page_keys()):
            return True
        return any(site in key and len(key) <= len(site) + 4 for site in self.declared if len(site) >= 3)

    def is_site_wide(self, text: str) -> bool:
        """Nothing but a site's name or a generic word ("Home"): names no article."""
        answer = self._site_wide.get(text)
        if answer is None:
            key = name_key(text)
            answer = self._site_wide[text] = (not key or key in GENERIC_WORDS or self.names_exactly(text)
                                              or looks_like_domain(text.strip()) is not None)
        return answer


# Lower-case words that a site's name may hold ("the Guardian", "Bank of England", "Ars Technica en español").
_NAME_GLUE = frozenset("the of and for de la le les du des der die das del von van en a an at".split())


def _reads_as_phrase(text: str) -> bool:
    """Latin-script words, two or more of them lower-case and none of them a name's glue word: a phrase."""
    words = re.findall(r"[A-Za-z][A-Za-z'’]*", text)
    return sum(1 for w in words if w.islower() and w not in _NAME_GLUE) >= 2


def _name_sized(text: str) -> bool:
    """Short enough to be a site's name (only then are the page's links read to tell)."""
    return len(text.split()) <= MAX_SITE_TAIL_WORDS and len(text) <= (32 if _CJK.search(text) else MAX_PAGE_NAME)


@lru_cache(maxsize=1024)  # a site's pages share their names and host
def _known_keys(declared: tuple[str, ...], host: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(declared and table names, names that may stand inside a piece, names that must be the whole piece)."""
    keys = {key for key in map(name_key, declared) if key}
    for publisher in publishers_at(host):
        keys.update(key for key in map(name_key, publisher.names) if key)
    domain = registrable_domain(host) if host else ""
    # The registrable domain's own label ("nikkei" of nikkei.com) may appear inside a longer name ("日経電子版"
    # does not, "phpspot開発日誌" does); the other labels ("news", "watch") only as a whole piece.
    own = name_key(domain.split(".")[0]) if domain else ""
    contained = {key for key in keys if len(key) >= 3} | ({own} if len(own) >= 3 else set())
    exact = keys | set(domain_name_keys(host) if host else ())
    return frozenset(keys), frozenset(contained), frozenset(exact)


def _pieces(title: str) -> tuple[list[str], list[str]]:
    if _SEPARATOR_MARK.search(title) is None:  # a scan of one character class, not the split's eleven branches
        return [title], []
    if _NON_BAR_MARK.search(title) is None:
        return _split_at_bars(title)
    parts = _SEPARATOR.split(title)
    return parts[0::2], parts[1::2]


# _SEPARATOR_MARK without the bars: a title whose only marks are bars ("Headline | Site", the commonest form) can
# match no branch of _SEPARATOR but the first, `\s*[|｜¦]\s*`, which _split_at_bars applies without the regex
# engine (the split tries the eleven branches at every white space: ~4 µs on "Headline | Site").
_BAR = re.compile("[|｜¦]")
_NON_BAR_MARK = re.compile(_SEPARATOR_MARK.pattern.replace("|｜¦", "", 1))


def _split_at_bars(title: str) -> tuple[list[str], list[str]]:
    """_SEPARATOR.split for a title whose only separator marks are bars: each bar with the white space around it
    (the regex's white space is str.isspace()'s) is a separator, the white space before it taken only back to the
    end of the previous separator."""
    segments: list[str] = []
    separators: list[str] = []
    start = 0  # where the current segment begins: the end of the previous separator
    for bar in _BAR.finditer(title):  # each bar is past the previous separator (that ends in white space)
        at = bar.start()
        left, right = at, at + 1
        while left > start and title[left - 1].isspace():
            left -= 1
        while right < len(title) and title[right].isspace():
            right += 1
        segments.append(title[start:left])
        separators.append(title[left:right])
        start = right
    segments.append(title[start:])
    return segments, separators


def _join(segments: Sequence[str], separators: Sequence[str]) -> str:
    text = segments[0] if segments else ""
    for separator, segment in zip(separators, segments[1:]):
        text += separator + segment
    return text.strip()


def _same_separator(first: str, second: str) -> bool:
    return first.strip() == second.strip()


def _is_section(segment: str) -> bool:
    """A short section or category name between a title and its site ("スポーツ", "Afghanistan News")."""
    key = name_key(segment)
    if not key or _DIGIT.search(segment):
        return False
    return len(key) <= (8 if _CJK.search(key) else 20) and len(segment.split()) <= 3


def _strip_known(segments: list[str], separators: list[str], names: SiteNames, use_page: bool):
    """Drop known site names (and sections beside them) from the end, then from the start."""
    changed = False
    # A name that itself holds a separator ("JVN iPedia - 脆弱性対策情報データベース"): the last two or three pieces.
    for count in (3, 2):
        if len(segments) > count and names.names_exactly(_join(segments[-count:], separators[-count + 1:])):
            segments, separators = segments[:-count], separators[:-count]
            changed = True
            break
    while len(segments) > 1 and names.is_site(segments[-1], use_page=use_page):
        site_separator = separators[-1]
        segments, separators = segments[:-1], separators[:-1]
        changed = True
        # Sections written with the same separator just before the site's name.
        for _ in range(2):
            if (len(segments) > 1 and _same_separator(separators[-1], site_separator)
                    and _is_section(segments[-1])):
                segments, separators = segments[:-1], separators[:-1]
            else:
                break
    while len(segments) > 1 and names.is_site(segments[0], use_page=use_page, anywhere=False):
        segments, separators = segments[1:], separators[1:]
        changed = True
    return segments, separators, changed


def _norm(text: str) -> str:
    return name_key(text)


def _by_other_title(title: str, segments: list[str], separators: list[str], others: Sequence[tuple[str, bool]],
                    names: SiteNames) -> str | None:
    """Another title of the page that is the title's first or last pieces: the rest is the site's name.

    `others`: (title, from a heading). A heading that is only the shorter side is the site's name (a blog's <h1>);
    a metadata title is the headline whichever side is longer ("Classificação NASCAR | Autoracing | F1 | …").
    """
    if len(segments) < 2:
        return None
    for other, heading in others:
        key = _norm(other)
        if not key or key == _norm(title) or names.is_site(other, use_page=False):
            continue
        for cut in range(1, len(segments)):
            head, tail = _join(segments[:cut], separators[:cut - 1]), _join(segments[cut:], separators[cut:])
            separator = separators[cut - 1]
            for kept, rest, at_start in ((head, tail, True), (tail, head, False)):
                if _norm(kept) != key:
                    continue
                weak = not _STRONG.fullmatch(separator) and "：" not in separator
                if weak and not _short(rest):
                    break  # "Python 3.12: What's New" with an og:title "Python 3.12": a subtitle
                # The other title is the site's name when it is the shorter side, except a metadata title at the
                # start ("Classificação NASCAR | Autoracing | F1 | Indy …"): a heading is often the site's logo
                # ("高木浩光＠自宅の日記 - 改正NICT法…"), a metadata title rarely.
                if (heading and len(_norm(rest)) >= 2 * len(key)) or (not heading and not at_start
                                                                       and len(_norm(rest)) > len(key)):
                    return rest
                return kept
    return None


def _short(text: str) -> bool:
    key = name_key(text)
    return 0 < len(key) <= MAX_SITE_TAIL_CHARS and len(text.split()) <= MAX_SITE_TAIL_WORDS


def _site_like_tail(segments: list[str], separators: list[str]) -> tuple[list[str], list[str]] | None:
    """An unknown short last piece after a clear separator ("… – Vortex Cannon Entertainment")."""
    if len(segments) < 2 or not _STRONG.fullmatch(separators[-1]):
        return None
    tail = segments[-1]
    main = _join(segments[:-1], separators[:-1])
    if not _short(tail) or _DIGIT.search(tail) or _SENTENCE_END.search(tail.strip()):
        return None
    main_key = name_key(main)
    cjk = _CJK.search(main_key) is not None
    if len(main_key) >= (7 if cjk else 12) and (cjk or len(main.split()) >= 3):
        return segments[:-1], separators[:-1]
    return None


def strip_site_name(title: str, names: SiteNames, others: Sequence[tuple[str, bool]] = ()) -> str:
    """The title without the site's name (and sections beside it), wherever it stands; else the title as it is."""
    text = _without_edge_junk(" ".join(title.split()))
    if not text:
        return title.strip()
    segments, separators = _pieces(text)
    if len(segments) == 1:
        # One piece (most headlines): no name can be stripped from it (_strip_known, _by_other_title and
        # _site_like_tail all need two pieces or more), so only the Latin tail and the parenthesis are looked at.
        return _without_site_ends(text.strip(), names)
    return _strip_pieces(text, segments, separators, names, others)


def _strip_pieces(text: str, segments: list[str], separators: list[str], names: SiteNames,
                  others: Sequence[tuple[str, bool]]) -> str:
    """strip_site_name of `text`, cut into `segments` and the `separators` between them."""
    segments, separators, changed = _strip_known(segments, separators, names, use_page=False)
    if not changed:
        inferred = _by_other_title(text, segments, separators, others, names)
        if inferred is not None:
            return _drop_site_paren(inferred, names)
        segments, separators, changed = _strip_known(segments, separators, names, use_page=True)
    elif len(segments) > 1:
        # Once the site's name is gone, a heading that is the first pieces is the headline and the rest a
        # description of the page ("異世界おもいで食堂 ～…～ - 新文芸・ブックス 著者名：電子書籍試し読み無料").
        rest = _join(segments, separators)
        inferred = _by_other_title(rest, segments, separators, [o for o in others if o[1]], names)
        if inferred is not None:
            return _drop_site_paren(inferred, names)
    if not changed:
        found = _site_like_tail(segments, separators)
        if found:
            segments, separators = found
            changed = True
    result = _join(segments, separators)
    return _drop_site_paren(result, names) if changed else _without_site_ends(result, names)


def _without_site_ends(result: str, names: SiteNames) -> str:
    """A title no piece was stripped from, without a site's name after its Japanese text or in a final parenthesis."""
    if not result.isascii():  # _LATIN_TAIL's look-behind needs a CJK character
        latin = _LATIN_TAIL.search(result)  # "…DOMを扱う MOONGIFT": a Japanese title with a site name after a space
        if latin and names.is_site(latin.group(1)):
            result = result[: latin.start()].rstrip()
    return _drop_site_paren(result, names)


# The regexes below end in "$" with a branch that the engine tries at every position of a title: where the title's
# ends show that they cannot match (nearly always), they are not run.


def _without_edge_junk(text: str) -> str:
    """_EDGE_JUNK.sub("", text): a match starts at the first character or ends at the last one, both junk."""
    if text and not _is_edge_junk(text[0]) and not _is_edge_junk(text[-1]):
        return text  # ("$" also matches before a final "\n", which is white space: such a text goes to the regex)
    return _EDGE_JUNK.sub("", text)


def _is_edge_junk(character: str) -> bool:
    return character.isspace() or character in _EDGE_JUNK_MARKS


def _trailing_paren(text: str) -> re.Match | None:
    """_TRAILING_PAREN.search(text): a match ends in a closing parenthesis and white space only."""
    return _TRAILING_PAREN.search(text) if text.rstrip().endswith((")", "）")) else None


def _drop_site_paren(text: str, names: SiteNames) -> str:
    paren = _trailing_paren(text)
    if paren and paren.start() > 0 and any(names.names_exactly(part) for part in re.split(r"[/|／｜]", paren.group(1))):
        return text[: paren.start()].rstrip()
    return text


def reader_title(candidates: Sequence[str], *, html_title: str | None, headings: Sequence[str],
                 site_names: Iterable[str | None], url: str | None,
                 on_page: Callable[[], Iterable[str]] | None = None,
                 subheadings: Callable[[], Sequence[str]] | None = None) -> str | None:
    """The page's title as a reader would cite it.

    `candidates`: the page's titles, best first (`PageFacts.title_candidates`); `headings`: its <h1>s in order;
    `html_title`: its <title>; `site_names`: the names it declares; `on_page`: names written on it (called lazily).
    A heading that another title of the page repeats (the <title>, og:title) is what the reader sees and wins;
    else the best candidate. Either way without the site's name; a title that is only a site name gives way to
    the next one that is not.
    """
    if not candidates and not headings:
        return None
    headings = [h for h in headings if h and h.strip()]
    names = SiteNames(_plausible_names(site_names, candidates), url, on_page)
    others = [(c, c in headings) for c in candidates] + [(h, True) for h in headings]
    stripped = {}

    def clean(title: str) -> str:
        if title not in stripped:
            stripped[title] = strip_site_name(title, names, others)
        return stripped[title]

    ordered = list(candidates)
    corroborated = _corroborated_heading(headings, candidates, html_title, clean, names)
    if corroborated:
        ordered.insert(0, corroborated)
    elif ordered:
        variant = _heading_variant(clean(ordered[0]), headings, names, clean)
        if variant:
            ordered.insert(0, variant)
    if ordered and names.is_site_wide(clean(ordered[0])) and subheadings is not None:
        # The <title> is the site's own string: the first headline-sized <h1>, else <h2>, is the article's
        # headline (a page whose only <h1> is its section, "イベント・セミナー情報", and whose headline is an <h2>).
        headline = next((h for h in list(headings) + list(subheadings())
                         if _headline_sized(h) and not names.is_site_wide(clean(h))), None)
        if headline:
            return clean(headline)
    for title in ordered + headings:
        cleaned = clean(title)
        if not names.is_site_wide(cleaned):
            return cleaned
    first = candidates[0] if candidates else headings[0]
    return " ".join(first.split()) or None


_WORDS = re.compile(r"\w+")


def _words(text: str) -> set[str]:
    return set(_WORDS.findall(text.casefold()))


def _heading_variant(title: str, headings: Sequence[str], names: SiteNames, clean) -> str | None:
    """An <h1> that says nearly what the best title says, in other words: the headline the reader sees."""
    words = _words(title)
    for heading in headings:
        other = _words(clean(heading))
        if len(words) < 3 or len(other) < 3 or names.is_site_wide(heading):
            continue
        if len(words & other) / max(len(words), len(other)) >= HEADING_OVERLAP:
            return heading
    return None


def _headline_sized(text: str) -> bool:
    """Long enough to name an article: four words, or fifteen CJK characters."""
    return len(_CJK.findall(text)) >= 15 or len(text.split()) >= 4


def _plausible_names(site_names: Iterable[str | None], candidates: Sequence[str]) -> list[str]:
    """The declared site names, without one that is the article's own title (a JSON-LD WebSite named after it)."""
    titles = None  # the candidates' keys, made only for a name of five words or more (few are)
    names = []
    for name in site_names:
        if not name:
            continue
        if len(name.split()) > 4:
            titles = {_norm(c) for c in candidates} if titles is None else titles
            if _norm(name) in titles:
                continue
        names.append(name)
    return names


def _corroborated_heading(headings: Sequence[str], candidates: Sequence[str], html_title: str | None, clean,
                          names: SiteNames) -> str | None:
    """The first <h1> that the <title> or a metadata title also gives (once each is without the site's name)."""
    for heading in headings:
        key = _norm(heading)
        if not key or names.is_site_wide(heading):
            continue
        if any(_norm(clean(c)) == key for c in candidates if c != heading):
            return heading
        if html_title and _norm(clean(html_title)) == key:  # the <title>, even when it is the same string
            return heading
    return None

