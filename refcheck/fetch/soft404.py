"""Decide whether a page that answered 200 is really a "not found" page (a soft 404), as a careful reader would.

Three kinds of evidence, cheapest first, all pure functions of what was fetched:
  1. the page's own headline says so: a title or h1 that is a "not found" statement and nothing else
     ("ページが見つかりません | 例IT", "404 Not Found", "Oops! That page can't be found.") on a page with little text;
     an article *about* 404 pages ("How to design a good 404 page") or a news story that mentions
     ページが見つかりません in its body is not one;
  2. a deep URL that was redirected to the site's home page, or to the site's error page (`/404.html`);
  3. the host's answer for a path that cannot exist (the probe, fetched by the client once per host): when that
     answer is a 200 and the cited page has the same title and the same shape of text, the cited page is the
     site's "not found" page too. A host that answers the probe with 404/410 is honest, and the probe says nothing.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
import zlib
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

from refcheck.models import FetchResult, PageFacts, UrlStatus
from refcheck.rules.sites import registrable_domain

PROBE_PREFIX = "refcheck-probe-"

# A real "not found" page has little to say; a page with this much main text is an article even if its headline
# reads like an error (Wikipedia's "Error"). Measured on the corpora by bench/corpus_soft404.py (docs/soft-404.md).
LONG_TEXT = 2500

# ── 1. the headline says "not found" ──────────────────────────────────────────────────────────────────────────────

# Statements that a page is missing. A headline part must contain one of these to count.
_CORE_LATIN = (
    r"404|410|not\s*found|no\s*such\s*page|(?:could|can)\s*not\s*be\s*found|(?:can|couldn)[’']?t\s*be\s*found"
    r"|cannot\s*be\s*found|(?:does\s*not|doesn[’']?t)\s*exist|no\s*longer\s*(?:exists|available)"
    r"|(?:isn[’']?t|is\s*not|not)\s*available|(?:can[’']?t|couldn[’']?t|cannot|could\s*not)\s*find"
    r"|nothing\s*(?:was\s*)?found|error"
)
_CORE_JAPANESE = (
    r"見つかりませんでした|見つかりません|存在しませんでした|存在しません|表示できません|ページ[がは]?ありません"
    r"|削除されました|削除された可能性があります|削除されたか|エラー"
)
# Words that may stand around a "not found" statement without making the headline about anything else.
_FILLER_LATIN = (
    r"the|a|an|this|that|page|pages|file|document|url|link|resource|content|item|article|sorry|oops|whoops|uh\s*oh"
    r"|ouch|hmm+|http|status|code|we|you|your|are|were|is|was|looking|for|requested|request|it|seems|looks|like"
    r"|or|and|has|been|removed|moved|deleted|may|might|have|here|there|to|of|in|on|at|server|response"
)
_FILLER_JAPANESE = (
    r"申し訳(?:ござい|あり)ません(?:が)?|すみません|お探しの|指定された|ご指定の|ご指定いただいた|アクセスしようとした"
    r"|アクセスされた|リクエストされた|該当する|該当の|この|その|ページ|ファイル|記事|コンテンツ|url|一時的に"
    r"|現在|すでに|既に|移動|または|もしくは|ようです|ございません"
)
# One of these is in every match of _CORE_LATIN (404, 410, "…found", "no such…", "…exist…", "…available", "…find",
# "error"; tests/fetch/test_soft404_fast.py checks each alternative): a cheaper test for the usual ASCII headline.
_CORE_LATIN_NEEDLES = ("404", "410", "found", "such", "exist", "available", "find", "error")
_CORE_RE = re.compile(rf"\b(?:{_CORE_LATIN})\b|{_CORE_JAPANESE}", re.I)
_STATEMENT_RE = re.compile(
    rf"\b(?:{_CORE_LATIN}|{_FILLER_LATIN})\b|{_CORE_JAPANESE}|{_FILLER_JAPANESE}", re.I
)
# Where a site name is joined to a title: "… | 例IT", "… - Impress Watch", "… : 日本経済新聞", "例IT｜…".
_SITE_SEPARATOR = re.compile(r"\s*[|｜]\s*|\s+[-–—:/・»«]\s+|\s*[：]\s*|\s+::\s+")
_PIECE = re.compile(r"[^\W_]+")
_HIRAGANA = re.compile(r"[\u3040-\u309f]")
_DIGIT_PIECE = re.compile(r"\d{1,3}")


def not_found_headline(text: str) -> bool:
    """Whether one part of a headline is nothing but a "not found" statement (and its usual filler words).

    Left over once the statement and filler are taken out, a part may keep only a lone particle (は, が) or a few
    digits ("Error 404 (Not Found)!!1"): any real word left means the headline is about something.
    """
    normalised = unicodedata.normalize("NFKC", text).casefold()
    if normalised.isascii() and not any(needle in normalised for needle in _CORE_LATIN_NEEDLES):
        return False  # no Japanese, and none of the words every Latin statement holds: the regex could not match
    # Most headlines hold no "not found" word at all. Each part is a substring of the headline, cut at separators
    # that hold no word character, so a part with the word means the whole headline has it (\b agrees at the cut).
    if not _CORE_RE.search(normalised):
        return False
    for part in _SITE_SEPARATOR.split(normalised):
        if not _CORE_RE.search(part):
            continue
        pieces = _PIECE.findall(_STATEMENT_RE.sub(" ", part))
        if all(_HIRAGANA.fullmatch(piece) or _DIGIT_PIECE.fullmatch(piece) for piece in pieces):
            return True
    return False


_SELF_NAMED_PATH = re.compile(r"(?<![0-9])(?:404|410)(?![0-9])|not[-_ ]?found|error|soft[-_ ]?404", re.I)


def keyword_reason(page: PageFacts, cited_url: str) -> str | None:
    """Why the page's own headline shows it is a "not found" page, or None.

    Strong signals only: a title or h1 that is a "not found" statement, on a page with little text, at a URL that
    does not itself name the topic (a page at `/wiki/HTTP_404` or `/docs/Web/HTTP/Status/404` is *about* 404).
    """
    if len(page.main_text) >= LONG_TEXT:
        return None
    for headline in dict.fromkeys((*page.title_candidates, page.title or "")):
        if headline and not_found_headline(headline):
            # The URL is looked at only now: most pages have no such headline, and splitting it costs more.
            if _SELF_NAMED_PATH.search(unquote(_split(cited_url).path)):
                return None
            signals = [s for s in page.soft_404_signals if s.startswith(("title:", "h1:"))]
            named = f" (page reader's signal: {signals[0]})" if signals else ""
            return f"its headline says “{headline}”{named}"
    return None


# ── 2. redirected to the home page or to an error page ────────────────────────────────────────────────────────────

_LANGUAGES = (
    "ja|jp|en|us|uk|gb|zh|cn|tw|hk|ko|kr|fr|de|es|it|pt|br|ru|nl|sv|se|no|da|dk|fi|pl|cs|tr|ar|he|th|vi|id|ms|hi|in"
    "|global|intl|int|www"
)
_ROOTISH_PATH = re.compile(
    rf"/(?:(?:{_LANGUAGES})(?:[-_][a-z]{{2,4}})?/?|(?:top|home|index|default|portal|main|start)/?)?"
    r"(?:(?:index|default|top|home|main)\.(?:html?|php|aspx?|jsp|cgi|shtml))?",
    re.I,
)
_ERROR_PAGE_SEGMENT = re.compile(
    r"(?:error[-_]?)?(?:404|410|not[-_]?found|notfound|page[-_]?not[-_]?found|error|errors)(?:[-_]?page)?"
    r"(?:\.(?:html?|php|aspx?|jsp|shtml))?",
    re.I,
)


def is_rootish(url: str) -> bool:
    """Whether a URL is a site's home page: `/`, `/index.html`, `/ja/`, `/en-us/`, `/top`, … (query ignored)."""
    return _ROOTISH_PATH.fullmatch(_split(url).path or "/") is not None


def _same_site(one: str, other: str) -> bool:
    first, second = _split(one).hostname or "", _split(other).hostname or ""
    return first == second or registrable_domain(first) == registrable_domain(second)


def redirect_reason(cited_url: str, final_url: str | None) -> str | None:
    """Why a redirect shows the cited page is gone: a deep URL sent to its site's home page or error page."""
    if not final_url or final_url == cited_url or is_rootish(cited_url) or not _same_site(cited_url, final_url):
        return None
    if is_rootish(final_url):
        return f"redirected to the home page ({final_url})"
    last = _last_segment(final_url)
    if last and _ERROR_PAGE_SEGMENT.fullmatch(last) and _last_segment(cited_url) != last:
        return f"redirected to the site's error page ({final_url})"
    return None


def _last_segment(url: str) -> str:
    return unquote(_split(url).path).rstrip("/").rpartition("/")[2]


def first_look(result: FetchResult) -> str | None:
    """A soft-404 reason from the page and its redirects alone (no extra request), or None."""
    cited = result.fetched_url or result.url
    reason = redirect_reason(cited, result.final_url)
    if reason is None and result.page is not None:
        reason = keyword_reason(result.page, cited)
    return reason


# ── 3. the host's answer for a path that cannot exist ─────────────────────────────────────────────────────────────

SKETCH_SIZE = 64  # shingle hashes kept per page (a bottom-k sketch: Jaccard similarity from 64 integers)
SHINGLE = 4  # characters per shingle: works for Japanese (no spaces) and English alike
MIN_SHAPE_TEXT = 20  # characters: below this a page (an app shell) has too little text to tell pages apart
SIMILAR_TEXT = 0.5  # estimated Jaccard similarity of two pages' shingles above which they are the same template
SIMILAR_LENGTH = 0.5  # shorter text / longer text above which two pages are of the same size
_SHAPE_TEXT_CHARS = 8000  # the start of the main text is enough to know a template, and keeps hashing cheap
_PAGE_EXTENSIONS = re.compile(r"\.(?:html?|php|aspx?|jsp|shtml|cgi|cfm)$", re.I)
_PATHLIKE = re.compile(r"\S*[/\\]\S*|\S+\.(?:html?|php|aspx?|jsp|shtml|cgi|cfm)\b|\S*[0-9a-f]{12,}\S*", re.I)
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class PageShape:
    """What a page's text looks like, without the text: its length and a sketch of its character shingles."""

    length: int
    sketch: tuple[int, ...]


@dataclass(frozen=True)
class HostFingerprint:
    """How a host answers a path that cannot exist, as seen by one probe (stored per origin in the cache)."""

    origin: str  # scheme://host[:port] of the fetched (remapped) URL
    status: str  # the probe's UrlStatus: `dead` = an honest 404/410
    http_status: int | None
    final_url: str | None  # where the probe was redirected to, if it was
    title: str  # normalised; "" when the probe page had none
    shape: PageShape | None
    probe_url: str = ""

    @property
    def answers_200(self) -> bool:
        return self.status == UrlStatus.OK


# scheme://authority of a URL that urlsplit would take as it is (the caller checks: ASCII, printable, so no white
# space or control character that urlsplit strips), with no bracket (an IPv6 host, which urlsplit validates).
_PLAIN_ORIGIN = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://([^/?#\[\]]*)(?=[/?#]|\Z)")


def origin_of(url: str) -> str:
    plain = _PLAIN_ORIGIN.match(url) if url.isascii() and url.isprintable() else None
    if plain is not None:  # the usual URL: what urlsplit and urlunsplit below give, without them (a fifth the cost)
        host = plain.group(2).rpartition("@")[2]
        if host:
            return f"{plain.group(1)}://{host}".lower()
    parts = _split(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], "", "", "")).lower()


def probe_url(cited_url: str, token: str) -> str:
    """A URL on the cited page's origin that cannot exist: the cited page's folder, a random name, its extension.

    Same folder and extension, because many sites route by them (`/articles/<anything>.html` may be a template that
    answers 200 while `/<anything>` is an honest 404).
    """
    parts = _split(cited_url)
    folder, _, last = (parts.path or "/").rpartition("/")
    extension = _PAGE_EXTENSIONS.search(last)
    name = f"{PROBE_PREFIX}{token}{extension.group(0) if extension else ''}"
    return urlunsplit((parts.scheme, parts.netloc, f"{folder}/{name}", "", ""))


def worth_probing(result: FetchResult, *, text_length: int | None = None) -> bool:
    """Whether comparing with the host's probe could say anything: a deep URL whose page has a title and some text.

    A page with next to no text (an app shell, a bare "<title>200</title>") cannot be told apart from any other
    page of its site, so it is not worth a request. `text_length`: the main text's length to assume instead of the
    page's own (the fetcher asks "worth it if the text were long enough?" before it reads a page's text).
    """
    page = result.page
    cited = result.fetched_url or result.url
    length = len(page.main_text) if text_length is None and page is not None else text_length
    return (result.status is UrlStatus.OK and page is not None and bool(page.title or page.title_candidates)
            and length >= MIN_SHAPE_TEXT and not page.challenge and not is_rootish(cited))


def normalise_title(title: str | None) -> str:
    """A title as compared with the probe's: NFKC, case-folded, single spaces, paths and numbers neutralised."""
    return _neutral_text(title or "")


def _neutral_text(text: str) -> str:
    """Text with what differs between two answers of one template taken out: a path echoed back, numbers.

    Only path-like tokens go (with a slash or a page extension, or a long hex run like the probe's name): removing
    the bare last segment of the URL as well would also remove ordinary words ("/news" from "news of the day").
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _PATHLIKE.sub(" ", text)
    text = _DIGITS.sub("0", text)
    return _SPACES.sub(" ", text).strip()


def page_shape(page: PageFacts) -> PageShape:
    """The page's shape: main-text length and a bottom-k sketch of its 4-character shingles."""
    text = _neutral_text(page.main_text[:_SHAPE_TEXT_CHARS])
    hashes = {zlib.crc32(text[i:i + SHINGLE].encode("utf-8")) for i in range(max(1, len(text) - SHINGLE + 1))}
    return PageShape(len(page.main_text), tuple(sorted(heapq.nsmallest(SKETCH_SIZE, hashes))))


def text_similarity(one: PageShape, other: PageShape) -> float:
    """Estimated Jaccard similarity of two pages' shingle sets, from their bottom-k sketches."""
    if not one.sketch or not other.sketch:
        return 0.0
    union = heapq.nsmallest(SKETCH_SIZE, set(one.sketch) | set(other.sketch))
    both = set(one.sketch) & set(other.sketch)
    return sum(1 for value in union if value in both) / len(union)


def similar_shape(one: PageShape, other: PageShape) -> bool:
    if min(one.length, other.length) < MIN_SHAPE_TEXT:
        return False
    sizes = min(one.length, other.length) / max(one.length, other.length)
    return sizes >= SIMILAR_LENGTH and text_similarity(one, other) >= SIMILAR_TEXT


# Transient answers (try again next run) and outcomes this run's settings decided rather than the host.
_NO_FINGERPRINT = frozenset({UrlStatus.TIMEOUT, UrlStatus.ERROR, UrlStatus.UNSAFE, UrlStatus.INVALID,
                             UrlStatus.EXCLUDED, UrlStatus.OFFLINE})


def fingerprint(origin: str, probe: FetchResult) -> HostFingerprint | None:
    """The host's fingerprint from its answer to the probe, or None when the answer was transient (try next run)."""
    if probe.status in _NO_FINGERPRINT or probe.http_status == 429:
        return None
    page = probe.page
    final = probe.final_url if probe.redirects else None
    usable = probe.status is UrlStatus.OK and page is not None
    return HostFingerprint(
        origin=origin,
        status=str(probe.status),
        http_status=probe.http_status,
        final_url=final,
        title=normalise_title(_title(page)) if usable else "",
        shape=page_shape(page) if usable else None,
        probe_url=probe.fetched_url or probe.url,
    )


def _title(page: PageFacts | None) -> str | None:
    """The page's first title as the page gives it (site name and all): what host fingerprints have always held."""
    if page is None:
        return None
    return (page.title_candidates[0] if page.title_candidates else None) or page.title


def probe_reason(result: FetchResult, host: HostFingerprint) -> str | None:
    """Why the cited page is the host's answer for a missing page, or None (an honest host says nothing)."""
    if not host.answers_200 or not worth_probing(result):
        return None
    if _is_ancestor(result.fetched_url or result.url, host.probe_url):
        return None  # a site that answers unknown paths with their folder's index would look like the cited index
    if host.final_url and result.redirects and result.final_url == host.final_url:
        return f"redirected to {host.final_url}, where this site also sends a path that does not exist"
    page = result.page
    title = normalise_title(_title(page))
    if not title or title != host.title or host.shape is None:
        return None
    if not similar_shape(page_shape(page), host.shape):
        return None
    return (f"the page looks like this site's answer for a page that does not exist (same title “{_title(page)}” "
            f"and text as {host.probe_url})")


def _is_ancestor(cited_url: str, probe: str) -> bool:
    folder = _split(cited_url).path.rstrip("/") + "/"
    return bool(probe) and _split(probe).path.startswith(folder)


def fingerprint_is_fresh(stored_at: float, now: float, max_age: float) -> bool:
    return 0 <= now - stored_at < max_age


def _split(url: str) -> SplitResult:
    """urllib's split of a URL, or an empty one where urllib refuses it (the fetcher has read it with the WHATWG parser)."""
    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit("")
