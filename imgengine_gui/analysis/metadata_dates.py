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
        moment = _moment(match)
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


def gps_datetime(date_stamp: str | None, hms: tuple[float, float, float] | None) -> datetime:
    """GPSDateStamp (``2019:03:21``) + GPSTimeStamp (h, m, s) -> an aware UTC datetime."""
    if is_blank(date_stamp) or hms is None:
        raise ValueError("incomplete GPS date/time")
    day = parse_date(date_stamp or "")
    hours, minutes, seconds = hms
    if not (0 <= hours < 24 and 0 <= minutes < 60 and 0 <= seconds < 61):
        raise ValueError(f"impossible GPS time {hours}:{minutes}:{seconds}")
    moment = day.replace(tzinfo=UTC) + timedelta(hours=int(hours), minutes=int(minutes))
    return moment + timedelta(seconds=int(seconds))


# Phone and camera-app names: IMG_20190321_110422, PXL_20190321_110422123, VID-20190321-WA0001
# (date only), Screenshot_2019-03-21-11-04-22, "2019-03-21 11.04.22" (Dropbox camera uploads).
_NAME_DATE = re.compile(
    r"""(?<!\d)(?P<year>(?:19[7-9]|20[0-9])\d)(?P<sep>[-_.]?)(?P<month>0[1-9]|1[0-2])(?P=sep)
    (?P<day>0[1-9]|[12]\d|3[01])
    (?:[ _T-](?P<hour>[01]\d|2[0-3])[-_.:]?(?P<minute>[0-5]\d)[-_.:]?(?P<second>[0-5]\d)
    (?:\d{3})?)?(?!\d)""",
    re.VERBOSE,
)


def date_from_file_name(name: str) -> datetime | None:
    """The capture date a phone or camera app wrote into a file name (local time), or None."""
    stem = name.rsplit(".", 1)[0]
    match = _NAME_DATE.search(stem)
    if match is None:
        return None
    try:
        return _moment(match)
    except ValueError:
        return None


def _moment(match: re.Match[str]) -> datetime:
    """The datetime a match of year, month, day and optional hour, minute, second names."""
    return datetime(
        int(match["year"]),
        int(match["month"]),
        int(match["day"]),
        int(match["hour"] or 0),
        int(match["minute"] or 0),
        int(match["second"] or 0),
    )
