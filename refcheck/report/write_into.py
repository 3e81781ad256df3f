"""Put an appendix between `<!-- refcheck:appendix:start -->` and `<!-- refcheck:appendix:end -->` in a text. Pure.

The block always sits on its own lines between the two markers, so running it twice gives the same text; the CLI
reads and writes the file (atomically, and only when the text changed).
"""

from __future__ import annotations

import re

from refcheck.errors import InputError
from refcheck.report.appendix import END_MARKER, START_MARKER

START = "<!-- refcheck:appendix:start -->"
END = "<!-- refcheck:appendix:end -->"


def replace_between(text: str, block: str, where: str = "the file") -> str:
    """`text` with everything between the start and end markers replaced by `block` (the markers are kept).

    Raises InputError when a marker is missing, repeated, or the end comes before the start.
    """
    start, end = _one(START_MARKER, text, START, where), _one(END_MARKER, text, END, where)
    if end.start() < start.end():
        raise InputError(f"{where}: the appendix markers are in the wrong order ({END} comes before {START})")
    newline = "\r\n" if "\r\n" in text else "\n"  # keep a Windows file's line endings
    body = block.strip("\r\n").replace("\r\n", "\n")
    inner = newline + (body.replace("\n", newline) + newline if body else "")
    return text[: start.end()] + inner + text[end.start():]


def _one(marker: re.Pattern, text: str, spelled: str, where: str) -> re.Match:
    found = list(marker.finditer(text))
    if not found:
        raise InputError(f"{where}: no {spelled} marker; put {START} and {END} where the appendix should go")
    if len(found) > 1:
        raise InputError(f"{where}: {spelled} appears {len(found)} times; keep exactly one pair of appendix markers")
    return found[0]
