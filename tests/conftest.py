"""Shared test set-up: no proxies (tests talk only to loopback), and where the shared corpora live."""

from __future__ import annotations

from pathlib import Path

import pytest

# ../shared next to the checkout (CI lays a copy there); tests that need it skip cleanly without it.
SHARED = Path(__file__).resolve().parents[2] / "shared"
SAMPLE_EXPORT = SHARED / "samples" / "chatgpt-export-ai-policy.txt"
CORPORA = SHARED / "corpora"


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _no_real_archive(monkeypatch):
    # `check --archive` is on by default: a CLI run in a test asks a closed loopback port, never the real service.
    monkeypatch.setenv("REFCHECK_ARCHIVE_ENDPOINT", "http://127.0.0.1:9/wayback/available")


@pytest.fixture(autouse=True)
def _no_real_resolution(monkeypatch):
    # `check --resolve` is on by default: a CLI run in a test looks for no real site unless the test asks for it
    # (with --resolve and --remap to a loopback server).
    monkeypatch.setenv("REFCHECK_RESOLVE", "0")
    monkeypatch.setenv("REFCHECK_WAYBACK_ENDPOINT", "http://127.0.0.1:9")  # never the real archive
    for name in ("SEARXNG", "BRAVE", "CROSSREF", "OPENALEX", "SITE"):
        monkeypatch.delenv(f"REFCHECK_{name}_ENDPOINT", raising=False)
    monkeypatch.delenv("REFCHECK_BRAVE_API_KEY", raising=False)


def need_shared(path: Path) -> Path:
    """Skip the calling test when a file from ../shared is absent (a fresh clone without it)."""
    if not path.exists():
        pytest.skip(f"needs {path} (../shared is not next to this checkout)")
    return path
