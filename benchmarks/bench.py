"""The pipeline benchmark: the real pipeline on a generated library of camera-sized photos, per phase
and whole, next to the naive baseline on the same photos. Progress goes to stderr; the result is a
rich table or, with ``--json``, one JSON object on stdout.

Runs (each on a fresh catalog or a fresh phase of one, always with a fresh thumbnail cache):
- one run per requested phase, in order, on one catalog -> that phase's photos/s;
- metadata+content together on a fresh catalog (when both are requested);
- every requested phase together on a fresh catalog -> the whole-pipeline photos/s.
Rates are wall-clock: photos / run time, model loading and duplicate clustering included.

    python -m benchmarks.bench [--photos 100] [--device cpu] [--json]   (`make bench`)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import library as bench_library
from benchmarks.baseline import BaselineResult, run_baseline
from benchmarks.cutout import cutout_line, time_cutout
from imgengine_gui.cli.analyze import parse_phases
from imgengine_gui.cli.common import UsageError
from imgengine_gui.engine.pipeline import AnalyzeRequest, analyze_folder
from imgengine_gui.engine.progress import ProgressEvent, RunSummary
from imgengine_gui.settings import Settings

SIZE_ENV = "IMGENGINE_BENCH_SIZE"  # e.g. 1600x1200: smaller photos for quick checks
DEFAULT_BASELINE_PHOTOS = 20


@dataclass
class RunResult:
    label: str
    phases: tuple[str, ...]
    photos: int
    seconds: float
    failed: int
    phase_seconds: dict[str, float]
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    models: list[dict] = field(default_factory=list)
    runtime: dict[str, str] = field(default_factory=dict)
    cpu_seconds: float = 0.0  # user + system time of this process (all threads) during the run
    load_avg: float = 0.0  # 1-minute load average when the run started

    @property
    def photos_per_s(self) -> float:
        return self.photos / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_bound_photos_per_s(self) -> float:
        """Photos/s if every core did nothing but this run's work: cores / CPU s per photo."""
        return (os.cpu_count() or 1) * self.photos / self.cpu_seconds if self.cpu_seconds else 0.0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.bench",
        description="measure the pipeline against a naive baseline",
    )
    p.add_argument("--photos", type=int, default=100, help="library size to generate")
    p.add_argument("--phases", default="metadata,content,ml")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="cpu")
    p.add_argument("--backend", choices=("eager", "compile", "tensorrt"), default="eager")
    p.add_argument("--precision", choices=("fp32", "fp16", "bf16", "int8"), default="fp32")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--baseline-photos", type=int, default=None, help="photos for the naive baseline")
    p.add_argument("--json", action="store_true")
    p.add_argument("--size", default=None, help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    return run_bench(build_parser().parse_args(argv))


def run_bench(args: argparse.Namespace) -> int:
    from rich.console import Console

    console = Console(stderr=True)
    try:
        phases = parse_phases(args.phases)
        size = bench_library.parse_size(getattr(args, "size", None) or os.environ.get(SIZE_ENV))
    except (UsageError, ValueError) as error:
        console.print(f"bench: {error}")
        return 2
    if args.photos < 1:
        console.print("bench: --photos must be at least 1")
        return 2
    settings = Settings.load().with_overrides(
        device=args.device, backend=args.backend, precision=args.precision,
        batch_size=args.batch_size,
    )  # fmt: skip
    baseline_count = min(args.photos, args.baseline_photos or DEFAULT_BASELINE_PHOTOS)
    report = measure(args.photos, phases, settings, size, max(1, baseline_count), console)
    report["command"] = command_line(args, phases, size)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    return 0


def command_line(args: argparse.Namespace, phases: tuple[str, ...], size: tuple[int, int]) -> str:
    parts = [f"python -m benchmarks.bench --photos {args.photos} --phases {','.join(phases)}"]
    parts.append(f"--device {args.device} --backend {args.backend} --precision {args.precision}")
    if args.batch_size:
        parts.append(f"--batch-size {args.batch_size}")
    if args.baseline_photos:
        parts.append(f"--baseline-photos {args.baseline_photos}")
    command = " ".join(parts)
    return command if size == bench_library.CAMERA_SIZE else f"{SIZE_ENV}={size[0]}x{size[1]} {command}"


def measure(
    count: int,
    phases: tuple[str, ...],
    settings: Settings,
    size: tuple[int, int],
    baseline_count: int,
    console: Any,
) -> dict[str, Any]:
    library = _library(count, size, console)
    notes = [] if library.generated else [f"library reused from {library.folder}"]
    _warm_up(library.files, phases, console)
    with tempfile.TemporaryDirectory(prefix="imgengine-bench-") as tmp:
        runs = pipeline_runs(library.folder, phases, settings, Path(tmp), console)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    step = max(1, library.count // baseline_count)  # an even sample of the library
    baseline = _baseline(library.files[::step][:baseline_count], phases, settings, console)
    report = build_report(library, phases, settings, runs, baseline, peak_rss_mb, notes)
    report["cutout"] = time_cutout(library.files[0], settings)
    return report


def pipeline_runs(
    folder: Path, phases: tuple[str, ...], settings: Settings, tmp: Path, console: Any
) -> dict[str, RunResult]:
    """Each phase alone (one catalog, in order), metadata+content, then all phases together."""
    runs: dict[str, RunResult] = {}
    per_phase_catalog = tmp / "per-phase.sqlite"
    for phase in phases:
        runs[phase] = _timed_run(phase, folder, per_phase_catalog, (phase,), settings, tmp, console)
    if {"metadata", "content"} <= set(phases) and len(phases) > 2:
        runs["metadata+content"] = _timed_run(
            "metadata+content", folder, tmp / "mc.sqlite", ("metadata", "content"), settings, tmp,
            console,
        )  # fmt: skip
    if len(phases) > 1:
        runs["all"] = _timed_run("all", folder, tmp / "all.sqlite", phases, settings, tmp, console)
    else:
        runs["all"] = runs[phases[0]]
    return runs


def _timed_run(
    label: str,
    folder: Path,
    catalog: Path,
    phases: tuple[str, ...],
    settings: Settings,
    tmp: Path,
    console: Any,
) -> RunResult:
    from rich.progress import Progress

    run_settings = settings.with_overrides(cache_dir=str(tmp / f"cache-{label}"))
    request = AnalyzeRequest(folder, catalog, run_settings, phases)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"pipeline: {label}", total=None)

        def on_progress(event: ProgressEvent) -> None:
            if event.stage == "analyze":
                bar.update(task, completed=event.done, total=event.total or None)

        load_avg = os.getloadavg()[0]
        cpu_started = _cpu_seconds()
        started = time.perf_counter()
        summary: RunSummary = analyze_folder(request, on_progress=on_progress)
        seconds = time.perf_counter() - started
        cpu_seconds = _cpu_seconds() - cpu_started
    result = RunResult(
        label, phases, summary.analyzed, seconds, summary.failed, dict(summary.phase_seconds),
        notes=list(summary.notes),
        problems=[f"{p.phase}: {Path(p.path).name}: {p.message}" for p in summary.problems],
        models=list(getattr(summary, "models", [])), runtime=dict(getattr(summary, "runtime", {})),
        cpu_seconds=cpu_seconds, load_avg=load_avg,
    )  # fmt: skip
    console.print(
        f"pipeline {label}: {result.photos} photos in {seconds:.2f} s = "
        f"{result.photos_per_s:.1f} photos/s (CPU {cpu_seconds / max(1, result.photos) * 1000:.0f} ms"
        f"/photo, load {load_avg:.1f})" + (f", {result.failed} failed" if result.failed else "")
    )
    return result


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _library(count: int, size: tuple[int, int], console: Any) -> bench_library.BenchLibrary:
    from rich.progress import Progress

    folder = bench_library.library_folder(count, size, heic=bench_library.heic_writable())
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"generating {count} photos ({size[0]}x{size[1]})", total=count)

        def on_progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        started = time.perf_counter()
        library = bench_library.ensure_library(count, size, on_progress=on_progress)
    if library.generated:
        console.print(
            f"generated {count} photos in {time.perf_counter() - started:.1f} s "
            f"with {os.cpu_count()} processes: {folder}"
        )
    else:
        console.print(f"using the cached library {folder}")
    return library


def _warm_up(files: list[Path], phases: tuple[str, ...], console: Any) -> None:
    """Every run reads the photos from the page cache and finds its modules (scipy through
    imagehash, torch) imported, so the runs compare; a first run in a fresh process pays ~1-3 s
    more for those imports."""
    console.print("warming up: reading the photos once, importing the analysis modules")
    for path in files:
        with open(path, "rb") as handle:
            while handle.read(1 << 22):
                pass
    import imgengine_gui.analysis.content
    import imgengine_gui.analysis.metadata
    import imgengine_gui.engine.duplicates  # noqa: F401

    if "ml" in phases:
        import torch  # noqa: F401

        with contextlib.suppress(ImportError):
            import torchvision  # noqa: F401


def _baseline(
    files: list[Path], phases: tuple[str, ...], settings: Settings, console: Any
) -> BaselineResult:
    from rich.progress import Progress

    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"naive baseline: {len(files)} photos", total=len(files))
        result = run_baseline(
            files, phases, settings, on_progress=lambda done, _: bar.update(task, completed=done)
        )
    console.print(
        f"baseline: {result.photos} photos in {result.seconds:.2f} s = "
        f"{result.photos_per_s:.2f} photos/s"
    )
    return result


# --- report ---------------------------------------------------------------------------------


def build_report(
    library: bench_library.BenchLibrary,
    phases: tuple[str, ...],
    settings: Settings,
    runs: dict[str, RunResult],
    baseline: BaselineResult,
    peak_rss_mb: float,
    notes: list[str],
) -> dict[str, Any]:
    total = runs["all"].photos_per_s
    device, backend, precision, runtime_notes = _runtime(settings, phases, runs["all"])
    for run in runs.values():
        notes.extend(n for n in run.notes if n not in notes)
        if run.failed:
            notes.append(f"{run.label}: {run.failed} photos failed, e.g. {run.problems[:1]}")
    notes.extend(n for n in runtime_notes + baseline.notes if n not in notes)
    notes.append(
        "rates are wall-clock photos/s including model loading and duplicate clustering; "
        "baseline excludes model loading; cpu_bound_photos_per_s = cores / CPU seconds per photo "
        "(what the run would reach with the cores to itself; compare when load_avg_at_start is high)"
    )
    mc = runs.get("metadata+content")
    return {
        "photos": library.count,
        "photo_size": f"{library.size[0]}x{library.size[1]}",
        "phases": {phase: round(runs[phase].photos_per_s, 2) for phase in phases},
        "metadata_content_photos_per_s": round(mc.photos_per_s, 2) if mc else None,
        "total_photos_per_s": round(total, 2),
        "baseline_photos": baseline.photos,
        "baseline_photos_per_s": round(baseline.photos_per_s, 3),
        "baseline_phases": {k: round(v, 3) for k, v in baseline.phase_rates().items()},
        "speedup": round(total / baseline.photos_per_s, 2) if baseline.photos_per_s else None,
        "baseline_cpu_ms_per_photo": round(1000 * baseline.cpu_seconds / baseline.photos, 1),
        "cpu_speedup": _cpu_speedup(runs["all"], baseline),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "device": device,
        "backend": backend,
        "precision": precision,
        "batch_size": settings.batch_size,
        "workers": settings.workers or os.cpu_count(),
        "analyzers": [f"{m['name']}: {m['model_id']} ({m['tier']})" for m in runs["all"].models]
        or baseline.analyzers,
        "model_load_s": round(baseline.load_seconds, 2),
        "runs": {
            label: {
                "phases": list(run.phases),
                "photos": run.photos,
                "seconds": round(run.seconds, 3),
                "photos_per_s": round(run.photos_per_s, 2),
                "cpu_ms_per_photo": round(1000 * run.cpu_seconds / max(1, run.photos), 1),
                "cpu_bound_photos_per_s": round(run.cpu_bound_photos_per_s, 2),
                "load_avg_at_start": round(run.load_avg, 2),
                "failed": run.failed,
                "thread_seconds": {k: round(v, 3) for k, v in run.phase_seconds.items()},
            }
            for label, run in runs.items()
        },
        "failed": max((run.failed for run in runs.values()), default=0),
        "library": str(library.folder),
        "machine": machine(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "notes": notes,
    }


def _cpu_speedup(run: RunResult, baseline: BaselineResult) -> float | None:
    """Baseline CPU seconds per photo / pipeline CPU seconds per photo: the work saved."""
    if not (run.cpu_seconds and run.photos and baseline.photos):
        return None
    return round((baseline.cpu_seconds / baseline.photos) / (run.cpu_seconds / run.photos), 2)


def _runtime(
    settings: Settings, phases: tuple[str, ...], run: RunResult
) -> tuple[str, str, str, list[str]]:
    if "ml" not in phases:
        return settings.device, settings.backend, settings.precision, []
    if run.runtime:
        return run.runtime["device"], run.runtime["backend"], run.runtime["precision"], []
    from imgengine_gui.ml.runtime import resolve_runtime

    runtime = resolve_runtime(
        device=settings.device, precision=settings.precision, backend=settings.backend
    )
    return runtime.device, runtime.backend, runtime.precision, list(runtime.notes)


def machine() -> dict[str, Any]:
    import psutil

    info: dict[str, Any] = {
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_avg": [round(v, 2) for v in os.getloadavg()],
        "python": platform.python_version(),
        "os": platform.platform(terse=True),
    }
    torch = sys.modules.get("torch")
    if torch is not None:
        info["torch"] = torch.__version__
        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
    return info


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def print_table(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"bench: {report['photos']} photos, {report['photo_size']}")
    for column in ("Run", "photos/s", "CPU ms/photo", "CPU-bound photos/s", "baseline photos/s"):
        table.add_column(column, justify="left" if column == "Run" else "right")
    baseline = report["baseline_phases"]
    for label, run in report["runs"].items():
        if label == "all" and len(run["phases"]) == 1:
            continue
        name = "[bold]whole pipeline" if label == "all" else label
        base = report["baseline_photos_per_s"] if label == "all" else baseline.get(label)
        table.add_row(
            name, f"{run['photos_per_s']:.1f}", f"{run['cpu_ms_per_photo']:.0f}",
            f"{run['cpu_bound_photos_per_s']:.1f}", f"{base:.2f}" if base else "",
        )  # fmt: skip
    console = Console()
    console.print(table)
    machine_info = report["machine"]
    console.print(
        f"speedup {report['speedup']}x over the naive baseline ({report['baseline_photos']} photos; "
        f"{report['cpu_speedup']}x less CPU per photo); peak RSS {report['peak_rss_mb']:.0f} MB; "
        f"{report['device']}/{report['backend']}/{report['precision']}, batch "
        f"{report['batch_size']}, {report['workers']} workers; {machine_info['cpu']}, "
        f"{machine_info['cores']} cores, load {machine_info['load_avg'][0]}; {report['date']}"
    )
    console.print(cutout_line(report["cutout"]))
    for note in report["notes"]:
        console.print(f"- {note}", style="dim")


if __name__ == "__main__":
    sys.exit(main())
