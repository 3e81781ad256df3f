"""pipeline.unique_urls asks about each URL once: the same list as asking about every occurrence."""

from __future__ import annotations

import random

from refcheck.extract.urls import is_fetchable_url
from refcheck.models import Extraction, Link, Reference
from refcheck.pipeline import unique_urls

URLS = [None, "", "https://a.example/1", "https://a.example/1#x", "http://b.example/", "ftp://c.example/f",
        "mailto:x@example.org", "https://", "http://[::1/bad", "docs/page.md", "../up.md#part", "https://日本.example/",
        "HTTPS://A.EXAMPLE/1", "https://-.example/", "https://a.example/2"]


def _every_occurrence(extractions) -> list[str]:
    seen: dict[str, None] = {}
    for extraction in extractions:
        for reference in extraction.references:
            for url in (reference.url, reference.archive_url):
                if url and is_fetchable_url(url):
                    seen.setdefault(url, None)
        for link in extraction.links:
            if "://" in link.url and is_fetchable_url(link.url):
                seen.setdefault(link.url, None)
    return list(seen)


def test_unique_urls_equals_asking_about_every_occurrence():
    chooser = random.Random(19)
    for _ in range(300):
        extractions = [Extraction(
            references=tuple(Reference(id=str(n), line=n, url=chooser.choice(URLS), archive_url=chooser.choice(URLS))
                             for n in range(chooser.randrange(0, 8))),
            links=tuple(Link(url=chooser.choice(URLS[2:]), line=n) for n in range(chooser.randrange(0, 8))))
            for _ in range(chooser.randrange(1, 4))]
        assert unique_urls(extractions) == _every_occurrence(extractions)
