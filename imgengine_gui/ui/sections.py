"""Month sections of the grid: where each month's photos start, and its title ("March 2024").

Plain data (no Qt): the model keeps one ``Sections`` beside its ids, the delegate asks it where a
row sits in its month, the timeline lists its months.
"""

from __future__ import annotations

import calendar
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby

NO_DATE = "No date"
NEW = "new"  # the section of photos appended during a run (not sorted into months yet)
NEW_TITLE = "New in this analysis"


def month_title(month: str | None) -> str:
    """'2024-03' -> 'March 2024'; no month (or an unreadable one) -> 'No date'."""
    if month == NEW:
        return NEW_TITLE
    try:
        year, number = month.split("-")[:2]  # type: ignore[union-attr]
        return f"{calendar.month_name[int(number)]} {int(year)}"
    except (AttributeError, ValueError, IndexError):
        return NO_DATE


@dataclass(frozen=True)
class Section:
    start: int  # the row of its first photo
    end: int  # one past its last photo's row
    month: str | None  # "YYYY-MM"

    @property
    def title(self) -> str:
        return month_title(self.month)

    @property
    def year(self) -> str | None:
        return self.month[:4] if self.month and self.month != NEW else None


@dataclass
class Sections:
    starts: list[int] = field(default_factory=list)
    months: list[str | None] = field(default_factory=list)
    total: int = 0

    @classmethod
    def from_months(cls, months: Sequence[str | None]) -> Sections:
        """One section per run of equal months (the ids are sorted by date)."""
        starts: list[int] = []
        keys: list[str | None] = []
        row = 0
        for month, run in groupby(months):
            starts.append(row)
            keys.append(month)
            row += sum(1 for _ in run)
        return cls(starts, keys, row)

    def __bool__(self) -> bool:
        return bool(self.starts)

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, number: int) -> Section:
        end = self.starts[number + 1] if number + 1 < len(self.starts) else self.total
        return Section(self.starts[number], end, self.months[number])

    def span(self, row: int) -> tuple[int, int]:
        """(first row, one past the last row) of this row's section; cheap (layout calls it for
        every photo). The row must be in range of a grouped grid."""
        number = bisect_right(self.starts, row) - 1
        return self.starts[number], (
            self.starts[number + 1] if number + 1 < len(self.starts) else self.total
        )

    def at(self, row: int) -> Section | None:
        """The section of this row (None when not grouped or out of range)."""
        if not self.starts or not 0 <= row < self.total:
            return None
        return self[bisect_right(self.starts, row) - 1]

    def all(self) -> list[Section]:
        return [self[n] for n in range(len(self.starts))]

    def kept(self, removed_rows: Sequence[int], appended: int) -> Sections:
        """The same months after some rows left; ``appended`` photos go under a header of their
        own at the end (a live reload during a run keeps the grid still, see
        ``PhotoGridModel.merge_ids``: new photos are not sorted into their months yet, and the
        last month's header must not claim them)."""
        removed = sorted(removed_rows)
        starts, months = [], []
        for section in self.all():
            gone_before = bisect_right(removed, section.start - 1)
            gone_inside = bisect_right(removed, section.end - 1) - gone_before
            if section.end - section.start - gone_inside > 0:
                starts.append(section.start - gone_before)
                months.append(section.month)
        total = self.total - len(removed)
        if appended and self.starts and (not months or months[-1] != NEW):
            starts.append(total)
            months.append(NEW)
        return Sections(starts, months, total + appended)
