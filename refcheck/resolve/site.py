"""The `site` backend: look for a reference's page in the cited site's own sitemaps and feeds. No key, no third party.

For each host the cited site stands for (the query's domains, at most MAX_HOSTS): `robots.txt` → its `Sitemap:`
lines (else `/sitemap.xml`), and the RSS/Atom feeds the home page links to. Sitemap indexes are followed, news
sitemaps and the children dated nearest the retrieved date first, up to `max_files` files per reference (shared
by every reference of a run through the web's memo). Entries give a URL and, in news sitemaps and feeds, a title
(`news:title`, `<title>`) and a date (`news:publication_date`, `pubDate`, `lastmod`).

Candidates: with a specific cited title, the entries whose title is most like it; with a generic one (a site's
name), the entries whose titles hold the citing text's key facts, then those dated nearest the retrieved date.
An entry dated after the retrieved date is never a candidate. Candidates are proposals only: the resolver fetches
and verifies each one.

XML comes from strangers: documents with a DTD are refused (no entity expansion), sizes are capped by the web.
"""

from __future__ import annotations

import json
import re
import unicodedata
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import date, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from refcheck.resolve.model import BackendAnswer, BackendWeb, Candidate, ResolveQuery
from refcheck.rules.sites import registrable_domain, url_host
from refcheck.rules.titles import compare_titles

MAX_HOSTS = 3  # hosts of one site tried per reference (a publisher may list many)
NEWS_HINT = re.compile(r"news|article|post|press|release|topics|記事", re.IGNORECASE)
_DATE_IN_URL = re.compile(r"(20\d\d|19\d\d)[-_/]?(0[1-9]|1[0-2])(?:[-_/]?([0-2]\d|3[01]))?")
_FEED_LINK = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([\w:-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+xml", "application/xml", "text/xml")
DATE_WINDOW_DAYS = 120  # with a generic title, entries dated this long before the retrieved date may be candidates
MIN_TITLE_SCORE = 40.0  # a titled entry less like the cited title than this is not proposed
CAPTURE_WINDOW_DAYS = 14  # an archived news sitemap or feed is looked for this long before the retrieved date


@dataclass(frozen=True)
class Entry:
    """One URL a sitemap or feed lists."""

    url: str
    title: str | None = None
    published: str | None = None  # YYYY-MM-DD
    source: str = ""  # the sitemap or feed it came from


# ── reading XML, robots.txt, home pages ──────────────────────────────────────────────────────────────────────


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")


def _as_utf8(body: bytes) -> bytes:
    """The document in UTF-8 when it declares another encoding (expat reads no multi-byte one: Shift_JIS feeds)."""
    match = _DECLARED_ENCODING.match(body[:200])
    if not match:
        return body
    name = match.group(1).decode("ascii").lower()
    if name.replace("_", "-") in ("utf-8", "utf8", "us-ascii", "ascii"):
        return body
    try:
        text = body.decode(name, "replace")
    except LookupError:
        return body
    return re.sub(r"""^(\s*<\?xml[^>]*encoding\s*=\s*["'])[^"']+""", r"\g<1>utf-8", text, count=1).encode("utf-8")


def parse_xml(body: bytes) -> ElementTree.Element | None:
    """The document's root, or None: not XML, or XML with a DTD (which could define entities).

    A document cut short (at the web's size cap) keeps what was read before the cut: the elements are parsed as
    they arrive and the unfinished ones are closed where the text ends."""
    head = body[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in body.lower():
        return None
    parser = ElementTree.XMLPullParser(events=("start", "end"))
    root = None
    ended: set[int] = set()

    def take_events() -> None:
        nonlocal root
        for event, element in parser.read_events():
            if event == "start" and root is None:
                root = element
            elif event == "end":
                ended.add(id(element))

    try:
        parser.feed(_as_utf8(body))
        take_events()
        parser.close()
        return root
    except ElementTree.ParseError:
        take_events()
    if root is not None:
        _drop_unfinished(root, ended)  # a <loc> cut in the middle is no URL
    return root


def _drop_unfinished(element: ElementTree.Element, ended: set[int]) -> None:
    """Remove what the cut left unfinished: a sitemap entry, feed item or leaf; a container (an RSS <channel>)
    keeps its finished items."""
    for child in list(element):
        if id(child) in ended:
            continue
        if _local(child.tag) in ("url", "sitemap", "item", "entry") or not len(child):
            element.remove(child)
        else:
            _drop_unfinished(child, ended)


def iso_day(text: str | None) -> str | None:
    """A date as YYYY-MM-DD from W3C/ISO 8601 (`2025-12-20T09:00:00+09:00`) or RFC 822 (`Sat, 20 Dec 2025 …`)."""
    if not text:
        return None
    text = text.strip()
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3))).isoformat()
        except ValueError:
            return None
    try:
        return parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def robots_sitemaps(text: str) -> list[str]:
    """The `Sitemap:` lines of a robots.txt, in order."""
    found = []
    for line in text.splitlines():
        name, colon, value = line.partition(":")
        if colon and name.strip().lower() == "sitemap" and value.strip():
            found.append(value.strip())
    return list(dict.fromkeys(found))


def feed_links(html: str, base: str) -> list[str]:
    """RSS/Atom feeds a home page links to (`<link rel="alternate" type="application/rss+xml" href=…>`)."""
    found = []
    for tag in _FEED_LINK.findall(html[:512 * 1024]):
        attributes = {name.lower(): value.strip("\"'") for name, value in _ATTRIBUTE.findall(tag)}
        rel = attributes.get("rel", "").lower().split()
        kind = attributes.get("type", "").lower()
        if "alternate" in rel and kind in _FEED_TYPES and attributes.get("href"):
            found.append(urljoin(base, attributes["href"]))
    return list(dict.fromkeys(found))


def read_sitemap(body: bytes, source: str) -> tuple[list[tuple[str, str | None]], list[Entry]]:
    """(child sitemaps with their lastmod, entries) of a sitemap, sitemap index, RSS or Atom document."""
    root = parse_xml(body)
    if root is None:
        return [], []
    kind = _local(root.tag)
    if kind == "sitemapindex":
        children = []
        for node in root:
            if _local(node.tag) == "sitemap":
                fields = {_local(child.tag): (child.text or "").strip() for child in node}
                if fields.get("loc"):
                    children.append((fields["loc"], iso_day(fields.get("lastmod"))))
        return children, []
    if kind == "urlset":
        return [], [entry for node in root if _local(node.tag) == "url" and (entry := _url_entry(node, source))]
    if kind in ("rss", "rdf"):
        return [], [entry for node in root.iter() if _local(node.tag) == "item" and (entry := _rss_entry(node, source))]
    if kind == "feed":
        return [], [entry for node in root if _local(node.tag) == "entry" and (entry := _atom_entry(node, source))]
    return [], []


def _url_entry(node: ElementTree.Element, source: str) -> Entry | None:
    loc = title = published = lastmod = None
    for child in node.iter():
        name = _local(child.tag)
        text = (child.text or "").strip()
        if name == "loc" and loc is None:
            loc = text
        elif name == "title" and title is None and text:  # news:title (image:title sits inside image:image)
            title = text
        elif name == "publication_date":
            published = iso_day(text)
        elif name == "lastmod":
            lastmod = iso_day(text)
    return Entry(loc, title, published or lastmod, source) if loc else None


def _rss_entry(node: ElementTree.Element, source: str) -> Entry | None:
    fields = {}
    for child in node:
        fields.setdefault(_local(child.tag), (child.text or "").strip())
    link = fields.get("link") or (fields.get("guid") if fields.get("guid", "").startswith("http") else None)
    if not link:
        return None
    return Entry(link, fields.get("title") or None, iso_day(fields.get("pubdate") or fields.get("date")), source)


def _atom_entry(node: ElementTree.Element, source: str) -> Entry | None:
    link = title = published = None
    for child in node:
        name = _local(child.tag)
        if name == "link" and child.get("href") and child.get("rel", "alternate") == "alternate" and link is None:
            link = child.get("href")
        elif name == "title":
            title = (child.text or "").strip() or None
        elif name in ("published", "updated") and published is None:
            published = iso_day(child.text)
    return Entry(link, title, published, source) if link else None


# ── choosing what to read and what to propose ────────────────────────────────────────────────────────────────


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _url_date(url: str) -> date | None:
    match = _DATE_IN_URL.search(urlsplit(url).path)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3) or 1))
    except ValueError:
        return None


def child_order(children: list[tuple[str, str | None]], retrieved: str | None) -> list[str]:
    """Child sitemaps of an index, the likeliest first: news sitemaps, then those dated nearest (and not after)
    the retrieved date, then the rest in their own order."""
    bound = _day(retrieved)

    def rank(item: tuple[int, tuple[str, str | None]]) -> tuple:
        position, (url, lastmod) = item
        name = urlsplit(url).path.rsplit("/", 1)[-1]
        news = 0 if "news" in name.lower() else 1
        when = _url_date(url) or _day(lastmod)
        if bound is not None and when is not None:
            distance = (bound - when).days  # a month's sitemap dated the 1st covers the days after it
            # Stamped after the date: less likely; over a month after it, its articles are all too new.
            dated = distance if distance >= 0 else (-2 * distance if distance >= -31 else 10 ** 5 - distance)
        else:
            dated = 10 ** 6
        return (news, dated, position)

    return [url for _, (url, _) in sorted(enumerate(children), key=rank)]


def _fold(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def _on_site(url: str, registrables: set[str]) -> bool:
    host = url_host(url)
    return bool(host) and registrable_domain(host) in registrables


def propose(entries: list[Entry], query: ResolveQuery, limit: int) -> list[tuple[Entry, float]]:
    """The entries worth fetching, best first, each with the score that ranked it (0..100)."""
    bound = _day(query.retrieved or query.published)
    usable = []
    for entry in dict((entry.url, entry) for entry in entries).values():
        when = _day(entry.published) or _url_date(entry.url)
        if bound is not None and when is not None and (when - bound).days > 1:
            continue  # published after it was read: not the page cited
        if urlsplit(entry.url).path.strip("/") == "":
            continue  # a home page is no article
        usable.append((entry, when))
    ranked: list[tuple[tuple, Entry, float]] = []
    if query.specific_title:
        for entry, when in usable:
            if entry.title:
                score = compare_titles(query.specific_title, [entry.title], [query.site or ""]).score
                if score >= MIN_TITLE_SCORE:
                    ranked.append(((-score, _distance(when, bound)), entry, score))
    else:
        facts = [_fold(fact) for fact in query.key_facts if len(_fold(fact)) >= 2]
        for entry, when in usable:
            hits = sum(1 for fact in facts if entry.title and fact in _fold(entry.title))
            distance = _distance(when, bound)
            if hits == 0 and (bound is None or distance > DATE_WINDOW_DAYS):
                continue
            ranked.append(((-hits, distance), entry, min(100.0, 100.0 * hits / max(1, len(facts)))))
    if not ranked and query.specific_title and bound is not None:
        # No entry has a title to compare (a plain sitemap): the pages dated nearest the retrieved date.
        for entry, when in usable:
            if not entry.title and when is not None and _distance(when, bound) <= DATE_WINDOW_DAYS:
                ranked.append(((0, _distance(when, bound)), entry, 0.0))
    ranked.sort(key=lambda item: item[0])
    return [(entry, score) for _, entry, score in ranked[:limit]]


def _too_recent(found: list[Entry], kind: str, url: str, retrieved: str | None) -> bool:
    """Whether a news sitemap or feed holds only articles newer than the reference's retrieved date (they hold the
    last days only), so the copy the archive took back then is worth reading."""
    bound = _day(retrieved)
    if bound is None or not (kind == "feed" or "news" in url.lower() or any(entry.title for entry in found)):
        return False
    dates = [when for entry in found if (when := _day(entry.published))]
    return not dates or min(dates) > bound


def latest_capture(body: bytes) -> str | None:
    """The newest capture timestamp in a CDX JSON answer (`[["urlkey","timestamp",…], [...], …]`), or None."""
    try:
        rows = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(rows, list) or len(rows) < 2 or not isinstance(rows[0], list) or "timestamp" not in rows[0]:
        return None
    column = rows[0].index("timestamp")
    stamps = [row[column] for row in rows[1:] if isinstance(row, list) and len(row) > column
              and isinstance(row[column], str) and row[column].isdigit() and len(row[column]) >= 8]
    return max(stamps) if stamps else None


def _distance(when: date | None, bound: date | None) -> int:
    if when is None or bound is None:
        return 10 ** 5
    return abs((bound - when).days)


# ── the backend ──────────────────────────────────────────────────────────────────────────────────────────────


class SiteBackend:
    name = "site"

    def __init__(self, max_files: int = 12, max_candidates: int = 6, archive: str | None = None):
        self.max_files = max_files
        self.max_candidates = max_candidates
        self.archive = archive.rstrip("/") if archive else None  # a Wayback Machine (CDX API and captures), or None

    async def search(self, query: ResolveQuery, web: BackendWeb) -> BackendAnswer:
        if not query.domains:
            return BackendAnswer(self.name, skipped="no site or domain to search")
        queries: list[str] = []
        entries: list[Entry] = []
        requests = 0
        answered = False
        registrables = {registrable_domain(domain) for domain in query.domains}
        for host in query.domains[:MAX_HOSTS]:
            found, asked, host_answered, host_requests = await self._read_host(host, query, web, registrables)
            entries += found
            queries += asked
            requests += host_requests
            answered = answered or host_answered
            if found:
                break  # a publisher's first host listing articles is its main one; the others are asked only without
        if not answered:
            trouble = queries[0].partition("(no answer: ")[2].rstrip(")") if queries else ""
            return BackendAnswer(self.name, queries=tuple(queries), requests=requests,
                                 error=f"no answer from {', '.join(query.domains[:MAX_HOSTS])}"
                                       + (f" ({trouble})" if trouble else ""))
        proposals = propose(entries, query, self.max_candidates)
        candidates = tuple(Candidate(url=entry.url, via=self.name, title=entry.title, published=entry.published,
                                     snippet=f"listed in {entry.source}", rank=rank)
                           for rank, (entry, _) in enumerate(proposals))
        return BackendAnswer(self.name, candidates=candidates, queries=tuple(queries), requests=requests)

    async def _archived_entries(self, url: str, kind: str, retrieved: str,
                                web: BackendWeb) -> tuple[list[Entry], list[str], int]:
        """The entries of the Wayback capture of `url` nearest before the retrieved date (CDX, then the capture)."""
        day = date.fromisoformat(retrieved)
        params = {"url": url, "output": "json", "from": (day - timedelta(days=CAPTURE_WINDOW_DAYS)).strftime("%Y%m%d"),
                  "to": (day + timedelta(days=1)).strftime("%Y%m%d"), "filter": "statuscode:200", "limit": "50"}
        listing = await web.get(f"{self.archive}/cdx/search/cdx", params=params,
                                headers={"Accept": "application/json"}, max_bytes=512 * 1024)
        if not listing.ok:
            return [], [f"archive {url} (CDX: {listing.error or f'HTTP {listing.status}'})"], 1
        stamp = latest_capture(listing.body)
        if stamp is None:
            return [], [f"archive {url} (no capture within {CAPTURE_WINDOW_DAYS} days before {retrieved})"], 1
        capture = f"{self.archive}/web/{stamp}id_/{url}"
        response = await web.get(capture, headers={"Accept": "application/xml,text/xml,*/*;q=0.5"})
        if not response.ok:
            return [], [f"archive {capture} ({response.error or f'HTTP {response.status}'})"], 2
        _, found = read_sitemap(response.body, capture)
        return found, [f"archive {capture} ({len(found)} entries)"], 2

    async def _read_host(self, host: str, query: ResolveQuery, web: BackendWeb,
                         registrables: set[str]) -> tuple[list[Entry], list[str], bool, int]:
        """Entries of one host's sitemaps and feeds, what was read, whether the host answered, requests made."""
        queries: list[str] = []
        requests = 0
        origin = None
        robots_text = ""
        trouble = ""
        tried = [f"https://{host}"] + ([f"https://www.{host}"] if not host.startswith("www.") else [])
        for candidate_origin in tried:
            response = await web.get(candidate_origin + "/robots.txt", headers={"Accept": "text/plain"})
            requests += 1
            if response.ok:
                origin, robots_text = candidate_origin, response.body.decode("utf-8", "replace")
                queries.append(f"robots.txt {candidate_origin}/robots.txt")
                break
            if response.status is not None and origin is None:
                origin = candidate_origin  # it answers, without a robots.txt
            trouble = trouble or response.error or ""
        if origin is None:
            queries.append(f"robots.txt {tried[0]}/robots.txt (no answer: {trouble})")
            return [], queries, False, requests
        home = await web.get(origin + "/", headers={"Accept": "text/html"})
        requests += 1
        if not robots_text and not home.ok:
            queries.append(f"homepage {origin}/ (HTTP {home.status})" if home.status else
                           f"homepage {origin}/ ({home.error})")
            return [], queries, True, requests  # neither robots.txt nor a home page: nothing to read here
        sitemaps = [url for url in robots_sitemaps(robots_text) if _on_site(url, registrables)]
        if not sitemaps:
            sitemaps = [origin + "/sitemap.xml"]
        feeds = []
        if home.ok:
            feeds = [url for url in feed_links(home.body.decode("utf-8", "replace"), origin + "/")
                     if _on_site(url, registrables)]
        # Feeds and news sitemaps hold the newest articles; general sitemaps (by date) the older ones.
        queue = [url for url in sitemaps if "news" in url.lower()] + feeds
        queue += [url for url in sitemaps if url not in queue]
        seen: set[str] = set()
        entries: list[Entry] = []
        files = 0
        while queue and files < self.max_files:
            url = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            files += 1
            response = await web.get(url, headers={"Accept": "application/xml,text/xml,application/rss+xml,*/*;q=0.5"})
            requests += 1
            kind = "feed" if url in feeds else "sitemap"
            if not response.ok:
                queries.append(f"{kind} {url} ({response.error or f'HTTP {response.status}'})")
                continue
            children, found = read_sitemap(response.body, url)
            queries.append(f"{kind} {url}" + (f" ({len(found)} entries)" if found else
                                               f" (index of {len(children)})" if children else " (nothing read)"))
            entries += [entry for entry in found if _on_site(entry.url, registrables)]
            if self.archive and files < self.max_files and _too_recent(found, kind, url, query.retrieved):
                files += 1  # the capture of this news sitemap or feed from when the reference was read
                old, asked, made = await self._archived_entries(url, kind, query.retrieved, web)
                entries += [entry for entry in old if _on_site(entry.url, registrables)]
                queries += asked
                requests += made
            ordered = child_order([(c, m) for c, m in children if _on_site(c, registrables)], query.retrieved)
            queue = ordered + queue  # an index's likeliest children before the other files
        return entries, queries, True, requests

