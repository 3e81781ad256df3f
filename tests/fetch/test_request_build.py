"""The fetcher builds its requests itself (less CPU): they must be exactly what httpx's build_request makes."""

import httpx
import pytest

from refcheck.fetch.client import _RequestBase

CLIENT_HEADERS = {"User-Agent": "refcheck/test", "Accept": "text/html,*/*;q=0.8", "Accept-Language": "ja,en;q=0.8"}


@pytest.mark.parametrize("headers", [
    {},
    {"If-None-Match": '"abc"', "If-Modified-Since": "Sat, 05 Dec 2026 10:00:00 GMT"},
    {"accept": "application/pdf", "Host": "xn--r8jz45g.jp"},  # a name the client has (other case) and one it does not
    {"ACCEPT-LANGUAGE": "en", "user-agent": "other/1", "X-Custom": "1"},
])
@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/a/b?c=1#f", "https://xn--r8jz45g.jp/パス?q=値"])
def test_requests_are_the_ones_httpx_builds(headers, url):
    client = httpx.AsyncClient(headers=CLIENT_HEADERS, follow_redirects=False, trust_env=False,
                               timeout=httpx.Timeout(7.5, pool=None))
    target = httpx.URL(url)
    ours, theirs = _RequestBase(client).build(target, headers), client.build_request("GET", target, headers=headers)
    assert (ours.method, ours.url, ours.headers.raw, ours.extensions) == (
        theirs.method, theirs.url, theirs.headers.raw, theirs.extensions)


def test_a_client_with_cookies_gets_httpx_own_request():
    client = httpx.AsyncClient(headers=CLIENT_HEADERS, cookies={"session": "1"}, trust_env=False)
    ours = _RequestBase(client).build(httpx.URL("http://127.0.0.1/"), {})
    assert ours.headers.get("cookie") == "session=1"
