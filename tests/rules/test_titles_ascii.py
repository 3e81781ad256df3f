"""The generic-title rule's shortcut for ASCII titles: their compact form is their name key (issue 19)."""

from __future__ import annotations

import random
import string

from refcheck.rules.titles import compact
from refcheck.sitenames import name_key


def test_an_ascii_titles_compact_form_is_its_name_key():
    rng = random.Random(19)
    pieces = list(string.printable) + ["  ", "\"Quoted\"", "'s", "- ", " | ", "[News] ", "...", "Impress Watch",
                                       "ITmedia NEWS", "BBC", "the", "1.0", "(c)", "\t\n"]
    titles = ["".join(rng.choice(pieces) for _ in range(rng.randrange(0, 16))) for _ in range(30000)]
    titles += ["Bank editor draft source forest", "", " ", "--", "\"\"", "A.B.C.", "x_y", "The New York Times"]
    for title in titles:
        assert title.isascii()
        assert compact(title) == name_key(title), repr(title)
