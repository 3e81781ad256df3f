"""An Extraction as plain JSON and back, losslessly, keyed by the document and the code that extracted it.

Why: `refcheck check` keeps each document's extraction in its cache, so a rerun on an unchanged document skips
the readers and the claim splitter (for a 2,000-link document, more than half of a warm run). JSON rather than
pickle: a cache restored by a CI job may have been written by someone else, and loading it must not run code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from operator import attrgetter

from refcheck.fingerprint import code_fingerprint
from refcheck.models import Claim, Document, Extraction, Link, Marker, ProseBlock, Reference, Suppression

# The parts of an Extraction that are sequences of records, each stored as rows of field values in field order.
_PARTS = (("references", Reference), ("markers", Marker), ("links", Link), ("claims", Claim), ("blocks", ProseBlock),
          ("suppressions", Suppression))
# What an extraction depends on besides the document: the readers, the claim splitter and its model, the models.
_CODE = ("extract/*.py", "models.py", "data/checkworthy_en.json")


def extraction_to_json(extraction: Extraction) -> str:
    plain = {name: _rows(getattr(extraction, name), kind) for name, kind in _PARTS}
    plain["has_markers"] = extraction.has_markers
    plain["anchors"] = list(extraction.anchors)
    return json.dumps(plain, ensure_ascii=False, separators=(",", ":"))


def extraction_from_json(text: str) -> Extraction:
    """The Extraction `extraction_to_json` wrote; ValueError for anything else (another layout, damage)."""
    try:
        plain = json.loads(text)
        parts = {name: tuple(_record(kind, row) for row in plain[name]) for name, kind in _PARTS}
        has_markers = plain["has_markers"]
        anchors = tuple(str(anchor) for anchor in plain.get("anchors", ()))
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"not a stored extraction: {error}") from error
    if not isinstance(has_markers, bool):
        raise ValueError("not a stored extraction: has_markers")
    return Extraction(**parts, has_markers=has_markers, anchors=anchors)


def extraction_key(document: Document) -> str:
    """Changes whenever the document's text or format, or the code that extracts it, changes."""
    digest = hashlib.sha256(extractor_fingerprint().encode())
    digest.update(document.format.value.encode())
    digest.update(b"\0")
    digest.update(document.text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def extractor_fingerprint() -> str:
    """refcheck's version and a hash of the extraction code and data as installed (an edit in a checkout counts)."""
    return code_fingerprint(*_CODE)


def _rows(items, kind: type) -> list[list]:
    """Each record as its field values in field order (the field names looked up once, not once per record)."""
    values = attrgetter(*(f.name for f in fields(kind)))
    return [[_plain(value) for value in values(item)] for item in items]


def _plain(value):
    return [_plain(item) for item in value] if isinstance(value, tuple) else value


def _record(kind: type, row: list):
    names = [f.name for f in fields(kind)]
    if not isinstance(row, list) or len(row) != len(names):
        raise ValueError(f"not a stored {kind.__name__}")
    return kind(*(_tuples(value) for value in row))


def _tuples(value):
    # Every sequence in the models is a tuple (frozen, hashable); JSON gives lists back.
    return tuple(_tuples(item) for item in value) if isinstance(value, list) else value
