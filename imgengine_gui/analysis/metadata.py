"""Phase 1: photo metadata from file headers only (no pixel is ever decoded).

``read_metadata`` names the format from the first bytes, reads EXIF (maker notes included), XMP
and IPTC with exiv2, the geometry from the format's own header, and the photo's XMP sidecar.
When exiv2 cannot read a file, Pillow reads it instead and the photo carries a warning; an
optional exiftool pass fills in what both leave unknown (see metadata_exiftool). A broken tag
never fails the photo: what is readable is kept and the problem goes to ``warnings``. Only files
that are not readable images at all raise ``PhotoError``.

One meaning per field, for every format: ``width``/``height`` are the pixel size as stored,
``orientation`` the EXIF orientation that displays it upright (for HEIF/AVIF/JPEG XL the
container's rotation and mirror, stated the same way), ``display_width``/``display_height`` the
size as displayed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from imgengine_gui.analysis.errors import PhotoError, one_line_reason
from imgengine_gui.analysis.metadata_dates import mtime_iso
from imgengine_gui.analysis.metadata_exiftool import ExiftoolPass
from imgengine_gui.analysis.metadata_exiv2 import Exiv2Read, Exiv2Unreadable, read_exiv2
from imgengine_gui.analysis.metadata_geometry import read_geometry, sniff
from imgengine_gui.analysis.metadata_merge import (
    apply_exiftool,
    apply_xmp,
    choose_taken_at,
    exiftool_may_help,
    use_file_name,
)
from imgengine_gui.analysis.metadata_pillow import read_everything
from imgengine_gui.analysis.metadata_sidecar import SidecarIndex, read_sidecar
from imgengine_gui.analysis.metadata_xmp import Region, XmpFields

__all__ = ["PhotoError", "PhotoMetadata", "read_metadata"]

_PER_CALL = SidecarIndex  # sentinel default: look for the sidecar with a one-off listing


@dataclass(slots=True)
class PhotoMetadata:
    format: str | None  # JPEG, PNG, WEBP, TIFF, GIF, BMP, MPO, HEIF, AVIF, JXL, or a RAW: DNG, CR2...
    width: int | None  # as stored in the file (before orientation)
    height: int | None
    orientation: int = 1  # EXIF 1..8
    display_width: int | None = None  # after orientation: what a viewer shows
    display_height: int | None = None
    taken_at: str | None = None  # ISO 8601; offset only when the file states one (or for mtime)
    taken_at_source: str = "mtime"  # see metadata_merge.choose_taken_at
    camera_make: str | None = None
    camera_model: str | None = None
    lens: str | None = None
    iso: int | None = None
    f_number: float | None = None
    exposure_time: float | None = None  # seconds
    focal_length: float | None = None  # mm
    gps_lat: float | None = None  # signed decimal degrees
    gps_lon: float | None = None
    gps_alt: float | None = None  # metres, negative below sea level
    frames: int = 1  # animated / multi-page count
    rating: int | None = None  # -1 (rejected) .. 5, from XMP (the sidecar's first)
    flag: str | None = None  # "pick" | "reject"
    label: str | None = None  # colour label
    keywords: list[str] = field(default_factory=list)  # hierarchical ones as "Places|Paris"
    regions: list[Region] = field(default_factory=list)  # named areas (MWG), display coordinates
    sidecar: str | None = None  # the XMP sidecar that was read
    reader: str = "exiv2"  # "exiv2", "pillow" (fallback), "+exiftool" when the second pass helped
    warnings: list[str] = field(default_factory=list)


def read_metadata(
    path: Path,
    *,
    mtime_ns: int | None = None,
    sidecars: SidecarIndex | None | type[SidecarIndex] = _PER_CALL,
    exiftool: ExiftoolPass | None = None,
) -> PhotoMetadata:
    """Read a photo's header metadata; raise PhotoError if the file is not a readable image.

    ``mtime_ns`` (from the caller's own stat) is the last capture-date fallback; without it the
    file is stat'ed only when nothing better is known. ``sidecars``: where to look for XMP
    sidecars (None: do not read them). ``exiftool``: the second pass, when the run has one.
    """
    path = Path(path)
    fmt, segments = sniff(path)
    meta = PhotoMetadata(format=fmt, width=None, height=None)
    found: Exiv2Read | None = None
    try:
        found = read_exiv2(os.fspath(path), meta)
    except Exiv2Unreadable as exc:
        dates = _fallback(path, meta, str(exc))
    else:
        dates = found.dates
    read_geometry(path, meta, found, segments)
    embedded = found.xmp if found is not None else XmpFields()
    sidecar = _sidecar(path, sidecars, meta)
    apply_xmp(meta, embedded, sidecar, found.iptc_keywords if found else [])
    choose_taken_at(meta, dates, embedded, sidecar, found)
    if exiftool is not None and exiftool_may_help(meta, found, segments):
        apply_exiftool(meta, exiftool.read(os.fspath(path)))
    if meta.taken_at is None:
        use_file_name(meta, path.name)
    if meta.taken_at is None:
        _use_mtime(path, mtime_ns, meta)
    if meta.width and meta.height:
        swapped = meta.orientation >= 5
        meta.display_width = meta.height if swapped else meta.width
        meta.display_height = meta.width if swapped else meta.height
    return meta


def _fallback(path: Path, meta: PhotoMetadata, reason: str) -> list[tuple[str, str, str | None]]:
    """Pillow reads what exiv2 could not; PhotoError when it cannot either."""
    dates = read_everything(path, meta)
    meta.reader = "pillow"
    meta.warnings.append(f"read by the fallback reader: exiv2 could not read this file ({reason})")
    return dates


def _sidecar(
    path: Path, sidecars: SidecarIndex | None | type[SidecarIndex], meta: PhotoMetadata
) -> XmpFields:
    if sidecars is None:
        return XmpFields()
    index = sidecars() if isinstance(sidecars, type) else sidecars
    found = index.find(path)
    if found is None:
        return XmpFields()
    meta.sidecar = os.fspath(found)
    fields = read_sidecar(found)
    meta.warnings.extend(fields.warnings)
    return fields


def _use_mtime(path: Path, mtime_ns: int | None, meta: PhotoMetadata) -> None:
    try:
        if mtime_ns is None:
            mtime_ns = os.stat(path).st_mtime_ns
        meta.taken_at = mtime_iso(mtime_ns)
    except (OSError, OverflowError, ValueError) as exc:
        meta.warnings.append(f"no capture date and no file time ({one_line_reason(exc)})")
    meta.taken_at_source = "mtime"
