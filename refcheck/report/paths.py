"""Where a document is, as CI tools want it: relative to the working directory, with forward slashes."""

from __future__ import annotations

import os
from pathlib import Path, PurePath


def relative_path(path: str, root: str | Path | None = None) -> str:
    """`path` relative to `root` (default: the working directory) with `/` separators.

    Code scanning, annotations and JUnit viewers all match files by their path inside the checkout, so an
    absolute path would point nowhere. A path on another drive (Windows) cannot be made relative and is kept.
    """
    base = Path(root) if root is not None else Path.cwd()
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            candidate = Path(os.path.relpath(candidate, base.resolve()))
        except ValueError:
            return PurePath(path).as_posix()
    text = PurePath(os.path.normpath(candidate)).as_posix()
    return text.removeprefix("./")


def where(path: str, item) -> str:
    """Where a finding is, for a person: `path:line`, or in a conversation export the conversation, the message and
    the character offset (a JSON export's lines mean nothing; models.Location)."""
    if getattr(item, "location", None) is not None:
        return f"{path} › {item.location.describe()}"
    return f"{path}:{item.line}" if item.line else path


def location_dict(location) -> dict:
    """A Location as the JSON report (and SARIF's properties) give it."""
    return {"conversation": location.conversation, "title": location.title, "message": location.message,
            "offset": location.offset, "node": location.node}


def document_name(document) -> str:
    """A document's path, and for one conversation of an export which one (many share the file)."""
    if getattr(document, "conversation", None) is None:
        return document.path
    name = f"“{document.title}” ({document.conversation})" if document.title else document.conversation
    return f"{document.path} › conversation {name}"
