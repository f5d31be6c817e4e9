"""Turn raw EXIF values (as Pillow hands them out) into clean Python values.

Pillow gives ASCII tags as ``str``, SHORT/LONG as ``int`` or tuples, RATIONAL as ``IFDRational``
(a zero denominator becomes NaN) and UNDEFINED as ``bytes``. These helpers return ``None`` for
anything that is not a usable value and raise ``ValueError`` only where the caller should record a
warning (a value is present but broken).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

NEGATIVE_LATITUDE_REFS = ("S",)
NEGATIVE_LONGITUDE_REFS = ("W",)


def clean_text(value: Any) -> str | None:
    """Text up to the first NUL, whitespace-stripped; empty -> None."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.split(b"\0", 1)[0]
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            value = value.decode("latin-1")
    elif isinstance(value, tuple):
        return clean_text(value[0]) if value else None
    text = str(value).split("\0", 1)[0].strip()
    return text or None


def first(value: Any) -> Any:
    """The first element of a multi-valued tag, the value itself otherwise."""
    if isinstance(value, tuple | list):
        return value[0] if value else None
    return value


def to_float(value: Any) -> float:
    """A finite float from an int/float/rational; ValueError when unreadable (0/0, x/0, junk)."""
    value = first(value)
    if isinstance(value, bytes | str) or value is None:
        raise ValueError(f"not a number: {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("zero denominator or non-finite number")
    return number


def positive_float(value: Any) -> float | None:
    """A measurement that is only meaningful above zero (FNumber, ExposureTime, FocalLength).

    Cameras write 0 for "unknown", so 0 maps to None; negatives and unreadable values raise.
    """
    if value is None:
        return None
    number = to_float(value)
    if number < 0:
        raise ValueError(f"negative value {number}")
    return number if number > 0 else None


def positive_int(value: Any) -> int | None:
    """A count such as ISO; 0 means unknown."""
    value = first(value)
    if value is None:
        return None
    if isinstance(value, bytes | str):
        raise ValueError(f"not a number: {value!r}")
    number = int(value)
    if number < 0:
        raise ValueError(f"negative value {number}")
    return number or None


def gps_reference(value: Any) -> str | None:
    text = clean_text(value)
    return text[:1].upper() if text else None


def gps_degrees(value: Any, ref: Any, negative_refs: Sequence[str], limit: float) -> float | None:
    """Degrees/minutes/seconds (or fewer parts) -> signed decimal degrees.

    Raises ValueError when a part is unreadable (e.g. a zero denominator) or the result is out of
    range, so the caller can keep the other coordinate and record a warning.
    """
    if value is None:
        return None
    parts = value if isinstance(value, tuple | list) else (value,)
    if not parts or len(parts) > 3:
        raise ValueError(f"expected 1-3 parts, got {len(parts)}")
    degrees = 0.0
    for part, scale in zip(parts, (1.0, 60.0, 3600.0), strict=False):
        number = to_float(part)
        if number < 0:
            raise ValueError(f"negative part {number}")
        degrees += number / scale
    if degrees > limit:
        raise ValueError(f"{degrees:.6f} is out of range")
    if gps_reference(ref) in negative_refs:
        degrees = -degrees
    return degrees


def gps_altitude(value: Any, ref: Any) -> float | None:
    """Metres; altitude reference 1 means below sea level."""
    if value is None:
        return None
    altitude = to_float(value)
    ref = first(ref)
    if isinstance(ref, bytes):
        ref = ref[0] if ref else 0
    if ref == 1 or (isinstance(ref, str) and ref.strip("\0 ") == "1"):
        altitude = -abs(altitude)
    return altitude
