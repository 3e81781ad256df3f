"""The refcheck/1 contract (docs/json.md) holds: every documented key is there with its type; keys may only be added."""

from __future__ import annotations

import json
import re
from pathlib import Path

from refcheck.models import UrlStatus
from refcheck.pipeline import check_paths
from refcheck.report.json import render
from refcheck.settings import CacheSettings, FetchSettings, Settings
from tests.webserver import Reply, WebServer

ROOT = Path(__file__).resolve().parents[1]
STR, INT, NUM, BOOL, LIST, DICT = (str,), (int,), (int, float), (bool,), (list,), (dict,)
OPT = type(None)

DOCUMENT_KEYS = {"path": STR, "format": STR, "references": LIST, "markers": LIST, "links": LIST, "claims": LIST,
                 "findings": LIST}
REFERENCE_KEYS = {"id": STR, "title": (str, OPT), "site": (str, OPT), "url": (str, OPT), "retrieved": (str, OPT),
                  "line": INT, "resolution": (dict, OPT)}
MARKER_KEYS = {"ref": STR, "line": INT}
LINK_KEYS = {"url": STR, "line": INT, "text": (str, OPT), "ref": (str, OPT)}
CLAIM_KEYS = {"text": STR, "line": INT, "refs": LIST}
FINDING_KEYS = {"rule": STR, "severity": STR, "line": (int, OPT), "url": (str, OPT), "ref": (str, OPT),
                "message": STR}
URL_KEYS = {"url": STR, "status": STR, "http_status": (int, OPT), "final_url": (str, OPT), "title": (str, OPT),
            "from_cache": BOOL}


def conforms(item: dict, keys: dict) -> list[str]:
    problems = [f"missing {k}" for k in keys if k not in item]
    problems += [f"{k} is {type(item[k]).__name__}" for k, types in keys.items()
                 if k in item and not isinstance(item[k], types)]
    return problems


def test_a_check_report_keeps_every_documented_key_and_type(tmp_path):
    with WebServer() as server:
        server.route("/a", Reply(200, "<title>経産省、国産AIに1兆円</title><p>経産省は1兆円を支援する。</p>"))
        server.route("/gone", Reply(404, "gone"))
        path = tmp_path / "doc.txt"
        path.write_text("Assistant: x edit\n経産省は1兆円を支援すると報じられた。[1][2][3]\n→ " + server.url("/a") + "\n"
                        "References edit\n"
                        f'- ↑ "経産省、国産AIに1兆円". 例新聞. Retrieved 2026-11-20. {server.url("/a")}\n'
                        f'- ↑ "消えた記事". 例新聞. Retrieved 2026-11-20. {server.url("/gone")}\n', encoding="utf-8")
        report = check_paths([str(path)], Settings(fetch=FetchSettings(allow_private=True, retries=0),
                                                   cache=CacheSettings(directory=tmp_path / "cache")))
    payload = json.loads(render(report))
    assert payload["schema"] == "refcheck/1" and payload["command"] == "check"
    assert set(payload) >= {"schema", "documents", "summary", "urls"}
    (document,) = payload["documents"]
    problems = conforms(document, DOCUMENT_KEYS)
    for key, keys in (("references", REFERENCE_KEYS), ("markers", MARKER_KEYS), ("links", LINK_KEYS),
                      ("claims", CLAIM_KEYS), ("findings", FINDING_KEYS)):
        assert document[key], f"the sample should exercise {key}"
        problems += [f"{key}: {p}" for item in document[key] for p in conforms(item, keys)]
    problems += [f"urls: {p}" for item in payload["urls"] for p in conforms(item, URL_KEYS)]
    assert problems == []
    assert {u["status"] for u in payload["urls"]} <= {s.value for s in UrlStatus}
    assert {f["severity"] for f in document["findings"]} <= {"error", "warning", "info"}
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["retrieved"]) for r in document["references"])


def test_docs_json_names_every_key_the_code_writes():
    documented = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
    for keys in (DOCUMENT_KEYS, REFERENCE_KEYS, MARKER_KEYS, LINK_KEYS, CLAIM_KEYS, FINDING_KEYS, URL_KEYS):
        for key in keys:
            assert f'"{key}"' in documented, key
