"""The command line: options → Settings → pipeline → reporters → exit code. No logic of its own."""

from __future__ import annotations

import gc
import os
import re
import shutil
import sys
from pathlib import Path

import click

from refcheck import __version__
from refcheck.errors import ConfigError, RefcheckError
from refcheck.models import Format, Report, Severity
from refcheck.report import worst_severity
from refcheck.report.clean import one_line
from refcheck.settings import CacheSettings, FetchSettings, Settings

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
REPORT_FORMATS = ("text", "json", "markdown", "html", "sarif", "junit", "github")
RESOLVERS = ("site", "crossref", "openalex", "searxng", "brave")  # refcheck/resolve/resolver.py BACKENDS
FORMAT_BY_SUFFIX = {".json": "json", ".sarif": "sarif", ".xml": "junit", ".md": "markdown", ".txt": "text",
                    ".html": "html", ".htm": "html"}


def run() -> None:
    """The `refcheck` command (and `python -m refcheck`): `main`, then leave at once.

    Tearing the interpreter down frees every object of the run one by one: ~0.25 s after a 2,000-URL check, ~0.08 s
    after a cached rerun, for nothing. By the time `main` returns, every report file has been written and closed,
    the cache closed and the fetch workers joined; what is left is stdout and stderr, flushed here. (mypy leaves
    the same way.) Library callers and tests use `main`, which exits normally, and so does the command with
    REFCHECK_NO_FAST_EXIT=1 (a profiler or coverage tool that writes its data at exit needs the interpreter's exit).
    """
    try:
        main()
        status = EXIT_OK
    except SystemExit as done:
        status = _exit_status(done.code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`refcheck … | head`) or stream: nothing more can be said
            pass
    if os.environ.get("REFCHECK_NO_FAST_EXIT"):
        sys.exit(status)
    os._exit(status)


def _exit_status(code: object) -> int:
    """What the interpreter makes of `SystemExit(code)`: None is 0, an int itself, anything else printed and 1."""
    if code is None:
        return EXIT_OK
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def main() -> None:
    """Entry point: any RefcheckError becomes one line on stderr and exit 2, never a traceback."""
    # A run builds hundreds of thousands of small objects (tokens, dataclasses, parsed pages) and keeps most of them
    # until the report; with the default thresholds (700 allocations) the collector keeps rescanning them. Cycles are
    # rare here, so collecting less often costs no memory to speak of and saves 5–10% of a run's CPU.
    gc.set_threshold(50_000, 20, 20)
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.Abort:
        click.echo("refcheck: aborted", err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as error:
        error.show()
        sys.exit(EXIT_USAGE)
    except RefcheckError as error:
        click.echo(f"refcheck: {one_line(str(error))}", err=True)  # one line, whatever a file name or document holds
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        click.echo("refcheck: interrupted", err=True)
        sys.exit(130)
    except Exception as error:  # a bug: still one line, with a way to see the traceback
        if os.environ.get("REFCHECK_DEBUG"):
            raise
        click.echo(f"refcheck: internal error: {type(error).__name__}: {one_line(str(error))} "
                   "(set REFCHECK_DEBUG=1 for details)", err=True)
        sys.exit(EXIT_INTERNAL)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="refcheck")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True),
              help="Configuration file (default: the nearest refcheck.toml, or pyproject.toml with [tool.refcheck]).")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """Check the citations in documents: references, [N] markers, links, and the claims that rest on them.

    \b
    refcheck extract FILE...   list references, markers, links and claims; offline findings only
    refcheck check FILE...     also fetch every URL once (cached) and report dead links, soft 404s,
                               title and site mismatches, and claims their sources do not support
    refcheck cache stats       what the URL cache holds (also: prune, clear)

    Documents: conversation exports (.txt), Markdown, HTML and MediaWiki wikitext; directories are
    searched for them. Exit codes: 0 no finding at or above --fail-on, 1 there is one, 2 usage error
    or unreadable input, 3 internal error.
    """
    from refcheck.config import find_config, load_config
    from refcheck.rules.registry import RULES

    path = Path(config_path) if config_path else find_config(Path.cwd())
    config = load_config(path, set(RULES))
    ctx.obj = config
    ctx.default_map = config.defaults  # options given on the command line still win


def _common_options(function):
    options = [
        click.argument("paths", nargs=-1, required=True, type=click.Path()),
        click.option("--format", "formats", multiple=True, type=click.Choice(REPORT_FORMATS),
                     help="Report format (default: text, or what each --output's extension says); repeat it with "
                          "--output to write several in one run."),
        click.option("--output", "outputs", multiple=True, type=click.Path(dir_okay=False),
                     help="Write the report to FILE instead of stdout; the Nth --output takes the Nth --format."),
        click.option("--input-format", type=click.Choice([f.value for f in Format]),
                     help="Read every document as this format instead of detecting it."),
        click.option("--conversation", "conversations", multiple=True, metavar="ID|TITLE",
                     help="From ChatGPT or Claude exports (conversations.json), read only this conversation (its id "
                          "or its exact title). Repeatable; default: every conversation."),
        click.option("--fail-on", type=click.Choice([s.value for s in Severity] + ["never"]), default="error",
                     show_default=True, help="Exit 1 when a finding has at least this severity."),
        click.option("--claims-from", type=click.Choice(["all", "assistant", "user"]), default="all", show_default=True,
                     help="In conversation exports, whose sentences are checked as claims."),
        click.option("--changed-since", metavar="GIT_REV",
                     help="Check only references, links and claims on lines changed since this git revision."),
        click.option("--exclude-path", "exclude_paths", multiple=True, metavar="REGEX",
                     help="Do not read documents whose path matches this (searched in the path). Repeatable."),
        click.option("--hidden", is_flag=True,
                     help="Directory walks also enter hidden files and folders (git-ignored files stay skipped)."),
        click.option("--disable", "disable_rules", multiple=True, metavar="RULE",
                     help="Turn this rule off (as `disable` in the config file). Repeatable."),
        click.option("--enable", "enable_rules", multiple=True, metavar="RULE",
                     help="Turn this rule back on when the config file disables it. Repeatable."),
        click.option("-q", "--quiet", is_flag=True, help="Text report: findings only, no tables."),
        click.option("-v", "--verbose", is_flag=True,
                     help="Text report: also info findings and passages. On stderr: when an earlier run's report is "
                          "reused."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@cli.command()
@_common_options
@click.pass_obj
def extract(config, paths, formats, outputs, input_format, conversations, fail_on, claims_from, changed_since,
            exclude_paths, hidden, disable_rules, enable_rules, quiet, verbose):
    """List the references, [N] markers, links and claims of each document, with the findings that need no
    network (missing, unused, duplicate and URL-less references, generic titles, invalid URLs, uncited claims)."""
    from refcheck.pipeline import extract_paths

    settings = Settings(input_format=Format(input_format) if input_format else None, claims_from=claims_from,
                        conversations=tuple(conversations),
                        rule_severity=config.rule_severity,
                        disabled_rules=_disabled_rules(config, disable_rules, enable_rules),
                        changed_since=_revision(changed_since), exclude_paths=_regexes(exclude_paths, "--exclude-path"),
                        hidden=hidden)
    report = extract_paths(paths, settings)
    _emit(report, _output_plan(formats, outputs), quiet=quiet, verbose=verbose, fail_on=fail_on, keep=False)
    sys.exit(_exit_code(report, fail_on))


@cli.command()
@_common_options
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds per request.")
@click.option("--deadline", type=float, default=30.0, show_default=True, help="Seconds per URL, all retries included.")
@click.option("--max-concurrency", type=click.IntRange(1, 1024), default=128, show_default=True,
              help="Requests in flight at once.")
@click.option("--per-host", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Requests in flight to one host at once.")
@click.option("--workers", type=click.IntRange(0, 16), default=0, show_default=True,
              help="Processes that fetch, each host in one of them; 0: one per core (up to 4) for big runs.")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Extra attempts for timeouts, connection errors, 429 and 502/503/504.")
@click.option("--max-body", type=click.IntRange(1024), default=2 * 1024 * 1024, show_default=True,
              help="Bytes of (decoded) body read per page.")
@click.option("--remap", multiple=True, metavar="'REGEX REPLACEMENT'",
              help="Fetch matching URLs from elsewhere (findings still name the URL as written). Repeatable.")
@click.option("--include", multiple=True, metavar="REGEX", help="Check only URLs matching one of these.")
@click.option("--exclude", multiple=True, metavar="REGEX", help="Do not check URLs matching this.")
@click.option("--header", multiple=True, metavar="'NAME: VALUE'", help="Extra request header. Repeatable.")
@click.option("--accept", "accept_status", multiple=True, metavar="STATUSES",
              help="HTTP statuses also treated as ok: 403, 429,503 or ranges 400..=403 (lychee's syntax). Repeatable.")
@click.option("--max-redirects", type=click.IntRange(0, 50), default=10, show_default=True,
              help="Redirects followed per URL; one more is an error.")
@click.option("--allow-private", is_flag=True,
              help="Also fetch URLs that resolve to loopback, private or link-local addresses (refused by default).")
@click.option("--cache-dir", type=click.Path(file_okay=False), default="cache", show_default=True)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option("--offline", is_flag=True, help="Answer from the cache only; URLs not in it get status 'offline'.")
@click.option("--archive/--no-archive", default=True, show_default=True,
              help="Look for an archived copy of each dead or soft-404 source (off with --offline).")
@click.option("--archive-endpoint", default="https://archive.org/wayback/available", show_default=True,
              envvar="REFCHECK_ARCHIVE_ENDPOINT", help="The Wayback-style availability API asked for archived copies.")
@click.option("--archive-budget", type=click.FloatRange(0), default=30.0, show_default=True,
              help="Most seconds a run spends on archive lookups (2 s per dead URL up to this); the rest are skipped.")
@click.option("--max-age", default="7d", show_default=True, help="Reuse a cached success this long (e.g. 3600, 12h, 7d).")
@click.option("--max-age-failure", default="1d", show_default=True, help="Reuse a cached definite failure this long.")
@click.option("--confirm-dead", type=click.IntRange(1, 100), default=1, show_default=True,
              help="Call a URL dead only after it failed in this many separate runs (until then: unreachable).")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: when it is a terminal).")
@click.option("--soft-404-probe/--no-soft-404-probe", default=True, show_default=True,
              help="Ask each host once for a page that cannot exist, to recognise its 'not found' page.")
@click.option("--shard", metavar="K/N", help="Fetch only the URLs whose hash falls in shard K of N (CI matrix jobs); "
              "join the JSON reports with `refcheck merge`.")
@click.option("--root-dir", type=click.Path(file_okay=False), default=None,
              help="Where a root-relative local link (/docs/x.md) starts. Without it such links are reported unresolved.")
@click.option("--base-url", default=None, metavar="URL",
              help="The address the documents are published at: links under it (and root-relative ones under its "
                   "path) are checked as local files under --root-dir (default: the current directory).")
@click.option("--index-files", default="index.md,README.md,index.html", show_default=True, metavar="NAMES",
              help="Comma-separated: the file a link to a directory stands for, first found.")
@click.option("--assets/--no-assets", default=True, show_default=True,
              help="Extract and check images, stylesheets, scripts and media (never counted as citations).")
@click.option("--check-fragments", is_flag=True,
              help="Also check #fragments of fetched HTML pages (local fragments are always checked).")
@click.option("--resolve/--no-resolve", default=True, show_default=True, envvar="REFCHECK_RESOLVE",
              help="Look for the source of each reference that has no URL (docs/resolve.md).")
@click.option("--resolver", "resolvers", multiple=True, type=click.Choice(RESOLVERS), metavar="NAME",
              help=f"A backend to look with, in order ({', '.join(RESOLVERS)}); repeatable; replaces the "
                   "configured list.")
@click.option("--resolver-endpoint", "resolver_endpoints", multiple=True, metavar="NAME=URL",
              help="Where a backend is asked (e.g. searxng=https://searx.example/); also REFCHECK_<NAME>_ENDPOINT.")
@click.option("--resolve-dead", is_flag=True, default=None,
              help="Also look for references whose URL is dead or a soft 404 with no archived copy.")
@click.option("--resolve-max-sitemaps", type=click.IntRange(1, 200), default=None,
              help="Sitemap and feed files the site backend reads per site [default: 12].")
@click.option("--resolve-max-candidates", type=click.IntRange(1, 50), default=None,
              help="Candidate pages fetched and verified per reference and backend [default: 6].")
@click.option("--resolve-interval", type=click.FloatRange(0, 60), default=None,
              help="Seconds between two backend requests to one host [default: 0.5].")
@click.pass_obj
def check(config, paths, formats, outputs, input_format, conversations, fail_on, claims_from, changed_since,
          exclude_paths, hidden, disable_rules, enable_rules, quiet, verbose,
          soft_404_probe, shard, root_dir, base_url, index_files, assets, check_fragments, resolve, resolvers,
          resolver_endpoints, resolve_dead, resolve_max_sitemaps, resolve_max_candidates, resolve_interval, timeout,
          deadline,
          max_concurrency, per_host, workers, retries, max_body, remap, include, exclude, header, accept_status,
          max_redirects,
          allow_private, cache_dir, no_cache, offline, archive, archive_endpoint, archive_budget, max_age,
          max_age_failure, confirm_dead,
          progress):
    """Fetch every URL once (cached, retried, rate-limited, refusing private addresses) and report dead links,
    soft 404s, blocked pages, redirects, title and site mismatches, and uncited or unsupported claims."""
    fetch = FetchSettings(
        timeout=timeout, deadline=deadline, max_concurrency=max_concurrency, per_host=per_host, workers=workers, retries=retries,
        max_body_bytes=max_body, allow_private=allow_private, remaps=tuple(_parse_remap(r) for r in remap),
        include=_regexes(include, "--include"), exclude=_regexes(exclude, "--exclude"),
        headers=tuple(_parse_header(h) for h in header), accept_status=_accept(accept_status),
        max_redirects=max_redirects,
        host_headers=config.host_headers, probe_soft_404=soft_404_probe)
    if offline and no_cache:
        raise ConfigError("--offline answers from the cache, so it cannot be combined with --no-cache")
    cache = CacheSettings(directory=Path(cache_dir), enabled=not no_cache, offline=offline,
                          max_age_ok=parse_duration(max_age), max_age_failure=parse_duration(max_age_failure),
                          confirm_dead=confirm_dead)
    from refcheck.settings import ArchiveSettings

    if not re.match(r"https?://[^/\s]+", archive_endpoint):
        raise ConfigError(f"--archive-endpoint {archive_endpoint!r}: expected an http(s) URL")
    settings = Settings(fetch=fetch, cache=cache, input_format=Format(input_format) if input_format else None,
                        conversations=tuple(conversations),
                        archive=ArchiveSettings(enabled=archive and not offline, endpoint=archive_endpoint,
                                                budget=archive_budget),
                        claims_from=claims_from, rule_severity=config.rule_severity,
                        disabled_rules=_disabled_rules(config, disable_rules, enable_rules),
                        changed_since=_revision(changed_since), shard=_shard(shard),
                        exclude_paths=_regexes(exclude_paths, "--exclude-path"), hidden=hidden,
                        local=_local_settings(root_dir, base_url, index_files, assets, check_fragments),
                        resolve=_resolve_settings(config, resolve, resolvers, resolver_endpoints, resolve_dead,
                                                  resolve_max_sitemaps, resolve_max_candidates, resolve_interval))
    plan = _output_plan(formats, outputs)
    options = {"quiet": quiet, "verbose": verbose, "fail_on": fail_on}
    memo_key = _report_memo_key(paths, settings, plan, options)
    if memo_key is not None:
        from refcheck.memo import stored_report

        stored = stored_report(settings.cache.directory, memo_key)
        if stored is not None:  # an identical rerun on unchanged, fresh cache entries: its report as it was
            if verbose:
                click.echo("refcheck: same documents, options and cache entries as an earlier run: its report reused",
                           err=True)
            _write_outputs(plan, stored.outputs)
            sys.exit(stored.exit_code)
    from refcheck.pipeline import check_paths

    show_progress = sys.stderr.isatty() if progress is None else progress
    with _progress_bar(show_progress) as (on_start, on_result):
        report = check_paths(paths, settings, on_result=on_result, on_start=on_start)
    # The texts are kept only when they may be stored for a rerun (memo.py); otherwise JSON is written in pieces.
    texts = _emit(report, plan, keep=report.cache_basis is not None and memo_key is not None, **options)
    exit_code = _exit_code(report, fail_on)
    # Keyed again: a document edited while the run read it must not file the new report under the old text.
    if texts is not None and report.cache_basis is not None and memo_key is not None and memo_key == _report_memo_key(
            paths, settings, plan, options):
        from refcheck.memo import store_report

        store_report(settings.cache.directory, memo_key, report.cache_basis, texts, exit_code)
    sys.exit(exit_code)


def _local_settings(root_dir, base_url, index_files, assets, check_fragments):
    from refcheck.settings import LocalSettings

    if base_url is not None and not re.match(r"(?:https?|file)://", base_url):
        raise ConfigError(f"--base-url {base_url!r}: expected an http(s) or file URL")
    if isinstance(index_files, (list, tuple)):  # from a configuration file's list
        index_files = ",".join(index_files)
    names = tuple(name.strip() for name in (index_files or "").split(",") if name.strip())
    return LocalSettings(root_dir=Path(root_dir) if root_dir else None, base_url=base_url or None, index_files=names,
                         assets=assets, check_fragments=check_fragments)


def _resolve_settings(config, enabled: bool, resolvers=(), endpoints=(), resolve_dead=None, max_sitemaps=None,
                      max_candidates=None, interval=None):
    """ResolveSettings from the options, then [tool.refcheck.resolve], then the defaults."""
    from refcheck.settings import ResolveSettings

    table = config.resolve
    names = tuple(resolvers) or tuple(table.get("resolvers", ())) or ResolveSettings.resolvers
    unknown = [name for name in names if name not in RESOLVERS]
    if unknown:
        raise ConfigError(f"unknown resolver(s) {', '.join(unknown)}: expected some of {', '.join(RESOLVERS)}")
    pairs = [(name.removesuffix("_url"), table[name]) for name in ("searxng_url", "brave_url", "crossref_url",
                                                                  "openalex_url") if table.get(name)]
    for text in endpoints:
        name, equals, url = text.partition("=")
        if not equals or name.strip() not in (*RESOLVERS, "wayback"):
            raise ConfigError(f"--resolver-endpoint {text!r}: expected NAME=URL, NAME one of {', '.join(RESOLVERS)}"
                              ", wayback")
        pairs.insert(0, (name.strip(), url.strip()))
    for name, url in pairs:
        if not re.match(r"https?://[^/\s]+", url):
            raise ConfigError(f"resolver endpoint for {name} {url!r}: expected an http(s) URL")
    defaults = ResolveSettings()
    return ResolveSettings(
        enabled=enabled, resolvers=tuple(dict.fromkeys(names)), endpoints=tuple(pairs),
        mailto=table.get("mailto"), brave_key=os.environ.get("REFCHECK_BRAVE_API_KEY") or None,
        resolve_dead=bool(table.get("resolve_dead", False) if resolve_dead is None else resolve_dead),
        max_sitemaps=max_sitemaps or table.get("max_sitemaps", defaults.max_sitemaps),
        max_candidates=max_candidates or table.get("max_candidates", defaults.max_candidates),
        max_references=table.get("max_references", defaults.max_references),
        interval=float(table.get("interval", defaults.interval) if interval is None else interval))


def _report_memo_key(paths, settings: Settings, plan, options: dict) -> str | None:
    """The key under which this check's report may be stored and reused (memo.py), or None when it may not:
    no cache, --offline, --changed-since (git decides the scope), the github format (it also appends to the step
    summary), or a text report to a terminal (colours and width)."""
    cache = settings.cache
    if not cache.enabled or cache.offline or settings.changed_since is not None:
        return None
    if any(fmt == "github" or (fmt == "text" and path is None and sys.stdout.isatty()) for fmt, path in plan):
        return None
    from refcheck.documents import collect_paths
    from refcheck.memo import memo_key

    try:
        documents = collect_paths(list(paths), exclude_paths=settings.exclude_paths, hidden=settings.hidden)
    except RefcheckError:
        return None  # the full run reports it
    if not documents:
        return None
    return memo_key(documents, settings, {"formats": [fmt for fmt, _ in plan],
                                          "to_files": sum(path is not None for _, path in plan), **options})


@cli.command()
@click.argument("reports", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "formats", multiple=True, type=click.Choice(REPORT_FORMATS),
              help="Report format (default: text, or what each --output's extension says); repeatable.")
@click.option("--output", "outputs", multiple=True, type=click.Path(dir_okay=False), help="Write the Nth --format here.")
@click.option("--fail-on", type=click.Choice([s.value for s in Severity] + ["never"]), default="error", show_default=True)
def merge(reports, formats, outputs, fail_on):
    """Join the JSON reports of `check --shard K/N` runs into one report (each document once, each URL once)."""
    import json

    from refcheck.report.json import from_dict
    from refcheck.report.merge import merge_reports

    loaded = []
    for path in reports:
        try:
            loaded.append(from_dict(json.loads(Path(path).read_text(encoding="utf-8"))))
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
            raise ConfigError(f"{path}: not a refcheck/1 JSON report ({error})") from None
    report = merge_reports(loaded)
    _emit(report, _output_plan(formats, outputs), quiet=False, verbose=False, fail_on=fail_on, keep=False)
    sys.exit(_exit_code(report, fail_on))


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "appendix_format", type=click.Choice(["markdown", "html", "bibtex", "csl-json"]),
              default="markdown", show_default=True, help="How the appendix is written.")
@click.option("--output", type=click.Path(dir_okay=False), help="Write the appendix to FILE instead of stdout.")
@click.option("--write-into", type=click.Path(dir_okay=False, exists=True),
              help="Replace the text between <!-- refcheck:appendix:start --> and <!-- refcheck:appendix:end --> "
                   "in FILE (idempotent).")
@click.option("--check/--no-check", "fetch_sources", default=True, show_default=True,
              help="Fetch every source to verify it, or only list what the documents cite ('not checked').")
@click.option("--input-format", type=click.Choice([f.value for f in Format]),
              help="Read every document as this format instead of detecting it.")
@click.option("--remap", multiple=True, metavar="'REGEX REPLACEMENT'",
              help="Fetch matching URLs from elsewhere (the appendix still gives the URL as written). Repeatable.")
@click.option("--allow-private", is_flag=True,
              help="Also fetch URLs that resolve to loopback, private or link-local addresses (refused by default).")
@click.option("--cache-dir", type=click.Path(file_okay=False), default="cache", show_default=True)
@click.option("--offline", is_flag=True, help="Answer from the cache only; sources not in it are 'unverified'.")
@click.option("--resolve/--no-resolve", default=True, show_default=True, envvar="REFCHECK_RESOLVE",
              help="With --check: look for the source of each reference that has no URL (docs/resolve.md).")
@click.pass_obj
def appendix(config, paths, appendix_format, output, write_into, fetch_sources, input_format, remap, allow_private,
             cache_dir, offline, resolve):
    """Write the sources appendix: a numbered list of the sources each document cites, in citation order, with
    the verified title, publisher, URL (after permanent redirects), access date, and a mark for dead or
    unverifiable sources; as Markdown, an HTML fragment, BibTeX or CSL-JSON."""
    from datetime import date

    from refcheck.pipeline import check_paths, extract_paths
    from refcheck.report.appendix import build_entries
    from refcheck.report.appendix_formats import RENDERERS
    from refcheck.report.write_into import replace_between

    settings = Settings(
        fetch=FetchSettings(allow_private=allow_private, remaps=tuple(_parse_remap(r) for r in remap),
                            host_headers=config.host_headers),
        cache=CacheSettings(directory=Path(cache_dir), offline=offline),
        input_format=Format(input_format) if input_format else None,
        rule_severity=config.rule_severity, disabled_rules=config.disabled_rules,
        resolve=_resolve_settings(config, resolve and fetch_sources))
    report = check_paths(paths, settings) if fetch_sources else extract_paths(paths, settings)
    text = RENDERERS[appendix_format](build_entries(report, date.today()))
    if output:
        _write_atomically(Path(output), text)
    if write_into:
        target = Path(write_into)
        try:
            before = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"cannot read {target} as UTF-8 text: {error}") from None
        after = replace_between(before, text, where=str(target))
        if after != before:  # an unchanged file keeps its modification time (make, editors, CI caches)
            _write_atomically(target, after)
    if not output and not write_into:
        click.echo(text, nl=False)


@cli.group()
def cache():
    """Look after the URL cache (default ./cache/refcheck.sqlite)."""


@cache.command("stats")
@click.option("--cache-dir", type=click.Path(file_okay=False), default="cache", show_default=True)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def cache_stats(cache_dir, output_format):
    """How many URLs the cache holds, by status, and which have been failing."""
    import json

    stats = _open_cache(cache_dir).stats()
    if output_format == "json":
        click.echo(json.dumps(stats, ensure_ascii=False, indent=2, default=str))
    else:
        for key, value in stats.items():
            click.echo(f"{key}: {value}")


@cache.command("prune")
@click.option("--cache-dir", type=click.Path(file_okay=False), default="cache", show_default=True)
@click.option("--older-than", default="30d", show_default=True, help="Remove entries stored longer ago than this.")
def cache_prune(cache_dir, older_than):
    """Remove old entries."""
    removed = _open_cache(cache_dir).prune(parse_duration(older_than))
    click.echo(f"removed {removed} entries")


@cache.command("clear")
@click.option("--cache-dir", type=click.Path(file_okay=False), default="cache", show_default=True)
def cache_clear(cache_dir):
    """Remove every entry (the history of failures too)."""
    removed = _open_cache(cache_dir).clear()
    click.echo(f"removed {removed} entries")


def _open_cache(cache_dir: str):
    from refcheck.fetch.cache import FetchCache

    return FetchCache(Path(cache_dir))


def _output_plan(formats, outputs) -> list[tuple[str, str | None]]:
    """(format, file or None for stdout) for each output: the Nth --output takes the Nth --format, the rest go to
    stdout (at most one); with no --format, each --output's extension names its format, and stdout gets text."""
    if not formats:
        formats = tuple(_format_from_suffix(path) for path in outputs) or ("text",)
    if len(outputs) > len(formats):
        raise ConfigError("more --output files than --format options")
    to_stdout = formats[len(outputs):]
    if len(to_stdout) > 1:
        raise ConfigError("several formats on stdout: give each --format after the first an --output FILE")
    return [*zip(formats, outputs), *((fmt, None) for fmt in to_stdout)]


def _emit(report: Report, plan, *, quiet: bool, verbose: bool, fail_on: str = "error",
          keep: bool = True) -> list[str] | None:
    """Render each planned output once and write it; returns the texts, in plan order. With `keep=False` a JSON
    output is written in pieces as it is rendered (a big report is never held whole) and None is returned."""
    options = {"quiet": quiet, "verbose": verbose, "fail_on": fail_on}
    if not keep and any(fmt in ("json", "text") for fmt, _ in plan):
        _emit_streaming(report, plan, options)
        return None
    texts = [_render(report, fmt, color=path is None and fmt == "text" and sys.stdout.isatty(), **options)
             for fmt, path in plan]
    _write_outputs(plan, texts)
    if any(fmt == "github" for fmt, _ in plan):
        _write_step_summary(report)
    return texts


def _emit_streaming(report: Report, plan, options: dict) -> None:
    """As `_emit`, files first and stdout last, with each JSON and text output streamed (report/json.py and
    report/text.py `write`)."""
    from refcheck.report import json as json_report

    ordered = [entry for entry in plan if entry[1] is not None] + [entry for entry in plan if entry[1] is None]
    for fmt, path in ordered:
        if fmt == "json" and path is not None:
            _write_atomically(Path(path), lambda stream: json_report.write(report, stream))
        elif fmt == "json":
            json_report.write(report, sys.stdout)
            sys.stdout.flush()
        elif fmt == "text":
            from refcheck.report import text as text_report

            color = path is None and sys.stdout.isatty()
            text_options = {"color": color, "width": _text_width(color), "quiet": options["quiet"],
                            "verbose": options["verbose"]}
            if path is not None:
                _write_atomically(Path(path), lambda stream: text_report.write(report, stream, **text_options))
            else:
                text_report.write(report, _Echo(), **text_options)
        else:
            text = _render(report, fmt, color=path is None and fmt == "text" and sys.stdout.isatty(), **options)
            _write_outputs([(fmt, path)], [text])
    if any(fmt == "github" for fmt, _ in plan):
        _write_step_summary(report)


def _write_outputs(plan, texts) -> None:
    for (_, path), text in zip(plan, texts):
        if path is not None:
            _write_atomically(Path(path), text)
    for (_, path), text in zip(plan, texts):
        if path is None:
            click.echo(text, nl=False)


def _render(report: Report, report_format: str, *, color: bool, quiet: bool, verbose: bool, fail_on: str) -> str:
    import importlib

    # Only the reporter asked for is loaded: the text one brings rich, the HTML one its templates.
    reporter = importlib.import_module(f"refcheck.report.{report_format}")
    if report_format == "text":
        return reporter.render(report, color=color, width=_text_width(color), quiet=quiet, verbose=verbose)
    if report_format == "junit":
        return reporter.render(report, fail_on=None if fail_on == "never" else Severity(fail_on))
    return reporter.render(report)


def _text_width(color: bool) -> int:
    # shutil, not click: click 8.1 removed get_terminal_size (a terminal run crashed on it). COLUMNS wins, as in
    # every terminal program; a pipe or file gets a fixed width so reports are reproducible.
    return shutil.get_terminal_size((120, 24)).columns if color else 120


class _Echo:
    """A text stream onto stdout through click.echo, as the whole report would be written: for a streamed report."""

    def write(self, text: str) -> int:
        click.echo(text, nl=False)
        return len(text)

    def flush(self) -> None:
        sys.stdout.flush()


def _write_step_summary(report: Report) -> None:
    """GitHub Actions shows $GITHUB_STEP_SUMMARY on the run's page; other steps may write there too, so append."""
    from refcheck.report import github

    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(github.render_summary(report, blob_base=github.blob_base_from_env(os.environ)))
    except OSError as error:
        raise ConfigError(f"cannot write $GITHUB_STEP_SUMMARY ({path}): {error.strerror or error}") from None


def _format_from_suffix(path: str) -> str:
    return FORMAT_BY_SUFFIX.get(Path(path).suffix.lower(), "text")


def _write_atomically(path: Path, content) -> None:
    """Write beside the target and rename, so a reader never sees half a report. `content` is the text, or a
    function that writes it to the open (UTF-8) file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        if callable(content):
            with temporary.open("w", encoding="utf-8", newline="") as stream:
                content(stream)
        else:
            temporary.write_text(content, encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        raise ConfigError(f"cannot write {path}: {error.strerror or error}") from None


def _accept(values) -> tuple[int, ...]:
    from refcheck.fetch.accept import parse_accept

    try:
        return parse_accept(values)
    except ValueError as error:
        raise ConfigError(f"--accept {error}") from None


def _disabled_rules(config, disable: tuple[str, ...], enable: tuple[str, ...]) -> frozenset[str]:
    """The config file's `disable` list, with --disable added and --enable taken away; an unknown name is an error."""
    from refcheck.rules.registry import RULES

    for option, names in (("--disable", disable), ("--enable", enable)):
        unknown = sorted(set(names) - set(RULES))
        if unknown:
            raise ConfigError(f"{option} {unknown[0]}: no such rule (see docs/rules.md)")
    return (config.disabled_rules | frozenset(disable)) - frozenset(enable)


def _exit_code(report: Report, fail_on: str) -> int:
    if fail_on == "never":
        return EXIT_OK
    worst = worst_severity(report)
    return EXIT_FINDINGS if worst is not None and worst.at_least(Severity(fail_on)) else EXIT_OK


def _revision(revision: str | None) -> str | None:
    if revision is not None:
        from refcheck.changes import verify_revision

        verify_revision(revision, Path.cwd())
    return revision


def _shard(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    from refcheck.changes import parse_shard

    return parse_shard(text)


def parse_duration(text: str) -> float:
    """Seconds from '3600', '90s', '15m', '12h', '7d' or '2w'."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", str(text))
    if not match:
        raise ConfigError(f"{text!r} is not a duration (examples: 3600, 15m, 12h, 7d)")
    scale = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[match.group(2)]
    return float(match.group(1)) * scale


def _parse_remap(text: str) -> tuple[str, str]:
    parts = text.strip().split(None, 1)
    if len(parts) != 2:
        raise ConfigError(f"--remap {text!r}: expected 'REGEX REPLACEMENT'")
    _regexes((parts[0],), "--remap")
    return parts[0], parts[1]


def _parse_header(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        raise ConfigError(f"--header {text!r}: expected 'Name: value'")
    return name.strip(), value.strip()


def _regexes(patterns, option: str) -> tuple[str, ...]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ConfigError(f"{option} {pattern!r}: not a valid regular expression ({error})") from None
    return tuple(patterns)


class _progress_bar:
    """A rich progress bar on stderr while URLs are fetched; nothing at all when it is not shown."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.progress = None
        self.task = None

    def __enter__(self):
        if not self.enabled:
            return None, None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("checking URLs"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                 console=Console(stderr=True), transient=True)
        self.progress.start()
        return self._start, self._advance

    def _start(self, total: int) -> None:
        self.task = self.progress.add_task("urls", total=total)

    def _advance(self, result) -> None:
        if self.task is not None:
            self.progress.advance(self.task)

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.stop()
        return False
