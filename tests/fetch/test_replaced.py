"""`client.replaced` copies a frozen record's fields instead of running its __init__ again: it must give exactly what
dataclasses.replace gives, and leave to dataclasses.replace every record where a copy would not be the same."""

from __future__ import annotations

import dataclasses
import functools
import json

import pytest

from refcheck.fetch.client import Attempt, _Outcome, replaced
from refcheck.fetch.cache import _json
from refcheck.models import FetchResult, PageFacts, Redirect, UrlStatus

PAGE = PageFacts(title_candidates=("A", "B"), title="A", main_text="text", content_type="text/html", anchors=("x",))
RESULT = FetchResult(url="http://a.example/", status=UrlStatus.OK, fetched_url="http://a.example/", http_status=200,
                     redirects=(Redirect("http://a.example/r", 301),), page=PAGE, reason="r", elapsed=0.5)
ATTEMPT = Attempt(UrlStatus.OK, None, 200, body=b"<html>", content_type="text/html", etag='"e"')
CASES = [
    (PAGE, {"text_read": False}),
    (PAGE, {"title": None, "main_text": ""}),
    (RESULT, {"url": "http://b.example/"}),
    (RESULT, {"page": PAGE, "status": UrlStatus.SOFT_404, "reason": "soft"}),
    (ATTEMPT, {"body": None, "page": PAGE}),
    (ATTEMPT, {"body": None, "page": PAGE, "status": UrlStatus.BLOCKED, "reason": "bot challenge (x)"}),
    (_Outcome(RESULT, etag='"e"', body=b"x"), {"result": RESULT, "body": None}),
    (RESULT, {}),
]


@pytest.mark.parametrize(("record", "changes"), CASES)
def test_replaced_is_dataclasses_replace(record, changes):
    mine, theirs = replaced(record, **changes), dataclasses.replace(record, **changes)
    assert type(mine) is type(theirs)
    assert mine == theirs and vars(mine) == vars(theirs) and hash(mine) == hash(theirs)
    assert mine is not record and vars(record) == vars(dataclasses.replace(record))  # the original unchanged
    with pytest.raises(dataclasses.FrozenInstanceError):
        mine.status = None


def test_what_replaced_leaves_to_dataclasses_replace():
    with pytest.raises(TypeError):  # not a field: refused as dataclasses.replace refuses it
        replaced(PAGE, no_such_field=1)

    @dataclasses.dataclass(frozen=True)
    class Checked:
        value: int
        double: int = dataclasses.field(init=False, default=0)

        def __post_init__(self):
            object.__setattr__(self, "double", self.value * 2)

    assert replaced(Checked(1), value=5).double == 10  # a copy would have kept 2

    @dataclasses.dataclass(frozen=True, slots=True)
    class Slotted:
        value: int

    assert replaced(Slotted(1), value=3) == Slotted(3)

    @dataclasses.dataclass(frozen=True)
    class Cached:
        value: int

        @functools.cached_property
        def twice(self) -> int:
            return self.value * 2

    record = Cached(1)
    assert record.twice == 2  # now stored in its __dict__ beside the field
    assert replaced(record, value=4).twice == 8  # a copy of the __dict__ would have kept 2


@pytest.mark.parametrize("value", [{"a": "é", "b": [1, 2.5, None, True]}, [["http://x/", 301]], {"t": "\u2028 \x00"},
                                   {"n": float("nan"), "i": float("inf")}, [], "plain"])
def test_cache_json_is_json_dumps(value):
    assert _json(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
