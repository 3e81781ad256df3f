"""Reading Markdown back with markdown-it-py: every table with the headings above it, cells as plain text."""

from __future__ import annotations

from dataclasses import dataclass

from markdown_it import MarkdownIt

PARSER = MarkdownIt("commonmark").enable("table")


@dataclass
class Table:
    section: str  # the nearest h2 above the table (the document's path, or "Summary")
    heading: str  # the nearest heading of any level above it
    header: list[str]
    rows: list[list[str]]


def inline_text(token) -> str:
    """What a reader sees: text and code as written, a <br> as a newline."""
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "html_inline" and child.content.lower().startswith("<br"):
            parts.append("\n")
        elif child.type == "softbreak":
            parts.append("\n")
    return "".join(parts)


def tables(markdown: str) -> list[Table]:
    tokens = PARSER.parse(markdown)
    found, section, heading = [], "", ""
    row: list[str] | None = None
    current: Table | None = None
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            heading = inline_text(tokens[index + 1])
            if token.tag == "h2":
                section = heading
        elif token.type == "table_open":
            current = Table(section, heading, [], [])
            found.append(current)
        elif token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open"):
            row.append(inline_text(tokens[index + 1]))
        elif token.type == "tr_close":
            if not current.header:
                current.header = row
            else:
                current.rows.append(row)
    return found


def headings(markdown: str, tag: str) -> list[str]:
    tokens = PARSER.parse(markdown)
    return [inline_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == tag]
