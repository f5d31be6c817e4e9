"""5. A failure caused by the environment is retried by the next run; a photo's own failure is
final until the file changes (or `--retry-errors`)."""

from __future__ import annotations

import errno
import json
import os

import pytest
from faultlib import picture

import imgengine_gui.analysis.content as content


def _errors(cli, catalog) -> dict[str, str]:
    code, out, _ = cli("photos", "--catalog", catalog, "--json", "--errors")
    return {os.path.basename(p["path"]): p["error"] for p in json.loads(out)}


def _analyzed(err: str) -> int:
    return int(err.split(" photos analyzed")[0].rsplit(" ", 1)[1])


def test_an_environment_failure_is_retried_and_a_broken_photo_is_not(tmp_path, cli, monkeypatch):
    """Fault: the cache folder cannot be written ("No space left on device") during a run, and
    one file is a truncated JPEG.
    Does: the next run retries the photos that failed for lack of space (all succeed once it
    is fixed); the truncated photo is not retried until `--retry-errors`."""
    root = tmp_path / "photos"
    root.mkdir()
    for i in range(4):
        picture(i, (320, 240)).save(root / f"p{i}.jpg", quality=85)
    whole = (root / "p0.jpg").read_bytes()
    (root / "broken.jpg").write_bytes(whole[: len(whole) // 3])
    catalog = tmp_path / "catalog.sqlite"

    def disk_full(image, target):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(content, "_save_jpeg_atomic", disk_full)
        code, _, err = cli("analyze", root, "--catalog", catalog, "--phases", "metadata,content")
    assert code == 6, err  # all of them failed for a reason outside the photos
    assert "4 photos: content: No space left on device (cache folder" in err
    errors = _errors(cli, catalog)
    assert set(errors) == {"p0.jpg", "p1.jpg", "p2.jpg", "p3.jpg", "broken.jpg"}

    code, _, err = cli("analyze", root, "--catalog", catalog, "--phases", "metadata,content")
    assert code == 0, err
    assert _analyzed(err) == 4  # the four; not the broken one
    assert set(_errors(cli, catalog)) == {"broken.jpg"}

    code, _, err = cli("analyze", root, "--catalog", catalog, "--phases", "metadata,content")
    assert code == 0 and _analyzed(err) == 0
    code, _, err = cli("analyze", root, "--catalog", catalog, "--phases", "metadata,content",
                       "--retry-errors")
    assert code == 0 and _analyzed(err) == 1
    assert set(_errors(cli, catalog)) == {"broken.jpg"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_a_permission_error_is_retried_once_fixed(tmp_path, cli):
    """Fault: a photo the user may not read.
    Does: it fails with a one-line reason; after `chmod`, the next run analyzes it."""
    root = tmp_path / "photos"
    root.mkdir()
    picture(0, (320, 240)).save(root / "locked.jpg")
    (root / "locked.jpg").chmod(0)
    catalog = tmp_path / "catalog.sqlite"
    cli("analyze", root, "--catalog", catalog, "--phases", "metadata,content")
    assert "locked.jpg" in _errors(cli, catalog)
    (root / "locked.jpg").chmod(0o644)
    code, _, err = cli("analyze", root, "--catalog", catalog, "--phases", "metadata,content")
    assert code == 0 and _analyzed(err) == 1
    assert _errors(cli, catalog) == {}
