from __future__ import annotations

import pytest
from PIL import Image, ImageFile


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


@pytest.fixture
def block_pixel_loads(monkeypatch):
    """Call it once the test files exist: from then on every pixel decode is recorded (and
    refused); the returned list must stay empty. JPEG XL's Pillow plugin decodes while opening,
    so opening one counts too."""
    import pillow_heif
    from pillow_jxl import JpegXLImagePlugin

    pillow_heif.register_heif_opener()
    Image.init()

    def install() -> list[str]:
        calls: list[str] = []

        def refuse(self, *args, **kwargs):
            calls.append(type(self).__name__)
            raise AssertionError("pixel decode attempted")

        for cls in {Image.Image, ImageFile.ImageFile, *_subclasses(ImageFile.ImageFile)}:
            if "load" in vars(cls):
                monkeypatch.setattr(cls, "load", refuse)
        monkeypatch.setattr(JpegXLImagePlugin.JXLImageFile, "_open", refuse)
        return calls

    return install
