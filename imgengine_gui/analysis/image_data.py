"""How much real image a file holds: the bytes of its compressed image data, and for JPEG the
quality its quantisation tables were made with.

Metadata segments (APPn, COM), PNG ancillary chunks and anything after the end of the image do
not count: a copy padded with junk or zeros holds no more picture than the original. Only the
headers and, for JPEG, the entropy-coded data up to the end-of-image marker are read (in 1 MiB
windows, vectorised), never the pixels and never the padding after the image.
"""

from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# The IJG (libjpeg) luminance table that quality 50 uses; ``quality`` scales it.
_IJG_LUMA_SUM = 3688
_WINDOW = 1 << 20
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SUSPECT_PADDING_FACTOR = 2  # a file over twice its image data (+ allowance) is padded or junk
SUSPECT_ALLOWANCE = 1 << 20  # EXIF, previews, XMP, ICC: up to 1 MiB is ordinary
MAX_BITS_PER_PIXEL = 64  # 16-bit RGBA, uncompressed: no honest image needs more


@dataclass(frozen=True, slots=True)
class ImageData:
    image_bytes: int  # compressed image data: the file without metadata and trailing bytes
    quality: float | None  # JPEG: IJG-equivalent quality 1..100; None for other formats


def measure_image_data(path: str | os.PathLike[str]) -> ImageData:
    """Raise OSError when the file cannot be read; an unknown format counts the whole file."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < 8:
            return ImageData(size, None)
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if data[:2] == b"\xff\xd8":
                return _jpeg(data) or ImageData(size, None)
            if data[:8] == _PNG_SIGNATURE:
                return ImageData(_png_image_bytes(data) or size, None)
    return ImageData(size, None)


def looks_padded(size_bytes: int, image_bytes: int | None, pixels: int) -> bool:
    """A file far larger than its image data, or than its pixels could ever need."""
    data = image_bytes if image_bytes else size_bytes
    if size_bytes > SUSPECT_PADDING_FACTOR * data + SUSPECT_ALLOWANCE:
        return True
    return pixels > 0 and size_bytes > pixels * MAX_BITS_PER_PIXEL / 8 + SUSPECT_ALLOWANCE


def quality_from_table(table: list[int] | tuple[int, ...]) -> float:
    """The IJG quality whose scaled standard luminance table has the same sum as ``table``."""
    scale = 100.0 * sum(table) / _IJG_LUMA_SUM
    quality = (200.0 - scale) / 2.0 if scale <= 100.0 else 5000.0 / scale
    return float(min(100.0, max(1.0, quality)))


def _jpeg(data: mmap.mmap) -> ImageData | None:
    """Walk the markers from SOI to EOI; None when the structure is broken."""
    size = len(data)
    pos, metadata, luma = 2, 0, None
    while pos + 2 <= size:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:  # EOI: what follows is not part of this image
            return ImageData(pos + 2 - metadata, luma)
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # no length
            pos += 2
            continue
        if pos + 4 > size:
            return None
        end = pos + 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:  # APPn, COM
            metadata += end - pos
        elif marker == 0xDB and luma is None:
            luma = _luma_quality(data[pos + 4 : end])
        if marker == 0xDA:  # SOS: entropy-coded data runs to the next real marker
            found = _next_marker(data, end)
            if found < 0:
                return ImageData(size - metadata, luma)  # truncated: all of it is image data
            pos = found
            continue
        pos = end
    return None


def _luma_quality(segment: bytes) -> float | None:
    """Quality of table 0 in a DQT segment (8- or 16-bit entries)."""
    at = 0
    while at < len(segment):
        precision, table_id = segment[at] >> 4, segment[at] & 0x0F
        width = 2 if precision else 1
        values = segment[at + 1 : at + 1 + 64 * width]
        if len(values) < 64 * width:
            return None
        if table_id == 0:
            entries = struct.unpack(">64H" if width == 2 else "64B", values)
            return quality_from_table(entries)
        at += 1 + 64 * width
    return None


def _next_marker(data: mmap.mmap, start: int) -> int:
    """Offset of the next 0xFF that starts a marker (not stuffing, a restart or a fill byte)."""
    size = len(data)
    pos = start
    while pos < size - 1:
        end = min(size, pos + _WINDOW + 1)
        window = np.frombuffer(data, dtype=np.uint8, count=end - pos, offset=pos)
        ff = np.flatnonzero(window[:-1] == 0xFF)
        if ff.size:
            following = window[ff + 1]
            real = ff[(following != 0) & (following != 0xFF) & ((following < 0xD0) | (following > 0xD7))]
            if real.size:
                return pos + int(real[0])
        pos = end - 1
    return -1


def _png_image_bytes(data: mmap.mmap) -> int | None:
    """Header and IDAT chunks up to IEND: the bytes that make the picture."""
    pos, total = 8, 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = 12 + length
        if kind in (b"IHDR", b"PLTE", b"IDAT", b"IEND"):
            total += chunk
        if kind == b"IEND":
            return total
        pos += chunk
    return None


def measure_or_none(path: str | Path) -> ImageData | None:
    try:
        return measure_image_data(path)
    except (OSError, ValueError):
        return None
