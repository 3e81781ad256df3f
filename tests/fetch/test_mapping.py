"""The one place where answers and exceptions become statuses, checked directly and through httpx.MockTransport."""

from __future__ import annotations

import asyncio
import errno
import ssl

import httpx
import pytest

from refcheck.fetch import NO_NETWORK_REASON, Fetcher
from refcheck.fetch.client import attempt_for_error, attempt_for_status, detect_challenge, prepare_url, InvalidTarget
from refcheck.models import UrlStatus
from refcheck.settings import FetchSettings


def raised_from(outer: Exception, inner: BaseException) -> Exception:
    """`outer` as httpx raises it: with the low-level error as its cause."""
    try:
        try:
            raise inner
        except BaseException as low:
            raise outer from low
    except Exception as error:
        return error


@pytest.mark.parametrize(
    ("status", "expected", "transient"),
    [
        (404, UrlStatus.DEAD, False),
        (410, UrlStatus.DEAD, False),
        (401, UrlStatus.BLOCKED, False),
        (403, UrlStatus.BLOCKED, False),
        (451, UrlStatus.BLOCKED, False),
        (429, UrlStatus.BLOCKED, True),
        (500, UrlStatus.ERROR, True),
        (502, UrlStatus.ERROR, True),
        (503, UrlStatus.ERROR, True),
        (504, UrlStatus.ERROR, True),
        (501, UrlStatus.ERROR, False),
        (400, UrlStatus.ERROR, False),
        (302, UrlStatus.ERROR, False),  # a redirect without Location
    ],
)
def test_status_codes(status, expected, transient):
    attempt = attempt_for_status(status)
    assert (attempt.status, attempt.transient, attempt.http_status) == (expected, transient, status)
    assert str(status) in attempt.reason


@pytest.mark.parametrize(
    ("error", "expected", "words", "transient"),
    [
        (httpx.ConnectTimeout("t"), UrlStatus.TIMEOUT, "connect timeout", True),
        (httpx.ReadTimeout("t"), UrlStatus.TIMEOUT, "read timeout", True),
        (raised_from(httpx.ConnectError("x"), ConnectionRefusedError(errno.ECONNREFUSED, "refused")),
         UrlStatus.DEAD, "connection refused", True),
        (raised_from(httpx.ConnectError("x"), OSError(errno.ENETUNREACH, "unreachable")),
         UrlStatus.ERROR, "network unreachable", True),
        (raised_from(httpx.ConnectError("x"), ssl.SSLCertVerificationError(1, "certificate verify failed")),
         UrlStatus.ERROR, "TLS error", False),
        (raised_from(httpx.ReadError("x"), ConnectionResetError(errno.ECONNRESET, "reset")),
         UrlStatus.ERROR, "connection reset", True),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."),
         UrlStatus.ERROR, "protocol error", True),
        (httpx.LocalProtocolError("bad header"), UrlStatus.ERROR, "LocalProtocolError", False),
    ],
)
def test_exceptions(error, expected, words, transient):
    attempt = attempt_for_error(error, timeout=0.5)
    assert attempt.status is expected
    assert words in attempt.reason
    assert attempt.transient is transient


def test_unreachable_network_counts_toward_no_network():
    error = raised_from(httpx.ConnectError("x"), OSError(errno.ENETUNREACH, "Network is unreachable"))
    assert attempt_for_error(error, 1.0).connection_level


def test_every_request_failing_with_unreachable_network_is_no_network_through_mock_transport(no_wait):
    def refuse(request):
        raise raised_from(httpx.ConnectError("unreachable"), OSError(errno.ENETUNREACH, "Network is unreachable"))

    fetcher = Fetcher(FetchSettings(allow_private=True, retries=1), transport=httpx.MockTransport(refuse), sleep=no_wait)
    run = asyncio.run(fetcher.run(["http://192.0.2.1/a", "http://192.0.2.2/b"]))
    assert run.notices == (NO_NETWORK_REASON,)
    assert {(r.status, r.reason) for r in run.results.values()} == {(UrlStatus.ERROR, NO_NETWORK_REASON)}


def test_status_mapping_through_mock_transport(no_wait):
    answers = {"/gone": 410, "/ok": 200, "/busy": 503}

    def answer(request):
        return httpx.Response(answers[request.url.path], text="<title>x</title>",
                              headers={"Content-Type": "text/html"})

    fetcher = Fetcher(FetchSettings(allow_private=True, retries=2), transport=httpx.MockTransport(answer),
                      sleep=no_wait)
    run = asyncio.run(fetcher.run([f"http://192.0.2.1{path}" for path in answers]))
    statuses = {url.rsplit("/", 1)[1]: result.status for url, result in run.results.items()}
    assert statuses == {"gone": UrlStatus.DEAD, "ok": UrlStatus.OK, "busy": UrlStatus.ERROR}
    assert len(no_wait.delays) == 2


def test_challenge_detection_needs_a_real_signal():
    assert detect_challenge(httpx.Headers({"cf-mitigated": "challenge"}), None) == "cloudflare"
    assert detect_challenge(httpx.Headers({}), b"<script src='/cdn-cgi/challenge-platform/x'>") == "cloudflare"
    assert detect_challenge(httpx.Headers({}), b"<iframe src='https://geo.captcha-delivery.com/'>") == "datadome"
    assert detect_challenge(httpx.Headers({"server": "cloudflare"}), b"<title>Not Found</title>") is None


@pytest.mark.parametrize(
    ("written", "prepared"),
    [
        ("http://Example.org/a#frag", "http://example.org/a"),
        ("https://example.org", "https://example.org/"),
        ("http://0x7f.1:8080/x?q=1", "http://127.0.0.1:8080/x?q=1"),
        ("http://[0:0:0:0:0:FFFF:7F00:1]/", "http://[::ffff:7f00:1]/"),
        ("http://user:pw@example.org/", "http://user:pw@example.org/"),
    ],
)
def test_prepare_url(written, prepared):
    assert prepare_url(written) == prepared


# `http:///path` is not here: the WHATWG URL standard (browsers, lychee) reads it as `http://path/`.
@pytest.mark.parametrize("url", ["ftp://x/", "http://", "http://a:bad/", "//example.org/", "http://[::1/"])
def test_prepare_url_rejects(url):
    with pytest.raises(InvalidTarget):
        prepare_url(url)
