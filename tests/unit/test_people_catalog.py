"""People through the catalog and the engine API: storing faces, grouping, users' edits, undo."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from imgengine_gui.catalog import queries, records
from imgengine_gui.catalog.db import connect
from imgengine_gui.engine import people as api
from imgengine_gui.scan import scan_folder

VERSION = "test-identity"


@pytest.fixture
def catalog(tmp_path):
    """Eight photos: 0-3 of person A, 4-6 of person B, 7 of A and B together."""
    root = tmp_path / "photos"
    root.mkdir()
    for i in range(8):
        Image.new("RGB", (32, 24), (i * 20, 80, 120)).save(root / f"p{i}.jpg")
    conn = connect(tmp_path / "catalog.sqlite")
    with conn:
        scan_folder(conn, root, records.upsert_folder(conn, str(root)))
    ids = {row["path"].rsplit("/", 1)[-1]: row["id"] for row in conn.execute("SELECT id, path FROM photos")}
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 0.055, (2, 128))
    face = lambda centre: (centre + rng.normal(0, 0.02, 128)).astype(np.float32)  # noqa: E731
    plan = {i: [(a, [0.1, 0.1, 0.4, 0.5])] for i in range(4)}
    plan |= {i: [(b, [0.5, 0.1, 0.8, 0.5])] for i in range(4, 7)}
    plan[7] = [(a, [0.1, 0.1, 0.4, 0.5]), (b, [0.5, 0.1, 0.8, 0.5])]
    with conn:
        for i, faces in plan.items():
            store(conn, ids[f"p{i}.jpg"], [(face(c), box) for c, box in faces])
        api.update_people(conn)
    return SimpleNamespace(conn=conn, ids=ids)


def store(conn, photo_id, faces):
    result = {
        "faces": [{"box": box, "score": 0.99, "descriptor": vector} for vector, box in faces],
        "people": len(faces),
        "identity": VERSION,
    }
    records.store_ml(conn, photo_id, result, {"faces": "mtcnn"})


def _person_of(lib, photo, index=0):
    photo_id = lib.ids[photo]
    faces = [p for p in queries.list_photos(lib.conn) if p["id"] == photo_id][0]["faces"]
    faces.sort(key=lambda f: f["box"][0])
    return faces[index]


def test_faces_become_people_listed_and_filterable(catalog):
    people = api.list_people(catalog.conn)
    assert [(p["faces"], p["photos"]) for p in people] == [(5, 5), (4, 4)]
    assert all(p["best_face"]["path"].endswith(".jpg") for p in people)
    a = _person_of(catalog, "p0.jpg")
    assert a["person"] == people[0]["id"] and a["name"] is None
    assert set(a) == {"score", "box", "person", "name"}  # the descriptor never leaves the catalog
    together = [_person_of(catalog, "p7.jpg", i)["person"] for i in (0, 1)]
    assert together == [people[0]["id"], people[1]["id"]]
    api.rename(catalog.conn, people[1]["id"], "Bea")
    assert _person_of(catalog, "p5.jpg")["name"] == "Bea"
    (person,) = api.resolve(catalog.conn, "bea")
    shown = queries.list_photos(catalog.conn, queries.PhotoFilter(persons=(person,)))
    assert sorted(p["path"].rsplit("/", 1)[-1] for p in shown) == ["p4.jpg", "p5.jpg", "p6.jpg", "p7.jpg"]
    with pytest.raises(api.PeopleError):
        api.resolve(catalog.conn, "nobody")


def test_merge_undo_and_a_rejection_that_survives_reclustering(catalog):
    a, b = (p["id"] for p in api.list_people(catalog.conn))
    api.rename(catalog.conn, b, "Bea")
    assert api.merge(catalog.conn, a, [b]) == 9
    (merged,) = api.list_people(catalog.conn)
    assert (merged["id"], merged["name"], merged["photos"]) == (a, "Bea", 8)
    assert api.undo(catalog.conn) == "merge"
    assert sorted((p["id"], p["name"]) for p in api.list_people(catalog.conn)) == sorted(
        [(a, None), (b, "Bea")]
    )
    face = catalog.conn.execute(
        "SELECT id FROM faces WHERE photo_id = ?", (catalog.ids["p1.jpg"],)
    ).fetchone()[0]
    api.not_this_person(catalog.conn, face)
    api.recluster(catalog.conn)
    assert _person_of(catalog, "p1.jpg")["person"] is None
    assert _person_of(catalog, "p2.jpg")["person"] == a
    assert api.undo(catalog.conn) == "not this person"
    assert _person_of(catalog, "p1.jpg")["person"] == a


def test_a_name_another_person_has_is_refused_with_how_to_merge(catalog):
    a, b = (p["id"] for p in api.list_people(catalog.conn))
    api.rename(catalog.conn, a, "Bea")
    with pytest.raises(api.PeopleError, match=f"is person {a} already.*people merge {a} {b}"):
        api.rename(catalog.conn, b, " bea ")
    api.rename(catalog.conn, a, "Bea")  # its own name again is fine
    assert sorted(p["name"] or "" for p in api.list_people(catalog.conn)) == ["", "Bea"]


def test_name_a_face_hide_and_forget(catalog):
    face = catalog.conn.execute(
        "SELECT id FROM faces WHERE photo_id = ?", (catalog.ids["p0.jpg"],)
    ).fetchone()[0]
    person = api.name_face(catalog.conn, face, "Ann")
    assert _person_of(catalog, "p0.jpg") == {**_person_of(catalog, "p0.jpg"), "person": person, "name": "Ann"}
    assert api.name_face(catalog.conn, face, "ann") == person  # the same name: the same person
    assert api.undo(catalog.conn) == "name face" and api.undo(catalog.conn) == "name face"
    with pytest.raises(api.PeopleError):  # undone: no person of that name is left behind
        api.resolve(catalog.conn, "Ann")
    person = api.name_face(catalog.conn, face, "Ann")
    api.hide(catalog.conn, person)
    assert person not in {p["id"] for p in api.list_people(catalog.conn)}
    assert person in {p["id"] for p in api.list_people(catalog.conn, include_hidden=True)}
    with pytest.raises(api.PeopleError):
        api.forget_faces(catalog.conn, confirmed=False)
    counts = api.forget_faces(catalog.conn, confirmed=True)
    assert counts["descriptors"] == 9 and api.list_people(catalog.conn) == []
    assert catalog.conn.execute("SELECT COUNT(*) FROM faces").fetchone()[0] == 0
    assert _person_of(catalog, "p0.jpg")["person"] is None  # the face box itself stays


def _face_of(lib, photo: str, index: int = 0) -> int:
    faces = sorted(api.photo_faces(lib.conn, lib.ids[photo]), key=lambda f: f["box"][0])
    return faces[index]["face_id"]


def test_naming_a_face_of_an_unnamed_person_names_or_merges_that_person(catalog):
    a, b = (p["id"] for p in api.list_people(catalog.conn))  # A: 5 faces, B: 4
    assert api.name_person_of_face(catalog.conn, _face_of(catalog, "p0.jpg"), "Ann") == a
    assert [(p["id"], p["name"], p["faces"]) for p in api.list_people(catalog.conn)] == [
        (a, "Ann", 5), (b, None, 4)]  # the whole person is named, nobody split off
    assert all(f["pinned"] for f in api.photo_faces(catalog.conn, catalog.ids["p3.jpg"]))
    assert api.undo(catalog.conn) == "name person"
    assert [p["name"] for p in api.list_people(catalog.conn)] == [None, None]

    api.rename(catalog.conn, a, "Ann")
    not_ann = _face_of(catalog, "p7.jpg", 1)  # a face of B the user says is not Ann
    api.move_face(catalog.conn, not_ann, a)
    api.not_this_person(catalog.conn, not_ann)
    api.move_face(catalog.conn, not_ann, b)  # back with B (only "not Ann" is remembered)
    assert api.name_person_of_face(catalog.conn, _face_of(catalog, "p4.jpg"), "ann") == a
    people = {p["id"]: (p["name"], p["faces"]) for p in api.list_people(catalog.conn)}
    assert people == {a: ("Ann", 8), b: (None, 1)}  # B merged into Ann but the face refused
    assert api.photo_faces(catalog.conn, catalog.ids["p7.jpg"])[1]["person"] == b
    assert api.undo(catalog.conn) == "name person"
    assert {p["id"]: p["faces"] for p in api.list_people(catalog.conn)} == {a: 5, b: 4}

    # a named person's face named otherwise moves alone (a correction, as name_face)
    moved = api.name_person_of_face(catalog.conn, _face_of(catalog, "p0.jpg"), "Cy")
    assert {p["name"]: p["faces"] for p in api.list_people(catalog.conn)} == {
        "Ann": 4, None: 4, "Cy": 1}
    assert moved not in (a, b)


def test_reanalysis_keeps_the_users_decisions(catalog):
    photo = catalog.ids["p7.jpg"]
    faces = api.photo_faces(catalog.conn, photo)
    left = min(faces, key=lambda f: f["box"][0])
    person = api.name_face(catalog.conn, left["face_id"], "Ann")
    rng = np.random.default_rng(9)
    moved = [v + 0.01 for v in left["box"]]  # the detector's box moved a little
    store(catalog.conn, photo, [(rng.normal(0, 0.055, 128).astype(np.float32), moved)])
    (again,) = api.photo_faces(catalog.conn, photo)
    assert again["face_id"] == left["face_id"] and again["person"] == person and again["pinned"]
    api.update_people(catalog.conn)
    assert api.photo_faces(catalog.conn, photo)[0]["person"] == person


def test_ids_are_never_reused(catalog):
    before = {int(p["id"]) for p in api.list_people(catalog.conn)}
    api.forget_faces(catalog.conn, confirmed=True)
    photo = catalog.ids["p0.jpg"]
    vector = np.random.default_rng(3).normal(0, 0.05, 128).astype(np.float32)
    store(catalog.conn, photo, [(vector, [0.1, 0.1, 0.4, 0.5])])
    face = api.photo_faces(catalog.conn, photo)[0]["face_id"]
    assert int(api.name_face(catalog.conn, face, "Cy")) > max(before)


def test_box_text_matches_the_face_tag(catalog):
    tag = catalog.conn.execute("SELECT box FROM tags WHERE kind = 'face' LIMIT 1").fetchone()[0]
    assert catalog.conn.execute("SELECT COUNT(*) FROM faces WHERE box = ?", (tag,)).fetchone()[0] >= 1


def test_a_capped_crowd_says_so_in_the_photo_warnings(catalog):
    photo = catalog.ids["p3.jpg"]
    rng = np.random.default_rng(5)
    note = "faces: 200 found; only the 40 largest can be recognised as people"
    result = {
        "faces": [{"box": [0.1, 0.1, 0.4, 0.5], "score": 0.9, "descriptor": rng.normal(0, 0.05, 128)}],
        "people": 1,
        "identity": VERSION,
        "identity_note": note,
    }
    records.store_ml(catalog.conn, photo, result, {"faces": "mtcnn"})
    (shown,) = queries.list_photos(catalog.conn, queries.PhotoFilter(photo_ids=(photo,)))
    assert note in shown["warnings"]


def test_a_catalog_from_before_people_still_lists_read_only(tmp_path):
    import sqlite3

    from imgengine_gui.catalog import schema

    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript("BEGIN;" + schema.MIGRATIONS[0] + "PRAGMA user_version = 1; COMMIT;")
    old.execute(
        "INSERT INTO photos(id, path, size, mtime_ns, first_seen, last_seen)"
        " VALUES (1, '/x/a.jpg', 1, 1, 0, 0)"
    )
    old.execute(
        "INSERT INTO tags(photo_id, kind, label, score, box, model_id)"
        " VALUES (1, 'face', 'face', 0.9, '[0.1, 0.1, 0.2, 0.2]', 'mtcnn')"
    )
    old.execute("INSERT INTO ml_summary(photo_id, people, faces, models) VALUES (1, 1, 1, '{}')")
    old.commit()
    old.close()
    (photo,) = queries.list_photos(connect(path, readonly=True))
    assert photo["faces"] == [{"score": 0.9, "box": [0.1, 0.1, 0.2, 0.2], "person": None, "name": None}]
