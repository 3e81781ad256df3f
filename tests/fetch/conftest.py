"""Fixtures for the fetcher's tests: a real loopback server, quick settings, a sleep that only records, a page reader that records."""

from __future__ import annotations

import asyncio
import subprocess
from dataclasses import dataclass, field

import pytest

from refcheck.fetch.client import HTTP_ENGINES
from refcheck.models import PageFacts
from refcheck.settings import FetchSettings
from tests.webserver import WebServer


# The modules whose tests send real requests through the fetcher's own transport: each runs once per HTTP engine
# (REFCHECK_HTTP_ENGINE), so no engine rots. The other modules run once, with the default engine.
EVERY_ENGINE = {"test_background_parsing", "test_client_cache", "test_client_http", "test_client_pdf",
                "test_client_soft404", "test_client_text", "test_engines", "test_guard", "test_hostile_servers",
                "test_hostile_urls", "test_queueing", "test_run", "test_tls", "test_workers", "test_archive"}


def pytest_generate_tests(metafunc):
    if "http_engine" in metafunc.fixturenames and metafunc.module.__name__.rsplit(".", 1)[-1] in EVERY_ENGINE:
        metafunc.parametrize("http_engine", HTTP_ENGINES, indirect=True)


@pytest.fixture(autouse=True)
def http_engine(request, monkeypatch) -> str:
    """The engine this test fetches with (parametrized in EVERY_ENGINE modules; else the default, "auto")."""
    engine = getattr(request, "param", None)
    if engine is None:
        monkeypatch.delenv("REFCHECK_HTTP_ENGINE", raising=False)
        return "auto"
    monkeypatch.setenv("REFCHECK_HTTP_ENGINE", engine)
    return engine


@pytest.fixture
def server():
    with WebServer() as running:
        yield running


@pytest.fixture
def quick() -> FetchSettings:
    """Loopback allowed (the test server is on 127.0.0.1), short timeouts, two retries."""
    return FetchSettings(allow_private=True, timeout=0.5, deadline=5.0, retries=2, retry_after_cap=10.0)


class RecordingSleep:
    """Stands in for asyncio.sleep between retries: records each delay, waits for nothing."""

    def __init__(self):
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def no_wait() -> RecordingSleep:
    return RecordingSleep()


@dataclass
class RecordingReader:
    """A page reader that keeps what it was given and returns a title from the first bytes."""

    calls: list[tuple[bytes, str | None, str]] = field(default_factory=list)

    def __call__(self, body: bytes, content_type: str | None, url: str) -> PageFacts:
        self.calls.append((body, content_type, url))
        return PageFacts(content_type=content_type, title=f"{len(body)} bytes")


@pytest.fixture
def reader() -> RecordingReader:
    return RecordingReader()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    """A self-signed certificate for secure.test (valid only for that name), made with the openssl command.

    Tests that use it skip when openssl is absent (see their `skipif` marks)."""
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=secure.test",
         "-addext", "subjectAltName=DNS:secure.test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key
