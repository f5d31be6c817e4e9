"""Capture dates: EXIF/XMP date strings and file mtimes -> ISO 8601 text.

EXIF dates look like ``2021:04:11 15:47:53`` with the UTC offset in a separate tag
(``OffsetTimeOriginal`` = ``-05:00``); XMP dates are ISO-like (``2010-04-13T09:37:22+02:00``,
``2011-09-23T12:43:03Z``). The output carries an offset only when the file states one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_DATE = re.compile(
    r"""^\s*(?P<year>\d{4})[:\-/.](?P<month>\d{1,2})[:\-/.](?P<day>\d{1,2})
    (?:[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?(?:[.,]\d+)?)?
    \s*(?P<offset>Z|[+-]\d{2}:?\d{2})?\s*$""",
    re.VERBOSE,
)
_OFFSET = re.compile(r"^\s*(?:(?P<z>Z)|(?P<sign>[+-])(?P<hours>\d{2}):?(?P<minutes>\d{2}))\s*$")
_MAX_OFFSET = timedelta(hours=14)


def is_blank(text: str | None) -> bool:
    """Cameras without a clock write nothing, spaces or ``    :  :     :  :  ``."""
    return text is None or not text.strip(" :\0\t")


def parse_offset(text: str | None) -> timezone | None:
    """``+02:00`` / ``-0500`` / ``Z`` -> timezone; None when blank; ValueError when malformed."""
    if is_blank(text):
        return None
    match = _OFFSET.match(text or "")
    if match is None:
        raise ValueError(f"malformed UTC offset {text!r}")
    if match["z"]:
        return UTC
    delta = timedelta(hours=int(match["hours"]), minutes=int(match["minutes"]))
    if int(match["minutes"]) >= 60 or delta > _MAX_OFFSET:
        raise ValueError(f"UTC offset out of range {text!r}")
    return timezone(-delta if match["sign"] == "-" else delta)


def parse_date(text: str, offset: timezone | None = None) -> datetime:
    """An EXIF or XMP date string -> datetime (aware when an offset is known).

    A date without a time means midnight. ``offset`` (from an OffsetTime* tag) applies only when
    the string itself carries none. Raises ValueError for zero or impossible dates and garbage.
    """
    match = _DATE.match(text)
    if match is None:
        raise ValueError(f"unreadable date {text!r}")
    try:
        moment = datetime(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            int(match["hour"] or 0),
            int(match["minute"] or 0),
            int(match["second"] or 0),
        )
    except ValueError:
        raise ValueError(f"impossible date {text!r}") from None
    if match["offset"]:
        offset = parse_offset(match["offset"])
    return moment.replace(tzinfo=offset) if offset is not None else moment


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def mtime_iso(mtime_ns: int) -> str:
    """A file modification time as local time, with the local UTC offset."""
    moment = datetime.fromtimestamp(mtime_ns // 1_000_000_000, tz=UTC).astimezone()
    return iso(moment)


def xmp_property(xmp: bytes, names: tuple[str, ...]) -> str | None:
    """The first of ``names`` (qualified, e.g. ``xmp:CreateDate``) found in an XMP packet.

    XMP writes simple properties either as attributes (``xmp:CreateDate="..."``) or as elements
    (``<xmp:CreateDate>...</xmp:CreateDate>``); a regex avoids a full XML parse per photo.
    """
    for name in names:
        if name.encode() not in xmp:
            continue
        for pattern in _xmp_patterns(name):
            match = pattern.search(xmp)
            if match:
                return match.group(1).decode("utf-8", "replace").strip()
    return None


_PATTERN_CACHE: dict[str, tuple[re.Pattern[bytes], ...]] = {}


def _xmp_patterns(name: str) -> tuple[re.Pattern[bytes], ...]:
    patterns = _PATTERN_CACHE.get(name)
    if patterns is None:
        quoted = re.escape(name.encode())
        patterns = (
            re.compile(rb"<" + quoted + rb"(?:\s[^>]*)?>\s*([^<]*?)\s*</"),
            re.compile(quoted + rb"\s*=\s*[\"']([^\"']*)[\"']"),
        )
        _PATTERN_CACHE[name] = patterns
    return patterns
