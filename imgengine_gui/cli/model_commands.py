"""`imgengine models download|use|remove`, and the size/revision part of `imgengine models`.

Exit codes of `download`: 0 installed, 1 the hub refused (unknown model, no safetensors...) or
the model could not be written, 2 bad arguments, 3 the hub could not be reached, 4 not enough disk space, 5 a file arrived
corrupt or the model failed its check, 130 cancelled. Nothing half-downloaded is ever loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from imgengine_gui.cli.common import UsageError, error, settings_from
from imgengine_gui.settings import Settings

EXIT_REFUSED, EXIT_UNREACHABLE, EXIT_NO_SPACE, EXIT_BAD_MODEL, EXIT_CANCELLED = 1, 3, 4, 5, 130
CHOICES = ("scenes", "objects", "segmentation", "all")


def add_parsers(models: argparse.ArgumentParser) -> None:
    sub = models.add_subparsers(dest="models_command", metavar="ACTION")
    d = sub.add_parser(
        "download",
        help="fetch full-tier models from the Hugging Face hub (HF_ENDPOINT) or the mirror folder",
    )
    d.add_argument("task", nargs="?", default="all", choices=CHOICES)
    d.add_argument("--revision", help="branch, tag or commit (default: main)")
    d.add_argument("--quiet", action="store_true", help="no progress bar")
    d.add_argument("--json", action="store_true", help="print the results as JSON")
    d.set_defaults(run=run_download)
    u = sub.add_parser("use", help="serve a task from a local model folder (save_pretrained)")
    u.add_argument("task", choices=CHOICES[:-1])
    u.add_argument("folder", type=Path)
    u.set_defaults(run=run_use)
    r = sub.add_parser("remove", help="delete a downloaded full-tier model")
    r.add_argument("task", choices=CHOICES[:-1])
    r.set_defaults(run=run_remove)


def model_report(settings: Any) -> list[dict[str, Any]]:
    """The registry's rows with what download knows: hub id, size on disk, installed revision."""
    from imgengine_gui.engine.models import model_statuses
    from imgengine_gui.ml.registry import model_report as registry_report

    statuses = {status.task: status for status in model_statuses(settings)}
    extra = ("hub_id", "size_bytes", "revision")
    return [
        {**row, **{key: getattr(statuses[row["task"]], key) for key in extra}}
        for row in registry_report(settings)
    ]


def describe_installed(row: dict[str, Any]) -> str:
    revision = (row.get("revision") or "unknown revision")[:12]
    return f"{row['size_bytes'] / 1e6:.1f} MB, revision {revision}"


def run_download(args: argparse.Namespace) -> int:
    from imgengine_gui.engine import model_download as md
    from imgengine_gui.engine.models import DOWNLOADABLE, NotDownloadable

    tasks = list(DOWNLOADABLE) if args.task == "all" else [args.task]
    settings = settings_from(args)
    cancel = threading.Event()
    outcome: dict[str, Any] = {}
    finished = threading.Event()  # not Thread.join: a join interrupted by Ctrl-C can lie
    with _ProgressBar(args.quiet) as bar:

        def work() -> None:
            try:
                outcome["results"] = md.download_models(
                    tasks, settings, revision=args.revision, on_progress=bar.show, cancel=cancel
                )
            except BaseException as exc:  # reported from the main thread
                outcome["error"] = exc
            finally:
                finished.set()

        threading.Thread(target=work, name="download", daemon=True).start()
        try:
            while not finished.wait(0.2):
                pass
        except KeyboardInterrupt:
            cancel.set()
            finished.wait()
    failure = outcome.get("error")
    done = outcome.get("results") or getattr(failure, "installed", [])
    _print_results(done, args.json)
    if failure is None:
        return 0
    if isinstance(failure, NotDownloadable):
        raise UsageError(str(failure))
    if cancel.is_set():
        failure = md.DownloadCancelled("download cancelled")
    code, message = _failure(failure)
    if "nothing was" not in message:
        message += "; nothing else was changed" if done else "; nothing was changed"
    error(message + (" (the next download resumes)" if code == EXIT_CANCELLED else ""))
    return code


def _failure(failure: BaseException) -> tuple[int, str]:
    """Exit code and message of a failed download; unknown errors are bugs, raised as they are."""
    from imgengine_gui.engine import model_download as md

    if isinstance(failure, md.HubUnreachable):
        return EXIT_UNREACHABLE, f"could not reach the model hub: {failure}"
    codes = {
        md.DownloadCancelled: EXIT_CANCELLED,
        md.NotEnoughSpace: EXIT_NO_SPACE,
        md.DiskFull: EXIT_NO_SPACE,
        md.CorruptDownload: EXIT_BAD_MODEL,
        md.ModelRejected: EXIT_BAD_MODEL,
        md.DownloadFailed: EXIT_REFUSED,
    }
    for kind, code in codes.items():
        if isinstance(failure, kind):
            return code, str(failure) or "download cancelled"
    if isinstance(failure, OSError):  # the model folder or cache cannot be written
        return EXIT_REFUSED, f"cannot install the model: {failure}"
    raise failure


def _print_results(results: list[Any], as_json: bool) -> None:
    if as_json:
        json.dump([asdict(result) for result in results], sys.stdout, indent=1)
        sys.stdout.write("\n")
        return
    for r in results:
        state = "already installed" if r.already_installed else f"installed ({r.check})"
        print(f"{r.task}: {r.repo_id} @ {r.commit[:12]} {state}, {r.size_bytes / 1e6:.1f} MB")
        print(f"  in {r.path}")
        if r.setting:
            print(f"  {r.task} now uses {r.setting}")
        if r.task == "segmentation" and Settings.load().cutout_model != "segformer":
            print(f"  {SEGFORMER_UNUSED}")


SEGFORMER_UNUSED = (
    "background removal still uses U²-Net-p: set Background removal (cutout_model) to "
    "segformer to use this model"
)


def run_use(args: argparse.Namespace) -> int:
    from imgengine_gui.engine.models import use_local_folder
    from imgengine_gui.ml.errors import ModelUnavailable

    try:
        answer = use_local_folder(args.task, args.folder)
    except ModelUnavailable as exc:
        error(str(exc))
        return EXIT_BAD_MODEL
    print(f"{args.task}: now uses {args.folder.expanduser().resolve()} ({answer})")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from imgengine_gui.engine.models import remove_model

    print(remove_model(args.task, settings_from(args)))
    return 0


class _ProgressBar:
    """A rich bar on stderr: bytes done of the total, speed and time left."""

    def __init__(self, quiet: bool) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self.console = Console(stderr=True, quiet=quiet, soft_wrap=True)
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
            disable=quiet,
        )
        self.bar = self.progress.add_task("Looking up the models", total=None)

    def __enter__(self) -> _ProgressBar:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def show(self, event: Any) -> None:
        if event.message and event.stage != "downloading":
            self.progress.console.print(event.message, markup=False, highlight=False)
        total = event.total_bytes or None
        label = {"downloading": "Downloading", "verifying": "Checking", "publishing": "Installing"}
        self.progress.update(
            self.bar,
            description=f"{label.get(event.stage, 'Models')} {event.task}".strip(),
            completed=event.done_bytes,
            total=total,
        )
