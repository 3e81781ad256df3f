"""Smoke test of bench/pdf_libraries.py: it builds a Japanese and an English PDF and scores each library on them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("reportlab")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import pdf_libraries as bench  # noqa: E402  (bench/pdf_libraries.py)


@pytest.mark.parametrize("japanese", [True, False])
def test_the_benchmark_builds_scores_and_cuts(tmp_path, japanese):
    bench.register_fonts()
    texts = bench.FALLBACK_JA if japanese else bench.FALLBACK_EN
    built = bench.build_pdf("smoke", texts, "HeiseiMin-W3" if japanese else "Helvetica", japanese=japanese,
                            columns=2, max_pages=2)
    assert built.pages == 2 and built.written
    libraries = dict(bench.LIBRARIES)
    if not _has("pdfminer"):  # the `bench` extra; the test extra lacks it
        libraries.pop("pdfminer.six")
    for name, extract in libraries.items():
        row = bench.measure(built, extract, rounds=1)
        assert row["pages"] == 2 and 0 <= row["chars"] <= 100, name
    assert bench.measure(built, bench.refcheck_pages, rounds=1)["chars"] > 99
    assert bench.truncated_pages(built, bench.refcheck_pages) in ("0/2", "1/2", "2/2")  # read_pdf never raises


def _has(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True
