"""`imgengine analyze DIR`: catalog a folder with a progress bar; Ctrl-C stops cleanly."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator

from imgengine_gui.cli.common import (
    Exit,
    UsageError,
    add_catalog_option,
    add_runtime_options,
    catalog_path,
    error,
    positive_int,
    resolve_folder,
    settings_from,
)
from imgengine_gui.settings import PHASES


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="catalog a folder of photos")
    p.add_argument("folder", help="folder to analyze (never written to)")
    add_catalog_option(p)
    p.add_argument(
        "--phases",
        default=",".join(PHASES),
        help="comma-separated: metadata,content,ml (default: all)",
    )
    p.add_argument("--workers", type=positive_int, default=None, help="decode threads (0 = cores)")
    add_runtime_options(p)
    p.add_argument(
        "--retry-errors",
        action="store_true",
        help="also retry photos that failed on their own (unreadable, undecodable); failures "
        "caused by the environment (disk full, permissions) are retried on every run anyway",
    )
    p.add_argument(
        "--redo",
        metavar="PHASES",
        help="comma-separated phases to redo for every photo in the folder though done: "
        "metadata,content,ml (or the ML tasks scenes,objects,faces)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def parse_redo(text: str | None) -> tuple[str, ...]:
    from imgengine_gui.catalog.redo import redo_choices

    if not text:
        return ()
    redo = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in redo if p not in redo_choices()]
    if unknown or not redo:
        raise UsageError(
            f"cannot redo {', '.join(unknown) or '(none)'}: choose from {', '.join(redo_choices())}"
        )
    return redo


def parse_phases(text: str) -> tuple[str, ...]:
    phases = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in phases if p not in PHASES]
    if unknown or not phases:
        raise UsageError(
            f"unknown phase {', '.join(unknown) or '(none)'}: choose from {', '.join(PHASES)}"
        )
    return tuple(p for p in PHASES if p in phases)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from imgengine_gui.engine.pipeline import AnalyzeRequest, UnsafeLocation, analyze_folder

    folder = resolve_folder(args.folder)
    phases = parse_phases(args.phases)
    redo = parse_redo(args.redo)
    if redo:
        from imgengine_gui.engine.reanalyze import phases_for

        phases = tuple(p for p in PHASES if p in {*phases, *phases_for(redo)})
    settings = settings_from(args)
    console = Console(stderr=True, quiet=args.quiet)
    request = AnalyzeRequest(
        folder, catalog_path(args), settings, phases, retry_errors=args.retry_errors, redo=redo
    )
    cancel = threading.Event()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=args.quiet,
    ) as bar:
        task = bar.add_task("Scanning", total=None, rate="")

        def on_progress(event) -> None:
            label = {"scan": "Scanning", "analyze": "Analyzing", "duplicates": "Duplicates"}
            total = event.total if event.stage == "analyze" else None
            bar.update(
                task,
                description=label.get(event.stage, event.stage),
                completed=event.done,
                total=total,
                rate=f"{event.photos_per_s:.1f} photos/s" if event.photos_per_s else "",
            )

        with stop_on_interrupt(cancel, console):
            try:
                summary = analyze_folder(request, on_progress=on_progress, cancel=cancel)
            except UnsafeLocation as exc:
                raise UsageError(str(exc)) from None
    print_summary(summary, Console(stderr=True, soft_wrap=True))
    return exit_code(summary)


def exit_code(summary) -> int:
    """Interrupted, results the catalog did not take, too many environment failures, or ok."""
    if summary.cancelled:
        return Exit.INTERRUPTED
    if summary.write_failures:
        error(
            f"{summary.write_failures} results could not be saved in the catalog (see the notes "
            "above): run again to redo them"
        )
        return Exit.CATALOG_NOT_WRITABLE
    if summary.failure:
        error(summary.failure)
        return Exit.RUN_FAILED
    return Exit.OK


@contextlib.contextmanager
def stop_on_interrupt(cancel: threading.Event, console) -> Iterator[None]:
    """Ctrl-C asks the run to stop between batches (it keeps what is done and reports it);
    a second Ctrl-C ends the process at once: committed results are kept (SQLite drops only the
    batch in flight), the OS releases the analysis lock, and no thread is left to be torn down
    in the middle of the models (which aborts the process)."""

    def on_sigint(signum, frame) -> None:
        if cancel.is_set():
            sys.stderr.write("imgengine: stopped at once; results committed so far are kept\n")
            sys.stderr.flush()
            os._exit(Exit.INTERRUPTED)
        cancel.set()
        console.print("Stopping after the current photos… (results so far are kept)")

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def print_summary(s, console) -> None:
    """One line of counts and speed, the models that served, notes, the first problems."""
    state = "Cancelled" if s.cancelled else "Done"
    console.print(
        f"{state}: {s.new} new, {s.changed} changed, {s.unchanged} unchanged, {s.moved} moved,"
        f" {s.missing} missing, {s.failed} failed — {s.analyzed} photos analyzed in"
        f" {s.elapsed_s:.1f} s ({s.photos_per_s:.1f} photos/s)"
        + (f"; {s.clusters} duplicate clusters" if s.clusters else ""),
        markup=False,
        highlight=False,
    )
    if s.models:
        for m in s.models:  # what actually served each model, after every fallback
            console.print(
                f"Model {m['name']}: {m['model_id']} ({m['tier']}) on {m.get('served', '?')}",
                markup=False,
                highlight=False,
            )
    for note in s.notes:
        console.print(f"note: {note}", markup=False, highlight=False)
    print_problems(s.problems, console)


def print_problems(problems, console, limit: int = 20) -> None:
    """Each problem on a line; one cause shared by many photos once, with the count."""
    from imgengine_gui.engine.failures import GROUP_AT, group_problems

    lines = []
    for group in group_problems(problems):
        if len(group.paths) >= GROUP_AT:
            lines.append(
                f"error: {len(group.paths)} photos: {group.phase}: {group.message}"
                f" (first: {group.paths[0]})"
            )
        else:
            lines += [f"error: {path}: {group.phase}: {group.message}" for path in group.paths]
    for line in lines[:limit]:
        console.print(line, markup=False, highlight=False)
    if len(lines) > limit:
        console.print(
            f"… and {len(lines) - limit} more (see `imgengine photos --errors`)",
            markup=False,
            highlight=False,
        )
