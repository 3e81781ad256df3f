"""Fixtures for the resolution backends' tests: a real loopback server and a BackendWeb over it."""

from __future__ import annotations

import asyncio

import pytest

from refcheck.resolve.model import ResolveQuery
from tests.resolve.loopback_web import LoopbackWeb
from tests.webserver import WebServer


@pytest.fixture
def server():
    with WebServer() as running:
        yield running


@pytest.fixture
def web() -> LoopbackWeb:
    return LoopbackWeb(timeout=2.0)


def ask(backend, query: ResolveQuery, web):
    """Run one backend search to completion (the backends are async; tests are not)."""
    return asyncio.run(backend.search(query, web))


def reference(**fields) -> ResolveQuery:
    """A ResolveQuery with only the fields a test cares about."""
    base = {"ref": "1", "cited_title": None, "specific_title": None, "site": None}
    base.update(fields)
    if "cited_title" in fields and "specific_title" not in fields:
        base["specific_title"] = fields["cited_title"]
    return ResolveQuery(**base)
