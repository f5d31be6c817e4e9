"""A folder of every kind of awkward file a real photo library holds."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge size (a decompression bomb), with valid CRCs."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _photo(seed: int, size=(320, 240)) -> Image.Image:
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, size[0])[None, :, None]
    y = np.linspace(0, 1, size[1])[:, None, None]
    x, y = np.broadcast_arrays(x, y)
    base = np.concatenate([x * 255, y * 255, (x * y) * 255], axis=2)
    base = base + rng.normal(0, 8, (size[1], size[0], 3))
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))


def make_bad_folder(root: Path) -> dict[str, str]:
    """Create the files; returns name -> 'ok' or 'error' (what the run should make of each)."""
    root.mkdir(parents=True, exist_ok=True)
    expect: dict[str, str] = {}

    def put(name: str, data: bytes, outcome: str) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        expect[name] = outcome

    def save(name: str, image: Image.Image, outcome: str = "ok", **kw) -> None:
        buf = io.BytesIO()
        fmt = kw.pop("format")
        image.save(buf, fmt, **kw)
        put(name, buf.getvalue(), outcome)

    good = _photo(1)
    save("good.jpg", good, format="JPEG", quality=90)
    put("zero.jpg", b"", "error")
    put("text.jpg", b"this is a shopping list, not a photo\n" * 20, "error")
    full = io.BytesIO()
    _photo(2, (640, 480)).save(full, "JPEG", quality=90)
    put("truncated.jpg", full.getvalue()[: len(full.getvalue()) // 3], "error")
    put("bomb.png", _png_claiming(40000, 40000), "error")
    put("corrupt.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + os.urandom(200), "error")
    save("png_named.jpg", _photo(3), format="PNG")
    save("ünïcødé 'quote\" name.jpg", _photo(4), format="JPEG")
    save("deep/" + "/".join(f"l{i}" for i in range(30)) + "/deep.jpg", _photo(5), format="JPEG")
    save("one_pixel.png", Image.new("RGB", (1, 1), (9, 9, 9)), format="PNG")
    save("strip.png", Image.new("RGB", (8000, 20), (100, 150, 200)), format="PNG")
    save("cmyk.jpg", _photo(6).convert("CMYK"), format="JPEG")
    sixteen = Image.fromarray(np.asarray(_photo(7).convert("L"), dtype=np.uint16) * 257)
    save("sixteen.png", sixteen, format="PNG")
    palette = _photo(8).convert("P")
    palette.info["transparency"] = 0
    save("palette_alpha.png", palette, format="PNG")
    frames = [_photo(9 + i).convert("P") for i in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    put("animated.gif", buf.getvalue(), "ok")
    buf = io.BytesIO()
    _photo(12).save(buf, "TIFF", save_all=True, append_images=[_photo(13)])
    put("multipage.tif", buf.getvalue(), "ok")
    save("photo.webp", _photo(14), format="WEBP")
    os.symlink(root, root / "deep" / "loop")
    os.symlink(root / "nowhere.jpg", root / "dangling.jpg")
    return expect
