"""The fetcher's dispatch on a real loopback server: PDFs (by type or magic bytes) to refcheck.pdf in a worker thread,
with their own size cap; images, feeds and JSON alive without a title; plain text read as text."""

from __future__ import annotations

import asyncio
import gzip
import threading

import pytest

from refcheck.fetch import client
from refcheck.fetch.cache import FetchCache
from refcheck.fetch.client import fetch_all
from refcheck.models import PageFacts, UrlStatus
from refcheck.settings import CacheSettings, FetchSettings
from tests.pdfs import JA_PAGES, TITLE, make_pdf, varied_pages
from tests.webserver import Reply

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 3000


@pytest.fixture
def settings() -> FetchSettings:
    return FetchSettings(allow_private=True, retries=0, timeout=5, deadline=20, probe_soft_404=False)


def fetch_one(url: str, settings: FetchSettings, **options):
    return fetch_all([url], settings, **options).results[url]


@pytest.fixture(scope="module")
def report_pdf() -> bytes:
    return make_pdf(JA_PAGES, title=TITLE)


@pytest.mark.parametrize("content_type", ["application/pdf", "application/octet-stream", "text/html; charset=utf-8",
                                          None])
def test_a_pdf_is_read_whatever_its_declared_type(server, settings, report_pdf, content_type):
    server.route("/report", Reply(200, report_pdf, content_type=content_type))
    result = fetch_one(server.url("/report"), settings)
    assert result.status is UrlStatus.OK and result.reason is None
    assert result.page.content_type == "application/pdf"  # the magic bytes win over the header
    assert result.page.title == TITLE and result.page.page_count == 3 and len(result.page.page_starts) == 3
    assert "1兆2000億円" in result.page.main_text


def test_a_gzip_encoded_pdf_is_decoded_first(server, settings, report_pdf):
    server.route("/report.pdf", Reply(200, gzip.compress(report_pdf), content_type="application/pdf",
                                      headers={"Content-Encoding": "gzip"}))
    result = fetch_one(server.url("/report.pdf"), settings)
    assert result.page.title == TITLE and result.reason is None


def test_a_pdf_larger_than_its_cap_is_read_up_to_the_cap_and_says_so(server, report_pdf):
    head = make_pdf(varied_pages(8), title=TITLE)
    head = head[: len(head) * 6 // 10]  # the start of a big PDF: catalog, page tree, first pages
    junk = (b"%" + b"0" * (1024 * 1024 - 2) + b"\n" for _ in range(200))  # then 200 MB more, streamed
    server.route("/huge.pdf", Reply(200, _chain(head, junk), content_type="application/pdf"))
    capped = FetchSettings(allow_private=True, retries=0, timeout=5, deadline=20, probe_soft_404=False,
                           max_pdf_bytes=len(head) + 100_000)
    result = fetch_one(server.url("/huge.pdf"), capped)
    assert result.status is UrlStatus.OK
    assert "第1章" in result.page.main_text and result.page.page_count == 8
    assert result.reason.startswith("PDF truncated at the size cap: text from ")
    assert result.reason.endswith(f" of 8 pages (the PDF cap is {capped.max_pdf_bytes / 1024 / 1024:g} MB)")


def _chain(first: bytes, rest):
    yield first
    yield from rest


def test_a_web_page_keeps_the_smaller_page_cap(server):
    page = b"<html><head><title>Big page</title></head><body>" + b"<p>text</p>" * 300_000 + b"</body></html>"
    server.route("/big", Reply(200, page))
    small = FetchSettings(allow_private=True, retries=0, timeout=5, probe_soft_404=False, max_body_bytes=64 * 1024,
                          max_pdf_bytes=50 * 1024 * 1024)
    sizes: list[int] = []

    def measuring_reader(body, content_type, url):
        sizes.append(len(body))
        return PageFacts(content_type=content_type)

    result = fetch_one(server.url("/big"), small, read_page=measuring_reader)
    assert result.status is UrlStatus.OK and sizes == [64 * 1024]


def test_an_encrypted_pdf_is_ok_as_a_link_with_a_reason(server, settings):
    server.route("/secret.pdf", Reply(200, make_pdf(JA_PAGES, title=TITLE, user_password="pw"),
                                      content_type="application/pdf"))
    result = fetch_one(server.url("/secret.pdf"), settings)
    assert result.status is UrlStatus.OK and result.reason == "encrypted PDF: text not readable"
    assert result.page.main_text == "" and result.page.title is None


@pytest.mark.parametrize("content_type, body", [
    ("image/png", PNG),
    ("video/mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 5000),
    ("audio/mpeg", b"ID3\x03\x00" + b"\x00" * 5000),
    ("application/json", b'{"items": [{"title": "AI strategy"}]}'),
    ("application/rss+xml", b'<?xml version="1.0"?><rss><channel><title>News</title></channel></rss>'),
    ("application/zip", b"PK\x03\x04" + b"\x00" * 5000),
])
def test_other_types_are_alive_without_a_title_or_text(server, settings, content_type, body):
    server.route("/thing", Reply(200, body, content_type=content_type))
    result = fetch_one(server.url("/thing"), settings)
    assert result.status is UrlStatus.OK and result.reason is None
    assert result.page.content_type == content_type
    assert result.page.title is None and result.page.title_candidates == () and result.page.main_text == ""


def test_plain_text_is_read_as_text(server, settings):
    server.route("/notes.txt", Reply(200, "予算の総額は1兆2000億円。\nThe total was 1.2 trillion yen.".encode(),
                                     content_type="text/plain; charset=utf-8"))
    result = fetch_one(server.url("/notes.txt"), settings)
    assert result.page.title is None and "1兆2000億円" in result.page.main_text


def test_pdf_parsing_runs_off_the_event_loop(server, settings, report_pdf, monkeypatch):
    where: list[str] = []
    real_read_pdf = client.read_pdf

    def recording_read_pdf(body, url, *, truncated=False):
        try:
            asyncio.get_running_loop()
            where.append("event loop")
        except RuntimeError:  # no loop in this thread: a worker
            where.append(threading.current_thread().name)
        return real_read_pdf(body, url, truncated=truncated)

    monkeypatch.setattr(client, "read_pdf", recording_read_pdf)
    server.route("/report.pdf", Reply(200, report_pdf, content_type="application/pdf"))
    result = fetch_one(server.url("/report.pdf"), settings)
    assert result.page.title == TITLE
    assert len(where) == 1 and where[0] not in ("event loop", threading.main_thread().name)


def test_a_pdf_result_survives_the_cache(server, settings, report_pdf, tmp_path):
    server.route("/report.pdf", Reply(200, report_pdf, content_type="application/pdf"))
    cache_settings = CacheSettings(directory=tmp_path)
    first = fetch_one(server.url("/report.pdf"), settings, cache=FetchCache(tmp_path), cache_settings=cache_settings)
    again = fetch_one(server.url("/report.pdf"), settings, cache=FetchCache(tmp_path), cache_settings=cache_settings)
    assert again.from_cache and server.hits("/report.pdf") == 1
    assert again.page == first.page and isinstance(again.page.page_starts, tuple)
