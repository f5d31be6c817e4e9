"""What a user or an organizer wrote into XMP (embedded or a sidecar), read from exiv2's XmpData.

Ratings (``xmp:Rating``, -1 = rejected), picks (digiKam's ``PickLabel``), colour labels
(``xmp:Label``), keywords (``dc:subject``, ``lr:hierarchicalSubject``, digiKam's ``TagsList``),
rotation (``tiff:Orientation``), dates, and named regions (MWG ``mwg-rs:Regions``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# XMP date tags in the order they are trusted: the moment of capture, then of digitising.
XMP_DATE_KEYS = (
    ("Xmp.exif.DateTimeOriginal", "DateTimeOriginal"),
    ("Xmp.photoshop.DateCreated", "DateCreated"),
    ("Xmp.xmp.CreateDate", "CreateDate"),
)
_REGION = re.compile(r"^Xmp\.mwg-rs\.Regions/mwg-rs:RegionList\[(\d+)\]/(.+)$")
_PICK_LABELS = {"1": "reject", "3": "pick"}  # digiKam: 0 none, 1 rejected, 2 pending, 3 accepted


@dataclass(slots=True)
class Region:
    """A named area (a face, usually), in 0..1 coordinates of the image as displayed."""

    name: str | None
    kind: str | None  # MWG type: Face, Pet, Focus, BarCode
    box: tuple[float, float, float, float] | None  # x0, y0, x1, y1


@dataclass(slots=True)
class XmpFields:
    dates: dict[str, str] = field(default_factory=dict)  # DateTimeOriginal/CreateDate/... -> text
    rating: int | None = None  # -1 (rejected) .. 5
    flag: str | None = None  # "pick" | "reject"
    label: str | None = None
    keywords: list[str] = field(default_factory=list)
    orientation: int | None = None
    camera_make: str | None = None  # tiff:Make / tiff:Model / a lens, copied into XMP by
    camera_model: str | None = None  # converters and organizers
    lens: str | None = None
    regions: list[Region] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_xmp_fields(xmp: Any) -> XmpFields:
    """Fields of an exiv2 ``XmpData`` (one pass over its properties)."""
    out = XmpFields()
    if xmp.empty():
        return out
    regions: dict[int, dict[str, str]] = {}
    keywords: list[str] = []
    for datum in xmp:
        key = datum.key()
        if key.startswith("Xmp.mwg-rs.Regions/"):
            match = _REGION.match(key)
            if match:
                regions.setdefault(int(match[1]), {})[match[2]] = datum.toString()
            continue
        handler = _HANDLERS.get(key)
        if handler is not None:
            handler(out, datum, keywords)
    out.keywords = _unique(keywords)
    out.regions = [r for r in (_region(parts, out) for _, parts in sorted(regions.items())) if r]
    if out.rating == -1 and out.flag is None:
        out.flag = "reject"  # Adobe's "rejected" rating
    return out


def _text(datum: Any) -> str | None:
    text = datum.toString().strip()
    return text or None


def _items(datum: Any) -> list[str]:
    count = datum.count()
    if datum.typeName() in ("XmpBag", "XmpSeq", "XmpAlt"):
        return [datum.toString(i).strip() for i in range(count) if datum.toString(i).strip()]
    text = _text(datum)
    return [text] if text else []


def _rating(out: XmpFields, datum: Any, _keywords: list[str]) -> None:
    text = _text(datum)
    try:
        value = round(float(text or ""))
    except ValueError:
        out.warnings.append(f"invalid XMP rating {text!r}")
        return
    if -1 <= value <= 5:
        out.rating = value
    else:
        out.warnings.append(f"XMP rating {value} is outside -1..5")


def _pick(out: XmpFields, datum: Any, _keywords: list[str]) -> None:
    out.flag = _PICK_LABELS.get(_text(datum) or "", out.flag)


def _label(out: XmpFields, datum: Any, _keywords: list[str]) -> None:
    out.label = _text(datum)


def _orientation(out: XmpFields, datum: Any, _keywords: list[str]) -> None:
    text = _text(datum)
    if text and text.isdigit() and 1 <= int(text) <= 8:
        out.orientation = int(text)
    elif text:
        out.warnings.append(f"invalid XMP orientation {text!r}")


def _text_field(name: str):
    def read(out: XmpFields, datum: Any, _keywords: list[str]) -> None:
        if getattr(out, name) is None:
            setattr(out, name, _text(datum))

    return read


def _flat_keywords(out: XmpFields, datum: Any, keywords: list[str]) -> None:
    keywords.extend(_items(datum))


def _hierarchical(separator: str):
    def read(out: XmpFields, datum: Any, keywords: list[str]) -> None:
        keywords.extend(item.replace(separator, "|") for item in _items(datum))

    return read


def _date(name: str):
    def read(out: XmpFields, datum: Any, _keywords: list[str]) -> None:
        text = _text(datum)
        if text:
            out.dates.setdefault(name, text)

    return read


_HANDLERS = {
    "Xmp.xmp.Rating": _rating,
    "Xmp.digiKam.PickLabel": _pick,
    "Xmp.xmp.Label": _label,
    "Xmp.tiff.Orientation": _orientation,
    "Xmp.tiff.Make": _text_field("camera_make"),
    "Xmp.tiff.Model": _text_field("camera_model"),
    "Xmp.exifEX.LensModel": _text_field("lens"),
    "Xmp.dc.subject": _flat_keywords,
    "Xmp.lr.hierarchicalSubject": _hierarchical("|"),
    "Xmp.digiKam.TagsList": _hierarchical("/"),
    **{key: _date(name) for key, name in XMP_DATE_KEYS},
}


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _region(parts: dict[str, str], out: XmpFields) -> Region | None:
    name = (parts.get("mwg-rs:Name") or "").strip() or None
    kind = (parts.get("mwg-rs:Type") or "").strip() or None
    box = None
    try:
        x, y = float(parts["mwg-rs:Area/stArea:x"]), float(parts["mwg-rs:Area/stArea:y"])
        w, h = float(parts["mwg-rs:Area/stArea:w"]), float(parts["mwg-rs:Area/stArea:h"])
    except (KeyError, ValueError):
        x = y = w = h = None
    unit = parts.get("mwg-rs:Area/stArea:unit", "normalized")
    if x is not None and unit == "normalized" and 0 <= x <= 1 and 0 <= y <= 1 and w > 0 and h > 0:
        box = (max(0.0, x - w / 2), max(0.0, y - h / 2), min(1.0, x + w / 2), min(1.0, y + h / 2))
    elif x is not None:
        out.warnings.append(f"region {name or kind or '?'}: unusable area ({unit})")
    if name is None and box is None:
        return None
    return Region(name, kind, box)
