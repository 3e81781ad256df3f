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


def _vendored_schema(name: str) -> dict:
    """A schema check-jsonschema ships (SchemaStore's, vendored in its wheel): no network needed to read it."""
    import json
    from importlib import resources

    return json.loads(resources.files("check_jsonschema.builtin_schemas.vendor").joinpath(name).read_text("utf-8"))


def _yaml_blocks(markdown: str) -> list[dict]:
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", markdown, re.S)]


def test_docs_ci_workflows_are_valid_github_workflows():
    import jsonschema

    schema = _vendored_schema("github-workflows.json")
    workflows = [b for b in _yaml_blocks((ROOT / "docs" / "ci.md").read_text()) if "jobs" in b]
    assert len(workflows) >= 2
    for workflow in workflows:
        # PyYAML reads the key `on:` as the boolean True (YAML 1.1); GitHub reads it as the string "on".
        if True in workflow:
            workflow["on"] = workflow.pop(True)
        jsonschema.validate(workflow, schema)
        for job in workflow["jobs"].values():
            assert "runs-on" in job
            steps = job["steps"]
            # every job that runs refcheck or installs it from `.` has the repository checked out first
            if any("pip install ." in step.get("run", "") or "uses: ./" == step.get("uses") for step in steps):
                assert steps[0].get("uses", "").startswith("actions/checkout@")
        used = set(re.findall(r"refcheck (check|merge)([^\n]*)", yaml.safe_dump(workflow)))
        for command, rest in used:
            assert set(re.findall(r"(--[a-z][a-z-]+)", rest)) <= options_of(command)


def test_action_yml_is_a_valid_action():
    import jsonschema

    jsonschema.validate(yaml.safe_load((ROOT / "action.yml").read_text()), _vendored_schema("github-actions.json"))


def test_docs_ci_pre_commit_snippets_are_usable_as_written():
    configs = [b for b in _yaml_blocks((ROOT / "docs" / "ci.md").read_text()) if "repos" in b]
    assert configs
    hook_ids = {hook["id"] for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    for config in configs:
        for repo in config["repos"]:
            for hook in repo["hooks"]:
                if repo["repo"] == "local":
                    assert {"id", "name", "entry", "language"} <= set(hook)
                    assert shlex.split(hook["entry"])[1] in cli.commands
                    assert not _pre_commit_selects(hook, "setup.py") and _pre_commit_selects(hook, "README.md")
                else:
                    assert hook["id"] in hook_ids
                    # no tag the repository does not have: a full commit SHA, which any clone can check out
                    assert re.fullmatch(r"[0-9a-f]{40}", str(repo["rev"])), repo["rev"]
