"""A tag whose examples all show one person People already found hands over to People."""

from __future__ import annotations

from imgengine_gui.engine.personal_tags import PersonalTags
from tests.personal_tags_library import grandpa_library, one_person


def test_examples_of_one_known_person_point_to_that_person(tmp_path):
    conn, grandpa = grandpa_library(tmp_path)
    person = one_person(conn, grandpa, "Grandpa Joe")
    hint = PersonalTags(conn).teach("grandpa", grandpa[:2]).person
    assert hint is not None and hint.person == str(person)
    assert "Grandpa Joe" in hint.message and "People" in hint.message


def test_two_different_people_are_no_person(tmp_path):
    conn, grandpa = grandpa_library(tmp_path)
    one_person(conn, grandpa[:1])
    one_person(conn, grandpa[1:])
    assert PersonalTags(conn).teach("family", grandpa[:2]).person is None


def test_before_people_ran_a_face_in_each_example_is_the_hint(tmp_path):
    conn, grandpa = grandpa_library(tmp_path)
    hint = PersonalTags(conn).teach("grandpa", grandpa[:2]).person
    assert hint is not None and hint.person is None

