"""Property tests over hostile input, a few examples each so the suite stays fast: the long campaign is `make fuzz`
(tests/fuzz_campaign.py, the same targets with many more examples). Targets and strategies: tests/fuzzing.py."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refcheck.models import Format
from tests import fuzzing

QUICK = settings(max_examples=12, deadline=timedelta(seconds=5), database=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@QUICK
@given(fuzzing.document_bytes(Format.TEXT), st.integers(0, 1000))
def test_conversation_exports_never_crash(data, seed):
    fuzzing.check_document(Format.TEXT, data, seed)


@QUICK
@given(fuzzing.document_bytes(Format.MARKDOWN), st.integers(0, 1000))
def test_markdown_never_crashes(data, seed):
    fuzzing.check_document(Format.MARKDOWN, data, seed)


@QUICK
@given(fuzzing.document_bytes(Format.HTML), st.integers(0, 1000))
def test_html_never_crashes(data, seed):
    fuzzing.check_document(Format.HTML, data, seed)


@QUICK
@given(fuzzing.document_bytes(Format.WIKITEXT), st.integers(0, 1000))
def test_wikitext_never_crashes(data, seed):
    fuzzing.check_document(Format.WIKITEXT, data, seed)


@QUICK
@given(fuzzing.page_bytes(), fuzzing.content_types)
def test_fetched_pages_never_crash_the_page_reader_rules_or_reporters(body, content_type):
    fuzzing.check_page(body, content_type)


@settings(QUICK, max_examples=30)
@given(fuzzing.url_text)
def test_urls_never_crash_and_the_rule_agrees_with_the_fetcher(url):
    fuzzing.check_url(url)


@QUICK
@given(fuzzing.json_values, st.lists(st.integers(0, 50), min_size=1, max_size=6))
def test_a_damaged_json_report_is_refused_or_rendered(value, path):
    fuzzing.check_report_json(value, tuple(path))


@QUICK
@given(fuzzing.nasty_text, fuzzing.nasty_text, fuzzing.nasty_text, fuzzing.url_text)
def test_no_reporter_passes_a_hidden_character_through(title, message, path, url):
    fuzzing.check_report_strings(title, message, path, url)


@settings(QUICK, max_examples=5)
@given(data=st.one_of(*(fuzzing.document_bytes(f) for f in fuzzing.TEXT_FORMATS)), suffix=st.sampled_from(fuzzing.CLI_SUFFIXES),
       report_format=st.sampled_from(fuzzing.CLI_FORMATS))
def test_the_extract_command_ends_in_a_report_or_a_one_line_error(tmp_path_factory, data, suffix, report_format):
    fuzzing.check_cli(data, suffix, report_format, tmp_path_factory.mktemp("cli"))
