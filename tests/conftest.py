from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent


def find_corpus() -> Path | None:
    candidates = [os.environ.get("IMGENGINE_CORPUS"), REPO.parent / "shared" / "corpus"]
    for candidate in candidates:
        if not candidate:
            continue
        path = Path(candidate)
        if (path / "exif-samples").is_dir():
            return path / "exif-samples"
        if (path / "exiftool-truth.json").is_file():
            return path
    return None


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    path = find_corpus()
    if path is None:
        pytest.skip("photo corpus not found: set IMGENGINE_CORPUS or place it at ../shared/corpus")
    return path


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own data/cache/config dirs: nothing touches the user's catalog."""
    home = tmp_path_factory.mktemp("imgengine-home")
    monkeypatch.setenv("IMGENGINE_HOME", str(home))
    return home
