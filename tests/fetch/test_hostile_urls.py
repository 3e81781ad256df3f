"""URLs the WHATWG standard accepts but other parsers refuse or read otherwise, fetched from a real loopback server."""

from __future__ import annotations

from refcheck.fetch import fetch_all
from refcheck.fetch.guard import Guard
from refcheck.models import UrlStatus
from refcheck.weburl import parse
from tests.webserver import Reply


def test_a_host_httpx_cannot_decode_is_fetched_not_an_internal_error(server, quick, no_wait):
    """Found by the fuzz campaign: `http://»/` is `http://xn--yba/` by the standard (UTS 46), but httpx's IDNA 2008
    decoder raises InvalidCodepoint on `url.host`, which made `refcheck check` exit 3."""
    lookups = []

    async def resolver(host, port):
        lookups.append(host)
        return ["127.0.0.1"]

    server.route("/page", Reply(200, "<title>guillemet</title>"))
    url = f"http://»:{server.port}/page"
    run = fetch_all([url], quick, guard=Guard(allow_private=True, resolver=resolver), sleep=no_wait)
    result = run.results[url]
    assert result.status is UrlStatus.OK, result
    assert result.page.title == "guillemet"
    assert lookups == ["xn--yba"] == [parse(url).host]
    assert {r.headers["host"] for r in server.requests_to("/page")} == {f"xn--yba:{server.port}"}


def test_the_standards_spelling_of_a_url_is_what_is_requested(server, quick, no_wait):
    server.route("/a/b", Reply(200, "<title>ok</title>"))
    url = f"HTTP://127.0.0.1:{server.port}\\a\\x\\..\\b#frag"  # backslashes and dot segments, as a browser reads them
    run = fetch_all([url], quick, sleep=no_wait)
    assert run.results[url].status is UrlStatus.OK
    assert run.results[url].fetched_url == f"http://127.0.0.1:{server.port}/a/b"
