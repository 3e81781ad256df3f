"""Whether two versions of refcheck give byte-identical `refcheck extract --format json` reports (issue 19).

Each document is extracted alone, in one process per version (the version's package first on the path), and its
JSON report (refcheck/report/json.py, as `refcheck extract --format json` writes it) is written to a directory; then
the two directories are compared file by file. Documents: every file under ../shared/samples and ../shared/corpora,
plus any given on the command line (the W1/W2 bench documents: bench/extract_cost.py's `documents` writes them). A
file refcheck does not read is recorded with its error message, so both versions must refuse it alike. `elapsed`
fields (none in an extract report, but a check report has them) are removed before comparing.

    .venv/bin/python bench/extract_identical.py --before main [MORE_DOCUMENTS...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" if (ROOT.parent / "shared").exists() else Path("/work/shared")

_WRITE_REPORTS = r"""
import io, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from refcheck.errors import InputError
from refcheck.pipeline import extract_paths
from refcheck.report import json as json_report
from refcheck.settings import Settings
out = Path(sys.argv[2])
for index, path in enumerate(Path(sys.argv[3]).read_text().splitlines()):
    stream = io.StringIO()
    try:
        json_report.write(extract_paths([path], Settings()), stream)
    except (InputError, ValueError, OSError) as error:
        stream.write(f"error: {type(error).__name__}: {error}\n")
    (out / f"{index:05d}.json").write_text(stream.getvalue(), encoding="utf-8")
"""

_ELAPSED = re.compile(r'^\s*"elapsed": [0-9.e-]+,?\n', re.MULTILINE)


def document_paths(extra: list[str]) -> list[str]:
    found = [path for folder in (SHARED / "samples", SHARED / "corpora") for path in sorted(folder.rglob("*"))
             if path.is_file()]
    return [str(path) for path in found] + extra


def code_at(revision: str, work: Path) -> Path:
    """`revision`'s refcheck package, unpacked (git archive) where a child can import it first."""
    target = work / "code-before"
    target.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "refcheck"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def write_reports(code: Path, listing: Path, out: Path) -> None:
    out.mkdir()
    subprocess.run([sys.executable, "-c", _WRITE_REPORTS, str(code), str(out), str(listing)], check=True,
                   cwd=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="the revision to compare with (e.g. main)")
    parser.add_argument("documents", nargs="*", help="more documents (the W1/W2 bench documents)")
    args = parser.parse_args(argv)
    paths = document_paths(args.documents)
    with tempfile.TemporaryDirectory(prefix="refcheck-identical-") as scratch:
        work = Path(scratch)
        listing = work / "documents.txt"
        listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
        write_reports(code_at(args.before, work), listing, work / "before")
        write_reports(ROOT, listing, work / "after")
        different, read = [], 0
        for index, path in enumerate(paths):
            before, after = ((work / side / f"{index:05d}.json").read_text(encoding="utf-8") for side in ("before", "after"))
            read += not before.startswith("error: ")
            if _ELAPSED.sub("", before) != _ELAPSED.sub("", after):
                different.append(path)
        digest = hashlib.sha256("".join((work / "after" / f"{i:05d}.json").read_text(encoding="utf-8")
                                        for i in range(len(paths))).encode()).hexdigest()[:16]
    print(f"{len(paths)} files compared ({read} read as documents, {len(paths) - read} refused alike or not); "
          f"{len(different)} different; reports' sha256 {digest}")
    for path in different:
        print(f"  DIFFERENT: {path}")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
