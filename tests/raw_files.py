"""RAW files for tests: a DNG laid out as cameras write one.

IFD0 is a small RGB thumbnail (NewSubfileType 1) with Make/Model/Orientation and DNGVersion;
its SubIFDs hold the raw CFA data (16-bit Bayer, NewSubfileType 0) and a JPEG preview
(Compression 7); the Exif IFD holds the capture date and exposure. Written by hand (struct),
so every offset is under the test's control. Not verified here: the proprietary layouts of
CR2/CR3/NEF/ARW/RAF/RW2/ORF, whose previews exiv2 finds by the same PreviewManager.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
from PIL import Image

BYTE, ASCII, SHORT, LONG, RATIONAL = 1, 2, 3, 4, 5
_SIZES = {BYTE: 1, ASCII: 1, SHORT: 2, LONG: 4, RATIONAL: 8}
_FORMATS = {BYTE: "B", ASCII: "B", SHORT: "H", LONG: "I"}


def _encode(kind: int, values) -> bytes:
    if kind == ASCII:
        return values.encode("ascii") + b"\0"
    if kind == RATIONAL:
        return b"".join(struct.pack("<II", n, d) for n, d in values)
    return struct.pack(f"<{len(values)}{_FORMATS[kind]}", *values)


class _Tiff:
    """Little-endian TIFF assembled in memory; IFDs are written last, their offsets patched."""

    def __init__(self) -> None:
        self.data = bytearray(b"II*\0\0\0\0\0")

    def blob(self, payload: bytes) -> int:
        if len(self.data) % 2:
            self.data += b"\0"
        offset = len(self.data)
        self.data += payload
        return offset

    def ifd(self, entries: list[tuple[int, int, object]]) -> int:
        """entries: (tag, type, values); returns the IFD's offset."""
        encoded = []
        for tag, kind, values in sorted(entries, key=lambda e: e[0]):
            payload = _encode(kind, values)
            count = len(payload) // _SIZES[kind]
            if len(payload) <= 4:
                field = payload.ljust(4, b"\0")
            else:
                field = struct.pack("<I", self.blob(payload))
            encoded.append(struct.pack("<HHI", tag, kind, count) + field)
        offset = self.blob(struct.pack("<H", len(encoded)) + b"".join(encoded) + b"\0\0\0\0")
        return offset

    def set_first_ifd(self, offset: int) -> None:
        self.data[4:8] = struct.pack("<I", offset)


def _raw_entries(width: int, height: int, offset: int, length: int) -> list:
    return [
        (254, LONG, [0]), (256, LONG, [width]), (257, LONG, [height]), (258, SHORT, [16]),
        (259, SHORT, [1]), (262, SHORT, [32803]), (273, LONG, [offset]),
        (277, SHORT, [1]), (278, LONG, [height]), (279, LONG, [length]),
        (33421, SHORT, [2, 2]), (33422, BYTE, [0, 1, 1, 2]),
    ]  # fmt: skip


def write_dng(
    path: Path,
    *,
    raw_size: tuple[int, int] = (640, 480),
    preview: Image.Image | None = None,
    orientation: int = 1,
    make: str = "Acme",
    model: str = "Rawmaster 9",
    date: str | None = "2019:03:21 11:04:22",
    previews: bool = True,
) -> Path:
    """``previews=False``: the raw image alone in IFD0, as no camera writes it."""
    width, height = raw_size
    preview = preview or Image.new("RGB", (width // 2, height // 2), (30, 140, 220))
    tiff = _Tiff()
    cfa = np.random.default_rng(0).integers(0, 4096, (height, width), dtype=np.uint16)
    raw_offset = tiff.blob(cfa.tobytes())
    raw_ifd = tiff.ifd(_raw_entries(width, height, raw_offset, cfa.nbytes))
    buffer = io.BytesIO()
    preview.save(buffer, "JPEG", quality=90)
    jpeg = buffer.getvalue()
    jpeg_offset = tiff.blob(jpeg)
    preview_ifd = tiff.ifd([
        (254, LONG, [1]), (256, LONG, [preview.width]), (257, LONG, [preview.height]),
        (258, SHORT, [8, 8, 8]), (259, SHORT, [7]), (262, SHORT, [6]),
        (273, LONG, [jpeg_offset]), (277, SHORT, [3]), (278, LONG, [preview.height]),
        (279, LONG, [len(jpeg)]),
    ])  # fmt: skip
    exif = [(33434, RATIONAL, [(1, 125)]), (33437, RATIONAL, [(56, 10)]), (34855, SHORT, [200]),
            (37386, RATIONAL, [(50, 1)]), (42036, ASCII, "Acme 50mm F1.8")]  # fmt: skip
    if date:
        exif.append((36867, ASCII, date))
    exif_ifd = tiff.ifd(exif)
    camera = [(271, ASCII, make), (272, ASCII, model), (274, SHORT, [orientation]),
              (34665, LONG, [exif_ifd]), (50706, BYTE, [1, 4, 0, 0]),
              (50708, ASCII, f"{make} {model}")]  # fmt: skip
    if not previews:
        tiff.set_first_ifd(tiff.ifd(_raw_entries(width, height, raw_offset, cfa.nbytes) + camera))
        path.write_bytes(bytes(tiff.data))
        return path
    thumb = np.full((32, 48, 3), (200, 60, 20), dtype=np.uint8)
    thumb_offset = tiff.blob(thumb.tobytes())
    first = tiff.ifd([
        (254, LONG, [1]), (256, LONG, [48]), (257, LONG, [32]), (258, SHORT, [8, 8, 8]),
        (259, SHORT, [1]), (262, SHORT, [2]), (273, LONG, [thumb_offset]), (277, SHORT, [3]),
        (278, LONG, [32]), (279, LONG, [thumb.nbytes]), (330, LONG, [raw_ifd, preview_ifd]),
        *camera,
    ])  # fmt: skip
    tiff.set_first_ifd(first)
    path.write_bytes(bytes(tiff.data))
    return path
