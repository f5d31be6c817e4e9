"""Camera metadata through exiv2 (python-exiv2): EXIF with maker notes, XMP and IPTC.

exiv2 is the library digiKam, gThumb and darktable read metadata with (EXIF values: see
metadata_exiv2_tags). Only headers are read; no pixel is decoded. Problems exiv2 skips over in
the standard EXIF directories and in XMP become warnings on the photo.
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
from imgengine_gui.analysis.metadata_exiv2_tags import ExifTags, read_camera, read_dates, read_gps
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
    tags = ExifTags(image.exifData())
    read_camera(tags, meta)
    gps_date, gps_time = read_gps(tags, meta)
    iptc = image.iptcData()
    return Exiv2Read(
        mime_type=image.mimeType(),
        has_maker_note=tags.has_maker_note,
        width=image.pixelWidth(),
        height=image.pixelHeight(),
        dates=read_dates(tags),
        gps_date=gps_date,
        gps_time=gps_time,
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
