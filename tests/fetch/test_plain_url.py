"""`plain_httpx_url` builds an httpx.URL without httpx's parser for ordinary prepared URLs: what it builds must be
exactly what httpx.URL would (same components, so the same host, port, path and request line), and every URL it
does not build must be one it leaves to httpx (None), never a different answer. These tests fail if the two diverge."""

from __future__ import annotations

import random
import string

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refcheck.fetch.client import parsed_url, plain_httpx_url
from refcheck.fetch.run import InvalidTarget, prepared_form
from refcheck.weburl import join
from tests.fuzzing import url_text
from tests.wpt import written_urls



def _agrees(url: str) -> bool:
    """True when the shortcut declines the URL, or builds exactly httpx's URL (which httpx must then accept)."""
    built = plain_httpx_url(url)
    if built is None:
        return True
    expected = httpx.URL(url)  # raises (failing the test) if the shortcut built a URL httpx refuses
    return (built._uri_reference == expected._uri_reference and built == expected and str(built) == str(expected)
            and built.raw_host == expected.raw_host and built.port == expected.port
            and built.raw_path == expected.raw_path and built.netloc == expected.netloc
            and _unicode_host(built) == _unicode_host(expected))


def _unicode_host(url: httpx.URL):
    try:
        return url.host
    except UnicodeError as error:  # httpx's IDNA decoder refuses some labels the standard accepts: alike for both
        return type(error), str(error)


def _prepared(url: str) -> str | None:
    try:
        return prepared_form(url)
    except InvalidTarget:
        return None


def test_the_shortcut_agrees_with_httpx_on_the_standards_test_data():
    urls = written_urls()
    candidates = urls + [prepared for prepared in map(_prepared, urls) if prepared]
    built = [url for url in candidates if plain_httpx_url(url) is not None]
    assert len(built) > 200  # the data really reaches the shortcut
    assert [url for url in candidates if not _agrees(url)] == []


@settings(max_examples=400, suppress_health_check=list(HealthCheck), deadline=None)
@given(url_text)
def test_the_shortcut_agrees_with_httpx_on_generated_urls(url):
    assert _agrees(url)
    prepared = _prepared(url)
    if prepared is not None:
        assert _agrees(prepared)


_TRICKY = "%./?#[]\\^|`{}:@!$&'()*+,;=~- \"<>\x7f\t"


@settings(max_examples=400, suppress_health_check=list(HealthCheck), deadline=None)
@given(st.sampled_from(["http", "https", "HTTP"]),
       st.sampled_from(["a.example", "127.0.0.2", "256.0.0.1", "01.2.3.4", "1.2.3", "xn--bcher-kva.example", "A.b"]),
       st.sampled_from(["", ":80", ":443", ":080", ":8080", ":", ":99999", ":0"]),
       st.text(alphabet=string.ascii_letters + string.digits + _TRICKY, max_size=20))
def test_the_shortcut_agrees_with_httpx_on_hosts_ports_and_odd_characters(scheme, host, port, rest):
    assert _agrees(f"{scheme}://{host}{port}/{rest}")


def test_what_the_shortcut_builds_and_what_it_leaves_to_httpx():
    built = ["http://127.0.0.2:8080/articles/a?b=c", "https://example.org/wiki/A_(b)%C3%A9?x=[1]&y={2}",
             "http://example.org:80/", "https://example.org:443/a/", "http://a.example/a/b.c/..x"]
    for url in built:
        assert plain_httpx_url(url) is not None, url
        assert _agrees(url)
    left = ["http://256.1.1.1/", "http://a.example/./x", "http://a.example/a/../x", "http://[::1]/",
            "http://user@a.example/", "http://a.example/#frag", "http://A.example/", "http://a.example/a b",
            "http://a.example/%zz", "http://a.example", "ftp://a.example/", "http://bücher.example/",
            "http://example.org/" + "a" * 70_000]
    for url in left:
        assert plain_httpx_url(url) is None, url
    rng = random.Random(19)
    for _ in range(2000):  # random prepared-looking URLs, many of them plain
        path = "".join(rng.choice(string.ascii_letters + "/-._%~" + "0123456789abcdefABCDEF") for _ in range(12))
        url = f"http://h{rng.randrange(9)}.example:{rng.choice(['80', '8080', '1'])}/{path}"
        assert _agrees(url), url


def test_ipv4_shaped_hosts_are_built_exactly_when_httpx_takes_them():
    octets = ["0", "00", "01", "1", "9", "10", "99", "100", "199", "200", "249", "250", "255", "256", "299", "300",
              "999", "0255", "1000"]
    rng = random.Random(4)
    hosts = [".".join(rng.choice(octets) for _ in range(4)) for _ in range(3000)]
    hosts += [f"{octet}.0.0.1" for octet in octets] + [f"1.2.3.{octet}" for octet in octets]
    for host in hosts:
        url = f"http://{host}/"
        try:
            httpx.URL(url)
            taken = True
        except httpx.InvalidURL:
            taken = False
        assert (plain_httpx_url(url) is not None) == taken, host
        assert _agrees(url)


def test_parsed_url_is_httpx_url_either_way():
    for url in ("http://127.0.0.2:8080/a?b", "http://a.example/./x", "http://[::1]:8/x"):
        assert parsed_url(url) == httpx.URL(url)
        assert parsed_url(url)._uri_reference == httpx.URL(url)._uri_reference
