"""A tag whose examples all show one person People already found hands over to People."""

from __future__ import annotations

from imgengine_gui.catalog import people
from imgengine_gui.catalog import personal_tags as store
from imgengine_gui.catalog.db import connect
from imgengine_gui.engine.personal_tags import PersonalTags
from tests.personal_tags_library import build


def _library(tmp_path):
    catalog = tmp_path / "catalog.sqlite"
    groups = build(tmp_path / "photos", catalog)
    conn = connect(catalog)
    ids = store.photo_ids_by_path(conn, [str(p) for members in groups.values() for p in members])
    return conn, [ids[str(p)] for p in groups["grandpa"]]


def _cluster(conn, photo_ids, name=None) -> int:
    [person] = people.new_persons(conn, 1)
    faces = [f["face_id"] for pid in photo_ids for f in people.photo_faces(conn, pid)]
    people.assign(conn, faces, [person] * len(faces))
    if name:
        people.set_person_fields(conn, person, name=name)
    conn.commit()
    return person


def test_examples_of_one_known_person_point_to_that_person(tmp_path):
    conn, grandpa = _library(tmp_path)
    person = _cluster(conn, grandpa, "Grandpa Joe")
    hint = PersonalTags(conn).teach("grandpa", grandpa[:2]).person
    assert hint is not None and hint.person == str(person)
    assert "Grandpa Joe" in hint.message and "People" in hint.message


def test_two_different_people_are_no_person(tmp_path):
    conn, grandpa = _library(tmp_path)
    _cluster(conn, grandpa[:1])
    _cluster(conn, grandpa[1:])
    assert PersonalTags(conn).teach("family", grandpa[:2]).person is None


def test_before_people_ran_a_face_in_each_example_is_the_hint(tmp_path):
    conn, grandpa = _library(tmp_path)
    hint = PersonalTags(conn).teach("grandpa", grandpa[:2]).person
    assert hint is not None and hint.person is None


def test_the_cli_names_the_person_and_how_to_list_their_photos(tmp_path, cli):
    conn, grandpa = _library(tmp_path)
    person = _cluster(conn, grandpa, "Grandpa Joe")
    paths = store.photo_paths(conn, grandpa[:2])
    code, _, err = cli("tags", "teach", "grandpa", *paths.values(), "--catalog",
                       tmp_path / "catalog.sqlite")  # fmt: skip
    assert code == 0 and "Grandpa Joe" in err
    assert f"imgengine photos --person {person}" in err
