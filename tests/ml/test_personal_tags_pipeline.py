"""Personal tags with the real pipeline: teaching photos never analyzed, scoring new photos at
the end of a run, retraining when the embedding model changes (offline tier -> tiny CLIP)."""

from __future__ import annotations

import json

from PIL import Image

from imgengine_gui.cli.main import main
from imgengine_gui.settings import Settings


def _run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _crop(image: Image.Image, box: tuple[float, float, float, float]) -> Image.Image:
    w, h = image.size
    return image.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))


def test_teach_before_analysis_new_photos_and_a_new_model(tmp_path, capsys, tiny_clip_dir):
    from skimage import data

    photos = tmp_path / "photos"
    photos.mkdir()
    coffee = Image.fromarray(data.coffee())
    coffee.save(photos / "coffee.jpg", quality=92)
    _crop(coffee, (0.05, 0.05, 0.95, 0.95)).save(photos / "coffee_again.jpg", quality=85)
    for name in ("astronaut", "chelsea", "rocket", "camera", "horse"):
        array = getattr(data, name)()
        Image.fromarray(array.astype("uint8") * (255 if array.dtype == bool else 1)).convert(
            "RGB"
        ).save(photos / f"{name}.jpg", quality=92)
    catalog = tmp_path / "catalog.sqlite"

    # teaching from photos the catalog has never seen analyzes their folder first
    code, out, err = _run(capsys, "tags", "teach", "morning coffee", photos / "coffee.jpg",
                          photos / "coffee_again.jpg", "--catalog", catalog, "--device", "cpu")  # fmt: skip
    assert code == 0, err
    assert out.startswith("2 photos carry") or out.startswith("3 photos carry"), out

    # a photo added later is scored at the end of the run that analyzes it
    _crop(coffee, (0.1, 0.0, 1.0, 0.9)).save(photos / "coffee_later.jpg", quality=80)
    code, _, err = _run(capsys, "analyze", photos, "--catalog", catalog, "--device", "cpu")
    assert code == 0, err
    code, out, _ = _run(capsys, "photos", "--tag", "morning coffee", "--json", "--catalog", catalog)
    tagged = {p["path"].rsplit("/", 1)[-1]: p["tags"] for p in json.loads(out)}
    assert {"coffee.jpg", "coffee_again.jpg", "coffee_later.jpg"} <= set(tagged)
    assert "chelsea.jpg" not in tagged and "astronaut.jpg" not in tagged
    assert tagged["coffee.jpg"] == [{"label": "morning coffee", "score": 1.0, "source": "personal"}]

    # the full tier arrives: every photo is analyzed again and the tag retrains by itself
    code, out, _ = _run(capsys, "tags", "list", "--json", "--catalog", catalog)
    offline_model = json.loads(out)[0]["model_id"]
    Settings(scenes_model=str(tiny_clip_dir)).save()
    code, _, err = _run(capsys, "analyze", photos, "--catalog", catalog, "--device", "cpu")
    assert code == 0, err
    assert 'personal tag "morning coffee" retrained' in err
    code, out, _ = _run(capsys, "tags", "list", "--json", "--catalog", catalog)
    [tag] = json.loads(out)
    assert tag["model_id"] == str(tiny_clip_dir) != offline_model
    assert tag["examples"] == 2 and tag["photos"] >= 2


def _save(name: str, folder, **params) -> None:
    from skimage import data

    array = getattr(data, name)()
    image = Image.fromarray(array.astype("uint8") * (255 if array.dtype == bool else 1))
    image.convert("RGB").save(folder / f"{name}.jpg", quality=90, **params)


def _tagged(capsys, catalog, tag: str) -> set[str]:
    code, out, err = _run(capsys, "photos", "--tag", tag, "--json", "--catalog", catalog)
    assert code == 0, err
    return {p["path"].rsplit("/", 1)[-1] for p in json.loads(out)}


def test_a_tag_taught_on_a_first_folder_finds_its_photos_in_a_second(tmp_path, capsys):
    """Taught while the library held four photos, a tag's calibration meant nothing beyond its
    examples; analyzing a second folder must carry it to that folder's photos of the tag."""
    from skimage import data

    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    coffee = Image.fromarray(data.coffee())
    coffee.save(first / "coffee.jpg", quality=92)
    _crop(coffee, (0.05, 0.05, 0.95, 0.95)).save(first / "coffee_again.jpg", quality=85)
    for name in ("chelsea", "astronaut"):
        _save(name, first)
    _crop(coffee, (0.1, 0.0, 1.0, 0.9)).save(second / "coffee_later.jpg", quality=80)
    coffee.resize((300, 200)).save(second / "coffee_small.jpg", quality=70)
    coffee.save(second / "coffee_copy.png")
    for name in ("rocket", "camera", "horse", "brick", "grass", "hubble_deep_field", "retina"):
        _save(name, second)
    catalog = tmp_path / "catalog.sqlite"

    code, _, err = _run(capsys, "analyze", first, "--catalog", catalog, "--device", "cpu")
    assert code == 0, err
    code, out, err = _run(capsys, "tags", "teach", "morning coffee", first / "coffee.jpg",
                          first / "coffee_again.jpg", "--catalog", catalog)  # fmt: skip
    assert code == 0 and out.startswith("2 photos carry"), (out, err)

    code, _, err = _run(capsys, "analyze", second, "--catalog", catalog, "--device", "cpu")
    assert code == 0, err
    coffees = {"coffee.jpg", "coffee_again.jpg", "coffee_later.jpg", "coffee_small.jpg",
               "coffee_copy.png"}  # fmt: skip
    assert _tagged(capsys, catalog, "morning coffee") == coffees

    # the same as teaching it now, on the library both folders make
    code, out, err = _run(capsys, "tags", "teach", "coffee again", first / "coffee.jpg",
                          first / "coffee_again.jpg", "--catalog", catalog)  # fmt: skip
    assert code == 0, err
    assert _tagged(capsys, catalog, "coffee again") == coffees
