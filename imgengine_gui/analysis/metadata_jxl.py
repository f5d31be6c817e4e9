"""JPEG XL: the stored size and orientation from the codestream header (no pixel decoded).

The JPEG XL plugin for Pillow decodes the whole image when it opens a file, and exiv2 reads a
JXL file's EXIF/XMP boxes but not its size, so the few header fields needed are read here
(ISO/IEC 18181-1: SizeHeader, then ImageMetadata up to the orientation). The codestream's
orientation is the one decoders apply; an EXIF orientation inside a JXL file is not used.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from imgengine_gui.analysis.heif import Geometry

CODESTREAM_SIGNATURE = b"\xff\x0a"
CONTAINER_SIGNATURE = b"\x00\x00\x00\x0cJXL \r\n\x87\n"
_RATIOS = {1: (1, 1), 2: (12, 10), 3: (4, 3), 4: (3, 2), 5: (16, 9), 6: (5, 4), 7: (2, 1)}
_HEADER_BYTES = 64  # the size and orientation fit in the first few bytes of the codestream


class JxlHeaderError(ValueError):
    """Not a readable JPEG XL header."""


def read_jxl_layout(handle: BinaryIO) -> Geometry:
    handle.seek(0)
    head = handle.read(len(CONTAINER_SIGNATURE))
    if head.startswith(CODESTREAM_SIGNATURE):
        handle.seek(0)
        codestream = handle.read(_HEADER_BYTES)
    elif head == CONTAINER_SIGNATURE:
        codestream = _codestream_start(handle)
    else:
        raise JxlHeaderError("no JPEG XL signature")
    return _parse_headers(codestream)


def _codestream_start(handle: BinaryIO) -> bytes:
    """The first bytes of the codestream: a ``jxlc`` box, or the first ``jxlp`` part."""
    while True:
        header = handle.read(8)
        if len(header) < 8:
            raise JxlHeaderError("no codestream box")
        size, kind = struct.unpack(">I4s", header)
        header_size = 8
        if size == 1:
            size, header_size = struct.unpack(">Q", handle.read(8))[0], 16
        if kind == b"jxlc":
            return handle.read(_HEADER_BYTES)
        if kind == b"jxlp":
            return handle.read(4 + _HEADER_BYTES)[4:]  # a 4-byte part index comes first
        if size < header_size:
            raise JxlHeaderError("corrupt box")
        handle.seek(size - header_size, 1)


class _Bits:
    """LSB-first bit reader, as the JPEG XL codestream is written."""

    def __init__(self, data: bytes) -> None:
        self.value = int.from_bytes(data, "little")
        self.available = len(data) * 8
        self.position = 0

    def read(self, count: int) -> int:
        if self.position + count > self.available:
            raise JxlHeaderError("header is truncated")
        result = (self.value >> self.position) & ((1 << count) - 1)
        self.position += count
        return result

    def dimension(self) -> int:
        """U32(1 + u(9), 1 + u(13), 1 + u(18), 1 + u(30))."""
        return 1 + self.read((9, 13, 18, 30)[self.read(2)])


def _parse_headers(codestream: bytes) -> Geometry:
    if not codestream.startswith(CODESTREAM_SIGNATURE):
        raise JxlHeaderError("no codestream signature")
    bits = _Bits(codestream[2:])
    small = bits.read(1)
    height = 8 * (1 + bits.read(5)) if small else bits.dimension()
    ratio = bits.read(3)
    if ratio:
        numerator, denominator = _RATIOS[ratio]
        width = height * numerator // denominator
    else:
        width = 8 * (1 + bits.read(5)) if small else bits.dimension()
    orientation = 1
    all_default = bits.read(1)
    if not all_default and bits.read(1):  # extra_fields
        orientation = 1 + bits.read(3)
    return Geometry(width, height, orientation)
