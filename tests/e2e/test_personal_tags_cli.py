"""`imgengine tags ...`, `photos --tag` and `search` with a personal tag, on a synthetic library."""

from __future__ import annotations

import json

import pytest

from imgengine_gui.catalog import personal_tags as store
from tests.personal_tags_library import build, grandpa_library, one_person


@pytest.fixture
def library(tmp_path):
    catalog = tmp_path / "catalog.sqlite"
    return catalog, build(tmp_path / "photos", catalog)


def test_teach_list_filter_search_forget(library, cli, photos_json):
    catalog, groups = library
    flowers = groups["flowers"]
    code, out, err = cli("tags", "teach", "my flowers", flowers[0], flowers[1], "--catalog", catalog)
    assert code == 0, err
    assert out.strip() == '8 photos carry "my flowers"'

    code, out, _ = cli("tags", "teach", "my flowers", "--not", flowers[7], "--catalog", catalog, "--json")
    result = json.loads(out)
    assert code == 0 and result["photos"] == 7 and result["rejected"] == 1

    code, out, _ = cli("tags", "list", "--json", "--catalog", catalog)
    [tag] = json.loads(out)
    assert (tag["name"], tag["photos"], tag["examples"], tag["rejected"]) == ("my flowers", 7, 2, 1)

    tagged = photos_json(catalog, "--tag", "my flowers")
    assert {p["path"] for p in tagged} == {str(p) for p in flowers[:7]}
    examples = [p for p in tagged if p["path"] in (str(flowers[0]), str(flowers[1]))]
    assert [p["tags"] for p in examples] == [[{"label": "my flowers", "score": 1.0,
                                              "source": "personal"}]] * 2  # fmt: skip
    assert all(0.5 <= p["tags"][0]["score"] <= 1 for p in tagged)

    code, out, _ = cli("search", "my flowers", "--json", "--catalog", catalog)
    assert code == 0  # no CLIP in this catalog: the tag alone answers
    assert {h["path"] for h in json.loads(out)} == {str(p) for p in flowers[:7]}

    code, out, _ = cli("tags", "suggest", "my flowers", "--json", "--catalog", catalog)
    assert code == 0 and {h["path"] for h in json.loads(out)} <= {str(p) for p in groups["meadow"]}

    code, out, _ = cli("tags", "forget", "my flowers", "--catalog", catalog)
    assert code == 0 and out.strip() == 'forgot "my flowers"'
    code, _, err = cli("photos", "--tag", "my flowers", "--catalog", catalog)
    assert code == 2 and "no personal tag" in err


def test_bad_input_is_one_line_with_exit_code_2(library, cli):
    catalog, groups = library
    code, _, err = cli("tags", "teach", "x", "--not", groups["other"][0], "--catalog", catalog)
    assert code == 2 and "at least one example" in err and err.count("\n") == 1
    code, _, err = cli("tags", "teach", "x", "/no/such/photo.jpg", "--catalog", catalog)
    assert code == 2 and "file not found" in err
    code, _, err = cli("tags", "forget", "nope", "--catalog", catalog)
    assert code == 2 and 'no personal tag named "nope"' in err
    code, out, err = cli("tags", "teach", "portrait", *groups["grandpa"][:2], "--catalog", catalog)
    assert code == 0 and '"portrait (personal)"' in out
    assert "built-in" in err and "make it a person" in err


def test_taught_photos_carry_the_tag_as_a_sidecar_keyword(library, cli, photos_json):
    catalog, groups = library
    flowers = groups["flowers"]
    code, _, err = cli("tags", "teach", "my flowers", flowers[0], flowers[1], "--catalog", catalog)
    assert code == 0, err
    sidecar = flowers[0].with_name(flowers[0].name + ".xmp")
    assert "<rdf:li>my flowers</rdf:li>" in sidecar.read_text()
    assert not flowers[2].with_name(flowers[2].name + ".xmp").exists()  # learned, not confirmed
    shown = {p["path"]: p["keywords"] for p in photos_json(catalog, "--tag", "my flowers")}
    assert shown[str(flowers[0])] == ["my flowers"] and shown[str(flowers[2])] == []
    code, _, _ = cli("tags", "forget", "my flowers", "--catalog", catalog)
    assert code == 0 and "my flowers" not in sidecar.read_text()


def test_the_cli_names_the_person_and_how_to_list_their_photos(tmp_path, cli):
    conn, grandpa = grandpa_library(tmp_path)
    person = one_person(conn, grandpa, "Grandpa Joe")
    paths = store.photo_paths(conn, grandpa[:2])
    code, _, err = cli("tags", "teach", "grandpa", *paths.values(), "--catalog",
                       tmp_path / "catalog.sqlite")  # fmt: skip
    assert code == 0 and "Grandpa Joe" in err
    assert f"imgengine photos --person {person}" in err

