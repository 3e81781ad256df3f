"""docs/formats.md documents every format the reporters make, with the names and limits the code really uses."""

from __future__ import annotations

import re
from pathlib import Path

from refcheck.report import github, sarif

DOC = Path(__file__).resolve().parents[2] / "docs" / "formats.md"


def test_every_format_has_a_row_and_the_new_ones_a_section():
    text = DOC.read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| `([a-z]+)` \|", text, re.M))
    assert rows == {"text", "markdown", "json", "sarif", "junit", "github"}
    assert set(re.findall(r"^## (\S+)$", text, re.M)) == {"text", "markdown", "sarif", "junit", "github"}


def test_the_doc_names_what_the_code_uses():
    text = DOC.read_text(encoding="utf-8")
    assert f'partialFingerprints["{sarif.FINGERPRINT_KEY}"]' in text
    assert f"after {github.SUMMARY_FINDINGS_LIMIT} findings" in text
    assert "github/codeql-action/upload-sarif@" in text and "security-events: write" in text
    assert "$GITHUB_STEP_SUMMARY" in text
