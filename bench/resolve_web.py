"""A simulated web of news sites for the resolution stage: static files laid out as <root>/<host>/<path>.

Each site is written the way real ones are found: `robots.txt` with `Sitemap:` lines, a sitemap index whose
children are a news sitemap (news:title, news:publication_date) and monthly sitemaps (loc + lastmod only), an
RSS or Atom feed linked from the home page, and article pages (<title> with the site's name after it, og:title,
og:site_name, article:published_time, a nav, the article, a footer). Sites may also be "feed-only" (no sitemap)
or "bare" (robots.txt without sitemaps, no feed): then nothing can be found there.

Served by tests/webserver.py's `serve_directory` (tests) or by `served` below (the bench scripts), with
`--remap '^https?://([^/]+)/(.*)$ http://127.0.0.1:PORT/$1/$2'` (`remap`), so refcheck asks the real-looking hosts.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass(frozen=True)
class Article:
    path: str  # "/docs/news/2025/1219001.html"
    title: str
    published: str  # YYYY-MM-DD
    paragraphs: tuple[str, ...]
    in_news_sitemap: bool = True  # else only in the monthly sitemap of its month
    in_feed: bool = True


@dataclass(frozen=True)
class Site:
    host: str  # "watch.impress.co.jp"
    name: str  # og:site_name, and the title suffix
    articles: tuple[Article, ...] = ()
    mode: str = "sitemaps"  # "sitemaps" | "feed-only" | "atom-only" | "bare" | "down"
    language: str = "ja"
    extra_files: dict = field(default_factory=dict)  # path → text, written as they are


def _page(site: Site, article: Article) -> str:
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
    title = html.escape(article.title)
    return (f'<!doctype html>\n<html lang="{site.language}"><head><meta charset="utf-8">\n'
            f"<title>{title} | {html.escape(site.name)}</title>\n"
            f'<meta property="og:title" content="{title}">\n'
            f'<meta property="og:site_name" content="{html.escape(site.name)}">\n'
            f'<meta property="article:published_time" content="{article.published}T09:00:00+09:00">\n'
            f'<link rel="canonical" href="https://{site.host}{article.path}">\n'
            f"</head><body><nav><a href=\"/\">{html.escape(site.name)}</a> | ニュース | 経済 | テクノロジー</nav>\n"
            f"<article><h1>{title}</h1>\n<time>{article.published}</time>\n{body}\n</article>\n"
            f"<footer>© {html.escape(site.name)}</footer></body></html>\n")


def _home(site: Site) -> str:
    feeds = ""
    if site.mode in ("sitemaps", "feed-only"):
        feeds = f'<link rel="alternate" type="application/rss+xml" title="{html.escape(site.name)}" href="/rss.xml">\n'
    elif site.mode == "atom-only":
        feeds = '<link rel="alternate" type="application/atom+xml" href="/atom.xml">\n'
    links = "\n".join(f'<li><a href="{a.path}">{html.escape(a.title)}</a></li>' for a in site.articles[:5])
    return (f'<!doctype html>\n<html lang="{site.language}"><head><meta charset="utf-8">'
            f"<title>{html.escape(site.name)}</title>\n{feeds}</head><body><h1>{html.escape(site.name)}</h1>"
            f"<ul>{links}</ul></body></html>\n")


def _news_sitemap(site: Site) -> str:
    items = []
    for a in site.articles:
        if a.in_news_sitemap:
            items.append(f"<url><loc>https://{site.host}{a.path}</loc><news:news><news:publication>"
                         f"<news:name>{html.escape(site.name)}</news:name><news:language>{site.language}</news:language>"
                         f"</news:publication><news:publication_date>{a.published}T09:00:00+09:00"
                         f"</news:publication_date><news:title>{html.escape(a.title)}</news:title></news:news></url>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n' + "\n".join(items) + "\n</urlset>\n")


def _month_sitemap(site: Site, month: str) -> str:
    items = [f"<url><loc>https://{site.host}{a.path}</loc><lastmod>{a.published}</lastmod></url>"
             for a in site.articles if a.published.startswith(month)]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(items) + "\n</urlset>\n")


def _index(site: Site, months: list[str]) -> str:
    children = [f"<sitemap><loc>https://{site.host}/sitemap-news.xml</loc></sitemap>"]
    children += [f"<sitemap><loc>https://{site.host}/sitemap-{month}.xml</loc><lastmod>{month}-28</lastmod></sitemap>"
                 for month in months]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(children) + "\n</sitemapindex>\n")


def _rss(site: Site) -> str:
    items = [f"<item><title>{html.escape(a.title)}</title><link>https://{site.host}{a.path}</link>"
             f"<pubDate>{_rfc822(a.published)}</pubDate></item>" for a in site.articles if a.in_feed]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>'
            f"{html.escape(site.name)}</title>\n" + "\n".join(items) + "\n</channel></rss>\n")


def _atom(site: Site) -> str:
    entries = [f'<entry><title>{html.escape(a.title)}</title><link href="https://{site.host}{a.path}"/>'
               f"<published>{a.published}T09:00:00+09:00</published></entry>" for a in site.articles if a.in_feed]
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>'
            f"{html.escape(site.name)}</title>\n" + "\n".join(entries) + "\n</feed>\n")


def _rfc822(day: str) -> str:
    from datetime import date

    value = date.fromisoformat(day)
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return f"{names[value.weekday()]}, {value.day:02d} {months[value.month - 1]} {value.year} 09:00:00 +0900"


def write_site(root: Path, site: Site) -> None:
    base = root / site.host
    base.mkdir(parents=True, exist_ok=True)
    if site.mode == "down":
        return  # no files at all: every request is a 404
    (base / "index.html").write_text(_home(site), encoding="utf-8")
    for article in site.articles:
        target = base / article.path.lstrip("/")
        if article.path.endswith("/") or "." not in article.path.rsplit("/", 1)[-1]:
            target = target / "index.html"  # served as HTML whatever the server guesses from a bare name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_page(site, article), encoding="utf-8")
    if site.mode == "sitemaps":
        months = sorted({a.published[:7] for a in site.articles})
        (base / "robots.txt").write_text(f"User-agent: *\nDisallow: /search\n\nSitemap: https://{site.host}"
                                         "/sitemap-index.xml\n", encoding="utf-8")
        (base / "sitemap-index.xml").write_text(_index(site, months), encoding="utf-8")
        (base / "sitemap-news.xml").write_text(_news_sitemap(site), encoding="utf-8")
        for month in months:
            (base / f"sitemap-{month}.xml").write_text(_month_sitemap(site, month), encoding="utf-8")
        (base / "rss.xml").write_text(_rss(site), encoding="utf-8")
    elif site.mode == "feed-only":
        (base / "robots.txt").write_text("User-agent: *\nDisallow:\n", encoding="utf-8")
        (base / "rss.xml").write_text(_rss(site), encoding="utf-8")
    elif site.mode == "atom-only":
        (base / "robots.txt").write_text("User-agent: *\nDisallow:\n", encoding="utf-8")
        (base / "atom.xml").write_text(_atom(site), encoding="utf-8")
    else:  # bare
        (base / "robots.txt").write_text("User-agent: *\nDisallow:\n", encoding="utf-8")
    for path, text in site.extra_files.items():
        (base / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (base / path.lstrip("/")).write_text(text, encoding="utf-8")


def write_web(root: Path, sites: list[Site]) -> Path:
    for site in sites:
        write_site(Path(root), site)
    return Path(root)


REMAP_PATTERN = r"^https?://([^/]+)/(.*)$"


class _Handler(SimpleHTTPRequestHandler):
    """The web's files as a site would serve them (no extension: an HTML page), counting the requests, quietly."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, "": "text/html", ".html": "text/html",
                      ".xml": "application/xml", ".txt": "text/plain"}

    def do_GET(self):  # noqa: N802
        with self.server.lock:
            self.server.requests += 1
        super().do_GET()

    def log_message(self, *args) -> None:
        pass


@contextmanager
def served(root: Path) -> Iterator[ThreadingHTTPServer]:
    """The folder `write_web` wrote, served on a loopback port; `.requests` counts the GETs it answered."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    server.requests, server.lock = 0, threading.Lock()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def remap(server: ThreadingHTTPServer) -> tuple[str, str]:
    """The `--remap` (pattern, replacement) that sends every https://host/path to `server` as /host/path."""
    return REMAP_PATTERN, f"http://127.0.0.1:{server.server_address[1]}/" + r"$1/$2"
