"""People work the UI hands to the ``library`` lane: each job opens its own catalog connection,
calls ``engine.people`` and commits (no Qt here). Reads and edits share the lane, so a list read
after an edit always sees it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imgengine_gui.catalog.reader import opened
from imgengine_gui.engine import people


@dataclass
class PeopleState:
    """What the People panel shows, read in one go."""

    people: list[dict[str, Any]] = field(default_factory=list)  # engine.people.list_people rows
    undo_kind: str | None = None  # what Undo would revert


def read_state(catalog: Path, include_hidden: bool) -> PeopleState:
    if not Path(catalog).exists():
        return PeopleState()
    with opened(catalog, readonly=True) as conn:
        from imgengine_gui.catalog.people import has_people

        if not has_people(conn):
            return PeopleState()
        return PeopleState(people.list_people(conn, include_hidden), people.last_edit_kind(conn))


def edit(catalog: Path, change: Callable[[Any], Any]) -> Any:
    """Run one engine edit (``change(conn)``) and commit it; PeopleError passes through."""
    with opened(catalog) as conn:
        result = change(conn)
        conn.commit()
        return result


def rename(catalog: Path, person: str, name: str) -> str:
    edit(catalog, lambda conn: people.rename(conn, person, name))
    return f"Renamed to {name}" if name else "Name cleared"


def merge(catalog: Path, target: str, sources: Sequence[str]) -> str:
    moved = edit(catalog, lambda conn: people.merge(conn, target, sources))
    return f"Merged {len(sources) + 1} people ({moved} faces)"


def hide(catalog: Path, person: str, hidden: bool) -> str:
    edit(catalog, lambda conn: people.hide(conn, person, hidden))
    return "Person hidden" if hidden else "Person shown again"


def not_this_person(catalog: Path, photo_id: int, box: Sequence[float]) -> str:
    def change(conn: Any) -> str:
        face = people.face_at(conn, photo_id, box)
        people.not_this_person(conn, face["face_id"])
        return face["name"] or f"person {face['person']}"

    return f"Face removed from {edit(catalog, change)}"


def name_face(catalog: Path, photo_id: int, box: Sequence[float], name: str) -> str:
    """Name the face's person when it has no name yet (or merge it into the person already
    called so); otherwise this face alone (``engine.people.name_person_of_face``)."""
    name = name.strip()

    def change(conn: Any) -> str:
        face = people.face_at(conn, photo_id, box)
        person = people.name_person_of_face(conn, face["face_id"], name)
        if face["person"] is None or face["name"]:
            return f"Face named {name}"
        was = f"Unnamed {face['person']}"
        return f"{was} is now {name}" if person == face["person"] else f"{was} merged into {name}"

    return edit(catalog, change)


def undo(catalog: Path) -> str:
    kind = edit(catalog, people.undo)
    return f"Undone: {kind}" if kind else "Nothing to undo"


def forget(catalog: Path) -> str:
    if not Path(catalog).exists():
        return "No faces to forget"
    counts = edit(catalog, lambda conn: people.forget_faces(conn, confirmed=True))
    return f"Forgot {counts['descriptors']} face descriptors and {counts['people']} people"
