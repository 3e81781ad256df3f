"""Link extraction measured on other projects' fixtures (lychee, markdown-link-check) against independent readers.

HTML: Python's own html.parser finds every `<a href>` and the line of its tag; Markdown: markdown-it's
HTML renderer output, read back with html.parser. Skips cleanly without ../shared.
"""

from __future__ import annotations

from html.parser import HTMLParser

from markdown_it import MarkdownIt

from refcheck.extract import html, markdown
from refcheck.extract.hrefs import checkable_href
from refcheck.models import Document, Format
from tests.conftest import CORPORA, need_shared

_HIDDEN = {"script", "style", "noscript", "template", "textarea", "title"}


class _Anchors(HTMLParser):
    """(url, line) of every `<a href>` outside hidden elements, resolved against the first `<base href>`."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, int]] = []
        self.base: str | None = None
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "base" and self.base is None and "://" in (attributes.get("href") or ""):
            self.base = attributes["href"].strip()
        elif tag == "a" and not self.hidden:
            url = checkable_href(attributes.get("href"), self.base)
            if url:
                self.found.append((url, self.getpos()[0]))

    def handle_endtag(self, tag):
        if tag in _HIDDEN and self.hidden:
            self.hidden -= 1


def _oracle(text: str) -> list[tuple[str, int]]:
    parser = _Anchors()
    parser.feed(text)
    parser.close()
    return parser.found


def _agreement(expected: list, found: list) -> tuple[int, int, int]:
    """(matches, expected count, found count), counting repeated items as often as they occur."""
    remaining = list(found)
    matches = 0
    for item in expected:
        if item in remaining:
            remaining.remove(item)
            matches += 1
    return matches, len(expected), len(found)


def test_html_anchors_and_lines_agree_with_the_standard_library_parser(capsys):
    folder = need_shared(CORPORA / "lychee" / "fixtures")
    matched = expected = found = 0
    for path in sorted(p for p in folder.rglob("*.htm*") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
        extraction = html.extract(Document(str(path), Format.HTML, text))
        # A reference-list entry's own URL (and archive copy) is carried by its Reference, on the entry's line.
        ours = [(link.url, link.line) for link in extraction.links]
        ours += [(url, r.line) for r in extraction.references for url in (r.url, r.archive_url) if url]
        a, b, c = _agreement(_oracle(text), ours)
        matched, expected, found = matched + a, expected + b, found + c
    with capsys.disabled():
        print(f"\nlychee HTML fixtures: {matched}/{expected} (url, line) pairs agree; refcheck found {found}")
    assert expected and matched / expected >= 0.95


def test_markdown_links_agree_with_the_rendered_html(capsys):
    folders = [need_shared(CORPORA / "lychee" / "fixtures"), need_shared(CORPORA / "markdown-link-check" / "test")]
    renderer = MarkdownIt("commonmark").enable("table")
    matched = expected = found = 0
    for path in sorted(p for folder in folders for p in folder.rglob("*.md") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
        extraction = markdown.extract(Document(str(path), Format.MARKDOWN, text))
        # Bare URLs are refcheck's own addition (the renderer has no linkify here): compare written links only.
        ours = sorted(link.url for link in extraction.links if link.text is not None)
        rendered = sorted(url for url, _ in _oracle(renderer.render(text)))
        theirs_with_text = [url for url in rendered if url in ours or not _is_autolink(url, text)]
        a, b, c = _agreement(theirs_with_text, ours)
        matched, expected, found = matched + a, expected + b, found + c
    with capsys.disabled():
        print(f"\nMarkdown fixtures (lychee + markdown-link-check): {matched}/{expected} written links agree; refcheck found {found}")
    assert expected and matched / expected >= 0.95


def _is_autolink(url: str, text: str) -> bool:
    return f"<{url}>" in text
