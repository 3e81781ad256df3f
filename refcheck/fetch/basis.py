"""What a cache-answered report rests on, as a digest of cache rows: computed by the run that read them
(`fetch.cache.cache_basis`) and again by a later run before it reuses that report (`memo.py`).

Only the sqlite3 module here: a reuse must not pay for loading the cache class or the page reader.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable

CACHE_FILENAME = "refcheck.sqlite"  # the cache file in its --cache-dir (here, where a reuse can read it cheaply)
IN_CHUNK = 500  # URLs per `IN (...)` query; well under SQLite's host-parameter limit


def basis_digest(rows: Iterable[tuple[str, float, int, str | None, int | None]]) -> str:
    """A digest of (fetched URL, stored_at, parser version, first_failed, failed_runs) rows, in URL order."""
    digest = hashlib.sha256()
    for url, stored_at, parser_version, first_failed, failed_runs in sorted(rows, key=lambda row: row[0]):
        digest.update(json.dumps([url, repr(float(stored_at)), parser_version, first_failed, failed_runs or 0],
                                 ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def current_basis_digest(conn: sqlite3.Connection, targets: list[str]) -> str | None:
    """`basis_digest` of the rows the cache holds now for `targets`, or None if any of them is gone."""
    rows = []
    for start in range(0, len(targets), IN_CHUNK):
        chunk = targets[start : start + IN_CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows += conn.execute(
            "SELECT r.fetched_url, r.stored_at, r.parser_version, h.first_failed, h.failed_runs FROM results r"
            f" LEFT JOIN history h ON h.url = r.fetched_url WHERE r.fetched_url IN ({marks})", chunk).fetchall()
    return basis_digest(rows) if len(rows) == len(targets) else None
