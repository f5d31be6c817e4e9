"""People: the engine API every front end calls (the CLI now, the GUI's People view later).

Every function takes a catalog connection and leaves the commit to the caller (the CLI commits;
the GUI runs these through the catalog writer, off the UI thread). Person ids are strings in
every result, as in ``imgengine photos --json``. Users' edits (rename, merge, "not this person",
hide, name a face) are journaled and ``undo`` reverts the last one. Naming and merging pin the
person's faces: a re-cluster never moves a pinned face, and never puts a face back into a person
it was removed from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from imgengine_gui.analysis import people as clustering
from imgengine_gui.catalog import Connection, Row
from imgengine_gui.catalog import people as store

FULL_RECLUSTER_SHARE = 0.2  # more new faces than this share of all: re-cluster everything


class PeopleError(ValueError):
    """An unknown person or face, or an edit that cannot apply; the message says which."""


@dataclass
class PeopleUpdate:
    faces: int = 0  # faces with a descriptor
    new_faces: int = 0  # of which new since the last update
    joined: int = 0  # new faces that joined a person
    new_people: int = 0
    full: bool = False
    people: int = 0  # persons with faces after the update


# --- reading ----------------------------------------------------------------------------------------


def list_people(conn: Connection, include_hidden: bool = False) -> list[dict[str, Any]]:
    """``[{"id", "name", "faces", "photos", "hidden", "best_face"}]``, most photos first.

    ``best_face``: ``{"face_id", "photo_id", "box", "path", "thumbnail", "preview"}`` (box
    normalised to the oriented photo), the crop a tile shows.
    """
    return store.list_people(conn, include_hidden)


def photo_faces(conn: Connection, photo_id: int) -> list[dict[str, Any]]:
    """A photo's faces: ``face_id``, ``box``, ``person``, ``name``, ``identifiable``, ``pinned``."""
    return store.photo_faces(conn, photo_id)


def face_at(conn: Connection, photo_id: int, box: Sequence[float]) -> dict[str, Any]:
    """The face of a photo drawn with this box (as ``photo_faces`` gives it); PeopleError when
    the photo has no such face (it was analysed again since it was shown)."""
    wanted = store.box_text(box)
    for face in store.photo_faces(conn, photo_id):
        if store.box_text(face["box"]) == wanted:
            return face
    raise PeopleError(f"photo {photo_id} has no face at {wanted}")


def last_edit_kind(conn: Connection) -> str | None:
    """What ``undo`` would revert ("merge", "not this person", ...), or None."""
    last = store.last_edit(conn) if store.has_people(conn) else None
    return last[1] if last else None


def resolve(conn: Connection, name_or_id: str) -> list[int]:
    """Person ids matching an id or a name (case-insensitive); PeopleError when none does."""
    found = store.find_persons(conn, name_or_id)
    if not found:
        raise PeopleError(f"no person with id or name {name_or_id!r} (see `imgengine people`)")
    return found


# --- clustering -------------------------------------------------------------------------------------


def update_people(conn: Connection, *, full: bool = False) -> PeopleUpdate:
    """Put new faces into people: incrementally, or by a full re-cluster when asked or when most
    faces are new. Users' decisions hold either way."""
    table = store.identifiable_faces(conn)
    n = len(table.ids)
    pending = ~table.clustered
    summary = PeopleUpdate(faces=n, new_faces=int(pending.sum()))
    if n == 0:
        store.drop_empty_persons(conn)
        return summary
    index = {int(face): i for i, face in enumerate(table.ids)}
    rejected = {index[f]: people for f, people in table.rejected.items() if f in index}
    faces = clustering.Faces(table.vectors, table.person.copy(), table.pinned, rejected)
    summary.full = full or summary.new_faces > FULL_RECLUSTER_SHARE * n
    if summary.full:
        result = clustering.recluster(faces)
    else:
        result = _incremental(faces, np.flatnonzero(pending & ~table.pinned), summary)
    fresh = sorted({int(p) for p in result if p < -1}, reverse=True)
    ids = dict(zip(fresh, store.new_persons(conn, len(fresh)), strict=True))
    final = [ids.get(int(p), int(p)) for p in result]
    summary.new_people = len(fresh)
    changed = np.flatnonzero((np.asarray(final) != table.person) | pending)
    store.assign(
        conn,
        [int(table.ids[i]) for i in changed],
        [final[i] if final[i] >= 0 else None for i in changed],
    )
    store.drop_empty_persons(conn)
    summary.people = len({p for p in final if p >= 0})
    return summary


def _incremental(faces: clustering.Faces, new: np.ndarray, summary: PeopleUpdate) -> np.ndarray:
    faces.person[new] = -1  # a re-described face's old person is only a hint: check it again
    joined = clustering.join_people(faces, new)
    faces.person[new] = joined
    summary.joined = int((joined >= 0).sum())
    result = faces.person.copy()
    for number, group in enumerate(clustering.new_groups(faces, new)):
        result[group] = -2 - number
    return result


def recluster(conn: Connection) -> PeopleUpdate:
    """Re-cluster every face from scratch, keeping names, pins, merges and rejections."""
    return update_people(conn, full=True)


# --- users' edits (journaled, undoable) -----------------------------------------------------------


def rename(conn: Connection, person: str | int, name: str | None) -> None:
    """Name a person (None or "" clears the name). Its faces become pinned: confirmed by the user.
    A name another person has already is refused: the two are merged instead (``merge``)."""
    person_id = _person(conn, person)
    taken = [p for p in store.find_persons(conn, (name or "").strip()) if p != person_id
             and not (name or "").strip().isdigit()]  # fmt: skip
    if taken:
        raise PeopleError(f'"{name.strip()}" is person {taken[0]} already: merge the two instead'
                          f" (imgengine people merge {taken[0]} {person_id})")  # fmt: skip
    faces = store.faces_of(conn, [person_id])
    store.journal(conn, "rename", store.snapshot(conn, faces, [person_id]))
    store.set_person_fields(conn, person_id, name=(name or "").strip() or None)
    store.move_faces(conn, faces, person_id, pinned=True)


def merge(conn: Connection, target: str | int, sources: Sequence[str | int]) -> int:
    """Move every face of ``sources`` into ``target`` (pinned); returns the faces moved. The
    target keeps its name, or takes the first source's name when it has none."""
    target_id = _person(conn, target)
    source_ids = [i for i in dict.fromkeys(_person(conn, s) for s in sources) if i != target_id]
    if not source_ids:
        raise PeopleError("merge needs at least one other person than the target")
    everyone = [target_id, *source_ids]
    faces = store.faces_of(conn, everyone)
    store.journal(conn, "merge", store.snapshot(conn, faces, everyone))
    names = {p["id"]: p["name"] for p in store.list_people(conn, include_hidden=True)}
    if not names.get(str(target_id)):
        name = next((names.get(str(s)) for s in source_ids if names.get(str(s))), None)
        if name:
            store.set_person_fields(conn, target_id, name=name)
    store.move_faces(conn, faces, target_id, pinned=True)
    store.delete_persons(conn, source_ids)
    return len(faces)


def not_this_person(conn: Connection, face_id: int) -> None:
    """Take a face out of its person; no re-cluster will put it back there."""
    row = _face(conn, face_id)
    if row["person_id"] is None:
        raise PeopleError(f"face {face_id} belongs to no person")
    store.journal(conn, "not this person", store.snapshot(conn, [face_id], [row["person_id"]]))
    store.reject(conn, face_id, row["person_id"])
    store.move_faces(conn, [face_id], None, pinned=False)


def hide(conn: Connection, person: str | int, hidden: bool = True) -> None:
    """Hide a person from the people list (its faces keep their person); False shows it again."""
    person_id = _person(conn, person)
    store.journal(conn, "hide" if hidden else "show", store.snapshot(conn, [], [person_id]))
    store.set_person_fields(conn, person_id, hidden=int(hidden))


def name_face(conn: Connection, face_id: int, name: str) -> str:
    """Say who a face is: it joins the person of that name (or a new one), pinned; returns the
    person's id. A face without a descriptor can be named too (it is then only pinned)."""
    name = name.strip()
    if not name:
        raise PeopleError("a name is needed")
    row = _face(conn, face_id)
    existing = store.find_persons(conn, name)
    named = [p for p in existing if str(p) != name]  # a name, not an id
    # a new person is made before the snapshot, unnamed, so that undo leaves it empty and it goes
    person_id = named[0] if named else store.new_persons(conn, 1)[0]
    touched = [p for p in (row["person_id"], person_id) if p is not None]
    store.journal(conn, "name face", store.snapshot(conn, [face_id], touched))
    store.set_person_fields(conn, person_id, name=name)
    store.unreject(conn, face_id, person_id)
    store.move_faces(conn, [face_id], person_id, pinned=True)
    store.drop_empty_persons(conn)
    return str(person_id)


def name_person_of_face(conn: Connection, face_id: int, name: str) -> str:
    """Say who a face is, as photo apps do: a face of an unnamed person names that person (all
    its faces, as ``rename``), or, when someone already has the name, merges it into them (as
    ``merge``, except faces the user said are not them: they stay behind). A face of a named
    person, or of none, moves alone (``name_face``). Returns the person's id; one undo."""
    name = name.strip()
    person = _face(conn, face_id)["person_id"]
    if not name or person is None or store.person_name(conn, person):
        return name_face(conn, face_id, name)
    named = [p for p in store.find_persons(conn, name) if str(p) != name and p != person]
    faces = store.faces_of(conn, [person])
    before = store.snapshot(conn, faces, [person, *named[:1]])
    store.journal(conn, "name person", before)
    if not named:
        store.set_person_fields(conn, person, name=name)
        store.move_faces(conn, faces, person, pinned=True)
        return str(person)
    target = named[0]
    refused = {face for face, rejected_from in before["rejections"] if rejected_from == target}
    store.unreject(conn, face_id, target)  # this face the user names, whatever was said before
    store.move_faces(conn, [f for f in faces if f == face_id or f not in refused], target,
                     pinned=True)
    store.drop_empty_persons(conn)
    return str(target)


def move_face(conn: Connection, face_id: int, person: str | int) -> None:
    """Put a face into an existing person (pinned), e.g. after dragging it onto a tile."""
    person_id = _person(conn, person)
    row = _face(conn, face_id)
    touched = [p for p in (row["person_id"], person_id) if p is not None]
    store.journal(conn, "move face", store.snapshot(conn, [face_id], touched))
    store.unreject(conn, face_id, person_id)
    store.move_faces(conn, [face_id], person_id, pinned=True)
    store.drop_empty_persons(conn)


def undo(conn: Connection) -> str | None:
    """Revert the last people edit not yet undone; returns its kind, or None when there is none."""
    last = store.last_edit(conn)
    if last is None:
        return None
    edit_id, kind, before = last
    store.restore(conn, edit_id, before)
    store.drop_empty_persons(conn)
    return kind


def forget_faces(conn: Connection, *, confirmed: bool) -> dict[str, int]:
    """Delete every face descriptor and person (names included) and the edit journal. Refused
    unless ``confirmed``: front ends ask first. Face boxes from the detector stay."""
    if not confirmed:
        raise PeopleError("forgetting faces deletes every descriptor and person: confirm first")
    return store.forget_all(conn)


def _person(conn: Connection, person: str | int) -> int:
    text = str(person).strip()
    if not text.isdigit() or not store.person_exists(conn, int(text)):
        raise PeopleError(f"no person with id {text!r} (see `imgengine people`)")
    return int(text)


def _face(conn: Connection, face_id: int) -> Row:
    row = store.face_row(conn, face_id)
    if row is None:
        raise PeopleError(f"no face with id {face_id}")
    return row
