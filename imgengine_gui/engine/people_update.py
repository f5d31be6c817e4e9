"""The people step at the end of an analysis run (ML phase requested).

1. Faces the ML phase stored before descriptors existed (or at an older descriptor version) are
   described: one reduced decode per photo, the stored boxes go to dlib. The detector, the other
   models, metadata and thumbnails do not run again.
2. New faces join people (``engine.people.update_people``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from imgengine_gui.catalog import people as store
from imgengine_gui.catalog.writer import CatalogWriter
from imgengine_gui.engine.progress import ProgressEvent

DESCRIBE_BATCH = 16
EmitCallback = Callable[[ProgressEvent], None]


def update_after_run(
    writer: CatalogWriter,
    folder: Path,
    cancel: threading.Event,
    emit: EmitCallback | None = None,
    workers: int = 0,
) -> list[str]:
    """Describe the backlog under ``folder``, then cluster; returns notes for the run summary."""
    from imgengine_gui.engine.people import update_people
    from imgengine_gui.ml.offline.face_identity import IDENTITY_VERSION

    notes: list[str] = []
    backlog = writer.call(lambda c: store.photos_to_describe(c, os.fspath(folder), IDENTITY_VERSION))
    if backlog:
        notes += describe_backlog(writer, backlog, cancel, emit, workers)
    if cancel.is_set() or writer.call(store.pending_faces) == 0:
        return notes
    if emit is not None:
        emit(ProgressEvent("people", 0, 1, message="Grouping faces into people"))
    update = writer.call(update_people)
    if update.new_faces:
        notes.append(
            f"people: {update.new_faces} new faces, {update.joined} joined known people,"
            f" {update.new_people} new people ({update.people} in all"
            + (", full re-cluster)" if update.full else ")")
        )
    return notes


def describe_backlog(
    writer: CatalogWriter,
    backlog: list[store.PhotoToDescribe],
    cancel: threading.Event,
    emit: EmitCallback | None = None,
    workers: int = 0,
) -> list[str]:
    """Descriptors for already-detected faces; photos without faces are only stamped."""
    from imgengine_gui.ml.offline.face_descriptors import FaceDescriptorAnalyzer
    from imgengine_gui.ml.offline.face_identity import IDENTITY_VERSION
    from imgengine_gui.ml.runtime import Runtime, on_device

    empty = [photo.photo_id for photo in backlog if not photo.faces]
    todo = [photo for photo in backlog if photo.faces]

    def stamp_empty(conn: Any) -> None:
        for photo_id in empty:
            store.stamp_described(conn, photo_id, IDENTITY_VERSION)

    writer.submit(stamp_empty)
    if not todo:
        return []
    describer = FaceDescriptorAnalyzer()
    try:
        on_device(describer.load, Runtime())  # dlib serves on the CPU whatever the settings
    except Exception as error:  # refused by checksum, or missing: faces stay unnamed
        return [f"{describer.name}: {error}"]
    failed = 0
    with ThreadPoolExecutor(workers or os.cpu_count() or 2, thread_name_prefix="people") as pool:
        for start in range(0, len(todo), DESCRIBE_BATCH):
            if cancel.is_set():
                break
            batch = todo[start : start + DESCRIBE_BATCH]
            images = list(pool.map(_decode, batch))
            ready = [(photo, image) for photo, image in zip(batch, images, strict=True) if image]
            failed += len(batch) - len(ready)
            _describe(writer, describer, ready)
            if emit is not None:
                done = start + len(batch)
                emit(ProgressEvent("people", done, len(todo), message="Describing faces"))
    return [f"people: {failed} photos could not be read to describe their faces"] if failed else []


def _decode(photo: store.PhotoToDescribe) -> Any:
    from imgengine_gui.analysis.decode import decode_reduced
    from imgengine_gui.analysis.errors import PhotoError
    from imgengine_gui.engine.pipeline import DECODE_LONG_SIDE

    try:
        return decode_reduced(Path(photo.path), DECODE_LONG_SIDE).image
    except (PhotoError, OSError):
        return None


def _describe(writer: CatalogWriter, describer: Any, ready: list) -> None:
    from imgengine_gui.ml.runtime import on_device

    if not ready:
        return
    found = [
        {"faces": [{"box": box, "score": score} for _, box, score in photo.faces]}
        for photo, _ in ready
    ]
    results = on_device(describer.run, [image for _, image in ready], found)
    for (photo, _), result in zip(ready, results, strict=True):
        writer.submit(lambda conn, pid=photo.photo_id, r=result: store.store_faces(conn, pid, r))
