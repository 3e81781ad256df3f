"""`refcheck check` end to end against a real server on 127.0.0.1: statuses, findings at exact lines, the cache."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.webserver import Reply, WebServer

ARTICLE = """<html lang="ja"><head><title>経産省、国産AI開発に5年で1兆円支援へ | 例新聞</title>
<meta property="og:site_name" content="例新聞"></head><body><nav>ホーム ニュース</nav><article>
<h1>経産省、国産AI開発に5年で1兆円支援へ</h1><p>経済産業省は国産AI基盤モデルの開発に5年で1兆円規模の支援を行う方針を固めた。</p>
<p>ソフトバンクなど10社程度が新会社を設立する構想を描いている。</p></article><footer>© 例新聞</footer></body></html>"""
OTHER = ARTICLE.replace("経産省、国産AI開発に5年で1兆円支援へ", "円相場、一時150円台に下落")
NOT_FOUND = "<html><head><title>ページが見つかりません | 例新聞</title></head><body><p>お探しのページは見つかりませんでした。</p></body></html>"


def document(base: str) -> str:
    return f"""User: 質問 edit
質問
Assistant: 回答 edit
経済産業省は5年で1兆円規模の支援を予定していると報じられた。[1]
別の記事では円相場が下落したと報じられた。[2]
削除された記事もある。[3]
移転した記事もある。[4]
References edit
- ↑ "経産省、国産AI開発に5年で1兆円支援へ". 例新聞. Retrieved 2026-11-20. {base}/article
- ↑ "経産省、国産AI開発に5年で1兆円支援へ". 例新聞. Retrieved 2026-11-20. {base}/other
- ↑ "消えた記事の見出しはここにある". 例新聞. Retrieved 2026-11-20. {base}/gone
- ↑ "経産省、国産AI開発に5年で1兆円支援へ". 例新聞. Retrieved 2026-11-20. {base}/moved
"""


@pytest.fixture
def site():
    with WebServer() as server:
        server.route("/article", Reply(200, ARTICLE))
        server.route("/other", Reply(200, OTHER))
        server.route("/gone", Reply(404, NOT_FOUND))
        server.route("/moved", Reply(301, headers={"Location": "/article"}))
        yield server


def check(*args: str, cwd: Path) -> tuple[int, dict, str]:
    result = subprocess.run([sys.executable, "-m", "refcheck", "check", *args, "--format", "json", "--no-progress"],
                            capture_output=True, text=True, cwd=cwd, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout) if result.stdout.strip() else {}, result.stderr


def test_check_reports_each_outcome_at_its_line(site, tmp_path):
    (tmp_path / "answer.txt").write_text(document(site.base_url), encoding="utf-8")
    code, payload, _ = check("answer.txt", "--allow-private", "--retries", "0", cwd=tmp_path)
    statuses = {Path(u["url"]).name: u["status"] for u in payload["urls"]}
    assert statuses == {"article": "ok", "other": "ok", "gone": "dead", "moved": "ok"}
    findings = {(f["rule"], f["line"]) for f in payload["documents"][0]["findings"]}
    assert ("dead-link", 11) in findings
    assert ("title-mismatch", 10) in findings
    assert ("title-mismatch", 9) not in findings  # a site suffix is not a mismatch
    assert ("redirect", 12) in findings
    assert code == 1  # dead-link is an error
    moved = next(u for u in payload["urls"] if u["url"].endswith("/moved"))
    assert moved["final_url"] == site.url("/article") and moved["redirects"][0]["status"] == 301


def test_each_url_is_fetched_once_and_then_served_from_the_cache(site, tmp_path):
    (tmp_path / "a.txt").write_text(document(site.base_url), encoding="utf-8")
    (tmp_path / "b.txt").write_text(document(site.base_url), encoding="utf-8")
    check("a.txt", "b.txt", "--allow-private", "--retries", "0", cwd=tmp_path)
    assert site.hits("/article") == 2  # once for [1], once as the end of /moved's redirect
    _, payload, _ = check("a.txt", "--allow-private", "--retries", "0", cwd=tmp_path)
    assert site.hits("/article") == 2
    cached = {Path(u["url"]).name: u["from_cache"] for u in payload["urls"]}
    assert cached["article"] is True and cached["other"] is True


def test_offline_answers_from_the_cache_and_never_calls_dead(site, tmp_path):
    (tmp_path / "a.txt").write_text(document(site.base_url), encoding="utf-8")
    _, payload, _ = check("a.txt", "--offline", cwd=tmp_path)
    assert {u["status"] for u in payload["urls"]} == {"offline"}
    assert site.requests == []


def test_loopback_is_refused_by_default_and_no_packet_is_sent(site, tmp_path):
    (tmp_path / "a.txt").write_text(document(site.base_url), encoding="utf-8")
    _, payload, _ = check("a.txt", "--no-cache", cwd=tmp_path)
    assert {u["status"] for u in payload["urls"]} == {"unsafe"}
    assert {f["rule"] for f in payload["documents"][0]["findings"]} >= {"unsafe-url"}
    assert len(site.requests) == 0


def test_remap_fetches_elsewhere_but_reports_the_written_url(site, tmp_path):
    text = document("https://www.example-news.jp/articles")
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    remap = rf"^https://www\.example-news\.jp/articles/(.*)$ {site.base_url}/$1"
    _, payload, _ = check("a.txt", "--allow-private", "--no-cache", "--retries", "0", "--remap", remap, cwd=tmp_path)
    article = next(u for u in payload["urls"] if u["url"].endswith("/article"))
    assert article["url"] == "https://www.example-news.jp/articles/article"
    assert article["fetched_url"] == site.url("/article") and article["status"] == "ok"
    # the publisher check judges the URL as written, not the loopback it was remapped to
    assert all(f["rule"] != "site-mismatch" for f in payload["documents"][0]["findings"])
