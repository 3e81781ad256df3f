"""refcheck reads URLs as the WHATWG URL standard does: checked on the standard's own test data (WPT urltestdata.json).

The data is vendored in tests/data/wpt/ (source and licence in its README). Each test keeps the list of cases on which
the project and the standard disagree, and the list must be exactly the known, explained ones.
"""

from __future__ import annotations


import pytest

from refcheck.extract.hrefs import checkable_href
from refcheck.extract.urls import is_fetchable_url
from refcheck.fetch.run import InvalidTarget, prepared_form, resolve_location
from refcheck.rules.references import looks_invalid
from refcheck.weburl import WEB_SCHEMES, join, parse, scheme_of
from tests.wpt import url_cases

CASES = list(url_cases())
PARTS = ("href", "username", "password", "hostname", "pathname", "search", "hash")


def _expected_scheme(case: dict) -> str:
    return case["protocol"][:-1] if "protocol" in case else ""


def _web(case: dict) -> bool:
    return not case.get("failure") and _expected_scheme(case) in WEB_SCHEMES


def test_the_vendored_data_is_the_whole_wpt_file():
    assert len(CASES) == 891
    assert sum(1 for case in CASES if case.get("failure")) > 200


def test_every_case_parses_as_the_standard_says():
    wrong = []
    for case in CASES:
        parsed = parse(case["input"], case.get("base"))
        if case.get("failure"):
            if parsed is not None:
                wrong.append((case["input"], case.get("base"), parsed.href))
            continue
        if parsed is None:
            wrong.append((case["input"], case.get("base"), "failure"))
            continue
        got = {part: getattr(parsed, part) for part in PARTS}
        got["port"] = "" if parsed.port is None else str(parsed.port)
        got["protocol"] = parsed.scheme + ":"
        expected = {part: case[part] for part in (*PARTS, "port", "protocol")}
        expected["protocol"] = expected["protocol"].lower()
        if got != expected:
            wrong.append((case["input"], case.get("base"), got, expected))
    assert wrong == []


def test_join_resolves_as_a_browser_does():
    with_base = [case for case in CASES if case.get("base")]
    assert len(with_base) > 300
    wrong = [(c["input"], c["base"]) for c in with_base
             if join(c["base"], c["input"]) != (None if c.get("failure") else c["href"])]
    assert wrong == []


def test_join_gives_the_parsed_href_exactly():
    """join reads only the href (ada's join_url); it must agree with parse(...).href everywhere, failures too."""
    pairs = [(c["base"], c["input"]) for c in CASES if c.get("base")]
    pairs += [("https://a.example/x/y", r) for r in ("../z", "//other.example/p?q#f", "\ud800", "http://[::1", " x ")]
    pairs += [("not a url", "/path"), ("https://a.example/", "")]
    disagree = [(base, ref) for base, ref in pairs
                if join(base, ref) != (None if parse(ref, base) is None else parse(ref, base).href)]
    assert disagree == []


# Where the HTML reader differs from the standard on purpose: an empty href (or one of only whitespace) is the
# document itself, not a source to check (anchors `#…` are left out of the comparison for the same reason).
HREF_DIFFERENCES = {"", "  \t"}


def test_the_html_readers_href_resolution_agrees_with_the_standard():
    compared, wrong = 0, []
    for case in CASES:
        if not case.get("base") or case["input"].strip().startswith("#"):
            continue
        if not case.get("failure") and not _web(case):
            continue  # mailto:, javascript:, file:… are not sources (the reader drops them by scheme)
        compared += 1
        got = checkable_href(case["input"], case["base"])
        if case.get("failure"):
            # Dropped, or kept as written so that the invalid-url rule names it.
            agrees = got is None or parse(got) is None
        else:
            agrees = got is not None and parse(got) is not None and parse(got).href == case["href"]
        if not agrees and case["input"] not in HREF_DIFFERENCES:
            wrong.append((case["input"], case["base"], got))
    assert compared > 150
    assert wrong == []


def test_the_fetchers_target_is_the_standards_href_without_its_fragment():
    compared, wrong = 0, []
    for case in CASES:
        if not _web(case):
            continue
        resolved = join(case["base"], case["input"]) if case.get("base") else case["input"]
        compared += 1
        try:
            target = prepared_form(resolved)
        except InvalidTarget as error:
            target = f"refused: {error}"
        if target != case["href"].removesuffix(case["hash"]).removesuffix("#"):
            wrong.append((case["input"], target))
    assert compared > 200
    assert wrong == []


def test_what_the_standard_fails_the_fetcher_refuses_and_the_rule_reports():
    compared, wrong = 0, []
    for case in CASES:
        if not case.get("failure") or scheme_of(case["input"]) not in WEB_SCHEMES:
            continue
        compared += 1
        try:
            prepared_form(case["input"])
            wrong.append((case["input"], "fetched"))
        except InvalidTarget:
            pass
        if not looks_invalid(case["input"]) or is_fetchable_url(case["input"]):
            wrong.append((case["input"], "not reported as invalid-url"))
    assert compared > 50
    assert wrong == []


# Where the invalid-url rule differs from the standard on purpose: a host without a letter or digit is a valid
# opaque name by the standard, but no name server answers for it, so refcheck reports it rather than fetch it.
INVALID_ON_PURPOSE = {"http://./", "http://../", "http://!\"$&'()*+,-.;=_`{}~/"}


def test_absolute_web_urls_of_the_standard_are_not_reported_invalid():
    compared, wrong = 0, []
    for case in CASES:
        if _web(case) and not case.get("base"):
            compared += 1
            if looks_invalid(case["input"]) != (case["input"] in INVALID_ON_PURPOSE):
                wrong.append(case["input"])
    assert compared > 100
    assert wrong == []


@pytest.mark.parametrize(("location", "target"), [
    ("/b?x#frag", "http://example.org/b?x"),
    ("//other.example/c", "http://other.example/c"),
    ("http://EXAMPLE.org:80/%7e/./a/../b", "http://example.org/%7e/b"),
    (" /with space ", "http://example.org/with%20space"),
    ("\\\\back\\slash", "http://back/slash"),
])
def test_a_redirect_location_is_resolved_by_the_standard(location, target):
    assert resolve_location("http://example.org/a/page", location) == target


@pytest.mark.parametrize("location", ["http://[::1", "http://[zz]/x", "http://a b/", "ftp://example.org/", "//"])
def test_an_unusable_redirect_location_is_refused(location):
    with pytest.raises(InvalidTarget):
        resolve_location("http://example.org/a", location)


@pytest.mark.parametrize("url", ["http://[::1", "http://[zz]/x", "http://\udcff/", "http://a\x00b/", "http://%zz/",
                                 "http://1.2.3.4.5/", "http://:80", "http://a:99999/"])
def test_bad_urls_are_none_never_an_exception(url):
    assert parse(url) is None
    assert is_fetchable_url(url) is False
    assert looks_invalid(url)


def test_the_direct_c_calls_build_what_the_url_class_builds():
    # `parse` reads ada's parts through its C functions; ada's URL class is the reference (every WPT case, with and
    # without a base, and the strings ada refuses or cannot encode).
    from refcheck import weburl

    assert weburl._lib is not None  # the fast path is the one in use
    inputs = [(case["input"], case.get("base")) for case in CASES] + [(case["input"], None) for case in CASES]
    inputs += [("http://\ud800.com/", None), ("http://a.com/", "\ud800"), ("", None), ("https://例え.jp/ä?q=ü#é", None)]
    # credentials, ports, empty and absent queries and fragments, opaque paths, hosts absent or empty
    inputs += [(f"{scheme}{user}{host}{port}{path}{query}{fragment}", None)
               for scheme in ("http://", "https://", "foo://", "file://", "mailto:", "blob:https://")
               for user in ("", "u@", "u:p@", ":p@", "u:@", "@") for host in ("", "h.example", "[::1]", "10.0.0.1")
               for port in ("", ":80", ":8123", ":") for path in ("", "/", "/a/b", "a")
               for query in ("", "?", "?q=1") for fragment in ("", "#", "#f")]
    for text, base in inputs:
        assert weburl._parse_direct(text, base) == weburl._parse_with_class(text, base), (text, base)
