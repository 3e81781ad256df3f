"""The cache's host_fingerprints table: the soft-404 probe's answer per origin, stored and read back from a real SQLite file."""

from __future__ import annotations

import sqlite3

from refcheck.fetch.cache import CACHE_FILENAME, FetchCache
from refcheck.fetch.soft404 import HostFingerprint, PageShape


def test_a_fingerprint_round_trips_and_is_replaced(tmp_path):
    first = HostFingerprint("http://127.0.0.1:8080", "ok", 200, None, "uutiset", PageShape(180, (3, 9, 27)),
                            "http://127.0.0.1:8080/a/refcheck-probe-1.html")
    with FetchCache(tmp_path, clock=lambda: 1000.0) as cache:
        assert cache.host_fingerprint(first.origin) is None
        cache.store_host_fingerprint(first)
    with FetchCache(tmp_path) as cache:  # another run, another connection
        assert cache.host_fingerprint(first.origin) == (first, 1000.0)
        honest = HostFingerprint(first.origin, "dead", 404, None, "", None, first.probe_url)
        cache.store_host_fingerprint(honest)
        assert cache.host_fingerprint(first.origin)[0] == honest


def test_clear_and_prune_remove_fingerprints(tmp_path):
    now = [1000.0]
    with FetchCache(tmp_path, clock=lambda: now[0]) as cache:
        cache.store_host_fingerprint(HostFingerprint("https://old.example", "dead", 404, None, "", None))
        now[0] = 5000.0
        cache.store_host_fingerprint(HostFingerprint("https://new.example", "dead", 404, None, "", None))
        cache.prune(older_than=100)
        assert cache.host_fingerprint("https://old.example") is None
        assert cache.host_fingerprint("https://new.example") is not None
        cache.clear()
        assert cache.host_fingerprint("https://new.example") is None


def test_a_cache_written_before_the_table_existed_gains_it(tmp_path):
    FetchCache(tmp_path).close()
    with sqlite3.connect(tmp_path / CACHE_FILENAME) as conn:
        conn.execute("DROP TABLE host_fingerprints")
    with FetchCache(tmp_path) as cache:
        cache.store_host_fingerprint(HostFingerprint("https://x.example", "dead", 410, None, "", None))
        assert cache.host_fingerprint("https://x.example")[0].http_status == 410


def test_an_unreadable_shape_counts_as_absent(tmp_path):
    with FetchCache(tmp_path) as cache:
        cache.store_host_fingerprint(HostFingerprint("https://x.example", "ok", 200, None, "t", PageShape(5, (1,))))
    with sqlite3.connect(tmp_path / CACHE_FILENAME) as conn:
        conn.execute("UPDATE host_fingerprints SET shape = '{\"length\": 5}'")
    with FetchCache(tmp_path) as cache:
        assert cache.host_fingerprint("https://x.example") is None
