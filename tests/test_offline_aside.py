"""The offline findings of a check made in a fork (pipeline.OfflineRules): the same report as made in the process
itself, whether the fork answers, dies, or is not used; and the fork leaves nothing behind."""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from refcheck.models import Severity
from refcheck.pipeline import OfflineRules, check_paths, extract_paths
from refcheck.report.json import render
from refcheck.settings import CacheSettings, FetchSettings, Settings

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "documents"


def _many_findings(path: Path, entries: int) -> Path:
    """A Markdown document whose offline rules find something on most lines (claims without sources, generic and
    bracketed titles, entries without URLs, invalid URLs, a marker with no entry, a suppressed line)."""
    lines = ["# Report", "", "Revenue rose 35% in 2024 across 12 regions.", "",
             "Sales fell 20% in 2023 [9999].", "", "<!-- refcheck: ignore[no-url] -->", "## References", ""]
    for n in range(entries):
        kind = n % 5
        if kind == 0:
            lines.append(f"{n + 1}. [Home](http://127.0.0.1:9/page-{n})")
        elif kind == 1:
            lines.append(f"{n + 1}. Untitled. Retrieved 2025-01-0{n % 9 + 1}.")
        elif kind == 2:
            lines.append(f"{n + 1}. [Article {n}](http://[::1/broken-{n})")
        elif kind == 3:
            lines.append(f"{n + 1}. [Report {n} (PDF)](http://127.0.0.1:9/r/{n}.pdf)")
        else:
            lines.append(f"{n + 1}. [Study of {n} things](http://127.0.0.{n % 200 + 1}:9/s/{n})")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def documents(tmp_path) -> list[str]:
    fixtures = [p for p in sorted(FIXTURES.rglob("*")) if p.is_file() and p.suffix != ".json"]
    return [*map(str, fixtures), str(_many_findings(tmp_path / "many.md", 300))]


def _settings(tmp_path: Path) -> Settings:
    # Offline: every URL is answered without the network, so only the rules differ between runs.
    return Settings(fetch=FetchSettings(allow_private=True, retries=0),
                    cache=CacheSettings(directory=tmp_path / "cache", offline=True),
                    disabled_rules=frozenset({"unused-reference"}), rule_severity={"no-url": Severity.ERROR})


def _check(documents: list[str], settings: Settings, monkeypatch, min_items: int) -> tuple[str, list]:
    monkeypatch.setattr(OfflineRules, "MIN_ITEMS", min_items)
    forks: list[int | None] = []
    start = OfflineRules.start

    def start_and_note(self):
        start(self)
        forks.append(self.child)

    monkeypatch.setattr(OfflineRules, "start", start_and_note)
    report = check_paths(documents, settings)
    text = "\n".join(line for line in render(report).splitlines() if '"elapsed"' not in line)
    return text, [report, forks]


def test_findings_made_in_a_fork_are_those_made_here(documents, tmp_path, monkeypatch):
    settings = _settings(tmp_path)
    here, (report, forks) = _check(documents, settings, monkeypatch, min_items=10**9)
    assert forks == [None]
    made_in: list[int] = []  # the processes that made findings; a list in this process sees only its own calls
    made_here = OfflineRules._made_here

    def noting(self):
        made_in.append(os.getpid())
        return made_here(self)

    monkeypatch.setattr(OfflineRules, "_made_here", noting)
    forked, (_, forks) = _check(documents, settings, monkeypatch, min_items=0)
    assert forks and forks[0] not in (None, 0, os.getpid())  # the findings were made by another process
    assert made_in == []  # ... and read back from it: this process did not fall back to making them
    assert forked == here
    rules = {finding.rule for document in report.documents for finding in document.findings}
    assert {"uncited-claim", "generic-title", "no-url", "invalid-url", "missing-reference"} <= rules
    assert "unused-reference" not in rules
    # and the same as `refcheck extract` makes them, in the process itself
    extracted = extract_paths(documents, settings)
    offline = [finding for document in extracted.documents for finding in document.findings]
    checked = [finding for document in report.documents for finding in document.findings]
    assert offline and all(finding in checked for finding in offline)


def test_a_fork_that_dies_leaves_its_findings_to_this_process(documents, tmp_path, monkeypatch):
    settings = _settings(tmp_path)
    here, _ = _check(documents, settings, monkeypatch, min_items=10**9)
    monkeypatch.setattr(OfflineRules, "_in_child", lambda self: os._exit(3))
    died, (_, forks) = _check(documents, settings, monkeypatch, min_items=0)
    assert forks[0] not in (None, 0)
    assert died == here


def test_the_fork_leaves_no_file_and_no_process(documents, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "scratch"))
    (tmp_path / "scratch").mkdir()
    _, (_, forks) = _check(documents, _settings(tmp_path), monkeypatch, min_items=0)
    assert list((tmp_path / "scratch").iterdir()) == []
    with pytest.raises(ChildProcessError):
        os.waitpid(forks[0], os.WNOHANG)  # reaped already


def test_a_failed_check_ends_the_fork(documents, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "scratch"))
    (tmp_path / "scratch").mkdir()
    import refcheck.pipeline as pipeline

    def fail(*args, **kwargs):
        raise RuntimeError("fetch failed")

    monkeypatch.setattr(pipeline, "_fetch", fail)
    with pytest.raises(RuntimeError):
        _check(documents, _settings(tmp_path), monkeypatch, min_items=0)
    assert list((tmp_path / "scratch").iterdir()) == []
    monkeypatch.setattr(OfflineRules, "start", OfflineRules.start)


def test_held_documents_keep_their_order_among_conversations_and_small_runs(tmp_path):
    settings = replace(_settings(tmp_path), disabled_rules=frozenset())
    path = _many_findings(tmp_path / "few.md", 20)
    aside = OfflineRules(settings)
    extracted = extract_paths([str(path), str(FIXTURES / "text" / "suppressions.txt")], settings, aside=aside)
    assert all(document.findings == () for document in extracted.documents)
    aside.start()  # too few items: nothing forked, made here when asked
    assert aside.child is None
    filled = aside.filled(extracted.documents)
    assert [d.findings for d in filled] == [d.findings for d in extract_paths(
        [str(path), str(FIXTURES / "text" / "suppressions.txt")], settings).documents]


def test_the_fork_is_waited_for_before_this_process_forks_again(documents, tmp_path, monkeypatch):
    """The fetch's worker processes are forked only once the offline rules' fork has ended (no third process
    competing for the cores or holding copied pages during the fetch)."""
    monkeypatch.setattr(OfflineRules, "MIN_ITEMS", 0)
    settings = _settings(tmp_path)
    aside = OfflineRules(settings)
    extracted = extract_paths(documents, settings, aside=aside)
    aside.start()
    assert aside.child is not None and aside.found is None
    other = os.fork()
    if other == 0:
        os._exit(0)
    os.waitpid(other, 0)
    assert aside.child is None and aside.found is not None
    assert [d.findings for d in aside.filled(extracted.documents)] == [
        d.findings for d in extract_paths(documents, settings).documents]


def test_no_temporary_file_means_the_findings_are_made_here(documents, tmp_path, monkeypatch):
    settings = _settings(tmp_path)
    here, _ = _check(documents, settings, monkeypatch, min_items=10**9)

    def no_file(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", no_file)
    without, (_, forks) = _check(documents, settings, monkeypatch, min_items=0)
    assert forks == [None]
    assert without == here
