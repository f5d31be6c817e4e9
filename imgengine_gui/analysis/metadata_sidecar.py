"""XMP sidecars: finding and reading ``photo.jpg.xmp`` / ``photo.xmp`` next to a photo.

darktable and digiKam name a sidecar after the whole file name (``IMG_1.CR2.xmp``), Lightroom
after the stem (``IMG_1.xmp``); the first form wins when both exist. Names match without regard
to case (``IMG_1.JPG.XMP`` from a camera card copied on Windows).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from imgengine_gui.analysis.metadata_exiv2 import Exiv2Unreadable, open_image
from imgengine_gui.analysis.metadata_xmp import XmpFields, read_xmp_fields

SIDECAR_SUFFIX = ".xmp"


def sidecar_names(photo_name: str) -> tuple[str, str]:
    """(darktable/digiKam name, Lightroom name) of a photo's sidecar."""
    stem = os.path.splitext(photo_name)[0]
    return photo_name + SIDECAR_SUFFIX, stem + SIDECAR_SUFFIX


class SidecarIndex:
    """Finds sidecars with one folder listing per folder instead of two stats per photo.

    A run (or any batch over many photos) keeps one; listings are not refreshed, so it must
    not outlive changes it should see.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._folders: dict[str, dict[str, str]] = {}

    def find(self, photo: str | os.PathLike[str]) -> Path | None:
        folder, name = os.path.split(os.fspath(photo))
        listing = self._listing(folder)
        for candidate in sidecar_names(name):
            actual = listing.get(candidate.lower())
            if actual is not None:
                return Path(folder, actual)
        return None

    def _listing(self, folder: str) -> dict[str, str]:
        with self._lock:
            listing = self._folders.get(folder)
        if listing is None:
            try:
                names = os.listdir(folder or ".")
            except OSError:
                names = []
            listing = {n.lower(): n for n in names if n.lower().endswith(SIDECAR_SUFFIX)}
            with self._lock:
                self._folders[folder] = listing
        return listing


def find_sidecar(photo: str | os.PathLike[str]) -> Path | None:
    """The sidecar of one photo (a folder listing; a batch keeps a SidecarIndex instead)."""
    return SidecarIndex().find(photo)


def read_sidecar(path: Path) -> XmpFields:
    """The fields of a sidecar; a sidecar exiv2 cannot parse comes back empty with a warning."""
    try:
        image = open_image(os.fspath(path))
    except Exiv2Unreadable as exc:
        return XmpFields(warnings=[f"unreadable sidecar {path.name} ({exc})"])
    return read_xmp_fields(image.xmpData())
