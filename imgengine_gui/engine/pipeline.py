"""One analysis run: scan -> decode pool -> device executor -> catalog writer.

Runs synchronously in the calling thread (the CLI's main thread or the GUI's analysis task thread).
Progress goes out through plain callbacks; ``cancel`` is an Event checked between photos/batches.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imgengine_gui.analysis.formats import HEAD_BYTES, sniff_problem
from imgengine_gui.catalog import annotations, records, runs
from imgengine_gui.catalog.lock import AnalysisLock
from imgengine_gui.catalog.ml_tasks import ML_PHASE_VERSION, record_ml_tasks
from imgengine_gui.catalog.people import store_faces
from imgengine_gui.catalog.redo import mark_due
from imgengine_gui.catalog.writer import CatalogWriter
from imgengine_gui.common.text import one_line
from imgengine_gui.engine import failures
from imgengine_gui.engine.failures import ENVIRONMENT, PHOTO
from imgengine_gui.engine.metadata_sources import MetadataSources
from imgengine_gui.engine.ml_plan import failed_runs, plan_ml_tasks, portrait_tags, task_runs
from imgengine_gui.engine.pairs import refresh_raw_jpeg_pairs
from imgengine_gui.engine.progress import FileProblem, ProgressEvent, RateMeter, RunSummary
from imgengine_gui.scan import PhotoJob, WalkProblem, plan_jobs, scan_folder, walk_photos
from imgengine_gui.settings import PHASES, Settings

if TYPE_CHECKING:
    from imgengine_gui.ml.executor import DeviceExecutor
    from imgengine_gui.ml.runtime import Runtime

PHASE_VERSIONS = {"metadata": "2", "content": "1"}  # metadata 2: the exiv2 reader
DECODE_LONG_SIDE = 1024

ProgressCallback = Callable[[ProgressEvent], None]


@dataclass
class AnalyzeRequest:
    folder: Path
    catalog: Path
    settings: Settings
    phases: tuple[str, ...] = PHASES
    retry_errors: bool = False  # also retry photo errors (environment errors always are)
    redo: tuple[str, ...] = ()  # phases/ML tasks to redo though done (catalog.redo.redo_choices)
    only: tuple[str, ...] | None = None  # redo just these paths (None: every photo in the folder)


@dataclass(slots=True)
class _PhotoRun:
    """One photo's pass through the run: which phases have reported their outcome so far."""

    job: PhotoJob
    recorded: set[str] = field(default_factory=set)


class _Run:
    def __init__(self, request: AnalyzeRequest, writer: CatalogWriter, on_progress, cancel):
        self.request = request
        self.writer = writer
        self.on_progress = on_progress
        self.cancel = cancel
        self.summary = RunSummary(folder=os.fspath(request.folder))
        self.cache_dir = request.settings.resolved_cache_dir()
        self.lock = threading.Lock()
        self.failed_ids: set[int] = set()
        self.executor: DeviceExecutor | None = None
        self.runtime: Runtime | None = None  # what the executor's models run on
        self.chosen: list = []  # the analyzers the executor was given
        self.model_ids: dict[str, str] = {}  # task -> the model id its tags carry
        self.serving: dict[str, str] = {}  # task -> the key of the model serving it
        self.due: dict[int, frozenset[str]] = {}  # photo id -> the ML tasks it runs
        self.meter: RateMeter | None = None
        self.ml_errors: dict[int, dict[str, str]] = {}
        self.sources = MetadataSources(request.settings.sidecars)

    # -- reporting ---------------------------------------------------------------------------
    def emit(self, event: ProgressEvent) -> None:
        if self.on_progress is not None:
            self.on_progress(event)

    def fail(
        self, photo: _PhotoRun, phase: str, message: str, version: str, kind: str = PHOTO
    ) -> None:
        message = one_line(message) or "unknown error"
        job = photo.job
        photo.recorded.add(phase)
        with self.lock:
            self.summary.problems.append(FileProblem(job.path, phase, message, kind))
            self.failed_ids.add(job.photo_id)
        runs = {}
        if phase == "ml" and (tasks := self.due.get(job.photo_id)):
            runs = failed_runs(tasks, self.serving, message, photo_fault=kind == PHOTO)

        def store(conn):
            if runs:
                record_ml_tasks(conn, job.photo_id, runs, {})
            records.set_phase(conn, job.photo_id, phase, version, error=message, error_class=kind)

        self.writer.submit(store)

    def fail_with(self, photo: _PhotoRun, phase: str, exc: BaseException, version: str) -> None:
        """Fail ``phase`` for ``exc``, classed as the photo's fault or the environment's."""
        kind = failures.error_class(exc)
        message = (
            failures.describe(exc, photo=photo.job.path, cache_dir=self.cache_dir)
            if kind == ENVIRONMENT else str(exc)
        )
        self.fail(photo, phase, message, version, kind)

    def finished_photo(self) -> None:
        with self.lock:
            event = self.meter.advance()
        self.emit(event)

    def version(self, phase: str) -> str:
        return ML_PHASE_VERSION if phase == "ml" else PHASE_VERSIONS[phase]

    # -- per photo, on the decode pool ------------------------------------------------------
    @property
    def stopping(self) -> bool:
        """Cancelled, or the catalog can take no more results."""
        return self.cancel.is_set() or self.writer.failed

    def process(self, job: PhotoJob) -> None:
        if self.stopping:
            return
        photo = _PhotoRun(job)
        try:
            self._process(photo)
        except Exception as exc:  # a bug or an OS error must not stop the run
            kind = failures.error_class(exc)
            message = failures.describe(exc, photo=job.path, cache_dir=self.cache_dir)
            for phase in job.phases:
                if phase not in photo.recorded:
                    self.fail(photo, phase, message, self.version(phase), kind)
            if "ml" not in photo.recorded:
                self.finished_photo()

    def _process(self, photo: _PhotoRun) -> None:
        from imgengine_gui.analysis.errors import PhotoError

        job = photo.job
        path = Path(job.path)
        problem = self._sniff(path)
        if problem:
            message, kind = problem
            for phase in job.phases:
                self.fail(photo, phase, message, self.version(phase), kind)
            self.finished_photo()
            return
        if "metadata" in job.phases and (kind := self._metadata(photo, path)) is not None:
            for phase in job.phases:
                if phase != "metadata":
                    message = "skipped: the file could not be read"
                    self.fail(photo, phase, message, self.version(phase), kind)
            self.finished_photo()
            return
        wants_ml = "ml" in job.phases and self.executor is not None
        if "content" not in job.phases and not wants_ml:
            self.finished_photo()
            return
        from imgengine_gui.analysis.decode import decode_reduced

        try:
            decoded = decode_reduced(path, DECODE_LONG_SIDE, orientation=self.sources.rotation(path))
        except PhotoError as exc:
            for phase in ("content", "ml"):
                if phase in job.phases:
                    self.fail_with(photo, phase, exc, self.version(phase))
            self.finished_photo()
            return
        if "content" in job.phases:
            self._content(photo, path, decoded)
        if wants_ml:
            photo.recorded.add("ml")  # from here the device thread reports this photo
            self.executor.submit(job, decoded.image)  # blocks when the device is behind
        else:
            self.finished_photo()

    def _sniff(self, path: Path) -> tuple[str, str] | None:
        """(message, error class) when the file is not an image we can read."""
        try:
            with open(path, "rb") as handle:
                head = handle.read(HEAD_BYTES)
        except OSError as exc:
            return f"cannot read file: {exc.strerror or exc}", failures.error_class(exc)
        problem = sniff_problem(head, len(head), path.name)
        return (problem, PHOTO) if problem else None

    def _metadata(self, photo: _PhotoRun, path: Path) -> str | None:
        """Read and store the metadata; the error class when it failed."""
        from imgengine_gui.analysis.errors import PhotoError
        from imgengine_gui.analysis.metadata import read_metadata

        job = photo.job
        started = time.perf_counter()
        try:
            meta = read_metadata(path, mtime_ns=job.mtime_ns, **self.sources.reader_options())
        except PhotoError as exc:
            self.fail_with(photo, "metadata", exc, PHASE_VERSIONS["metadata"])
            return failures.error_class(exc)
        self.sources.remember(path, meta)

        def store(conn):
            records.store_metadata(conn, job.photo_id, meta)
            annotations.store_read(conn, job.photo_id, meta.keywords, meta.regions)
            records.set_phase(
                conn, job.photo_id, "metadata", PHASE_VERSIONS["metadata"], warnings=meta.warnings
            )

        self.writer.submit(store)
        photo.recorded.add("metadata")
        self._timed("metadata", started)
        return None

    def _content(self, photo: _PhotoRun, path: Path, decoded: Any) -> None:
        from imgengine_gui.analysis.content import analyze_content
        from imgengine_gui.analysis.errors import PhotoError

        job = photo.job
        started = time.perf_counter()
        key = hashlib.sha1(f"{job.path}|{job.size}|{job.mtime_ns}".encode()).hexdigest()
        try:
            content = analyze_content(path, decoded, self.cache_dir, key=key)
        except PhotoError as exc:
            self.fail_with(photo, "content", exc, PHASE_VERSIONS["content"])
            return
        except Exception as exc:  # a disk or a bug: this phase fails, the others go on
            kind = failures.error_class(exc)
            message = failures.describe(exc, photo=job.path, cache_dir=self.cache_dir)
            self.fail(photo, "content", message, PHASE_VERSIONS["content"], kind)
            return

        def store(conn):
            records.store_content(conn, job.photo_id, content)
            records.set_phase(conn, job.photo_id, "content", PHASE_VERSIONS["content"])

        self.writer.submit(store)
        photo.recorded.add("content")
        self._timed("content", started)

    def _timed(self, phase: str, started: float) -> None:
        with self.lock:
            spent = self.summary.phase_seconds
            spent[phase] = spent.get(phase, 0.0) + time.perf_counter() - started

    # -- device executor callbacks (on the device thread) -----------------------------------
    def on_ml_results(self, results: list[tuple[PhotoJob, dict]]) -> None:
        for job, result in results:
            with self.lock:
                errors = self.ml_errors.pop(job.photo_id, {})
                said = [f"{name}: {message}" for name, message in errors.items()]
                if errors:  # the decode worked: a model that failed to run is the environment
                    self.failed_ids.add(job.photo_id)
                    self.summary.problems.extend(
                        FileProblem(job.path, "ml", e, ENVIRONMENT) for e in said
                    )
            tasks = self.due.get(job.photo_id, frozenset())
            runs = task_runs(tasks, self.serving, self.model_ids, errors)
            if "faces" in tasks and "scenes" not in tasks:  # the scenes keep their portrait
                result = {**result, "portrait": portrait_tags(result.get("faces") or ())}

            def store(conn, job=job, result=result, runs=runs, said=said):
                record_ml_tasks(conn, job.photo_id, runs, result)
                if "faces" in runs:
                    store_faces(conn, job.photo_id, result)
                records.set_phase(
                    conn, job.photo_id, "ml", ML_PHASE_VERSION, error="; ".join(said) or None,
                    error_class=ENVIRONMENT,
                )

            self.writer.submit(store)
            self.finished_photo()

    def on_ml_error(self, job: PhotoJob, analyzer: str, message: str) -> None:
        message = one_line(message)
        with self.lock:
            self.ml_errors.setdefault(job.photo_id, {})[analyzer] = message


def _start_executor(run: _Run, settings: Settings) -> tuple[DeviceExecutor, Runtime]:
    from imgengine_gui.ml.executor import DeviceExecutor
    from imgengine_gui.ml.registry import choose_analyzers
    from imgengine_gui.ml.runtime import resolve_runtime

    cores = os.cpu_count() or 2
    runtime = resolve_runtime(
        device=settings.device,
        precision=settings.precision,
        backend=settings.backend,
        # decode threads share the CPU with the models: oversubscribing it made torch spin
        num_threads=max(1, cores // 2),
    )
    analyzers, notes = choose_analyzers(settings)
    run.chosen = analyzers
    run.summary.notes.extend(notes)
    run.summary.notes.extend(runtime.notes)
    executor = DeviceExecutor(
        analyzers,
        runtime,
        batch_size=settings.batch_size,
        queue_size=2 * settings.batch_size,
        on_results=run.on_ml_results,
        on_error=run.on_ml_error,
        tasks_of=lambda job: run.due.get(job.photo_id, frozenset()),
    )
    executor.start()  # models load on the device thread while the folder is scanned
    return executor, runtime


def _await_models(run: _Run, cancel: threading.Event) -> None:
    """Once the models are loaded: the key serving each ML task and the model id of its tags.

    A task whose model failed to load is left out: neither due nor retired this run."""
    from imgengine_gui.ml.base import in_ml_phase
    from imgengine_gui.ml.model_versions import serving_keys

    executor = run.executor
    while not executor.wait_ready(0.1):  # a TensorRT build can take minutes: stay stoppable
        if cancel.is_set():
            return
        tried, total = executor.load_progress
        run.emit(ProgressEvent("models", tried, total, message="Preparing models…"))
    # waits until loading has finished; face descriptors are versioned by the people phase
    loaded = [a for a in executor.analyzers if in_ml_phase(a)]
    run.model_ids = {a.name: a.model_id for a in loaded}
    run.serving = serving_keys(loaded)
    for analyzer in run.chosen:
        if in_ml_phase(analyzer) and analyzer not in loaded:
            run.serving.pop(analyzer.name, None)


def analyze_folder(
    request: AnalyzeRequest,
    *,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> RunSummary:
    folder = Path(request.folder).expanduser().resolve()
    if not folder.is_dir():
        raise NotADirectoryError(f"not a folder: {request.folder}")
    request = replace(request, folder=folder)
    _refuse_writes_inside(folder, request)
    cancel = cancel or threading.Event()
    started = time.monotonic()
    from imgengine_gui.engine.trash import reconcile_catalog

    recovered = reconcile_catalog(request.catalog)  # also refuses an unusable catalog, up front
    with AnalysisLock(request.catalog), CatalogWriter(request.catalog) as writer:
        run = _Run(request, writer, on_progress, cancel)
        summary = run.summary
        run_id = writer.call(lambda conn: runs.start_run(conn, os.fspath(folder), request.phases))
        if recovered:
            summary.notes.append(
                f"{len(recovered)} files moved to the trash by an interrupted run are now in the"
                " journal: `imgengine duplicates --undo` restores them"
            )
        if "ml" in request.phases:
            run.executor, run.runtime = _start_executor(run, request.settings)
        jobs: list[PhotoJob] = []
        try:
            run.emit(ProgressEvent("scan", 0, 0, message=f"Scanning {folder}"))
            problems: list[WalkProblem] = []
            found = list(walk_photos(folder, problems))  # no catalog lock while walking a NAS

            def scan(conn):
                folder_id = records.upsert_folder(conn, os.fspath(folder))
                return scan_folder(conn, folder, folder_id, found=found, problems=problems)

            scanned = writer.call(scan)
            for name in ("new", "changed", "unchanged", "moved", "missing"):
                setattr(summary, name, getattr(scanned, name))
            summary.problems.extend(
                FileProblem(p.path, "scan", p.message) for p in scanned.problems
            )
            if request.redo:
                root, redo, only = os.fspath(folder), request.redo, request.only
                writer.call(lambda conn: mark_due(conn, root, redo, only))
            if run.executor is not None:
                _await_models(run, cancel)
            jobs = writer.call(lambda conn: _plan(conn, run))
            run.meter = RateMeter(len(jobs))
            writer.call(lambda conn: runs.set_planned(conn, run_id, len(jobs)))
            run.emit(
                ProgressEvent("analyze", 0, len(jobs), message=f"{len(jobs)} photos to analyze")
            )
            _run_jobs(run, jobs, request.settings)
        finally:
            if run.executor is not None:
                if cancel.is_set():
                    run.executor.cancel()
                run.executor.close()
                summary.notes.extend(n for n in run.executor.notes if n not in summary.notes)
                summary.models = list(run.executor.loaded)
                summary.runtime = {
                    "device": run.runtime.device,
                    "backend": run.runtime.backend,
                    "precision": run.runtime.precision,
                }
        run.sources.close(summary.notes)
        if "metadata" in request.phases:
            writer.call(refresh_raw_jpeg_pairs)
        writer.flush()
        if run.executor is not None and request.settings.recognize_people and not cancel.is_set():
            _update_people(run, writer, folder)
        summary.analyzed = run.meter.done if run.meter else 0
        summary.failed = len(run.failed_ids)
        summary.cancelled = cancel.is_set()
        if "content" in request.phases and not cancel.is_set():
            run.emit(ProgressEvent("duplicates", 0, 1, message="Finding duplicates"))
            try:
                from imgengine_gui.engine.duplicates import refresh_clusters

                summary.clusters = writer.call(
                    lambda conn: refresh_clusters(conn, request.settings.duplicate_sensitivity)
                )
            except Exception as exc:  # the catalog stays as it was; the run still counts
                summary.notes.append(f"duplicate search failed: {type(exc).__name__}: {exc}")
        if "ml" in request.phases and not cancel.is_set():
            from imgengine_gui.engine.personal_tags import refresh_after_run

            summary.notes.extend(writer.call(refresh_after_run))
        summary.notes.extend(writer.errors)
        summary.planned = len(jobs)
        summary.write_failures = writer.failed_writes
        summary.failure = failures.run_failure(summary.problems, len(jobs))
        status = runs.CANCELLED if summary.cancelled else runs.DONE
        writer.call(lambda conn: runs.end_run(conn, run_id, status, len(jobs), summary.analyzed))
    summary.elapsed_s = time.monotonic() - started
    if on_progress is not None:
        on_progress(ProgressEvent("done", summary.analyzed, len(jobs), summary.photos_per_s))
    return summary


def _plan(conn, run: _Run) -> list[PhotoJob]:
    """Metadata and content by phase version; the ML phase per task (``engine.ml_plan``)."""
    root, retry = os.fspath(run.request.folder), run.request.retry_errors
    versions = {p: run.version(p) for p in run.request.phases if p != "ml"}
    jobs = plan_jobs(conn, root, versions, retry_errors=retry) if versions else []
    if run.executor is not None and run.serving:
        run.due = plan_ml_tasks(conn, root, jobs, run.serving, retry_errors=retry)
    return jobs


def _update_people(run: _Run, writer: CatalogWriter, folder: Path) -> None:
    from imgengine_gui.engine.people_update import update_after_run

    try:
        run.summary.notes.extend(update_after_run(writer, folder, run.cancel, run.emit))
    except Exception as exc:  # people are recomputed next run; the analysis itself stands
        run.summary.notes.append(f"people update failed: {type(exc).__name__}: {exc}")


class UnsafeLocation(ValueError):
    """The catalog or the cache would be written inside the photo folder."""


def _refuse_writes_inside(folder: Path, request: AnalyzeRequest) -> None:
    places = {
        "catalog": Path(request.catalog).expanduser().resolve(),
        "cache folder": request.settings.resolved_cache_dir().expanduser().resolve(),
    }
    for what, place in places.items():
        if place == folder or place.is_relative_to(folder):
            raise UnsafeLocation(
                f"the {what} ({place}) is inside the photo folder {folder}, which Image Engine "
                "never writes to: choose another location"
            )


def _run_jobs(run: _Run, jobs: list[PhotoJob], settings: Settings) -> None:
    workers = settings.workers or os.cpu_count() or 2
    in_flight = threading.BoundedSemaphore(workers * 4)
    with ThreadPoolExecutor(workers, thread_name_prefix="decode") as pool:
        for job in jobs:
            if run.stopping:
                break
            in_flight.acquire()
            future = pool.submit(run.process, job)
            future.add_done_callback(lambda _f: in_flight.release())
