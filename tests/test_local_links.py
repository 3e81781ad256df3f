"""Local links, fragments and assets: extraction, resolution on disk, findings, options, outputs, CI features."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from refcheck.extract import extract
from refcheck.extract.anchors import Slugger, github_slug
from refcheck.models import Document, Format
from refcheck.pipeline import check_paths
from refcheck.settings import CacheSettings, FetchSettings, LocalSettings, Settings
from tests.webserver import Reply, WebServer


def refcheck(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "refcheck", *args], capture_output=True, text=True, cwd=cwd,
                            timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=cwd, check=True,
                   capture_output=True)


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def findings(tmp_path: Path, *paths: str, **local) -> list[tuple[str, int, str, str]]:
    """(document, line, rule, url) of every finding a cache-less, network-less check makes."""
    settings = Settings(cache=CacheSettings(enabled=False), fetch=FetchSettings(exclude=(r"^https?://",)),
                        local=LocalSettings(**local))
    report = check_paths([str(tmp_path / p) for p in paths], settings)
    return sorted((Path(d.document.path).name, f.line, f.rule, f.url) for d in report.documents for f in d.findings
                  if f.rule in ("dead-link", "missing-fragment", "invalid-url"))


def links(text: str, fmt: Format = Format.MARKDOWN):
    return extract(Document("doc", fmt, text)).links


# ---- slugs -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("heading, slug", [
    ("Level two heading", "level-two-heading"),
    ("Step 7 - Lint & Test", "step-7---lint--test"),
    ("Header with special char at end ✨", "header-with-special-char-at-end-"),
    ("Migrating from <= v1.18.0", "migrating-from--v1180"),
    ("Fünf süße Äpfel", "fünf-süße-äpfel"),
    ("概要（2024年）", "概要2024年"),
    ("インストール方法", "インストール方法"),
    ("FAQ: よくある質問!", "faq-よくある質問"),
    ("snake_case_name", "snake_case_name"),
    ("C++ & C#", "c--c"),
    ("Ⓐ circled 🅰 squared", "ⓐ-circled-🅰-squared"),  # Other_Alphabetic symbols stay, as in Ruby's \p{Word}
    ("№ ² ½ private\ue000", "---private"),  # No (other numbers) and private use go
])
def test_github_slugs(heading, slug):
    assert github_slug(heading) == slug


def test_repeated_headings_get_numbered_like_github():
    slugger = Slugger()
    assert [slugger.slug(h) for h in ("Setup", "Setup", "Setup", "Setup 1")] == ["setup", "setup-1", "setup-2",
                                                                                  "setup-1-1"]


def test_markdown_anchors_headings_explicit_ids_and_html():
    text = ("# Title\n\n## Setup\n\n## Setup\n\nSetext\n------\n\n### Custom {#my-id}\n\n<a id=\"raw\"></a>\n"
            "<div name='n1'></div>\n\n<!-- <a id=\"commented\"></a> -->\n\n`<a id=\"in-code\">`\n\n```\n# not a heading\n```\n")
    anchors = extract(Document("doc.md", Format.MARKDOWN, text)).anchors
    assert anchors == ("title", "setup", "setup-1", "setext", "my-id", "custom", "raw", "n1")


def test_html_anchors_are_ids_and_names():
    text = '<h1 id="top-title">T</h1><a name="old-style"></a><p id="Upper-ÄÖ">x</p><pre id="in-pre"></pre>'
    assert extract(Document("doc.html", Format.HTML, text)).anchors == ("top-title", "old-style", "Upper-ÄÖ", "in-pre")


# ---- extraction ----------------------------------------------------------------------------------------------


def test_markdown_local_links_and_assets_are_extracted_but_are_not_sources():
    text = ("See [guide](docs/guide.md#install) and ![diagram](img/d.png) [1].\n\n"
            '<img src="a.png" srcset="b.png 2x, data:image/png;base64,xx 3x">\n\n'
            "## References\n\n1. [Source](https://example.org/article)\n")
    extraction = extract(Document("doc.md", Format.MARKDOWN, text))
    assert [(link.url, link.kind) for link in extraction.links if link.ref is None] == [
        ("docs/guide.md#install", "link"), ("img/d.png", "asset"), ("b.png", "asset"), ("a.png", "asset")]
    assert [r.url for r in extraction.references] == ["https://example.org/article"]
    assert all(url.startswith("https://") for claim in extraction.claims for url in claim.urls)
    assert all(url.startswith("https://") for block in extraction.blocks for _, url in block.links)


def test_a_list_of_local_links_is_navigation_not_prose():
    """A block made only of links to the docs' own pages (a table of contents) has no sentences to judge; a
    sentence around such a link still does."""
    text = ("- [Setup guide 2024](setup.md)\n- [使い方（基本）](usage.md#top) · [API](api/)\n\n"
            "| [A](a.md) | [B](b.md) |\n|---|---|\n| [C](c.md) | [D](d.md) |\n\n"
            "Revenue rose 40% in 2024, see [the report](report.md).\n\n"
            "- [External 2024 figures](https://example.org/figures)\n")
    extraction = extract(Document("doc.md", Format.MARKDOWN, text))
    assert len([link for link in extraction.links if link.url.endswith((".md", "/", "#top"))]) == 8
    assert [block.text.strip() for block in extraction.blocks] == [
        "Revenue rose 40% in 2024, see the report.", "External 2024 figures"]
    assert [claim.text for claim in extraction.claims if claim.check_worthy] == ["Revenue rose 40% in 2024, see the report."]


def test_html_assets_custom_elements_and_verbatim():
    text = """<html><head><link rel="stylesheet" href="css/site.css"><link rel="icon" href="/favicon.ico">
<link rel="preconnect" href="https://fonts.example"><link rel="canonical" href="https://example.org/page">
<script src="js/app.js"></script></head><body>
<img src="img/a.png" srcset="img/a-2x.png 2x, img/a-3x.png 3x">
<video poster="poster.jpg"><source src="movie.webm"></video>
<my-widget src="widget.js" href="https://example.org/widget"></my-widget>
<a href="other.html#part">o</a> <a href="mailto:x@example.org">m</a> <a href="tel:+100">t</a>
<a href="data:text/plain,hi">d</a> <a href="javascript:void(0)">j</a>
<pre><a href="https://example.org/in-pre">p</a> https://example.org/pre-text</pre><var>https://example.org/var</var>
</body></html>"""
    found = [(link.url, link.kind) for link in links(text, Format.HTML)]
    assert found == [  # in document order; srcset candidates before the element's src
        ("css/site.css", "asset"), ("/favicon.ico", "asset"), ("https://example.org/page", "link"),
        ("js/app.js", "asset"), ("img/a-2x.png", "asset"), ("img/a-3x.png", "asset"), ("img/a.png", "asset"),
        ("poster.jpg", "asset"), ("movie.webm", "asset"), ("https://example.org/widget", "link"), ("widget.js", "asset"),
        ("other.html#part", "link"),
    ]


def test_mdx_jsx_elements_are_read():
    text = 'import X from "./x"\n\n<Card\n  title="Example"\n  href="../guide/"\n>\n  Text\n</Card>\n'
    assert [(link.url, link.line) for link in links(text)] == [("../guide/", 3)]


# ---- resolution and findings ---------------------------------------------------------------------------------

TREE = {
    "README.md": ("# Project\n\n[guide](docs/guide.md) [gone](docs/gone.md) [install](docs/guide.md#install)\n"
                  "[nope](docs/guide.md#nope) [self](#project) [bad self](#nowhere) [dir](docs/) [api](docs/api)\n"
                  "![logo](img/logo.png) ![missing](img/missing.png) [root](/docs/guide.md) [file](FILE_URL)\n"
                  "[spaced](docs/with%20space.md) [jp](docs/guide.md#インストール方法) [case](docs/guide.md#Install)\n"
                  "[query](docs/guide.md?plain=1#install) [notdir](docs/guide.md/)\n"),
    "docs/guide.md": "# Guide\n\n## Install\n\n## インストール方法\n",
    "docs/index.md": "# Docs index\n",
    "docs/api/README.md": "# API\n",
    "docs/with space.md": "# Spaced\n",
    "img/logo.png": b"\x89PNG\r\n",
}


@pytest.fixture
def tree(tmp_path):
    files = dict(TREE)
    files["README.md"] = files["README.md"].replace("FILE_URL", (tmp_path / "docs" / "guide.md").as_uri())
    write(tmp_path, files)
    return tmp_path


def test_local_links_resolved_against_the_document(tree):
    assert findings(tree, "README.md") == [
        ("README.md", 3, "dead-link", "docs/gone.md"),
        ("README.md", 4, "missing-fragment", "#nowhere"),
        ("README.md", 4, "missing-fragment", "docs/guide.md#nope"),
        ("README.md", 5, "dead-link", "img/missing.png"),
        ("README.md", 5, "invalid-url", "/docs/guide.md"),  # root-relative without --root-dir
        ("README.md", 7, "dead-link", "docs/guide.md/"),
    ]


def test_root_dir_resolves_root_relative_links(tree):
    assert ("README.md", 5, "invalid-url", "/docs/guide.md") not in findings(tree, "README.md", root_dir=tree)
    write(tree, {"docs/deep/page.md": "[up](/docs/guide.md#install) [bad](/docs/nothing.md)\n"})
    assert findings(tree, "docs/deep/page.md", root_dir=tree) == [("page.md", 1, "dead-link", "/docs/nothing.md")]


def test_dead_link_names_the_resolved_path(tree):
    settings = Settings(cache=CacheSettings(enabled=False), fetch=FetchSettings(exclude=(r"^https?://",)))
    report = check_paths([str(tree / "README.md")], settings)
    dead = next(f for f in report.documents[0].findings if f.url == "docs/gone.md")
    assert dead.severity.value == "error" and dead.evidence["path"].endswith("docs/gone.md")
    assert str(tree / "docs" / "gone.md") in dead.message or "docs/gone.md" in dead.message


def test_the_same_href_in_documents_of_one_folder(tmp_path):
    """Each href is looked at once per folder (a run's memo), but `#x` and `?q` point into the document itself."""
    write(tmp_path, {"a.md": "# Intro\n\n[self](#intro) [q](?v=1#intro) [b](b.md#intro) [gone](gone.md)\n",
                     "b.md": "# Other\n\n[self](#intro) [q](?v=1#intro) [b](b.md#intro) [gone](gone.md)\n",
                     "sub/c.md": "[b](b.md#intro)\n"})
    assert findings(tmp_path, "a.md", "b.md", "sub/c.md") == [
        ("a.md", 3, "dead-link", "gone.md"), ("a.md", 3, "missing-fragment", "b.md#intro"),
        ("b.md", 3, "dead-link", "gone.md"), ("b.md", 3, "missing-fragment", "#intro"),
        ("b.md", 3, "missing-fragment", "?v=1#intro"), ("b.md", 3, "missing-fragment", "b.md#intro"),
        ("c.md", 1, "dead-link", "b.md#intro")]


def test_index_files_are_configurable(tmp_path):
    write(tmp_path, {"a.md": "[d](d/#intro) [e](e/)\n", "d/index.html": '<h2 id="intro">x</h2>', "e/.keep": ""})
    assert findings(tmp_path, "a.md") == []
    assert findings(tmp_path, "a.md", index_files=("README.md",)) == [("a.md", 1, "missing-fragment", "d/#intro")]


def test_base_url_maps_published_addresses_to_files(tmp_path):
    write(tmp_path, {"site/guide/index.md": "# Guide\n\n## Setup\n",
                     "site/a.md": ("[abs](https://example.org/proj/guide/#setup) [abs bad](https://example.org/proj/nope/)\n"
                                   "[prefixed](/proj/guide/) [other](https://example.org/elsewhere)\n")})
    result = findings(tmp_path, "site/a.md", root_dir=tmp_path / "site", base_url="https://example.org/proj/")
    assert result == [("a.md", 1, "dead-link", "https://example.org/proj/nope/")]


def test_html_documents_fragments_are_case_sensitive(tmp_path):
    write(tmp_path, {"p.html": '<h1 id="Intro">x</h1><a href="#Intro">a</a><a href="#intro">b</a>'
                               '<a href="q.html#x">c</a><img src="q.png">', "q.html": '<a name="x"></a>'})
    assert findings(tmp_path, "p.html") == [("p.html", 1, "dead-link", "q.png"), ("p.html", 1, "missing-fragment", "#intro")]


def test_no_assets_skips_them(tree):
    assert all(url != "img/missing.png" for *_, url in findings(tree, "README.md", assets=False))


def test_fragments_of_other_file_kinds_are_not_checked(tmp_path):
    write(tmp_path, {"a.md": "[pdf](doc.pdf#page=3) [txt](notes.txt#x)\n", "doc.pdf": b"%PDF-1.4", "notes.txt": "x"})
    assert findings(tmp_path, "a.md") == []


def test_target_outside_the_checked_documents_is_read_for_its_anchors(tmp_path):
    write(tmp_path, {"docs/a.md": "[x](../other/b.md#two) [y](../other/b.md#three)\n", "other/b.md": "# One\n\n## Two\n"})
    assert findings(tmp_path, "docs/a.md", root_dir=tmp_path) == [("a.md", 1, "missing-fragment", "../other/b.md#three")]


def test_nothing_outside_the_checked_tree_is_looked_at(tmp_path):
    # A stranger's document must not probe the machine: file:///etc/…, ../../.. out of the tree are unresolved.
    write(tmp_path, {"docs/a.md": "[p](file:///etc/passwd) [q](../../../../../../etc/hostname#x) [r](../other.md)\n",
                     "other.md": "# Other\n"})
    assert findings(tmp_path, "docs/a.md") == [
        ("a.md", 1, "invalid-url", "../../../../../../etc/hostname#x"), ("a.md", 1, "invalid-url", "../other.md"),
        ("a.md", 1, "invalid-url", "file:///etc/passwd")]
    assert findings(tmp_path, "docs/a.md", root_dir=tmp_path) == [
        ("a.md", 1, "invalid-url", "../../../../../../etc/hostname#x"), ("a.md", 1, "invalid-url", "file:///etc/passwd")]


# ---- the command ---------------------------------------------------------------------------------------------


def test_exit_codes_json_and_text(tree):
    result = refcheck(tree, "check", "README.md", "--no-cache", "--format", "json")
    assert result.returncode == 1  # dead links are errors
    payload = json.loads(result.stdout)
    rows = {row["url"]: row for row in payload["documents"][0]["links"]}
    assert rows["img/logo.png"]["kind"] == "asset" and rows["img/logo.png"]["local"]["status"] == "ok"
    assert rows["docs/gone.md"]["local"] == {"status": "dead", "path": "docs/gone.md", "fragment": None,
                                             "reason": "no such file or directory"}
    assert rows["docs/"]["local"]["status"] == "ok" and rows["docs/guide.md#nope"]["local"]["status"] == "missing-fragment"
    assert payload["urls"] == []  # nothing was fetched

    write(tree, {"only-fragment.md": "# A\n\n[b](#b)\n"})
    assert refcheck(tree, "check", "only-fragment.md", "--no-cache").returncode == 0  # a warning
    assert refcheck(tree, "check", "only-fragment.md", "--no-cache", "--fail-on", "warning").returncode == 1


def test_local_results_in_the_streamed_json_and_back(tree):
    """The CLI streams JSON (report/json.py `write`): each link's `local` must be there as in `to_dict`, and a report
    read back (`refcheck merge`) keeps it."""
    import io

    from refcheck.report import json as json_report

    settings = Settings(cache=CacheSettings(enabled=False), fetch=FetchSettings(exclude=(r"^https?://",)))
    report = check_paths([str(tree / "README.md")], settings)
    sink = io.StringIO()
    json_report.write(report, sink)
    streamed = json.loads(sink.getvalue())
    assert streamed == json.loads(json.dumps(json_report.to_dict(report)))
    assert any(row.get("local", {}).get("status") == "dead" for row in streamed["documents"][0]["links"])
    again = json_report.from_dict(streamed)
    assert again.documents[0].local == report.documents[0].local
    assert json_report.to_dict(again)["documents"][0]["links"] == streamed["documents"][0]["links"]


def test_local_options_from_the_configuration_file(tmp_path):
    write(tmp_path, {"site/a.md": "[g](/guide/#setup) ![i](img.png)\n", "site/guide/start.md": "## Setup\n",
                     "refcheck.toml": 'root_dir = "site"\nindex_files = ["start.md"]\nassets = false\n'})
    result = refcheck(tmp_path, "check", "site/a.md", "--no-cache", "--format", "json")
    assert result.returncode == 0, result.stdout
    assert [row["url"] for row in json.loads(result.stdout)["documents"][0]["links"]] == ["/guide/#setup"]


def test_changed_since_checks_local_links_on_changed_lines_only(tmp_path):
    write(tmp_path, {"a.md": "[old](gone-before.md)\n", "b.md": "# B\n"})
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "one")
    write(tmp_path, {"a.md": "[old](gone-before.md)\n[new](gone-now.md) [ok](b.md#b)\n"})
    result = refcheck(tmp_path, "check", "a.md", "--no-cache", "--changed-since", "HEAD", "--format", "json")
    urls = [f["url"] for f in json.loads(result.stdout)["documents"][0]["findings"]]
    assert urls == ["gone-now.md"]


def test_shards_split_local_links_and_merge_joins_them(tmp_path):
    write(tmp_path, {"a.md": "".join(f"[l{i}](missing-{i}.md)\n" for i in range(12))})
    shards = []
    for index in (1, 2, 3):
        result = refcheck(tmp_path, "check", "a.md", "--no-cache", "--shard", f"{index}/3", "--format", "json")
        shards.append(json.loads(result.stdout))
        (tmp_path / f"s{index}.json").write_text(result.stdout, encoding="utf-8")
    counts = [sum(f["rule"] == "dead-link" for f in s["documents"][0]["findings"]) for s in shards]
    assert sum(counts) == 12 and all(count < 12 for count in counts)
    merged = json.loads(refcheck(tmp_path, "merge", "s1.json", "s2.json", "s3.json", "--format", "json").stdout)
    dead = [f["url"] for f in merged["documents"][0]["findings"] if f["rule"] == "dead-link"]
    assert sorted(dead) == sorted(f"missing-{i}.md" for i in range(12))
    assert sum(1 for row in merged["documents"][0]["links"] if row.get("local")) == 12


def test_remote_assets_are_fetched_and_never_cited(tmp_path):
    with WebServer() as server:
        server.route("/ok.png", Reply(200, b"\x89PNG", content_type="image/png"))
        write(tmp_path, {"a.md": f"Text.\n\n![ok]({server.url('/ok.png')}) ![gone]({server.url('/gone.png')})\n"})
        result = refcheck(tmp_path, "check", "a.md", "--cache-dir", "c", "--allow-private", "--retries", "0",
                          "--no-archive", "--format", "json")
        payload = json.loads(result.stdout)
        assert {Path(u["url"]).name: u["status"] for u in payload["urls"]} == {"ok.png": "ok", "gone.png": "dead"}
        assert [f["rule"] for f in payload["documents"][0]["findings"]] == ["dead-link"]
        appendix = refcheck(tmp_path, "appendix", "a.md", "--no-check", "--format", "markdown")
        assert "png" not in appendix.stdout
        skipped = refcheck(tmp_path, "check", "a.md", "--no-cache", "--no-assets", "--format", "json")
        assert json.loads(skipped.stdout)["urls"] == []


def test_check_fragments_checks_fetched_html_pages(tmp_path):
    page = '<html><head><title>P</title></head><body><nav id="menu"></nav><h2 id="usage">Usage</h2>' \
           '<a name="old"></a><article><p>Text of the page.</p></article></body></html>'
    with WebServer() as server:
        server.route("/page", Reply(200, page))
        server.route("/readme", Reply(200, '<h2 id="user-content-install">Install</h2>'))
        server.route("/file.bin", Reply(200, b"\x00\x01", content_type="application/octet-stream"))
        base = server.base_url
        write(tmp_path, {"a.md": f"[u]({base}/page#usage) [m]({base}/page#menu) [o]({base}/page#old)\n"
                                 f"[bad]({base}/page#nope) [gh]({base}/readme#install) [bin]({base}/file.bin#x)\n"})
        common = ("--cache-dir", "c", "--allow-private", "--retries", "0", "--no-archive", "--format", "json")
        without = json.loads(refcheck(tmp_path, "check", "a.md", *common).stdout)
        assert [f for f in without["documents"][0]["findings"] if f["rule"] == "missing-fragment"] == []  # off by default
        assert [u["status"] for u in without["urls"]] == ["ok"] * 6
        with_fragments = json.loads(refcheck(tmp_path, "check", "a.md", "--check-fragments", *common).stdout)
        assert [(f["rule"], f["url"].rsplit("/", 1)[1]) for f in with_fragments["documents"][0]["findings"]
                if f["rule"] in ("missing-fragment", "dead-link")] == [("missing-fragment", "page#nope")]


def test_check_fragments_refetches_pages_cached_without_their_anchors(tmp_path):
    """A run without --check-fragments does not read pages' ids and names (cheaper); a later run with it must not
    take such a cache entry as "no anchors known" and skip the check: it fetches the page again, and the run after
    that answers from the entry it stored."""
    page = '<html><head><title>P</title></head><body><h2 id="usage">Usage</h2><p>Text of the page.</p></body></html>'
    with WebServer() as server:
        server.route("/page", Reply(200, page))
        server.route("/plain", Reply(200, "plain text, nothing to name", content_type="text/plain"))
        base = server.base_url
        write(tmp_path, {"a.md": f"[u]({base}/page#usage) [bad]({base}/page#nope) [t]({base}/plain#x)\n"})
        common = ("--cache-dir", "c", "--allow-private", "--retries", "0", "--no-archive", "--format", "json",
                  "--no-soft-404-probe")

        def missing(*flags: str) -> list[str]:
            payload = json.loads(refcheck(tmp_path, "check", "a.md", *common, *flags).stdout)
            assert [u["status"] for u in payload["urls"]] == ["ok"] * 3
            return [f["url"].rsplit("/", 1)[1] for f in payload["documents"][0]["findings"]
                    if f["rule"] == "missing-fragment"]

        assert missing() == [] and server.hits("/page") == 1 and server.hits("/plain") == 1
        assert missing("--check-fragments") == ["page#nope"]
        assert server.hits("/page") == 2  # cached without anchors: fetched again
        assert server.hits("/plain") == 1  # not HTML: it has no anchors to read, its entry answers
        assert missing("--check-fragments") == ["page#nope"] and server.hits("/page") == 2  # the new entry answers
        assert missing() == [] and server.hits("/page") == 2  # an entry with anchors serves a run without the flag


def test_pages_are_read_without_anchors_unless_fragments_are_checked(tmp_path):
    from refcheck.fetch import fetch_all

    with WebServer() as server:
        server.route("/page", Reply(200, '<html><body><h2 id="usage">Usage</h2><a name="old">x</a></body></html>'))
        url = server.url("/page")
        for read_anchors, expected in ((False, None), (True, ("usage", "old"))):
            run = fetch_all([url], FetchSettings(allow_private=True, retries=0, probe_soft_404=False,
                                                 read_anchors=read_anchors))
            assert run.results[url].page.anchors == expected
