"""The test web server itself: routes in sequence, method limits, a served directory, faults, and what it records."""

from __future__ import annotations

import gzip
import http.client
import urllib.error
import urllib.request

import pytest

from tests.webserver import Reply, gzip_bomb


def get(url, method="GET"):
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def test_routes_answer_in_sequence_and_the_last_repeats(server):
    server.route("/seq", Reply(500, "first"), lambda request: Reply(200, f"hello {request.query['who']}"))
    assert get(server.url("/seq?who=a"))[:2] == (500, b"first")
    assert get(server.url("/seq?who=b"))[:2] == (200, b"hello b")
    assert get(server.url("/seq?who=c"))[:2] == (200, b"hello c")
    assert server.hits("/seq") == 3


def test_method_limits_answer_405(server):
    server.route("/get-only", Reply(200, "ok"), methods=["GET"])
    assert get(server.url("/get-only"), "HEAD")[0] == 405
    assert get(server.url("/get-only"))[0] == 200


def test_serve_directory(server, tmp_path):
    (tmp_path / "index.html").write_text("<title>index</title>")
    (tmp_path / "a.txt").write_text("plain")
    server.serve_directory(tmp_path, "/site/")
    status, body, headers = get(server.url("/site/a.txt"))
    assert (status, body, headers["Content-Type"]) == (200, b"plain", "text/plain")
    assert get(server.url("/site/"))[1] == b"<title>index</title>"
    assert get(server.url("/site/../../etc/passwd"))[0] == 404
    assert get(server.url("/site/missing"))[0] == 404


def test_fault_routes(server):
    assert get(server.url("/_/status/418"))[0] == 418
    assert get(server.url("/_/redirect/2"))[:2] == (200, b"<title>final</title>")
    assert server.hits("/_/redirect/1") == 1
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected, urllib.error.URLError)):
        get(server.url("/_/reset"))


def test_gzip_bomb_is_a_valid_gzip_of_the_stated_size():
    assert gzip.decompress(gzip_bomb(3)) == bytes(3 * 1024 * 1024)
