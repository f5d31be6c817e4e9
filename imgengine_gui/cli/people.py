"""`imgengine people`: list, name, merge, hide people; correct faces; undo; re-cluster; forget."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from imgengine_gui.catalog.db import connect
from imgengine_gui.cli.common import UsageError, add_catalog_option, existing_catalog


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("people", help="people recognised in the photos (faces grouped by person)")
    add_catalog_option(p)
    p.add_argument("--json", action="store_true", help='[{"id", "name", "faces", "photos"}]')
    p.add_argument("--all", action="store_true", help="hidden people too")
    p.set_defaults(run=run_list)
    verbs = p.add_subparsers(dest="verb", metavar="ACTION")

    def verb(name: str, help: str, run) -> argparse.ArgumentParser:
        v = verbs.add_parser(name, help=help)
        add_catalog_option(v)
        v.set_defaults(run=run)
        return v

    v = verb("name", "name a person (\"\" clears the name)", run_name)
    v.add_argument("id")
    v.add_argument("name")
    v = verb("merge", "merge people into the first one", run_merge)
    v.add_argument("ids", nargs="+", metavar="ID")
    v = verb("hide", "hide a person from the list", run_hide)
    v.add_argument("id")
    v = verb("show", "show a hidden person again", run_show)
    v.add_argument("id")
    v = verb("faces", "the faces of one photo, with their ids", run_faces)
    v.add_argument("photo", type=Path)
    v.add_argument("--json", action="store_true")
    v = verb("not", "this face is not its person (it leaves, and never comes back)", run_not)
    v.add_argument("face", type=int, metavar="FACE_ID")
    v = verb("name-face", "say who a face is", run_name_face)
    v.add_argument("face", type=int, metavar="FACE_ID")
    v.add_argument("name")
    verb("undo", "undo the last people edit", run_undo)
    verb("recluster", "group every face again (names, merges and corrections are kept)", run_recluster)
    v = verb("forget", "delete every face descriptor and person", run_forget)
    v.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")


def _connect(args: argparse.Namespace):
    return connect(existing_catalog(args))


def _edit(args: argparse.Namespace, action) -> int:
    from imgengine_gui.engine.people import PeopleError

    conn = _connect(args)
    try:
        message = action(conn)
    except PeopleError as exc:
        raise UsageError(str(exc)) from exc
    conn.commit()
    if message:
        print(message)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from imgengine_gui.engine.people import list_people

    people = list_people(_connect(args), include_hidden=args.all)
    if args.json:
        keys = ("id", "name", "faces", "photos")
        json.dump([{k: p[k] for k in keys} for p in people], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    for p in people:
        hidden = " (hidden)" if p["hidden"] else ""
        print(f"{p['id']}\t{p['name'] or '(unnamed)'}{hidden}\t{p['photos']} photos\t{p['faces']} faces")
    print(f"{len(people)} people", file=sys.stderr)
    return 0


def run_name(args: argparse.Namespace) -> int:
    from imgengine_gui.engine.people import rename

    def act(conn):
        rename(conn, args.id, args.name)
        return f"person {args.id} is now {args.name!r}" if args.name else f"person {args.id} unnamed"

    return _edit(args, act)


def run_merge(args: argparse.Namespace) -> int:
    from imgengine_gui.engine.people import merge

    if len(args.ids) < 2:
        raise UsageError("merge needs two or more person ids: the first one keeps the faces")

    def act(conn):
        moved = merge(conn, args.ids[0], args.ids[1:])
        return f"merged {', '.join(args.ids[1:])} into {args.ids[0]} ({moved} faces)"

    return _edit(args, act)


def run_hide(args: argparse.Namespace) -> int:
    from imgengine_gui.engine.people import hide

    return _edit(args, lambda conn: hide(conn, args.id) or f"person {args.id} hidden")


def run_show(args: argparse.Namespace) -> int:
    from imgengine_gui.engine.people import hide

    return _edit(args, lambda conn: hide(conn, args.id, False) or f"person {args.id} shown")


def run_faces(args: argparse.Namespace) -> int:
    from imgengine_gui.catalog.queries import photo_by_path
    from imgengine_gui.engine.people import photo_faces

    conn = _connect(args)
    row = photo_by_path(conn, str(args.photo.expanduser().resolve()))
    if row is None:
        raise UsageError(f"{args.photo} is not in the catalog")
    faces = photo_faces(conn, row["id"])
    if args.json:
        json.dump(faces, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    for f in faces:
        who = f["name"] or (f"person {f['person']}" if f["person"] else "-")
        box = ", ".join(f"{v:.3f}" for v in f["box"])
        note = "" if f["identifiable"] else "  (too small or blurred to recognise)"
        print(f"face {f['face_id']}\t[{box}]\t{who}{note}")
    return 0


def run_not(args: argparse.Namespace) -> int:
    from imgengine_gui.engine.people import not_this_person

    return _edit(args, lambda conn: not_this_person(conn, args.face) or f"face {args.face} removed")


def run_name_face(args: argparse.Namespace) -> int:
    from imgengine_gui.engine.people import name_face

    def act(conn):
        person = name_face(conn, args.face, args.name)
        return f"face {args.face} is {args.name} (person {person})"

    return _edit(args, act)


def run_undo(args: argparse.Namespace) -> int:
    from imgengine_gui.engine.people import undo

    return _edit(args, lambda conn: f"undone: {kind}" if (kind := undo(conn)) else "nothing to undo")


def run_recluster(args: argparse.Namespace) -> int:
    from imgengine_gui.engine.people import recluster

    def act(conn):
        s = recluster(conn)
        return f"{s.faces} faces grouped into {s.people} people ({s.new_people} new)"

    return _edit(args, act)


def run_forget(args: argparse.Namespace) -> int:
    from imgengine_gui.engine.people import forget_faces

    if not args.yes:
        raise UsageError(
            "this deletes every face descriptor and person, names included; "
            "run again with --yes to confirm"
        )

    def act(conn):
        counts = forget_faces(conn, confirmed=True)
        return (
            f"forgot {counts['descriptors']} face descriptors and {counts['people']} people"
            "; the next analysis describes faces again unless the recognize_people setting is off"
        )

    return _edit(args, act)
