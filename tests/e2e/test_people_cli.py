"""People end to end: analyze real faces, list, name, merge, filter, undo, forget, describe again."""

from __future__ import annotations

import json
import shutil

import pytest

OBAMA = ("train__obama__obama.jpg", "test__obama1.jpg", "train__obama__obama2.jpg")
BIDEN = ("train__biden__biden.jpg", "train__biden__biden2.jpg")
BOTH = "two_people.jpg"


@pytest.fixture
def library(corpus_dir, tmp_path):
    dev = corpus_dir.parent / "faces-dev"
    if not dev.is_dir():
        pytest.skip("photo corpus not found: no faces-dev")
    root = tmp_path / "photos"
    root.mkdir()
    for name in (*OBAMA, *BIDEN, BOTH):
        shutil.copy(dev / name, root / name)
    return root


def _people(cli, catalog):
    code, out, err = cli("people", "--catalog", catalog, "--json")
    assert code == 0, err
    return json.loads(out)


def _names(photos):
    return sorted(p["path"].rsplit("/", 1)[-1] for p in photos)


def test_people_from_analysis_to_forgetting(library, tmp_path, cli, photos_json):
    catalog = tmp_path / "catalog.sqlite"
    code, _, err = cli("analyze", library, "--catalog", catalog, "--quiet")
    assert code == 0, err
    people = _people(cli, catalog)
    assert [(p["faces"], p["photos"]) for p in people] == [(4, 4), (3, 3)]
    assert all(set(p) == {"id", "name", "faces", "photos"} for p in people)
    obama, biden = people[0]["id"], people[1]["id"]
    both = next(p for p in photos_json(catalog) if p["path"].endswith(BOTH))
    assert sorted(f["person"] for f in both["faces"]) == sorted([obama, biden])
    assert all("descriptor" not in f for f in both["faces"])

    assert cli("people", "name", obama, "Barack", "--catalog", catalog)[0] == 0
    assert _names(photos_json(catalog, "--person", "barack")) == sorted([*OBAMA, BOTH])
    assert _names(photos_json(catalog, "--person", biden)) == sorted([*BIDEN, BOTH])
    code, _, err = cli("photos", "--catalog", catalog, "--person", "nobody")
    assert code == 2 and "no person" in err

    assert cli("people", "merge", obama, biden, "--catalog", catalog)[0] == 0
    assert [(p["name"], p["photos"]) for p in _people(cli, catalog)] == [("Barack", 6)]
    code, out, _ = cli("people", "undo", "--catalog", catalog)
    assert code == 0 and "merge" in out
    assert len(_people(cli, catalog)) == 2

    code, _, err = cli("people", "forget", "--catalog", catalog)
    assert code == 2 and "--yes" in err
    assert cli("people", "forget", "--yes", "--catalog", catalog)[0] == 0
    assert _people(cli, catalog) == []
    assert all(f["person"] is None for p in photos_json(catalog) for f in p["faces"])

    # the next analysis describes the stored faces again, without running the ML phase
    code, _, err = cli("analyze", library, "--catalog", catalog)
    assert code == 0 and "0 photos analyzed" in err
    assert [(p["faces"], p["photos"]) for p in _people(cli, catalog)] == [(4, 4), (3, 3)]


def test_turning_people_on_later_describes_stored_faces_without_the_ml_phase(
    library, tmp_path, cli
):
    """Descriptors are versioned by the people phase: switching them on re-runs no other model."""
    from imgengine_gui.settings import Settings

    catalog = tmp_path / "catalog.sqlite"
    Settings(recognize_people=False).save()
    code, _, err = cli("analyze", library, "--catalog", catalog)
    assert code == 0 and "6 photos analyzed" in err
    assert _people(cli, catalog) == []

    Settings(recognize_people=True).save()
    code, _, err = cli("analyze", library, "--catalog", catalog)
    assert code == 0 and "0 photos analyzed" in err
    assert [(p["faces"], p["photos"]) for p in _people(cli, catalog)] == [(4, 4), (3, 3)]
