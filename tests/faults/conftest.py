"""The safety contract: each test injects one fault (kill -9, Ctrl-C, disk full, read-only or
foreign catalogs, concurrent runs, junk files) and checks that nothing is lost.

Every test's docstring says the fault ("Fault:") and what Image Engine does about it ("Does:");
`python -m benchmarks.faults` runs them and prints the table. The window's half of the contract
(counts, dialogs, the read-only warning) is tests/gui/test_gui_faults.py: Qt tests run in a
process of their own.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def private_trash(private_trash):
    """Every fault test trashes into its own folder (the shared fixture, made automatic)."""
    return private_trash


@pytest.fixture
def cli(capsys):
    """Run `imgengine ARGS` in-process; returns (exit code, stdout, stderr)."""
    from imgengine_gui.cli.main import main

    def run(*args) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return int(code), out, err

    return run


@pytest.fixture
def tmpfs(tmp_path):
    """``tmpfs(name, size)`` mounts a small tmpfs (root only; skipped otherwise), unmounted after."""
    from faultlib import mount_tmpfs, unmount

    mounted = []

    def mount(name: str, size: str):
        target = tmp_path / name
        mount_tmpfs(target, size)
        mounted.append(target)
        return target

    yield mount
    for target in reversed(mounted):
        unmount(target)
