"""The fallback reader's EXIF/XMP fields (Pillow): camera, exposure, GPS and capture dates.

Used when exiv2 cannot read a file. Every tag access goes through ``TagReader``, which turns a parsing failure into a warning on the
photo and an empty value, so one broken tag never costs the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PIL import Image

from imgengine_gui.analysis.errors import one_line_reason
from imgengine_gui.analysis.metadata_dates import xmp_property
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

if TYPE_CHECKING:
    from imgengine_gui.analysis.metadata import PhotoMetadata

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE, MODEL = 0x010F, 0x0110
DATE_TIME_ORIGINAL, CREATE_DATE = 0x9003, 0x9004
OFFSET_TIME_ORIGINAL, OFFSET_TIME_DIGITIZED = 0x9011, 0x9012
EXPOSURE_TIME, F_NUMBER, ISO_SPEED = 0x829A, 0x829D, 0x8827
FOCAL_LENGTH, LENS_MODEL = 0x920A, 0xA434
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON, GPS_ALT_REF, GPS_ALT = 1, 2, 3, 4, 5, 6


class TagReader:
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
                exif = Image.Image.getexif(im)
            else:
                exif = im.getexif()
        except Exception as exc:
            self.warnings.append(f"unreadable EXIF ({one_line_reason(exc)})")
            return {}
        raw = im.info.get("exif")
        # Pillow skips what it cannot parse (with a process-wide warning we cannot catch
        # per photo); an EXIF block that yields no tag at all is what is left to see.
        if not exif and isinstance(raw, bytes | bytearray) and raw:
            self.warnings.append("unreadable EXIF (no tag could be parsed)")
        return exif

    def _sub_ifd(self, tag: int, name: str) -> Any:
        if not self.ifd0 or tag not in self.ifd0:
            return {}
        try:
            ifd = self.ifd0.get_ifd(tag)
        except Exception as exc:
            self.warnings.append(f"unreadable {name} IFD ({one_line_reason(exc)})")
            return {}
        if not ifd:
            self.warnings.append(f"unreadable {name} IFD (bad offset or no entries)")
        return ifd

    def get(self, ifd: Any, tag: int, name: str) -> Any:
        try:
            return ifd.get(tag)
        except Exception as exc:
            self.warnings.append(f"unreadable {name} ({one_line_reason(exc)})")
            return None

    def convert(self, ifd: Any, tag: int, name: str, converter: Any, *args: Any) -> Any:
        raw = self.get(ifd, tag, name)
        try:
            return converter(raw, *args)
        except (ValueError, TypeError, ArithmeticError) as exc:
            self.warnings.append(f"invalid {name} ({one_line_reason(exc)})")
            return None


def read_camera(tags: TagReader, meta: PhotoMetadata) -> None:
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


def read_gps(tags: TagReader, meta: PhotoMetadata) -> None:
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


def date_candidates(tags: TagReader, im: Image.Image) -> list[tuple[str, str, str | None]]:
    """(source, date text, offset text) of the EXIF and embedded XMP dates, best first."""
    candidates = [
        ("DateTimeOriginal", *_exif_date(tags, DATE_TIME_ORIGINAL, OFFSET_TIME_ORIGINAL)),
        ("DateTimeOriginal", _xmp_date(im, ("exif:DateTimeOriginal",)), None),
        ("CreateDate", *_exif_date(tags, CREATE_DATE, OFFSET_TIME_DIGITIZED)),
        ("CreateDate", _xmp_date(im, ("xmp:CreateDate", "xap:CreateDate")), None),
    ]
    return [(source, text, offset) for source, text, offset in candidates if text is not None]


def _exif_date(tags: TagReader, date_tag: int, offset_tag: int) -> tuple[str | None, str | None]:
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
