"""replace_between: the appendix goes between the markers, the rest of the text is untouched, twice is once."""

from __future__ import annotations

import pytest

from refcheck.errors import InputError
from refcheck.report.write_into import END, START, replace_between

BEFORE = "# Notes\n\nSome prose [1].\n\n## Sources\n\n"
AFTER = "\n\nFooter text.\n"
BLOCK = "1. [A](https://example.org/a). Example.\n2. [B](https://example.org/b). Example.\n"


def test_the_block_replaces_whatever_was_between_the_markers():
    text = f"{BEFORE}{START}\nold appendix\nwith two lines\n{END}{AFTER}"
    assert replace_between(text, BLOCK) == f"{BEFORE}{START}\n{BLOCK}{END}{AFTER}"


def test_running_twice_changes_nothing():
    for text in (f"{BEFORE}{START}{END}{AFTER}", f"{BEFORE}{START}\n\n\nstale\n{END}{AFTER}",
                 f"{START}\n{END}", f"x {START} y {END} z"):
        once = replace_between(text, BLOCK)
        assert replace_between(once, BLOCK) == once
        assert once.count(START) == 1 and once.count(END) == 1


def test_an_empty_block_leaves_the_markers_on_their_own_lines():
    once = replace_between(f"{START}\nold\n{END}\n", "")
    assert once == f"{START}\n{END}\n"
    assert replace_between(once, "") == once


def test_windows_line_endings_are_kept():
    text = f"a\r\n{START}\r\nold\r\n{END}\r\nb\r\n"
    result = replace_between(text, BLOCK)
    assert result == f"a\r\n{START}\r\n" + BLOCK.replace("\n", "\r\n") + f"{END}\r\nb\r\n"
    assert "\n" not in result.replace("\r\n", "")


def test_markers_with_other_spacing_are_recognised_and_kept_as_written():
    text = "<!--refcheck:appendix:start-->\nold\n<!--   refcheck:appendix:end   -->"
    assert replace_between(text, "new") == "<!--refcheck:appendix:start-->\nnew\n<!--   refcheck:appendix:end   -->"


@pytest.mark.parametrize("text, expected", [
    (f"no markers at all{AFTER}", "no <!-- refcheck:appendix:start --> marker"),
    (f"{BEFORE}{START}\n", "no <!-- refcheck:appendix:end --> marker"),
    (f"{END}\n{BEFORE}", "no <!-- refcheck:appendix:start --> marker"),
    (f"{END}\nmiddle\n{START}\n", "wrong order"),
    (f"{START}\n{END}\n{START}\n{END}\n", "appears 2 times"),
])
def test_missing_repeated_or_misordered_markers_are_a_clear_error(text, expected):
    with pytest.raises(InputError) as raised:
        replace_between(text, BLOCK, where="notes.md")
    message = str(raised.value)
    assert message.startswith("notes.md: ") and expected in message
