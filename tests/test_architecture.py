"""Imports point inward only (DESIGN.md): checked by reading every module's imports with ast."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "refcheck"

# Layer of each top-level part of the package; a module may import only its own layer or lower ones.
LAYERS = {
    "models": 0, "errors": 0, "settings": 0, "config": 0, "numbers": 1,
    "documents": 1, "extract": 1, "page": 1, "pdf": 1, "sitenames": 1, "headline": 1, "rules": 2, "report": 2,
    "local": 2,
    "fetch": 3, "resolve": 4, "pipeline": 4, "memo": 4, "cli": 5, "__main__": 6, "__init__": 0, "fingerprint": 0, "weburl": 0,
}
# Third-party libraries confined to one place each.
CONFINED = {"httpx": {"fetch"}, "aiohttp": {"fetch"}, "yarl": {"fetch"}, "click": {"cli"}, "rich": {"cli", "report"}, "pypdf": {"pdf"}, "selectolax": {"page", "extract", "fetch"},
            "ada_url": {"weburl"}}


def _part(path: Path) -> str:
    relative = path.relative_to(PACKAGE).with_suffix("")
    return relative.parts[0]


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_imports_point_inward():
    problems = []
    for path in PACKAGE.rglob("*.py"):
        own = _part(path)
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "refcheck" and len(parts) > 1:
                target = parts[1]
                if target in LAYERS and own in LAYERS and LAYERS[target] > LAYERS[own]:
                    problems.append(f"{path.relative_to(PACKAGE)} imports {name}")
            elif parts[0] in CONFINED and own not in CONFINED[parts[0]]:
                problems.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert problems == []


def test_every_module_says_its_job():
    missing = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
               if p.stat().st_size and not ast.get_docstring(ast.parse(p.read_text(encoding="utf-8")))]
    assert missing == []
