"""The streamed text report (report/text.py `write`) is `render`'s text, and `extract` streams it to a file and to
stdout instead of building it whole (a 200 MB export's report would otherwise be held as a buffer, a string and
encoded bytes at once)."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner

from refcheck.cli import cli
from refcheck.pipeline import extract_paths
from refcheck.report import text as text_report
from refcheck.settings import Settings
from tests.report.sample_report import sample_report


@pytest.mark.parametrize("command", ["check", "extract"])
@pytest.mark.parametrize("options", [{}, {"verbose": True}, {"quiet": True}, {"color": True, "width": 60}])
def test_the_stream_is_render(command, options):
    report = sample_report(command)
    sink = io.StringIO()
    text_report.write(report, sink, **options)
    assert sink.getvalue() == text_report.render(report, **options)
    assert sink.getvalue()


def test_extract_streams_text_to_a_file_and_to_stdout(tmp_path, monkeypatch):
    document = tmp_path / "answer.md"
    document.write_text("# 回答\n\n日本のAI研究者は約2万人とされる。[1]\n\n1. [出典](https://example.com/a)\n",
                        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    expected = text_report.render(extract_paths([str(document)], Settings()))
    assert "missing-reference" in expected

    def no_whole_render(*args, **kwargs):  # extract must not build the whole text
        raise AssertionError("render() called: the report was built whole")

    monkeypatch.setattr(text_report, "render", no_whole_render)
    result = CliRunner().invoke(cli, ["extract", str(document), "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    assert result.stdout == expected
    out = tmp_path / "out" / "report.txt"
    result = CliRunner().invoke(cli, ["extract", str(document), "--format", "text", "--output", str(out),
                                      "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == expected and result.stdout == ""
    assert not list(out.parent.glob(".*.tmp"))
