"""Helpers shared by the CLI commands."""

from __future__ import annotations

import argparse
import enum
import os
import sys
from pathlib import Path

from imgengine_gui.catalog.errors import (
    CatalogBusy,
    CatalogError,
    CatalogMissing,
    CatalogNotWritable,
    CatalogUnusable,
)
from imgengine_gui.settings import Settings, default_catalog_path


class Exit(enum.IntEnum):
    """The `imgengine` exit codes (documented in `imgengine --help`)."""

    OK = 0
    FILES_FAILED = 1
    USAGE = 2
    CATALOG_UNUSABLE = 3
    CATALOG_NOT_WRITABLE = 4
    CATALOG_BUSY = 5
    RUN_FAILED = 6
    NO_DISPLAY = 7
    INTERRUPTED = 130


EXIT_CODES_HELP = """exit codes:
  0    done (photos that are themselves unreadable are listed, and retried only when changed)
  1    some files could not be moved to the trash or restored from it (each one is listed)
  2    usage: bad arguments, folder not found, no catalog yet, catalog or cache inside the
       photo folder
  3    the catalog is unusable: a folder, not an Image Engine catalog, or made by a newer
       Image Engine (nothing was changed in it)
  4    the catalog cannot be written: read-only, disk full, or results it did not take
  5    another analysis is running on this catalog
  6    too many photos failed for reasons outside the photos (disk full, permissions...):
       fix that and run again; those photos are retried
  7    the desktop app cannot start (no display)
  130  interrupted (Ctrl-C): the work done so far is kept; run again to resume"""


def exit_code_for(error: CatalogError) -> Exit:
    if isinstance(error, CatalogMissing):
        return Exit.USAGE
    if isinstance(error, CatalogUnusable):
        return Exit.CATALOG_UNUSABLE
    if isinstance(error, CatalogNotWritable):
        return Exit.CATALOG_NOT_WRITABLE
    if isinstance(error, CatalogBusy):
        return Exit.CATALOG_BUSY
    return Exit.CATALOG_UNUSABLE


class UsageError(Exception):
    """Bad arguments: printed as one line, exit code 2."""


def add_catalog_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog",
        type=Path,
        default=None,
        help="catalog file (default: per-user data folder; env IMGENGINE_HOME moves it)",
    )


def catalog_path(args: argparse.Namespace) -> Path:
    return Path(args.catalog).expanduser() if args.catalog else default_catalog_path()


def existing_catalog(args: argparse.Namespace) -> Path:
    path = catalog_path(args)
    if path.is_dir():
        raise CatalogUnusable(
            f"{path} is a folder, not a catalog file: pass a file name, e.g. "
            f"--catalog {path / 'catalog.sqlite'}"
        )
    if not path.is_file():
        raise UsageError(f"no catalog at {path}: run `imgengine analyze FOLDER` first")
    return path


def add_runtime_options(parser: argparse.ArgumentParser) -> None:
    spec = {s["name"]: s for s in Settings.field_specs()}
    for name in ("device", "backend", "precision"):
        parser.add_argument(
            f"--{name}", choices=spec[name]["choices"], default=None, help=spec[name]["help"]
        )
    parser.add_argument("--batch-size", type=int, default=None, help=spec["batch_size"]["help"])


def settings_from(args: argparse.Namespace) -> Settings:
    overrides = {
        name: getattr(args, name, None)
        for name in ("device", "backend", "precision", "batch_size", "workers")
    }
    try:
        return Settings.load().with_overrides(**overrides)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def error(message: str) -> None:
    print(f"imgengine: {message}", file=sys.stderr)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must be 0 or more")
    return value


def resolve_folder(text: str) -> Path:
    path = Path(os.path.expanduser(text))
    if not path.exists():
        raise UsageError(f"folder not found: {text}")
    if not path.is_dir():
        raise UsageError(f"not a folder: {text}")
    return path.resolve()
