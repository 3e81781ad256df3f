"""The real example, read and extracted offline, as a Report for the end-to-end reporter tests."""

from __future__ import annotations

from pathlib import Path

from refcheck.models import Report
from refcheck.pipeline import extract_paths
from refcheck.settings import CacheSettings, Settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ai-policy-ja.txt"


def example_report() -> Report:
    """An absolute path on purpose: reporters must make it relative to the root they are given."""
    return extract_paths([str(EXAMPLE)], Settings(cache=CacheSettings(enabled=False, offline=True)))
