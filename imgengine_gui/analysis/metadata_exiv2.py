"""Camera metadata through exiv2 (python-exiv2): EXIF with maker notes, XMP and IPTC.

exiv2 is the library digiKam, gThumb and darktable read metadata with. Its "easy access"
functions find ISO, lens, aperture, exposure and focal length in the standard EXIF tags or, when
a camera wrote them only there, in the maker notes (Canon, Nikon, Sony, Olympus, Fujifilm,
Panasonic...). Only headers are read; no pixel is decoded.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import exiv2

from imgengine_gui.analysis.metadata_dates import xmp_property
from imgengine_gui.analysis.metadata_values import (
    NEGATIVE_LATITUDE_REFS,
    NEGATIVE_LONGITUDE_REFS,
    clean_text,
    gps_altitude,
    gps_degrees,
)
from imgengine_gui.analysis.metadata_xmp import XmpFields, read_xmp_fields

if TYPE_CHECKING:
    from imgengine_gui.analysis.metadata import PhotoMetadata

_init_lock = threading.Lock()
_initialized = False
# The XMP toolkit inside exiv2 registers unknown namespaces in a global table without a lock
# (python-exiv2 cannot hand it one): two threads parsing XMP at once corrupt each other's
# reading. Every exiv2 parse and XMP encode holds this lock; the rest of the work runs freely.
EXIV2_LOCK = threading.Lock()
_capture = threading.local()
# exiv2 logs what it skips; problems in the standard EXIF directories and in XMP become photo
# warnings, maker-note trivia does not (downscaled camera files trip it all the time).
_STANDARD_DIRECTORY = re.compile(r"^Directory (?:Image|Photo|GPSInfo|Iop)\b")
_SUB_IFDS = {"0x8769": "Exif IFD", "0x8825": "GPS IFD", "0xa005": "Interoperability IFD"}
_KEYS: dict[str, Any] = {}
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:/\d+)?")
# What maker-note lens tables print for "no lens" or a lens they do not know.
_NO_LENS = re.compile(r"^(?:n/a|none|unknown.*|\(?-?\d+\)?|.*\(0\))$", re.IGNORECASE)


class Exiv2Unreadable(Exception):
    """exiv2 could not open or parse the file (the message says why)."""


@dataclass(slots=True)
class Exiv2Read:
    """What the exiv2 pass found beyond the fields it fills in directly."""

    mime_type: str
    has_maker_note: bool
    width: int
    height: int
    dates: list[tuple[str, str, str | None]]  # (source, date text, offset text), best first
    gps_date: str | None
    gps_time: tuple[float, float, float] | None
    xmp: XmpFields
    iptc_date: str | None
    iptc_keywords: list[str]


class _PhotoWarnings(logging.Handler):
    """python-exiv2 routes exiv2's log to the ``exiv2`` logger: collect it for the photo that
    the current thread is reading."""

    def emit(self, record: logging.LogRecord) -> None:
        messages = getattr(_capture, "messages", None)
        if messages is not None:
            messages.append(record.getMessage())


def _init() -> None:
    """exiv2 wants its XMP toolkit initialised once, before threads use it."""
    global _initialized
    if _initialized:
        return
    with _init_lock:
        if not _initialized:
            logger = logging.getLogger("exiv2")
            logger.addHandler(_PhotoWarnings())
            logger.propagate = False  # never on stderr: the photo's warnings say it
            exiv2.LogMsg.setLevel(exiv2.LogMsg.Level.warn)
            exiv2.XmpParser.initialize()
            _initialized = True


@contextmanager
def _captured() -> Iterator[list[str]]:
    _capture.messages = messages = []
    try:
        yield messages
    finally:
        _capture.messages = None


def open_image(source: str | bytes, warnings: list[str] | None = None) -> Any:
    """An exiv2 image with its metadata read; Exiv2Unreadable when it cannot be. Problems
    exiv2 skipped over in the standard EXIF directories or the XMP go to ``warnings``."""
    _init()
    with EXIV2_LOCK, _captured() as messages:
        try:
            image = exiv2.ImageFactory.open(source)
            image.readMetadata()
        except exiv2.Exiv2Error as exc:
            raise Exiv2Unreadable(_reason(exc)) from None
    if warnings is not None:
        warnings.extend(w for w in map(_photo_warning, messages) if w)
    return image


def _photo_warning(message: str) -> str | None:
    text = " ".join(message.split()).rstrip(".")
    if "XMP Toolkit error" in text or text.startswith("Failed to decode XMP"):
        return f"unreadable XMP ({text})"
    if not _STANDARD_DIRECTORY.match(text):
        return None
    for entry, name in _SUB_IFDS.items():
        if f"entry {entry}" in text:
            return f"unreadable {name} ({text})"
    return f"unreadable EXIF tag ({text})"


def read_exiv2(path: str, meta: PhotoMetadata) -> Exiv2Read:
    """Fill ``meta``'s camera, exposure, orientation and GPS fields; return the rest."""
    image = open_image(path, meta.warnings)
    exif = image.exifData()
    warnings = meta.warnings
    meta.camera_make = clean_text(_string(exif, "Exif.Image.Make"))
    meta.camera_model = clean_text(_string(exif, "Exif.Image.Model"))
    meta.orientation = _orientation(exif, warnings)
    meta.lens = _lens(exif)
    meta.iso = _iso(exif)
    meta.f_number = _measure(exif, exiv2.fNumber, "Exif.Photo.FNumber", "FNumber", warnings)
    meta.exposure_time = _measure(
        exif, exiv2.exposureTime, "Exif.Photo.ExposureTime", "ExposureTime", warnings
    )
    meta.focal_length = _measure(
        exif, exiv2.focalLength, "Exif.Photo.FocalLength", "FocalLength", warnings
    )
    _read_gps(exif, meta)
    iptc = image.iptcData()
    return Exiv2Read(
        mime_type=image.mimeType(),
        has_maker_note=_find(exif, "Exif.Photo.MakerNote") is not None,
        width=image.pixelWidth(),
        height=image.pixelHeight(),
        dates=_exif_dates(exif),
        gps_date=_string(exif, "Exif.GPSInfo.GPSDateStamp"),
        gps_time=_gps_time(exif, warnings),
        xmp=_xmp_fields(image),
        iptc_date=_iptc_date(iptc),
        iptc_keywords=_iptc_keywords(iptc),
    )


def _xmp_fields(image: Any) -> XmpFields:
    xmp = image.xmpData()
    if not xmp.empty():
        return read_xmp_fields(xmp)
    fields = XmpFields()
    packet = image.xmpPacket()
    if packet.strip():  # a packet the XMP toolkit rejects (undeclared prefixes): dates by pattern
        raw = packet.encode("utf-8", "replace")
        for names, source in _PACKET_DATES:
            text = xmp_property(raw, names)
            if text:
                fields.dates.setdefault(source, text)
    return fields


_PACKET_DATES = (
    (("exif:DateTimeOriginal",), "DateTimeOriginal"),
    (("photoshop:DateCreated",), "DateCreated"),
    (("xmp:CreateDate", "xap:CreateDate"), "CreateDate"),
)


def _reason(exc: Exception) -> str:
    args = getattr(exc, "args", ())
    text = str(args[1] if len(args) > 1 else exc)
    return " ".join(text.split()) or type(exc).__name__


def _find(data: Any, key: str) -> Any:
    """The datum for ``key``, or None. Keys are parsed once and reused."""
    parsed = _KEYS.get(key)
    if parsed is None:
        parsed = _KEYS.setdefault(key, exiv2.ExifKey(key))
    found = data.findKey(parsed)
    return None if found == data.end() else found


def _string(exif: Any, key: str) -> str | None:
    datum = _find(exif, key)
    return datum.toString() if datum is not None else None


def _numbers(datum: Any) -> tuple[float, ...]:
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


def _orientation(exif: Any, warnings: list[str]) -> int:
    datum = _find(exif, "Exif.Image.Orientation")
    if datum is None or not datum.count():
        return 1
    value = datum.toInt64(0)
    if 1 <= value <= 8:
        return value
    warnings.append(f"invalid Orientation {value!r}; using 1")
    return 1


def _lens(exif: Any) -> str | None:
    datum = exiv2.lensName(exif)
    if datum is None:
        return None
    if datum.key() == "Exif.Photo.LensModel":
        return clean_text(datum.toString())
    text = clean_text(datum.print(exif))  # maker-note lens ids print as lens names
    return None if text is None or _NO_LENS.match(text) else text


def _iso(exif: Any) -> int | None:
    datum = exiv2.isoSpeed(exif)
    if datum is None:
        return None
    text = datum.toString() if datum.key().startswith("Exif.Photo.") else datum.print(exif)
    match = _NUMBER.search(text or "")
    try:
        value = round(float(match[0])) if match and "/" not in match[0] else None
    except ValueError:
        return None
    return value if value and value > 0 else None


def _measure(
    exif: Any, finder: Any, standard_key: str, name: str, warnings: list[str]
) -> float | None:
    """A positive measurement: the standard rational tag when present (full precision), else
    whatever exiv2's easy access found (APEX values, maker notes), as it prints it."""
    datum = finder(exif)
    if datum is None or not datum.count():
        return None
    if datum.key() == standard_key:
        value = _numbers(datum)[0]
        if value != value or value < 0:  # NaN (zero denominator) or negative
            warnings.append(f"invalid {name} ({datum.toString()})")
            return None
        return value or None
    match = _NUMBER.search(datum.print(exif) or "")
    if match is None:
        return None
    numerator, _, denominator = match[0].partition("/")
    try:
        value = float(numerator) / float(denominator or 1)
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


def _read_gps(exif: Any, meta: PhotoMetadata) -> None:
    lat = _gps_coordinate(exif, "Latitude", NEGATIVE_LATITUDE_REFS, 90.0, meta.warnings)
    lon = _gps_coordinate(exif, "Longitude", NEGATIVE_LONGITUDE_REFS, 180.0, meta.warnings)
    altitude = _find(exif, "Exif.GPSInfo.GPSAltitude")
    if altitude is not None and altitude.count():
        ref = _find(exif, "Exif.GPSInfo.GPSAltitudeRef")
        try:
            meta.gps_alt = gps_altitude(
                _numbers(altitude)[0], ref.toInt64(0) if ref is not None and ref.count() else 0
            )
        except ValueError as exc:
            meta.warnings.append(f"invalid GPSAltitude ({exc})")
    if lat == 0.0 and lon == 0.0:
        meta.warnings.append("GPS position 0,0 ignored (a receiver without a fix)")
        lat = lon = meta.gps_alt = None
    meta.gps_lat, meta.gps_lon = lat, lon


def _gps_coordinate(
    exif: Any, axis: str, negative: tuple[str, ...], limit: float, warnings: list[str]
) -> float | None:
    datum = _find(exif, f"Exif.GPSInfo.GPS{axis}")
    if datum is None or not datum.count():
        return None
    ref = _string(exif, f"Exif.GPSInfo.GPS{axis}Ref")
    try:
        return gps_degrees(_numbers(datum), ref, negative, limit)
    except ValueError as exc:
        warnings.append(f"invalid GPS{axis} ({exc})")
        return None


def _gps_time(exif: Any, warnings: list[str]) -> tuple[float, float, float] | None:
    datum = _find(exif, "Exif.GPSInfo.GPSTimeStamp")
    if datum is None or datum.count() != 3:
        return None
    values = _numbers(datum)
    if any(v != v for v in values):
        warnings.append("invalid GPSTimeStamp (zero denominator)")
        return None
    return values[0], values[1], values[2]


def _exif_dates(exif: Any) -> list[tuple[str, str, str | None]]:
    dates = []
    for source, keys, offset_key in (
        (
            "DateTimeOriginal",
            ("Exif.Photo.DateTimeOriginal", "Exif.Image.DateTimeOriginal"),
            "Exif.Photo.OffsetTimeOriginal",
        ),
        ("CreateDate", ("Exif.Photo.DateTimeDigitized",), "Exif.Photo.OffsetTimeDigitized"),
    ):
        for key in keys:
            text = clean_text(_string(exif, key))
            if text is not None:
                dates.append((source, text, clean_text(_string(exif, offset_key))))
                break
    return dates


_IPTC_KEYS: dict[str, Any] = {}


def _iptc_find(iptc: Any, key: str) -> Any:
    parsed = _IPTC_KEYS.get(key)
    if parsed is None:
        parsed = _IPTC_KEYS.setdefault(key, exiv2.IptcKey(key))
    found = iptc.findKey(parsed)
    return None if found == iptc.end() else found


def _iptc_date(iptc: Any) -> str | None:
    if iptc.empty():
        return None
    date = _iptc_find(iptc, "Iptc.Application2.DateCreated")
    if date is None:
        return None
    time = _iptc_find(iptc, "Iptc.Application2.TimeCreated")
    text = date.toString().strip()
    return f"{text}T{time.toString().strip()}" if time is not None else text


def _iptc_keywords(iptc: Any) -> list[str]:
    if iptc.empty():
        return []
    return [
        text
        for datum in iptc
        if datum.key() == "Iptc.Application2.Keywords" and (text := datum.toString().strip())
    ]
