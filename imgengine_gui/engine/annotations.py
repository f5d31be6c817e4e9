"""What the user sets on photos (rating, flag, colour label, keywords, people's names): stored
in the catalog, and written to each photo's XMP sidecar when the ``sidecars`` setting is
"sidecar" (the default). The photo file itself is never opened for writing.

Every function takes the catalog connection (it commits), the photo ids and the settings, and
returns an ``AnnotationReport``: the catalog always keeps what the user set; a sidecar that
could not be written is listed in ``failed`` with a one-line reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from imgengine_gui.catalog import Connection
from imgengine_gui.catalog import annotations as store
from imgengine_gui.engine.sidecars import NamedRegion, SidecarChange, SidecarError, update_sidecar
from imgengine_gui.settings import Settings, data_dir

FLAGS = ("pick", "reject")


@dataclass
class AnnotationReport:
    photos: int = 0
    sidecars: list[str] = field(default_factory=list)  # sidecars written
    failed: list[tuple[str, str]] = field(default_factory=list)  # (photo path, why)
    note: str | None = None  # why no sidecar was written at all, when that is the setting

    def absorb(self, other: AnnotationReport) -> AnnotationReport:
        """This report and ``other``'s (other photos) as one."""
        self.photos += other.photos
        self.sidecars += [s for s in other.sidecars if s not in self.sidecars]
        self.failed += other.failed
        self.note = self.note or other.note
        return self


def backup_folder() -> Path:
    """Where the previous versions of the sidecars we change are kept."""
    return data_dir() / "sidecar-backups"


def set_rating(
    conn: Connection, photo_ids: Sequence[int], stars: int | None, settings: Settings
) -> AnnotationReport:
    """0-5 stars, -1 = rejected (Adobe's convention), None = no rating."""
    if stars is not None and not -1 <= stars <= 5:
        raise ValueError(f"a rating is -1 (rejected) or 0 to 5 stars, not {stars}")
    store.set_user_field(conn, photo_ids, "rating", stars)
    return _write(conn, photo_ids, SidecarChange(rating=stars), settings)


def set_flag(
    conn: Connection, photo_ids: Sequence[int], flag: str | None, settings: Settings
) -> AnnotationReport:
    if flag is not None and flag not in FLAGS:
        raise ValueError(f"a flag is {' or '.join(FLAGS)} (or none), not {flag!r}")
    store.set_user_field(conn, photo_ids, "flag", flag)
    return _write(conn, photo_ids, SidecarChange(flag=flag), settings)


def set_label(
    conn: Connection, photo_ids: Sequence[int], label: str | None, settings: Settings
) -> AnnotationReport:
    store.set_user_field(conn, photo_ids, "label", label or None)
    return _write(conn, photo_ids, SidecarChange(label=label or None), settings)


def add_keywords(
    conn: Connection, photo_ids: Sequence[int], keywords: Sequence[str], settings: Settings
) -> AnnotationReport:
    """Keywords; "Places|Spain|Cadiz" is a hierarchical one (Lightroom's separator)."""
    cleaned = _clean(keywords)
    store.add_user_keywords(conn, photo_ids, cleaned)
    return _write(conn, photo_ids, SidecarChange(add_keywords=cleaned), settings)


def remove_keywords(
    conn: Connection, photo_ids: Sequence[int], keywords: Sequence[str], settings: Settings
) -> AnnotationReport:
    cleaned = _clean(keywords)
    store.remove_keywords(conn, photo_ids, cleaned)
    return _write(conn, photo_ids, SidecarChange(remove_keywords=cleaned), settings)


def name_person(
    conn: Connection,
    photo_id: int,
    name: str,
    settings: Settings,
    box: tuple[float, float, float, float] | None = None,
) -> AnnotationReport:
    """Name who is in a photo; ``box`` (x0, y0, x1, y1 in 0..1 of the displayed photo, e.g. a
    detected face) becomes an MWG face region, which digiKam, Lightroom and Picasa read."""
    name = " ".join(name.split())
    if not name:
        raise ValueError("a person needs a name")
    store.add_user_region(conn, photo_id, name, "Face", box)
    size = store.photo_paths(conn, [photo_id]).get(photo_id, {}).get("size")
    region = NamedRegion(name, box, size if size and all(size) else None)
    return _write(conn, [photo_id], SidecarChange(add_people=(region,)), settings)


def write_keywords(
    conn: Connection,
    photo_ids: Sequence[int],
    settings: Settings,
    *,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
) -> AnnotationReport:
    """Only the sidecars (the caller keeps the catalog): ``add`` / ``remove`` these keywords."""
    return _write(conn, photo_ids, SidecarChange(add_keywords=tuple(add),
                                                 remove_keywords=tuple(remove)), settings)  # fmt: skip


def _clean(keywords: Sequence[str]) -> tuple[str, ...]:
    cleaned = tuple(dict.fromkeys(" ".join(k.split()) for k in keywords if k.strip()))
    if not cleaned:
        raise ValueError("no keyword given")
    return cleaned


def _write(
    conn: Connection, photo_ids: Sequence[int], change: SidecarChange, settings: Settings
) -> AnnotationReport:
    conn.commit()  # the user's choice is kept whatever happens to the sidecars
    report = AnnotationReport(photos=len(photo_ids))
    if settings.sidecars != "sidecar":
        report.note = f"sidecars are {settings.sidecars} in the settings: the catalog only"
        return report
    for photo_id, photo in sorted(store.photo_paths(conn, photo_ids).items()):
        try:
            written = update_sidecar(Path(photo["path"]), change, backups=backup_folder())
        except SidecarError as exc:
            report.failed.append((photo["path"], str(exc)))
        else:
            report.sidecars.append(str(written))
            store.set_sidecar(conn, photo_id, str(written))
    conn.commit()
    return report
