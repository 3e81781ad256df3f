"""Find `<!-- refcheck: ignore[rule, …] -->` comments and the line each one silences."""

from __future__ import annotations

import re
from collections.abc import Callable

from refcheck.extract.lines import LineIndex
from refcheck.models import Suppression

COMMENT = re.compile(r"<!--[ \t]*refcheck:[ \t]*ignore(?:\[(?P<rules>[^\]\n]*)\])?[ \t]*-->", re.IGNORECASE)
_NON_BLANK = re.compile(r"\S")


def scan(text: str, lines: LineIndex, skip: Callable[[int], bool] | None = None) -> list[Suppression]:
    """Every suppression comment in `text`; `skip(offset)` can rule out comments inside code."""
    found = []
    for match in COMMENT.finditer(text):
        if skip is not None and skip(match.start()):
            continue
        found.append(suppression_at(text, lines, match.start(), match.end(), match.group("rules")))
    return found


def suppression_at(text: str, lines: LineIndex, start: int, end: int, rules: str | None) -> Suppression:
    """A comment on a line of its own silences the next non-blank line; one beside content, its own line."""
    names = tuple(name.strip() for name in (rules or "").split(",") if name.strip())
    line = lines.line_of(start)
    line_start = lines.start_of(line)
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    beside = COMMENT.sub("", text[line_start:start] + text[end:line_end]).strip()
    if beside:
        return Suppression(line=line, rules=names)
    return Suppression(line=_next_content_line(text, lines, line_end), rules=names)


def _next_content_line(text: str, lines: LineIndex, after: int) -> int:
    """The line of the first non-blank character after offset `after` (the next line when there is none)."""
    match = _NON_BLANK.search(text, after)
    if match is None:
        return min(lines.line_of(after) + 1, lines.line_count + 1)
    return lines.line_of(match.start())
