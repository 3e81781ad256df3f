"""The Markdown reader's shortcuts change no result: the tokens and the extraction equal those of the full parser.

The shortcuts (refcheck/extract/markdown.py, issue 19): markdown-it's parseLinkDestination answered by one regex for
a plain destination; the rules a document cannot need (no `]:` → no reference definitions, …) switched off for it;
a tight top-level list of simple one-line items given its block tokens by one rule (`_simple_list`); and inline runs
that are one link or autolink then plain text, or plain text alone, given their tokens without the inline parser
(`_inline_children`). The reference is a parser built as before: every rule on, markdown-it's own helpers, no
shortcut; the texts include generated link lists with lines that break the simple forms in every way we know.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it import helpers as md_helpers

from refcheck.extract import markdown
from refcheck.models import Document, Format
from tests.conftest import SHARED

ROOT = Path(__file__).resolve().parents[2]


def _reference_parser() -> MarkdownIt:
    """The reader's parser with every rule on, markdown-it's own helpers and its own inline parse of every run (its
    other hooks as they are)."""
    parser = markdown._parser(shortcuts=False)
    parser.helpers = md_helpers
    assert not any(not rule.enabled for rule in parser.block.ruler.__rules__ + parser.inline.ruler.__rules__
                   if rule.name in markdown._RULE_NEEDS)
    return parser


REFERENCE = _reference_parser()

_SNIPPETS = [
    "[a]: https://example.com/a\n\nSee [a] and [b][a].\n",
    "Text[^1].\n\n[^1]: https://example.com/note\n",
    "Inline^[a note with https://example.com/x] here.\n",
    "```\n[x](http://code.example)\n```\n\n~~~\ny\n~~~\n",
    "> quoted [q](https://q.example)\n> more\n",
    "<div>\n<!-- refcheck: ignore[dead-link] -->\n</div>\n\n<https://auto.example/x>\n",
    "# Heading\n\n## References\n\n1. [One](https://one.example/(a)b)\n2. [Two](<https://two.example/a b>)\n",
    "| a | b |\n|---|---|\n| [c](https://c.example) | d |\n",
    "`code [x](y)` and &amp; &#91;1&#93; \\[2\\] ![img](https://i.example/p.png)\n",
    "[t](https://e.example/a\\)b) [u](https://e.example/a(b)c) [v](https://e.example/p \"title\") [w](  https://w.example  )\n",
    "[x](https://e.example/\x7fy) [y](https://e.example/\ty) [z](https://e.example/日本) [e]()\n",
    "Setext\n===\n\n---\n\n    indented [c](https://c.example)\n",
]


def _texts() -> list[tuple[str, str]]:
    texts = [(f"snippet {index}", text) for index, text in enumerate(_SNIPPETS)]
    local = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"] + sorted((ROOT / "tests").rglob("*.md"))
    shared = sorted(SHARED.rglob("*.md")) + sorted((SHARED / "samples").glob("*")) if SHARED.exists() else []
    for path in local + shared:
        if path.is_file() and path.stat().st_size < 2_000_000:
            texts.append((str(path), path.read_text(encoding="utf-8", errors="replace")))
    rng = random.Random(19)
    alphabet = ["[", "]", "(", ")", "<", ">", "\\", "`", "*", "_", "!", "^", ":", "|", "#", "&", "~", "-", " ", "\n",
                "\n\n", "https://x.example/a", "text", "1.", "\t", "\"", "'", "é"]
    texts += [(f"random {n}", "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 80)))) for n in range(600)]
    texts += [(f"random link list {n}", _link_list(rng)) for n in range(600)]
    return texts


def _link_list(rng: random.Random) -> str:
    """Lines like a list of links (`- [title](url) text`, `- <url>`), each piece sometimes one that breaks the form."""
    def piece(plain: list[str], tricky: list[str]) -> str:
        return "".join(rng.choice(tricky if rng.random() < 0.15 else plain) for _ in range(rng.randrange(0, 4)))

    words = ["Title", " ", "日本語の記事", "a-b", "x: y", "(p)", "!", "é", "'", '"', "#", "|", "1."]
    marks = ["[", "]", "\\", "`", "*", "_", "~", "<", ">", "&amp;", "&", "^", "![", "\n", "\t", "  ", "[^1]", ")", "("]
    urls = ["https://x.example/a", "http://127.0.0.2:8123/p?q=1#f", "HTTPS://X.EXAMPLE", "www.x.example", "/local/a.md",
            "#anchor", "mailto:a@x.example", "javascript:alert(1)", "file:///tmp/a", "https://x.example/%41"]
    bad = ["", " ", "<", "(", "\\)", "https://x.example/a b", "https://x.example/\x7f", "\"t\""]
    lines = []
    simple = rng.random() < 0.4  # mostly simple items, some other line among them or after them
    for _ in range(rng.randrange(1, 12)):
        url = rng.choice(bad if rng.random() < 0.1 else urls)
        form = 7 if simple and rng.random() < 0.85 else rng.randrange(8)
        if form == 0:
            line = f"- [{piece(words, marks)}]({url}){piece(words, marks)}"
        elif form == 1:
            line = f"- <{url}>{piece(words, marks)}"
        elif form == 2:
            line = f"{rng.choice(['', '* ', '1. ', '> ', '    ', '# '])}[{piece(words, marks)}]({url})"
        elif form == 3:
            line = piece(words, marks)
        elif form == 4:  # another marker, or an item whose text starts something (a rule, a list, code, …)
            line = f"{rng.choice('-*+')}{rng.choice([' ', '  ', chr(9), ''])}{piece(words, marks + ['- ', '1. ', '#'])}"
        elif form == 5:
            line = rng.choice(["", "", "   ", "---", "- - -", "***", "===", "<div>", "```", "[x]: https://x.example/d"])
        elif form == 6:  # a continuation: indented, or lazy
            line = rng.choice(["  ", " ", "      ", ""]) + piece(words, marks)
        else:
            line = f"- [{piece(words, words)}](https://x.example/{piece(['a', 'b-c'], ['d'])})"
        lines.append(line)
    return rng.choice(["", "# Sources\n\n", "[a]: https://x.example/ref\n\n"]) + "\n".join(lines) + "\n"


def _tokens(parser: MarkdownIt, text: str) -> tuple[list[dict], dict]:
    env: dict = {}
    tokens = [token.as_dict() for token in parser.parse(text, env)]
    # The footnote plugin's reference rule records an empty footnote table whenever it is tried, found or not; with
    # the rule off (no `[^` anywhere) that empty record is missing. Nothing reads it (the reader takes
    # env["references"]), and the footnote tail leaves the tokens alone without footnotes.
    if env.get("footnotes") == {"refs": {}, "list": {}}:
        del env["footnotes"]
    return tokens, env


def test_the_shortcuts_give_the_full_parsers_tokens(monkeypatch):
    texts = _texts()
    # snippets + 1,200 random strings + this repository's own Markdown (docs/, README, tests/); more beside ../shared
    assert len(texts) > len(_SNIPPETS) + 1200 + 20
    switched_off = 0
    shortcut = []
    inline_children = markdown._inline_children
    monkeypatch.setattr(markdown, "_inline_children",
                        lambda md, content: shortcut.append(inline_children(md, content)) or shortcut[-1])
    for name, text in texts:
        lean = markdown._parser_for(text)
        switched_off += lean is not markdown._PARSER
        assert _tokens(lean, text) == _tokens(REFERENCE, text), name
    assert switched_off > 100  # the per-document parsers were exercised
    kinds = [tokens[0].type + tokens[0].markup for tokens in shortcut if tokens is not None]
    # the inline shortcut answered for links, autolinks and plain text, and left other runs to the parser
    assert min(kinds.count("link_open"), kinds.count("link_openautolink"), kinds.count("text")) > 100
    assert shortcut.count(None) > 500


def test_the_simple_list_rule_answers_often_and_as_the_list_rule(monkeypatch):
    answered = []
    simple_list = markdown._simple_list
    monkeypatch.setattr(markdown, "_simple_list", lambda *args: answered.append(simple_list(*args)) or answered[-1])
    parser = markdown._parser()  # every rule on, the counting block rule in it
    texts = [text for name, text in _texts() if name.startswith("random link list")]
    for text in texts:
        assert _tokens(parser, text) == _tokens(REFERENCE, text), text
    assert answered.count(True) > 50 and answered.count(False) > 1000  # ~90 lists it answered for


def test_the_extraction_is_the_full_parsers(monkeypatch):
    texts = [(name, text) for name, text in _texts() if not name.startswith("random")]
    lean = [markdown.extract(Document(path=name, text=text, format=Format.MARKDOWN)) for name, text in texts]
    monkeypatch.setattr(markdown, "_parser_for", lambda text: REFERENCE)
    full = [markdown.extract(Document(path=name, text=text, format=Format.MARKDOWN)) for name, text in texts]
    assert lean == full


def test_a_generated_link_list_extracts_as_before(monkeypatch):
    rng = random.Random(5)
    lines = ["# Sources", ""] + [f"- [{rng.choice(['A b', 'C (d)', 'e'])} {n}](http://127.0.0.{n % 50}:8080/a/{n}"
                                 f"{rng.choice(['', '?q=1', '#f', '(x)', '%20'])})" for n in range(2000)]
    for text in ("\n".join(lines) + "\n", "\n".join(lines[2:]) + "\n"):
        document = Document(path="links.md", text=text, format=Format.MARKDOWN)
        lean = markdown.extract(document)
        with monkeypatch.context() as patched:
            patched.setattr(markdown, "_parser_for", lambda text: REFERENCE)
            assert markdown.extract(document) == lean


@pytest.mark.parametrize("seed", range(3))
def test_the_quick_link_destination_equals_markdown_its(seed):
    rng = random.Random(seed)
    pieces = ["a", "/", ":", "(", ")", "\\", " ", "\t", "\n", "<", ">", "\x00", "\x1f", "\x7f", "\x85", "é", "&amp;",
              "&#41;", "%20", "\\)", "\\ ", "https://x.example/"]
    quick = 0
    for _ in range(20000):
        string = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 12)))
        pos = rng.randrange(0, len(string) + 1)
        maximum = rng.randrange(pos, len(string) + 1)
        mine = markdown._parse_link_destination(string, pos, maximum)
        theirs = md_helpers.parseLinkDestination(string, pos, maximum)
        assert (mine.ok, mine.pos, mine.str) == (theirs.ok, theirs.pos, theirs.str), (string, pos, maximum)
        quick += mine.ok and "(" not in string[pos:mine.pos] and "\\" not in string[pos:mine.pos]
    assert quick > 1000
