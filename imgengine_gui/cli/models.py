"""`imgengine search`, `imgengine cutout`, `imgengine models`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from imgengine_gui.catalog import Connection
from imgengine_gui.catalog.db import connect
from imgengine_gui.cli.common import (
    UsageError,
    add_catalog_option,
    add_runtime_options,
    catalog_path,
    existing_catalog,
    settings_from,
)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("search", help="find photos by text (CLIP) or by a similar photo")
    add_catalog_option(s)
    s.add_argument("text", nargs="?", help='what to look for, e.g. "dog on the beach"')
    s.add_argument("--similar", type=Path, help="photos that look like this one")
    s.add_argument("--limit", type=int, default=20)
    s.add_argument("--json", action="store_true")
    s.set_defaults(run=run_search)

    c = sub.add_parser("cutout", help="remove the background of a photo")
    add_catalog_option(c)
    c.add_argument("path", type=Path)
    c.add_argument("-o", "--output", type=Path, required=True, help="RGBA PNG to write")
    add_runtime_options(c)
    c.set_defaults(run=run_cutout)

    m = sub.add_parser(
        "models", help="which model serves each task, where it was looked for, and what runs it"
    )
    m.add_argument("--json", action="store_true")
    m.add_argument(
        "--no-load",
        action="store_true",
        help="only look for the files: skip loading the models (then device, backend and "
        "precision are not known)",
    )
    add_runtime_options(m)
    m.set_defaults(run=run_models)
    from imgengine_gui.cli import model_commands

    model_commands.add_parsers(m)


def run_search(args: argparse.Namespace) -> int:
    from imgengine_gui.engine.search import SearchUnavailable, search_similar, search_text

    if bool(args.text) == bool(args.similar):
        raise UsageError('give either a text ("dog on the beach") or --similar PATH')
    conn = connect(existing_catalog(args))
    try:
        if args.similar:
            hits = search_similar(conn, args.similar, args.limit)
        else:
            hits = search_text(conn, args.text, settings_from(args), args.limit)
    except SearchUnavailable as exc:
        print(f"imgengine: {exc}", file=sys.stderr)
        return 1
    if args.json:
        json.dump([{"path": h.path, "score": round(h.score, 4)} for h in hits], sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        for h in hits:
            print(f"{h.score:.3f}\t{h.path}")
    return 0


def run_cutout(args: argparse.Namespace) -> int:
    from imgengine_gui.analysis.errors import PhotoError
    from imgengine_gui.engine.cutout import cut_out

    if not args.path.is_file():
        raise UsageError(f"file not found: {args.path}")
    if args.output.suffix.lower() != ".png":
        raise UsageError("the cutout is written as PNG: give an output name ending in .png")
    conn: Connection | None = None
    if catalog_path(args).is_file():
        conn = connect(catalog_path(args))
    try:
        result = cut_out(args.path, settings_from(args), conn, long_side=None)
    except PhotoError as exc:
        raise UsageError(f"{args.path}: {exc}") from exc
    args.output.parent.mkdir(parents=True, exist_ok=True)
    result.rgba.save(args.output, format="PNG", compress_level=3)
    print(f"wrote {args.output} ({result.rgba.width}x{result.rgba.height}, {result.method})")
    return 0


def run_models(args: argparse.Namespace) -> int:
    from imgengine_gui.analysis.metadata_exiftool import metadata_report
    from imgengine_gui.cli.model_commands import describe_installed, model_report
    from imgengine_gui.ml.inventory import served_report

    settings = settings_from(args)
    served, notes = served_report(settings, load=not args.no_load)
    installed = {row["task"]: row for row in model_report(settings)}  # hub id, size, revision
    report = [{**installed.get(row["task"], {}), **row} for row in served]
    metadata = metadata_report()
    if args.json:
        document = {"models": report, "metadata": metadata, "notes": notes}
        json.dump(document, sys.stdout, indent=1, default=str)
        sys.stdout.write("\n")
        return 0
    for row in report:
        present = "present" if row.get("present") else "not present"
        print(f"{row['task']}: {row.get('serving')} ({row.get('tier')} tier)")
        print(f"  configured: {row.get('model')} ({present})")
        print(f"  looked in:  {row.get('path') or row.get('looked_in')}")
        if row.get("served"):
            print(f"  served by:  {row['served']}")
        if row.get("present") and row.get("size_bytes") is not None:
            print(f"  installed:  {describe_installed(row)}")
        elif not row.get("present") and row.get("hub_id"):
            print(f"  get it:     imgengine models download {row['task']}")
    print(f"metadata: {metadata['serving']}")
    print(f"  second pass: {metadata['second_pass']}")
    for note in notes:
        print(f"note: {note}")
    return 0
