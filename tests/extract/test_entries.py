"""Reading one free-text reference entry and normalising written dates (shared by the Markdown/HTML/wikitext readers)."""

from __future__ import annotations

import pytest

from refcheck.extract.entries import EntryParts, normalize_date, parse_entry


@pytest.mark.parametrize("written, iso", [
    ("2025年12月26日", "2025-12-26"), ("26 December 2025", "2025-12-26"), ("December 26, 2025", "2025-12-26"),
    ("2025/1/5", "2025-01-05"), ("Sept. 3, 2024", "2024-09-03"), ("2025-13-01", None), ("yesterday", None), ("", None),
])
def test_normalize_date(written, iso):
    assert normalize_date(written) == iso


@pytest.mark.parametrize("entry, parts", [
    ('"AI Act enters into force". European Commission. https://ec.example/a Retrieved 2025-01-15.',
     EntryParts(title="AI Act enters into force", site="European Commission", url="https://ec.example/a", retrieved="2025-01-15")),
    ("「AI基本計画の概要」. 内閣府. https://www8.cao.go.jp/x 2025年12月26日閲覧",
     EntryParts(title="AI基本計画の概要", site="内閣府", url="https://www8.cao.go.jp/x", retrieved="2025-12-26")),
    ('↑ a b "Title". Site. <https://s.example/p> https://web.archive.org/web/1/https://s.example/p',
     EntryParts(title="Title", site="Site", url="https://s.example/p", archive_url="https://web.archive.org/web/1/https://s.example/p")),
    ("[3] Plain Title. Some Press.", EntryParts(title="Plain Title", site="Some Press", number="3")),
    ("Linked title — Publisher", EntryParts(title="Linked title", site="Publisher")),
])
def test_parse_entry(entry, parts):
    assert parse_entry(entry) == parts


def test_urls_given_by_the_caller_win_over_urls_in_the_text():
    assert parse_entry('"T". S.', urls=["https://given.example/"]).url == "https://given.example/"


@pytest.mark.parametrize("urls", [
    [],
    ["https://example.com/a"],
    ["https://web.archive.org/web/2020/https://example.com/a"],
    ["https://web.archive.org/web/2020/https://example.com/a", "https://example.com/a"],
    ["https://example.com/a", "https://archive.ph/x", "https://example.org/b", "https://megalodon.jp/y"],
    ["https://archive.today/1", "https://archive.is/2"],
])
def test_split_archive_picks_the_first_original_and_first_archive(urls):
    from refcheck.extract.entries import is_archive_url, split_archive
    originals = [url for url in urls if not is_archive_url(url)]
    archives = [url for url in urls if is_archive_url(url)]
    expected = ((originals[0], archives[0] if archives else None) if originals
                else ((archives[0], None) if archives else (None, None)))
    assert split_archive(urls) == expected
    if len(urls) == 4 and urls[0] == "https://example.com/a":
        assert split_archive(urls) == ("https://example.com/a", "https://archive.ph/x")
