"""One thread owns the device and the models; decode workers feed it through a bounded queue.

Producers call ``submit(key, image)`` (blocking while the queue is full: back-pressure on
decoding). The executor forms fixed-size batches, resizes each image once per distinct
analyzer ``input_size``, runs every analyzer on the batch, merges the result dicts per key and
hands ``[(key, merged), ...]`` to ``on_results``: every submitted key comes back exactly once
(with what the analyzers that succeeded found), unless cancelled first. Analyzers merge in list
order, so a later analyzer's key wins (the registry runs detection after faces, so detected
people override the count from faces); an analyzer that ``needs`` earlier keys gets the merged
results so far. With ``tasks_of`` (key -> its due ML tasks), an analyzer runs only on the photos
due for its task (``catalog.ml_tasks``). ``notes`` and ``analyzers`` wait for loading to finish. Tags that need several
analyzers' results (portrait, from faces) are added to the merged dicts once per photo
(``ml/photo_tags.py``).

The executor's own thread only forms batches: models load and run on the runtime's device thread
(``ml.runtime.on_device``), which on-demand work such as the cutout preview shares. Models are
prepared for batches of 1..``batch_size``: the executor sets ``runtime.max_batch`` before loading.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from imgengine_gui.ml.base import Analyzer, Runtime, in_ml_phase
from imgengine_gui.ml.errors import ModelUnavailable
from imgengine_gui.ml.photo_tags import finalise
from imgengine_gui.ml.runtime import on_device

if TYPE_CHECKING:
    from PIL import Image

ResultsCallback = Callable[[list[tuple[Any, dict[str, Any]]]], None]
ProgressCallback = Callable[[int], None]
ErrorCallback = Callable[[Any, str, str], None]
TasksOf = Callable[[Any], "frozenset[str] | None"]

_CLOSE = object()
_POLL_S = 0.1


class DeviceExecutor:
    def __init__(
        self,
        analyzers: Sequence[Analyzer],
        runtime: Runtime,
        *,
        batch_size: int | None = None,
        queue_size: int = 64,
        on_results: ResultsCallback,
        on_progress: ProgressCallback | None = None,
        on_error: ErrorCallback | None = None,
        linger_s: float = 0.2,
        tasks_of: TasksOf | None = None,
    ) -> None:
        self.runtime = runtime
        self.batch_size = batch_size or min((a.batch_size for a in analyzers), default=16)
        runtime.max_batch = self.batch_size  # engines are built for the batches fed below
        self.linger_s = linger_s
        self._notes: list[str] = []
        self.done = 0
        self._candidates = list(analyzers)
        self._analyzers: list[Analyzer] = []
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max(1, queue_size))
        self._on_results = on_results
        self._on_progress = on_progress
        self._on_error = on_error
        self._tasks_of = tasks_of  # a key's due tasks (None: all); see ``_runs_on``
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._cancelled = threading.Event()
        self._finished = threading.Event()
        self._closed = False
        self._failure: BaseException | None = None
        self._calibrated = False
        self.models_tried = 0  # candidates loaded (or failed) so far: progress while preparing

    # --- producer side ---------------------------------------------------------------------------

    def start(self) -> DeviceExecutor:
        if self._thread is not None:
            raise RuntimeError("executor already started")
        self._thread = threading.Thread(target=self._main, name="imgengine-batches", daemon=True)
        self._thread.start()
        return self

    def submit(self, key: Any, image: Image.Image) -> bool:
        """Queue one image; blocks while the queue is full. False once cancelled or finished."""
        if self._closed:
            raise RuntimeError("submit after close()")
        self._ready.wait()  # input sizes are final once the models have loaded
        return self._put((key, self._sized_inputs(image)))

    def close(self, timeout: float | None = None) -> None:
        """No more input: flush the partial batch, wait for the thread, re-raise a callback error."""
        if not self._closed:
            self._closed = True
            self._put(_CLOSE)
        self._join(timeout)

    def cancel(self, timeout: float | None = None) -> None:
        """Stop after the batch in progress; queued images are dropped and producers unblock."""
        self._cancelled.set()
        self._join(timeout)

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the analyzers have loaded (or failed to)."""
        return self._ready.wait(timeout)

    @property
    def load_progress(self) -> tuple[int, int]:
        """(models tried so far, models to load)."""
        return self.models_tried, len(self._candidates)

    @property
    def analyzers(self) -> list[Analyzer]:
        """The analyzers actually serving; waits until loading has finished."""
        if self._thread is not None:
            self._ready.wait()
        return list(self._analyzers)

    @property
    def loaded(self) -> list[dict[str, str]]:
        """The analyzers actually serving: name, model id, tier and what served it; waits."""
        return [served_by(analyzer) for analyzer in self.analyzers]

    @property
    def notes(self) -> list[str]:
        """One-line reasons for everything that fell back: the runtime's, then the executor's."""
        notes = list(self.runtime.notes)
        return notes + [note for note in self._notes if note not in notes]

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _put(self, item: Any) -> bool:
        while not (self._cancelled.is_set() or self._finished.is_set()):
            try:
                self._queue.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def _join(self, timeout: float | None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    # --- device thread ---------------------------------------------------------------------------

    def _main(self) -> None:
        try:
            on_device(self._set_threads)
            on_device(self._load)
            self._ready.set()
            while not self._cancelled.is_set():
                batch, closing = self._next_batch()
                if self._cancelled.is_set():
                    break
                if batch:
                    on_device(self._process, batch)
                if closing:
                    break
        except BaseException as error:  # a callback failed: stop, and close() re-raises it
            self._failure = error
        finally:
            self._ready.set()
            self._finished.set()
            self._drain()

    def _set_threads(self) -> None:
        if self.runtime.num_threads <= 0:
            return
        import torch

        if torch.get_num_threads() != self.runtime.num_threads:
            torch.set_num_threads(self.runtime.num_threads)

    def _load(self) -> None:
        for analyzer in self._candidates:
            if self._cancelled.is_set():
                return
            try:
                analyzer.load(self.runtime)
            except ModelUnavailable as error:
                self._notes.append(f"{analyzer.name}: {analyzer.model_id} unavailable ({error})")
                continue
            except Exception as error:  # a broken model must not stop the others
                self._notes.append(f"{analyzer.name}: {analyzer.model_id} failed to load ({error})")
                continue
            finally:
                self.models_tried += 1
            self._analyzers.append(analyzer)
        if self._candidates and not self._analyzers:
            self._notes.append("no analyzer could load: photos get empty ML results")

    def _next_batch(self) -> tuple[list[tuple[Any, dict[int, Image.Image]]], bool]:
        batch: list[tuple[Any, dict[int, Image.Image]]] = []
        deadline: float | None = None
        while len(batch) < self.batch_size:
            if self._cancelled.is_set():
                return batch, True
            if deadline is None:
                wait = _POLL_S
            else:
                wait = deadline - time.monotonic()
                if wait <= 0:
                    break
            try:
                item = self._queue.get(timeout=min(wait, _POLL_S))
            except queue.Empty:
                continue
            if item is _CLOSE:
                return batch, True
            batch.append(item)
            if deadline is None:
                deadline = time.monotonic() + self.linger_s
        return batch, False

    def _process(self, batch: list[tuple[Any, dict[int, Image.Image]]]) -> None:
        keys = [key for key, _ in batch]
        merged: list[dict[str, Any]] = [{} for _ in batch]
        if self._analyzers:
            sizes = {analyzer.input_size for analyzer in self._analyzers}
            sized = {size: [inputs[size] for _, inputs in batch] for size in sizes}
            if self.runtime.precision == "int8" and not self._calibrated:
                self._calibrate(sized)
            with _inference_mode():
                for analyzer in self._analyzers:
                    picked = [i for i in range(len(keys)) if self._runs_on(analyzer, i, keys, merged)]
                    if not picked:
                        continue
                    images = [sized[analyzer.input_size][i] for i in picked]
                    found = [merged[i] for i in picked]
                    results = self._run(analyzer, images, [keys[i] for i in picked], found)
                    for into, result in zip(found, results or (), strict=False):
                        into.update(result)
            for result in merged:
                finalise(result)  # tags that need several analyzers' results (portrait)
        self._on_results(list(zip(keys, merged, strict=True)))
        self.done += len(batch)
        if self._on_progress is not None:
            self._on_progress(self.done)

    def _runs_on(self, analyzer: Analyzer, index: int, keys: list[Any], merged: list[dict]) -> bool:
        """An ML task runs where it is due; an analyzer of another phase (face descriptors) where
        the results it ``needs`` were produced in this batch."""
        if self._tasks_of is None:
            return True
        if in_ml_phase(analyzer):
            tasks = self._tasks_of(keys[index])
            return tasks is None or analyzer.name in tasks
        return all(need in merged[index] for need in getattr(analyzer, "needs", ()))

    def _calibrate(self, sized: dict[int, list[Image.Image]]) -> None:
        self._calibrated = True
        for analyzer in self._analyzers:
            calibrate = getattr(analyzer, "calibrate", None)
            if calibrate is None:
                said = any(n.startswith(f"{analyzer.name}:") and "int8" in n for n in self.notes)
                if not said:
                    self._notes.append(f"{analyzer.name}: no int8 path; running in floating point")
                continue
            try:
                calibrate(sized[analyzer.input_size])
            except Exception as error:  # calibration is optional: the float model still serves
                self._notes.append(f"{analyzer.name}: int8 calibration failed ({error}); float")

    def _sized_inputs(self, image: Image.Image) -> dict[int, Image.Image]:
        """One resize per distinct model input size, done on the producer's (decode) thread."""
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        sizes = sorted({analyzer.input_size for analyzer in self._analyzers}, reverse=True)
        sized: dict[int, Image.Image] = {}
        for size in sizes:  # largest first, each from the next larger: cheaper than from full
            source = next((sized[s] for s in sorted(sized) if s >= size), rgb)
            sized[size] = fit_long_side(source, size)
        return sized

    def _run(
        self, analyzer: Analyzer, images: list[Image.Image], keys: list[Any], found: list[dict]
    ) -> list[dict[str, Any]] | None:
        try:
            results = run_splitting_on_oom(analyzer, images, self._notes, found)
            if len(results) != len(images):
                raise RuntimeError(f"returned {len(results)} results for {len(images)} images")
            return results
        except Exception as error:
            message = f"{type(error).__name__}: {error}"
            if self._on_error is not None:
                for key in keys:
                    self._on_error(key, analyzer.name, message)
            return None

    def _drain(self) -> None:
        """Empty the queue so producers blocked in submit() return."""
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()


def fit_long_side(image: Image.Image, size: int) -> Image.Image:
    """Downscale so the long side is ``size`` (aspect kept); smaller images pass unchanged."""
    from PIL import Image as PILImage

    if size <= 0 or max(image.size) <= size:
        return image
    scale = size / max(image.size)
    width = max(1, round(image.width * scale))
    height = max(1, round(image.height * scale))
    return image.resize((width, height), PILImage.Resampling.BILINEAR, reducing_gap=3.0)


def served_by(analyzer: Analyzer) -> dict[str, str]:
    """Name, model id, tier and what served it (device · backend · precision), as plain data."""
    served = getattr(analyzer, "served", None)
    row = {"name": analyzer.name, "model_id": analyzer.model_id, "tier": analyzer.tier}
    row["served"] = served.text if served is not None else "plug-in (runs itself)"
    return row


def run_splitting_on_oom(
    analyzer: Analyzer, images: list[Image.Image], notes: list[str], found: list[dict] | None = None
) -> list[dict[str, Any]]:
    """Run the analyzer (with ``found`` when it ``needs`` earlier results); on GPU out-of-memory,
    retry the batch in halves."""
    try:
        if getattr(analyzer, "needs", ()):
            return analyzer.run(images, found or [{} for _ in images])  # type: ignore[call-arg]
        return analyzer.run(images)
    except Exception as error:
        if len(images) < 2 or not _is_out_of_memory(error):
            raise
    _free_cuda_cache()
    half = len(images) // 2
    note = f"{analyzer.name}: out of GPU memory at batch {len(images)}; splitting"
    if note not in notes:
        notes.append(note)
    found = found or [{} for _ in images]
    return run_splitting_on_oom(analyzer, images[:half], notes, found[:half]) + (
        run_splitting_on_oom(analyzer, images[half:], notes, found[half:])
    )


def _is_out_of_memory(error: BaseException) -> bool:
    import torch

    return isinstance(error, torch.cuda.OutOfMemoryError)


def _free_cuda_cache() -> None:
    import torch

    from imgengine_gui.ml.runtime import probes

    if probes.cuda_available():
        torch.cuda.empty_cache()


def _inference_mode() -> contextlib.AbstractContextManager[Any]:
    import torch

    return torch.inference_mode()
