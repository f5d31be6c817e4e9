"""Personal tags in XMP sidecars: the photos the user confirmed carry the tag's name as a
keyword (read back with exiv2's own parser); learned-only photos are not written."""

from __future__ import annotations

import pytest

from imgengine_gui.catalog import annotations as keywords_store
from imgengine_gui.engine import annotations
from imgengine_gui.engine.personal_tags import PersonalTags
from imgengine_gui.settings import Settings
from tests.personal_tags_library import open_built
from tests.unit.test_sidecars import exiv2_read


@pytest.fixture
def library(tmp_path):
    conn, by_group, _, paths = open_built(tmp_path)
    yield conn, by_group, paths
    conn.close()


def _subjects(photo) -> list[str]:
    sidecar = photo.parent / (photo.name + ".xmp")
    if not sidecar.exists():
        return []
    return [v for k, v in exiv2_read(sidecar).items() if k.startswith("Xmp.dc.subject")]


def _keyword_in(photo, keyword: str) -> bool:
    return any(keyword in value for value in _subjects(photo))


def test_confirmed_photos_carry_the_tag_as_a_keyword_and_lose_it_when_undone(library):
    conn, groups, paths = library
    flowers = groups["flowers"]
    engine = PersonalTags(conn, settings=Settings())
    result = engine.teach("my flowers", flowers[:2])
    assert result.photos > 2  # it learned more photos than its examples
    assert all(_keyword_in(paths[p], "my flowers") for p in flowers[:2])
    learned = {p.photo_id for p in engine.applied("my flowers") if not p.example}
    assert learned and not any(_subjects(paths[p]) for p in learned)  # not written: not confirmed

    engine.accept("my flowers", flowers[2])
    assert _keyword_in(paths[flowers[2]], "my flowers")
    engine.reject("my flowers", flowers[0])  # a former example, now "not this"
    assert not _keyword_in(paths[flowers[0]], "my flowers")
    assert _keyword_in(paths[flowers[1]], "my flowers")

    engine.rename("my flowers", "garden")
    assert _keyword_in(paths[flowers[1]], "garden")
    assert not _keyword_in(paths[flowers[1]], "my flowers")
    engine.forget("garden")
    assert not any(_keyword_in(paths[p], "garden") for p in flowers)
    assert keywords_store.keyword_sources(conn, "garden") == {}


def test_forgetting_keeps_the_same_keyword_typed_on_other_photos(library):
    conn, groups, paths = library
    typed = groups["other"][0]
    annotations.add_keywords(conn, [typed], ["boat"], Settings())
    engine = PersonalTags(conn, settings=Settings())
    engine.teach("boat", groups["grandpa"][:2])
    engine.forget("boat")
    assert _keyword_in(paths[typed], "boat")
    assert not any(_keyword_in(paths[p], "boat") for p in groups["grandpa"][:2])


def test_a_keyword_typed_on_an_example_is_never_the_tags_to_take(library):
    conn, groups, paths = library
    typed, other = groups["flowers"][:2]
    annotations.add_keywords(conn, [typed], ["my flowers"], Settings())
    engine = PersonalTags(conn, settings=Settings())
    engine.teach("my flowers", [typed, other])
    engine.forget("my flowers")
    assert _keyword_in(paths[typed], "my flowers") and not _keyword_in(paths[other], "my flowers")
    assert keywords_store.keyword_sources(conn, "my flowers") == {typed: {"user"}}


def test_a_keyword_the_user_took_off_stays_off_when_the_tag_learns_more(library):
    conn, groups, paths = library
    flowers = groups["flowers"]
    engine = PersonalTags(conn, settings=Settings())
    engine.teach("my flowers", flowers[:2])
    annotations.remove_keywords(conn, [flowers[0]], ["my flowers"], Settings())
    engine.accept("my flowers", flowers[2])
    assert not _keyword_in(paths[flowers[0]], "my flowers")
    assert _keyword_in(paths[flowers[2]], "my flowers")


def test_a_builtin_clash_writes_the_name_the_user_typed(library):
    conn, groups, paths = library
    engine = PersonalTags(conn, settings=Settings())
    result = engine.teach("beach", groups["flowers"][:2])
    assert result.name != "beach"  # namespaced in the app
    assert _subjects(paths[groups["flowers"][0]]) == ["beach"]


@pytest.mark.parametrize("mode", ["off", "read-only"])
def test_no_sidecar_when_the_setting_says_so(library, mode):
    conn, groups, paths = library
    PersonalTags(conn, settings=Settings(sidecars=mode)).teach("my flowers", groups["flowers"][:2])
    assert not any(_subjects(paths[p]) for p in groups["flowers"])
    assert set(keywords_store.keyword_sources(conn, "my flowers")) == set(groups["flowers"][:2])


def test_without_settings_nothing_is_written(library):
    conn, groups, paths = library
    PersonalTags(conn).teach("my flowers", groups["flowers"][:2])
    assert not any(_subjects(paths[p]) for p in groups["flowers"])
