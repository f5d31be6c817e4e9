"""The `imgengine` command."""

from __future__ import annotations

import argparse
import sys
import warnings

from imgengine_gui import __version__
from imgengine_gui.cli import analyze, annotate, library, models, people, tags
from imgengine_gui.cli.common import (
    EXIT_CODES_HELP,
    Exit,
    UsageError,
    add_catalog_option,
    error,
    exit_code_for,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="imgengine",
        description="Image Engine: a private, fast photo organizer. Photos are never changed.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"imgengine {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    analyze.add_parser(sub)
    library.add_parsers(sub)
    annotate.add_parsers(sub)
    models.add_parsers(sub)
    tags.add_parsers(sub)
    people.add_parsers(sub)
    gui = sub.add_parser("gui", help="open the desktop app (the default)")
    add_catalog_option(gui)
    gui.add_argument("--view", choices=("grid", "duplicates", "settings", "cutout"), default="grid")
    gui.add_argument("--screenshot", help="render the view to this PNG and exit")
    gui.add_argument("--folder", help="select this analyzed folder")
    gui.set_defaults(run=run_gui)
    bench = sub.add_parser("bench", help="measure the pipeline against a naive baseline")
    bench.set_defaults(run=run_bench)
    from imgengine_gui.cli import bench_args

    bench_args.add_arguments(bench)
    return parser


def run_gui(args: argparse.Namespace) -> int:
    from imgengine_gui.cli.gui_launch import launch

    return launch(args)


def run_bench(args: argparse.Namespace) -> int:
    from imgengine_gui.cli.bench_args import run

    return run(args)


def quiet_library_warnings() -> None:
    """Pillow warns on stderr about broken EXIF and large images; runs report those per file."""
    warnings.filterwarnings("ignore", category=UserWarning, module="PIL")
    warnings.filterwarnings("ignore", message=".*DecompressionBomb.*")
    warnings.filterwarnings("ignore", message="Image size .* exceeds limit")


def main(argv: list[str] | None = None) -> int:
    quiet_library_warnings()
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is None:
        args = parser.parse_args(["gui", *(argv if argv is not None else sys.argv[1:])])
    try:
        return args.run(args)
    except UsageError as exc:
        error(str(exc))
        return Exit.USAGE
    except KeyboardInterrupt:
        error("interrupted")
        return Exit.INTERRUPTED
    except BrokenPipeError:
        return Exit.OK
    except Exception as exc:
        import sqlite3

        from imgengine_gui.catalog.errors import CatalogError, write_failure

        if isinstance(exc, sqlite3.OperationalError):  # e.g. the disk filled mid-command
            exc = write_failure(catalog_of(args), exc) or exc
        if isinstance(exc, CatalogError):
            error(str(exc))
            return exit_code_for(exc)
        raise


def catalog_of(args: argparse.Namespace) -> str:
    from imgengine_gui.cli.common import catalog_path

    return str(catalog_path(args)) if hasattr(args, "catalog") else "the catalog"
