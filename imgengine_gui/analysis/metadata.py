"""Phase 1: photo metadata from file headers only (no pixel is ever decoded).

``read_metadata`` opens a file with Pillow (pillow-heif for HEIC/HEIF), reads size, frame count,
EXIF (IFD0, Exif and GPS IFDs) and, for capture dates only, XMP. A broken tag never fails the
photo: what is readable is kept and the problem goes to ``PhotoMetadata.warnings``. Only files
that are not readable images at all raise ``PhotoError``.

HEIF note: pillow-heif reports the size after the file's own rotation/mirror transforms and
resets the EXIF orientation to 1, because its pixels come out already upright. We keep that
pairing (orientation 1), which is what the decoder will produce.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from imgengine_gui.analysis.errors import PhotoError
from imgengine_gui.analysis.metadata_dates import (
    is_blank,
    iso,
    mtime_iso,
    parse_date,
    parse_offset,
    xmp_property,
)
from imgengine_gui.analysis.metadata_open import OversizedImage, open_header
from imgengine_gui.analysis.metadata_values import (
    NEGATIVE_LATITUDE_REFS,
    NEGATIVE_LONGITUDE_REFS,
    clean_text,
    first,
    gps_altitude,
    gps_degrees,
    positive_float,
    positive_int,
)

__all__ = ["PhotoError", "PhotoMetadata", "read_metadata"]

# Pillow's default decompression-bomb threshold; larger images get a warning, never a failure.
VERY_LARGE_PIXELS = 1024 * 1024 * 1024 // 4 // 3

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE, MODEL = 0x010F, 0x0110
DATE_TIME_ORIGINAL, CREATE_DATE = 0x9003, 0x9004
OFFSET_TIME_ORIGINAL, OFFSET_TIME_DIGITIZED = 0x9011, 0x9012
EXPOSURE_TIME, F_NUMBER, ISO_SPEED = 0x829A, 0x829D, 0x8827
FOCAL_LENGTH, LENS_MODEL = 0x920A, 0xA434
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON, GPS_ALT_REF, GPS_ALT = 1, 2, 3, 4, 5, 6


@dataclass(slots=True)
class PhotoMetadata:
    format: str | None  # Pillow format name: JPEG, PNG, WEBP, TIFF, GIF, BMP, MPO, HEIF
    width: int | None  # as stored in the file (before orientation)
    height: int | None
    orientation: int = 1  # EXIF 1..8
    taken_at: str | None = None  # ISO 8601; offset only when the file states one (or for mtime)
    taken_at_source: str = "mtime"  # "DateTimeOriginal" | "CreateDate" | "mtime"
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
    warnings: list[str] = field(default_factory=list)


def read_metadata(path: Path, *, mtime_ns: int | None = None) -> PhotoMetadata:
    """Read a photo's header metadata; raise PhotoError if the file is not a readable image.

    ``mtime_ns`` (from the caller's own stat) is the capture-date fallback; without it the file
    is stat'ed only when no EXIF/XMP date is usable.
    """
    path = Path(path)
    _register_heif_opener()
    try:
        with open_header(path) as im:
            meta = _read_open_image(im)
    except OversizedImage as big:
        meta = PhotoMetadata(format=big.format, width=None, height=None)
        size = f"{big.pixels / 1e6:.0f} MP" if big.pixels else "size unreadable"
        meta.warnings.append(f"very large image ({size})")
    if meta.taken_at is None:
        _use_mtime(path, mtime_ns, meta)
    return meta


def _read_open_image(im: Image.Image) -> PhotoMetadata:
    width, height = _stored_size(im)
    meta = PhotoMetadata(format=im.format, width=width, height=height)
    if width * height > VERY_LARGE_PIXELS:
        meta.warnings.append(f"very large image ({width * height / 1e6:.0f} MP)")
    meta.frames = _frame_count(im, meta.warnings)
    tags = _TagReader(im, meta.warnings)
    _read_camera(tags, meta)
    _read_gps(tags, meta)
    _read_taken_at(tags, im, meta)
    return meta


def _stored_size(im: Image.Image) -> tuple[int, int]:
    """Width and height before orientation (Pillow's TIFF size is already swapped for 5-8)."""
    tags = getattr(im, "tag_v2", None) if im.format == "TIFF" else None
    if tags is not None:
        width, height = tags.get(256), tags.get(257)
        if isinstance(width, int) and isinstance(height, int):
            return width, height
    return im.size


_heif_lock = threading.Lock()
_heif_registered = False


def _register_heif_opener() -> None:
    global _heif_registered
    if _heif_registered:
        return
    with _heif_lock:
        if not _heif_registered:
            try:
                import pillow_heif

                pillow_heif.register_heif_opener()
            except ImportError:  # pragma: no cover - a hard dependency; HEIC then fails to open
                pass
            _heif_registered = True


def _frame_count(im: Image.Image, warnings: list[str]) -> int:
    try:
        return max(1, int(getattr(im, "n_frames", 1) or 1))
    except Exception as exc:  # e.g. a GIF truncated after its first frame
        warnings.append(f"could not count frames ({_reason(exc)})")
        return 1


class _TagReader:
    """EXIF access that turns every parsing failure into a warning and an empty value."""

    def __init__(self, im: Image.Image, warnings: list[str]) -> None:
        self.warnings = warnings
        self.ifd0: Any = self._exif(im)
        self.exif_ifd: Any = self._sub_ifd(EXIF_IFD, "Exif")
        self.gps_ifd: Any = self._sub_ifd(GPS_IFD, "GPS")

    def _exif(self, im: Image.Image) -> Any:
        try:
            if im.format == "PNG" and "exif" not in im.info:
                # PngImageFile.getexif() would decode the image looking for a late eXIf chunk.
                return Image.Image.getexif(im)
            return im.getexif()
        except Exception as exc:
            self.warnings.append(f"unreadable EXIF ({_reason(exc)})")
            return {}

    def _sub_ifd(self, tag: int, name: str) -> Any:
        if not self.ifd0 or tag not in self.ifd0:
            return {}
        try:
            return self.ifd0.get_ifd(tag)
        except Exception as exc:
            self.warnings.append(f"unreadable {name} IFD ({_reason(exc)})")
            return {}

    def get(self, ifd: Any, tag: int, name: str) -> Any:
        try:
            return ifd.get(tag)
        except Exception as exc:
            self.warnings.append(f"unreadable {name} ({_reason(exc)})")
            return None

    def convert(self, ifd: Any, tag: int, name: str, converter: Any, *args: Any) -> Any:
        raw = self.get(ifd, tag, name)
        try:
            return converter(raw, *args)
        except (ValueError, TypeError, ArithmeticError) as exc:
            self.warnings.append(f"invalid {name} ({_reason(exc)})")
            return None


def _read_camera(tags: _TagReader, meta: PhotoMetadata) -> None:
    orientation = first(tags.get(tags.ifd0, ORIENTATION, "Orientation"))
    if orientation is not None:
        if isinstance(orientation, int) and 1 <= orientation <= 8:
            meta.orientation = orientation
        else:
            meta.warnings.append(f"invalid Orientation {orientation!r}; using 1")
    meta.camera_make = clean_text(tags.get(tags.ifd0, MAKE, "Make"))
    meta.camera_model = clean_text(tags.get(tags.ifd0, MODEL, "Model"))
    exif = tags.exif_ifd
    meta.lens = clean_text(tags.get(exif, LENS_MODEL, "LensModel"))
    meta.iso = tags.convert(exif, ISO_SPEED, "ISO", positive_int)
    meta.f_number = tags.convert(exif, F_NUMBER, "FNumber", positive_float)
    meta.exposure_time = tags.convert(exif, EXPOSURE_TIME, "ExposureTime", positive_float)
    meta.focal_length = tags.convert(exif, FOCAL_LENGTH, "FocalLength", positive_float)


def _read_gps(tags: _TagReader, meta: PhotoMetadata) -> None:
    gps = tags.gps_ifd
    if not gps:
        return
    lat_ref = tags.get(gps, GPS_LAT_REF, "GPSLatitudeRef")
    lon_ref = tags.get(gps, GPS_LON_REF, "GPSLongitudeRef")
    meta.gps_lat = tags.convert(
        gps, GPS_LAT, "GPSLatitude", gps_degrees, lat_ref, NEGATIVE_LATITUDE_REFS, 90.0
    )
    meta.gps_lon = tags.convert(
        gps, GPS_LON, "GPSLongitude", gps_degrees, lon_ref, NEGATIVE_LONGITUDE_REFS, 180.0
    )
    alt_ref = tags.get(gps, GPS_ALT_REF, "GPSAltitudeRef")
    meta.gps_alt = tags.convert(gps, GPS_ALT, "GPSAltitude", gps_altitude, alt_ref)
    if meta.gps_lat == 0.0 and meta.gps_lon == 0.0:
        meta.warnings.append("GPS position 0,0 ignored (a receiver without a fix)")
        meta.gps_lat = meta.gps_lon = meta.gps_alt = None


def _read_taken_at(tags: _TagReader, im: Image.Image, meta: PhotoMetadata) -> None:
    """DateTimeOriginal, then CreateDate (EXIF first, XMP second); the mtime comes last."""
    candidates = (
        ("DateTimeOriginal", lambda: _exif_date(tags, DATE_TIME_ORIGINAL, OFFSET_TIME_ORIGINAL)),
        ("DateTimeOriginal", lambda: (_xmp_date(im, ("exif:DateTimeOriginal",)), None)),
        ("CreateDate", lambda: _exif_date(tags, CREATE_DATE, OFFSET_TIME_DIGITIZED)),
        ("CreateDate", lambda: (_xmp_date(im, ("xmp:CreateDate", "xap:CreateDate")), None)),
    )
    for source, read in candidates:
        text, offset_text = read()
        if is_blank(text):
            continue
        offset = None
        try:
            offset = parse_offset(offset_text)
        except ValueError as exc:
            meta.warnings.append(f"{source}: {exc}; offset ignored")
        try:
            moment = parse_date(text, offset)
        except ValueError as exc:
            meta.warnings.append(f"invalid {source} ({exc})")
            continue
        meta.taken_at, meta.taken_at_source = iso(moment), source
        return


def _exif_date(tags: _TagReader, date_tag: int, offset_tag: int) -> tuple[str | None, str | None]:
    name = "DateTimeOriginal" if date_tag == DATE_TIME_ORIGINAL else "CreateDate"
    value = tags.get(tags.exif_ifd, date_tag, name)
    if value is None and date_tag == DATE_TIME_ORIGINAL:
        value = tags.get(tags.ifd0, date_tag, name)  # some writers misplace it in IFD0
    text = clean_text(value)
    if text is None:
        return None, None
    return text, clean_text(tags.get(tags.exif_ifd, offset_tag, f"{name} offset"))


def _xmp_date(im: Image.Image, names: tuple[str, ...]) -> str | None:
    xmp = _xmp_packet(im)
    return xmp_property(xmp, names) if xmp else None


def _xmp_packet(im: Image.Image) -> bytes | None:
    info = im.info
    packet = info.get("xmp") or info.get("XML:com.adobe.xmp")
    if packet is None:
        tag_v2 = getattr(im, "tag_v2", None)  # TIFF keeps XMP in tag 700 (XMLPacket)
        packet = tag_v2.get(700) if tag_v2 is not None else None
    if isinstance(packet, str):
        return packet.encode("utf-8")
    return bytes(packet) if isinstance(packet, bytes | bytearray) else None


def _use_mtime(path: Path, mtime_ns: int | None, meta: PhotoMetadata) -> None:
    try:
        if mtime_ns is None:
            mtime_ns = os.stat(path).st_mtime_ns
        meta.taken_at = mtime_iso(mtime_ns)
    except (OSError, OverflowError, ValueError) as exc:
        meta.warnings.append(f"no capture date and no file time ({_reason(exc)})")
    meta.taken_at_source = "mtime"


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
