"""Map character offsets in a text to exact 1-based line numbers (readers report lines a user jumps to)."""

from __future__ import annotations

from bisect import bisect_right


class LineIndex:
    """Offsets of every line start, so offset → line is a binary search, not a rescan (10,000 lookups stay cheap)."""

    def __init__(self, text: str):
        self._starts = [0]
        position = text.find("\n")
        while position != -1:
            self._starts.append(position + 1)
            position = text.find("\n", position + 1)

    def line_of(self, offset: int) -> int:
        return bisect_right(self._starts, offset)

    def start_of(self, line: int) -> int:
        return self._starts[line - 1]

    @property
    def line_count(self) -> int:
        return len(self._starts)
