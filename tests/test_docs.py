"""The docs are part of the product: every rule and every command is documented (this fails otherwise)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from refcheck.cli import cli
from refcheck.rules.registry import RULES

ROOT = Path(__file__).resolve().parents[1]


def test_every_rule_has_a_section_in_docs_rules():
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^## (\S+)$", text, re.M))
    assert headings == set(RULES)


def test_every_command_appears_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [name for name in cli.commands if name != "cache"]
    commands += [f"cache {sub}" for sub in cli.commands["cache"].commands]
    for command in commands:
        assert f"refcheck {command}" in readme, command


def test_readme_starts_with_the_two_setup_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block


def test_every_check_option_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    help_text = CliRunner().invoke(cli, ["check", "--help"]).output
    for option in sorted(set(re.findall(r"(--[a-z][a-z-]+)", help_text))):
        if option != "--help":
            assert option in readme, option


def test_the_readme_configuration_example_loads(tmp_path, monkeypatch):
    from refcheck.config import load_config

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml", 1)[1].split("```", 1)[0]
    (tmp_path / "pyproject.toml").write_text(example, encoding="utf-8")
    monkeypatch.setenv("DOCS_TOKEN", "t0ken")
    config = load_config(tmp_path / "pyproject.toml", set(RULES))
    assert config.defaults["check"]["per_host"] == 2 and "duplicate-reference" in config.disabled_rules
    assert config.host_headers == (("docs.example.org", "Authorization", "Bearer t0ken"),)
