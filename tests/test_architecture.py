"""The design rules import-linter cannot see: private names stay home, rooms stay small, no import dodges a cycle.

The layers themselves are import-linter's contracts in ``pyproject.toml`` (``make lint``); these
tests read the source with :mod:`ast` and check what those contracts do not.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Where code lives that imports the engine: the engine, the app, its pages, tests and benchmarks.
CODE = ("exposure", "app", "pages", "tests", "bench", "dashboard.py")
#: Most lines of one engine module ("about 600", DESIGN.md): one concept to a room.
MAX_MODULE_LINES = 600


def _python_files(*roots: str) -> Iterator[Path]:
    for name in roots:
        path = ROOT / name
        yield from [path] if path.is_file() else sorted(path.rglob("*.py"))


def _module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _package_of(module: str) -> str:
    """The package a module belongs to for this rule: its subpackage of ``exposure``, else the module itself."""
    parts = module.split(".")
    if parts[0] == "exposure" and len(parts) > 2:
        return ".".join(parts[:2])
    return module


def private_imports() -> list[str]:
    """Every ``from X import _name`` that takes a private name out of another package."""
    found = []
    for path in _python_files(*CODE):
        importer = _module_of(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.module or node.level:
                continue
            if node.module.split(".")[0] not in {"exposure", "app", "tests", "bench"}:
                continue
            for alias in node.names:
                name = alias.name
                if not name.startswith("_") or name.startswith("__"):
                    continue
                if _is_module(f"{node.module}.{name}"):
                    continue  # a private module (exposure._search) is imported whole: allowed
                if _package_of(node.module) == _package_of(importer) and importer.startswith("exposure."):
                    continue  # inside one package of the engine, its modules share their helpers
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name} from {node.module}")
    return found


def test_no_private_name_leaves_its_package() -> None:
    assert private_imports() == []


def test_the_rule_finds_a_private_name_taken_across_modules(tmp_path, monkeypatch) -> None:
    # the check must be able to fail: a module that takes another's private helper is reported
    pkg = tmp_path / "exposure"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def _helper():\n    return 1\n")
    (pkg / "b.py").write_text("from exposure.a import _helper\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    monkeypatch.setattr(f"{__name__}.CODE", ("exposure",))
    assert private_imports() == ["exposure/b.py:1: _helper from exposure.a"]


@pytest.mark.parametrize("path", sorted(_python_files("exposure")), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_engine_module_is_one_small_room(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{path.name}: split it into modules of one concept each"
    tree = ast.parse(text)
    docstring = ast.get_docstring(tree)
    assert docstring, "every module says in a line what it is for"
    # settings are module globals read as settings.name (as osmnx's), and __main__ only runs the CLI
    if path.name not in {"__main__.py", "settings.py"}:
        assert any(getattr(t, "id", "") == "__all__"
                   for n in tree.body if isinstance(n, ast.Assign | ast.AnnAssign)
                   for t in (n.targets if isinstance(n, ast.Assign) else [n.target])), "every module declares __all__"


def test_no_engine_import_is_deferred_to_dodge_a_cycle() -> None:
    # an import of the engine inside a function is allowed only with its reason (e.g. start-up time)
    unexplained = []
    for path in _python_files("exposure"):
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.level or (inner.module or "").startswith("exposure")):
                    line = lines[inner.lineno - 1]
                    if "PLC0415 -" not in line and "PLC0415 —" not in line:
                        unexplained.append(f"{path.relative_to(ROOT)}:{inner.lineno}: {line.strip()}")
    assert unexplained == []
