"""Configuration files: found by walking up, option defaults, rule severities and switches, per-host headers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from refcheck.config import find_config, load_config
from refcheck.errors import ConfigError
from refcheck.models import Severity
from refcheck.rules.registry import RULES

DOCUMENT = "Text citing [1] and [2].\n\nReferences\n- ↑ \"A real article title\". Example. Retrieved 2026-11-01.\n"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "refcheck", *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def rules_of(result: subprocess.CompletedProcess) -> dict[str, str]:
    return {f["rule"]: f["severity"] for f in json.loads(result.stdout)["documents"][0]["findings"]}


def test_pyproject_table_is_found_from_a_subfolder(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.refcheck]\nfail_on = "warning"\n')
    (tmp_path / "docs" / "deep").mkdir(parents=True)
    assert find_config(tmp_path / "docs" / "deep") == tmp_path / "pyproject.toml"


def test_pyproject_without_the_table_is_not_a_config(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_config(tmp_path) != tmp_path / "pyproject.toml"


def test_severity_override_and_disabled_rule_change_the_report(tmp_path):
    (tmp_path / "doc.txt").write_text(DOCUMENT, encoding="utf-8")
    before = run(tmp_path, "extract", "doc.txt", "--format", "json")
    assert rules_of(before)["missing-reference"] == "error" and before.returncode == 1
    (tmp_path / "refcheck.toml").write_text('disable = ["no-url"]\n[severity]\nmissing-reference = "warning"\n')
    after = run(tmp_path, "extract", "doc.txt", "--format", "json")
    assert rules_of(after)["missing-reference"] == "warning" and "no-url" not in rules_of(after)
    assert after.returncode == 0


def test_command_line_wins_over_the_config(tmp_path):
    (tmp_path / "doc.txt").write_text(DOCUMENT, encoding="utf-8")
    (tmp_path / "refcheck.toml").write_text('fail_on = "never"\n')
    assert run(tmp_path, "extract", "doc.txt", "--format", "json").returncode == 0
    assert run(tmp_path, "extract", "doc.txt", "--format", "json", "--fail-on", "error").returncode == 1


@pytest.mark.parametrize(("text", "message"), [
    ("colour = 1\n", "unknown key"),
    ('[severity]\nno-such-rule = "error"\n', "unknown rule"),
    ('[severity]\ndead-link = "fatal"\n', "must be error, warning or info"),
    ("fail_on = \n", "not valid TOML"),
    ('[headers."example.org"]\nAuthorization = "Bearer ${REFCHECK_TEST_UNSET_TOKEN}"\n', "REFCHECK_TEST_UNSET_TOKEN"),
])
def test_bad_config_is_one_line_and_exit_2(tmp_path, text, message):
    (tmp_path / "doc.txt").write_text(DOCUMENT, encoding="utf-8")
    (tmp_path / "refcheck.toml").write_text(text)
    result = run(tmp_path, "extract", "doc.txt")
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_header_values_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("REFCHECK_TEST_TOKEN", "s3cret")
    (tmp_path / "refcheck.toml").write_text('[headers."docs.example.org"]\nAuthorization = "Bearer ${REFCHECK_TEST_TOKEN}"\n'
                                             '[severity]\nunused-reference = "info"\n')
    config = load_config(tmp_path / "refcheck.toml", set(RULES))
    assert config.host_headers == (("docs.example.org", "Authorization", "Bearer s3cret"),)
    assert config.rule_severity == {"unused-reference": Severity.INFO}


def test_explicit_config_option(tmp_path):
    (tmp_path / "doc.txt").write_text(DOCUMENT, encoding="utf-8")
    (tmp_path / "ci.toml").write_text('disable = ["missing-reference", "no-url"]\n')
    result = run(tmp_path, "--config", "ci.toml", "extract", "doc.txt", "--format", "json")
    assert "missing-reference" not in rules_of(result) and result.returncode == 0


def test_missing_config_file_is_a_usage_error(tmp_path):
    with pytest.raises(ConfigError):
        load_config(tmp_path / "nope.toml", set(RULES))


def test_per_host_headers_go_only_to_their_host_even_across_redirects(tmp_path, monkeypatch):
    from refcheck.fetch import fetch_all
    from refcheck.settings import FetchSettings
    from tests.webserver import Reply, WebServer

    with WebServer() as docs, WebServer(host="127.0.0.2") as other:
        docs.route("/private", Reply(200, "<title>Private</title>"))
        docs.route("/away", Reply(302, headers={"Location": other.url("/landing")}))
        other.route("/landing", Reply(200, "<title>Elsewhere</title>"))
        settings = FetchSettings(allow_private=True, retries=0, probe_soft_404=False,
                                 host_headers=(("127.0.0.1", "Authorization", "Bearer s3cret"),))
        run = fetch_all([docs.url("/private"), docs.url("/away")], settings)
        assert {r.status.value for r in run.results.values()} == {"ok"}
        assert [r.headers.get("authorization") for r in docs.requests] == ["Bearer s3cret", "Bearer s3cret"]
        assert [r.headers.get("authorization") for r in other.requests] == [None]
