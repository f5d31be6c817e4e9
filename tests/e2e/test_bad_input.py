"""Awkward files get a clear per-file message, the run goes on, the folder is never written."""

from __future__ import annotations

import os

from bad_inputs import make_bad_folder


def _snapshot(root):
    out = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            st = os.lstat(path)
            out[path] = (st.st_size, st.st_mtime_ns)
    return out


def test_every_awkward_file_is_handled_and_the_folder_is_untouched(tmp_path, cli, photos_json):
    root = tmp_path / "photos"
    expect = make_bad_folder(root)
    before = _snapshot(root)
    catalog = tmp_path / "catalog.sqlite"
    code, _, err = cli("analyze", root, "--catalog", catalog, "--phases", "metadata,content")
    assert code == 0, err
    assert _snapshot(root) == before
    photos = {os.path.relpath(p["path"], root): p for p in photos_json(catalog)}
    assert set(photos) == set(expect)
    for name, outcome in expect.items():
        photo = photos[name]
        if outcome == "ok":
            assert photo["error"] is None, (name, photo["error"])
            assert photo["thumbnail"] and os.path.isfile(photo["thumbnail"]), name
            assert not photo["thumbnail"].startswith(str(root))
        else:
            assert photo["error"], name
            assert "\n" not in photo["error"]
    assert "empty" in photos["zero.jpg"]["error"]
    assert "text" in photos["text.jpg"]["error"]
    assert photos["bomb.png"]["width"] == 40000  # the header is read, the pixels are not
    assert "loop" in err and "broken symbolic link" in err
    assert photos["animated.gif"]["width"] == photos["animated.gif"]["width"]


def test_a_catalog_or_cache_inside_the_photo_folder_is_refused(tmp_path, cli):
    from PIL import Image

    from imgengine_gui.settings import Settings

    root = tmp_path / "photos"
    root.mkdir()
    Image.new("RGB", (40, 30)).save(root / "a.jpg")
    code, _, err = cli("analyze", root, "--catalog", root / "catalog.sqlite")
    assert code == 2 and "inside the photo folder" in err
    Settings(cache_dir=str(root / "cache")).save()
    code, _, err = cli("analyze", root, "--catalog", tmp_path / "catalog.sqlite")
    assert code == 2 and "cache folder" in err
    assert sorted(p.name for p in root.iterdir()) == ["a.jpg"]


def test_a_file_name_that_is_not_utf8_is_reported_and_the_rest_cataloged(tmp_path, cli, photos_json):
    import os

    from PIL import Image

    root = tmp_path / "photos"
    root.mkdir()
    Image.new("RGB", (40, 30)).save(root / "ok.jpg")
    Image.new("RGB", (40, 30)).save(os.path.join(os.fsencode(root), b"caf\xe9.jpg"))
    catalog = tmp_path / "catalog.sqlite"
    code, _, err = cli("analyze", root, "--catalog", catalog, "--phases", "metadata")
    assert code == 0, err
    assert "not valid UTF-8" in err
    assert [p["path"].rsplit("/", 1)[-1] for p in photos_json(catalog)] == ["ok.jpg"]
