"""The WHATWG URL standard's own test data (WPT urltestdata.json, in tests/data/wpt), read once for every test."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from refcheck.weburl import join

URL_TEST_DATA = Path(__file__).resolve().parent / "data" / "wpt" / "urltestdata.json"


@functools.cache
def url_cases() -> tuple[dict, ...]:
    """Every test case (the file's comment strings left out)."""
    return tuple(case for case in json.loads(URL_TEST_DATA.read_text(encoding="utf-8")) if isinstance(case, dict))


def written_urls() -> list[str]:
    """Each case's input as written, then each input joined to its base: the URLs a document could hold."""
    cases = url_cases()
    urls = [case["input"] for case in cases]
    urls += [join(case["base"], case["input"]) for case in cases if case.get("base")]
    return [url for url in urls if url]
