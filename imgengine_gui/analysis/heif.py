"""HEIF/AVIF: Pillow plugins, and the primary image's stored size and orientation.

exiv2 reads the EXIF and XMP of HEIF/AVIF files but not their geometry: the stored size is the
primary item's ``ispe`` property and its display transform is the ``irot``/``imir`` properties
(which decoders apply; the EXIF orientation of these files is not used). ``read_heif_layout``
reads those few boxes and states the transform as the equivalent EXIF orientation, so a HEIC
taken in portrait reads like a JPEG: stored size plus orientation 6.
"""

from __future__ import annotations

import contextlib
import functools
import struct
import threading
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

_lock = threading.Lock()
_registered = False
_MAX_META_BYTES = 16 << 20  # the meta box of a real file is a few KB; refuse absurd claims


def register_heif_once() -> None:
    """HEIC/HEIF (pillow-heif) and JPEG XL (pillow-jxl-plugin) for every Pillow reader in the
    process; AVIF is built into Pillow."""
    global _registered
    if _registered:
        return
    with _lock:
        if not _registered:
            try:
                import pillow_heif

                pillow_heif.register_heif_opener()
            except ImportError:  # pragma: no cover - a hard dependency; HEIC then fails to open
                pass
            with contextlib.suppress(ImportError):  # a hard dependency too; JXL then fails
                import pillow_jxl  # noqa: F401  (registers the plugin on import)
            _registered = True


@dataclass(frozen=True)
class Geometry:
    width: int  # the primary image as stored (ispe, cropped by clap), before irot/imir
    height: int
    orientation: int  # irot/imir as the equivalent EXIF orientation 1..8


class HeifLayoutError(ValueError):
    """The file has no readable primary image geometry."""


def read_heif_layout(handle: BinaryIO) -> Geometry:
    meta = _read_top_level_box(handle, b"meta")
    children = dict(_boxes(meta, 4))  # meta is a full box: version + flags first
    primary = _primary_item(children.get(b"pitm"))
    iprp = children.get(b"iprp")
    if iprp is None:
        raise HeifLayoutError("no item properties (iprp)")
    parts = list(_boxes(iprp, 0))
    properties = next((list(_boxes(body, 0)) for kind, body in parts if kind == b"ipco"), None)
    associations = next((body for kind, body in parts if kind == b"ipma"), None)
    if properties is None or associations is None:
        raise HeifLayoutError("no property container (ipco/ipma)")
    size, operations = None, []
    for index in _associated(associations, primary):
        if not 1 <= index <= len(properties):
            continue
        kind, body = properties[index - 1]
        if kind == b"ispe" and len(body) >= 12:
            size = struct.unpack(">II", body[4:12])
        elif kind == b"clap" and len(body) >= 16 and size is not None:
            size = _clean_aperture(body, size)
        elif kind == b"irot" and body:
            operations.append(("rot", body[0] & 3))
        elif kind == b"imir" and body:
            operations.append(("mirror", body[0] & 1))
    if size is None or not all(size):
        raise HeifLayoutError("the primary image states no size (ispe)")
    return Geometry(size[0], size[1], exif_orientation(tuple(operations)))


def _clean_aperture(clap: bytes, size: tuple[int, int]) -> tuple[int, int]:
    """The cropped size a ``clap`` property leaves (encoders pad HEVC frames to whole blocks)."""
    width_n, width_d, height_n, height_d = struct.unpack_from(">IIII", clap)
    if not width_d or not height_d:
        return size
    width, height = round(width_n / width_d), round(height_n / height_d)
    return (width, height) if 0 < width <= size[0] and 0 < height <= size[1] else size


def _read_top_level_box(handle: BinaryIO, wanted: bytes) -> bytes:
    handle.seek(0)
    while True:
        header = handle.read(8)
        if len(header) < 8:
            raise HeifLayoutError(f"no {wanted.decode()} box")
        size, kind = struct.unpack(">I4s", header)
        header_size = 8
        if size == 1:
            size = struct.unpack(">Q", handle.read(8))[0]
            header_size = 16
        if kind == wanted:
            length = (size - header_size) if size else _MAX_META_BYTES
            if length > _MAX_META_BYTES or length < 0:
                raise HeifLayoutError(f"implausible {wanted.decode()} box size {size}")
            return handle.read(length)
        if size == 0:  # the box runs to the end of the file
            raise HeifLayoutError(f"no {wanted.decode()} box")
        if size < header_size:
            raise HeifLayoutError(f"corrupt box size {size}")
        handle.seek(size - header_size, 1)


def _boxes(data: bytes, start: int):
    """(type, body) of the boxes packed in ``data`` from ``start``."""
    offset = start
    while offset + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1 and offset + 16 <= len(data):
            size, header = struct.unpack_from(">Q", data, offset + 8)[0], 16
        elif size == 0:
            size = len(data) - offset
        if size < header or offset + size > len(data):
            raise HeifLayoutError(f"corrupt {kind!r} box")
        yield kind, data[offset + header : offset + size]
        offset += size


def _primary_item(pitm: bytes | None) -> int:
    if pitm is None or len(pitm) < 6:
        raise HeifLayoutError("no primary item (pitm)")
    return struct.unpack_from(">I" if pitm[0] else ">H", pitm, 4)[0]


def _associated(ipma: bytes, item: int) -> list[int]:
    """Property indices (1-based, in association order) of ``item`` in an ``ipma`` box."""
    version, flags = ipma[0], int.from_bytes(ipma[1:4], "big")
    (count,) = struct.unpack_from(">I", ipma, 4)
    offset = 8
    id_format, id_size = (">H", 2) if version < 1 else (">I", 4)
    wide = flags & 1
    for _ in range(count):
        (item_id,) = struct.unpack_from(id_format, ipma, offset)
        offset += id_size
        n = ipma[offset]
        offset += 1
        indices = []
        for _ in range(n):
            if wide:
                indices.append(struct.unpack_from(">H", ipma, offset)[0] & 0x7FFF)
                offset += 2
            else:
                indices.append(ipma[offset] & 0x7F)
                offset += 1
        if item_id == item:
            return indices
    return []


# The display transform of each EXIF orientation, as an operation on a row-major array.
_EXIF_TRANSFORMS = {
    1: lambda a: a,
    2: np.fliplr,
    3: lambda a: np.rot90(a, 2),
    4: np.flipud,
    5: lambda a: a.T,
    6: lambda a: np.rot90(a, -1),
    7: lambda a: np.rot90(a, 2).T,
    8: lambda a: np.rot90(a, 1),
}


@functools.cache
def exif_orientation(operations: tuple[tuple[str, int], ...]) -> int:
    """irot (quarter turns anticlockwise) and imir, applied in order, as the EXIF orientation
    that displays the stored pixels the same way. imir mode 0 exchanges top and bottom, mode 1
    left and right (ISO/IEC 23008-12:2022 6.5.12; EXIF 4 and 2 respectively)."""
    probe = np.arange(6).reshape(2, 3)
    shown = probe
    for kind, value in operations:
        if kind == "rot":
            shown = np.rot90(shown, value)
        else:
            shown = np.flipud(shown) if value == 0 else np.fliplr(shown)
    for code, transform in _EXIF_TRANSFORMS.items():
        candidate = transform(probe)
        if candidate.shape == shown.shape and (candidate == shown).all():
            return code
    raise AssertionError("unreachable: the 8 orientations cover every rotation and mirror")
