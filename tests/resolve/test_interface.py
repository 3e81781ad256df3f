"""Resolution's interface: [tool.refcheck.resolve], the options' precedence, backends made from the build, the
run's one notice, the offline self-citation rule, the JSON read back, the appendix's "located by refcheck"."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from refcheck.config import load_config
from refcheck.errors import ConfigError
from refcheck.extract import extract
from refcheck.models import Document, DocumentReport, Extraction, FetchResult, Format, PageFacts, Report, UrlStatus
from refcheck.report.appendix import build_entries
from refcheck.report.appendix_formats import render_markdown
from refcheck.report.json import from_dict, to_dict
from refcheck.resolve.model import Resolution
from refcheck.resolve.query import build_query, needs_resolving
from refcheck.resolve.resolver import make_backends, resolve_references, search_configured
from refcheck.rules.references import cites_assistant, reference_findings
from refcheck.rules.registry import RULES
from refcheck.settings import CacheSettings, ResolveSettings, Settings


def _config(tmp_path: Path, body: str):
    path = tmp_path / "refcheck.toml"
    path.write_text(body, encoding="utf-8")
    return load_config(path, set(RULES))


def test_the_resolve_table_is_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("SEARX", "https://searx.example.org/")
    config = _config(tmp_path, '[resolve]\nresolvers = ["site", "searxng"]\nsearxng_url = "${SEARX}"\n'
                               'mailto = "a@example.org"\nmax_sitemaps = 3\n')
    assert config.resolve == {"resolvers": ["site", "searxng"], "searxng_url": "https://searx.example.org/",
                              "mailto": "a@example.org", "max_sitemaps": 3}
    with pytest.raises(ConfigError, match="unknown key.*in resolve: searx"):
        _config(tmp_path, '[resolve]\nsearx = "x"\n')
    with pytest.raises(ConfigError, match="max_candidates has the wrong type"):
        _config(tmp_path, '[resolve]\nmax_candidates = "many"\n')


def test_options_beat_the_table_which_beats_the_defaults(tmp_path):
    from refcheck.cli import _resolve_settings

    config = _config(tmp_path, '[resolve]\nresolvers = ["site", "crossref"]\nsearxng_url = "https://s.example/"\n'
                               "max_candidates = 2\n")
    settings = _resolve_settings(config, True, (), ("searxng=https://other.example/",), None, None, None, 0.0)
    assert settings.resolvers == ("site", "crossref") and settings.max_candidates == 2 and settings.interval == 0.0
    assert settings.endpoints[0] == ("searxng", "https://other.example/")
    settings = _resolve_settings(config, True, ("site",), (), True, 5, 9)
    assert settings.resolvers == ("site",) and settings.max_candidates == 9 and settings.max_sitemaps == 5
    assert settings.resolve_dead is True
    with pytest.raises(ConfigError):
        _resolve_settings(config, True, ("google",))


def test_backends_are_made_from_what_the_build_has_and_search_needs_an_endpoint_or_key(monkeypatch):
    settings = Settings(resolve=ResolveSettings(enabled=True))
    made, missing = make_backends(settings)
    names = [backend.name for backend in made]
    assert names[0] == "site"
    assert set(names) | {m.split()[0] for m in missing} == {"site", "crossref", "openalex", "searxng", "brave"}
    assert not search_configured(settings)
    monkeypatch.setenv("REFCHECK_SEARXNG_ENDPOINT", "https://searx.example/")
    assert search_configured(settings)


def test_self_citation_is_an_offline_rule_and_a_spacecraft_is_not_the_assistant():
    text = ("Assistant: x edit\n- a[1] b[2] c[3] d[4]\nReferences edit\n"
            '- ↑ "AI基本計画の核心". ChatGPT. Retrieved 2025-12-26.\n'
            '- ↑ "Gemini". NASA. Retrieved 2025-12-26.\n'
            '- ↑ "Shared chat". Retrieved 2025-12-26. https://chatgpt.com/share/abc\n'
            '- ↑ "Claude". Retrieved 2025-12-26.\n')
    extraction = extract(Document("d.txt", Format.TEXT, text))
    assert [cites_assistant(r) for r in extraction.references] == ["ChatGPT", None, "chatgpt.com", "Claude"]
    rules = [(f.rule, f.ref) for f in reference_findings(extraction) if f.rule == "self-citation"]
    assert rules == [("self-citation", "1"), ("self-citation", "3"), ("self-citation", "4")]


def test_query_takes_site_domains_facts_and_the_citing_item():
    text = ("Assistant: x edit\n"
            "- 具体例として Preferred Networks(PFN)の「PLaMo Translate」 を導入し、2026年以降展開します。Impress Watch[1]\n"
            "- 記事です。例新聞[2]\n- 記事です。[3]\nReferences edit\n"
            '- ↑ "Impress Watch". Impress Watch. Retrieved 2025-12-26.\n'
            '- ↑ "ある見出し". 例新聞. Retrieved 2025-12-26.\n'
            '- ↑ "別の記事". 例新聞. Retrieved 2025-12-26. https://www.example-news.jp/a/1.html\n')
    extraction = extract(Document("d.txt", Format.TEXT, text))
    first, second, third = extraction.references
    query = build_query(first, extraction)
    assert query.specific_title is None and query.domains[0] == "watch.impress.co.jp"
    assert {"PLaMo Translate", "Preferred Networks", "2026年"} <= set(query.key_facts)
    assert "Impress Watch" not in query.citing_sentences[0] and "[1]" not in query.citing_sentences[0]
    assert query.language == "ja" and query.retrieved == "2025-12-26"
    assert build_query(second, extraction).domains == ("www.example-news.jp",)  # learnt from [3]
    assert build_query(second, extraction).specific_title == "ある見出し"
    assert needs_resolving(second, {}, resolve_dead=False) and not needs_resolving(third, {}, resolve_dead=False)
    dead = {third.url: FetchResult(third.url, UrlStatus.DEAD)}
    assert needs_resolving(third, dead, resolve_dead=True)
    rescued = {third.url: FetchResult(third.url, UrlStatus.DEAD, archive_url="https://web.archive.org/web/1/x")}
    assert not needs_resolving(third, rescued, resolve_dead=True)


def test_a_backend_that_raises_is_that_backends_error_not_the_runs():
    class Broken:
        name = "broken"

        async def search(self, query, web):
            raise RuntimeError("bug")

    text = 'Assistant: x edit\n- a[1]\nReferences edit\n- ↑ "T". digital.go.jp. Retrieved 2025-12-26.\n'
    extraction = extract(Document("d.txt", Format.TEXT, text))
    run = resolve_references([extraction], {}, Settings(cache=CacheSettings(enabled=False),
                                                         resolve=ResolveSettings(enabled=True)), backends=[Broken()])
    verdict = run.resolutions[(0, "1")]
    assert verdict.status == "not-tried" and "RuntimeError: bug" in verdict.reason


def _report_with_a_found_reference() -> Report:
    text = 'Assistant: x edit\n- a[1]\nReferences edit\n- ↑ "Impress Watch". Impress Watch. Retrieved 2025-12-26.\n'
    extraction = extract(Document("d.txt", Format.TEXT, text))
    url = "https://watch.impress.co.jp/docs/news/2025/1219001.html"
    found = Resolution("found", url=url, title="PLaMo翻訳を導入", via="site", score=0.8,
                       queries=("site: robots.txt https://watch.impress.co.jp/robots.txt",),
                       candidates=((url, "PLaMo翻訳を導入", 0.8),), reason="the page supports the citing text")
    page = FetchResult(url, UrlStatus.OK, http_status=200, page=PageFacts(title="PLaMo翻訳を導入 - Impress Watch",
                                                                          site_name="Impress Watch"))
    document = DocumentReport(Document("d.txt", Format.TEXT, text), extraction, resolutions=(("1", found),))
    return Report(command="check", documents=(document,), urls=(page,))


def test_the_json_contract_round_trips_a_resolution():
    report = _report_with_a_found_reference()
    payload = to_dict(report)
    resolution = payload["documents"][0]["references"][0]["resolution"]
    assert resolution["status"] == "found" and resolution["candidates"][0]["score"] == 0.8
    again = to_dict(from_dict(json.loads(json.dumps(payload))))
    assert again["documents"][0]["references"][0]["resolution"] == resolution


def test_the_appendix_gives_the_located_url_and_says_refcheck_found_it():
    entries = build_entries(_report_with_a_found_reference(), date(2026, 1, 5))
    (entry,) = entries
    assert entry.url == "https://watch.impress.co.jp/docs/news/2025/1219001.html" and entry.located
    assert entry.cited_url is None
    text = render_markdown(entries)
    assert "URL located by refcheck" in text and "PLaMo翻訳を導入" in text


def test_the_html_report_gives_the_located_url_marked():
    from refcheck.report.html import render

    html = render(_report_with_a_found_reference())
    assert "https://watch.impress.co.jp/docs/news/2025/1219001.html" in html
    assert "located by refcheck" in html


def test_a_url_urlsplit_refuses_is_an_invalid_url_not_a_crash():
    from refcheck.rules.references import looks_invalid

    assert looks_invalid("http://[oops/") and not looks_invalid("https://example.org/")
