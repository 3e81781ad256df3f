"""The fetcher's SQLite cache: each fetched URL's last result and revalidation headers, and its failure history."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import functools
import json
import math
import random
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from refcheck.errors import CacheError
from refcheck.fetch.basis import CACHE_FILENAME
from refcheck.fetch.basis import IN_CHUNK as _IN_CHUNK
from refcheck.fetch.basis import results_digest
from refcheck.fetch.soft404 import HostFingerprint, PageShape
from refcheck.models import BasisPart, CacheBasis, FetchResult, PageFacts, Redirect, UrlStatus
from refcheck.settings import CacheSettings


# The shape of the tables. A file written with another schema is rebuilt: it is a cache, nothing in it is precious.
SCHEMA_VERSION = 1

# The version of the page reader whose PageFacts an entry holds. Bump it when page.py learns to read pages better:
# entries written by another version are treated as absent, so the smarter reader sees every page again.
PARSER_VERSION = 3  # 3: PageFacts.title is the title without the site name (refcheck/headline.py)

# Every table a prepared cache file has (the `_ensure_*` methods create them).
_TABLES = frozenset({"meta", "results", "history", "host_fingerprints", "archive_lookups", "archive_outages", "extractions",
                     "report_memos", "resolve_answers"})
BUSY_TIMEOUT = 30.0  # seconds SQLite itself waits for another process's write lock
_LOCK_RETRIES = 5  # then we retry the whole transaction a few times, for the rare busy error SQLite does not wait on

# Outcomes that this run's settings or the cache decided rather than the web: storing them would poison other runs
# (an `unsafe` URL is fine under --allow-private; `offline` means the cache had nothing).
_NOT_STORED = frozenset({UrlStatus.UNSAFE, UrlStatus.INVALID, UrlStatus.EXCLUDED, UrlStatus.OFFLINE})
# Outcomes that extend a failure streak; `ok` ends it; `blocked` says nothing either way and leaves it as it is.
_FAILURES = frozenset({UrlStatus.DEAD, UrlStatus.SOFT_404, UrlStatus.TIMEOUT, UrlStatus.ERROR})
# Outcomes that may go away on their own, so they are always fetched again.
_TRANSIENT = frozenset({UrlStatus.TIMEOUT, UrlStatus.ERROR})

_RESULT_COLUMNS = (
    "fetched_url", "status", "http_status", "final_url", "redirects", "page", "reason", "elapsed",
    "etag", "last_modified", "stored_at", "parser_version", "extra",
)  # fmt: skip
# FetchResult fields that are not stored as they are: the key, and what the cache itself supplies on the way out.
_DERIVED_FIELDS = frozenset({"url", "fetched_url", "from_cache", "first_failed", "failed_runs"})
_SELECT_ENTRY = (
    "SELECT r.fetched_url, r.status, r.http_status, r.final_url, r.redirects, r.page, r.reason, r.elapsed,"
    " r.etag, r.last_modified, r.stored_at, r.extra, h.first_failed, h.failed_runs"
    " FROM results r LEFT JOIN history h ON h.url = r.fetched_url"
    " WHERE r.parser_version = ? AND r.fetched_url"
)
_UPSERT_RESULT = (
    f"INSERT INTO results ({', '.join(_RESULT_COLUMNS)}) VALUES ({', '.join(':' + c for c in _RESULT_COLUMNS)})"
    f" ON CONFLICT(fetched_url) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _RESULT_COLUMNS[1:])}"
)
# The same upserts for many rows in one statement (fetch/cache.py's batched writer): one SQLite step, so one release
# of the GIL, per statement rather than per row. Rows per statement stay under SQLite's oldest host-parameter limit
# (999): 64 × 13 and 128 × 7.
_RESULT_ROWS_PER_STATEMENT = 64
_HISTORY_ROWS_PER_STATEMENT = 128
_HISTORY_COLUMNS = ("url", "first_failed", "failed_runs", "last_failed_run", "last_run_id", "last_status", "last_checked")
_READ_STREAKS = (
    "SELECT json_group_array(json_array(url, first_failed, failed_runs, last_failed_run)) FROM history WHERE url IN"
)
_UPSERT_HISTORY = (
    "INSERT INTO history (url, first_failed, failed_runs, last_failed_run, last_run_id, last_status, last_checked)"
    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET first_failed = excluded.first_failed,"
    " failed_runs = excluded.failed_runs, last_failed_run = excluded.last_failed_run,"
    " last_run_id = excluded.last_run_id, last_status = excluded.last_status, last_checked = excluded.last_checked"
)

T = TypeVar("T")

# Batched writes (FetchCache.store_soon): at most this many rows per transaction, and the writer waits this long
# after the first row of a batch for others to join it (no CPU: it sleeps; a result is reported that much later).
BATCH_ROWS = 256
BATCH_LINGER = 0.005  # seconds


@dataclass(frozen=True)
class CacheEntry:
    """One stored fetch result: `result.url` and `result.fetched_url` are both the URL that was fetched."""

    result: FetchResult
    stored_at: float  # unix time
    etag: str | None
    last_modified: str | None


def is_fresh(entry: CacheEntry, settings: CacheSettings, now: float) -> bool:
    """Whether a stored result may be reused without asking the web again.

    Definite outcomes are reused within their max-age: `ok` for `max_age_ok`; `dead`, `soft-404` and `blocked`
    (401/403, a challenge page) for the shorter `max_age_failure`. Transient ones (timeout, error, any 5xx, 429)
    are never fresh. An entry stamped in the future (a clock that moved back) is not fresh either.
    """
    until = fresh_until(entry, settings)
    return until is not None and entry.stored_at <= now < until


def fresh_until(entry: CacheEntry, settings: CacheSettings) -> float | None:
    """The unix time a stored result stops being fresh (see `is_fresh`), or None if it never is."""
    result = entry.result
    if result.status in _TRANSIENT or _is_transient_http(result.http_status):
        return None
    if result.status == UrlStatus.OK:
        return entry.stored_at + settings.max_age_ok
    if result.status in (UrlStatus.DEAD, UrlStatus.SOFT_404, UrlStatus.BLOCKED):
        return entry.stored_at + settings.max_age_failure
    return None


def cache_basis(entries: dict[str, CacheEntry], settings: CacheSettings, parser_version: int) -> CacheBasis:
    """What a run answered from these (fresh) entries rests on; `current_digest` of the same rows read later gives
    its digest again exactly when none of them was stored again, removed, or had its failure history changed."""
    targets = tuple(sorted(entries))
    rows = [(url, entries[url].stored_at, parser_version, entries[url].result.first_failed,
             entries[url].result.failed_runs) for url in targets]
    return CacheBasis(parts=(BasisPart("results", targets, results_digest(rows)),),
                      fresh_until=min((fresh_until(e, settings) or 0.0 for e in entries.values()), default=math.inf),
                      newest=max((e.stored_at for e in entries.values()), default=0.0))


def _is_transient_http(http_status: int | None) -> bool:
    return http_status is not None and (http_status == 429 or http_status >= 500)


class FetchCache:
    """One open cache file. Every write is its own short transaction, committed before the call returns (for
    `store_soon`, before its future is done: rows handed in together share a transaction).

    Safe to share between threads of one process (calls are serialised), and between processes (SQLite's WAL
    locking; a busy writer is waited for). Entries are keyed by the URL actually fetched (after --remap).

    Failure history, per fetched URL: `dead`, `soft-404`, `timeout` and `error` extend the current streak, counted
    once per `run_id` however often the run stores the URL; `ok` ends it; `blocked` leaves it as it is (it says
    nothing about whether the page exists). `first_failed` is the local date the streak began. By default each
    FetchCache is a run of its own; a reused (fresh) entry is not a new observation and is not counted.
    """

    def __init__(
        self,
        directory: Path,
        *,
        run_id: str | None = None,
        parser_version: int = PARSER_VERSION,
        clock: Callable[[], float] = time.time,
    ):
        self.directory = Path(directory)
        self.path = self.directory / CACHE_FILENAME
        self.run_id = run_id or uuid.uuid4().hex
        self.parser_version = parser_version
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._writer: _BatchWriter | None = None  # started by the first store_soon
        self._conn = self._open()
        try:
            with self._errors("prepare"):
                if not self._is_prepared():
                    self._write(self._ensure_schema)
                    self._write(self._ensure_host_fingerprints)
                    self._write(self._ensure_archive_lookups)
                    self._write(self._ensure_archive_outages)
                    self._write(self._ensure_extractions)
                    self._write(self._ensure_report_memos)
                    self._write(self._ensure_resolve_answers)
        except CacheError:
            self.close()
            raise

    @functools.cached_property
    def db(self):
        """sqlite-utils over our connection, for DDL and counts; loaded only when needed (opening a prepared cache,
        which every run after the first does, needs neither it nor a write transaction)."""
        import sqlite_utils

        return sqlite_utils.Database(self._conn, execute_plugins=False)

    def _is_prepared(self) -> bool:
        """Whether the file already holds this schema version and every table, so that opening it writes nothing."""
        tables = {row[0] for row in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables.issuperset(_TABLES):
            return False
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return row is not None and row[0] == str(SCHEMA_VERSION)

    # ── opening ──────────────────────────────────────────────────────────────────────────────────────────────

    def _open(self) -> sqlite3.Connection:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(f"cannot create cache directory {self.directory}: {exc.strerror or exc}") from exc
        conn = None
        try:
            # isolation_level=None: the sqlite3 module opens no hidden transactions; we BEGIN and COMMIT ourselves.
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
            self._retry_locked(lambda: conn.execute("PRAGMA journal_mode=WAL").fetchone())
            # In WAL mode NORMAL still survives a killed process; only a power cut may lose the last commits.
            conn.execute("PRAGMA synchronous=NORMAL")
            return conn
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            raise CacheError(self._unusable_message(exc)) from exc

    def _unusable_message(self, exc: sqlite3.Error) -> str:
        text = str(exc)
        if "not a database" in text or "malformed" in text:
            return (
                f"cache file {self.path} is not a usable SQLite database ({text}); "
                "delete it or use another --cache-dir"
            )
        return f"cannot open cache {self.path}: {text} (check permissions, or use another --cache-dir or --no-cache)"

    def _ensure_schema(self) -> None:
        """Create the tables, or rebuild them if another schema version made them; runs in the open transaction."""
        # sqlite-utils writes the DDL; we execute it ourselves so it joins our transaction whatever the
        # sqlite-utils version (older ones commit on their own inside Table.create).
        self._conn.execute(self.db.create_table_sql("meta", {"key": str, "value": str}, pk="key", if_not_exists=True))
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is not None and row[0] == str(SCHEMA_VERSION):
            return
        if row is None and set(self.db.table_names()) - {"meta"}:
            # Some other program's database under our file name: rebuilding would destroy its tables.
            raise CacheError(f"{self.path} is an SQLite database but not a refcheck cache; use another --cache-dir")
        for name in ("results", "history"):
            self._conn.execute(f"DROP TABLE IF EXISTS {name}")
        results = {
            "fetched_url": str, "status": str, "http_status": int, "final_url": str, "redirects": str,
            "page": str, "reason": str, "elapsed": float, "etag": str, "last_modified": str,
            "stored_at": float, "parser_version": int, "extra": str,
        }  # fmt: skip
        history = {
            "url": str, "first_failed": str, "failed_runs": int, "last_failed_run": str,
            "last_run_id": str, "last_status": str, "last_checked": float,
        }  # fmt: skip
        self._conn.execute(
            self.db.create_table_sql(
                "results", results, pk="fetched_url", not_null={"status", "stored_at", "parser_version"}
            )
        )
        self._conn.execute("CREATE INDEX results_stored_at ON results (stored_at)")  # for prune
        self._conn.execute(
            self.db.create_table_sql(
                "history", history, pk="url", not_null={"failed_runs"}, defaults={"failed_runs": 0}
            )
        )
        self._conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )

    def _ensure_host_fingerprints(self) -> None:
        """The soft-404 probe's answers, one row per origin; created apart from the versioned tables (additive)."""
        columns = {"host": str, "status": str, "http_status": int, "final_url": str, "title": str, "shape": str,
                   "probe_url": str, "stored_at": float}
        self._conn.execute(self.db.create_table_sql("host_fingerprints", columns, pk="host",
                                                    not_null={"status", "stored_at"}, if_not_exists=True))

    def host_fingerprint(self, host: str) -> tuple[HostFingerprint, float] | None:
        """The stored probe answer for an origin (`scheme://host:port`) and when it was stored, or None."""
        with self._errors("read"):
            row = self._connection().execute(
                "SELECT status, http_status, final_url, title, shape, probe_url, stored_at FROM host_fingerprints"
                " WHERE host = ?", (host,)).fetchone()
        if row is None:
            return None
        status, http_status, final_url, title, shape, probe_url, stored_at = row
        try:
            plain = json.loads(shape) if shape else None
            page_shape = PageShape(int(plain["length"]), tuple(int(v) for v in plain["sketch"])) if plain else None
        except (ValueError, TypeError, KeyError):
            return None  # written by another version: treated as absent, the host is probed again
        return HostFingerprint(host, status, http_status, final_url, title or "", page_shape, probe_url or ""), stored_at

    def store_host_fingerprint(self, fingerprint: HostFingerprint) -> None:
        """Save (or replace) an origin's probe answer, stamped now."""
        shape = fingerprint.shape
        row = (fingerprint.origin, fingerprint.status, fingerprint.http_status, fingerprint.final_url,
               fingerprint.title, _json({"length": shape.length, "sketch": list(shape.sketch)}) if shape else None,
               fingerprint.probe_url, self._clock())
        with self._errors("write"):
            self._write(lambda: self._conn.execute(
                "INSERT OR REPLACE INTO host_fingerprints (host, status, http_status, final_url, title, shape,"
                " probe_url, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row))

    def _ensure_archive_lookups(self) -> None:
        """The archive availability API's answers (fetch/archive.py): one row per (URL, timestamp asked), a miss too."""
        columns = {"url": str, "timestamp": str, "snapshot_url": str, "archived_at": str, "stored_at": float}
        self._conn.execute(self.db.create_table_sql("archive_lookups", columns, pk=("url", "timestamp"),
                                                    not_null={"stored_at"}, if_not_exists=True))

    def archive_lookup(self, url: str, timestamp: str | None) -> tuple[str | None, str | None, float] | None:
        """(snapshot URL or None for a stored miss, archived_at, stored_at) for a URL asked at a timestamp, or None."""
        with self._errors("read"):
            return self._connection().execute(
                "SELECT snapshot_url, archived_at, stored_at FROM archive_lookups WHERE url = ? AND timestamp = ?",
                (url, timestamp or "")).fetchone()

    def store_archive_lookup(self, url: str, timestamp: str | None, snapshot_url: str | None,
                             archived_at: str | None) -> None:
        """Save (or replace) the archive's answer for a URL asked at a timestamp (no snapshot: None), stamped now."""
        row = (url, timestamp or "", snapshot_url, archived_at, self._clock())
        with self._errors("write"):
            self._write(lambda: self._conn.execute(
                "INSERT OR REPLACE INTO archive_lookups (url, timestamp, snapshot_url, archived_at, stored_at)"
                " VALUES (?, ?, ?, ?, ?)", row))

    def _ensure_archive_outages(self) -> None:
        """The archive endpoints that last failed in a way that does not heal within a run (fetch/archive.py)."""
        columns = {"endpoint": str, "reason": str, "stored_at": float}
        self._conn.execute(self.db.create_table_sql("archive_outages", columns, pk="endpoint",
                                                    not_null={"reason", "stored_at"}, if_not_exists=True))

    def archive_outage(self, endpoint: str) -> tuple[str, float] | None:
        """(reason, stored_at) of the last outage recorded for an archive endpoint, or None."""
        with self._errors("read"):
            return self._connection().execute(
                "SELECT reason, stored_at FROM archive_outages WHERE endpoint = ?", (endpoint,)).fetchone()

    def store_archive_outage(self, endpoint: str, reason: str) -> None:
        """Record that an archive endpoint failed for this reason, stamped now (replacing an older record)."""
        row = (endpoint, reason, self._clock())
        with self._errors("write"):
            self._write(lambda: self._conn.execute(
                "INSERT OR REPLACE INTO archive_outages (endpoint, reason, stored_at) VALUES (?, ?, ?)", row))

    def _ensure_extractions(self) -> None:
        """Each document's last extraction (refcheck/extract/plain.py): one row per path, replaced when it changes."""
        columns = {"path": str, "key": str, "body": str, "stored_at": float}
        self._conn.execute(self.db.create_table_sql("extractions", columns, pk="path", not_null={"key", "body"},
                                                    if_not_exists=True))

    def _ensure_report_memos(self) -> None:
        """Rendered reports of runs answered wholly from the cache (memo.py reads and writes them)."""
        # targets: the basis's parts as JSON ([table, keys, digest] each); digest: a digest of their digests.
        columns = {"key": str, "targets": str, "digest": str, "fresh_until": float, "newest": float,
                   "outputs": str, "exit_code": int, "stored_at": float}
        self._conn.execute(self.db.create_table_sql("report_memos", columns, pk="key",
                                                    not_null={"targets", "digest", "outputs"}, if_not_exists=True))

    def _ensure_resolve_answers(self) -> None:
        """The resolution backends' answers (refcheck/resolve/web.py): one row per request, a miss too."""
        columns = {"key": str, "url": str, "status": int, "body": bytes, "content_type": str, "headers": str,
                   "stored_at": float}
        self._conn.execute(self.db.create_table_sql("resolve_answers", columns, pk="key", not_null={"stored_at"},
                                                    if_not_exists=True))

    def resolve_answer(self, key: str) -> tuple[str, int | None, bytes, str | None, str, float] | None:
        """(final URL, status, zlib-compressed body, content type, headers as JSON, stored_at) for a request, or None."""
        with self._errors("read"):
            return self._connection().execute(
                "SELECT url, status, body, content_type, headers, stored_at FROM resolve_answers WHERE key = ?",
                (key,)).fetchone()

    def store_resolve_answer(self, key: str, url: str, status: int | None, body: bytes, content_type: str | None,
                             headers: str) -> None:
        """Save (or replace) a backend's answer to one request (`body` already compressed), stamped now."""
        row = (key, url, status, body, content_type, headers, self._clock())
        with self._errors("write"):
            self._write(lambda: self._conn.execute(
                "INSERT OR REPLACE INTO resolve_answers (key, url, status, body, content_type, headers, stored_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", row))

    def stored_extraction(self, path: str, key: str) -> str | None:
        """The stored extraction of the document at `path` if it was made under `key` (same text, same code)."""
        with self._errors("read"):
            row = self._connection().execute("SELECT body FROM extractions WHERE path = ? AND key = ?",
                                             (path, key)).fetchone()
        return row[0] if row else None

    def store_extraction(self, path: str, key: str, body: str) -> None:
        """Save (or replace) a document's extraction, stamped now."""
        row = (path, key, body, self._clock())
        with self._errors("write"):
            self._write(lambda: self._conn.execute(
                "INSERT OR REPLACE INTO extractions (path, key, body, stored_at) VALUES (?, ?, ?, ?)", row))

    # ── reading ──────────────────────────────────────────────────────────────────────────────────────────────

    def lookup(self, fetched_url: str) -> CacheEntry | None:
        """The stored entry for a fetched URL (its result marked `from_cache`), or None when there is none usable."""
        with self._errors("read"):
            row = self._connection().execute(f"{_SELECT_ENTRY} = ?", (self.parser_version, fetched_url)).fetchone()
        return _entry_from_row(row) if row else None

    def lookup_many(self, fetched_urls: Iterable[str]) -> dict[str, CacheEntry]:
        """Entries for many URLs at once, keyed by fetched URL; URLs with no usable entry are left out."""
        unique = list(dict.fromkeys(fetched_urls))
        entries: dict[str, CacheEntry] = {}
        with self._errors("read"):
            conn = self._connection()
            for start in range(0, len(unique), _IN_CHUNK):
                chunk = unique[start : start + _IN_CHUNK]
                marks = ", ".join("?" * len(chunk))
                for row in conn.execute(f"{_SELECT_ENTRY} IN ({marks})", (self.parser_version, *chunk)):
                    entry = _entry_from_row(row)
                    if entry is not None:
                        entries[row[0]] = entry
        return entries

    # ── writing ──────────────────────────────────────────────────────────────────────────────────────────────

    def store(
        self, result: FetchResult, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """Save a fresh result (committed before returning) and count it in the failure history.

        Returns the result with `first_failed` and `failed_runs` filled in. Outcomes that depend on this run's
        settings rather than on the web (unsafe, invalid, excluded, offline) are not stored and come back as
        they are.
        """
        if result.status in _NOT_STORED:
            return result
        key = result.fetched_url or result.url
        now = self._clock()
        row = _row_from_result(result, key, etag, last_modified, now, self.parser_version)

        def save() -> tuple[str | None, int]:
            self._conn.execute(_UPSERT_RESULT, row)
            return self._record_outcome(key, result.status, now)

        with self._errors("write"):
            first_failed, failed_runs = self._write(save)
        return dataclasses.replace(result, first_failed=first_failed, failed_runs=failed_runs)

    def revalidated(self, fetched_url: str) -> FetchResult | None:
        """A 304 answer: keep the stored entry, restamp it as fetched now, and count this run's check of it.

        Returns the stored result (`from_cache=True`), or None if there is no usable entry to keep.
        """
        now = self._clock()

        def restamp() -> FetchResult | None:
            row = self._conn.execute(f"{_SELECT_ENTRY} = ?", (self.parser_version, fetched_url)).fetchone()
            entry = _entry_from_row(row) if row else None
            if entry is None:
                return None
            self._conn.execute("UPDATE results SET stored_at = ? WHERE fetched_url = ?", (now, fetched_url))
            stored = entry.result
            # 304 says the stored answer still holds, so it counts as this run's outcome (a success for `ok`).
            first_failed, failed_runs = self._record_outcome(fetched_url, stored.status, now)
            return dataclasses.replace(stored, first_failed=first_failed, failed_runs=failed_runs)

        with self._errors("write"):
            return self._write(restamp)

    def _record_outcome(self, url: str, status: UrlStatus, now: float) -> tuple[str | None, int]:
        """Update the failure streak inside the caller's transaction; a run counts once however often it fails."""
        row = self._conn.execute(
            "SELECT first_failed, failed_runs, last_failed_run FROM history WHERE url = ?", (url,)
        ).fetchone()
        first_failed, failed_runs, last_failed_run = _next_streak(row or _NO_STREAK, status, self.run_id, now)
        self._conn.execute(
            _UPSERT_HISTORY,
            (url, first_failed, failed_runs, last_failed_run, self.run_id, str(status), now),
        )
        return first_failed, failed_runs

    # ── batched writing (the fetcher's path) ────────────────────────────────────────────────────────────────

    def store_soon(self, result: FetchResult, *, etag: str | None = None,
                   last_modified: str | None = None) -> asyncio.Future[FetchResult]:
        """`store` for a caller on an event loop: a future of what `store` returns, done once the row is committed.

        Rows handed in while the writer thread is busy (or within BATCH_LINGER of each other) share one transaction,
        and the loop is woken once per transaction, not once per row. The promise is `store`'s: a result is on disk
        before its future is done, so what a SIGKILL can lose is only results nobody has been given yet (a rerun
        fetches them again); the file itself is never damaged (one transaction per batch, WAL). Call from the loop's
        thread; the future is the running loop's.
        """
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        if result.status in _NOT_STORED:
            future.set_result(result)
            return future
        key = result.fetched_url or result.url
        now = self._clock()
        row = _row_tuple(result, key, etag, last_modified, now, self.parser_version)
        # Not under self._lock: the writer holds it for a whole transaction, and the loop must never wait for one.
        if self._conn is None:
            raise CacheError(f"cache {self.path} is closed")
        if self._writer is None:
            self._writer = _BatchWriter(self)
        self._writer.submit(_Pending(key, result.status, now, row, result, future, loop))
        return future

    def _store_batch(self, batch: list[_Pending]) -> list[tuple[str | None, int]]:
        """Write a batch's results and failure history inside the caller's transaction; (first_failed, failed_runs)
        for each row, as `store` would have returned them had the rows been stored one by one, in order."""
        conn = self._conn
        keys = list(dict.fromkeys(item.key for item in batch))
        streaks: dict[str, tuple[str | None, int, str | None]] = {}
        for start in range(0, len(keys), _IN_CHUNK):
            chunk = keys[start : start + _IN_CHUNK]
            # One row whatever the number of URLs: one SQLite step (a step releases the GIL, and a thread waiting
            # to get it back behind a busy event loop waits up to the switch interval, 5 ms, each time).
            (found,) = conn.execute(f"{_READ_STREAKS} ({', '.join('?' * len(chunk))})", chunk).fetchone()
            for url, first_failed, failed_runs, last_failed_run in json.loads(found):
                streaks[url] = (first_failed, failed_runs or 0, last_failed_run)
        answers = []
        results: dict[str, tuple] = {}
        history: dict[str, tuple] = {}
        for item in batch:
            streak = _next_streak(streaks.get(item.key, _NO_STREAK), item.status, self.run_id, item.now)
            streaks[item.key] = streak
            results[item.key] = item.row  # a URL stored twice in one batch: the later row wins, as it would one by one
            history[item.key] = (item.key, *streak, self.run_id, str(item.status), item.now)
            answers.append(streak[:2])
        _upsert_many(conn, "results", _RESULT_COLUMNS, list(results.values()), _RESULT_ROWS_PER_STATEMENT)
        _upsert_many(conn, "history", _HISTORY_COLUMNS, list(history.values()), _HISTORY_ROWS_PER_STATEMENT)
        return answers

    # ── maintenance: `refcheck cache stats|prune|clear` ──────────────────────────────────────────────────────

    def stats(self) -> dict:
        """What the cache holds, as plain JSON-ready values (times are unix seconds)."""
        with self._errors("read"):
            conn = self._connection()
            entries, oldest, newest = conn.execute(
                "SELECT count(*), min(stored_at), max(stored_at) FROM results WHERE parser_version = ?",
                (self.parser_version,),
            ).fetchone()
            by_status = dict(
                conn.execute(
                    "SELECT status, count(*) FROM results WHERE parser_version = ? GROUP BY status ORDER BY status",
                    (self.parser_version,),
                ).fetchall()
            )
            outdated = conn.execute(
                "SELECT count(*) FROM results WHERE parser_version != ?", (self.parser_version,)
            ).fetchone()[0]
            failing = [
                {"url": url, "first_failed": first, "failed_runs": runs, "last_status": last}
                for url, first, runs, last in conn.execute(
                    "SELECT url, first_failed, failed_runs, last_status FROM history WHERE failed_runs > 0"
                    " ORDER BY failed_runs DESC, first_failed, url"
                )
            ]
            history_urls = self.db["history"].count
            documents = self.db["extractions"].count
            reports = self.db["report_memos"].count
            resolve_answers = self.db["resolve_answers"].count
        return {
            "path": str(self.path),
            "entries": entries,
            "by_status": by_status,
            "outdated_entries": outdated,
            "oldest": oldest,
            "newest": newest,
            "file_size": self._file_size(),
            "history_urls": history_urls,
            "failing_urls": len(failing),
            "failing": failing,
            "stored_extractions": documents,
            "stored_reports": reports,
            "resolve_answers": resolve_answers,
        }

    def _file_size(self) -> int:
        # The WAL holds recent commits until a checkpoint folds them in, so it is part of the cache's size.
        sidecars = (self.path, self.path.with_name(self.path.name + "-wal"))
        return sum(p.stat().st_size for p in sidecars if p.exists())

    def prune(self, older_than: float) -> int:
        """Remove entries stored more than `older_than` seconds ago, and entries of other parser versions.

        History of URLs not checked since then goes too. Returns the number of entries removed.
        """
        if older_than < 0:
            raise ValueError("older_than must be zero or more seconds")
        cutoff = self._clock() - older_than

        def remove() -> int:
            removed = self._conn.execute(
                "DELETE FROM results WHERE stored_at < ? OR parser_version != ?", (cutoff, self.parser_version)
            ).rowcount
            self._conn.execute(
                "DELETE FROM history WHERE last_checked < ?"
                " AND url NOT IN (SELECT fetched_url FROM results)",
                (cutoff,),
            )
            self._conn.execute("DELETE FROM host_fingerprints WHERE stored_at < ?", (cutoff,))
            self._conn.execute("DELETE FROM archive_lookups WHERE stored_at < ?", (cutoff,))
            self._conn.execute("DELETE FROM resolve_answers WHERE stored_at < ?", (cutoff,))
            self._conn.execute("DELETE FROM archive_outages WHERE stored_at < ?", (cutoff,))
            self._conn.execute("DELETE FROM extractions WHERE stored_at < ?", (cutoff,))
            # A memo rests on entries; one whose entries may just have gone is useless (and big).
            self._conn.execute("DELETE FROM report_memos WHERE newest < ? OR stored_at < ?", (cutoff, cutoff))
            return removed

        with self._errors("prune"):
            return self._write(remove)

    def clear(self) -> int:
        """Remove every entry and all history. Returns the number of entries removed."""

        def remove() -> int:
            removed = self._conn.execute("DELETE FROM results").rowcount
            self._conn.execute("DELETE FROM history")
            self._conn.execute("DELETE FROM host_fingerprints")
            self._conn.execute("DELETE FROM archive_lookups")
            self._conn.execute("DELETE FROM resolve_answers")
            self._conn.execute("DELETE FROM archive_outages")
            self._conn.execute("DELETE FROM extractions")
            self._conn.execute("DELETE FROM report_memos")
            return removed

        with self._errors("clear"):
            removed = self._write(remove)
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed

    # ── plumbing ─────────────────────────────────────────────────────────────────────────────────────────────

    def reopened(self) -> FetchCache:
        """A second connection to the same file, as the same run (a forked worker process must not use this one's)."""
        return FetchCache(self.directory, run_id=self.run_id, parser_version=self.parser_version, clock=self._clock)

    def close(self) -> None:
        """Close the file, after the batched writer has committed every row handed to it; calling it twice is
        harmless."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.finish()
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> FetchCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise CacheError(f"cache {self.path} is closed")
        return self._conn

    def _write(self, work: Callable[[], T]) -> T:
        """Run `work` in one IMMEDIATE transaction and commit it, retrying if the database stays locked."""
        conn = self._connection()

        def attempt() -> T:
            # IMMEDIATE takes the write lock up front, so a read-then-write never fails halfway on a lock upgrade.
            conn.execute("BEGIN IMMEDIATE")
            try:
                value = work()
                conn.execute("COMMIT")
                return value
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

        return self._retry_locked(attempt)

    @staticmethod
    def _retry_locked(attempt: Callable[[], T]) -> T:
        for tries_left in range(_LOCK_RETRIES - 1, -1, -1):
            try:
                return attempt()
            except sqlite3.OperationalError as exc:
                if tries_left == 0 or not _is_lock_error(exc):
                    raise
                time.sleep(random.uniform(0.05, 0.25))  # jitter, so two waiting writers do not collide again
        raise AssertionError("unreachable")

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Serialise calls, and turn any SQLite failure into one CacheError line."""
        with self._lock:
            try:
                yield
            except sqlite3.Error as exc:
                text = str(exc)
                if "not a database" in text or "malformed" in text:
                    raise CacheError(self._unusable_message(exc)) from exc
                raise CacheError(f"cannot {action} cache {self.path}: {text}") from exc


def _is_lock_error(exc: sqlite3.OperationalError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


# ── failure streaks ──────────────────────────────────────────────────────────────────────────────────────────────

# A URL with no history row: no streak. (first_failed, failed_runs, last_failed_run)
_NO_STREAK: tuple[str | None, int, str | None] = (None, 0, None)


def _next_streak(streak: tuple[str | None, int, str | None], status: UrlStatus, run_id: str,
                 now: float) -> tuple[str | None, int, str | None]:
    """The streak after this run's outcome: failures extend it (once per run), `ok` ends it, `blocked` keeps it."""
    first_failed, failed_runs, last_failed_run = streak
    if status in _FAILURES:
        if failed_runs == 0:
            first_failed, failed_runs = date.fromtimestamp(now).isoformat(), 1
        elif last_failed_run != run_id:
            failed_runs += 1
        last_failed_run = run_id
    elif status == UrlStatus.OK:
        first_failed, failed_runs, last_failed_run = None, 0, None
    return first_failed, failed_runs, last_failed_run


# ── the batched writer ───────────────────────────────────────────────────────────────────────────────────────────


class _Pending(tuple):
    """One row handed to the writer: what to write, and whom to tell once it is committed."""

    __slots__ = ()
    key = property(lambda self: self[0])
    status = property(lambda self: self[1])
    now = property(lambda self: self[2])
    row = property(lambda self: self[3])
    result = property(lambda self: self[4])
    future = property(lambda self: self[5])
    loop = property(lambda self: self[6])

    def __new__(cls, key, status, now, row, result, future, loop):
        return tuple.__new__(cls, (key, status, now, row, result, future, loop))


@functools.cache
def _upsert_sql(table: str, columns: tuple[str, ...], rows: int) -> str:
    marks = "(" + ", ".join("?" * len(columns)) + ")"
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([marks] * rows)}"
            f" ON CONFLICT({columns[0]}) DO UPDATE SET {updates}")


def _upsert_many(conn: sqlite3.Connection, table: str, columns: tuple[str, ...], rows: list[tuple],
                 per_statement: int) -> None:
    """Insert or replace rows keyed by their first column (unique within `rows`), many rows per statement."""
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        conn.execute(_upsert_sql(table, columns, len(chunk)), [value for row in chunk for value in row])


class _BatchWriter:
    """A FetchCache's writer thread: takes every row waiting, commits them in one transaction (at most BATCH_ROWS),
    then tells each row's loop once, with one call_soon_threadsafe for the whole batch."""

    def __init__(self, cache: FetchCache):
        self._cache = cache
        self._pending: collections.deque[_Pending] = collections.deque()
        self._wake = threading.Event()
        self._finishing = False
        self._thread = threading.Thread(target=self._run, name="refcheck-cache-writer", daemon=True)
        self._thread.start()

    def submit(self, item: _Pending) -> None:
        self._pending.append(item)
        # Set only when clear (an Event's set takes its lock): the writer clears it before it drains the rows, so a
        # row appended while it is still set is drained by the pass about to begin.
        if not self._wake.is_set():
            self._wake.set()

    def finish(self) -> None:
        """Commit what is waiting, then stop the thread."""
        self._finishing = True
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            if not self._finishing and BATCH_LINGER > 0:
                time.sleep(BATCH_LINGER)  # let the rows of the next few milliseconds join this transaction
            self._wake.clear()  # before draining: a row added from here on sets it again
            while self._pending:
                batch = [self._pending.popleft() for _ in range(min(BATCH_ROWS, len(self._pending)))]
                self._commit(batch)
            if self._finishing and not self._pending:
                return

    def _commit(self, batch: list[_Pending]) -> None:
        cache = self._cache
        try:
            with cache._errors("write"):
                answers: list | BaseException = cache._write(lambda: cache._store_batch(batch))
        except Exception as exc:  # a CacheError, given to each row's caller as `store` would raise it
            answers = exc
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Pending, Any]]] = {}
        for index, item in enumerate(batch):
            answer = answers if isinstance(answers, BaseException) else answers[index]
            by_loop.setdefault(item.loop, []).append((item, answer))
        for loop, settled in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, settled)
            except RuntimeError:
                pass  # that loop is closed: nobody is waiting any more (the rows are committed all the same)


def _settle(settled: list[tuple[_Pending, Any]]) -> None:
    """On the loop's thread: complete each row's future with the stored result (or the batch's error)."""
    for item, answer in settled:
        future = item.future
        if future.done():  # cancelled while its row was being written
            continue
        if isinstance(answer, BaseException):
            future.set_exception(CacheError(str(answer)) if isinstance(answer, CacheError) else answer)
            continue
        result = item.result
        first_failed, failed_runs = answer
        if result.first_failed != first_failed or result.failed_runs != failed_runs:
            result = dataclasses.replace(result, first_failed=first_failed, failed_runs=failed_runs)
        future.set_result(result)


# ── FetchResult ⇄ row ────────────────────────────────────────────────────────────────────────────────────────────


def _row_from_result(
    result: FetchResult, key: str, etag: str | None, last_modified: str | None, now: float, parser_version: int
) -> dict[str, Any]:
    extra = {name: _plain(getattr(result, name)) for name in _extra_names(type(result))}
    return {
        "fetched_url": key,
        "status": str(result.status),
        "http_status": result.http_status,
        "final_url": result.final_url,
        "redirects": _json([[r.url, r.status] for r in result.redirects]),
        "page": _page_json(result.page) if result.page is not None else None,
        "reason": result.reason,
        "elapsed": result.elapsed,
        "etag": etag,
        "last_modified": last_modified,
        "stored_at": now,
        "parser_version": parser_version,
        "extra": _json(extra) if extra else None,
    }


def _row_tuple(result: FetchResult, key: str, etag: str | None, last_modified: str | None, now: float,
               parser_version: int) -> tuple:
    """`_row_from_result` as a tuple in `_RESULT_COLUMNS` order, made without the dict (one per stored result, on
    the event loop): tests/fetch/test_cache_batched.py holds the equality."""
    redirects = result.redirects
    page = result.page
    return (key, str(result.status), result.http_status, result.final_url,
            _json([[r.url, r.status] for r in redirects]) if redirects else "[]",
            _page_json(page) if page is not None else None,
            result.reason, result.elapsed, etag, last_modified, now, parser_version, _extra_json(result))


def _extra_json(result: FetchResult) -> str | None:
    """The `extra` column of `_row_from_result`; most results have none of those fields set, whose text is made once."""
    names = _extra_names(type(result))
    if not names:
        return None
    values = [getattr(result, name) for name in names]
    if values.count(None) == len(values):
        return _no_extras(names)
    return _json({name: _plain(value) for name, value in zip(names, values)})


@functools.cache
def _no_extras(names: tuple[str, ...]) -> str:
    return _json(dict.fromkeys(names))


def _entry_from_row(row: tuple) -> CacheEntry | None:
    """The entry a row holds, or None for a row this version of refcheck cannot read (treated as absent)."""
    try:
        return _decode_row(row)
    except (ValueError, TypeError, KeyError):
        return None


def _decode_row(row: tuple) -> CacheEntry:
    (key, status, http_status, final_url, redirects, page, reason, elapsed,
     etag, last_modified, stored_at, extra, first_failed, failed_runs) = row  # fmt: skip
    result = FetchResult(
        url=key,
        fetched_url=key,
        status=_STATUSES[status],
        http_status=http_status,
        final_url=final_url,
        redirects=_redirects_from_json(redirects),
        page=_page_from_plain(json.loads(page)) if page else None,
        from_cache=True,
        reason=reason,
        elapsed=elapsed if elapsed is not None else 0.0,
        first_failed=first_failed,
        failed_runs=failed_runs or 0,
        **(_extra_fields(extra) if extra else {}),
    )
    return CacheEntry(result=result, stored_at=stored_at, etag=etag, last_modified=last_modified)


# UrlStatus(value) without the enum call's overhead; an unknown status is a KeyError, read as an unusable row.
_STATUSES = {status.value: status for status in UrlStatus}


@functools.lru_cache(maxsize=256)
def _extra_fields(text: str) -> dict[str, Any]:
    # Nearly every row holds one of a few `extra` texts (most often: no archive copy), so each is parsed once.
    # The dict is shared between calls: it is only ever unpacked (**), never changed.
    return _known_fields(FetchResult, json.loads(text))


def _redirects_from_json(text: str | None) -> tuple[Redirect, ...]:
    if not text or text == "[]":  # most URLs do not redirect: skip the JSON parser
        return ()
    return tuple(Redirect(url, status) for url, status in json.loads(text))


def _page_from_plain(data: dict) -> PageFacts:
    return PageFacts(**_known_fields(PageFacts, data))


def _known_fields(cls: type, data: dict) -> dict[str, Any]:
    """Keep only the fields `cls` still has (the model may have changed since the entry was written)."""
    names = _field_names(cls)
    return {name: _tuples(value) if type(value) is list else value for name, value in data.items() if name in names}


@functools.cache
def _field_names(cls: type) -> frozenset[str]:
    # Cached: a warm run decodes thousands of entries, and dataclasses.fields() is slow enough to show.
    return frozenset(f.name for f in dataclasses.fields(cls))


@functools.cache
def _extra_names(cls: type) -> tuple[str, ...]:
    """The FetchResult fields kept in the `extra` column, in field order."""
    return tuple(f.name for f in dataclasses.fields(cls) if f.name not in _DERIVED_FIELDS and f.name not in _RESULT_COLUMNS)


@functools.cache
def _field_order(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _page_json(page: PageFacts) -> str:
    """`_json(_plain(page))` without the walk: PageFacts holds only strings, numbers, booleans and tuples of them,
    which json writes as `_plain` would have them (a tuple as a list). A field that one day holds a dataclass makes
    json raise rather than write something else."""
    return _json({name: getattr(page, name) for name in _field_order(type(page))})


def _plain(value: Any) -> Any:
    """A dataclass as JSON-ready dicts and lists (tuples come back as tuples on the way out)."""
    if value is None or type(value) is str:  # most of what it is given (the archive fields of a row)
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _tuples(value: Any) -> Any:
    # The models are frozen dataclasses with tuple fields; JSON only has lists.
    if isinstance(value, list):
        return tuple(_tuples(item) for item in value)
    return value


# json.dumps with options builds a JSONEncoder per call; one made once writes the same text (two per stored row).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _json(value: Any) -> str:
    return _ENCODER.encode(value)
