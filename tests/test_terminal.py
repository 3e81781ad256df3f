"""The text report as a person sees it: refcheck run under a real pseudo-terminal, colours on, narrow and wide.

A suite that only ever piped the report let `click.get_terminal_size` (gone since click 8.1) crash every terminal
run. These tests give the command a pty as stdout and stderr, with a window size set, and read what it draws.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.webserver import Reply, WebServer

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ai-policy-ja.txt"
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def run_in_terminal(args: list[str], columns: int, *, cwd: Path = ROOT, timeout: float = 90) -> tuple[int, str]:
    """Run `args` with a pty of `columns` x 50 as stdin, stdout and stderr; return (exit code, everything drawn)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
    env.update(TERM="xterm-256color", FORCE_COLOR="", PYTHONIOENCODING="utf-8")
    env.pop("FORCE_COLOR")
    process = subprocess.Popen(args, stdin=follower, stdout=follower, stderr=follower, cwd=cwd, env=env,
                               start_new_session=True)
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    else:
        process.kill()
        pytest.fail(f"{args} did not finish in {timeout} s under a pty")
    os.close(leader)
    code = process.wait(timeout=10)
    return code, b"".join(chunks).decode("utf-8", "replace")


def plain(drawn: str) -> str:
    return ANSI.sub("", drawn).replace("\r\n", "\n")


@pytest.mark.parametrize("columns", [40, 200])
def test_extract_draws_a_coloured_report_in_a_terminal(columns):
    code, drawn = run_in_terminal([sys.executable, "-m", "refcheck", "extract", str(EXAMPLE)], columns)
    text = plain(drawn)
    assert "internal error" not in text and "Traceback" not in text, text[-2000:]
    assert code in (0, 1), text[-2000:]
    assert "\x1b[" in drawn  # colours are on: the report knows it is in a terminal
    assert "findings by rule" in text and "generic-title" in text
    table_lines = [line for line in text.splitlines() if line[:1] in "┏┃┡│└━┗"]
    assert table_lines, text[-2000:]
    # Tables are laid out for the window: none is wider than it, and the wide one uses more than the narrow one.
    assert max(len(line) for line in table_lines) <= columns
    if columns == 200:
        assert max(len(line) for line in table_lines) > 60


@pytest.fixture(scope="module")
def site():
    with WebServer() as server:
        server.route("/ok", Reply(200, b"<html><head><title>An article</title></head><body><p>Hello</p></body></html>",
                                  headers={"Content-Type": "text/html"}))
        yield server


@pytest.mark.parametrize("columns", [40, 200])
def test_check_draws_progress_and_report_in_a_terminal(tmp_path, site, columns):
    document = tmp_path / "doc.md"
    document.write_text(f"# Notes\n\nSee [the article]({site.url('/ok')}) and [gone]({site.url('/gone')}).\n",
                        encoding="utf-8")
    code, drawn = run_in_terminal(
        [sys.executable, "-m", "refcheck", "check", str(document), "--allow-private", "--no-archive",
         "--cache-dir", str(tmp_path / "cache"), "--retries", "0"], columns, cwd=tmp_path)
    text = plain(drawn)
    assert "internal error" not in text and "Traceback" not in text, text[-2000:]
    assert code == 1, text[-2000:]  # the dead link is an error finding
    assert "\x1b[" in drawn
    assert "dead-link" in text and "/gone" in text
    table_lines = [line for line in text.splitlines() if line[:1] in "┏┃┡│└━┗"]
    assert max(len(line) for line in table_lines) <= columns


def test_make_demo_command_runs_in_a_terminal():
    """`make demo` is `python examples/demo.py`: the README's first command, as a person runs it."""
    code, drawn = run_in_terminal([sys.executable, "examples/demo.py"], 100, timeout=120)
    text = plain(drawn)
    assert "internal error" not in text and "Traceback" not in text, text[-3000:]
    assert code == 0, text[-3000:]
    assert "\x1b[" in drawn
    assert "findings by rule" in text
