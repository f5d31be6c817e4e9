"""The viewer's decode: upright, reduced to fill a box, never below it, never above the photo."""

from __future__ import annotations

import numpy as np
from PIL import Image

from imgengine_gui.analysis.display import decode_for_display, long_side_to_fill


def test_long_side_fills_the_box_for_either_orientation():
    assert long_side_to_fill((1920, 1080), (4000, 3000)) == 1440  # height bound: 1440 x 1080
    assert long_side_to_fill((1920, 1080), (3000, 4000)) == 1080  # portrait: 810 x 1080
    assert long_side_to_fill((1920, 1080), (6000, 1000)) == 1920  # panorama: width bound
    assert long_side_to_fill((1920, 1080), (800, 600)) == 800  # never above the photo
    assert long_side_to_fill((1920, 1080), None) == 1920  # size unknown: the box's long side


def test_decodes_upright_and_reduced_to_the_box(tmp_path):
    upright = np.zeros((2000, 1500, 3), np.uint8)  # portrait, 1500 x 2000 as displayed
    upright[:200] = (255, 0, 0)  # red at the top
    stored = Image.fromarray(upright).transpose(Image.Transpose.ROTATE_90)  # stored landscape
    exif = Image.Exif()
    exif[0x0112] = 6  # display needs a 90 degree clockwise turn
    path = tmp_path / "turned.jpg"
    stored.save(path, quality=92, exif=exif.tobytes())

    decoded = decode_for_display(path, (800, 600), (1500, 2000))
    assert decoded.image.size == (450, 600)  # fills the box's height, upright
    assert decoded.draft_scale >= 2  # JPEG DCT scaling: never decoded at full size
    assert decoded.stored_size == (2000, 1500)
    red, green, _ = decoded.image.getpixel((225, 10))
    assert red > 200 and green < 60  # the top is still the top
