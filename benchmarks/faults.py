"""The safety contract, run: every fault the tests inject, what Image Engine did, and whether
anything was lost.

    python -m benchmarks.faults                 # run tests/faults (+ the window's half) and print
    python -m benchmarks.faults --write FILE    # also write the table as Markdown

Each fault test's docstring names the fault ("Fault: ...") and what the product does ("Does:
..."); a test passes only when nothing was lost (every file in place or undoable, the catalog
intact, the error said once). Faults that need root (small tmpfs file systems) are skipped, with
the reason, elsewhere.
"""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNS = (  # Qt tests run in a process of their own, as in `make test`
    ["tests/faults"],
    ["tests/gui/test_gui_faults.py"],
)


@dataclass
class Fault:
    module: str
    name: str
    fault: str
    does: str
    outcomes: list[str] = field(default_factory=list)  # "passed" | "failed: ..." | "skipped: ..."

    @property
    def verdict(self) -> str:
        bad = [o for o in self.outcomes if o.startswith("failed")]
        if bad:
            return "**LOST OR BROKEN**: " + bad[0].removeprefix("failed: ")
        if self.outcomes and all(o.startswith("skipped") for o in self.outcomes):
            return "not run here (" + self.outcomes[0].removeprefix("skipped: ") + ")"
        if not self.outcomes:
            return "not run"
        runs = f" ({len(self.outcomes)} variants)" if len(self.outcomes) > 1 else ""
        return "nothing lost" + runs


def contract() -> dict[tuple[str, str], Fault]:
    """Every fault test, from the docstrings of the test files (nothing imported)."""
    faults = {}
    files = sorted((REPO / "tests" / "faults").glob("test_*.py")) + [
        REPO / "tests" / "gui" / "test_gui_faults.py"
    ]
    for path in files:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                text = " ".join((ast.get_docstring(node) or "").split())
                fault, _, does = text.partition("Does:")
                faults[(path.stem, node.name)] = Fault(
                    path.stem, node.name, fault.removeprefix("Fault:").strip(), does.strip()
                )
    return faults


def run_tests(faults: dict[tuple[str, str], Fault]) -> int:
    """Run the fault tests (JUnit XML) and record each outcome; returns the worst exit code."""
    worst = 0
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for paths in RUNS:
        with tempfile.TemporaryDirectory() as tmp:
            report = Path(tmp) / "junit.xml"
            done = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                 f"--junitxml={report}", *paths],
                cwd=REPO, env=env,
            )  # fmt: skip
            worst = max(worst, done.returncode)
            if report.exists():
                _record(ElementTree.parse(report), faults)
    return worst


def _record(tree: ElementTree.ElementTree, faults: dict[tuple[str, str], Fault]) -> None:
    outcomes: dict[tuple[str, str], list[str]] = defaultdict(list)
    for case in tree.iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)[-1]
        name = case.get("name", "").split("[", 1)[0]
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        skipped = case.find("skipped")
        if problem is not None:
            message = " ".join((problem.get("message") or "failed").split())[:120]
            outcomes[(module, name)].append(f"failed: {message}")
        elif skipped is not None:
            outcomes[(module, name)].append(f"skipped: {skipped.get('message', '')}")
        else:
            outcomes[(module, name)].append("passed")
    for key, found in outcomes.items():
        if key in faults:
            faults[key].outcomes += found


def markdown(faults: dict[tuple[str, str], Fault]) -> str:
    lines = [
        "| # | fault injected | what Image Engine did | result |",
        "|---|---|---|---|",
    ]
    for fault in faults.values():
        number = fault.module.removeprefix("test_").split("_", 1)[0]
        number = number if number.isdigit() else "GUI"
        cells = (number, fault.fault, fault.does, fault.verdict)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", type=Path, help="also write the table to this Markdown file")
    args = parser.parse_args(argv)
    faults = contract()
    code = run_tests(faults)
    table = markdown(faults)
    print("\nSafety contract: faults injected and what was lost\n")
    print(table)
    if args.write:
        args.write.write_text(
            "# Fault injection: nothing lost\n\n"
            "Generated by `python -m benchmarks.faults --write benchmarks/faults.md` "
            "from the tests in `tests/faults/` and `tests/gui/test_gui_faults.py`.\n\n" + table,
            encoding="utf-8",
        )
    return code


if __name__ == "__main__":
    raise SystemExit(main())
