"""Read paths into Documents: find the files, decode their bytes, and detect each one's format."""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterator
from pathlib import Path

from refcheck.errors import InputError
from refcheck.models import Document, Format

EXTENSIONS: dict[str, Format] = {
    ".txt": Format.TEXT,
    ".text": Format.TEXT,
    ".md": Format.MARKDOWN,
    ".markdown": Format.MARKDOWN,
    ".mdown": Format.MARKDOWN,
    ".mdx": Format.MARKDOWN,  # MDX: its JSX elements are read as HTML (href, src), as lychee reads them
    ".qmd": Format.MARKDOWN,  # Quarto
    ".rmd": Format.MARKDOWN,  # R Markdown
    ".html": Format.HTML,
    ".htm": Format.HTML,
    ".xhtml": Format.HTML,
    ".wiki": Format.WIKITEXT,
    ".wikitext": Format.WIKITEXT,
    ".mediawiki": Format.WIKITEXT,
}

EXPORT_FORMATS = (Format.CHATGPT_JSON, Format.CLAUDE_JSON)  # one file, many conversations: streamed, never whole
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024  # a larger file is refused, not read into memory
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Japanese legacy encodings are tried before charset-normalizer's guess: on short texts it may pick a
# Cyrillic or Chinese code page that also decodes the bytes without error.
_JAPANESE_ENCODINGS = ("cp932", "euc_jp", "iso2022_jp")
_KANA = re.compile(r"[\u3040-\u30ff]")
_ISO2022_ESCAPE = re.compile(rb"\x1b\$[@B]")


# Files that are code, configuration or data, never prose: read as a document, `rows[0][1]` in Python is a
# "missing reference". Skipped even when named on the command line (pre-commit names every staged file).
NOT_DOCUMENT_EXTENSIONS = frozenset(
    ".py .pyi .pyx .ipynb .js .mjs .cjs .ts .tsx .jsx .vue .svelte .c .h .cc .cpp .hpp .cs .java .kt .kts .scala .go .rs "
    ".rb .php .pl .pm .swift .m .r .lua .dart .sh .bash .zsh .fish .ps1 .bat .cmd .yaml .yml .toml .ini .cfg .conf .lock "
    ".css .scss .sass .less .sql .csv .tsv .xml .svg .env .properties .gradle .tf .proto".split())
NOT_DOCUMENT_NAMES = re.compile(r"^(?:.*requirements.*\.(?:txt|in)|constraints.*\.txt|cmakelists\.txt|robots\.txt|"
                                r"makefile|dockerfile|.*\.dockerfile|license(?:\.txt)?|copying(?:\.txt)?)$", re.I)
# Directories a walk never enters: tools' and environments' own trees (a virtual environment is also recognised by
# its pyvenv.cfg, whatever its name).
SKIPPED_DIRECTORIES = frozenset({"node_modules", "__pycache__", "site-packages"})


def is_document_path(path: Path) -> bool:
    """False for files that are code or configuration (by extension or well-known name), which are never prose."""
    return path.suffix.lower() not in NOT_DOCUMENT_EXTENSIONS and not NOT_DOCUMENT_NAMES.match(path.name)


def collect_paths(paths: list[str], *, exclude_paths: tuple[str, ...] = (), hidden: bool = False) -> list[Path]:
    """Expand the given paths: files as they are (unless code), directories recursively into supported files.

    A directory walk skips what git ignores (when the directory is in a git work tree), hidden files and folders
    (unless `hidden`), virtual environments and tool folders; `exclude_paths` are regexes searched in each path.
    """
    excluded = [re.compile(pattern) for pattern in exclude_paths]
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found.extend(p for p in _walk(path, hidden=hidden) if not _matches(p, excluded))
        elif path.is_file():
            if is_document_path(path) and not _matches(path, excluded):
                found.append(path)
        elif path.exists():
            raise InputError(f"{name}: not a regular file")
        else:
            raise InputError(f"{name}: no such file or directory")
    return found


def skipped_paths(paths: list[str]) -> list[str]:
    """The files named on the command line that `collect_paths` leaves out because they are code or configuration."""
    return [name for name in paths if Path(name).is_file() and not is_document_path(Path(name))]


def _matches(path: Path, patterns) -> bool:
    text = path.as_posix()
    return any(pattern.search(text) for pattern in patterns)


def _walk(directory: Path, *, hidden: bool) -> list[Path]:
    listed = _git_listed(directory)
    files: list[Path] = []
    for root, dirnames, filenames in os.walk(directory):
        base = Path(root)
        dirnames[:] = sorted(d for d in dirnames if _enter(base / d, d, hidden=hidden))
        for filename in sorted(filenames):
            path = base / filename
            suffix = path.suffix.lower()
            if (filename.startswith(".") and not hidden) or (suffix not in EXTENSIONS and suffix != ".json"):
                continue
            if listed is not None and path.relative_to(directory).as_posix() not in listed:
                continue  # ignored by git
            if suffix == ".json" and not _is_export(path):
                continue  # JSON that is not a ChatGPT or Claude export (package.json, data)
            if is_document_path(path):
                files.append(path)
    return files


def _enter(path: Path, name: str, *, hidden: bool) -> bool:
    if name == ".git" or name in SKIPPED_DIRECTORIES or name.endswith(".egg-info"):
        return False
    if name.startswith(".") and not hidden:
        return False
    return not (path / "pyvenv.cfg").is_file()


def _git_listed(directory: Path) -> frozenset[str] | None:
    """The files under `directory` that git tracks or would track (not ignored), relative to it; None outside a
    git work tree or without git. git's own rules (.gitignore at every level, .git/info/exclude, the global
    excludes file) are applied by git itself rather than imitated."""
    import subprocess

    try:
        completed = subprocess.run(
            ["git", "-C", str(directory), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if completed.returncode != 0:
        return None
    return frozenset(os.fsdecode(name) for name in completed.stdout.split(b"\0") if name)


def read_documents(path: Path, forced_format: Format | None = None, conversations: tuple[str, ...] = (),
                   matched: set[str] | None = None) -> Iterator[Document]:
    """The documents in one file: itself, or one per conversation of a ChatGPT or Claude export (streamed).

    `conversations`: the ids or titles to keep from an export (all when empty); those that matched go into
    `matched`. A `.json` file that is not such an export is refused with a one-line error.
    """
    from refcheck.extract.exports import read_conversations, sniff_file

    detected = None
    if forced_format is None or forced_format in EXPORT_FORMATS:
        if forced_format is not None or path.suffix.lower() == ".json" or _starts_like_json(path):
            detected = sniff_file(path)
    export_format = forced_format if forced_format in EXPORT_FORMATS else detected
    if export_format is not None:
        if forced_format is not None and detected is not None and detected is not forced_format:
            raise InputError(f"{path}: --input-format {forced_format.value}, but this is a {detected.value} export")
        if detected is None:
            raise InputError(f"{path}: not a {forced_format.value} export (no conversation with "
                             f"{'`mapping`' if forced_format is Format.CHATGPT_JSON else '`chat_messages`'} at its start)")
        yield from read_conversations(path, export_format, conversations, matched)
        return
    if path.suffix.lower() == ".json" and forced_format is None:
        raise InputError(f"{path}: JSON, but not a ChatGPT or Claude conversation export "
                         "(no conversation with `mapping` or `chat_messages`)")
    yield read_document(path, forced_format)


def _is_export(path: Path) -> bool:
    from refcheck.extract.exports import sniff_file

    try:
        return sniff_file(path) is not None
    except InputError:
        return False


def _starts_like_json(path: Path) -> bool:
    """Whether an extension-less or .txt file starts like a JSON array or object (an export saved under another name)."""
    if path.suffix.lower() in EXTENSIONS and EXTENSIONS[path.suffix.lower()] is not Format.TEXT:
        return False
    try:
        with open(path, "rb") as stream:
            head = stream.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False
    return head[:1] in (b"[", b"{")


def read_document(path: Path, forced_format: Format | None = None) -> Document:
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise InputError(f"{path}: {size // (1024 * 1024)} MB is larger than the {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB limit")
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    text, encoding = decode(data, str(path))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Document(path=str(path), format=forced_format or detect_format(path, text), text=text, encoding=encoding)


def decode(data: bytes, name: str = "<input>") -> tuple[str, str]:
    """Decode a document's bytes: BOM, then UTF-8, then Japanese legacy encodings, then charset-normalizer."""
    if b"\x00" in data[:8192] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{name}: binary file, not a document")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding.replace("-sig", "")
    if _ISO2022_ESCAPE.search(data):  # 7-bit ISO-2022-JP is also valid UTF-8, so it must be caught first
        try:
            return data.decode("iso2022_jp"), "iso2022_jp"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for encoding in _JAPANESE_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _KANA.search(text):
            return text, encoding
    from charset_normalizer import from_bytes  # here: listing documents (a cached rerun) needs no detector

    best = from_bytes(data[:1_000_000]).best()
    if best is None or best.encoding is None:
        raise InputError(f"{name}: binary file, not a document (no text encoding fits)")
    return data.decode(best.encoding, errors="replace"), best.encoding


def detect_format(path: Path, text: str) -> Format:
    """By extension where it is telling; otherwise by content."""
    by_extension = EXTENSIONS.get(path.suffix.lower())
    if by_extension and by_extension is not Format.TEXT:
        return by_extension
    head = text[:4096].lstrip().lower()
    if head.startswith(("<!doctype html", "<html")) or re.search(r"<(body|head|p|div)[\s>]", head):
        return Format.HTML
    if re.search(r"<ref[\s>/]|\{\{\s*cite\s|\[\[[^\]]+\]\]|^==[^=].*==\s*$", text[:200_000], re.I | re.M):
        return Format.WIKITEXT
    if by_extension is None and re.search(r"^#{1,6} |\]\(https?://|^\[[^\]]+\]:\s", text[:200_000], re.M):
        return Format.MARKDOWN
    if _COPIED_ANSWER.search(text[:200_000]):  # a ChatGPT or Perplexity answer pasted into a .txt file
        return Format.MARKDOWN
    return Format.TEXT


# What the services' copy buttons write (docs/inputs.md): ChatGPT's pills `([Site](url?utm_source=chatgpt.com))`
# and its reference definitions `[1]: url?utm_source=chatgpt.com "Title"`; Perplexity's footnotes `[^1]: url`.
_COPIED_ANSWER = re.compile(
    r"\(\[[^\]\n]{1,200}\]\(https?://[^()\s]{1,2000}utm_source=chatgpt\.com[^()\s]{0,200}\)\)"
    r"|^\[[^\]\n]{1,50}\]:[ \t]*https?://\S{1,2000}utm_source=chatgpt\.com"
    r"|^\[\^[0-9_]{1,10}\]:[ \t]*https?://",
    re.M)


def is_supported_file(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in EXTENSIONS
