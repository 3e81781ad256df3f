"""Features for CI jobs: --changed-since for pull requests, --shard K/N with `refcheck merge` for matrix jobs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.webserver import Reply, WebServer


def refcheck(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "refcheck", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=cwd, check=True,
                   capture_output=True)


BEFORE = """Assistant: 回答 edit
最初の段落です。[1]
二つ目の段落です。[2]
References edit
- ↑ "記事その一". 例新聞. Retrieved 2026-11-01.
- ↑ "記事その二". 例新聞. Retrieved 2026-11-01.
"""


def test_changed_since_reports_only_changed_lines(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "doc.txt").write_text(BEFORE, encoding="utf-8")
    git(tmp_path, "add", "doc.txt")
    git(tmp_path, "commit", "-qm", "first")
    lines = BEFORE.splitlines()
    lines[2] = "二つ目の段落を書き直した。[2][4]"  # line 3 now cites a missing [4]
    lines.append('- ↑ "例新聞". 例新聞. Retrieved 2026-11-20.')  # line 7: a generic title without URL
    (tmp_path / "doc.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")

    everything = json.loads(refcheck(tmp_path, "extract", "doc.txt", "--format", "json").stdout)
    changed = json.loads(refcheck(tmp_path, "extract", "doc.txt", "--format", "json", "--changed-since", "HEAD").stdout)
    all_lines = {f["line"] for f in everything["documents"][0]["findings"]}
    changed_lines = {f["line"] for f in changed["documents"][0]["findings"]}
    assert {5, 6} <= all_lines  # no-url on the unchanged entries
    assert changed_lines == {3, 7}
    assert {f["rule"] for f in changed["documents"][0]["findings"]} >= {"missing-reference", "generic-title"}


def test_changed_since_a_bad_revision_is_a_usage_error(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "doc.txt").write_text(BEFORE, encoding="utf-8")
    result = refcheck(tmp_path, "extract", "doc.txt", "--changed-since", "no-such-branch")
    assert result.returncode == 2 and "not a git revision" in result.stderr


def test_shards_fetch_each_url_once_and_merge_into_the_full_report(tmp_path):
    with WebServer() as server:
        for n in range(24):
            status = 404 if n % 5 == 0 else 200
            server.route(f"/p/{n}", Reply(status, f"<title>Page {n}</title>"))
        (tmp_path / "links.md").write_text("".join(f"- [page {n}]({server.url(f'/p/{n}')})\n" for n in range(24)))
        common = ["--format", "json", "--allow-private", "--no-cache", "--retries", "0", "--no-progress"]
        outputs = []
        for shard in ("1/3", "2/3", "3/3"):
            result = refcheck(tmp_path, "check", "links.md", "--shard", shard, *common)
            assert result.returncode in (0, 1), result.stderr
            (tmp_path / f"shard{shard[0]}.json").write_text(result.stdout)
            outputs.append(json.loads(result.stdout))
        pages = [r.path for r in server.requests if re.fullmatch(r"/p/\d+", r.path)]  # not the soft-404 probes
        assert sorted(pages) == sorted(f"/p/{n}" for n in range(24))  # each URL fetched by one shard only
        assert all(0 < len(o["urls"]) < 24 for o in outputs)
        full = json.loads(refcheck(tmp_path, "check", "links.md", *common).stdout)

    merged = refcheck(tmp_path, "merge", "shard1.json", "shard2.json", "shard3.json", "--format", "json")
    assert merged.returncode == 1  # the dead links are errors
    joined = json.loads(merged.stdout)
    assert sorted(u["url"] for u in joined["urls"]) == sorted(u["url"] for u in full["urls"])
    def rules(report):
        return sorted((f["rule"], f["line"]) for f in report["documents"][0]["findings"])
    assert rules(joined) == rules(full)
    assert joined["summary"]["urls"] == full["summary"]["urls"]


def test_merge_rejects_what_is_not_a_report(tmp_path):
    (tmp_path / "x.json").write_text('{"schema": "something/9"}')
    result = refcheck(tmp_path, "merge", "x.json")
    assert result.returncode == 2 and "not a refcheck/1 JSON report" in result.stderr
