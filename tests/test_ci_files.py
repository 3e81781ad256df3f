"""The shipped CI integration files parse, and every refcheck option they use exists."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml
from click.testing import CliRunner

from refcheck.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def options_of(command: str) -> set[str]:
    return set(re.findall(r"(--[a-z][a-z-]+)", CliRunner().invoke(cli, [command, "--help"]).output))


def test_action_runs_refcheck_with_options_that_exist():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    scripts = [step["run"] for step in action["runs"]["steps"] if "run" in step]
    check_lines = [s for s in scripts if "refcheck check" in s]
    assert check_lines, "the action must run refcheck check"
    used = set(re.findall(r"(--[a-z][a-z-]+)", " ".join(check_lines)))
    assert used <= options_of("check"), used - options_of("check")
    assert any(step.get("uses", "").startswith("github/codeql-action/upload-sarif") for step in action["runs"]["steps"])


def test_pre_commit_hooks_name_real_commands():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    for hook in hooks:
        words = shlex.split(hook["entry"])
        assert words[0] == "refcheck" and words[1] in cli.commands
        assert {w for w in words if w.startswith("--")} <= options_of(words[1])


def _pre_commit_selects(hook: dict, path: str) -> bool:
    """pre-commit's own filter: `files` and `exclude` are searched (re.search) in the repository-relative path."""
    return bool(re.search(hook.get("files", ""), path)) and not (hook.get("exclude") and re.search(hook["exclude"], path))


def test_pre_commit_hooks_send_documents_only():
    for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()):
        assert "types_or" not in hook or "text" not in hook["types_or"]  # `text` is every text file, code too
        for document in ("README.md", "docs/guide.markdown", "site/index.html", "answers/chat.txt", "wiki/page.wiki"):
            assert _pre_commit_selects(hook, document), (hook["id"], document)
        for code in ("setup.py", "ci.yaml", ".github/workflows/ci.yml", "requirements.txt", "requirements-dev.txt",
                     "pkg/constraints.txt", "src/app.ts", "pyproject.toml", "CMakeLists.txt"):
            assert not _pre_commit_selects(hook, code), (hook["id"], code)
