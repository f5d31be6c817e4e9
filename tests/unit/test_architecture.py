"""Layering rules: Qt only in ui/, torch/transformers only when a model runs."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "imgengine_gui"
QT_MODULES = ("PySide6", "shiboken6", "superqt", "qasync")
SQL = re.compile(
    r"\b(SELECT\b.*\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"
    r"|CREATE\s+(TABLE|INDEX)|PRAGMA\s+\w+)\b",
    re.DOTALL,
)
SQL_CALLS = {"execute", "executemany", "executescript"}


def _top_level_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_ui_package_imports_qt():
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "ui" not in path.relative_to(PACKAGE).parts
        and _top_level_imports(path) & set(QT_MODULES)
    ]
    assert offenders == []


def _sql_in(path: Path) -> list[str]:
    """SQL text and statement calls in a module: ``line: what``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
            found.append(f"{node.lineno}: {node.value[:60]!r}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SQL_CALLS
        ):
            found.append(f"{node.lineno}: .{node.func.attr}(...)")
    return found


def test_sql_lives_only_in_the_catalog_package():
    offenders = {
        str(relative): found
        for path in PACKAGE.rglob("*.py")
        if (relative := path.relative_to(PACKAGE)).parts[0] != "catalog"
        and (found := _sql_in(path))
    }
    assert offenders == {}
    # the check sees SQL where it is: in the catalog's own modules
    assert _sql_in(PACKAGE / "catalog" / "queries.py") and _sql_in(PACKAGE / "catalog" / "inventory.py")


def test_import_linter_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], capture_output=True, text=True, cwd=PACKAGE.parent
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_cli_starts_without_torch_transformers_or_qt():
    code = (
        "import sys, imgengine_gui.cli.main as m, imgengine_gui.engine.pipeline, "
        "imgengine_gui.ml.registry, imgengine_gui.catalog.queries\n"
        "heavy = [n for n in ('torch', 'transformers', 'torchvision', 'cv2', 'PySide6') "
        "if n in sys.modules]\n"
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
