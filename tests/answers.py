"""The set-up the end-to-end claim and source tests share: a copied AI answer written to a file, its sources served
by the project's loopback server (tests/webserver.py), and `check_paths` run on it with a fresh cache."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from refcheck.models import Report
from refcheck.pipeline import check_paths
from refcheck.settings import CacheSettings, FetchSettings, Settings
from tests.webserver import Reply, WebServer


def loopback_settings(tmp_path: Path, **fetch) -> Settings:
    """Settings for checking against loopback pages: private addresses allowed, no retries, a cache in `tmp_path`."""
    return Settings(fetch=FetchSettings(allow_private=True, retries=0, timeout=5, **fetch),
                    cache=CacheSettings(directory=tmp_path / "cache"))


def write_answer(tmp_path: Path, lines: list[str]) -> str:
    """The answer's lines as `tmp_path`/answer.txt; its path."""
    path = tmp_path / "answer.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def check_answer(tmp_path: Path, routes: dict[str, Reply], lines: Callable[[WebServer], list[str]]) -> Report:
    """Serve `routes`, write the answer `lines(server)` gives (its references name the server's URLs), check it."""
    with WebServer() as server:
        for path, reply in routes.items():
            server.route(path, reply)
        return check_paths([write_answer(tmp_path, lines(server))], loopback_settings(tmp_path))
