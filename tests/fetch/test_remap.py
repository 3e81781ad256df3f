"""Remap (lychee's rules: first matching rule wins, all its matches replaced, `$1`/`$name` syntax) and include/exclude."""

from __future__ import annotations

import pytest

from refcheck.errors import ConfigError
from refcheck.fetch.remap import Remapper, parse_rule


def test_first_matching_rule_wins_and_later_rules_do_not_apply_to_its_result():
    remapper = Remapper([("example.com", "example.org"), ("example.org", "example.net"), ("org", "WRONG")])
    assert remapper.remap("https://example.com/a") == "https://example.org/a"
    assert remapper.remap("https://example.org/a") == "https://example.net/a"


def test_every_match_of_the_winning_rule_is_replaced():
    assert Remapper([("old", "new")]).remap("https://old.test/old/page") == "https://new.test/new/page"


def test_no_match_leaves_the_url_alone():
    assert Remapper([("example.com", "example.org")]).remap("https://other.test/") == "https://other.test/"


@pytest.mark.parametrize(
    ("pattern", "replacement", "expected"),
    [
        (r"https://example.com/.*?/(.*?)/.*", "https://example.com/foo/$1/bar", "https://example.com/foo/2/bar"),
        (r"https://example.com/.*?/(.*?)/.*", "https://example.com/foo/${1}/bar", "https://example.com/foo/2/bar"),
        (r"https://example.com/.*?/(?P<foo>.*?)/.*", "https://example.com/foo/$foo/bar", "https://example.com/foo/2/bar"),
        (r"https://example.com/.*?/(?<foo>.*?)/.*", "https://example.com/foo/${foo}/bar", "https://example.com/foo/2/bar"),
        (r"https://example.com/.*?/(.*?)/.*", r"https://example.com/foo/\1/bar", "https://example.com/foo/2/bar"),
        (r"https://example.com/(\d)/.*", "https://cost.test/$$$1", "https://cost.test/$1"),
    ],
)
def test_lychee_replacement_syntax(pattern, replacement, expected):
    assert Remapper([(pattern, replacement)]).remap("https://example.com/1/2/3") == expected


def test_lookbehind_is_not_mistaken_for_a_named_group():
    assert Remapper([(r"(?<=https://)old", "new")]).remap("https://old.test/") == "https://new.test/"


def test_bad_regex_is_a_config_error_naming_the_option():
    with pytest.raises(ConfigError, match="--remap"):
        Remapper([("(unclosed", "x")])
    with pytest.raises(ConfigError, match="--exclude"):
        Remapper(exclude=["[z-a]"])


def test_parse_rule_wants_exactly_two_parts():
    assert parse_rule("github.com/(.*) gitlab.com/$1") == ("github.com/(.*)", "gitlab.com/$1")
    with pytest.raises(ConfigError):
        parse_rule("only-one")


def test_exclude_alone_drops_matches():
    remapper = Remapper(exclude=[r"github\.com"])
    assert remapper.is_excluded("https://github.com/x")
    assert not remapper.is_excluded("https://gitlab.com/x")


def test_include_wins_over_exclude_and_alone_limits_checking_to_matches():
    remapper = Remapper(include=[r"foo\.example\.com"], exclude=[r"example\.com"])
    assert not remapper.is_excluded("https://foo.example.com/")
    assert remapper.is_excluded("https://bar.example.com/")
    assert remapper.is_excluded("https://unrelated.test/")  # includes given: only matches are checked


def test_no_filters_excludes_nothing():
    assert not Remapper().is_excluded("https://anything.test/")
