"""Putting the sources together: the sidecar over the file, the capture date users expect, and
the exiftool pass filling in what the fast reader left unknown.

Capture date, first usable wins (``taken_at_source`` names it; "sidecar " marks the sidecar's):
  1. DateTimeOriginal: the sidecar's, then EXIF's (with OffsetTimeOriginal), then embedded XMP's;
  2. CreateDate: EXIF's (with OffsetTimeDigitized);
  3. XMP/IPTC dates, the sidecar's first: CreateDate, DateCreated (photoshop/IPTC);
  4. GPSDateTime (UTC);
  5. exiftool's DateTimeOriginal/CreateDate, when the pass ran;
  6. FileName (IMG_20190321_110422, PXL_..., 2019-03-21 11.04.22), local time;
  7. mtime.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from imgengine_gui.analysis.formats import RAW_FORMATS
from imgengine_gui.analysis.metadata_dates import (
    date_from_file_name,
    gps_datetime,
    is_blank,
    iso,
    parse_date,
    parse_offset,
)
from imgengine_gui.analysis.metadata_open import has_unknown_metadata
from imgengine_gui.analysis.metadata_values import clean_text, positive_float, positive_int
from imgengine_gui.analysis.metadata_xmp import XmpFields

if TYPE_CHECKING:
    from imgengine_gui.analysis.metadata import PhotoMetadata
    from imgengine_gui.analysis.metadata_exiv2 import Exiv2Read

Candidate = tuple[str, str, str | None]  # (source, date text, offset text)
_EXIFTOOL_FORMATS = {"TIFF", "HEIF", "AVIF", "JXL"} | RAW_FORMATS


def apply_xmp(
    meta: PhotoMetadata, embedded: XmpFields, sidecar: XmpFields, iptc_keywords: list[str]
) -> None:
    """Ratings, labels, keywords, regions and rotation: a field the sidecar states wins."""
    meta.warnings.extend(embedded.warnings)
    for name in ("rating", "flag", "label"):
        value = getattr(sidecar, name)
        setattr(meta, name, value if value is not None else getattr(embedded, name))
    keywords = sidecar.keywords or embedded.keywords or iptc_keywords
    meta.keywords = list(dict.fromkeys(keywords))
    meta.regions = sidecar.regions or embedded.regions
    for name in ("camera_make", "camera_model", "lens"):  # XMP copies, when EXIF has none
        if getattr(meta, name) is None:
            setattr(meta, name, getattr(sidecar, name) or getattr(embedded, name))
    if sidecar.orientation is not None:
        meta.orientation = sidecar.orientation  # a rotation set in an organizer


def choose_taken_at(
    meta: PhotoMetadata,
    exif_dates: list[Candidate],
    embedded: XmpFields,
    sidecar: XmpFields,
    found: Exiv2Read | None,
) -> None:
    """Steps 1-4 of the module's order."""
    by_source: dict[str, list[Candidate]] = {}
    for candidate in exif_dates:
        by_source.setdefault(candidate[0], []).append(candidate)
    original = by_source.get("DateTimeOriginal", [])
    candidates: list[Candidate] = []
    side = sidecar.dates.get("DateTimeOriginal")
    if side is not None and not _same_wall_time(side, original):
        candidates.append(("sidecar DateTimeOriginal", side, None))
    candidates += original
    candidates += _xmp(embedded, ("DateTimeOriginal",), "")
    candidates += by_source.get("CreateDate", [])
    candidates += _xmp(sidecar, ("CreateDate", "DateCreated"), "sidecar ")
    candidates += _xmp(embedded, ("CreateDate", "DateCreated"), "")
    if found is not None and found.iptc_date:
        candidates.append(("DateCreated", found.iptc_date, None))
    if _first_valid(meta, candidates) or found is None or found.gps_date is None:
        return
    try:
        moment = gps_datetime(found.gps_date, found.gps_time)
    except ValueError as exc:
        meta.warnings.append(f"invalid GPSDateTime ({exc})")
        return
    meta.taken_at, meta.taken_at_source = iso(moment), "GPSDateTime"


def use_file_name(meta: PhotoMetadata, name: str) -> None:
    moment = date_from_file_name(name)
    if moment is not None:
        meta.taken_at, meta.taken_at_source = iso(moment), "FileName"


def exiftool_may_help(
    meta: PhotoMetadata, found: Exiv2Read | None, segments: list[tuple[int, bytes]]
) -> bool:
    """Only camera formats without a date or camera, and for JPEG only where there is metadata
    exiv2 does not fully read: maker notes, or application segments it does not know (a web
    JPEG, a screenshot or an export whose camera tags were stripped goes without the pass)."""
    if meta.taken_at is not None and (meta.camera_make or meta.camera_model):
        return False
    if meta.format in _EXIFTOOL_FORMATS:
        return True
    if meta.format not in ("JPEG", "MPO"):
        return False
    return has_unknown_metadata(segments) or (found is not None and found.has_maker_note)


def apply_exiftool(meta: PhotoMetadata, values: dict[str, Any]) -> None:
    """Fill only what is still unknown; the exiv2 reading stays for everything it found."""
    before = _known(meta)
    if meta.camera_make is None:
        meta.camera_make = clean_text(values.get("Make"))
    if meta.camera_model is None:
        meta.camera_model = clean_text(values.get("Model"))
    if meta.lens is None:
        meta.lens = clean_text(values.get("LensModel"))
    for name, tag, convert in (
        ("iso", "ISO", positive_int),
        ("f_number", "FNumber", positive_float),
        ("exposure_time", "ExposureTime", positive_float),
        ("focal_length", "FocalLength", positive_float),
        ("gps_lat", "GPSLatitude", _number),
        ("gps_lon", "GPSLongitude", _number),
        ("gps_alt", "GPSAltitude", _number),
    ):
        if getattr(meta, name) is None:
            with contextlib.suppress(TypeError, ValueError):
                setattr(meta, name, convert(_scalar(values.get(tag))))
    if meta.taken_at is None:
        candidates = [
            ("DateTimeOriginal", str(values["DateTimeOriginal"]), values.get("OffsetTimeOriginal"))
            if "DateTimeOriginal" in values else None,
            ("CreateDate", str(values["CreateDate"]), None) if "CreateDate" in values else None,
        ]
        _first_valid(meta, [c for c in candidates if c is not None], quiet=True)
    if _known(meta) != before:
        meta.reader += "+exiftool"


def _xmp(fields: XmpFields, names: tuple[str, ...], prefix: str) -> list[Candidate]:
    return [(prefix + name, fields.dates[name], None) for name in names if name in fields.dates]


def _same_wall_time(text: str, candidates: list[Candidate]) -> bool:
    """The sidecar repeats the file's own date (often without its offset): use the file's."""
    try:
        side = parse_date(text).replace(tzinfo=None)
        return any(parse_date(c[1]).replace(tzinfo=None) == side for c in candidates)
    except ValueError:
        return False


def _first_valid(meta: PhotoMetadata, candidates: list[Candidate], quiet: bool = False) -> bool:
    for source, text, offset_text in candidates:
        if is_blank(text):
            continue
        offset = None
        try:
            offset = parse_offset(offset_text)
        except ValueError as exc:
            if not quiet:
                meta.warnings.append(f"{source}: {exc}; offset ignored")
        try:
            moment: datetime = parse_date(text, offset)
        except ValueError as exc:
            if not quiet:
                meta.warnings.append(f"invalid {source} ({exc})")
            continue
        meta.taken_at, meta.taken_at_source = iso(moment), source
        return True
    return False


def _known(meta: PhotoMetadata) -> tuple[Any, ...]:
    return (meta.taken_at, meta.camera_make, meta.camera_model, meta.lens, meta.iso,
            meta.f_number, meta.exposure_time, meta.focal_length, meta.gps_lat)  # fmt: skip


def _scalar(value: Any) -> Any:
    if isinstance(value, str) and value.strip():
        value = value.split()[0]
    return float(value) if isinstance(value, str) else value


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
