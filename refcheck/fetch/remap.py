"""Where a URL is fetched from (`--remap`, lychee's rules and syntax) and whether it is checked at all (`--include`, `--exclude`).

Remap, as lychee does it: rules are tried in the order given and the FIRST rule whose regex matches anywhere in the
URL wins; every match of that regex in the URL is replaced (lychee's `replace_all`), and later rules are not applied
to the result. Replacements use lychee's (Rust regex) syntax: `$1`, `${1}`, `$name`, `${name}`, `$$` for a dollar;
Python's `\\1` and `\\g<name>` work too. Patterns may name groups `(?P<name>…)` or `(?<name>…)`.

Include/exclude are regexes searched in the URL as written in the document. An include match always checks the URL
(includes win over excludes, as in lychee); when includes are given, a URL matching none of them is excluded (the
documented meaning of `--include`; lychee alone would still check it when excludes are also given and miss it);
otherwise an exclude match excludes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from refcheck.errors import ConfigError

_RUST_GROUP_NAME = re.compile(r"\(\?<(?![=!])")  # (?<name>…) but not look-behind (?<= / (?<!
_RUST_REFERENCE = re.compile(r"\$(?:\$|\{(\w+)\}|(\w+))")


@dataclass(frozen=True)
class RemapRule:
    pattern: re.Pattern[str]
    replacement: str  # in Python's re.sub syntax, translated from lychee's


def compile_pattern(regex: str, what: str) -> re.Pattern[str]:
    """Compile a user regex (Rust-style named groups accepted) or raise ConfigError naming the option."""
    try:
        return re.compile(_RUST_GROUP_NAME.sub("(?P<", regex))
    except re.error as error:
        raise ConfigError(f"{what}: invalid regex {regex!r}: {error}") from error


def _python_replacement(replacement: str) -> str:
    def translate(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        return rf"\g<{match.group(1) or match.group(2)}>"

    return _RUST_REFERENCE.sub(translate, replacement)


def parse_rule(text: str) -> tuple[str, str]:
    """Split a `--remap 'REGEX REPLACEMENT'` option into its two parts, as lychee does (exactly two, whitespace)."""
    parts = text.split()
    if len(parts) != 2:
        raise ConfigError(f"--remap {text!r}: expected 'REGEX REPLACEMENT' separated by whitespace")
    return parts[0], parts[1]


class Remapper:
    """Applies remap rules and include/exclude filters; compiled once per run."""

    def __init__(
        self,
        remaps: Iterable[tuple[str, str]] = (),
        *,
        include: Iterable[str] = (),
        exclude: Iterable[str] = (),
    ):
        self.rules = tuple(
            RemapRule(compile_pattern(regex, "--remap"), _python_replacement(replacement)) for regex, replacement in remaps
        )
        self.includes = tuple(compile_pattern(regex, "--include") for regex in include)
        self.excludes = tuple(compile_pattern(regex, "--exclude") for regex in exclude)

    def remap(self, url: str) -> str:
        """The URL to fetch instead of `url` (the first matching rule, all its matches replaced), or `url` itself."""
        for rule in self.rules:
            if rule.pattern.search(url):
                try:
                    return rule.pattern.sub(rule.replacement, url)
                except (re.error, IndexError) as error:
                    raise ConfigError(f"--remap {rule.pattern.pattern!r}: bad replacement: {error}") from error
        return url

    def is_excluded(self, url: str) -> bool:
        if any(pattern.search(url) for pattern in self.includes):
            return False
        if self.includes:
            return True
        return any(pattern.search(url) for pattern in self.excludes)
