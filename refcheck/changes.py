"""Which lines of each document changed since a git revision (`--changed-since`), and which URLs a shard owns (`--shard`)."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

from refcheck.errors import ConfigError

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.M)


def changed_lines(path: str, revision: str) -> set[int] | None:
    """Lines of `path` as it is now that differ from `revision`; None when the whole file is new to git."""
    folder = Path(path).resolve().parent
    tracked = _git(folder, "ls-files", "--error-unmatch", "--", Path(path).name, check=False)
    if tracked.returncode != 0:
        return None  # not in git yet: every line is new
    known = _git(folder, "cat-file", "-e", f"{revision}:./{Path(path).name}", check=False)
    if known.returncode != 0:
        return None  # the file did not exist at that revision
    diff = _git(folder, "diff", "--no-color", "--unified=0", "--no-ext-diff", revision, "--", Path(path).name)
    lines: set[int] = set()
    for match in _HUNK.finditer(diff.stdout):
        start, count = int(match.group(1)), int(match.group(2) or 1)
        lines.update(range(start, start + count))
    return lines


def verify_revision(revision: str, folder: Path) -> None:
    if _git(folder, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", check=False).returncode != 0:
        raise ConfigError(f"--changed-since {revision!r}: not a git revision here")


def _git(folder: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    try:
        result = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise ConfigError("--changed-since needs git, which is not installed") from None
    if check and result.returncode != 0:
        raise ConfigError(f"git {' '.join(args[:2])} failed: {result.stderr.strip().splitlines()[-1:] or '?'}")
    return result


def parse_shard(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise ConfigError(f"--shard {text!r}: expected K/N with 1 <= K <= N, e.g. 2/4")
    return int(match.group(1)), int(match.group(2))


def in_shard(url: str, shard: tuple[int, int]) -> bool:
    """A stable hash (not Python's salted hash()), so every CI job agrees on who owns a URL."""
    index, count = shard
    digest = int.from_bytes(hashlib.sha1(url.encode("utf-8")).digest()[:8], "big")
    return digest % count == index - 1
