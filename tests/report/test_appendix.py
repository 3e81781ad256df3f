"""The appendix entries: order, titles, publishers, URLs after permanent redirects, dates and marks.

Documents are read by the real reader and findings come from the real rules; only the fetch results are made by
hand, so each case states exactly what the server answered.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from refcheck.models import FetchResult, PageFacts, Redirect, Report, UrlStatus
from refcheck.pipeline import extract_paths
from refcheck.report.appendix import Verification, build_entries
from refcheck.rules.links import link_findings
from refcheck.rules.page_checks import page_findings
from refcheck.settings import Settings

TODAY = date(2026, 12, 1)
A, B, C, D = (f"https://www.example-times.com/2026/{name}" for name in ("a", "b", "c", "d"))

DOCUMENT = f"""# Notes

The river moved [2]. The town grew [1][3].
See https://other.example.org/prose and [the guide]({A}) and https://other.example.org/prose again.

## References

1. "Town history, 1900 to 2000". Example Times. {A} Retrieved 2025-01-15.
2. "Example Times". Example Times. {B} Retrieved 2025-02-01.
3. "Bridge reopens after repairs". Example Times. {C}
4. "Never cited in the text". Example Times. {D} Retrieved 2024-12-24.
"""


def ok(url: str, title: str, site_name: str | None = "Example Times", **kwargs) -> FetchResult:
    page = PageFacts(title=title, title_candidates=(title,), site_name=site_name)
    return FetchResult(url, UrlStatus.OK, fetched_url=url, http_status=200, final_url=kwargs.pop("final_url", url),
                       page=page, **kwargs)


def checked(tmp_path, text: str, *results: FetchResult) -> Report:
    """Extract `text` for real, add the given fetch results, and apply the real network rules to them."""
    path = tmp_path / "notes.md"
    path.write_text(text, encoding="utf-8")
    extracted = extract_paths([str(path)], Settings()).documents[0]
    by_url = {result.url: result for result in results}
    findings = extracted.findings + tuple(page_findings(extracted.extraction, by_url))
    findings += tuple(link_findings(extracted.extraction, by_url))
    return Report("check", (replace(extracted, findings=findings),), urls=results)


def default_results() -> list[FetchResult]:
    return [ok(A, "Town history, 1900 to 2000 | Example Times"),
            ok(B, "Floods reshape the river valley - Example Times"),
            ok(C, "Mayor resigns over budget | Example Times"),
            ok(D, "Never cited in the text"),
            ok("https://other.example.org/prose", "Prose source page", site_name="Other Example")]


def test_citation_order_then_uncited_references_then_standalone_links(tmp_path):
    entries = build_entries(checked(tmp_path, DOCUMENT, *default_results()), TODAY)
    assert [(e.number, e.kind, e.ref, e.cited_url) for e in entries] == [
        (1, "reference", "2", B), (2, "reference", "1", A), (3, "reference", "3", C), (4, "reference", "4", D),
        (5, "link", None, "https://other.example.org/prose"),  # once, and the guide link is reference 1's own URL
    ]


def test_titles_come_from_the_page_only_when_the_cited_one_is_generic_or_wrong(tmp_path):
    entries = {e.ref: e for e in build_entries(checked(tmp_path, DOCUMENT, *default_results()), TODAY)}
    assert (entries["1"].title, entries["1"].title_source) == ("Town history, 1900 to 2000", "cited")
    # "Example Times" names only the site: the page's title, its " - Example Times" suffix stripped
    assert (entries["2"].title, entries["2"].title_source) == ("Floods reshape the river valley", "page")
    assert entries["2"].cited_title == "Example Times"
    # a title-mismatch finding: the page is another article, so its title is what the URL really holds
    assert (entries["3"].title, entries["3"].title_source) == ("Mayor resigns over budget", "page")
    links = [e for e in build_entries(checked(tmp_path, DOCUMENT, *default_results()), TODAY) if e.kind == "link"]
    assert (links[0].title, links[0].title_source, links[0].publisher) == ("Prose source page", "page", "Other Example")


def test_a_suppressed_title_mismatch_keeps_the_cited_title(tmp_path):
    report = checked(tmp_path, DOCUMENT, *default_results())
    assert any(f.rule == "title-mismatch" and f.ref == "3" for f in report.documents[0].findings)
    # an inline ignore or a disabled rule removes the finding before the report is made (pipeline._finish)
    report = replace(report, documents=(replace(report.documents[0], findings=tuple(
        f for f in report.documents[0].findings if f.rule != "title-mismatch")),))
    entry = next(e for e in build_entries(report, TODAY) if e.ref == "3")
    assert (entry.title, entry.title_source) == ("Bridge reopens after repairs", "cited")


def test_only_permanent_redirects_change_the_url(tmp_path):
    moved, temporary, chain = A + "-moved", B + "-elsewhere", C + "-new"
    results = default_results()
    results[0] = ok(A, "Town history, 1900 to 2000", final_url=moved, redirects=(Redirect(A, 301),))
    results[1] = ok(B, "Floods", final_url=temporary, redirects=(Redirect(B, 302),))
    # 308 then 302: the permanent hop's target is the new address; the temporary one after it is not
    results[2] = ok(C, "Bridge reopens after repairs", final_url=C + "-today",
                    redirects=(Redirect(C, 308), Redirect(chain, 302)))
    # 302 then 301: the cited URL still answers for itself (temporarily elsewhere)
    results[3] = ok(D, "Never cited in the text", final_url=D + "-z", redirects=(Redirect(D, 302), Redirect(D + "-y", 301)))
    entries = {e.ref: e for e in build_entries(checked(tmp_path, DOCUMENT, *results), TODAY)}
    assert entries["1"].url == moved
    assert entries["2"].url == B
    assert entries["3"].url == chain
    assert entries["4"].url == D
    assert [entries[ref].cited_url for ref in "1234"] == [A, B, C, D]


def test_a_remapped_fetch_keeps_the_url_as_written(tmp_path):
    results = default_results()
    results[0] = replace(ok(A, "Town history, 1900 to 2000", final_url="http://127.0.0.1:1/new",
                            redirects=(Redirect("http://127.0.0.1:1/a", 301),)), fetched_url="http://127.0.0.1:1/a")
    entry = next(e for e in build_entries(checked(tmp_path, DOCUMENT, *results), TODAY) if e.ref == "1")
    assert entry.url == A


@pytest.mark.parametrize("status, verification", [
    (UrlStatus.DEAD, Verification.DEAD), (UrlStatus.SOFT_404, Verification.DEAD),
    (UrlStatus.BLOCKED, Verification.UNVERIFIABLE), (UrlStatus.TIMEOUT, Verification.UNVERIFIABLE),
    (UrlStatus.ERROR, Verification.UNVERIFIABLE), (UrlStatus.OFFLINE, Verification.UNVERIFIABLE),
    (UrlStatus.UNSAFE, Verification.UNVERIFIABLE), (UrlStatus.EXCLUDED, Verification.UNVERIFIABLE),
])
def test_failed_sources_are_marked_and_keep_the_cited_data(tmp_path, status, verification):
    results = default_results()
    results[0] = FetchResult(A, status, fetched_url=A, http_status=404 if status is UrlStatus.DEAD else None,
                             final_url=A + "-moved", redirects=(Redirect(A, 301),), reason=f"because {status}")
    entry = next(e for e in build_entries(checked(tmp_path, DOCUMENT, *results), TODAY) if e.ref == "1")
    assert entry.verification is verification
    assert entry.reason == f"because {status}"
    assert (entry.url, entry.title, entry.title_source) == (A, "Town history, 1900 to 2000", "cited")
    assert (entry.accessed, entry.accessed_source) == ("2025-01-15", "cited")  # not today: the page was not read


def test_verified_sources_are_accessed_today_and_others_keep_no_invented_date(tmp_path):
    results = default_results()
    results[2] = FetchResult(C, UrlStatus.DEAD, fetched_url=C, http_status=404, reason="HTTP 404")
    entries = {e.ref: e for e in build_entries(checked(tmp_path, DOCUMENT, *results), TODAY)}
    assert (entries["1"].accessed, entries["1"].accessed_source) == ("2026-12-01", "run")
    assert (entries["3"].accessed, entries["3"].accessed_source) == (None, None)  # dead and no retrieved date
    assert entries["1"].verification is Verification.VERIFIED and entries["1"].reason is None


def test_an_unconfirmed_failure_is_unverified_not_dead(tmp_path):
    results = default_results()
    results[0] = FetchResult(A, UrlStatus.DEAD, fetched_url=A, http_status=404, reason="HTTP 404", failed_runs=1)
    report = checked(tmp_path, DOCUMENT, *results)
    extraction = report.documents[0].extraction
    unconfirmed = tuple(link_findings(extraction, {r.url: r for r in results}, confirm_dead=2))
    report = replace(report, documents=(replace(report.documents[0], findings=tuple(
        f for f in report.documents[0].findings if f.rule != "dead-link") + unconfirmed),))
    entry = next(e for e in build_entries(report, TODAY) if e.ref == "1")
    assert entry.verification is Verification.UNVERIFIABLE


def test_publisher_is_the_cited_site_else_the_page_site_name_and_a_wrong_site_is_replaced(tmp_path):
    text = DOCUMENT.replace('"Bridge reopens after repairs". Example Times.', '"Bridge reopens after repairs".')
    text = text.replace('"Never cited in the text". Example Times.', '"Never cited in the text". 読売新聞.')
    results = default_results()
    results[2] = ok(C, "Bridge reopens after repairs", site_name="Example Times Online")
    entries = {e.ref: e for e in build_entries(checked(tmp_path, text, *results), TODAY)}
    assert (entries["1"].publisher, entries["1"].publisher_source) == ("Example Times", "cited")
    assert (entries["3"].publisher, entries["3"].publisher_source) == ("Example Times Online", "page")
    # 読売新聞 is known to publish on yomiuri.co.jp: the site-mismatch finding makes the page's name win
    wrong = entries["4"]
    assert (wrong.publisher, wrong.publisher_source, wrong.cited_publisher) == ("Example Times", "page", "読売新聞")


def test_unverifiable_when_there_is_no_url(tmp_path):
    text = DOCUMENT.replace(f" {D} Retrieved", " Retrieved")
    entry = next(e for e in build_entries(checked(tmp_path, text, *default_results()), TODAY) if e.ref == "4")
    assert (entry.verification, entry.reason, entry.url) == (Verification.UNVERIFIABLE, "no URL", None)


def test_an_extract_report_marks_everything_not_checked_with_the_cited_data(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text(DOCUMENT, encoding="utf-8")
    entries = build_entries(extract_paths([str(path)], Settings()), TODAY)
    assert {e.verification for e in entries} == {Verification.NOT_CHECKED}
    by_ref = {e.ref: e for e in entries}
    assert (by_ref["2"].title, by_ref["2"].title_source, by_ref["2"].url) == ("Example Times", "cited", B)
    assert by_ref["1"].accessed == "2025-01-15" and by_ref["3"].accessed is None
    assert all(e.status is None for e in entries)


def test_keys_are_stable_unique_ascii_and_do_not_depend_on_the_run_date(tmp_path):
    text = DOCUMENT + f'5. "重複". 例新聞. {A} Retrieved 2025-01-15.\n'
    first = build_entries(checked(tmp_path, text, *default_results()), TODAY)
    later = build_entries(checked(tmp_path, text, *default_results()), date(2031, 5, 5))
    keys = [e.key for e in first]
    assert keys == [e.key for e in later]
    assert len(set(keys)) == len(keys)
    assert all(key.isascii() and " " not in key for key in keys)
    by_ref = {e.ref: e.key for e in first}
    assert by_ref["1"] == "ref1-example-times-2025"
    assert by_ref["3"] == "ref3-example-times"  # no retrieved date, no page date: no year rather than today's


def test_keys_stay_unique_across_documents(tmp_path):
    (tmp_path / "a.md").write_text(DOCUMENT, encoding="utf-8")
    (tmp_path / "b.md").write_text(DOCUMENT, encoding="utf-8")
    entries = build_entries(extract_paths([str(tmp_path / "a.md"), str(tmp_path / "b.md")], Settings()), TODAY)
    assert [e.number for e in entries] == [1, 2, 3, 4, 5] * 2  # each document numbered from 1
    assert len({e.key for e in entries}) == 10
    assert len({e.document for e in entries}) == 2


def test_the_appendix_region_of_the_document_is_not_a_source(tmp_path):
    text = DOCUMENT + ("\n## Sources\n\n<!-- refcheck:appendix:start -->\n"
                       "1. [Moved](https://www.example-times.com/2026/a-moved). Example Times.\n"
                       "<!-- refcheck:appendix:end -->\n")
    entries = build_entries(checked(tmp_path, text, *default_results()), TODAY)
    assert "https://www.example-times.com/2026/a-moved" not in {e.cited_url for e in entries}
    assert len(entries) == 5


def test_a_wrong_site_without_a_page_site_name_gives_the_url_domain(tmp_path):
    text = DOCUMENT.replace('"Never cited in the text". Example Times.', '"Never cited in the text". 読売新聞.')
    results = default_results()
    results[3] = ok(D, "Never cited in the text", site_name=None)
    entry = next(e for e in build_entries(checked(tmp_path, text, *results), TODAY) if e.ref == "4")
    assert (entry.publisher, entry.publisher_source, entry.cited_publisher) == ("example-times.com", "url", "読売新聞")


def test_a_dead_source_links_its_archive_copy_in_every_format(tmp_path):
    import json as json_module
    from dataclasses import replace as replace_field
    from datetime import date as date_type

    from refcheck.models import FetchResult, UrlStatus
    from refcheck.pipeline import extract_paths
    from refcheck.report.appendix import build_entries
    from refcheck.report.appendix_formats import render_bibtex, render_csl_json, render_html, render_markdown
    from refcheck.settings import Settings

    path = tmp_path / "doc.txt"
    path.write_text('Assistant: a edit\n本文です。[1]\nReferences edit\n'
                    '- ↑ "消えた記事". 例新聞. Retrieved 2025-12-26. https://news.example.jp/gone\n', encoding="utf-8")
    extracted = extract_paths([str(path)], Settings())
    copy = "https://web.archive.org/web/20251226093000/https://news.example.jp/gone"
    dead = FetchResult(url="https://news.example.jp/gone", status=UrlStatus.DEAD, http_status=404, reason="HTTP 404",
                       archive_url=copy, archived_at="2025-12-26T09:30:00Z")
    report = replace_field(extracted, command="check", urls=(dead,))
    (entry,) = build_entries(report, date_type(2026, 11, 28))
    assert entry.archive_url == copy and entry.archived_at.startswith("2025-12-26")
    assert f"[Archived copy]({copy}), taken 2025-12-26." in render_markdown([entry])
    assert f'<a class="archive" href="{copy}">Archived copy</a>' in render_html([entry])
    assert copy in json_module.loads(render_csl_json([entry]))[0]["note"]
    assert "archived copy" in render_bibtex([entry])
