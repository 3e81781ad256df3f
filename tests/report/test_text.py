"""The text report a person reads: one entry per problem with its reasons inside, each naming what it is about,
and a summary that opens with what matters."""

from __future__ import annotations

from refcheck.models import (Document, DocumentReport, Extraction, Finding, Format, Reference, Report,
                             Severity)
from refcheck.report import text
from refcheck.rules.registry import finding


def _report(*findings: Finding, references: tuple[Reference, ...] = ()) -> Report:
    document = Document("doc.md", Format.MARKDOWN, "")
    return Report("check", (DocumentReport(document, Extraction(references=references), findings),))


def _headings(rendered: str) -> list[str]:
    return [line for line in rendered.splitlines() if line.startswith("  doc.md")]


def test_two_dead_links_on_one_line_are_two_entries_each_naming_its_url():
    rendered = text.render(_report(
        Finding("dead-link", Severity.ERROR, "dead link: HTTP 404", line=3, url="https://a.example/x"),
        Finding("dead-link", Severity.ERROR, "dead link: HTTP 404", line=3, url="https://b.example/y")))
    headings = _headings(rendered)
    assert len(headings) == 2 and headings[0] != headings[1]
    assert "https://a.example/x" in headings[0] and "https://b.example/y" in headings[1]


def test_a_reference_with_no_url_and_a_generic_title_is_one_entry():
    reference = Reference("4", 9, title="Impress Watch", site="Impress Watch")
    rendered = text.render(_report(
        finding("generic-title", 'reference [4] is titled only "Impress Watch", the name of a site', line=9, ref="4",
                evidence={"cited_title": "Impress Watch"}),
        finding("no-url", "reference [4] has no URL: nothing can be fetched to verify it", line=9, ref="4"),
        references=(reference,)))
    headings = _headings(rendered)
    assert len(headings) == 1
    assert "generic-title, no-url" in headings[0] and "[4] “Impress Watch”" in headings[0]
    body = rendered.split(headings[0], 1)[1].split("Summary")[0]
    assert "generic-title: reference [4]" in body and "no-url: reference [4]" in body
    assert "cited title" not in body  # the heading already names it


def test_a_claims_sentence_is_printed_once():
    sentence = "経済産業省は、国産AI基盤モデルの開発に5年間で1兆円を支援すると報じられています。"
    rendered = text.render(_report(
        finding("unsupported-claim", "Partly supported by the cited source: the source says 5,000億円 (support 0.65).",
                line=18, ref="2", evidence={"claim": sentence, "contradictions": [["1兆円", "5,000億円"]]}),
        finding("uncited-claim", f"Factual claim cites no source: “{sentence}” — looks factual because of number: 1兆円.",
                line=18, evidence={"sentence": sentence, "reasons": ["number: 1兆円"]})))
    assert rendered.count(sentence) == 1  # in the entry's heading; the summary shows a shortened form
    headings = _headings(rendered)
    assert len(headings) == 1 and "unsupported-claim, uncited-claim" in headings[0]
    assert "source says otherwise: 1兆円 → 5,000億円" in rendered


def test_the_summary_opens_with_sources_that_do_not_exist_and_unsupported_claims():
    rendered = text.render(_report(
        finding("uncited-claim", "Factual claim cites no source: “A.”", line=1, evidence={"sentence": "A."}),
        finding("no-url", "reference [2] has no URL", line=5, ref="2"),
        finding("unsupported-claim", "Not supported", line=2, ref="3", evidence={"claim": "B happened in 2020."}),
        finding("dead-link", "dead link: HTTP 404", line=6, ref="3", url="https://gone.example/"),
        finding("duplicate-reference", "same URL as [3]", line=7, ref="4")))
    summary = rendered.split("\nSummary\n", 1)[1].splitlines()
    assert summary[0].startswith("  sources that do not exist or are gone (1): [3]")
    assert summary[1].startswith("  claims their cited source does not support (1): “B happened in 2020.”")
    assert summary[2].startswith("  factual claims that cite no source (1)")
    assert summary[3].startswith("  sources that could not be checked (1): [2]")
    # info findings (duplicate-reference) stay out of a default report, and out of its summary
    assert "duplicate-reference" not in rendered.split("findings by rule")[0]
    verbose = text.render(_report(finding("duplicate-reference", "same URL as [3]", line=7, ref="4")), verbose=True)
    assert "problems in the reference list and links (1)" in verbose


def test_a_rule_the_summary_does_not_know_is_still_counted():
    rendered = text.render(_report(Finding("brand-new-rule", Severity.WARNING, "something", line=1, url="https://x.example/")))
    assert "other findings (1): https://x.example/" in rendered


def test_the_url_is_not_repeated_when_the_message_names_it():
    rendered = text.render(_report(
        Finding("redirect", Severity.INFO, "permanently moved from https://a.example/ to https://b.example/", line=1,
                url="https://a.example/")), verbose=True)
    heading = _headings(rendered)[0]
    assert "redirect" in heading and heading.count("https://a.example/") == 1
