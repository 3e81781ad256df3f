"""A hash of refcheck's own code and data as installed, so that anything kept between runs is dropped when it changes."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from refcheck import __version__

PACKAGE = Path(__file__).resolve().parent


@functools.cache
def code_fingerprint(*patterns: str) -> str:
    """refcheck's version and a hash of the files matching `patterns` (globs under the package; an edit counts)."""
    digest = hashlib.sha256(__version__.encode())
    for pattern in patterns:
        for path in sorted(PACKAGE.glob(pattern)):
            digest.update(path.relative_to(PACKAGE).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()
