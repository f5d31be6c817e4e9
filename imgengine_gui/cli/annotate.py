"""`imgengine rate`, `imgengine flag`, `imgengine keyword`: annotate cataloged photos.

What is set is kept in the catalog and, with the ``sidecars`` setting at "sidecar" (the
default), written to each photo's XMP sidecar (photo.jpg.xmp), never into the photo.
Exit codes: 0 done, 1 some sidecars could not be written (the catalog has the change),
2 bad arguments or photos that are not in the catalog.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from imgengine_gui.catalog import annotations as store
from imgengine_gui.catalog.db import connect
from imgengine_gui.cli.common import UsageError, add_catalog_option, existing_catalog
from imgengine_gui.settings import Settings

_WHERE = "kept in the catalog and written to XMP sidecars (photo.jpg.xmp), never into the photo"


def add_parsers(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("rate", help=f"set star ratings ({_WHERE})")
    r.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="cataloged photos")
    stars = r.add_mutually_exclusive_group(required=True)
    stars.add_argument("--stars", type=int, choices=range(-1, 6), metavar="N",
                       help="0 to 5 stars; -1 = rejected (Adobe's convention)")  # fmt: skip
    stars.add_argument("--clear", action="store_true", help="remove the rating")
    r.set_defaults(run=run_rate)

    f = sub.add_parser("flag", help=f"flag photos as pick or reject ({_WHERE})")
    f.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="cataloged photos")
    f.add_argument("--as", dest="flag", required=True, choices=("pick", "reject", "none"))
    f.set_defaults(run=run_flag)

    k = sub.add_parser("keyword", help=f"add or remove keywords ({_WHERE})")
    k.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="cataloged photos")
    k.add_argument("--add", action="append", default=[], metavar="KEYWORD",
                   help='repeatable; "Places|Spain|Cadiz" is hierarchical')  # fmt: skip
    k.add_argument("--remove", action="append", default=[], metavar="KEYWORD")
    k.set_defaults(run=run_keyword)
    for parser in (r, f, k):
        add_catalog_option(parser)


def run_rate(args: argparse.Namespace) -> int:
    from imgengine_gui.engine.annotations import set_rating

    return _apply(args, lambda conn, ids, settings: set_rating(
        conn, ids, None if args.clear else args.stars, settings))  # fmt: skip


def run_flag(args: argparse.Namespace) -> int:
    from imgengine_gui.engine.annotations import set_flag

    flag = None if args.flag == "none" else args.flag
    return _apply(args, lambda conn, ids, settings: set_flag(conn, ids, flag, settings))


def run_keyword(args: argparse.Namespace) -> int:
    from imgengine_gui.engine.annotations import add_keywords, remove_keywords

    if not args.add and not args.remove:
        raise UsageError("give --add KEYWORD or --remove KEYWORD")

    def change(conn, ids, settings):
        reports = []
        if args.add:
            reports.append(add_keywords(conn, ids, args.add, settings))
        if args.remove:
            reports.append(remove_keywords(conn, ids, args.remove, settings))
        merged = reports[0]
        for extra in reports[1:]:
            merged.sidecars += [s for s in extra.sidecars if s not in merged.sidecars]
            merged.failed += extra.failed
        return merged

    return _apply(args, change)


def _apply(args: argparse.Namespace, change) -> int:
    conn = connect(existing_catalog(args))
    wanted = [os.path.abspath(os.path.expanduser(p)) for p in args.paths]
    known = store.photos_by_path(conn, wanted)
    unknown = [p for p in wanted if p not in known]
    if unknown:
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        raise UsageError(f"not in the catalog: {unknown[0]}{more}; run `imgengine analyze` first")
    try:
        report = change(conn, [known[p]["id"] for p in wanted], Settings.load())
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    for sidecar in report.sidecars:
        print(f"wrote {sidecar}")
    for path, why in report.failed:
        print(f"imgengine: sidecar not written for {path}: {why}", file=sys.stderr)
    if report.note:
        print(report.note, file=sys.stderr)
    print(f"{report.photos} photos updated in the catalog", file=sys.stderr)
    return 1 if report.failed else 0
