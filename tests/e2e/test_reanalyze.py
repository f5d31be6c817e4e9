"""Re-analysis: the chosen phases are redone for every photo or a selection, and nothing else."""

from __future__ import annotations

from collections import Counter

import pytest
from PIL import Image

from imgengine_gui.cli.main import main
from imgengine_gui.engine.reanalyze import phases_for, reanalyze
from imgengine_gui.settings import Settings


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "photos"
    (root / "sub").mkdir(parents=True)
    for i, name in enumerate(("a.jpg", "b.jpg", "sub/c.jpg")):
        Image.new("RGB", (64, 48), (60 * i, 120, 200)).save(root / name)
    return root


@pytest.fixture
def counted(monkeypatch):
    from imgengine_gui.analysis import content, metadata

    calls: Counter[str] = Counter()
    for module, name in ((metadata, "read_metadata"), (content, "analyze_content")):
        original = getattr(module, name)

        def wrapper(*args, _original=original, _name=name, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)
    return calls


def _analyze(folder, catalog, *extra) -> int:
    args = ["analyze", str(folder), "--catalog", str(catalog), "--phases", "metadata,content"]
    return main([*args, "--quiet", *extra])


def test_cli_redo_redoes_only_the_named_phase(folder, tmp_path, counted):
    catalog = tmp_path / "catalog.sqlite"
    assert _analyze(folder, catalog) == 0
    assert counted == {"read_metadata": 3, "analyze_content": 3}
    counted.clear()
    assert _analyze(folder, catalog) == 0
    assert sum(counted.values()) == 0
    assert _analyze(folder, catalog, "--redo", "metadata") == 0
    assert counted == {"read_metadata": 3}
    counted.clear()
    assert _analyze(folder, catalog, "--redo", "content") == 0
    assert counted == {"analyze_content": 3}
    assert _analyze(folder, catalog, "--redo", "thumbnails") == 2  # a usage error


def test_reanalyze_a_selection_across_the_analyzed_folders(folder, tmp_path, counted):
    catalog = tmp_path / "catalog.sqlite"
    other = tmp_path / "other"
    other.mkdir()
    Image.new("RGB", (64, 48), "red").save(other / "d.jpg")
    for root in (folder, other):
        assert _analyze(root, catalog) == 0
    counted.clear()
    settings = Settings()
    chosen = [folder / "sub" / "c.jpg", other / "d.jpg"]
    summary = reanalyze(catalog, settings, ["metadata"], [p.resolve() for p in chosen])
    assert counted == {"read_metadata": 2} and summary.analyzed == 2
    counted.clear()
    summary = reanalyze(catalog, settings, ["content"])  # every analyzed photo
    assert counted == {"analyze_content": 4} and summary.analyzed == 4


def test_the_phases_a_redo_needs():
    assert phases_for(["metadata"]) == ("metadata",)
    assert phases_for(["objects", "content"]) == ("content", "ml")
    assert phases_for(["ml"]) == ("ml",)
