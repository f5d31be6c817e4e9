"""The grid's order and month groups on photos analyzed from their files: EXIF dates with and
without a UTC offset, a photo without a capture date (its file time), ties and both date sorts.
A month is one run of photos, in order, and its header's month is the one each photo shows."""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from imgengine_gui.catalog import ordering, queries
from imgengine_gui.ui.formatting import taken
from imgengine_gui.ui.sections import Sections

EXIF_IFD, DATE_TIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 0x8769, 0x9003, 0x9011
PHOTOS = {  # name: (DateTimeOriginal, OffsetTimeOriginal)
    "a_new_year_paris.jpg": ("2027:01:01 00:30:00", "+01:00"),  # 2026-12-31 23:30 UTC
    "b_last_evening_utc.jpg": ("2026:12:31 23:45:00", "+00:00"),
    "c_last_evening_ny.jpg": ("2026:12:31 20:00:00", "-05:00"),  # 2027-01-01 01:00 UTC
    "d_first_morning.jpg": ("2026:12:01 00:10:00", "+01:00"),  # 2026-11-30 23:10 UTC
    "e_same_moment.jpg": ("2026:12:15 12:00:00", None),
    "f_same_moment.jpg": ("2026:12:15 12:00:00", None),  # a tie
    "g_november.jpg": ("2026:11:30 23:59:00", None),
}
NO_DATE_FILE_TIME = datetime(2026, 12, 31, 23, 50)  # local time (Paris: 22:50 UTC)
ADDED_EARLIER = {  # name: when it was first seen, UTC
    "a_new_year_paris.jpg": datetime(2026, 11, 30, 23, 30, tzinfo=UTC),  # Paris: 1 December
    "b_last_evening_utc.jpg": datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
    "g_november.jpg": datetime(2026, 11, 15, 12, 0, tzinfo=UTC),
}


@pytest.fixture
def paris():
    """Local time an hour ahead of UTC: file times and 'localtime' months differ from UTC's."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Paris"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def _photo(path: Path, seed: int, date: str | None = None, offset: str | None = None) -> None:
    exif = Image.Exif()
    if date:
        exif.get_ifd(EXIF_IFD)[DATE_TIME_ORIGINAL] = date
        if offset:
            exif.get_ifd(EXIF_IFD)[OFFSET_TIME_ORIGINAL] = offset
    Image.new("RGB", (64, 48), (seed * 30 % 256, 90, 160)).save(path, exif=exif)


@pytest.fixture
def catalog(tmp_path, paris) -> Path:
    from imgengine_gui.cli.main import main

    folder = tmp_path / "photos"
    folder.mkdir()
    for seed, (name, (date, offset)) in enumerate(PHOTOS.items()):
        _photo(folder / name, seed, date, offset)
    _photo(folder / "h_no_date.jpg", 99)
    stamp = NO_DATE_FILE_TIME.timestamp()
    os.utime(folder / "h_no_date.jpg", (stamp, stamp))
    path = tmp_path / "catalog.sqlite"
    assert main(["analyze", str(folder), "--catalog", str(path), "--phases", "metadata"]) == 0
    conn = sqlite3.connect(path)
    with conn:  # added in earlier runs
        for name, when in ADDED_EARLIER.items():
            conn.execute("UPDATE photos SET first_seen = ? WHERE path = ?",
                         (when.timestamp(), str(folder / name)))
    conn.close()
    return path


@pytest.mark.parametrize("key", ordering.DATE_SORTS)
@pytest.mark.parametrize("reverse", [False, True])
def test_each_month_is_one_run_in_order_under_the_month_each_photo_shows(catalog, key, reverse):
    conn = sqlite3.connect(catalog)
    conn.row_factory = sqlite3.Row
    try:
        photos = {p["id"]: p for p in queries.list_photos(conn)}
        added = dict(conn.execute("SELECT id, first_seen FROM photos").fetchall())
        found = ordering.sorted_photo_ids(conn, queries.PhotoFilter(), key, reverse)
    finally:
        conn.close()
    assert sorted(found.ids) == sorted(photos) and len(photos) == len(PHOTOS) + 1
    sections = Sections.from_months(found.months)
    months = [s.month for s in sections.all()]
    assert len(set(months)) == len(months)  # each month once...
    assert months == sorted(months, reverse=(key == "added") != reverse)  # ...in order
    shown = {  # the month each photo shows: its capture date as written, or when it was added
        pid: taken(photo)[:7] if key == "taken"
        else datetime.fromtimestamp(added[pid]).strftime("%Y-%m")  # local time
        for pid, photo in photos.items()
    }
    for section in sections.all():  # the header's month is the one each photo shows
        assert {shown[pid] for pid in found.ids[section.start:section.end]} == {section.month}
    by_name = {Path(p["path"]).name: p for p in photos.values()}
    if key == "added":  # added 30 November 23:30 UTC: 1 December here
        assert shown[by_name["a_new_year_paris.jpg"]["id"]] == "2026-12"
    else:
        assert months == (["2027-01", "2026-12", "2026-11"] if reverse
                          else ["2026-11", "2026-12", "2027-01"])
        no_date = by_name["h_no_date.jpg"]
        assert (no_date["taken_at_source"], no_date["taken_at"]) == (
            "mtime", "2026-12-31T23:50:00+01:00")  # its file time, in local time
