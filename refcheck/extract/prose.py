"""A growing run of plain prose text that the readers build, with citations and links at offsets into it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ProseText:
    """Text appended piece by piece; length and newline count are kept so offsets and lines need no rescans."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    newlines: int = 0
    citations: list[tuple[int, str]] = field(default_factory=list)  # (offset, reference id)
    links: list[tuple[int, str]] = field(default_factory=list)  # (offset, url)

    def emit(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.length += len(text)
            self.newlines += text.count("\n")
