"""lychee's and markdown-link-check's fixtures, case by case, against what those projects' own tests assert.

Each case names the fixture, the upstream test and what it asserts (lychee @ 3d6c1b6, markdown-link-check @ 1dce945,
read from their test code), and checks refcheck's answer. A case either agrees, or differs for a reason written
here and in docs/benchmarks.md ("Local links: lychee and markdown-link-check fixtures"); the test then holds refcheck
to its documented answer, so a change either way shows up. No network: only extraction and local checks run
(remote URLs are compared as extracted, never fetched). Skips cleanly without ../shared.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from refcheck.extract import extract
from refcheck.extract.urls import is_fetchable_url
from refcheck.models import Document, Format
from refcheck.pipeline import extract_paths, local_results
from refcheck.settings import CacheSettings, LocalSettings, Settings
from tests.conftest import CORPORA, need_shared

LYCHEE = CORPORA / "lychee" / "fixtures"
MLC = CORPORA / "markdown-link-check" / "test"
BENCHMARKS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class Case:
    id: str
    upstream: str  # the upstream test
    verdict: str  # "agrees" | "differs"


CASES: list[Case] = []
CHECKS = {}


def case(id: str, upstream: str, verdict: str = "agrees"):
    def register(function):
        CASES.append(Case(id, upstream, verdict))
        CHECKS[id] = function
        return function

    return register


# ---- helpers -----------------------------------------------------------------------------------------------


def _extracted(path: Path, fmt: Format | None = None):
    fmt = fmt or (Format.HTML if path.suffix.startswith(".htm") else Format.MARKDOWN)
    return extract(Document(str(path), fmt, path.read_text(encoding="utf-8")))


def _remote(path: Path, fmt: Format | None = None) -> set[str]:
    extraction = _extracted(path, fmt)
    urls = {link.url for link in extraction.links if is_fetchable_url(link.url)}
    return urls | {r.url for r in extraction.references if r.url and is_fetchable_url(r.url)}


def _all_urls(path: Path, fmt: Format | None = None) -> list[str]:
    extraction = _extracted(path, fmt)
    return [link.url for link in extraction.links] + [r.url for r in extraction.references if r.url]


def _checked(paths: list[Path], **local) -> list[tuple[str, str, str]]:
    """(document name, href, status) of every local link, in order, as `refcheck check` finds it on disk."""
    settings = Settings(cache=CacheSettings(enabled=False), local=LocalSettings(**local))
    report = extract_paths([str(p) for p in paths], settings)
    return [(Path(document.document.path).name, result.url, result.status)
            for document, results in zip(report.documents, local_results(report.documents, settings))
            for result in sorted(results, key=lambda r: r.line)]


def _local(paths: list[Path], **local) -> dict[tuple[str, str], str]:
    """(document name, href) → status (hrefs written once each in these fixtures)."""
    checked = _checked(paths, **local)
    found = {(name, href): status for name, href, status in checked}
    assert len(found) == len(checked)
    return found


def _copy(source: Path, destination: Path) -> Path:
    if source.is_dir():
        shutil.copytree(source, destination)
    else:
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, destination)
    return destination


# ---- lychee: HTML extraction (lychee-lib/src/extract/mod.rs) --------------------------------------------------


@case("lychee/TEST_HTML5.html", "extract/mod.rs::test_extract_html5_not_valid_xml")
def _html5(tmp_path):
    # Absolute URLs expected; the test drops relative ones (no base), which refcheck keeps as local assets.
    assert _remote(LYCHEE / "TEST_HTML5.html") == {
        "https://example.com/head/home", "https://example.com/css/style_full_url.css",
        "https://example.com/body/a", "https://example.com/body/div_empty_a"}
    links = _extracted(LYCHEE / "TEST_HTML5.html").links
    assert {(link.url, link.kind) for link in links if not is_fetchable_url(link.url)} == {
        ("images/icon.png", "asset"), ("css/style_relative_url.css", "asset"), ("js/script.js", "asset")}


@case("lychee/TEST_HTML5_LOWERCASE_DOCTYPE.html", "extract/mod.rs::test_extract_html5_lowercase_doctype")
def _lowercase(tmp_path):
    assert _remote(LYCHEE / "TEST_HTML5_LOWERCASE_DOCTYPE.html") == {"https://example.com/body/a"}


@case("lychee/TEST_HTML5_MINIFIED.html", "extract/mod.rs::test_extract_html5_minified")
def _minified(tmp_path):
    assert _remote(LYCHEE / "TEST_HTML5_MINIFIED.html") == {  # rel=preconnect left out
        "https://example.com/", "https://example.com/favicon.ico", "https://example.com/docs/",
        "https://example.com/forum"}


@case("lychee/TEST_HTML5_MALFORMED_LINKS.html", "extract/mod.rs::test_extract_html5_malformed", "differs")
def _malformed(tmp_path):
    # lychee drops both malformed hrefs (its URL parser refuses them). refcheck keeps `https://example]org/…`
    # (reported by invalid-url, not fetched) and reads `https;//…` (no scheme) as a relative path.
    links = {link.url for link in _extracted(LYCHEE / "TEST_HTML5_MALFORMED_LINKS.html").links}
    assert links == {"https;//example.com/malformed_one", "https://example]org/malformed_two",
                     "https://example.com/valid"}


@case("lychee/TEST_HTML5_CUSTOM_ELEMENTS.html", "extract/mod.rs::test_extract_html5_custom_elements")
def _custom(tmp_path):
    assert _remote(LYCHEE / "TEST_HTML5_CUSTOM_ELEMENTS.html") == {
        "https://example.com/some-weird-element", "https://example.com/even-weirder-src",
        "https://example.com/even-weirder-href", "https://example.com/citations"}


@case("lychee/TEST_VERBATIM.html", "cli.rs::test_verbatim_skipped_by_default_via_file")
def _verbatim_html(tmp_path):
    assert _all_urls(LYCHEE / "TEST_VERBATIM.html") == []  # `--dump` prints nothing


@case("lychee/TEST_CODE_BLOCKS.md", "cli.rs::test_verbatim_skipped_by_default")
def _verbatim_markdown(tmp_path):
    assert _all_urls(LYCHEE / "TEST_CODE_BLOCKS.md") == []


@case("lychee/mdx/test.mdx", "cli.rs::test_mdx_file")
def _mdx(tmp_path):
    from refcheck.documents import read_document

    document = read_document(LYCHEE / "mdx" / "test.mdx")
    assert document.format is Format.MARKDOWN
    assert "https://example.com" in [link.url for link in extract(document).links]


@case("lychee/TEST_QUARTO.qmd", "cli.rs::test_quarto_treated_as_markdown")
def _quarto(tmp_path):
    from refcheck.documents import read_document

    urls = [link.url for link in extract(read_document(LYCHEE / "TEST_QUARTO.qmd")).links]
    assert "https://example.com" in urls and not any("posit" in u or "inline.example" in u for u in urls)


@case("lychee/LINK_PERIOD.html", "cli.rs::test_extract_url_ending_with_period_file")
def _period(tmp_path):
    assert _all_urls(LYCHEE / "LINK_PERIOD.html") == ["https://www.example.com/smth."]


@case("lychee/TEST_STYLESHEET_LINK.md", "cli.rs::test_stylesheet_misinterpreted_as_email")
def _stylesheet(tmp_path):
    assert _all_urls(LYCHEE / "TEST_STYLESHEET_LINK.md") == []  # `<link href="/@global/…" rel=stylesheet>`: 0 total


@case("lychee/TEST_DATA_URIS.html", "data_uris.rs::test_dont_dump_data_uris_by_default")
def _data_uris(tmp_path):
    assert sorted(_all_urls(LYCHEE / "TEST_DATA_URIS.html")) == [
        "http://localhost/assets/img/bg-water.webp", "http://www.w3.org/2000/svg"]


@case("lychee/TEST_EMAIL.md", "cli.rs::test_exclude_email_by_default", "differs")
def _email(tmp_path):
    # lychee: 3 total, 2 excluded (mail addresses), 1 ok. refcheck lists no mail addresses (it checks none).
    assert _all_urls(LYCHEE / "TEST_EMAIL.md") == ["https://endler.dev"]


@case("lychee/TEST_EMAIL_QUERY_PARAMS.md+.html", "cli.rs::test_email_markdown_with_subject (+ _html_)", "differs")
def _email_query(tmp_path):
    # lychee --include-mail dumps `hello@example.org?subject=%5BHello%5D`; refcheck recognises mailto: and skips it.
    for name in ("TEST_EMAIL_QUERY_PARAMS.md", "TEST_EMAIL_QUERY_PARAMS.html"):
        assert not any("hello@example.org" in url for url in _all_urls(LYCHEE / name))


@case("lychee/TEST_SCHEMES.md", "cli.rs::test_schemes", "differs")
def _schemes(tmp_path):
    # lychee: 3 total (https, http, slack://), the slack one excluded by --scheme. refcheck finds URLs in prose only
    # for http(s), so `slack://…` is not a link at all: 2 total.
    assert sorted(_all_urls(LYCHEE / "TEST_SCHEMES.md")) == ["http://example.com", "https://example.com"]


# ---- lychee: local files and fragments (lychee-bin/tests/cli.rs) ------------------------------------------------

_FRAGMENTS_OK = [
    "empty_dir", "empty_file#fragment", "file1.md#code-heading", "file1.md#explicit-fragment",
    "file1.md#f%C3%BCnf-s%C3%9C%C3%9Fe-%C3%84pfel", "file1.md#f%C3%BCnf-s%C3%BC%C3%9Fe-%C3%A4pfel",
    "file1.md#fragment-1", "file1.md#fragment-2", "file1.md#IGNORE-CASING", "file1.md#kebab-case-fragment",
    "file1.md#kebab-case-fragment-1", "file1.md#lets-wear-a-hat-%C3%AAtre", "file2.md#", "file2.md#custom-id",
    "file2.md#fragment-1", "file2.md#top", "file.html#", "file.html#a-word", "file.html#in-the-beginning",
    "file.html#tangent%3A-kustomize", "file.html#top", "file.html#Upper-%C3%84%C3%96%C3%B6", "sub_dir", "zero.bin",
    "zero.bin#", "zero.bin#fragment"]
_FRAGMENTS_BAD = [
    "sub_dir_non_existing_1", "sub_dir#non-existing-fragment-2", "sub_dir#a-link-inside-index-html-inside-sub-dir",
    "empty_dir#non-existing-fragment-3", "file2.md#missing-fragment", "sub_dir#non-existing-fragment-1",
    "sub_dir_non_existing_2", "file1.md#missing-fragment", "empty_dir#non-existing-fragment-4", "file.html#in-the-end",
    "file.html#in-THE-begiNNing"]


@case("lychee/fragments/", "cli.rs::test_fragments", "differs")
def _fragments(tmp_path):
    folder = LYCHEE / "fragments"
    documents = [folder / "file1.md", folder / "file2.md", folder / "file.html"]
    by_target: dict[str, set[str]] = {}
    for document, href, status in _checked(documents):
        target = href if not href.startswith("#") else f"{document}{href}"
        by_target.setdefault(re.sub(r"^\./|/(?=#|$)", "", target), set()).add(status)

    def ok(target: str) -> bool:
        return by_target[target] == {"ok"}

    # The one difference: a directory stands for its index file by default in refcheck (index.md, README.md,
    # index.html), so `sub_dir#a-link-inside-…` finds its anchor in sub_dir/index.html. lychee looks for no index
    # file unless --index-files is given, and then a directory has no fragments.
    expected_bad = [t for t in _FRAGMENTS_BAD if t != "sub_dir#a-link-inside-index-html-inside-sub-dir"]
    assert ok("sub_dir#a-link-inside-index-html-inside-sub-dir")
    assert [t for t in _FRAGMENTS_OK if not ok(t)] == []
    assert [t for t in expected_bad if ok(t) or "ok" in by_target[t]] == []
    # Remote links of the fixture (github.com, raw.githubusercontent.com) are not fetched here.


@case("lychee/TEST_LOCAL_DIRECTORIES.md", "cli.rs::test_local_directories", "differs")
def _directories(tmp_path):
    # lychee: 4 total, 4 ok. `../docs/` is lychee's own docs/ folder next to fixtures/ (rebuilt here; reachable with
    # --root-dir at the project). `file:///` and `file:///dev/` are outside everything refcheck may look at
    # (documents come from strangers), so they are unresolved.
    document = _copy(LYCHEE / "TEST_LOCAL_DIRECTORIES.md", tmp_path / "fixtures" / "TEST_LOCAL_DIRECTORIES.md")
    (tmp_path / "docs").mkdir()
    results = _local([document], root_dir=tmp_path)
    assert results == {("TEST_LOCAL_DIRECTORIES.md", "file:///"): "unresolved",
                       ("TEST_LOCAL_DIRECTORIES.md", "file:///dev/"): "unresolved",
                       ("TEST_LOCAL_DIRECTORIES.md", "."): "ok", ("TEST_LOCAL_DIRECTORIES.md", "../docs/"): "ok"}


@case("lychee/filechecker/dir_links.md", "cli.rs::test_index_files_default")
def _index_default(tmp_path):
    # The dir links exist (both tools); `empty_dir#fragment` fails (no index file, so no fragments). For
    # `index_dir#fragment` see the next case.
    results = _local([LYCHEE / "filechecker" / "dir_links.md"])
    assert results[("dir_links.md", "empty_dir")] == "ok" and results[("dir_links.md", "index_dir")] == "ok"
    assert results[("dir_links.md", "empty_dir#fragment")] == "missing-fragment"


@case("lychee/filechecker/dir_links.md (index_dir#fragment)", "cli.rs::test_index_files_default", "differs")
def _index_default_fragment(tmp_path):
    # lychee without --index-files gives directories no fragments, so `index_dir#fragment` fails there; refcheck
    # reads index_dir/index.html (a default index file), which has <p id="fragment">: ok.
    assert _local([LYCHEE / "filechecker" / "dir_links.md"])[("dir_links.md", "index_dir#fragment")] == "ok"


@case("lychee/filechecker/dir_links.md --index-files", "cli.rs::test_index_files_specified", "differs")
def _index_specified(tmp_path):
    # lychee --index-files index.html,index.htm rejects both empty_dir links ("Cannot find index file"). refcheck
    # accepts a directory without an index file when there is no fragment (GitHub shows its listing), and
    # reports only the fragment one.
    results = _local([LYCHEE / "filechecker" / "dir_links.md"], index_files=("index.html", "index.htm"))
    assert results[("dir_links.md", "empty_dir")] == "ok"
    assert results[("dir_links.md", "empty_dir#fragment")] == "missing-fragment"
    assert results[("dir_links.md", "index_dir")] == "ok"


@case("lychee/resolve_paths/", "cli.rs::test_resolve_paths (--base-url DIR = refcheck --root-dir DIR)")
def _resolve_paths(tmp_path):
    folder = LYCHEE / "resolve_paths"
    results = _local([folder / "index.html"], root_dir=folder)
    assert len(results) == 3 and set(results.values()) == {"ok"}  # 3 total, 3 ok


@case("lychee/resolve_paths_from_root_dir/", "cli.rs::test_resolve_paths_from_root_dir")
def _root_dir(tmp_path):
    folder = LYCHEE / "resolve_paths_from_root_dir"
    results = _local([folder / "nested" / "index.html"], root_dir=folder)
    statuses = sorted(results.values())
    assert len(results) == 7 and statuses.count("ok") == 5  # 7 total, 5 ok, 2 errors
    assert results[("index.html", "/nested/about/index.html#missing")] == "missing-fragment"
    assert results[("index.html", "#bad")] == "missing-fragment"


@case("lychee/offline/", "cli.rs::test_absolute_local_links_without_base")
def _no_root(tmp_path):
    results = _local([LYCHEE / "offline" / "index.html"])  # 5 errors "Cannot resolve root-relative link"
    assert len(results) == 5 and set(results.values()) == {"unresolved"}


@case("lychee/fragments-fallback-extensions/", "cli.rs::test_fragments_fallback_extensions", "differs")
def _fallback(tmp_path):
    # lychee --fallback-extensions=html finds sub_dir/index.html for `sub_dir/index#valid-id` (1 ok, 2 errors).
    # refcheck has no fallback extensions: all three links fail (the first as a missing file).
    results = _local([LYCHEE / "fragments-fallback-extensions" / "index.html"])
    assert results[("index.html", "sub_dir/index#valid-id")] == "dead"
    assert results[("index.html", "sub_dir/index#invalid-id")] == "dead"
    assert results[("index.html", "empty_dir#invalid-id")] == "missing-fragment"


@case("lychee/double-count/", "cli.rs::test_no_double_count")
def _double_count(tmp_path):
    folder = LYCHEE / "double-count"
    results = _checked([folder / "index.md", folder / "home.md"])  # 6 total, 3 unique targets, all ok
    assert len(results) == 6 and {status for _, _, status in results} == {"ok"}
    assert len({href for _, href, _ in results}) == 3


@case("lychee/TEST_WIKI.md", "cli.rs::test_wikilink_dont_extract_when_not_specified")
def _wiki(tmp_path):
    # Without --include-wikilinks lychee extracts nothing from `[[…]]`; refcheck has no wikilink mode at all.
    assert not any("[[" in url for url in _all_urls(LYCHEE / "TEST_WIKI.md"))


# ---- markdown-link-check (test/markdown-link-check.test.js) ----------------------------------------------------

_HASH_LINKS = {
    "#foo": "ok", "#bar": "ok", "#does-not-exist": "missing-fragment", "#potato": "missing-fragment",
    "#tomato_id": "ok", "#tomato_name": "ok", "#tomato_id_single_quote": "ok", "#tomato_name_single_quote": "ok",
    "#tomato_code": "missing-fragment", "#tomato_escaped_backticks": "ok", "#tomato_comment": "missing-fragment",
    "#onion": "ok", "#onion_outer": "ok", "#onion_inner": "ok", "#header-with-special-char-at-end-": "ok",
    "#header-with-multiple-special-chars-at-end-": "ok", "#header-with-special--char": "ok",
    "#header-with-multiple-special--chars": "ok", "#header-with-german-umlaut-%C3%B6": "ok",
    "#header-with-german-umlaut-%C3%B6-manual-encoded-link": "ok", "#heading-with-a-link": "ok",
    "#heading-with-an-anchor-link": "ok", "#--docker": "ok", "#step-7---lint--test": "ok",
    "#product-owner--design-approval": "ok", "#migrating-from--v1180": "ok",
    "#clientserver-examples-using--networkpeer": "ok", "#somewhere": "ok", "#this-header-is-linked": "ok",
    "#l-is-the-package-in-the-linux-distro-base-image": "ok"}


@case("mlc/hash-links.md", "check hash links")
def _hash_links(tmp_path):
    checked = _checked([MLC / "hash-links.md"])
    results = {href: status for _, href, status in checked}  # markdown-link-check reports each link once
    assert len(checked) == 31 and results == _HASH_LINKS  # the one remote link (github.com) is not fetched here


@case("mlc/section-links.md", "should check section links to headers in section-links.md")
def _section_links(tmp_path):
    # baseUrl https://BASEURL is the page's own address: here the page is the root index under --base-url.
    document = _copy(MLC / "section-links.md", tmp_path / "index.md")
    results = _local([document], base_url="https://BASEURL", root_dir=tmp_path)
    dead = {"#level-two-headingg", "#test-same-name-repeating-2", "#this-is-a-comment-in-a-code-block"}
    assert len(results) == 10
    assert {href for (_, href), status in results.items() if status != "ok"} == dead


@case("mlc/section-links.md (exit code)", "CLI: exits with 1 if any link is broken", "differs")
def _section_exit(tmp_path):
    # markdown-link-check exits 1 for a missing heading; in refcheck missing-fragment is a warning, so the exit is 1
    # only with --fail-on warning (default: error). Held by tests/test_local_links.py::test_exit_codes.
    from refcheck.rules.registry import RULES

    assert str(RULES["missing-fragment"].severity) == "warning"


@case("mlc/alive-links-only.md", "CLI: exits with 0 if all links are ok")
def _alive(tmp_path):
    assert set(_local([MLC / "alive-links-only.md"]).values()) == {"ok"}


@case("mlc/local-file.md", "should check the links in local-file.md", "differs")
def _local_file(tmp_path):
    # Their test replaces %%BASE_URL%% by file://<test dir> and maps `/` to the project root (the test dir's
    # parent): 4 alive, 2 dead. refcheck: --root-dir at the project root; same 6 answers. It also reports the four
    # `goodbye.jpg` links that markdown-link-check's own `markdown-link-check-disable` comments hide (refcheck's
    # equivalent is `<!-- refcheck: ignore -->`).
    root = _copy(MLC.parent, tmp_path / "project")
    document = root / "test" / "local-file.md"
    document.write_text(document.read_text(encoding="utf-8").replace("%%BASE_URL%%", (root / "test").as_uri()),
                        encoding="utf-8")
    results = _checked([document], root_dir=root)
    assert [status for _, _, status in results[:6]] == ["ok", "ok", "ok", "ok", "dead", "dead"]
    assert [(href, status) for _, href, status in results[6:]] == [("goodbye.jpg", "dead")] * 4


@pytest.mark.parametrize("name", [c.id for c in CASES])
def test_fixture_case(name, tmp_path):
    need_shared(LYCHEE)
    need_shared(MLC)
    CHECKS[name](tmp_path)


def test_every_case_is_in_the_benchmarks_table():
    text = BENCHMARKS.read_text(encoding="utf-8")
    for item in CASES:
        row = next((line for line in text.splitlines() if line.startswith(f"| `{item.id}` |")), None)
        assert row is not None, item.id
        assert f"| {item.verdict} |" in row, item.id
