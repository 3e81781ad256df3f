"""`prepare_url` skips httpx's parse for a URL httpx surely accepts: that shortcut must never let through a URL that
httpx would refuse (the fetch would then fail later, with a different answer than `invalid`)."""

from __future__ import annotations


import httpx
from hypothesis import HealthCheck, given, settings

from refcheck.fetch.client import httpx_accepts_plainly, prepare_url
from refcheck.fetch.run import InvalidTarget, prepared_form
from tests.fuzzing import url_text
from tests.wpt import written_urls



def _shortcut_is_safe(url: str) -> bool:
    """False only if the shortcut accepts a prepared URL that httpx refuses."""
    try:
        prepared = prepared_form(url)
    except InvalidTarget:
        return True
    if not httpx_accepts_plainly(prepared):
        return True
    try:
        httpx.URL(prepared)
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return False
    return True


def test_the_shortcut_agrees_with_httpx_on_the_standards_test_data():
    urls = written_urls()
    prepared = [url for url in urls if _prepares(url)]
    assert len(prepared) > 200  # the data really reaches the shortcut
    assert [url for url in urls if not _shortcut_is_safe(url)] == []


def _prepares(url: str) -> bool:
    try:
        prepared_form(url)
    except InvalidTarget:
        return False
    return True


@settings(max_examples=300, suppress_health_check=list(HealthCheck), deadline=None)
@given(url_text)
def test_the_shortcut_agrees_with_httpx_on_generated_urls(url):
    assert _shortcut_is_safe(url)


def test_what_the_shortcut_leaves_to_httpx():
    too_long = "http://example.org/" + "a" * 70_000
    assert not httpx_accepts_plainly(too_long)
    with __import__("pytest").raises(InvalidTarget, match="too long"):
        prepare_url(too_long)
    assert not httpx_accepts_plainly("http://example.org/\x7f")
    assert httpx_accepts_plainly("http://127.0.0.2:8080/articles/a?b=c")
    assert prepare_url("http://Example.ORG/a b") == "http://example.org/a%20b"
