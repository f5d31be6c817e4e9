"""Planning the upgrade: after a download, only the task whose serving model changed is due."""

from __future__ import annotations

from imgengine_gui.catalog.db import connect
from imgengine_gui.catalog.ml_tasks import NOT_SERVED, TaskRun, due_ml_tasks, record_ml_tasks
from imgengine_gui.engine.model_download import download_models
from imgengine_gui.ml.model_versions import serving_keys
from imgengine_gui.ml.registry import choose_analyzers
from imgengine_gui.settings import Settings


def test_downloading_a_detector_makes_only_objects_due(hub, hf_cache, tmp_path):
    conn = connect(tmp_path / "catalog.sqlite")
    root = tmp_path / "photos"
    for name in ("a.jpg", "b.jpg"):
        conn.execute(
            "INSERT INTO photos(path, size, mtime_ns, first_seen, last_seen) VALUES (?,1,1,0,0)",
            (str(root / name),),
        )
    before = serving_keys(choose_analyzers(Settings())[0])
    assert before["objects"] == NOT_SERVED
    for (photo_id,) in conn.execute("SELECT id FROM photos").fetchall():
        runs = {task: TaskRun(key, key) for task, key in before.items()}
        record_ml_tasks(conn, photo_id, runs, {})
    assert due_ml_tasks(conn, str(root), before) == []

    (result,) = download_models(["objects"], Settings())
    after = serving_keys(choose_analyzers(Settings.load())[0])
    assert after["objects"] == f"1:{Settings().objects_model}@{result.commit}"
    assert {task: key for task, key in after.items() if before[task] != key} == {
        "objects": after["objects"]
    }
    due = due_ml_tasks(conn, str(root), after)
    assert [(d.path.rsplit("/", 1)[-1], d.tasks) for d in due] == [
        ("a.jpg", frozenset({"objects"})),
        ("b.jpg", frozenset({"objects"})),
    ]
