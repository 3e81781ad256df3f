"""The strings a regex matches, read off Python's own parse of it: for tests that hold a cheap pre-check (a set of
needles or first words) to every match of the pattern it stands in front of."""

from __future__ import annotations

import itertools
import re._parser as parser


def matched_strings(pattern: str, *, exhaustive: bool = False) -> list[str]:
    """Every string `pattern` matches, a white-space class as " " and a repeat as absent (when it may be) or once.

    `exhaustive`: assert that this is every match (classes of literal characters only, no repeat beyond once)."""
    return _language(parser.parse(pattern), exhaustive)


def _language(items, exhaustive: bool) -> list[str]:
    strings = [""]
    for op, value in items:
        if op is parser.LITERAL:
            options = [chr(value)]
        elif op is parser.IN:
            assert all(kind in (parser.LITERAL, parser.CATEGORY) for kind, _ in value), value
            assert not exhaustive or all(kind is parser.LITERAL for kind, _ in value), value
            options = [chr(item) if kind is parser.LITERAL else " " for kind, item in value]
        elif op is parser.BRANCH:
            options = [text for branch in value[1] for text in _language(branch, exhaustive)]
        elif op is parser.SUBPATTERN:
            options = _language(value[3], exhaustive)
        elif op in (parser.MAX_REPEAT, parser.MIN_REPEAT):
            low, high, body = value
            assert not exhaustive or high <= 1, value
            options = ([""] if low == 0 else []) + _language(body, exhaustive)
        elif op is parser.AT:
            continue  # \b, ^, $: no characters
        else:
            raise AssertionError(f"unexpected regex element {op}")
        strings = [start + option for start, option in itertools.product(strings, options)]
    return strings
