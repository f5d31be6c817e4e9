"""`imgengine tags`: teach, review, list, rename and forget personal tags."""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import asdict, replace
from pathlib import Path

from imgengine_gui.catalog import personal_tags as store
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
    tags = sub.add_parser("tags", help="personal tags taught from example photos")
    actions = tags.add_subparsers(dest="action", metavar="ACTION", required=True)

    t = actions.add_parser("teach", help="train (or retrain with more examples) and apply a tag")
    add_catalog_option(t)
    t.add_argument("name", help='the tag, e.g. "my flowers"')
    t.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="photos that show it")
    t.add_argument("--not", dest="negatives", nargs="+", type=Path, default=[], metavar="PATH",
                   help="photos that do not show it")  # fmt: skip
    t.add_argument("--manual", action="store_true", help="no learning: only these photos carry it")
    t.add_argument("--json", action="store_true")
    add_runtime_options(t)  # for photos that must be analyzed first
    t.set_defaults(run=run_teach)

    s = actions.add_parser("suggest", help="photos the tag may fit, the most informative first")
    add_catalog_option(s)
    s.add_argument("name")
    s.add_argument("--limit", type=int, default=10)
    s.add_argument("--json", action="store_true")
    s.set_defaults(run=run_suggest)

    li = actions.add_parser("list", help="the personal tags and how many photos carry each")
    add_catalog_option(li)
    li.add_argument("--json", action="store_true")
    li.set_defaults(run=run_list)

    r = actions.add_parser("rename", help="rename a personal tag")
    add_catalog_option(r)
    r.add_argument("name")
    r.add_argument("new_name")
    r.set_defaults(run=run_rename)

    f = actions.add_parser("forget", help="delete a personal tag and what it learned")
    add_catalog_option(f)
    f.add_argument("name")
    f.set_defaults(run=run_forget)


_UNWRITTEN = "sidecars_unwritten"


def _ask(args: argparse.Namespace, method: str, *params):
    """Call one engine method; its refusals are usage errors (one line, exit 2)."""
    from imgengine_gui.engine.personal_tags import PersonalTagError, PersonalTags

    engine = PersonalTags(connect(existing_catalog(args)), settings=settings_from(args))
    try:
        answer = getattr(engine, method)(*params)
    except PersonalTagError as exc:
        raise UsageError(str(exc)) from exc
    if _report_keywords(engine):
        setattr(args, _UNWRITTEN, True)  # exit 1: some sidecar kept the old keyword
    return answer


def _report_keywords(engine) -> int:
    """One line per sidecar that could not take the tag's keyword; 1 when there was one."""
    report = engine.keywords
    for path, why in report.failed if report else ():
        print(f"imgengine: sidecar not written for {path}: {why}", file=sys.stderr)
    return 1 if report and report.failed else 0


def _print_json(data) -> None:
    json.dump(data, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


def _resolve(paths: list[Path]) -> list[str]:
    resolved = []
    for path in paths:
        full = path.expanduser().resolve()
        if not full.is_file():
            raise UsageError(f"file not found: {path}")
        resolved.append(str(full))
    return resolved


def run_teach(args: argparse.Namespace) -> int:
    from imgengine_gui.engine.personal_tags import (
        NotAnalyzed,
        PersonalTagError,
        PersonalTags,
        analyze_for_teaching,
    )

    positives, negatives = _resolve(args.paths), _resolve(args.negatives)
    wanted = positives + negatives
    if not catalog_path(args).is_file():
        print("analyzing first: there is no catalog yet", file=sys.stderr)
        analyze_for_teaching([Path(p) for p in wanted], catalog_path(args), settings_from(args))
    engine = PersonalTags(connect(catalog_path(args)), settings=settings_from(args))
    for attempt in (1, 2):
        ids = store.photo_ids_by_path(engine.conn, wanted)
        unknown = [p for p in wanted if p not in ids]
        try:
            if unknown:
                raise NotAnalyzed(dict.fromkeys(unknown, "it is not in the catalog"))
            result = engine.teach(
                args.name,
                [ids[p] for p in positives],
                [ids[p] for p in negatives],
                learn=False if args.manual else None,
            )
            break
        except NotAnalyzed as exc:
            if attempt == 2 or exc.failed:
                print(f"imgengine: {exc}", file=sys.stderr)
                return 1
            print(f"analyzing first: {exc}", file=sys.stderr)
            analyze_for_teaching(
                [Path(p) for p in exc.reasons], catalog_path(args), settings_from(args)
            )
        except PersonalTagError as exc:
            raise UsageError(str(exc)) from exc
    if args.json:
        _print_json(asdict(result))
    else:
        print(f'{result.photos} photos carry "{result.name}"')
    person = result.person
    if person is not None and person.person is not None:
        person = replace(person, message=f"{person.message} (imgengine photos --person {person.person})")
    for line in (result.note, person.message if person else None):
        if line:
            print(f"note: {line}", file=sys.stderr)
    return _report_keywords(engine)


def run_suggest(args: argparse.Namespace) -> int:
    hits = _ask(args, "suggestions", args.name, args.limit)
    if args.json:
        _print_json([asdict(h) for h in hits])
    for hit in [] if args.json else hits:
        shown = math.floor(hit.confidence * 1000) / 1000  # a "maybe" never reads 0.500
        print(f"{shown:.3f}\t{hit.path}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    tags = _ask(args, "list")
    if args.json:
        _print_json(tags)
        return 0
    for tag in tags:
        kind = "learned" if tag["learns"] else "manual"
        print(f"{tag['name']}\t{tag['photos']} photos\t{tag['examples']} examples"
              f"\t{tag['rejected']} rejected\t{kind}")  # fmt: skip
    print(f"{len(tags)} personal tags", file=sys.stderr)
    return 0


def run_rename(args: argparse.Namespace) -> int:
    print(f'renamed to "{_ask(args, "rename", args.name, args.new_name)}"')
    return 1 if _UNWRITTEN in vars(args) else 0


def run_forget(args: argparse.Namespace) -> int:
    print(f'forgot "{_ask(args, "forget", args.name)}"')
    return 1 if _UNWRITTEN in vars(args) else 0
