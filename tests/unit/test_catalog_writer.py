from __future__ import annotations

import pytest

from imgengine_gui.catalog import records
from imgengine_gui.catalog.db import connect
from imgengine_gui.catalog.writer import CatalogWriteError, CatalogWriter


def test_batched_writes_are_committed_and_a_failed_operation_loses_only_itself(tmp_path):
    path = tmp_path / "c.sqlite"
    with CatalogWriter(path, batch_size=3) as writer:
        for name in ("a", "b"):
            writer.submit(lambda conn, name=name: records.upsert_folder(conn, f"/photos/{name}"))
        writer.submit(lambda conn: conn.execute("INSERT INTO nowhere VALUES (1)"))
        writer.submit(lambda conn: records.upsert_folder(conn, "/photos/c"))
        writer.flush()
        assert any("catalog write failed" in e for e in writer.errors)
    rows = [r[0] for r in connect(path).execute("SELECT path FROM folders ORDER BY path")]
    assert rows == ["/photos/a", "/photos/b", "/photos/c"]


def test_a_dead_writer_fails_callers_instead_of_hanging(tmp_path):
    writer = CatalogWriter(tmp_path / "c.sqlite")
    writer.start()
    writer.submit(lambda conn: conn.commit())  # ends the transaction under the savepoint
    with pytest.raises(CatalogWriteError):
        for _ in range(3):
            writer.flush()
    with pytest.raises(CatalogWriteError):
        writer.submit(lambda conn: None)
    writer.close()


def test_a_bug_in_the_content_phase_keeps_the_metadata(tmp_path, monkeypatch):
    from PIL import Image

    import imgengine_gui.analysis.content as content
    from imgengine_gui.engine.pipeline import AnalyzeRequest, analyze_folder
    from imgengine_gui.settings import Settings

    root = tmp_path / "photos"
    root.mkdir()
    Image.new("RGB", (64, 48), (1, 2, 3)).save(root / "a.jpg")

    def broken(*args, **kwargs):
        raise ValueError("bug in content")

    monkeypatch.setattr(content, "analyze_content", broken)
    catalog = tmp_path / "c.sqlite"
    summary = analyze_folder(
        AnalyzeRequest(root, catalog, Settings(), ("metadata", "content"))
    )
    assert summary.analyzed == 1 and summary.failed == 1
    states = dict(connect(catalog).execute("SELECT phase, state FROM phase_status").fetchall())
    assert states == {"metadata": "done", "content": "error"}
