"""Download full-tier models: plan, check the disk, fetch, verify, publish; cancellable.

The only way the app goes online, and always a user's request. Every model is described first
(nothing written when the hub cannot be reached), the total size is checked against free space,
then each model is fetched into a staging place, loaded and run once on a test image, and only
then published where the loaders look. A failed or cancelled download leaves no model a later
run would load; what it fetched stays staged, so the next try resumes.
"""

from __future__ import annotations

import errno
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from imgengine_gui.engine.models import SETTING, hub_id, save_model_setting
from imgengine_gui.ml import model_store
from imgengine_gui.ml.download import (
    CorruptDownload,
    DiskFull,
    DownloadCancelled,
    DownloadFailed,
    HubUnreachable,
    RemoteModel,
)
from imgengine_gui.ml.errors import ModelUnavailable
from imgengine_gui.ml.runtime.hf import hf_hub_cache
from imgengine_gui.settings import Settings

__all__ = [
    "CorruptDownload", "DiskFull", "DownloadCancelled", "DownloadFailed", "DownloadProgress",
    "DownloadResult", "HubUnreachable", "ModelRejected", "NotEnoughSpace", "download_models",
]  # fmt: skip
SPACE_MARGIN = 1.05  # metadata, and the file system's own rounding
EMIT_EVERY_S = 0.1


class NotEnoughSpace(RuntimeError):
    """Free space is short of what the download needs; nothing was written."""


class ModelRejected(RuntimeError):
    """The downloaded model does not load or does not answer; it was not installed."""


@dataclass(slots=True)
class DownloadProgress:
    stage: str  # checking, ready, downloading, verifying, publishing, installed (per task)
    task: str
    done_bytes: int
    total_bytes: int
    bytes_per_s: float = 0.0
    eta_s: float | None = None
    message: str = ""


@dataclass(frozen=True)
class DownloadResult:
    task: str
    repo_id: str
    commit: str
    path: str
    size_bytes: int
    check: str  # what the model answered on the test image
    already_installed: bool = False
    setting: str | None = None  # the task's new model setting, when it had to change


@dataclass
class _Plan:
    task: str
    remote: RemoteModel
    mirror_folder: Path | None
    target: Path  # the snapshot or model folder it will be published as
    installed: bool


def download_models(
    tasks: Sequence[str],
    settings: Settings,
    *,
    revision: str | None = None,
    on_progress: Callable[[DownloadProgress], None] | None = None,
    cancel: threading.Event | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[DownloadResult]:
    """Install the full-tier models of ``tasks`` (see the module doc); one result per task."""
    cancel = cancel or threading.Event()
    report = _Reporter(on_progress, clock)
    report.stage("checking", tasks[0] if tasks else "", "Looking up the models")
    plans = [_plan(task, settings, revision or "main") for task in tasks]
    todo = [plan for plan in plans if not plan.installed]
    report.total = sum(plan.remote.total_bytes for plan in todo)
    _check_space(todo, settings, report.total)
    source = settings.model_mirror.strip() or _endpoint()
    report.stage(
        "ready",
        "",
        f"{len(todo)} of {len(plans)} models to fetch, {_size(report.total)} from {source}",
    )
    results: list[DownloadResult] = []
    try:
        for plan in plans:
            results.append(_install(plan, settings, report, cancel))
    except BaseException as exc:
        exc.installed = results  # type: ignore[attr-defined] # what was done before it failed
        raise
    return results


def _endpoint() -> str:
    from imgengine_gui.ml.download import hub_endpoint

    return hub_endpoint()


def _plan(task: str, settings: Settings, revision: str) -> _Plan:
    from imgengine_gui.ml.download import describe_remote
    from imgengine_gui.ml.model_mirror import find_in_mirror

    repo_id = hub_id(task, settings)
    mirror = settings.model_mirror.strip()
    mirror_folder = None
    if mirror:
        mirror_folder, remote = find_in_mirror(Path(mirror).expanduser(), repo_id, revision)
    else:
        remote = describe_remote(repo_id, revision)
    target = _target(remote, settings)
    present = target.is_dir() and all((target / f.name).exists() for f in remote.files)
    if settings.model_folder.strip():
        present = present and model_store.read_manifest(target).get("commit") == remote.commit
    return _Plan(task, remote, mirror_folder, target, present)


def _target(remote: RemoteModel, settings: Settings) -> Path:
    if settings.model_folder.strip():
        return Path(settings.model_folder).expanduser() / remote.repo_id
    repo = model_store.repo_folder(hf_hub_cache(), remote.repo_id)
    return repo / "snapshots" / remote.commit


def _staging(settings: Settings) -> Path:
    if settings.model_folder.strip():
        return Path(settings.model_folder).expanduser() / ".imgengine-staging"
    return model_store.staging_root(hf_hub_cache())


def _check_space(todo: list[_Plan], settings: Settings, needed: int) -> None:
    if not todo:
        return
    places = {_existing(_staging(settings)), _existing(todo[0].target)}
    for place in sorted(places, key=str):
        free = shutil.disk_usage(place).free
        if free < needed * SPACE_MARGIN:
            raise NotEnoughSpace(
                f"not enough disk space: the models need {_size(needed)}, {place} has "
                f"{_size(free)} free; nothing was changed"
            )


def _existing(path: Path) -> Path:
    return next(p for p in (path, *path.parents) if p.exists())


def _install(
    plan: _Plan, settings: Settings, report: _Reporter, cancel: threading.Event
) -> DownloadResult:
    from filelock import FileLock, Timeout

    from imgengine_gui.ml.model_check import check_model

    remote = plan.remote
    if plan.installed:
        if not settings.model_folder.strip():  # the hub says this is the revision's commit
            model_store.write_ref(hf_hub_cache(), remote.repo_id, remote.revision, remote.commit)
        setting = _point_setting(plan, settings)
        report.stage("installed", plan.task, f"{remote.repo_id} is already installed")
        size = model_store.folder_size(plan.target)
        return DownloadResult(
            plan.task, remote.repo_id, remote.commit, str(plan.target), size, "already installed",
            already_installed=True, setting=setting,
        )  # fmt: skip
    staging = _staging(settings)
    staging.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(staging / f"{model_store.repo_folder(Path(), remote.repo_id)}.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise DownloadFailed(f"another download of {remote.repo_id} is running") from None
    try:
        report.stage("downloading", plan.task, f"Downloading {remote.repo_id}")
        staged = _fetch(plan, staging, report, cancel)
        report.stage("verifying", plan.task, f"Checking {remote.repo_id}")
        try:
            answer = check_model(plan.task, staged.folder)
        except ModelUnavailable as error:
            _discard(staging, remote.repo_id)
            raise ModelRejected(f"{remote.repo_id} was not installed: {error}") from error
        if cancel.is_set():
            raise DownloadCancelled()
        report.stage("publishing", plan.task, f"Installing {remote.repo_id}")
        path = _publish(plan, staged, settings)
        _discard(staging, remote.repo_id)
    except (DiskFull, OSError) as exc:
        if not isinstance(exc, DiskFull) and exc.errno != errno.ENOSPC:
            raise
        _discard(staging, remote.repo_id)  # its space is better given back than kept to resume
        raise DiskFull(
            f"the disk filled up while installing {remote.repo_id}; what was fetched of it was "
            "deleted"
        ) from exc
    finally:
        lock.release()
    setting = _point_setting(plan, settings)
    report.stage("installed", plan.task, f"{remote.repo_id} installed: {answer}")
    return DownloadResult(
        plan.task, remote.repo_id, remote.commit, str(path), model_store.folder_size(path), answer,
        setting=setting,
    )  # fmt: skip


def _fetch(plan: _Plan, staging: Path, report: _Reporter, cancel: threading.Event):
    from imgengine_gui.ml.download import fetch
    from imgengine_gui.ml.model_mirror import copy_from_mirror

    if plan.mirror_folder is not None:
        return copy_from_mirror(plan.mirror_folder, plan.remote, staging, report.add, cancel)
    return fetch(plan.remote, staging, report.add, cancel)


def _publish(plan: _Plan, staged: model_store.Staged, settings: Settings) -> Path:
    remote = plan.remote
    if settings.model_folder.strip():
        manifest = {"repo_id": remote.repo_id, "revision": remote.revision, "commit": remote.commit}
        return model_store.publish_to_folder(staged, plan.target, manifest)
    return model_store.publish_to_cache(
        staged, hf_hub_cache(), remote.repo_id, remote.commit, remote.revision
    )


def _point_setting(plan: _Plan, settings: Settings) -> str | None:
    """Make the task's setting find this copy: the hub id when the cache serves it, else its path."""
    from imgengine_gui.ml.runtime.hf import locate_model

    wanted = plan.remote.repo_id
    served = locate_model(wanted)
    if settings.model_folder.strip() or served is None or served.resolve() != plan.target.resolve():
        wanted = str(plan.target)
    if getattr(settings, SETTING[plan.task]) == wanted:
        return None
    save_model_setting(plan.task, wanted)
    return wanted


def _discard(staging: Path, repo_id: str) -> None:
    shutil.rmtree(model_store.repo_folder(staging, repo_id), ignore_errors=True)
    shutil.rmtree(model_store.repo_folder(staging / ".locks", repo_id), ignore_errors=True)


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


class _Reporter:
    """Bytes done across all models, with speed and time left, to the progress callback."""

    def __init__(self, on_progress, clock: Callable[[], float]) -> None:
        self.on_progress = on_progress
        self.clock = clock
        self.total = 0
        self.done = 0
        self.task = ""
        self.started: float | None = None
        self.last_emit = float("-inf")

    def stage(self, stage: str, task: str, message: str) -> None:
        self.task = task
        self._emit(stage, message)

    def add(self, n: int) -> None:
        now = self.clock()
        if self.started is None:
            self.started = now
        self.done = max(0, min(self.total, self.done + n))
        if now - self.last_emit >= EMIT_EVERY_S or self.done == self.total:
            self._emit("downloading", "")

    def _emit(self, stage: str, message: str) -> None:
        self.last_emit = self.clock()
        if self.on_progress is None:
            return
        elapsed = self.last_emit - self.started if self.started is not None else 0.0
        speed = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / speed if speed > 0 else None
        self.on_progress(
            DownloadProgress(stage, self.task, self.done, self.total, speed, eta, message)
        )
