"""The streamed JSON report (report/json.py `write`) is byte for byte `render`'s text, and the CLI uses it."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

from refcheck.cli import cli
from refcheck.models import Document, DocumentReport, Extraction, Format, Report
from refcheck.pipeline import extract_paths
from refcheck.report import json as json_report
from refcheck.settings import Settings
from tests.report.sample_report import sample_report


def streamed(report: Report, chunk_chars: int = 1 << 16) -> str:
    sink = io.StringIO()
    json_report.write(report, sink, chunk_chars=chunk_chars)
    return sink.getvalue()


def empty_document(path: str) -> DocumentReport:
    return DocumentReport(Document(path=path, format=Format.TEXT, text=""), Extraction(), ())


@pytest.mark.parametrize("report", [
    sample_report("check"),
    sample_report("extract"),
    Report(command="extract", documents=()),
    Report(command="check", documents=(empty_document("empty.txt"),), urls=(), notices=("archive: 3 skipped",)),
    replace(sample_report("check"), notices=('a "quoted"\nnotice\u2028with\x1b controls',)),
], ids=["check", "extract", "no-documents", "empty-lists", "odd-notice"])
@pytest.mark.parametrize("chunk_chars", [1, 1 << 16])
def test_the_stream_is_render_byte_for_byte(report, chunk_chars):
    text = streamed(report, chunk_chars)
    assert text == json_report.render(report)
    assert text.encode("utf-8") == (json.dumps(json_report.to_dict(report), ensure_ascii=False, indent=2)
                                    + "\n").encode("utf-8")


def test_the_pieces_never_hold_a_whole_section():
    report = sample_report("check")
    pieces = list(json_report.iter_render(report))
    longest = max(len(piece) for piece in pieces)
    assert "".join(pieces) == json_report.render(report)
    assert longest < len(json.dumps(json_report.to_dict(report)["documents"][0]["findings"], ensure_ascii=False))


def test_the_cli_streams_json_to_stdout_and_to_a_file(tmp_path, monkeypatch):
    document = tmp_path / "answer.md"
    document.write_text("# 回答\n\n日本のAI研究者は約2万人とされる。[1]\n\n1. [出典](https://example.com/a)\n",
                        encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    expected = json_report.render(extract_paths([str(document)], Settings()))

    def no_whole_render(report):  # the CLI must not build the whole text for JSON
        raise AssertionError("render() called: the report was built whole")

    monkeypatch.setattr(json_report, "render", no_whole_render)
    result = CliRunner().invoke(cli, ["extract", str(document), "--format", "json", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    assert result.stdout == expected

    out = tmp_path / "out" / "report.json"
    result = CliRunner().invoke(cli, ["extract", str(document), "--format", "json", "--output", str(out),
                                      "--format", "text", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == expected.encode("utf-8")
    assert "missing-reference" in result.stdout  # the text report still went to stdout
    assert not list(out.parent.glob(".*.tmp"))  # written beside and renamed


def _random_value(chooser, depth: int):
    """A JSON-able value of the shapes a report holds (rows of plain values, lists of rows), and odd ones."""
    from collections import OrderedDict, namedtuple

    pair = namedtuple("pair", "a b")
    plain = [None, True, False, 0, -7, 2**70, 1.5, 1e-7, float("nan"), float("inf"), -0.0, "", "é\u2028\"\\\n\x1b",
             "日本語"]
    kind = chooser.randrange(7 if depth < 3 else 1)
    if kind == 0:
        return chooser.choice(plain)
    if kind == 1:
        return {chooser.choice(["url", "line", "ü", 3, 1.25, True, None]): _random_value(chooser, depth + 1)
                for _ in range(chooser.randrange(5))}
    if kind == 2:
        return [_random_value(chooser, depth + 1) for _ in range(chooser.randrange(5))]
    if kind == 3:
        return tuple(chooser.choice(plain) for _ in range(chooser.randrange(4)))
    if kind == 4:
        return pair(chooser.choice(plain), [chooser.choice(plain)])
    if kind == 5:
        return OrderedDict(k=[1, {"x": []}], j={})
    return {"rows": [{"a": chooser.choice(plain), "b": []} for _ in range(chooser.randrange(3))]}


@pytest.mark.parametrize("seed", range(40))
def test_dump_writes_what_json_dumps_writes(seed):
    import random

    chooser = random.Random(seed)
    for level in (0, 1, 3):
        value = _random_value(chooser, 0)
        expected = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * level)
        assert json_report._dump(value, level) == expected
