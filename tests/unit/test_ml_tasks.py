"""Per-task model records: a changed model makes its task alone due; its old results are replaced."""

from __future__ import annotations

import json
import sqlite3
from types import SimpleNamespace

import numpy as np
from PIL import Image

from imgengine_gui.catalog import records
from imgengine_gui.catalog.db import connect
from imgengine_gui.catalog.ml_tasks import (
    NOT_SERVED,
    TaskRun,
    count_due,
    due_ml_tasks,
    record_ml_tasks,
    retire_unserved,
)
from imgengine_gui.catalog.schema import MIGRATIONS, SCHEMA_VERSION
from imgengine_gui.scan import scan_folder

OFFLINE = {"scenes": "1:torchvision/mobilenet_v2-imagenet", "faces": "1:mtcnn", "objects": "none"}
FACE = {"score": 0.99, "box": [0.1, 0.1, 0.2, 0.2]}


def catalog_with_photos(tmp_path, count=3):
    root = tmp_path / "photos"
    root.mkdir()
    for i in range(count):
        Image.new("RGB", (32, 24), (40 * i, 90, 90)).save(root / f"p{i}.jpg")
    conn = connect(tmp_path / "catalog.sqlite")
    scan_folder(conn, root, records.upsert_folder(conn, str(root)))
    conn.commit()
    ids = [row[0] for row in conn.execute("SELECT id FROM photos ORDER BY path")]
    return conn, root, ids


def tags(conn, photo_id):
    return sorted(
        (kind, label, model)
        for kind, label, model in conn.execute(
            "SELECT kind, label, model_id FROM tags WHERE photo_id = ?", (photo_id,)
        )
    )


def summary(conn, photo_id):
    row = conn.execute("SELECT people, faces FROM ml_summary WHERE photo_id = ?", (photo_id,))
    return tuple(row.fetchone())


def offline_result(faces=1):
    return {
        "scenes": [{"label": "beach", "score": 0.8}],
        "embedding": np.ones(4, np.float32) / 2,
        "faces": [FACE] * faces,
        "people": faces,
    }


def record_offline(conn, photo_id, faces=1):
    runs = {
        "scenes": TaskRun(OFFLINE["scenes"], "torchvision/mobilenet_v2-imagenet"),
        "faces": TaskRun(OFFLINE["faces"], "mtcnn"),
        "objects": TaskRun(NOT_SERVED, NOT_SERVED),
    }
    record_ml_tasks(conn, photo_id, runs, offline_result(faces))


def test_new_photos_are_due_for_every_task_and_recorded_ones_for_none(tmp_path):
    conn, root, ids = catalog_with_photos(tmp_path)
    due = due_ml_tasks(conn, str(root), OFFLINE)
    assert [(d.photo_id, d.tasks) for d in due] == [(i, frozenset(OFFLINE)) for i in ids]
    for photo_id in ids:
        record_offline(conn, photo_id)
    assert due_ml_tasks(conn, str(root), OFFLINE) == []
    assert summary(conn, ids[0]) == (1, 1)


def test_a_new_detector_makes_only_objects_due_and_its_person_boxes_count_people(tmp_path):
    conn, root, ids = catalog_with_photos(tmp_path)
    for photo_id in ids:
        record_offline(conn, photo_id, faces=2)
    detector = {**OFFLINE, "objects": "1:PekingU/rtdetr_r18vd_coco_o365@abc"}

    due = due_ml_tasks(conn, str(root), detector)
    assert {d.tasks for d in due} == {frozenset({"objects"})} and len(due) == len(ids)
    assert count_due(conn, str(root), detector) == {"scenes": 0, "faces": 0, "objects": 3}

    person = {"label": "person", "score": 0.9, "box": [0, 0, 0.5, 1]}
    dog = {"label": "dog", "score": 0.8, "box": [0.5, 0, 1, 1]}
    runs = {"objects": TaskRun(detector["objects"], "PekingU/rtdetr_r18vd_coco_o365")}
    record_ml_tasks(conn, ids[0], runs, {"objects": [person, dog], "people": 1})
    assert summary(conn, ids[0]) == (1, 2)  # one person box, though two faces
    assert ("scene", "beach", "torchvision/mobilenet_v2-imagenet") in tags(conn, ids[0])
    assert [d.photo_id for d in due_ml_tasks(conn, str(root), detector)] == ids[1:]


def test_a_new_scene_model_replaces_the_old_tags_and_embedding_not_mixes_them(tmp_path):
    conn, root, ids = catalog_with_photos(tmp_path, count=1)
    record_offline(conn, ids[0])
    clip = {**OFFLINE, "scenes": "1:openai/clip-vit-base-patch32@c0ffee"}
    assert [d.tasks for d in due_ml_tasks(conn, str(root), clip)] == [frozenset({"scenes"})]

    new = {"scenes": [{"label": "city", "score": 0.7}], "embedding": np.ones(8, np.float32)}
    record_ml_tasks(conn, ids[0], {"scenes": TaskRun(clip["scenes"], "openai/clip")}, new)
    assert tags(conn, ids[0]) == [("face", "face", "mtcnn"), ("scene", "city", "openai/clip")]
    embeddings = conn.execute("SELECT model_id, dim FROM embeddings").fetchall()
    assert [tuple(e) for e in embeddings] == [("openai/clip", 8)]
    models = json.loads(conn.execute("SELECT models FROM ml_summary").fetchone()[0])
    assert models == {**OFFLINE, "scenes": clip["scenes"]}


def test_a_removed_detector_drops_its_objects_without_decoding(tmp_path):
    conn, root, ids = catalog_with_photos(tmp_path, count=2)
    detector = {**OFFLINE, "objects": "1:PekingU/rtdetr@abc"}
    for photo_id in ids:
        record_offline(conn, photo_id, faces=3)
        person = {"label": "person", "score": 0.9, "box": [0, 0, 1, 1]}
        runs = {"objects": TaskRun(detector["objects"], "PekingU/rtdetr")}
        record_ml_tasks(conn, photo_id, runs, {"objects": [person]})
    assert summary(conn, ids[0]) == (1, 3)

    assert retire_unserved(conn, str(root), OFFLINE) == 2
    assert due_ml_tasks(conn, str(root), OFFLINE) == []
    assert not [t for t in tags(conn, ids[0]) if t[0] == "object"]
    assert summary(conn, ids[0]) == (3, 3)  # people from faces again


def test_a_failed_task_keeps_no_results_and_is_due_again_as_the_other_phases_are(tmp_path):
    conn, root, ids = catalog_with_photos(tmp_path, count=1)
    record_offline(conn, ids[0])
    runs = {"faces": TaskRun(OFFLINE["faces"], "mtcnn", error="RuntimeError: out of memory")}
    record_ml_tasks(conn, ids[0], runs, {})
    assert [t for t in tags(conn, ids[0]) if t[0] == "face"] == []
    assert summary(conn, ids[0]) == (None, None)
    state = conn.execute("SELECT state, error FROM ml_tasks WHERE task = 'faces'").fetchone()
    assert tuple(state) == ("error", "RuntimeError: out of memory")
    # the environment's fault: retried on the next run, for that task alone
    assert [d.tasks for d in due_ml_tasks(conn, str(root), OFFLINE)] == [frozenset({"faces"})]

    broken = TaskRun(OFFLINE["faces"], "mtcnn", error="cannot decode", photo_fault=True)
    record_ml_tasks(conn, ids[0], {"faces": broken}, {})
    assert due_ml_tasks(conn, str(root), OFFLINE) == []  # the photo's own fault: not retried
    due = due_ml_tasks(conn, str(root), OFFLINE, retry_errors=True)  # unless asked
    assert [d.tasks for d in due] == [frozenset({"faces"})]


def test_a_changed_file_loses_its_task_records(tmp_path):
    conn, root, ids = catalog_with_photos(tmp_path, count=2)
    for photo_id in ids:
        record_offline(conn, photo_id)
    Image.new("RGB", (40, 30), "white").save(root / "p0.jpg")
    scan_folder(conn, root, records.upsert_folder(conn, str(root)))
    assert [d.photo_id for d in due_ml_tasks(conn, str(root), OFFLINE)] == [ids[0]]


def test_catalogs_analyzed_before_keep_their_results_after_the_migration(tmp_path):
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
    for photo_id, models in (
        (1, {"scenes": "torchvision/mobilenet_v2-imagenet", "faces": "mtcnn", "people": "mtcnn"}),
        (2, {"scenes": "openai/clip", "objects": "PekingU/rtdetr", "faces": "mtcnn"}),
    ):
        old.execute(
            "INSERT INTO photos(id, path, size, mtime_ns, first_seen, last_seen)"
            " VALUES (?, ?, 1, 1, 0, 0)",
            (photo_id, f"/lib/p{photo_id}.jpg"),
        )
        old.execute(
            "INSERT INTO ml_summary(photo_id, people, faces, models) VALUES (?, 1, 1, ?)",
            (photo_id, json.dumps(models)),
        )
        old.execute(
            "INSERT INTO phase_status VALUES (?, 'ml', 'done', NULL, '[]', '1:x', 5.0)",
            (photo_id,),
        )
    old.commit()
    old.close()

    conn = connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    rows = {(r[0], r[1]): r[2] for r in conn.execute("SELECT photo_id, task, model FROM ml_tasks")}
    assert rows == {
        (1, "scenes"): "1:torchvision/mobilenet_v2-imagenet", (1, "faces"): "1:mtcnn",
        (1, "objects"): "none", (2, "scenes"): "1:openai/clip", (2, "faces"): "1:mtcnn",
        (2, "objects"): "1:PekingU/rtdetr",
    }  # fmt: skip
    assert [d.photo_id for d in due_ml_tasks(conn, "/lib", OFFLINE)] == [2]


def test_serving_keys_name_every_task_and_the_installed_revision(tmp_path, monkeypatch):
    from imgengine_gui.ml import model_versions

    snapshot = tmp_path / "models--org--clip" / "snapshots" / ("ab" * 20)
    snapshot.mkdir(parents=True)
    monkeypatch.setattr(model_versions, "locate_model", lambda model_id: snapshot)
    offline = SimpleNamespace(name="faces", model_id="mtcnn", tier="offline")
    full = SimpleNamespace(name="scenes", model_id="org/clip", tier="full", version="2")
    assert model_versions.serving_keys([offline, full]) == {
        "scenes": f"2:org/clip@{'ab' * 20}",
        "faces": "1:mtcnn",
        "objects": NOT_SERVED,
    }


def test_the_run_plan_adds_ml_where_tasks_are_due_and_says_which(tmp_path):
    from imgengine_gui.engine.ml_plan import plan_ml_tasks, task_runs
    from imgengine_gui.scan import PhotoJob

    conn, root, ids = catalog_with_photos(tmp_path)
    for photo_id in ids[:2]:
        record_offline(conn, photo_id)
    paths = dict(conn.execute("SELECT id, path FROM photos").fetchall())
    jobs = [
        PhotoJob(ids[1], paths[ids[1]], ("content",)),
        PhotoJob(ids[2], paths[ids[2]], ("metadata",)),
    ]
    clip = {**OFFLINE, "scenes": "1:openai/clip@c0ffee"}

    tasks = plan_ml_tasks(conn, str(root), jobs, clip)
    assert [(j.photo_id, j.phases) for j in jobs] == [
        (ids[0], ("ml",)), (ids[1], ("content", "ml")), (ids[2], ("metadata", "ml")),
    ]  # fmt: skip
    assert tasks == {
        ids[0]: frozenset({"scenes"}), ids[1]: frozenset({"scenes"}),
        ids[2]: frozenset({"scenes", "faces"}),
    }  # fmt: skip
    runs = task_runs(
        tasks[ids[2]], clip, {"scenes": "openai/clip", "faces": "mtcnn"}, {"faces": "oom"}
    )
    assert runs == {
        "scenes": TaskRun(clip["scenes"], "openai/clip"),
        "faces": TaskRun("1:mtcnn", "mtcnn", "oom"),
    }
    record_ml_tasks(conn, ids[2], {"objects": TaskRun(NOT_SERVED, NOT_SERVED)}, {})
    assert plan_ml_tasks(conn, str(root), [], clip)[ids[2]] == frozenset({"scenes", "faces"})


def test_the_portrait_tag_follows_the_faces_not_the_scenes(tmp_path):
    conn, _root, ids = catalog_with_photos(tmp_path, count=1)
    result = offline_result()
    result["scenes"] = [{"label": "portrait", "score": 0.9}, *result["scenes"]]
    runs = {
        "scenes": TaskRun(OFFLINE["scenes"], "torchvision/mobilenet_v2-imagenet"),
        "faces": TaskRun(OFFLINE["faces"], "mtcnn"),
    }
    record_ml_tasks(conn, ids[0], runs, result)
    assert ("scene", "portrait", "mtcnn") in tags(conn, ids[0])

    clip = TaskRun("1:clip@abc", "openai/clip")  # the scenes alone re-run: the portrait stays
    record_ml_tasks(conn, ids[0], {"scenes": clip}, {"scenes": [{"label": "sky", "score": 0.7}]})
    scenes = [t for t in tags(conn, ids[0]) if t[0] == "scene"]
    assert scenes == [("scene", "portrait", "mtcnn"), ("scene", "sky", "openai/clip")]

    faces = TaskRun("2:mtcnn", "mtcnn")  # the faces alone re-run and find no portrait now
    record_ml_tasks(conn, ids[0], {"faces": faces}, {"faces": [], "portrait": []})
    assert [t for t in tags(conn, ids[0]) if t[0] == "scene"] == [("scene", "sky", "openai/clip")]
