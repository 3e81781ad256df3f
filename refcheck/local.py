"""Local links checked on disk: relative and root-relative paths, `file:` URLs, `#fragments`, local assets.

A link resolves against the directory of the document that holds it; `/docs/x.md` against `--root-dir`; a link
under `--base-url` (absolute, or root-relative under its path) against `--root-dir` (default: the working
directory) with that prefix removed. A directory stands for its first index file (`index.md`, `README.md`,
`index.html` by default). A fragment must name one of the target's anchors (extract/anchors.py): GitHub's heading
slugs and explicit ids in Markdown, ids and names in HTML; in other files fragments are not checked.

Documents come from strangers: nothing outside the working directory, `--root-dir` and the paths given to check is
looked at (a `file:///etc/…` or `../../..` link is reported unresolved, not probed).

No network and no cache: each path is looked at once per run (one `stat`), each target's anchors read once (from the
run's own extraction when the target is one of the checked documents).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from refcheck.documents import read_document
from refcheck.errors import InputError
from refcheck.extract.anchors import fragment_found
from refcheck.extract.hrefs import local_href
from refcheck.models import Document, Extraction, Format, Link, LocalResult
from refcheck.settings import LocalSettings

_MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mdx", ".mkd", ".qmd", ".rmd"})
_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
_FILE, _DIRECTORY, _MISSING = "file", "dir", "missing"


def is_local(link: Link, settings: LocalSettings | None = None) -> bool:
    """Whether a link is checked on disk rather than fetched."""
    if settings is not None and settings.base_url and link.url.startswith(settings.base_url):
        return True
    return local_href(link.url) is not None


class LocalChecker:
    """Resolves and checks local links for one run; remembers every path's kind and every target's anchors."""

    def __init__(self, settings: LocalSettings, extractions: dict[str, tuple[Format, Extraction]] | None = None,
                 roots: Iterable[str] = ()):
        self.settings = settings
        self.root = os.path.abspath(settings.root_dir) if settings.root_dir is not None else None
        self.base_url = settings.base_url or None
        self.base_path = urlsplit(self.base_url).path.rstrip("/") if self.base_url else ""
        self.cwd = os.getcwd()
        self.kinds: dict[str, str] = {}
        self.targets: dict[str, tuple[bool, str, str]] = {}
        self.verdicts: dict[tuple[str, str], tuple[str, str | None, str | None, str | None]] = {}
        self.anchors: dict[str, tuple[frozenset[str] | None, bool]] = {}
        self.known = extractions or {}  # absolute path → (format, extraction) of the run's own documents
        # Where links may lead: the working directory, --root-dir, and each path given to check (a file: its folder).
        bounds = [self.cwd, *([self.root] if self.root else [])]
        for root in roots:
            absolute = os.path.abspath(root)
            bounds.append(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))
        self.bounds = tuple(dict.fromkeys(b.rstrip(os.sep) or os.sep for b in bounds))

    def check(self, document_path: str, links: Iterable[Link]) -> list[LocalResult]:
        document = os.path.abspath(document_path)
        directory = os.path.dirname(document)
        results = []
        for link in links:
            href = link.url
            # What a link finds depends on its href and where it is written from: its folder, or the document
            # itself for `#x` and `?q` (the same href in many documents of a folder is looked at once).
            key = (document if href[:1] in ("#", "?", "") else directory, href)
            verdict = self.verdicts.get(key)
            if verdict is None:
                verdict = self.verdicts[key] = self._verdict(document, directory, href)
            results.append(LocalResult(url=href, line=link.line, kind=link.kind, status=verdict[0], path=verdict[1],
                                       fragment=verdict[2], reason=verdict[3]))
        return results

    # ---- resolution ----------------------------------------------------------------------------------------

    def _verdict(self, document: str, directory: str, href: str) -> tuple[str, str | None, str | None, str | None]:
        """(status, path shown, fragment, reason) of one href written in `document`."""
        resolved = self._resolve(document, directory, href)
        if isinstance(resolved, str):
            return "unresolved", None, None, resolved
        path, fragment, wants_directory = resolved
        inside, shown, kind = self._target(path)
        if not inside:
            return ("unresolved", None, fragment,
                    "outside the working directory, --root-dir and the paths checked: not looked at")
        if kind == _MISSING or (wants_directory and kind == _FILE):
            return "dead", shown, fragment, "not a directory" if kind == _FILE else "no such file or directory"
        if kind == _DIRECTORY:
            index = self._index_file(path)
            if fragment in (None, "", "top"):
                return "ok", shown, fragment, None if index else "a directory without an index file"
            if index is None:
                names = ", ".join(self.settings.index_files) or "none configured"
                return "missing-fragment", shown, fragment, f"a directory without an index file ({names})"
            path = index
            shown = self._shown(path)
        if fragment is None:
            return "ok", shown, None, None
        anchors, markdown = self._anchors(path)
        if anchors is None or fragment_found(fragment, anchors, markdown=markdown):
            reason = "fragments are not checked in this kind of file" if anchors is None and fragment else None
            return "ok", shown, fragment, reason
        return "missing-fragment", shown, fragment, f"no heading or anchor #{unquote(fragment)} in {shown}"

    def _target(self, path: str) -> tuple[bool, str, str]:
        """(inside the bounds, as shown, kind on disk), once per path; outside the bounds nothing is looked at."""
        target = self.targets.get(path)
        if target is None:
            inside = self._inside(path)
            target = self.targets[path] = (inside, self._shown(path), self._kind(path) if inside else _MISSING)
        return target

    def _resolve(self, document: str, directory: str, href: str) -> tuple[str, str | None, bool] | str:
        """(absolute path, fragment or None, whether a directory was asked for), or why it cannot be resolved."""
        if self.base_url and href.startswith(self.base_url):
            rest = href[len(self.base_url):]
            root = self.root or self.cwd
            path_part, fragment = _split(rest)
            return _join(root, path_part.lstrip("/")), fragment, path_part.endswith("/")
        if href[:5].lower() == "file:":
            parts = urlsplit(href)
            if parts.netloc not in ("", "localhost"):
                return f"a file: URL on another host ({parts.netloc})"
            path = unquote(parts.path)
            return os.path.normpath(path), (parts.fragment if "#" in href else None), path.endswith("/")
        path_part, fragment = _split(href)
        if not path_part:
            return document, fragment, False
        if path_part.startswith("/"):
            if self.base_path and (path_part == self.base_path or path_part.startswith(self.base_path + "/")):
                path_part = path_part[len(self.base_path):] or "/"
            if self.root is None:
                return "a root-relative link: give --root-dir to say where / is"
            return _join(self.root, path_part.lstrip("/")), fragment, path_part.endswith("/")
        return _join(directory, path_part), fragment, path_part.endswith("/")

    def _inside(self, path: str) -> bool:
        return any(path == bound or path.startswith(bound if bound.endswith(os.sep) else bound + os.sep)
                   for bound in self.bounds)

    def _shown(self, path: str) -> str:
        prefix = self.cwd.rstrip(os.sep) + os.sep
        relative = path[len(prefix):] if path.startswith(prefix) else path
        return relative if os.sep == "/" else relative.replace(os.sep, "/")

    # ---- the file system -----------------------------------------------------------------------------------

    def _kind(self, path: str) -> str:
        kind = self.kinds.get(path)
        if kind is None:
            try:
                mode = os.stat(path).st_mode
                kind = _DIRECTORY if stat.S_ISDIR(mode) else _FILE
            except (OSError, ValueError):
                kind = _MISSING
            self.kinds[path] = kind
        return kind

    def _index_file(self, directory: str) -> str | None:
        for name in self.settings.index_files:
            candidate = os.path.join(directory, name)
            if self._kind(candidate) == _FILE:
                return candidate
        return None

    def _anchors(self, path: str) -> tuple[frozenset[str] | None, bool]:
        """The target's anchors (None: a kind of file whose fragments are not checked), and whether it is Markdown;
        read once per path and run."""
        found = self.anchors.get(path)
        if found is None:
            suffix = os.path.splitext(path)[1].lower()
            markdown = suffix in _MARKDOWN_SUFFIXES
            known = self.known.get(path)
            if known is not None:
                markdown = known[0] is Format.MARKDOWN
            if known is None and not markdown and suffix not in _HTML_SUFFIXES:
                found = (None, False)
            else:
                found = (self._read_anchors(path, known, markdown), markdown)
            self.anchors[path] = found
        return found

    def _read_anchors(self, path: str, known, markdown: bool) -> frozenset[str] | None:
        if known is not None:
            extraction = known[1]
        else:
            try:
                document = read_document(Path(path), Format.MARKDOWN if markdown else Format.HTML)
            except InputError:
                return None
            extraction = _reader(document).extract(document)
        anchors = extraction.anchors
        return frozenset(a.lower() for a in anchors) if markdown else frozenset(anchors)


def _reader(document: Document):
    from refcheck.extract import html, markdown

    return markdown if document.format is Format.MARKDOWN else html


def _split(href: str) -> tuple[str, str | None]:
    """(decoded path without query, fragment or None when there is no `#`)."""
    path_part, hash_sign, fragment = href.partition("#")
    path_part = path_part.split("?", 1)[0]
    return unquote(path_part), (fragment if hash_sign else None)


def _join(directory: str, relative: str) -> str:
    return os.path.normpath(os.path.join(directory, relative))
