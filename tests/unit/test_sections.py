"""Month sections of the grid (ui/sections.py is plain data: no Qt needed)."""

from __future__ import annotations

from imgengine_gui.ui.sections import NEW, NEW_TITLE, Sections, month_title


def test_sections_follow_runs_of_months_and_locate_rows():
    sections = Sections.from_months([None, None, "2019-06", "2019-06", "2019-06", "2020-01"])
    assert [(s.start, s.end, s.title) for s in sections.all()] == [
        (0, 2, "No date"), (2, 5, "June 2019"), (5, 6, "January 2020")
    ]
    assert sections.at(4).month == "2019-06" and sections.at(6) is None
    assert not Sections.from_months([]) and month_title("garbage") == "No date"


def test_kept_sections_drop_rows_and_put_appended_photos_under_their_own_header():
    """Photos appended during a run are not sorted into months yet: the last month's header
    must not claim them (new photos under "March 2019" were of any month, or had no date)."""
    sections = Sections.from_months(["2019-01"] * 2 + ["2019-02"] * 3 + ["2019-03"])
    kept = sections.kept(removed_rows=[0, 1, 3], appended=2)  # January is gone entirely
    assert [(s.start, s.end, s.title) for s in kept.all()] == [
        (0, 2, "February 2019"), (2, 3, "March 2019"), (3, 5, NEW_TITLE)
    ]
    again = kept.kept(removed_rows=[2], appended=1)  # March is gone; one more new photo
    assert [(s.start, s.end, s.month) for s in again.all()] == [(0, 2, "2019-02"), (2, 5, NEW)]
    assert again.at(4).year is None  # the timeline gives it no year
    assert not Sections().kept([], appended=3)  # an ungrouped grid stays ungrouped
