"""Text from documents and the network, made harmless for the medium a reporter writes it to. Pure.

A page title or a document's text may hold terminal escape sequences (`ESC[2J` clears the screen, `ESC]0;…BEL`
retitles the terminal), other C0/C1 control characters, or bidirectional controls (a right-to-left override makes
`txt.exe` read as `exe.txt`). Every human-facing reporter passes such strings through one of these functions:

* `visible`: controls and bidi controls replaced by visible stand-ins (`␛`, `␇`, `<U+202E>`); tab, CR and LF kept.
* `one_line`: `visible`, and line breaks (CR, LF, NEL, U+2028/2029, VT, FF) as spaces, so a string cannot forge a
  line of its own (the text report, annotations).
* `xml_text`: `visible`, then whatever XML 1.0 still cannot carry (lone surrogates, U+FFFE/U+FFFF) as U+FFFD.
* `json_escaped`: a JSON document with DEL, C1, bidi controls and U+2028/9 written as `\\uXXXX` escapes (json.dumps
  escapes only C0): the data stays exact once parsed, and the file shows nothing hidden (SARIF).
* `link_target`: a URL for a link's destination (href, Markdown, BibTeX url): those characters and whitespace
  percent-encoded, as the WHATWG URL parser would (a URL keeps working; a stand-in would change it).

The JSON report and CSL-JSON keep the exact text: they are data, and JSON escapes every control character itself.
"""

from __future__ import annotations

import re

# Bidirectional formatting characters (Unicode's Bidi_Control property), and the other invisible reorderers.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_LINE_BREAKS = "\n\r\x0b\x0c\x85\u2028\u2029"
# C0 except tab, LF and CR; DEL; C1; the bidi controls; U+2028/U+2029, which some readers (Python's splitlines,
# JavaScript, editors) take for line breaks and others do not, so a string could start a line in one and not another.
_HIDDEN = re.compile(f"[\x00-\x08\x0e-\x1f\x7f\x80-\x9f{BIDI_CONTROLS}\x0b\x0c\u2028\u2029]")
_LINE_BREAK = re.compile(f"\r\n|[{_LINE_BREAKS}]")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _stand_in(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ ␇ ␛ …
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def visible(text: str) -> str:
    """`text` with every control character but tab, LF and CR, and every bidi control, shown as a visible stand-in."""
    return _HIDDEN.sub(_stand_in, text)


def one_line(text: str) -> str:
    """`visible(text)` on one line: each line break (CR LF, CR, LF, NEL, U+2028, U+2029, VT, FF) becomes a space."""
    return visible(_LINE_BREAK.sub(" ", text))


def xml_text(text: str) -> str:
    """`visible(text)` with anything XML 1.0 cannot carry, even escaped, replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", visible(text))


_NOT_IN_LINKS = re.compile(f"[\x00-\x20\x7f-\x9f{BIDI_CONTROLS}\u2028\u2029]")


def link_target(url: str) -> str:
    """`url` with controls, bidi controls, spaces and line breaks percent-encoded (UTF-8), for a link's destination."""
    return _NOT_IN_LINKS.sub(lambda match: "".join(f"%{byte:02X}" for byte in match.group(0).encode("utf-8")), url)


_RAW_IN_JSON = re.compile(f"[\x7f-\x9f{BIDI_CONTROLS}\u2028\u2029]")


def json_escaped(document: str) -> str:
    """A JSON text from json.dumps with the characters it leaves raw but `visible` would replace escaped as \\uXXXX.

    Valid because such characters can only stand inside JSON strings, where the escape means the same character.
    """
    return _RAW_IN_JSON.sub(lambda match: f"\\u{ord(match.group(0)):04x}", document)


def has_hidden(text: str) -> bool:
    """Whether `text` holds a character `visible` would replace (for tests and fuzzing)."""
    return _HIDDEN.search(text) is not None
