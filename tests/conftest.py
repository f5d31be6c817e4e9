from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    from benchmarks.library import find_corpus

    path = find_corpus()
    if path is None:
        pytest.skip("photo corpus not found: set IMGENGINE_CORPUS or place it at ../shared/corpus")
    return path.resolve()


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own data/cache/config dirs: nothing touches the user's catalog."""
    home = tmp_path_factory.mktemp("imgengine-home")
    monkeypatch.setenv("IMGENGINE_HOME", str(home))
    return home
