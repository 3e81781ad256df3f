"""Which files a run reads: directory walks skip what git ignores, hidden folders and environments; code is never
read as prose, even when named; --exclude-path and --hidden."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from refcheck.cli import cli
from refcheck.documents import collect_paths
from tests.test_cli import one_line_error, run

DOC = "# Notes\n\nSee [a](https://example.org/a).\n"


def _tree(root: Path) -> None:
    files = {
        "README.md": DOC, "docs/guide.md": DOC, "docs/build/out.html": "<p>x</p>", "notes.txt": "plain\n",
        ".hidden/secret.md": DOC, ".github/workflows/notes.md": DOC,
        ".venv/lib/python3.12/site-packages/pkg/README.md": DOC, ".venv/pyvenv.cfg": "home = /usr\n",
        "myenv/pyvenv.cfg": "home = /usr\n", "myenv/share/doc.md": DOC,
        "node_modules/lib/readme.md": DOC, "pkg.egg-info/PKG-INFO.txt": "x\n", ".pytest_cache/README.md": DOC,
        "scratch/draft.md": DOC, "private.md": DOC, "setup.py": "rows[0][1]\n", "requirements.txt": "httpx>=0.27\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def _names(root: Path, **options) -> set[str]:
    return {p.relative_to(root).as_posix() for p in collect_paths([str(root)], **options)}


def test_walk_skips_hidden_folders_environments_and_tool_folders(tmp_path):
    _tree(tmp_path)
    assert _names(tmp_path) == {"README.md", "docs/guide.md", "docs/build/out.html", "notes.txt", "scratch/draft.md",
                                "private.md"}


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_walk_skips_what_git_ignores(tmp_path):
    _tree(tmp_path)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("docs/build/\n*.txt\n", encoding="utf-8")
    (tmp_path / ".git" / "info" / "exclude").write_text("scratch/\n", encoding="utf-8")
    (tmp_path / "docs" / ".gitignore").write_text("guide.md\n", encoding="utf-8")
    subprocess.run(["git", "-C", str(tmp_path), "add", "private.md"], check=True)  # tracked files are read
    assert _names(tmp_path) == {"README.md", "private.md"}
    # a subdirectory of the work tree is walked with the same rules
    assert {p.name for p in collect_paths([str(tmp_path / "docs")])} == set()


def test_hidden_includes_hidden_folders_but_never_environments(tmp_path):
    _tree(tmp_path)
    names = _names(tmp_path, hidden=True)
    assert {".hidden/secret.md", ".github/workflows/notes.md"} <= names
    assert not any(n.startswith((".venv/", "myenv/", "node_modules/", ".git/")) for n in names)


def test_exclude_path_is_searched_in_each_path(tmp_path):
    _tree(tmp_path)
    assert _names(tmp_path, exclude_paths=(r"^.*/docs/", r"draft\.md$")) == {"README.md", "notes.txt", "private.md"}


def test_code_named_on_the_command_line_is_not_read_as_prose(tmp_path):
    (tmp_path / "tool.py").write_text("value = rows[0][1] + table[2][3]\n", encoding="utf-8")
    (tmp_path / "requirements.txt").write_text("httpx[http2]>=0.27\n", encoding="utf-8")
    (tmp_path / "doc.md").write_text(DOC, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["extract", str(tmp_path / "tool.py"), str(tmp_path / "requirements.txt"),
                                 str(tmp_path / "doc.md"), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [d["path"] for d in report["documents"]] == [str(tmp_path / "doc.md")]
    assert not any(f["rule"] == "missing-reference" for d in report["documents"] for f in d["findings"])
    assert any("code or configuration" in n for n in report["notices"])
    assert "not documents" in one_line_error(run("extract", str(tmp_path / "tool.py")))


def test_unknown_rule_in_disable_or_enable_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "doc.md").write_text(DOC, encoding="utf-8")
    assert "--disable no-such-rule" in one_line_error(run("extract", str(tmp_path / "doc.md"), "--disable", "no-such-rule"))
    assert "--enable bogus" in one_line_error(run("extract", str(tmp_path / "doc.md"), "--enable", "bogus"))


def test_disable_and_enable_on_the_command_line(tmp_path, monkeypatch):
    (tmp_path / "doc.md").write_text("# T\n\nSee [1].\n", encoding="utf-8")  # a marker with no reference list
    (tmp_path / "refcheck.toml").write_text('disable = ["missing-reference"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    def rules(*options):
        result = CliRunner().invoke(cli, ["extract", "doc.md", "--format", "json", *options])
        return {f["rule"] for d in json.loads(result.output)["documents"] for f in d["findings"]}

    assert "missing-reference" not in rules()  # the config file turns it off
    assert "missing-reference" in rules("--enable", "missing-reference")
    (tmp_path / "refcheck.toml").unlink()
    assert "missing-reference" in rules()
    assert "missing-reference" not in rules("--disable", "missing-reference")


def test_cli_exclude_path_and_hidden(tmp_path, monkeypatch):
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["extract", ".", "--hidden", "--exclude-path", "^\\./docs/|docs/",
                                      "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    paths = {Path(d["path"]).as_posix() for d in json.loads(result.output)["documents"]}
    assert ".hidden/secret.md" in paths and not any("docs/" in p for p in paths)
