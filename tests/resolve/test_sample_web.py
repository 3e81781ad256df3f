"""The sample ChatGPT export (13 references, none with a URL) against a simulated web of its cited sites
(bench/resolve_sample.py): the audit says which sources exist, which cannot be found, and never finds a wrong one."""

from __future__ import annotations

import sys
from pathlib import Path

from refcheck.pipeline import check_paths
from refcheck.settings import CacheSettings, FetchSettings, ResolveSettings, Settings
from tests.conftest import SAMPLE_EXPORT, need_shared
from tests.webserver import WebServer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from resolve_sample import EXPECTED, SITES  # noqa: E402
from resolve_web import write_web  # noqa: E402


def test_sample_export_audit(tmp_path):
    sample = need_shared(SAMPLE_EXPORT)
    root = write_web(tmp_path / "web", SITES)
    with WebServer() as server:
        server.serve_directory(root, "/")
        remap = (r"^https?://([^/]+)/(.*)$", server.url("/") + r"$1/$2")
        settings = Settings(fetch=FetchSettings(allow_private=True, retries=0, remaps=(remap,)),
                            cache=CacheSettings(directory=tmp_path / "cache"),
                            resolve=ResolveSettings(enabled=True, resolvers=("site",), interval=0.0))
        report = check_paths([str(sample)], settings)
    document = report.documents[0]
    verdicts = dict(document.resolutions)
    assert set(verdicts) == {str(n) for n in range(1, 14)}
    found = {ref: v.url for ref, v in verdicts.items() if v.status == "found"}
    for ref, url in found.items():
        assert EXPECTED[ref] == url, f"[{ref}] found {url}, the truth is {EXPECTED[ref]}"  # never a wrong page
    # Those the simulated web makes findable from what the answer says. [2] and [5] are generic titles whose list
    # item ends "…です。デジタル庁[2]": the whole item is their citing text (its last sentence holds no key fact).
    assert {"2", "3", "5", "9"} <= set(found)
    assert verdicts["1"].status == "not-tried"  # ChatGPT citing itself
    assert {ref for ref, v in verdicts.items() if v.status == "not-found"} >= {"4", "6", "7", "8", "11"}
    rules = {(f.rule, f.ref) for f in document.findings}
    assert ("self-citation", "1") in rules
    assert {("reference-found", ref) for ref in found} <= rules
    # The claims citing the found pages were checked against them (no "no URL" for those any more).
    unverifiable = {f.ref for f in document.findings if f.rule == "unverifiable-claim"}
    assert not unverifiable & set(found)
