"""RAW files (CR2, CR3, NEF, ARW, DNG, RAF, RW2, ORF...) through the previews cameras embed.

No demosaicing: thumbnails, hashes and the models see the camera's own JPEG rendering, which
exiv2's PreviewManager finds (in IFD0, SubIFDs or maker notes depending on the camera). The
preview chosen is the smallest that still covers the requested size, else the largest.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from imgengine_gui.analysis.errors import PhotoError
from imgengine_gui.analysis.metadata_exiv2 import EXIV2_LOCK, Exiv2Unreadable, open_image


@dataclass
class RawPreview:
    image: Image.Image  # opened, not yet decoded
    raw_size: tuple[int, int]  # the RAW image's stored size
    orientation: int  # the RAW's EXIF orientation (previews rarely carry their own)


def open_raw_preview(path: Path, long_side: int) -> RawPreview:
    """The embedded preview best suited to ``long_side``; PhotoError when there is none."""
    import exiv2

    try:
        image = open_image(os.fspath(path))
    except Exiv2Unreadable as exc:
        raise PhotoError(f"{path.name}: unreadable RAW file ({exc})") from None
    with EXIV2_LOCK:
        manager = exiv2.PreviewManager(image)
        properties = list(manager.getPreviewProperties())
        if not properties:
            raise PhotoError(f"{path.name}: no embedded preview in this RAW file (not decoded)")
        covering = [p for p in properties if max(p.width_, p.height_) >= long_side]
        chosen = (
            min(covering, key=lambda p: p.width_ * p.height_)
            if covering
            else max(properties, key=lambda p: (p.width_ * p.height_, p.size_))
        )
        data = bytes(manager.getPreviewImage(chosen).data())
    orientation = _orientation(image)
    try:
        preview = Image.open(io.BytesIO(data))
    except Exception as exc:
        raise PhotoError(f"{path.name}: unreadable embedded preview ({exc})") from None
    return RawPreview(preview, (image.pixelWidth(), image.pixelHeight()), orientation)


def _orientation(image) -> int:
    import exiv2

    exif = image.exifData()
    found = exif.findKey(exiv2.ExifKey("Exif.Image.Orientation"))
    if found == exif.end() or not found.count():
        return 1
    value = found.toInt64(0)
    return value if 1 <= value <= 8 else 1
