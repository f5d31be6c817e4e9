from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


CORPUS_MISSING = "photo corpus not found"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    from benchmarks.library import find_corpus

    path = find_corpus()
    if path is None:
        pytest.skip(f"{CORPUS_MISSING}: set IMGENGINE_CORPUS or place it at ../shared/corpus")
    return path.resolve()


def pytest_terminal_summary(terminalreporter) -> None:
    """Say how many tests the missing photo corpus skipped (they would pass silently otherwise)."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if CORPUS_MISSING in str(r.longrepr)]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} corpus tests skipped: {CORPUS_MISSING} (set IMGENGINE_CORPUS or place "
            "it at ../shared/corpus)", yellow=True, bold=True,
        )
    else:
        terminalreporter.write_line("corpus tests skipped: 0")


@pytest.fixture
def private_trash(tmp_path, monkeypatch) -> Path:
    """send2trash on Linux uses $XDG_DATA_HOME/Trash: keep it inside the test's tmp folder (for
    subprocesses through the environment; send2trash reads it at import, so the module constants
    are patched for in-process runs too). Returns the trash folder."""
    data_home = tmp_path / "xdg-data"
    try:  # imported before the variable changes, so that teardown restores the real values
        from send2trash import plat_other
    except ImportError:  # not Linux
        plat_other = None
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    if plat_other is not None:
        monkeypatch.setattr(plat_other, "XDG_DATA_HOME", os.fsencode(data_home))
        monkeypatch.setattr(plat_other, "HOMETRASH_B", os.fsencode(data_home / "Trash"))
        monkeypatch.setattr(plat_other, "HOMETRASH", str(data_home / "Trash"))
    return data_home / "Trash"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own data/cache/config dirs: nothing touches the user's catalog."""
    home = tmp_path_factory.mktemp("imgengine-home")
    monkeypatch.setenv("IMGENGINE_HOME", str(home))
    return home
