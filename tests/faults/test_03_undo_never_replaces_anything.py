"""3. Undo restores a file only where nothing is: it never replaces a file, folder or link."""

from __future__ import annotations

import os
import shutil

import pytest
from faultlib import picture


@pytest.mark.parametrize("blocker", ["dangling symlink", "symlink", "file", "folder"])
def test_something_at_the_original_path_blocks_that_restore(tmp_path, cli, private_trash, blocker):
    """Fault: after a trash, something (a dangling link, a link, a file, a folder) appears at a
    trashed file's original path; then undo.
    Does: that file stays in the trash and is reported (exit code 1); what is at the path is
    untouched; the other files are restored."""
    root = tmp_path / "photos"
    root.mkdir()
    for i in range(2):
        picture(i, (320, 240)).save(root / f"pic{i}.jpg", quality=85)
        shutil.copyfile(root / f"pic{i}.jpg", root / f"pic{i}_copy.jpg")
    catalog = tmp_path / "catalog.sqlite"
    assert cli("analyze", root, "--catalog", catalog, "--phases", "metadata,content")[0] == 0
    code, out, err = cli("duplicates", "--catalog", catalog, "--trash")
    assert code == 0, err
    moved = sorted(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("moved"))
    assert len(moved) == 2
    blocked, free = moved
    if blocker == "dangling symlink":
        os.symlink(tmp_path / "nowhere.jpg", blocked)
    elif blocker == "symlink":
        os.symlink(root / "pic1.jpg" if "pic0" in blocked else root / "pic0.jpg", blocked)
    elif blocker == "file":
        with open(blocked, "w") as handle:
            handle.write("the user's new file")
    else:
        os.mkdir(blocked)
    before = (os.path.islink(blocked), os.path.isdir(blocked), os.lstat(blocked).st_size)

    code, out, err = cli("duplicates", "--catalog", catalog, "--undo")
    assert code == 1
    assert f"not restored {blocked}: something is already at the original path" in err
    assert f"restored {free}" in out and os.path.isfile(free)
    assert (os.path.islink(blocked), os.path.isdir(blocked), os.lstat(blocked).st_size) == before
    assert len(list((private_trash / "files").iterdir())) == 1  # still in the trash, undoable

    if os.path.isdir(blocked) and not os.path.islink(blocked):
        os.rmdir(blocked)
    else:
        os.unlink(blocked)
    code, out, err = cli("duplicates", "--catalog", catalog, "--undo")
    assert code == 0, err
    assert f"restored {blocked}" in out and os.path.isfile(blocked)
