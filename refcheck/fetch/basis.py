"""What a cache-answered report rests on, as digests of cache rows: computed by the run that read them
(`fetch.cache.cache_basis`, `fetch.archive`) and again by a later run before it reuses that report (`memo.py`).

Only the sqlite3 module here: a reuse must not pay for loading the cache class or the page reader.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence

CACHE_FILENAME = "refcheck.sqlite"  # the cache file in its --cache-dir (here, where a reuse can read it cheaply)
IN_CHUNK = 500  # URLs per `IN (...)` query; well under SQLite's host-parameter limit


def results_digest(rows: Iterable[tuple[str, float, int, str | None, int | None]]) -> str:
    """A digest of (fetched URL, stored_at, parser version, first_failed, failed_runs) rows, in URL order."""
    return _digest((url, repr(float(stored_at)), version, first_failed, failed_runs or 0)
                   for url, stored_at, version, first_failed, failed_runs in rows)


def lookups_digest(rows: Iterable[tuple[str, str, str | None, str | None, float]]) -> str:
    """A digest of archive_lookups rows: (url, timestamp, snapshot_url, archived_at, stored_at), in key order."""
    return _digest((url, timestamp, snapshot, archived_at, repr(float(stored_at)))
                   for url, timestamp, snapshot, archived_at, stored_at in rows)


def current_digest(conn: sqlite3.Connection, table: str, keys: Sequence) -> str | None:
    """The digest the cache's rows for `keys` give now, or None if any of them is gone (or the table is unknown)."""
    if table == "results":
        rows = _result_rows(conn, list(keys))
        return results_digest(rows) if len(rows) == len(keys) else None
    if table == "archive_lookups":
        rows = [row for url, timestamp in keys for row in conn.execute(
            "SELECT url, timestamp, snapshot_url, archived_at, stored_at FROM archive_lookups"
            " WHERE url = ? AND timestamp = ?", (url, timestamp))]
        return lookups_digest(rows) if len(rows) == len(keys) else None
    return None


def _result_rows(conn: sqlite3.Connection, targets: list[str]) -> list[tuple]:
    rows = []
    for start in range(0, len(targets), IN_CHUNK):
        chunk = targets[start : start + IN_CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows += conn.execute(
            "SELECT r.fetched_url, r.stored_at, r.parser_version, h.first_failed, h.failed_runs FROM results r"
            f" LEFT JOIN history h ON h.url = r.fetched_url WHERE r.fetched_url IN ({marks})", chunk).fetchall()
    return rows


def _digest(rows: Iterable[tuple]) -> str:
    digest = hashlib.sha256()
    for row in sorted(rows, key=lambda row: json.dumps(row[:2])):
        digest.update(json.dumps(list(row), ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()
