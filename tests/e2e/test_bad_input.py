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
