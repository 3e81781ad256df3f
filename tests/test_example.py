"""The bundled demo example: its references read as intended, and its pages exist (or not) as its README says."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from refcheck.extract.text import extract
from refcheck.models import Document, Format

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXPORT = EXAMPLES / "ai-policy-ja.txt"
PAGES = EXAMPLES / "pages"
DEAD_URL = "https://www.example-news.jp/articles/2026/11/local-ai-trial.html"


@pytest.fixture(scope="module")
def example():
    return extract(Document(path=str(EXPORT), format=Format.TEXT, text=EXPORT.read_text(encoding="utf-8")))


def page_file(url: str) -> Path:
    parts = urlsplit(url)
    path = PAGES / parts.hostname / parts.path.lstrip("/")
    return path / "index.html" if parts.path.endswith("/") else path


def test_every_reference_has_a_title_site_date_and_the_first_nine_a_url(example):
    assert [r.id for r in example.references] == [str(n) for n in range(1, 14)]
    for reference in example.references:
        assert reference.title and reference.site
        assert reference.retrieved == "2026-11-20"
        assert bool(reference.url) == (int(reference.id) <= 9)  # 10-13: for resolution


def test_markers_include_exactly_one_missing_reference(example):
    ids = {r.id for r in example.references}
    assert sorted({m.ref for m in example.markers} - ids) == ["15"]
    assert {m.ref for m in example.markers} >= ids  # no unused reference to muddy the demo


def test_pages_exist_except_the_dead_one(example):
    missing = [r.url for r in example.references if r.url and not page_file(r.url).is_file()]
    assert missing == [DEAD_URL]
    for link in example.links:
        assert urlsplit(link.url).hostname.endswith((".jp", ".example")), "the example must cite made-up hosts only"


def test_shift_jis_page_declares_its_charset_and_is_not_utf8():
    body = page_file("https://www.example-keizai.co.jp/news/20261118/ai-newco/").read_bytes()
    assert b'<meta charset="shift_jis">' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "総額2兆円" in body.decode("shift_jis")


def test_contradicted_and_supported_numbers_are_where_the_readme_says(example):
    contradicted = page_file("https://www.example-news24.jp/news/2026/1119/ai-model.html").read_text(encoding="utf-8")
    assert "5,000億円" in contradicted and "1兆円" not in contradicted
    claim = next(b.text for b in example.blocks if b.line == 18)
    assert "1兆円" in claim
    supported = page_file("https://www.example-news.jp/articles/2026/11/ai-basic-plan.html").read_text(encoding="utf-8")
    assert all(fact in supported for fact in ("2027年度", "3万人", "1200億円"))
    assert "三万人" in next(b.text for b in example.blocks if b.line == 9)


def test_every_page_is_a_whole_html_document():
    pages = sorted(PAGES.rglob("*.html"))
    assert len(pages) == 13
    for page in pages:
        text = page.read_bytes().decode("shift_jis" if "example-keizai" in str(page) else "utf-8")
        for part in ("<title>", 'property="og:site_name"', "<nav", "<article>", "<footer>"):
            assert part in text, f"{page} lacks {part}"


def test_readme_lines_match_the_export(example):
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for match in re.finditer(r"\| line (\d+), `\[(\d+)\]`", readme):
        line, ref = int(match.group(1)), match.group(2)
        assert next(r.line for r in example.references if r.id == ref) == line
