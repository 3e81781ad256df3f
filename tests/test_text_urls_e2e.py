"""Through the whole pipeline: only pages a claim is checked against have their main text read, and a cached page
stored without its text is fetched again once a claim cites it."""

from __future__ import annotations

from pathlib import Path

from refcheck.models import UrlStatus
from refcheck.pipeline import check_paths
from refcheck.settings import CacheSettings, FetchSettings, Settings
from tests.webserver import Reply, WebServer

CLAIM = "政府は2024年、生成AIの利活用に関する基本方針を18の府省で実施すると発表した。"
TITLES = {"/policy.html": "生成AIの利活用に関する基本方針", "/other.html": "デジタル行政の推進について"}


def page(title: str) -> str:
    text = f"<p>{CLAIM}</p><p>方針は内閣府が取りまとめ、各府省は年度内に利用規程を整備する。</p>" * 3
    return (f'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><main><article><h1>{title}</h1>{text}</article></main></body></html>")


def write_document(tmp_path: Path, server: WebServer, cited: str) -> str:
    lines = ["Assistant: 回答 edit", f"{CLAIM}[{cited}]", "関連資料は次のとおり。", "References edit"]
    lines += [f'- ↑ "{title}". 内閣府. Retrieved 2026-11-20. {server.url(path)}' for path, title in TITLES.items()]
    path = tmp_path / "answer.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_only_claim_sources_are_read_with_text_and_the_cache_knows_it(tmp_path):
    settings = Settings(fetch=FetchSettings(allow_private=True, retries=0, timeout=5, probe_soft_404=False),
                        cache=CacheSettings(directory=tmp_path / "cache"))
    with WebServer() as server:
        for path, title in TITLES.items():
            server.route(path, Reply(200, page(title)))
        first = check_paths([write_document(tmp_path, server, "1")], settings)
        second = check_paths([write_document(tmp_path, server, "2")], settings)
        hits = {path: server.hits(path) for path in TITLES}

    def pages(report):
        return {"/" + r.url.rsplit("/", 1)[-1]: r for r in report.urls}

    def unverifiable(report):
        return {f.ref for f in report.documents[0].findings if f.rule == "unverifiable-claim"}

    cited, other = pages(first)["/policy.html"], pages(first)["/other.html"]
    assert cited.status is other.status is UrlStatus.OK
    assert cited.page.text_read and CLAIM in cited.page.main_text
    assert not other.page.text_read and other.page.main_text == ""
    assert other.page.title == TITLES["/other.html"]  # everything but the text is read
    assert not unverifiable(first)
    # Second run, the claim now cites the page stored without its text: fetched again, with it.
    again = pages(second)["/other.html"]
    assert hits == {"/policy.html": 1, "/other.html": 2}
    assert not again.from_cache and again.page.text_read and CLAIM in again.page.main_text
    assert pages(second)["/policy.html"].from_cache
    assert not unverifiable(second)
