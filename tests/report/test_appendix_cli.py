"""`refcheck appendix` end to end against a real server on 127.0.0.1: redirects, titles, dead sources, write-into."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import bibtexparser
import pytest
from selectolax.lexbor import LexborHTMLParser

from tests.webserver import Reply, WebServer

ROOT = Path(__file__).resolve().parents[2]


def page(title: str, site: str = "Example Times") -> str:
    return (f'<html lang="en"><head><title>{title} | {site}</title><meta property="og:site_name" content="{site}">'
            f"</head><body><article><h1>{title}</h1><p>{'Some article text. ' * 20}</p></article></body></html>")


def document(base: str) -> str:
    return f"""# Notes

The town grew [2]. The river moved [1]. The valley flooded [3]. A story was removed [4].

## References

1. "Old address article". Example Times. {base}/moved Retrieved 2026-01-10.
2. "Temporary redirect article". Example Times. {base}/temp
3. "Example Times". Example Times. {base}/generic
4. "A deleted story". Example Times. {base}/gone Retrieved 2025-06-01.

## Sources

<!-- refcheck:appendix:start -->
<!-- refcheck:appendix:end -->

Footer.
"""


@pytest.fixture
def site():
    with WebServer() as server:
        server.route("/moved", Reply(301, headers={"Location": "/new-home"}))
        server.route("/new-home", Reply(200, page("Old address article")))
        server.route("/temp", Reply(302, headers={"Location": "/temp-target"}))
        server.route("/temp-target", Reply(200, page("Temporary redirect article")))
        server.route("/generic", Reply(200, page("Floods reshape the valley")))
        server.route("/gone", Reply(404, "<html><head><title>Not Found</title></head><body>gone</body></html>"))
        yield server


def appendix(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "refcheck", "appendix", *args], capture_output=True, text=True,
                            cwd=cwd, timeout=120, env=environment)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_csl_json_follows_permanent_redirects_only_replaces_generic_titles_and_marks_the_dead(site, tmp_path):
    (tmp_path / "notes.md").write_text(document(site.base_url), encoding="utf-8")
    before = date.today()
    result = appendix("notes.md", "--format", "csl-json", "--allow-private", "--cache-dir", "cache", cwd=tmp_path)
    run_dates = [[[day.year, day.month, day.day]] for day in (before, date.today())]
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)
    assert [item["id"].split("-")[0] for item in items] == ["ref2", "ref1", "ref3", "ref4"]  # citation order
    temporary, moved, generic, gone = items
    assert moved["URL"] == site.url("/new-home")  # 301: the new address
    assert temporary["URL"] == site.url("/temp")  # 302: the address as cited
    assert generic["title"] == "Floods reshape the valley" and "cited as “Example Times”" in generic["note"]
    assert moved["title"] == "Old address article" and "note" not in moved
    assert gone["title"] == "A deleted story" and gone["note"].startswith("dead link")
    assert gone["URL"] == site.url("/gone")
    assert gone["accessed"] == {"date-parts": [[2025, 6, 1]]}  # the cited date: this run could not read it
    assert moved["accessed"]["date-parts"] in run_dates  # verified by this run: accessed today
    assert site.hits("/new-home") >= 1 and site.hits("/temp-target") >= 1  # really fetched


def test_write_into_fills_the_markers_and_a_second_run_changes_nothing(site, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text(document(site.base_url), encoding="utf-8")
    options = ("--format", "markdown", "--allow-private", "--cache-dir", "cache", "--write-into", "notes.md")
    first = appendix("notes.md", *options, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout == ""  # the appendix went into the file
    written = notes.read_text(encoding="utf-8")
    inside = written.split("<!-- refcheck:appendix:start -->\n")[1].split("<!-- refcheck:appendix:end -->")[0]
    lines = inside.splitlines()
    assert [line.split(".")[0] for line in lines] == ["1", "2", "3", "4"]
    assert f"({site.url('/new-home')})" in lines[1] and f"({site.url('/temp')})" in lines[0]
    assert "[Floods reshape the valley]" in lines[2] and "**⚠ dead link**" in lines[3]
    assert written.startswith(document(site.base_url).split("<!-- refcheck")[0]) and written.endswith("\n\nFooter.\n")
    modified = notes.stat().st_mtime_ns
    second = appendix("notes.md", *options, cwd=tmp_path)  # the document now holds its own appendix
    assert second.returncode == 0, second.stderr
    assert notes.read_text(encoding="utf-8") == written
    assert notes.stat().st_mtime_ns == modified  # not even rewritten


def test_no_check_lists_the_cited_data_as_bibtex_without_fetching(site, tmp_path):
    (tmp_path / "notes.md").write_text(document(site.base_url), encoding="utf-8")
    result = appendix("notes.md", "--no-check", "--format", "bibtex", "--output", "sources.bib", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and site.requests == []
    library = bibtexparser.parse_string((tmp_path / "sources.bib").read_text(encoding="utf-8"))
    assert library.failed_blocks == []
    fields = [{name: f.value for name, f in e.fields_dict.items()} for e in library.entries]
    assert [f["url"] for f in fields] == [site.url(p) for p in ("/temp", "/moved", "/generic", "/gone")]
    assert [f["title"] for f in fields][2] == "Example Times"  # nothing fetched, so nothing replaced
    assert {f["note"] for f in fields} == {"not checked"}
    assert fields[1]["urldate"] == "2026-01-10" and "urldate" not in fields[0]


def test_html_output_and_offline_with_an_empty_cache_marks_everything_unverified(site, tmp_path):
    (tmp_path / "notes.md").write_text(document(site.base_url), encoding="utf-8")
    result = appendix("notes.md", "--format", "html", "--offline", "--cache-dir", "empty-cache", "--allow-private",
                      cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    items = LexborHTMLParser(result.stdout).css("ol > li")
    assert len(items) == 4
    assert {li.css_first(".mark").text() for li in items} == {"unverified"}
    assert site.requests == []


def test_a_file_without_markers_is_a_usage_error(site, tmp_path):
    (tmp_path / "notes.md").write_text(document(site.base_url), encoding="utf-8")
    (tmp_path / "plain.md").write_text("# No markers here\n", encoding="utf-8")
    result = appendix("notes.md", "--no-check", "--write-into", "plain.md", cwd=tmp_path)
    assert result.returncode == 2
    assert "plain.md: no <!-- refcheck:appendix:start --> marker" in result.stderr
    assert (tmp_path / "plain.md").read_text(encoding="utf-8") == "# No markers here\n"
