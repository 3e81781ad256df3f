"""Compare a reader's Extraction with the `name.expected.json` written next to each fixture document."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

DOCUMENTS = Path(__file__).resolve().parents[1] / "fixtures" / "documents"


def fixture_names(folder: str, suffix: str) -> list[str]:
    return sorted(path.name for path in (DOCUMENTS / folder).glob(f"*{suffix}"))


def as_plain(extraction) -> dict:
    """The extraction as JSON-shaped data (tuples → lists), the form the .expected.json files hold."""
    plain = {
        key: [dataclasses.asdict(item) for item in getattr(extraction, key)]
        for key in ("references", "markers", "links", "blocks", "suppressions")
    }
    plain["has_markers"] = extraction.has_markers
    # Reference fields added for resolution (doi, authors, year, published) are compared only where a reader
    # filled them, so the expected files written before them still hold.
    for reference in plain["references"]:
        for name, empty in (("doi", None), ("authors", ()), ("year", None), ("published", None)):
            if reference.get(name, empty) == empty:
                reference.pop(name, None)
    return json.loads(json.dumps(plain))


def expected_for(folder: str, name: str) -> dict:
    path = DOCUMENTS / folder / (name.rsplit(".", 1)[0] + ".expected.json")
    return json.loads(path.read_text(encoding="utf-8"))
