"""What a fetch run returns, how a URL becomes the target it is fetched as, and a run answered wholly from the cache.

Nothing here loads httpx: a check whose every URL has a fresh cache entry (a rerun in CI) is answered by
`answer_from_cache` without the network layer, which is a quarter of such a run's time. Anything it cannot answer
exactly as the fetcher would — an invalid URL, a stale or missing entry, `--offline` — makes it give up (None), and
the fetcher (fetch/client.py) answers the whole run instead.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from refcheck.fetch.remap import Remapper
from refcheck.models import CacheBasis, FetchResult, UrlStatus
from refcheck.settings import CacheSettings, FetchSettings
from refcheck.weburl import WEB_SCHEMES, join, parse, scheme_of

EXCLUDED_REASON = "excluded by --include/--exclude"


@dataclass(frozen=True)
class FetchRun:
    results: dict[str, FetchResult]  # keyed by the URL as written in the document
    notices: tuple[str, ...] = ()  # run-level messages, e.g. the one "no network" notice
    basis: CacheBasis | None = None  # when answered wholly from the cache: the entries it rests on
    # URL → (its result, what the run's `digest` made of it in the process that fetched it): see Fetcher's `digest`.
    digests: dict[str, tuple[FetchResult, object]] = field(default_factory=dict)


class InvalidTarget(Exception):
    """A URL that cannot be fetched as written (not http(s), no host, malformed)."""


def prepared_form(url: str) -> str:
    """The URL as it will be requested: parsed by the WHATWG URL standard (`refcheck.weburl`), http(s) only, fragment dropped.

    Raises InvalidTarget. The standard's host parser gives a numeric host its standard spelling, so `http://0x7f.1/`
    or `http://2130706433/` become `http://127.0.0.1/` here and the guard and the socket see the address they
    denote. The fetcher also has httpx parse the result (`client.prepare_url`); a URL httpx refuses was never
    fetched, so it has no cache entry to answer from.
    """
    parsed = parse(url)
    if parsed is None:
        scheme = scheme_of(url)
        if scheme and scheme not in WEB_SCHEMES:
            raise InvalidTarget(f"not an http(s) URL (scheme {scheme!r})")
        if not scheme:
            raise InvalidTarget("not an http(s) URL (scheme 'missing')")
        raise InvalidTarget("malformed URL: not a URL by the WHATWG URL standard")
    if parsed.scheme not in WEB_SCHEMES:
        raise InvalidTarget(f"not an http(s) URL (scheme {parsed.scheme!r})")
    if not parsed.hostname:
        raise InvalidTarget("URL has no host")
    return parsed.without_fragment


def resolve_location(current: str, location: str) -> str:
    """A redirect's `Location` resolved against the URL that sent it, prepared for fetching. Raises InvalidTarget."""
    resolved = join(current, location)
    if resolved is None:
        raise InvalidTarget("malformed URL: not a URL by the WHATWG URL standard")
    return prepared_form(resolved)


def has_text(result: FetchResult) -> bool:
    """Whether a result carries its page's main text (or has no page whose text could be missing)."""
    return result.page is None or result.page.text_read


def lacks_anchors(result: FetchResult) -> bool:
    """Whether a result is an HTML page read without its ids and names (PageFacts.anchors is None: not read)."""
    page = result.page
    return (page is not None and page.anchors is None and result.status is UrlStatus.OK
            and (page.content_type or "").split(";", 1)[0].strip().lower() in ("text/html", "application/xhtml+xml"))


def excluded(url: str) -> FetchResult:
    return FetchResult(url=url, status=UrlStatus.EXCLUDED, reason=EXCLUDED_REASON)


def reused(entry_result: FetchResult, target: str) -> FetchResult:
    """A stored result as a run reports it: answered from the cache, for the target it was looked up as."""
    return dataclasses.replace(entry_result, fetched_url=target, from_cache=True)


def answer_from_cache(urls: Iterable[str], settings: FetchSettings, cache, cache_settings: CacheSettings, *,
                      text_urls: Collection[str] | None = None,
                      on_result: Callable[[FetchResult], None] | None = None) -> FetchRun | None:
    """Every URL's result from fresh cache entries (and --include/--exclude), or None if any URL needs more.

    The results equal what `fetch_all` returns for such a run; `on_result` is told of each only once all are known.
    """
    if cache is None or cache_settings.offline:
        return None
    from refcheck.fetch.cache import cache_basis, is_fresh

    remapper = Remapper(settings.remaps, include=settings.include, exclude=settings.exclude)
    unique = list(dict.fromkeys(urls))
    if _first_target_missing(unique, remapper, cache):
        return None  # a cold cache: told by one lookup, not by preparing and looking up every URL (W3: ~0.4 s)
    results: dict[str, FetchResult] = {}
    by_target: dict[str, list[str]] = {}
    for url in unique:
        if remapper.is_excluded(url):
            results[url] = excluded(url)
            continue
        try:
            by_target.setdefault(prepared_form(remapper.remap(url)), []).append(url)
        except InvalidTarget:
            return None  # the fetcher reports it, with its reason
    entries = cache.lookup_many(list(by_target)) if by_target else {}
    now = time.time()
    for target, doc_urls in by_target.items():
        entry = entries.get(target)
        wants_text = text_urls is None or any(url in text_urls for url in doc_urls)
        if entry is None or (wants_text and not has_text(entry.result)) or not is_fresh(entry, cache_settings, now):
            return None
        if settings.read_anchors and lacks_anchors(entry.result):
            return None  # stored without the ids and names --check-fragments needs
        result = reused(entry.result, target)
        for url in doc_urls:
            results[url] = result if result.url == url else dataclasses.replace(result, url=url)
    ordered = {url: results[url] for url in unique}
    for result in ordered.values():
        if on_result:
            on_result(result)
    return FetchRun(ordered, basis=cache_basis(entries, cache_settings, cache.parser_version))


def _first_target_missing(unique: list[str], remapper: Remapper, cache) -> bool:
    """Whether the first URL that is not excluded already makes `answer_from_cache` give up: its target does not
    prepare, or has no cache entry. Either way the whole answer is None, whatever the other URLs are."""
    for url in unique:
        if remapper.is_excluded(url):
            continue
        try:
            target = prepared_form(remapper.remap(url))
        except InvalidTarget:
            return True
        return target not in cache.lookup_many([target])
    return False
