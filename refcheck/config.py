"""Configuration files: `[tool.refcheck]` in pyproject.toml or a refcheck.toml, found by walking up from the working directory."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from refcheck.errors import ConfigError
from refcheck.models import Severity

CONFIG_NAMES = ("refcheck.toml", "pyproject.toml")

# Keys that set a command-line option's default: config key → (option name, commands it applies to).
OPTION_KEYS = {
    "timeout": ("timeout", ("check",)),
    "deadline": ("deadline", ("check",)),
    "max_concurrency": ("max_concurrency", ("check",)),
    "per_host": ("per_host", ("check",)),
    "workers": ("workers", ("check",)),
    "retries": ("retries", ("check",)),
    "max_body": ("max_body", ("check",)),
    "include": ("include", ("check",)),
    "exclude": ("exclude", ("check",)),
    "remap": ("remap", ("check",)),
    "accept": ("accept_status", ("check",)),
    "max_redirects": ("max_redirects", ("check",)),
    "cache_dir": ("cache_dir", ("check",)),
    "max_age": ("max_age", ("check",)),
    "max_age_failure": ("max_age_failure", ("check",)),
    "confirm_dead": ("confirm_dead", ("check",)),
    "archive": ("archive", ("check",)),
    "archive_endpoint": ("archive_endpoint", ("check",)),
    "archive_budget": ("archive_budget", ("check",)),
    "soft_404_probe": ("soft_404_probe", ("check",)),
    "root_dir": ("root_dir", ("check",)),
    "base_url": ("base_url", ("check",)),
    "index_files": ("index_files", ("check",)),  # a list, or one comma-separated string
    "assets": ("assets", ("check",)),
    "check_fragments": ("check_fragments", ("check",)),
    "fail_on": ("fail_on", ("check", "extract")),
    "claims_from": ("claims_from", ("check", "extract")),
}
RULE_KEYS = {"severity", "disable", "headers", "resolve"}
# [tool.refcheck.resolve]: key → (type, check command option it sets). Documented in docs/resolve.md.
RESOLVE_KEYS = {
    "resolvers": (list, "resolvers"),
    "searxng_url": (str, None),
    "brave_url": (str, None),
    "crossref_url": (str, None),
    "openalex_url": (str, None),
    "mailto": (str, "mailto"),
    "resolve_dead": (bool, "resolve_dead"),
    "max_sitemaps": (int, "max_sitemaps"),
    "max_candidates": (int, "max_candidates"),
    "max_references": (int, "max_references"),
    "interval": ((int, float), "resolve_interval"),
}
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    defaults: dict = field(default_factory=dict)  # command → {option name: value}
    rule_severity: dict[str, Severity] = field(default_factory=dict)
    disabled_rules: frozenset[str] = frozenset()
    host_headers: tuple[tuple[str, str, str], ...] = ()  # (host, header name, value with ${ENV} resolved)
    resolve: dict = field(default_factory=dict)  # [tool.refcheck.resolve], checked (see RESOLVE_KEYS)


def find_config(start: Path) -> Path | None:
    """The nearest refcheck.toml, or pyproject.toml with a [tool.refcheck] table, from `start` upwards."""
    for folder in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file() and (name == "refcheck.toml" or _has_refcheck_table(candidate)):
                return candidate
    return None


def load_config(path: Path | None, known_rules: set[str]) -> Config:
    if path is None:
        return Config()
    table = _read_table(path)
    unknown = set(table) - set(OPTION_KEYS) - RULE_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    defaults: dict[str, dict] = {}
    for key, value in table.items():
        if key in OPTION_KEYS:
            option, commands = OPTION_KEYS[key]
            if key == "index_files" and isinstance(value, list):
                value = ",".join(str(name) for name in value)
            for command in commands:
                defaults.setdefault(command, {})[option] = _option_value(value)
    return Config(path=path, defaults=defaults, rule_severity=_severities(table.get("severity", {}), known_rules, path),
                  disabled_rules=_disabled(table.get("disable", []), known_rules, path),
                  host_headers=_host_headers(table.get("headers", {}), path),
                  resolve=_resolve_table(table.get("resolve", {}), path))


def _read_table(path: Path) -> dict:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("refcheck", {})
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [tool.refcheck] must be a table")
    return data


def _has_refcheck_table(path: Path) -> bool:
    try:
        return "refcheck" in tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # someone else's broken pyproject is not our configuration


def _option_value(value):
    # Lists become tuples, as click gives for `multiple=True`; durations may be written as numbers or strings.
    return tuple(str(v) if not isinstance(v, int) else v for v in value) if isinstance(value, list) else value


def _severities(table: dict, known_rules: set[str], path: Path) -> dict[str, Severity]:
    result = {}
    for rule, level in table.items():
        _known(rule, known_rules, path)
        try:
            result[rule] = Severity(level)
        except ValueError:
            raise ConfigError(f"{path}: severity of {rule} must be error, warning or info, not {level!r}") from None
    return result


def _disabled(rules: list, known_rules: set[str], path: Path) -> frozenset[str]:
    for rule in rules:
        _known(rule, known_rules, path)
    return frozenset(rules)


def _known(rule: str, known_rules: set[str], path: Path) -> None:
    if rule not in known_rules:
        raise ConfigError(f"{path}: unknown rule {rule!r}")


def _host_headers(table: dict, path: Path) -> tuple[tuple[str, str, str], ...]:
    """`[tool.refcheck.headers."host"]` tables; `${NAME}` reads an environment variable (secrets stay out of files)."""
    headers = []
    for host, values in table.items():
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: headers.{host} must be a table of header names and values")
        for name, value in values.items():
            headers.append((host.lower(), name, _expand(str(value), path)))
    return tuple(headers)


def _expand(value: str, path: Path) -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ConfigError(f"{path}: environment variable {name} is not set")
        return os.environ[name]

    return _ENV_REFERENCE.sub(replace, value)


def _resolve_table(table: dict, path: Path) -> dict:
    """`[tool.refcheck.resolve]`: only known keys, each of its type; `${NAME}` in strings reads the environment."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.refcheck.resolve] must be a table")
    unknown = set(table) - set(RESOLVE_KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) in resolve: {', '.join(sorted(unknown))}")
    checked = {}
    for key, value in table.items():
        kind, _ = RESOLVE_KEYS[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"{path}: resolve.{key} has the wrong type ({type(value).__name__})")
        if key == "resolvers" and not all(isinstance(name, str) for name in value):
            raise ConfigError(f"{path}: resolve.resolvers must be a list of backend names")
        checked[key] = _expand(value, path) if isinstance(value, str) else value
    return checked
