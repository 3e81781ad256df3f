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
