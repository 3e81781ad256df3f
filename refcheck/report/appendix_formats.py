"""The sources appendix printed four ways: Markdown, an HTML fragment, BibTeX (@online) and CSL-JSON. Pure.

Each `render_*(entries) -> str` takes the entries of `refcheck.report.appendix.build_entries`; when they come from
several documents, each document gets its own numbered list under its path (BibTeX: a comment line; CSL-JSON:
one array, the ids are unique anyway).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from itertools import groupby

from refcheck.report.appendix import AppendixEntry, Verification
from refcheck.report.clean import link_target, one_line, visible
from refcheck.weburl import parse

LINKABLE_SCHEMES = frozenset({"http", "https", "ftp"})  # a javascript: URL from a hostile document is never a link
NO_SOURCES = "No sources cited."
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#!])")
_BLOCK_START = re.compile(r"^(\d{0,9})([-+.)])")
_BIBTEX_SPECIAL = re.compile(r"[{}%&$#_^~\\]")
# Braces as commands, not `\{`: classic BibTeX counts every brace in a field, escaped or not, so one unbalanced `}`
# in a page title would end the field early and let the rest of the title be read as .bib syntax.
_BIBTEX_ESCAPES = {"{": r"\textbraceleft{}", "}": r"\textbraceright{}", "%": r"\%", "&": r"\&", "$": r"\$", "#": r"\#",
                   "_": r"\_",
                   "^": r"\textasciicircum{}", "~": r"\textasciitilde{}", "\\": r"\textbackslash{}"}
# In a BibTeX url (a verbatim field for biblatex) only unbalanced braces, backslashes and spaces can break the file;
# they are not valid in a URL anyway, so they are percent-encoded rather than escaped.
_BIBTEX_URL_UNSAFE = {"{": "%7B", "}": "%7D", "\\": "%5C", " ": "%20", "\t": "%09"}


# --- what every format says --------------------------------------------------------------------------------


def mark(entry: AppendixEntry) -> str | None:
    """The warning printed after an entry: dead, unverified or not checked; None for a verified source."""
    if entry.verification is Verification.DEAD:
        return "⚠ dead link"
    if entry.verification is Verification.UNVERIFIABLE:
        return "unverified"
    if entry.verification is Verification.NOT_CHECKED:
        return "not checked"
    return None


def origin_note(entry: AppendixEntry) -> str | None:
    """Where the printed title and publisher come from, when they are not the ones the document cited."""
    parts = []
    if entry.located:
        parts.append("URL located by refcheck; the document gives none")
    if entry.title_source == "page":
        parts.append("title from the page" + (f"; cited as “{entry.cited_title}”" if entry.cited_title else ""))
    if entry.publisher_source in ("page", "url") and entry.cited_publisher:
        origin = "the page" if entry.publisher_source == "page" else "the URL"
        parts.append(f"publisher from {origin}; cited as “{entry.cited_publisher}”")
    return "; ".join(parts) or None


def note(entry: AppendixEntry) -> str | None:
    """One sentence for BibTeX and CSL-JSON `note`: the mark with its reason, and the title's origin."""
    parts = []
    warning = mark(entry)
    if warning:
        parts.append(warning.removeprefix("⚠ ") + (f" ({entry.reason})" if entry.reason else ""))
    if entry.archive_url:
        parts.append(archive_note(entry))
    origin = origin_note(entry)
    if origin:
        parts.append(origin)
    return "; ".join(parts) or None


def archive_note(entry: AppendixEntry) -> str:
    taken = f", taken {entry.archived_at[:10]}" if entry.archived_at else ""
    return f"archived copy: {entry.archive_url}{taken}"


def _linkable(url: str | None) -> bool:
    parsed = parse(url) if url else None  # the WHATWG parse a browser or Markdown viewer will make of it
    return parsed is not None and parsed.scheme in LINKABLE_SCHEMES


def _by_document(entries: Sequence[AppendixEntry]) -> list[tuple[str, list[AppendixEntry]]]:
    return [(document, list(group)) for document, group in groupby(entries, key=lambda e: e.document)]


# --- Markdown ----------------------------------------------------------------------------------------------


def render_markdown(entries: Sequence[AppendixEntry]) -> str:
    """A numbered list: `1. [Title](URL). Publisher. Accessed YYYY-MM-DD. (title note) **⚠ dead link** (reason)`."""
    groups = _by_document(entries)
    if not groups:
        return NO_SOURCES + "\n"
    blocks = []
    for document, group in groups:
        heading = [f"### {_markdown_text(document)}", ""] if len(groups) > 1 else []
        blocks.append("\n".join(heading + [_markdown_item(entry) for entry in group]))
    return "\n\n".join(blocks) + "\n"


def _markdown_item(entry: AppendixEntry) -> str:
    label = _markdown_text(entry.title or entry.url or "(untitled)")
    if _linkable(entry.url):
        parts = [f"[{label}]({_markdown_destination(entry.url)})."]
    else:  # plain text at the start of a list item: "2024. …" or "- …" would open a nested list
        parts = [_BLOCK_START.sub(r"\1\\\2", label) + "."]
    if entry.url and not _linkable(entry.url) and entry.title and entry.title != entry.url:
        parts.append(f"{_markdown_text(entry.url)}.")
    if entry.publisher:
        parts.append(f"{_markdown_text(entry.publisher)}.")
    if entry.accessed:
        parts.append(f"Accessed {entry.accessed}.")
    origin = origin_note(entry)
    if origin:
        parts.append(f"({_markdown_text(origin)})")
    warning = mark(entry)
    if warning:
        parts.append(f"**{warning}**" + (f" ({_markdown_text(entry.reason)})" if entry.reason else ""))
    if entry.archive_url and _linkable(entry.archive_url):
        taken = f", taken {entry.archived_at[:10]}" if entry.archived_at else ""
        parts.append(f"[Archived copy]({_markdown_destination(entry.archive_url)}){taken}.")
    return f"{entry.number}. " + " ".join(parts)


def _markdown_text(text: str) -> str:
    """Inline text that reads back as itself: emphasis, code, link and HTML characters escaped, on one line (a blank
    line would end the list item), controls and bidi controls visible (report/clean.py)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", one_line(text))


def _markdown_destination(url: str) -> str:
    """A link destination CommonMark reads whole: spaces and angle brackets encoded, unbalanced parentheses too."""
    url = link_target(url).replace("<", "%3C").replace(">", "%3E")
    if url.count("(") != url.count(")"):
        url = url.replace("(", "%28").replace(")", "%29")
    return url


# --- HTML --------------------------------------------------------------------------------------------------


def render_html(entries: Sequence[AppendixEntry]) -> str:
    """An `<ol>` per document (with an `<h3>` naming it when there are several), every text escaped."""
    groups = _by_document(entries)
    if not groups:
        return f'<p class="refcheck-appendix">{NO_SOURCES}</p>\n'
    blocks = []
    for document, group in groups:
        heading = f"<h3>{_escape(document)}</h3>\n" if len(groups) > 1 else ""
        items = "\n".join(_html_item(entry) for entry in group)
        blocks.append(f'{heading}<ol class="refcheck-appendix" data-document="{_escape(document)}">\n{items}\n</ol>')
    return "\n".join(blocks) + "\n"


def _html_item(entry: AppendixEntry) -> str:
    label = _escape(entry.title or entry.url or "(untitled)")
    parts = [f'<a href="{_escape(link_target(entry.url))}">{label}</a>.' if _linkable(entry.url) else f"{label}."]
    if entry.url and not _linkable(entry.url) and entry.title and entry.title != entry.url:
        parts.append(f'<span class="url">{_escape(entry.url)}</span>.')
    if entry.publisher:
        parts.append(f'<span class="publisher">{_escape(entry.publisher)}</span>.')
    if entry.accessed:
        parts.append(f'Accessed <time datetime="{_escape(entry.accessed)}">{_escape(entry.accessed)}</time>.')
    origin = origin_note(entry)
    if origin:
        parts.append(f'<span class="title-note">({_escape(origin)})</span>')
    warning = mark(entry)
    if warning:
        parts.append(f'<strong class="mark {entry.verification}">{_escape(warning)}</strong>')
        if entry.reason:
            parts.append(f'<span class="reason">({_escape(entry.reason)})</span>')
    if entry.archive_url and _linkable(entry.archive_url):
        taken = f", taken {_escape(entry.archived_at[:10])}" if entry.archived_at else ""
        parts.append(f'<a class="archive" href="{_escape(link_target(entry.archive_url))}">Archived copy</a>{taken}.')
    attributes = (f'id="{_escape(entry.key)}" class="source {entry.verification}" value="{entry.number}"'
                  f' data-title-source="{entry.title_source or ""}"')
    return f"<li {attributes}>{' '.join(parts)}</li>"


def _escape(text: str) -> str:
    return html.escape(visible(text), quote=True)


# --- BibTeX ------------------------------------------------------------------------------------------------


def render_bibtex(entries: Sequence[AppendixEntry]) -> str:
    """biblatex `@online` entries; Japanese stays UTF-8 (biber reads it); the document path as a comment line."""
    groups = _by_document(entries)
    blocks = []
    for document, group in groups:
        comment = f"% refcheck appendix: {' '.join(document.split())}\n\n" if len(groups) > 1 else ""
        blocks.append(comment + "\n\n".join(_bibtex_entry(entry) for entry in group))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _bibtex_entry(entry: AppendixEntry) -> str:
    fields = [("title", _bibtex_text(entry.title or entry.url or "")),
              ("organization", _bibtex_text(entry.publisher) if entry.publisher else None),
              ("url", _bibtex_url(entry.url) if entry.url else None),
              ("urldate", entry.accessed),
              ("note", _bibtex_text(note(entry)) if note(entry) else None)]
    lines = [f"  {name} = {{{value}}}," for name, value in fields if value]
    return f"@online{{{entry.key},\n" + "\n".join(lines) + "\n}"


def _bibtex_text(text: str) -> str:
    return _BIBTEX_SPECIAL.sub(lambda match: _BIBTEX_ESCAPES[match.group()], one_line(text))


def _bibtex_url(url: str) -> str:
    return "".join(_BIBTEX_URL_UNSAFE.get(character, character) for character in link_target(url))


# --- CSL-JSON ----------------------------------------------------------------------------------------------


def render_csl_json(entries: Sequence[AppendixEntry]) -> str:
    """A CSL-JSON array (pandoc --citeproc, Zotero): `webpage` items with the citation key as `id`."""
    return json.dumps([csl_item(entry) for entry in entries], ensure_ascii=False, indent=2) + "\n"


def csl_item(entry: AppendixEntry) -> dict:
    item: dict = {"id": entry.key, "citation-key": entry.key, "type": "webpage"}
    optional = {"title": entry.title or entry.url, "container-title": entry.publisher, "URL": entry.url,
                "note": note(entry)}
    item.update({name: value for name, value in optional.items() if value})
    if entry.accessed:
        year, month, day = (int(part) for part in entry.accessed.split("-"))
        item["accessed"] = {"date-parts": [[year, month, day]]}
    return item


RENDERERS = {"markdown": render_markdown, "html": render_html, "bibtex": render_bibtex, "csl-json": render_csl_json}
