"""Resolution end to end against a simulated web of several sites on loopback (robots.txt, sitemap indexes, news
sitemaps, feeds, articles and decoys), Japanese and English: through the pipeline, the CLI and the JSON contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from refcheck.models import UrlStatus
from refcheck.pipeline import check_paths
from refcheck.report.json import render
from refcheck.resolve.model import BackendAnswer, Candidate, ScholarlyRecord
from refcheck.settings import CacheSettings, FetchSettings, ResolveSettings, Settings
from tests.webserver import WebServer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from resolve_web import Article, Site, write_web  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

SITES = [
    Site("watch.impress.co.jp", "Impress Watch", (
        Article("/docs/news/2025/1219001.html", "デジタル庁、「源内」にPFNの「PLaMo Translate」を導入", "2025-12-19", (
            "デジタル庁は19日、政府職員向けの生成AI利用環境「源内」に、Preferred Networks（PFN）の日本語特化モデル"
            "「PLaMo Translate」を導入すると発表した。", "2026年以降、他省庁にも展開する計画。")),
        Article("/docs/news/2025/1218002.html", "PFN、新しい基盤モデルを発表", "2025-12-18", (
            "Preferred Networksは18日、新しい基盤モデルを発表した。計算資源は国内で確保する。",)),
        Article("/docs/news/2025/1105004.html", "総務省、自治体のAI活用を支援", "2025-11-05", (
            "総務省は自治体のAI活用を支援する。",), in_news_sitemap=False, in_feed=False),
    )),
    Site("newsdig.tbs.co.jp", "TBS NEWS DIG", (
        Article("/articles/-/2290001", "国産AI開発へ新会社　ソフトバンクなど10社程度", "2025-12-20", (
            "経済産業省は、国産AI基盤モデルの開発に5年で1兆円規模の支援を予定している。",
            "ソフトバンクを含む10社程度が新会社の設立を検討している。")),
        Article("/articles/-/2290002", "国産AI、開発競争が激化", "2025-12-21", (
            "国産AIの開発競争が激しくなっている。各社は人材の確保を急ぐ。",)),
    ), mode="feed-only"),
    Site("www.theguardian.com", "The Guardian", (
        Article("/technology/2025/dec/10/openai-device", "OpenAI unveils its first hardware device", "2025-12-10", (
            "OpenAI unveiled its first hardware device on Wednesday, a pocket assistant designed with Jony Ive.",
            "The device will cost $249 and ship in March.")),
        Article("/technology/2025/dec/11/openai-device-review", "OpenAI's device: first impressions", "2025-12-11", (
            "We tried OpenAI's new gadget. It is small and quiet.",)),
    ), language="en", mode="atom-only"),
    Site("www.example-twins.jp", "例双子新聞", (
        Article("/a/1.html", "政府、AI人材育成に新計画", "2025-12-10", ("政府はAI人材の育成計画をまとめた。",)),
        Article("/b/1.html", "政府、AI人材育成に新計画", "2025-12-10", ("政府はAI人材の育成計画をまとめた（地方版）。",)),
    )),
]

DOCUMENT = """Assistant: まとめます。 edit
- 具体例として Preferred Networks(PFN)の日本語特化モデル「PLaMo Translate」 を導入し、2026年以降他省庁にも展開する計画があります。Impress Watch[1]
- デジタル庁は源内にPFNのモデルを導入しました。[2]
- 経済産業省が 5年で1兆円規模 の支援を予定し、ソフトバンクを含む10社程度が新会社設立を検討しています。TBS NEWS DIG[3]
- 経済産業省は国産AIに3兆円を投じ、NTTを含む20社が参加します。TBS NEWS DIG[4]
- OpenAI unveiled a pocket assistant designed with Jony Ive that will cost $249.[5]
- The Guardian reported that Apple will buy OpenAI for $500 billion.[6]
- 政府はAI人材の育成計画をまとめました。[7]
- これはAIの見解です。[8]
- 出典のない話です。[9]
References edit
- ↑ "Impress Watch". Impress Watch. Retrieved 2025-12-26.
- ↑ "デジタル庁、「源内」にPFNの「PLaMo Translate」を導入". Impress Watch. Retrieved 2025-12-26.
- ↑ "TBS NEWS DIG". TBS NEWS DIG. Retrieved 2025-12-26.
- ↑ "TBS NEWS DIG". TBS NEWS DIG. Retrieved 2025-12-26.
- ↑ "The Guardian". The Guardian. Retrieved 2025-12-26.
- ↑ "Apple to buy OpenAI for $500bn". The Guardian. Retrieved 2025-12-26.
- ↑ "政府、AI人材育成に新計画". example-twins.jp. Retrieved 2025-12-26.
- ↑ "AIの見解". ChatGPT. Retrieved 2025-12-26.
- ↑ "ある記事". どこかのサイト. Retrieved 2025-12-26.
"""

EXPECTED_FOUND = {
    "1": "https://watch.impress.co.jp/docs/news/2025/1219001.html",  # generic title: the citing text's facts
    "2": "https://watch.impress.co.jp/docs/news/2025/1219001.html",  # specific title
    "3": "https://newsdig.tbs.co.jp/articles/-/2290001",  # generic title, RSS feed only
    "5": "https://www.theguardian.com/technology/2025/dec/10/openai-device",  # English, Atom feed only
}


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    root = write_web(tmp_path_factory.mktemp("web"), SITES)
    with WebServer() as server:
        server.serve_directory(root, "/")
        yield server


def _settings(server, tmp_path, *, offline=False, allow_private=True, **resolve):
    remap = (r"^https?://([^/]+)/(.*)$", server.url("/") + r"$1/$2")
    return Settings(fetch=FetchSettings(allow_private=allow_private, retries=0, remaps=(remap,)),
                    cache=CacheSettings(directory=tmp_path / "cache", offline=offline),
                    resolve=ResolveSettings(enabled=True, resolvers=("site",), interval=0.0, **resolve))


def _resolutions(report):
    return dict(report.documents[0].resolutions)


def test_the_simulated_web_gives_found_not_found_ambiguous_and_not_tried(web, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text(DOCUMENT, encoding="utf-8")
    report = check_paths([str(path)], _settings(web, tmp_path))
    verdicts = _resolutions(report)
    found = {ref: v.url for ref, v in verdicts.items() if v.status == "found"}
    assert found == EXPECTED_FOUND
    assert verdicts["4"].status == "not-found"  # fabricated facts on a real site, next to an article on the topic
    assert verdicts["6"].status == "not-found"  # a made-up English headline
    assert verdicts["7"].status == "ambiguous" and len(verdicts["7"].candidates) == 2
    assert verdicts["8"].status == "not-tried" and "ChatGPT" in verdicts["8"].reason
    assert verdicts["9"].status == "not-tried"  # a site refcheck cannot place: nothing to search
    rules = {(f.rule, f.ref) for f in report.documents[0].findings}
    assert {("reference-found", ref) for ref in EXPECTED_FOUND} <= rules
    assert {("reference-not-found", "4"), ("reference-not-found", "6"), ("ambiguous-reference", "7"),
            ("self-citation", "8")} <= rules
    # What was searched, where: the not-found finding names the files read.
    message = next(f.message for f in report.documents[0].findings if f.rule == "reference-not-found" and f.ref == "4")
    assert "newsdig.tbs.co.jp" in message and "feed" in message
    # The found pages are in urls[] and their claims were checked against them.
    urls = {result.url: result for result in report.urls}
    assert all(urls[url].status is UrlStatus.OK for url in EXPECTED_FOUND.values())
    supported = {f.ref for f in report.documents[0].findings if f.rule in ("unsupported-claim", "unverifiable-claim")}
    assert not supported & set(EXPECTED_FOUND)
    # Every request went to the loopback server as remapped, never to the real hosts.
    assert all(request.path.startswith(("/watch.impress.co.jp/", "/www.watch.impress.co.jp/",
                                        "/forest.watch.impress.co.jp/", "/www.forest.watch.impress.co.jp/",
                                        "/impress.co.jp/", "/www.impress.co.jp/", "/newsdig.tbs.co.jp/",
                                        "/www.newsdig.tbs.co.jp/", "/tbs.co.jp/", "/www.tbs.co.jp/",
                                        "/www.theguardian.com/", "/theguardian.com/", "/www.example-twins.jp/",
                                        "/example-twins.jp/", "/guardian.co.uk/", "/www.guardian.co.uk/",
                                        "/theguardian.co.uk/", "/www.theguardian.co.uk/"))
               for request in web.requests), sorted({r.path for r in web.requests})[:40]
    payload = json.loads(render(report))
    references = {r["id"]: r for r in payload["documents"][0]["references"]}
    resolution = references["3"]["resolution"]
    assert set(resolution) >= {"status", "url", "title", "via", "score", "queries", "candidates", "reason"}
    assert resolution["status"] == "found" and resolution["via"] == "site"
    assert all(set(c) == {"url", "title", "score"} for c in resolution["candidates"])
    assert references["9"]["resolution"]["status"] == "not-tried"


def test_a_decoy_with_the_same_topic_is_never_found_for_a_made_up_generic_citation(web, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("Assistant: x edit\n- PFNは「PLaMo Vision」を2027年に全省庁へ提供すると発表しました。Impress Watch[1]\n"
                    'References edit\n- ↑ "Impress Watch". Impress Watch. Retrieved 2025-12-26.\n', encoding="utf-8")
    verdict = _resolutions(check_paths([str(path)], _settings(web, tmp_path)))["1"]
    assert verdict.status == "not-found"
    assert verdict.candidates  # what it looked at is listed


def test_offline_answers_from_the_cache_only_and_gives_the_same_verdicts(web, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text(DOCUMENT, encoding="utf-8")
    first = _resolutions(check_paths([str(path)], _settings(web, tmp_path)))
    web.reset_stats()
    again = _resolutions(check_paths([str(path)], _settings(web, tmp_path, offline=True)))
    assert web.requests == []
    assert {ref: (v.status, v.url) for ref, v in again.items()} == {ref: (v.status, v.url) for ref, v in first.items()}
    # A fresh cache rerun (not offline) asks the web for nothing either.
    check_paths([str(path)], _settings(web, tmp_path))
    assert web.requests == []


MARKER_AFTER_THE_ITEM = """Assistant: まとめます。 edit
- デジタル庁は源内にPreferred Networksの「PLaMo Translate」を導入し、2026年以降他省庁にも展開します。これは国内でAIを実装する動きです。Impress Watch[1]
References edit
- ↑ "Impress Watch". Impress Watch. Retrieved 2025-12-26.
"""


def test_a_list_items_closing_marker_cites_the_whole_item_on_every_run(web, tmp_path):
    # The marker follows the item's last sentence, which holds no key fact: the item is the citing text. It still
    # is on the second run, when the extraction comes from the cache's memo (prose blocks dropped to save memory
    # once lost it, and with it every generic-titled reference cited this way).
    path = tmp_path / "doc.txt"
    path.write_text(MARKER_AFTER_THE_ITEM, encoding="utf-8")
    for _ in range(2):
        verdict = _resolutions(check_paths([str(path)], _settings(web, tmp_path)))["1"]
        assert (verdict.status, verdict.url) == ("found", EXPECTED_FOUND["1"]), verdict.reason
        assert "PLaMo Translate" in verdict.reason


def test_offline_with_an_empty_cache_tries_nothing_rather_than_calling_sources_missing(web, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text(DOCUMENT, encoding="utf-8")
    verdicts = _resolutions(check_paths([str(path)], _settings(web, tmp_path, offline=True)))
    assert {v.status for v in verdicts.values()} == {"not-tried"}


def test_the_ssrf_guard_refuses_loopback_for_backend_requests_too(web, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text(DOCUMENT, encoding="utf-8")
    web.reset_stats()
    verdicts = _resolutions(check_paths([str(path)], _settings(web, tmp_path, allow_private=False)))
    assert web.requests == []
    assert verdicts["1"].status == "not-tried" and "refused" in verdicts["1"].reason


class _Records:
    """A scholarly backend in the test: answers by DOI or by title from a fixed list of records."""

    name = "records"

    def __init__(self, records):
        self.records = records
        self.asked = []

    async def search(self, query, web):
        self.asked.append(query.ref)
        if not (query.doi or query.specific_title):
            return BackendAnswer(self.name, skipped="not scholarly")
        hits = [r for r in self.records if (query.doi and r.doi == query.doi) or
                (not query.doi and query.specific_title and r.title.split(":")[0] in query.specific_title)]
        return BackendAnswer(self.name, candidates=tuple(Candidate(f"https://doi.org/{r.doi}", self.name, r.title,
                                                                   record=r) for r in hits),
                             queries=(f"q={query.doi or query.specific_title}",), requests=1)


def test_scholarly_records_doi_right_doi_wrong_metadata_no_doi_and_fabricated(tmp_path):
    from refcheck.resolve.resolver import resolve_references
    from refcheck.extract import extract
    from refcheck.models import Document, Format

    text = ("Assistant: x edit\n- a[1] b[2] c[3] d[4]\nReferences edit\n"
            '- ↑ "Attention Is All You Need". NeurIPS. Retrieved 2025-12-26. doi:10.5555/3295222.3295349\n'
            '- ↑ "Deep Residual Learning". CVPR. Retrieved 2025-12-26. doi:10.1109/cvpr.2016.90\n'
            '- ↑ "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding". NAACL. '
            'Retrieved 2025-12-26.\n'
            '- ↑ "Quantum Gradient Folding for Sparse Language Models". NeurIPS. Retrieved 2025-12-26.\n')
    extraction = extract(Document("d.txt", Format.TEXT, text))
    assert [r.doi for r in extraction.references][:2] == ["10.5555/3295222.3295349", "10.1109/cvpr.2016.90"]
    records = [ScholarlyRecord("10.5555/3295222.3295349", "Attention is All you Need", ("Vaswani",), 2017),
               ScholarlyRecord("10.1109/cvpr.2016.90", "Deep Residual Learning for Image Recognition", ("He",), 2016),
               ScholarlyRecord("10.18653/v1/n19-1423", "BERT: Pre-training of Deep Bidirectional Transformers for "
                               "Language Understanding", ("Devlin",), 2019)]
    backend = _Records(records)
    run = resolve_references([extraction], {}, Settings(cache=CacheSettings(enabled=False),
                                                         resolve=ResolveSettings(enabled=True)), None,
                             backends=[backend])
    verdicts = {ref: v for (_, ref), v in run.resolutions.items()}
    assert verdicts["1"].status == "found" and verdicts["1"].url == "https://doi.org/10.5555/3295222.3295349"
    # The DOI is registered, but its record's title is longer than the cited one: not taken as found, the record's
    # title is named, and (with the scholarly matcher in the build) the mismatch is reported.
    assert verdicts["2"].status == "not-found" and "Image Recognition" in verdicts["2"].reason
    assert verdicts["3"].status == "found" and verdicts["3"].url.endswith("n19-1423")
    assert verdicts["4"].status == "not-found"


def test_resolve_dead_looks_for_a_dead_reference_without_an_archived_copy(web, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("Assistant: x edit\n- 記事です。[1]\nReferences edit\n"
                    '- ↑ "デジタル庁、「源内」にPFNの「PLaMo Translate」を導入". Impress Watch. Retrieved 2025-12-26. '
                    "https://watch.impress.co.jp/docs/news/2025/old-address.html\n", encoding="utf-8")
    without = _resolutions(check_paths([str(path)], _settings(web, tmp_path)))
    assert without == {}
    verdict = _resolutions(check_paths([str(path)], _settings(web, tmp_path, resolve_dead=True)))["1"]
    assert verdict.status == "found" and verdict.url.endswith("/1219001.html")


def test_cli_json_and_text_with_resolution(web, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text(DOCUMENT, encoding="utf-8")
    command = [sys.executable, "-m", "refcheck", "check", str(path), "--resolve", "--resolver", "site",
               "--resolve-interval", "0", "--remap", rf"^https?://([^/]+)/(.*)$ {web.url('/')}$1/$2",
               "--allow-private", "--no-archive", "--cache-dir", str(tmp_path / "cache"), "--retries", "0",
               "--format", "json", "--output", str(tmp_path / "r.json"), "--format", "text", "--fail-on", "warning"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 1, result.stderr
    assert "⌕ https://watch.impress.co.jp/docs/news/2025/1219001.html (located by refcheck via site)" in result.stdout
    assert "no web search backend is configured" in result.stdout  # the one notice per run
    assert result.stdout.count("no web search backend") == 1
    payload = json.loads((tmp_path / "r.json").read_text())
    statuses = {r["id"]: r["resolution"]["status"] for r in payload["documents"][0]["references"]}
    assert statuses["1"] == "found" and statuses["4"] == "not-found"


def test_cli_no_resolve_and_bad_options(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text(DOCUMENT, encoding="utf-8")
    base = [sys.executable, "-m", "refcheck", "check", str(path), "--cache-dir", str(tmp_path / "c"), "--offline",
            "--format", "json"]
    result = subprocess.run(base + ["--no-resolve"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert all(r["resolution"] is None for r in json.loads(result.stdout)["documents"][0]["references"])
    bad = subprocess.run(base + ["--resolve", "--resolver-endpoint", "nowhere"], capture_output=True, text=True,
                         timeout=60, cwd=ROOT)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "NAME=URL" in bad.stderr
    bad = subprocess.run(base + ["--resolve", "--resolver-endpoint", "searxng=ftp://x"], capture_output=True,
                         text=True, timeout=60, cwd=ROOT)
    assert bad.returncode == 2 and "http(s)" in bad.stderr


def test_shards_share_the_references_out_and_merge_joins_their_verdicts(web, tmp_path):
    from dataclasses import replace

    from refcheck.report.merge import merge_reports

    path = tmp_path / "doc.txt"
    path.write_text(DOCUMENT, encoding="utf-8")
    reports = [check_paths([str(path)], replace(_settings(web, tmp_path), shard=(k, 2))) for k in (1, 2)]
    parts = [set(dict(report.documents[0].resolutions)) for report in reports]
    assert parts[0] and parts[1] and not parts[0] & parts[1]
    merged = dict(merge_reports(reports).documents[0].resolutions)
    assert set(merged) == {str(n) for n in range(1, 10)}
    assert {ref: v.url for ref, v in merged.items() if v.status == "found"} == EXPECTED_FOUND


def test_a_run_that_resolved_is_not_reused_as_a_memo(web, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text(DOCUMENT, encoding="utf-8")
    command = [sys.executable, "-m", "refcheck", "check", str(path), "--resolve", "--resolver", "site",
               "--resolve-interval", "0", "--remap", rf"^https?://([^/]+)/(.*)$ {web.url('/')}$1/$2",
               "--allow-private", "--no-archive", "--cache-dir", str(tmp_path / "cache"), "--retries", "0",
               "--format", "json", "--verbose"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
    second = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert "reused" not in second.stderr
    assert json.loads(first.stdout)["documents"][0]["references"] == json.loads(second.stdout)["documents"][0]["references"]


OLD_SITE = Site("www.example-old.jp", "例旧新聞", (
    Article("/news/20251223/ai-chips.html", "国産AIチップ、2027年量産へ　例電機", "2025-12-23", (
        "例電機は国産AIチップを2027年に量産すると発表した。",), in_news_sitemap=False, in_feed=False),
    Article("/news/20260110/new-year.html", "新年の抱負", "2026-01-10", ("新年の抱負を聞いた。",)),
), mode="feed-only")
ARCHIVED_FEED = ('<?xml version="1.0"?><rss version="2.0"><channel><title>例旧新聞</title>'
                 "<item><title>国産AIチップ、2027年量産へ　例電機</title>"
                 "<link>https://www.example-old.jp/news/20251223/ai-chips.html</link>"
                 "<pubDate>Tue, 23 Dec 2025 09:00:00 +0900</pubDate></item></channel></rss>")


def test_an_old_article_is_found_in_the_archived_feed_when_the_live_one_holds_only_newer_ones(tmp_path,
                                                                                               monkeypatch):
    from dataclasses import replace

    from refcheck.settings import ArchiveSettings
    from tests.webserver import Reply

    root = write_web(tmp_path / "web", [OLD_SITE])
    path = tmp_path / "doc.txt"
    path.write_text("Assistant: x edit\n- 例電機はAIチップを量産します。[1]\nReferences edit\n"
                    '- ↑ "国産AIチップ、2027年量産へ　例電機". example-old.jp. Retrieved 2025-12-26.\n',
                    encoding="utf-8")
    monkeypatch.setenv("REFCHECK_WAYBACK_ENDPOINT", "https://web.archive.org")
    with WebServer() as server:
        server.serve_directory(root, "/")
        cdx = [["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
               ["jp,example-old)/rss.xml", "20251220080000", "https://www.example-old.jp/rss.xml", "text/xml", "200",
                "A", "1"],
               ["jp,example-old)/rss.xml", "20251224090000", "https://www.example-old.jp/rss.xml", "text/xml", "200",
                "B", "1"]]
        server.route("/web.archive.org/cdx/search/cdx", Reply(200, json.dumps(cdx), content_type="application/json"))
        server.route("/web.archive.org/web/20251224090000id_/https://www.example-old.jp/rss.xml",
                     Reply(200, ARCHIVED_FEED, content_type="application/rss+xml"))
        base = _settings(server, tmp_path)
        without = _resolutions(check_paths([str(path)], base))["1"]
        with_archive = _resolutions(check_paths([str(path)], replace(
            base, cache=replace(base.cache, directory=tmp_path / "cache2"),
            archive=ArchiveSettings(enabled=True, endpoint="http://127.0.0.1:9/wayback/available"))))["1"]
        cdx_asked = server.requests_to("/web.archive.org/cdx/search/cdx")
    assert without.status == "not-found"
    assert with_archive.status == "found"
    assert with_archive.url == "https://www.example-old.jp/news/20251223/ai-chips.html"
    assert any("archive https://web.archive.org/web/20251224090000id_/" in q for q in with_archive.queries)
    assert cdx_asked and cdx_asked[0].query["url"] == "https://www.example-old.jp/rss.xml"
    assert cdx_asked[0].query["to"] == "20251227"


BARE_SITE = Site("www.example-bare.jp", "例無目録新聞", (
    Article("/a/20251219/robot-law.html", "ロボット新法、2026年4月施行へ", "2025-12-19", (
        "政府はロボット新法を2026年4月に施行する方針を固めた。対象は「自律移動ロボット」。",)),
    Article("/a/20251218/robot-survey.html", "ロボットの利用調査", "2025-12-18", (
        "ロボットの利用状況を調べた調査結果が公表された。",)),
), mode="bare")


def test_a_search_backend_finds_what_the_site_lists_nowhere_and_its_candidates_are_verified_the_same_way(
        tmp_path):
    pytest.importorskip("refcheck.resolve.searxng")
    from tests.webserver import Reply

    root = write_web(tmp_path / "web", [BARE_SITE])
    path = tmp_path / "doc.txt"
    path.write_text("Assistant: x edit\n- 政府は「自律移動ロボット」を対象とするロボット新法を2026年4月に施行します。[1]\n"
                    "- 政府はロボット新法を2025年に廃止しました。[2]\nReferences edit\n"
                    '- ↑ "例無目録新聞". example-bare.jp. Retrieved 2025-12-26.\n'
                    '- ↑ "例無目録新聞". example-bare.jp. Retrieved 2025-12-26.\n', encoding="utf-8")
    results = {"query": "", "number_of_results": 3, "results": [
        {"url": "https://www.example-bare.jp/a/20251218/robot-survey.html", "title": "ロボットの利用調査",
         "content": "ロボット新法 2026年4月 施行", "engine": "duckduckgo"},  # a snippet that says it all: not enough
        {"url": "https://www.example-bare.jp/a/20251219/robot-law.html", "title": "ロボット新法、2026年4月施行へ",
         "content": "…", "engine": "duckduckgo"},
        {"url": "https://elsewhere.example.com/robot-law", "title": "ロボット新法", "content": "", "engine": "bing"}],
        "unresponsive_engines": []}
    with WebServer() as server:
        server.serve_directory(root, "/")
        server.route("/searx/search", Reply(200, json.dumps(results, ensure_ascii=False),
                                            content_type="application/json"))
        remap = (r"^https?://((?!127\.0\.0\.1)[^/]+)/(.*)$", server.url("/") + r"$1/$2")
        settings = Settings(fetch=FetchSettings(allow_private=True, retries=0, remaps=(remap,)),
                            cache=CacheSettings(directory=tmp_path / "cache"),
                            resolve=ResolveSettings(enabled=True, resolvers=("site", "searxng"), interval=0.0,
                                                    endpoints=(("searxng", server.url("/searx")),)))
        report = check_paths([str(path)], settings)
        searched = server.requests_to("/searx/search")
    verdicts = _resolutions(report)
    assert verdicts["1"].status == "found" and verdicts["1"].via == "searxng", verdicts["1"]
    assert verdicts["1"].url == "https://www.example-bare.jp/a/20251219/robot-law.html"
    assert verdicts["2"].status == "not-found"  # the same results, but no page says what [2] says
    assert searched and searched[0].query["format"] == "json" and "example-bare.jp" in searched[0].query["q"]
    assert not any("no web search backend" in notice for notice in report.notices)
