"""--accept: lychee's list-and-range grammar, and statuses applied to raw cached outcomes at report time."""

from __future__ import annotations

import json

import pytest

from refcheck.fetch.accept import parse_accept
from tests.test_cli import one_line_error, run
from tests.webserver import Reply, WebServer


@pytest.mark.parametrize("values, expected", [
    (["403"], (403,)),
    (["200..=204, 429"], (200, 201, 202, 203, 204, 429)),
    (["500..503"], (500, 501, 502)),  # end excluded, as in Rust and lychee
    (["..=101"], (100, 101)),
    (["998.."], (998, 999)),
    (["403", "429,403"], (403, 429)),  # repeated and overlapping
    ([429], (429,)),  # a config file may give numbers
])
def test_parse_accept(values, expected):
    assert parse_accept(values) == expected


@pytest.mark.parametrize("text", ["abc", "99", "1000", "300..=200", "..=", "200..=", "2xx", "200-299"])
def test_parse_accept_rejects(text):
    with pytest.raises(ValueError):
        parse_accept([text])


def test_bad_accept_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "doc.md").write_text("[a](https://example.org/)\n", encoding="utf-8")
    assert "--accept" in one_line_error(run("check", str(tmp_path / "doc.md"), "--offline", "--accept", "2xx"))


def test_changed_accept_applies_to_cached_outcomes_without_fetching_again(tmp_path):
    with WebServer() as server:
        server.route("/forbidden", Reply(403, "<title>Forbidden</title>"))
        server.route("/gone", Reply(404, "<title>Not Found</title>"))
        (tmp_path / "doc.md").write_text(f"See [a]({server.url('/forbidden')}) and [b]({server.url('/gone')}).\n",
                                         encoding="utf-8")
        common = ["check", str(tmp_path / "doc.md"), "--allow-private", "--no-archive", "--retries", "0",
                  "--cache-dir", str(tmp_path / "cache"), "--format", "json", "--no-soft-404-probe"]

        def statuses(*options):
            result = run(*common, *options)
            assert result.returncode in (0, 1), result.stderr
            return {u["url"].rsplit("/", 1)[1]: u["status"] for u in json.loads(result.stdout)["urls"]}

        first = statuses()
        assert first["forbidden"] != "ok" and first["gone"] == "dead"
        hits = server.hits("/forbidden") + server.hits("/gone")
        assert statuses("--accept", "400..=403") == {"forbidden": "ok", "gone": "dead"}
        assert statuses("--accept", "403,404") == {"forbidden": "ok", "gone": "ok"}
        assert statuses() == first  # and back: the cache kept what the server said
        assert server.hits("/forbidden") + server.hits("/gone") == hits  # none of those reruns fetched


def test_max_redirects(tmp_path):
    with WebServer() as server:
        server.route("/a", Reply(302, "", headers={"Location": "/b"}))
        server.route("/b", Reply(302, "", headers={"Location": "/c"}))
        server.route("/c", Reply(200, "<title>C</title>"))
        (tmp_path / "doc.md").write_text(f"See [a]({server.url('/a')}).\n", encoding="utf-8")
        common = ["check", str(tmp_path / "doc.md"), "--allow-private", "--no-archive", "--retries", "0", "--no-cache",
                  "--format", "json", "--no-soft-404-probe"]
        assert json.loads(run(*common).stdout)["urls"][0]["status"] == "ok"
        capped = json.loads(run(*common, "--max-redirects", "1").stdout)["urls"][0]
        assert capped["status"] == "error" and "redirects" in capped["reason"]
