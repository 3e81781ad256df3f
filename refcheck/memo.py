"""Rendered reports of `refcheck check` runs that the cache answered wholly, reused by identical reruns.

Why: a CI job or a pre-commit hook often checks the same documents again while every cached answer is still fresh.
Such a run fetches nothing and its report is a pure function of (the documents' bytes, the settings, the output
options, refcheck's code, the cache rows it read: URL results, and the archive's answers for dead sources). Its
rendered outputs and exit code are kept in the cache file under a key of the first four; a later run with the same
key reuses them while the fifth is unchanged: the same rows, stored at the same moments with the same failure
history, none of them stale yet. Anything else — a new fetch, an entry stored again by another run, a pruned entry,
an edited document or option, another refcheck — means the run is done in full.

A reuse opens the cache with the sqlite3 module alone and loads none of the pipeline, so it costs about as much as
starting Python. A run that stores its report has just rendered it; storing is one transaction of a few
megabytes at most. Any SQLite trouble here only means no reuse: the memo is never needed for a correct run.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import os
import sqlite3
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from refcheck.fetch.basis import CACHE_FILENAME, current_digest
from refcheck.fingerprint import code_fingerprint
from refcheck.models import CacheBasis

KEPT_MEMOS = 32  # at most this many memos are kept, the newest; each holds whole rendered reports
MAX_MEMO_CHARS = 32_000_000  # outputs bigger than this are not kept
KEPT_CHARS = 128_000_000  # and the newest memos are kept only up to this many characters together
BUSY_TIMEOUT = 5.0  # seconds to wait for another run's write lock before giving up on the memo (never on the run)


@dataclass(frozen=True)
class StoredReport:
    outputs: tuple[str, ...]  # each rendered output, in the order the run wrote them
    exit_code: int


def memo_key(documents: Sequence[Path], settings, render_options: dict) -> str | None:
    """The key of everything a cache-answered report depends on besides the cache, or None if a document
    cannot be read (the full run then reports that, as it always does)."""
    digest = hashlib.sha256()
    # The working directory too: SARIF and annotations give an absolute document path relative to it.
    head = {"code": code_fingerprint("**/*.py", "data/*"), "python": list(sys.version_info[:2]), "cwd": os.getcwd(),
            "settings": _canonical(settings), "render": _canonical(render_options)}
    digest.update(json.dumps(head, sort_keys=True, ensure_ascii=False).encode())
    for path in documents:
        body = hashlib.sha256()
        try:
            with open(path, "rb") as stream:  # in pieces: a conversation export may be hundreds of megabytes
                for chunk in iter(lambda: stream.read(1 << 20), b""):
                    body.update(chunk)
        except OSError:
            return None
        digest.update(b"\0" + str(path).encode("utf-8", "surrogateescape") + b"\0")
        digest.update(body.digest())
    return digest.hexdigest()


def stored_report(cache_dir: Path, key: str, *, now: float | None = None) -> StoredReport | None:
    """The report stored under `key`, if every cache row it rests on is unchanged and still fresh."""
    path = Path(cache_dir) / CACHE_FILENAME
    if not path.is_file():
        return None
    now = time.time() if now is None else now
    try:
        with _connection(path) as conn:
            row = conn.execute("SELECT targets, digest, fresh_until, newest, outputs, exit_code FROM report_memos"
                               " WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            parts, _, fresh_until, newest, outputs, exit_code = row
            if not (newest <= now < fresh_until):
                return None
            for table, keys, digest in json.loads(parts):
                if current_digest(conn, table, [tuple(k) if isinstance(k, list) else k for k in keys]) != digest:
                    return None
            texts = json.loads(outputs)
    except (sqlite3.Error, ValueError, TypeError):
        return None
    if not (isinstance(texts, list) and all(isinstance(t, str) for t in texts) and isinstance(exit_code, int)):
        return None
    return StoredReport(tuple(texts), exit_code)


def store_report(cache_dir: Path, key: str, basis: CacheBasis, outputs: Sequence[str], exit_code: int) -> bool:
    """Keep a cache-answered run's rendered outputs under `key`; False if they were not kept (too big, busy)."""
    if sum(len(text) for text in outputs) > MAX_MEMO_CHARS:
        return False
    path = Path(cache_dir) / CACHE_FILENAME
    parts = [[part.table, list(part.keys), part.digest] for part in basis.parts]
    digest = hashlib.sha256(" ".join(part.digest for part in basis.parts).encode()).hexdigest()  # a summary
    row = (key, json.dumps(parts, ensure_ascii=False), digest, basis.fresh_until, basis.newest,
           json.dumps(list(outputs), ensure_ascii=False), exit_code, time.time())
    try:
        with _connection(path) as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("INSERT OR REPLACE INTO report_memos (key, targets, digest, fresh_until, newest, outputs,"
                             " exit_code, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
                conn.execute("DELETE FROM report_memos WHERE key IN (SELECT key FROM (SELECT key,"
                             " row_number() OVER newest_first AS place, sum(length(outputs)) OVER newest_first AS chars"
                             " FROM report_memos WINDOW newest_first AS (ORDER BY stored_at DESC, key))"
                             " WHERE place > ? OR chars > ?)", (KEPT_MEMOS, KEPT_CHARS))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
    except sqlite3.Error:
        return False
    return True


class _connection:
    """A short-lived connection to the cache file (which the run's FetchCache created, with its tables, in WAL mode)."""

    def __init__(self, path: Path):
        self.conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)

    def __enter__(self) -> sqlite3.Connection:
        return self.conn

    def __exit__(self, *exc_info) -> None:
        self.conn.close()


def _canonical(value):
    """A JSON-able form of settings that is the same in every process (sets sorted: their order is per process)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return sorted([str(k), _canonical(v)] for k, v in value.items())
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(item) for item in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    if isinstance(value, enum.Enum):
        return _canonical(value.value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return f"{type(value).__name__}:{value!s}"  # Path, compiled patterns and the like
