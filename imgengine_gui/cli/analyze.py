"""`imgengine analyze DIR`: catalog a folder with a progress bar; Ctrl-C stops cleanly."""

from __future__ import annotations

import argparse
import threading

from imgengine_gui.cli.common import (
    UsageError,
    add_catalog_option,
    add_runtime_options,
    catalog_path,
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
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


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
    settings = settings_from(args)
    console = Console(stderr=True, quiet=args.quiet)
    request = AnalyzeRequest(folder, catalog_path(args), settings, phases)
    cancel = threading.Event()
    outcome: dict[str, object] = {}
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

        def work() -> None:
            try:
                outcome["summary"] = analyze_folder(request, on_progress=on_progress, cancel=cancel)
            except BaseException as exc:  # re-raised in the main thread
                outcome["error"] = exc

        worker = threading.Thread(target=work, name="analyze")
        worker.start()
        try:
            while worker.is_alive():
                worker.join(0.2)
        except KeyboardInterrupt:
            cancel.set()
            console.print("Stopping after the current photos… (results so far are kept)")
            worker.join()
    if "error" in outcome:
        if isinstance(outcome["error"], UnsafeLocation):
            raise UsageError(str(outcome["error"]))
        raise outcome["error"]  # type: ignore[misc]
    print_summary(outcome["summary"], Console(stderr=True, soft_wrap=True))  # type: ignore[arg-type]
    return 130 if cancel.is_set() else 0


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
    shown = s.problems[:20]
    for problem in shown:
        console.print(
            f"error: {problem.path}: {problem.phase}: {problem.message}", markup=False, highlight=False
        )
    if len(s.problems) > len(shown):
        console.print(f"… and {len(s.problems) - len(shown)} more (see `imgengine photos --errors`)")
