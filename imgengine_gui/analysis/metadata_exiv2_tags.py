"""EXIF values from exiv2's ExifData: camera, exposure, orientation, GPS and capture dates.

The standard tag is read first (one lookup); exiv2's "easy access" functions, which walk long
lists of maker-note keys (Canon, Nikon, Sony, Olympus, Fujifilm, Panasonic...), run only when
the standard tag is missing and the file has maker notes (or, for aperture and shutter, APEX
values) for them to find.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import exiv2

from imgengine_gui.analysis.metadata_dates import parse_date
from imgengine_gui.analysis.metadata_values import (
    NEGATIVE_LATITUDE_REFS,
    NEGATIVE_LONGITUDE_REFS,
    clean_text,
    gps_altitude,
    gps_degrees,
)

if TYPE_CHECKING:
    from imgengine_gui.analysis.metadata import PhotoMetadata

_KEYS: dict[str, Any] = {}
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:/\d+)?")
# What maker-note lens tables print for "no lens" or a lens they do not know.
_NO_LENS = re.compile(r"^(?:n/a|none|unknown.*|\(?-?\d+\)?|.*\(0\))$", re.IGNORECASE)
Candidate = tuple[str, str, str | None]


class ExifTags:
    """Lookups in one photo's ExifData (keys parsed once per process, ``end`` once per photo)."""

    def __init__(self, exif: Any) -> None:
        self.exif = exif
        self.end = exif.end()
        self.has_maker_note = self.find("Exif.Photo.MakerNote") is not None

    def find(self, key: str) -> Any:
        parsed = _KEYS.get(key)
        if parsed is None:
            parsed = _KEYS.setdefault(key, exiv2.ExifKey(key))
        found = self.exif.findKey(parsed)
        return None if found == self.end else found

    def text(self, key: str) -> str | None:
        datum = self.find(key)
        return clean_text(datum.toString()) if datum is not None else None

    def easy(self, finder: Callable[[Any], Any]) -> Any:
        return finder(self.exif)


def numbers(datum: Any) -> tuple[float, ...]:
    """All values of a numeric tag; a rational with a zero denominator becomes NaN."""
    values = []
    rational = datum.typeName() in ("Rational", "SRational")
    for index in range(datum.count()):
        if rational:
            numerator, denominator = datum.toRational(index)
            values.append(numerator / denominator if denominator else float("nan"))
        else:
            values.append(float(datum.toInt64(index)))
    return tuple(values)


def read_camera(tags: ExifTags, meta: PhotoMetadata) -> None:
    meta.camera_make = tags.text("Exif.Image.Make")
    meta.camera_model = tags.text("Exif.Image.Model")
    meta.orientation = _orientation(tags, meta.warnings)
    meta.lens = _lens(tags)
    meta.iso = _iso(tags)
    for name, standard, apex, finder in (
        ("f_number", "FNumber", "ApertureValue", exiv2.fNumber),
        ("exposure_time", "ExposureTime", "ShutterSpeedValue", exiv2.exposureTime),
        ("focal_length", "FocalLength", None, exiv2.focalLength),
    ):
        setattr(meta, name, _measure(tags, name, standard, apex, finder, meta.warnings))


def _orientation(tags: ExifTags, warnings: list[str]) -> int:
    datum = tags.find("Exif.Image.Orientation")
    if datum is None or not datum.count():
        return 1
    value = datum.toInt64(0)
    if 1 <= value <= 8:
        return value
    warnings.append(f"invalid Orientation {value!r}; using 1")
    return 1


def _lens(tags: ExifTags) -> str | None:
    model = tags.text("Exif.Photo.LensModel")
    if model is not None or not tags.has_maker_note:
        return model
    datum = tags.easy(exiv2.lensName)
    if datum is None:
        return None
    if datum.key() == "Exif.Photo.LensModel":
        return clean_text(datum.toString())
    text = clean_text(datum.print(tags.exif))  # maker-note lens ids print as lens names
    return None if text is None or _NO_LENS.match(text) else text


def _iso(tags: ExifTags) -> int | None:
    datum = tags.find("Exif.Photo.ISOSpeedRatings")
    if datum is not None and datum.count() and 0 < datum.toInt64(0) < 65535:
        return datum.toInt64(0)
    if not tags.has_maker_note and datum is None:
        return None
    datum = tags.easy(exiv2.isoSpeed)  # maker notes, and 65535 ("higher than a SHORT holds")
    if datum is None:
        return None
    text = datum.toString() if datum.key().startswith("Exif.Photo.") else datum.print(tags.exif)
    match = _NUMBER.search(text or "")
    if match is None or "/" in match[0]:
        return None
    value = round(float(match[0]))
    return value if 0 < value < 65535 else None


def _measure(
    tags: ExifTags, name: str, standard: str, apex: str | None, finder: Any, warnings: list[str]
) -> float | None:
    """A positive measurement: the standard rational tag (full precision), else what exiv2's
    easy access finds (APEX values, maker notes), as it prints it."""
    datum = tags.find(f"Exif.Photo.{standard}")
    if datum is not None and datum.count():
        value = numbers(datum)[0]
        if value != value or value < 0:  # NaN (zero denominator) or negative
            warnings.append(f"invalid {standard} ({datum.toString()})")
            return None
        return value or None
    if not tags.has_maker_note and (apex is None or tags.find(f"Exif.Photo.{apex}") is None):
        return None
    datum = tags.easy(finder)
    if datum is None or not datum.count():
        return None
    match = _NUMBER.search(datum.print(tags.exif) or "")
    if match is None:
        return None
    numerator, _, denominator = match[0].partition("/")
    try:
        value = float(numerator) / float(denominator or 1)
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


def read_gps(tags: ExifTags, meta: PhotoMetadata) -> tuple[str | None, Any]:
    """Position into ``meta``; returns (GPSDateStamp, GPSTimeStamp) for the date fallback."""
    if tags.find("Exif.Image.GPSTag") is None:
        return None, None
    lat = _coordinate(tags, "Latitude", NEGATIVE_LATITUDE_REFS, 90.0, meta.warnings)
    lon = _coordinate(tags, "Longitude", NEGATIVE_LONGITUDE_REFS, 180.0, meta.warnings)
    altitude = tags.find("Exif.GPSInfo.GPSAltitude")
    if altitude is not None and altitude.count():
        ref = tags.find("Exif.GPSInfo.GPSAltitudeRef")
        try:
            meta.gps_alt = gps_altitude(
                numbers(altitude)[0], ref.toInt64(0) if ref is not None and ref.count() else 0
            )
        except ValueError as exc:
            meta.warnings.append(f"invalid GPSAltitude ({exc})")
    if lat == 0.0 and lon == 0.0:
        meta.warnings.append("GPS position 0,0 ignored (a receiver without a fix)")
        lat = lon = meta.gps_alt = None
    meta.gps_lat, meta.gps_lon = lat, lon
    return tags.text("Exif.GPSInfo.GPSDateStamp"), _gps_time(tags, meta.warnings)


def _coordinate(
    tags: ExifTags, axis: str, negative: tuple[str, ...], limit: float, warnings: list[str]
) -> float | None:
    datum = tags.find(f"Exif.GPSInfo.GPS{axis}")
    if datum is None or not datum.count():
        return None
    try:
        return gps_degrees(numbers(datum), tags.text(f"Exif.GPSInfo.GPS{axis}Ref"), negative, limit)
    except ValueError as exc:
        warnings.append(f"invalid GPS{axis} ({exc})")
        return None


def _gps_time(tags: ExifTags, warnings: list[str]) -> tuple[float, float, float] | None:
    datum = tags.find("Exif.GPSInfo.GPSTimeStamp")
    if datum is None or datum.count() != 3:
        return None
    values = numbers(datum)
    if any(v != v for v in values):
        warnings.append("invalid GPSTimeStamp (zero denominator)")
        return None
    return values[0], values[1], values[2]


def read_dates(tags: ExifTags) -> list[Candidate]:
    """DateTimeOriginal (with its offset); CreateDate too when the first is not a usable date."""
    dates = []
    original = tags.text("Exif.Photo.DateTimeOriginal") or tags.text("Exif.Image.DateTimeOriginal")
    if original is not None:
        dates.append(("DateTimeOriginal", original, tags.text("Exif.Photo.OffsetTimeOriginal")))
        if _usable(original):
            return dates
    created = tags.text("Exif.Photo.DateTimeDigitized")
    if created is not None:
        dates.append(("CreateDate", created, tags.text("Exif.Photo.OffsetTimeDigitized")))
    return dates


def _usable(text: str) -> bool:
    try:
        parse_date(text)
    except ValueError:
        return False
    return True
