"""`imgengine photos` and `imgengine duplicates`."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from imgengine_gui.catalog import clusters as clusters_store
from imgengine_gui.catalog import inventory, personal_tags, queries
from imgengine_gui.catalog.db import connect
from imgengine_gui.cli.common import UsageError, add_catalog_option, existing_catalog


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("photos", help="list cataloged photos")
    add_catalog_option(p)
    p.add_argument("--json", action="store_true", help="one JSON array of photo objects")
    p.add_argument("--folder", help="only photos under this folder")
    p.add_argument("--scene", action="append", default=[], help="with this scene tag (repeatable)")
    p.add_argument("--object", action="append", default=[], help="with this object (repeatable)")
    p.add_argument("--tag", action="append", default=[], help="with this personal tag (repeatable)")
    people = p.add_mutually_exclusive_group()
    people.add_argument("--people", dest="people", action="store_true", default=None)
    people.add_argument("--no-people", dest="people", action="store_false")
    p.add_argument("--errors", action="store_true", help="only photos with errors")
    p.add_argument("--person", help="only photos of this person (name or id)")
    p.set_defaults(run=run_photos)

    g = sub.add_parser("purge", help="forget photos whose files are gone (missing)")
    add_catalog_option(g)
    g.add_argument("--dry-run", action="store_true", help="only list what would be forgotten")
    g.set_defaults(run=run_purge)

    d = sub.add_parser("duplicates", help="list, export or trash duplicate clusters")
    add_catalog_option(d)
    d.add_argument("--export", type=Path, help="write clusters to FILE (.json or .csv)")
    d.add_argument("--keep", type=Path, help="make this file the keeper of its cluster")
    d.add_argument("--trash", action="store_true", help="move non-kept copies to the system trash")
    d.add_argument("--dry-run", action="store_true", help="with --trash: only list what would move")
    d.add_argument("--undo", action="store_true", help="restore the last trashed files")
    d.add_argument("--json", action="store_true", help="print clusters as JSON")
    d.set_defaults(run=run_duplicates)


def run_photos(args: argparse.Namespace) -> int:
    conn = connect(existing_catalog(args))
    folder = str(Path(args.folder).expanduser().resolve()) if args.folder else None
    f = queries.PhotoFilter(
        folder=folder,
        scenes=tuple(args.scene),
        objects=tuple(args.object),
        tags=tuple(args.tag),
        people=args.people,
        has_errors=True if args.errors else None,
        persons=_persons(conn, args.person),
    )
    for name in args.tag:
        if personal_tags.find_tag(conn, name) is None:
            raise UsageError(f'no personal tag named "{name}" (see `imgengine tags list`)')
    photos = queries.list_photos(conn, f)
    if args.json:
        json.dump(photos, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    for photo in photos:
        tags = ", ".join(t["label"] for t in (photo["scenes"] or [])[:3])
        size = f"{photo['width']}x{photo['height']}" if photo["width"] else "?"
        detail = photo["error"] or " ".join(
            x for x in (photo["taken_at"] or "", photo["camera_model"] or "", tags) if x
        )
        print(f"{photo['path']}\t{size}\t{detail}")
    print(f"{len(photos)} photos", file=sys.stderr)
    return 0


def _persons(conn, name_or_id: str | None) -> tuple[int, ...]:
    if name_or_id is None:
        return ()
    from imgengine_gui.engine.people import PeopleError, resolve

    try:
        return tuple(resolve(conn, name_or_id))
    except PeopleError as exc:
        raise UsageError(str(exc)) from exc


def export_clusters(clusters: list[dict], path: Path) -> None:
    fields = ("path", "keep", "width", "height", "size_bytes", "reason")
    if path.suffix.lower() == ".json":
        data = {
            "clusters": [
                {
                    "id": c["id"],
                    "kind": c["kind"],
                    "files": [{k: f[k] for k in fields} for f in c["files"]],
                }
                for c in clusters
            ]
        }
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    elif path.suffix.lower() == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(("cluster_id", "kind", *fields))
            for c in clusters:
                for f in c["files"]:
                    writer.writerow((c["id"], c["kind"], *(f[k] for k in fields)))
    else:
        raise UsageError(f"--export needs a .json or .csv file name, not {path.name}")


def run_duplicates(args: argparse.Namespace) -> int:
    from imgengine_gui.engine import trash
    from imgengine_gui.engine.duplicates import set_keeper

    conn = connect(existing_catalog(args))
    for path in trash.reconcile(conn):  # moves of an interrupted trash, journaled now
        print(f"found in the trash (undoable): {path}", file=sys.stderr)
    if args.undo:
        report = trash.undo_last(conn)
        if report.action_id is None:
            print("Nothing to undo.")
        for path in report.moved:
            print(f"restored {path}")
        for path, why in report.failed:
            print(f"not restored {path}: {why}", file=sys.stderr)
        return 1 if report.failed else 0
    if args.keep:
        target = str(args.keep.expanduser().resolve())
        member = clusters_store.cluster_of_path(conn, target)
        if member is None:
            raise UsageError(f"{args.keep} is not in any duplicate cluster")
        set_keeper(conn, *member)
        conn.commit()
        print(f"keeping {target}")
    clusters = queries.clusters(conn)
    if args.trash:
        report = trash.trash_photos(conn, trash.losers(conn), dry_run=args.dry_run)
        verb = "would move to trash" if args.dry_run else "moved to trash"
        for path in report.moved:
            print(f"{verb}: {path}")
        for path, why in report.failed:
            print(f"failed: {path}: {why}", file=sys.stderr)
        if not args.dry_run and report.moved:
            print(f"{len(report.moved)} files moved to the trash; undo with `imgengine duplicates --undo`")
        return 1 if report.failed else 0
    if args.export:
        export_clusters(clusters, args.export)
        print(f"wrote {len(clusters)} clusters to {args.export}", file=sys.stderr)
    if args.json:
        json.dump({"clusters": clusters}, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    elif not args.export:
        for c in clusters:
            print(f"cluster {c['id']} ({c['kind']}, {len(c['files'])} files)")
            for f in c["files"]:
                mark = "keep " if f["keep"] else "     "
                print(f"  {mark}{f['path']}  {f['width']}x{f['height']}  {f['size_bytes']} B  {f['reason']}")
        print(f"{len(clusters)} clusters", file=sys.stderr)
    return 0


def run_purge(args: argparse.Namespace) -> int:
    conn = connect(existing_catalog(args))
    missing = inventory.missing_paths(conn)
    for path in missing:
        print(f"{'would forget' if args.dry_run else 'forgot'}: {path}")
    if not args.dry_run:
        inventory.forget_missing_photos(conn)
        conn.commit()
    print(f"{len(missing)} missing photos {'to forget' if args.dry_run else 'forgotten'}", file=sys.stderr)
    return 0
