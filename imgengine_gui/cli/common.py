"""Helpers shared by the CLI commands."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from imgengine_gui.settings import Settings, default_catalog_path


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
