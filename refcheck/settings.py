"""Frozen run settings: what the CLI (and later a config file) decided, handed to the pipeline as one value."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from refcheck.models import Format, Severity


@dataclass(frozen=True)
class FetchSettings:
    timeout: float = 10.0  # seconds per request (connect, and each read of the body)
    deadline: float = 30.0  # seconds per URL, all attempts and redirects together
    max_concurrency: int = 128  # requests in flight at once (lychee's default too)
    per_host: int = 4  # requests in flight to one host at once
    max_body_bytes: int = 2 * 1024 * 1024  # of the decoded body; enough for title, metadata and main text
    max_redirects: int = 10
    retries: int = 3  # extra attempts for transient failures
    retry_after_cap: float = 30.0  # longest Retry-After honoured, seconds
    host_retry_budget: int = 20  # retries one host may use in a run before its failures are final
    allow_private: bool = False
    remaps: tuple[tuple[str, str], ...] = ()  # (regex, replacement)
    include: tuple[str, ...] = ()  # regexes; if any, only matching URLs are checked
    exclude: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    host_headers: tuple[tuple[str, str, str], ...] = ()  # (host, name, value): sent only to that host and its subdomains
    accept_status: tuple[int, ...] = ()  # extra HTTP statuses treated as ok
    user_agent: str | None = None  # default: "refcheck/<version> (+project url)"
    probe_soft_404: bool = True  # ask each host once for a path that cannot exist, to recognise its soft 404s


@dataclass(frozen=True)
class CacheSettings:
    directory: Path = Path("cache")
    enabled: bool = True
    offline: bool = False  # answer from the cache only
    max_age_ok: float = 7 * 86400.0  # seconds a definite success is reused
    max_age_failure: float = 86400.0  # seconds a definite failure (404, NXDOMAIN) is reused
    confirm_dead: int = 1  # a failure is `dead` only after this many separate runs


@dataclass(frozen=True)
class Settings:
    fetch: FetchSettings = field(default_factory=FetchSettings)
    cache: CacheSettings = field(default_factory=CacheSettings)
    input_format: Format | None = None
    fail_on: Severity = Severity.ERROR
    claims_from: str = "all"  # "assistant" | "user" | "all"
    show_progress: bool = False
    disabled_rules: frozenset[str] = frozenset()
    rule_severity: dict[str, Severity] = field(default_factory=dict)  # overrides of the registry's defaults
