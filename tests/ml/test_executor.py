from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest
from PIL import Image

from imgengine_gui.ml.base import Runtime
from imgengine_gui.ml.errors import ModelUnavailable
from imgengine_gui.ml.executor import DeviceExecutor, fit_long_side


class FakeAnalyzer:
    """Records batch sizes and the sizes it saw; result encodes the image's colour (its identity)."""

    tier = "offline"
    batch_size = 8
    stores = ("scenes",)

    def __init__(
        self,
        name: str = "fake",
        input_size: int = 64,
        delay_s: float = 0.0,
        fail_on_batch: int | None = None,
        load_error: Exception | None = None,
    ) -> None:
        self.name = name
        self.model_id = f"test/{name}"
        self.input_size = input_size
        self.delay_s = delay_s
        self.fail_on_batch = fail_on_batch
        self.load_error = load_error
        self.batches: list[int] = []
        self.seen_sizes: list[tuple[int, int]] = []
        self.loaded_on: Runtime | None = None
        self.threads: list[str] = []

    def load(self, runtime: Runtime) -> None:
        if self.load_error is not None:
            raise self.load_error
        self.loaded_on = runtime

    def run(self, images: Sequence[Image.Image]) -> list[dict[str, Any]]:
        self.batches.append(len(images))
        if self.fail_on_batch == len(self.batches):
            raise RuntimeError("kernel exploded")
        time.sleep(self.delay_s)
        self.threads.append(threading.current_thread().name)
        self.seen_sizes.extend(image.size for image in images)
        return [{self.name: image.getpixel((0, 0))[0]} for image in images]


def photo(index: int, size: tuple[int, int] = (200, 100)) -> Image.Image:
    return Image.new("RGB", size, (index, 255 - index, 7))


def wait_until(condition, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def run_executor(analyzers, count: int, **kwargs):
    """Submit ``count`` photos and close. Batches never depend on timing: a partial batch waits
    (linger) far longer than any stall of a loaded machine, and close() flushes it at once."""
    results: list[tuple[Any, dict]] = []
    errors: list[tuple[Any, str, str]] = []
    progress: list[int] = []
    executor = DeviceExecutor(
        analyzers,
        Runtime(),
        on_results=results.extend,
        on_progress=progress.append,
        on_error=lambda *error: errors.append(error),
        linger_s=kwargs.pop("linger_s", 60.0),
        **kwargs,
    ).start()
    for index in range(count):
        assert executor.submit(f"photo-{index}", photo(index))
    executor.close(timeout=30)
    assert not executor.running
    return executor, results, errors, progress


def test_batches_form_and_every_key_gets_its_own_result_once():
    analyzer = FakeAnalyzer()
    executor, results, errors, progress = run_executor([analyzer], 10, batch_size=4)
    assert analyzer.batches == [4, 4, 2]
    assert [key for key, _ in results] == [f"photo-{i}" for i in range(10)]
    assert all(result == {"fake": int(key.split("-")[1])} for key, result in results)
    assert progress == [4, 8, 10]
    assert errors == []
    assert executor.loaded == [
        {"name": "fake", "model_id": "test/fake", "tier": "offline",
         "served": "plug-in (runs itself)"}
    ]  # fmt: skip
    assert executor.runtime.max_batch == 4  # models are prepared for the batches fed
    assert set(analyzer.threads) == {"imgengine-device"}


def test_each_analyzer_gets_images_resized_once_to_its_size_and_results_merge():
    small, large = FakeAnalyzer("small", input_size=50), FakeAnalyzer("large", input_size=150)
    _, results, _, _ = run_executor([small, large], 5, batch_size=8)
    assert set(small.seen_sizes) == {(50, 25)}
    assert set(large.seen_sizes) == {(150, 75)}
    assert results[3] == ("photo-3", {"small": 3, "large": 3})


def test_fit_long_side_keeps_aspect_and_never_upscales():
    assert fit_long_side(photo(1, (4000, 3000)), 224).size == (224, 168)
    assert fit_long_side(photo(1, (3000, 4000)), 224).size == (168, 224)
    assert fit_long_side(photo(1, (100, 60)), 224).size == (100, 60)


def test_model_error_on_one_batch_loses_nothing_else():
    broken = FakeAnalyzer("broken", fail_on_batch=2)
    healthy = FakeAnalyzer("healthy")
    _, results, errors, _ = run_executor([broken, healthy], 10, batch_size=4)
    assert len(results) == 10
    failed_keys = [f"photo-{i}" for i in range(4, 8)]
    assert [key for key, name, _ in errors] == failed_keys
    assert {name for _, name, _ in errors} == {"broken"}
    assert "kernel exploded" in errors[0][2]
    for key, result in results:
        index = int(key.split("-")[1])
        assert result["healthy"] == index
        assert ("broken" in result) == (key not in failed_keys)


def test_model_unavailable_in_load_drops_that_analyzer_with_a_note():
    missing = FakeAnalyzer("missing", load_error=ModelUnavailable("weights not in HF cache"))
    present = FakeAnalyzer("present")
    executor, results, errors, _ = run_executor([missing, present], 3, batch_size=4)
    assert [entry["name"] for entry in executor.loaded] == ["present"]
    assert any("missing" in note and "weights not in HF cache" in note for note in executor.notes)
    assert missing.batches == []
    assert [result for _, result in results] == [{"present": i} for i in range(3)]
    assert errors == []


class GatedAnalyzer(FakeAnalyzer):
    """Holds each batch on the device until the test releases it."""

    def __init__(self) -> None:
        super().__init__()
        self.entered, self.release = threading.Event(), threading.Event()

    def run(self, images):
        self.entered.set()
        self.release.wait(10)
        return super().run(images)


def test_cancel_stops_after_the_current_batch_and_unblocks_producers():
    analyzer = GatedAnalyzer()
    entered, release = analyzer.entered, analyzer.release
    results: list = []
    executor = DeviceExecutor(
        [analyzer], Runtime(), batch_size=4, queue_size=4, on_results=results.extend,
        linger_s=60.0,
    ).start()
    accepted: list[bool] = []

    def produce() -> None:
        accepted.extend(executor.submit(i, photo(i)) for i in range(40))

    producer = threading.Thread(target=produce)
    producer.start()
    assert entered.wait(10)  # the first batch is on the device
    executor.cancel(timeout=0)  # asked while that batch runs (without waiting)
    release.set()
    executor.cancel(timeout=10)
    producer.join(timeout=10)
    assert not executor.running
    assert not producer.is_alive()
    assert analyzer.batches == [4]
    assert len(results) == 4
    assert accepted.count(False) > 0
    assert executor.submit(99, photo(99)) is False


def test_bounded_queue_blocks_the_producer_until_the_device_catches_up():
    analyzer = GatedAnalyzer()
    entered, release = analyzer.entered, analyzer.release
    results: list = []
    executor = DeviceExecutor(
        [analyzer], Runtime(), batch_size=2, queue_size=3, on_results=results.extend
    ).start()
    submitted: list[int] = []

    def produce() -> None:
        for index in range(12):
            executor.submit(index, photo(index))
            submitted.append(index)

    producer = threading.Thread(target=produce)
    producer.start()
    assert entered.wait(10)
    # one batch of 2 held by the device thread + 3 queued; the 6th submit blocks
    wait_until(lambda: len(submitted) == 5)
    time.sleep(0.2)  # a producer that was not blocked would get further meanwhile
    assert len(submitted) == 5
    assert producer.is_alive()
    release.set()
    producer.join(timeout=10)
    executor.close(timeout=10)
    assert len(submitted) == 12
    assert sorted(key for key, _ in results) == list(range(12))


def test_results_callback_failure_stops_the_executor_and_close_reraises():
    def explode(_results):
        raise OSError("catalog is read-only")

    executor = DeviceExecutor([FakeAnalyzer()], Runtime(), batch_size=2, on_results=explode)
    executor.start()
    executor.submit("a", photo(1))
    executor.submit("b", photo(2))
    with pytest.raises(OSError, match="read-only"):
        executor.close(timeout=10)
    assert not executor.running


def test_every_key_comes_back_even_when_no_analyzer_could_load():
    missing = FakeAnalyzer("missing", load_error=ModelUnavailable("not here"))
    executor, results, _, progress = run_executor([missing], 5, batch_size=2)
    assert executor.analyzers == []
    assert results == [(f"photo-{i}", {}) for i in range(5)]
    assert progress[-1] == 5
    assert "no analyzer could load: photos get empty ML results" in executor.notes


def test_notes_include_the_runtime_fallbacks_once():
    runtime = Runtime(notes=["tensorrt unavailable: needs CUDA; using compile"])
    broken = FakeAnalyzer("broken", load_error=RuntimeError("bad checkpoint"))
    executor = DeviceExecutor([broken], runtime, on_results=lambda results: None).start()
    executor.close(timeout=10)
    assert executor.notes == [
        "tensorrt unavailable: needs CUDA; using compile",
        "broken: test/broken failed to load (bad checkpoint)",
        "no analyzer could load: photos get empty ML results",
    ]


def test_out_of_memory_splits_the_batch_instead_of_failing():
    import torch

    class Greedy(FakeAnalyzer):
        def run(self, images):
            if len(images) > 2:
                self.batches.append(len(images))
                raise torch.cuda.OutOfMemoryError("CUDA out of memory")
            return super().run(images)

    analyzer = Greedy()
    executor, results, errors, _ = run_executor([analyzer], 8, batch_size=8)
    assert analyzer.batches == [8, 4, 2, 2, 4, 2, 2]
    assert [result["fake"] for _, result in results] == list(range(8))
    assert errors == []
    assert "fake: out of GPU memory at batch 8; splitting" in executor.notes


class CalibratingAnalyzer(FakeAnalyzer):
    def __init__(self) -> None:
        super().__init__(name="calibrating", input_size=32)
        self.calibrated_on: list[tuple[int, int]] = []

    def calibrate(self, images: Sequence[Image.Image]) -> None:
        self.calibrated_on.extend(image.size for image in images)


def test_int8_calibrates_once_on_the_first_batch_of_user_photos():
    calibrating, plain = CalibratingAnalyzer(), FakeAnalyzer(name="plain")
    executor = DeviceExecutor(
        [calibrating, plain], Runtime(precision="int8"), batch_size=4, on_results=lambda r: None
    ).start()
    for index in range(10):
        executor.submit(index, photo(index))
    executor.close(timeout=30)
    assert calibrating.calibrated_on == [(32, 16)] * 4  # the first batch, at its input size
    assert any("plain: no int8 path" in note for note in executor.notes)


def test_float_precisions_never_calibrate():
    calibrating = CalibratingAnalyzer()
    executor = DeviceExecutor([calibrating], Runtime(), batch_size=4, on_results=lambda r: None)
    executor.start()
    executor.submit(0, photo(0))
    executor.close(timeout=30)
    assert calibrating.calibrated_on == []


class CountsFaces(FakeAnalyzer):
    """Reads what an earlier analyzer found, as a face-descriptor step would."""

    needs = ("fake",)

    def run(self, images, found=None):
        return [{"seen": dict(f)} for f in found]


def test_an_analyzer_that_needs_earlier_results_gets_them_per_image():
    first, second = FakeAnalyzer(), CountsFaces(name="after")
    executor, results, errors, _ = run_executor([first, second], 5, batch_size=2)
    assert errors == []
    assert [r["seen"] for _, r in results] == [{"fake": i} for i in range(5)]


def test_served_by_reports_a_model_analyzers_sessions():
    from imgengine_gui.ml.base import ModelAnalyzer
    from imgengine_gui.ml.runtime import prepare

    class Doubler(ModelAnalyzer):
        name, model_id = "double", "test/double"

        def _load(self, runtime):
            return prepare(lambda xs: [2 * x for x in xs], runtime, name=self.name, library="numpy")

        def preprocess(self, images, found):
            return [image.getpixel((0, 0))[0] for image in images]

        def postprocess(self, outputs, images, found):
            return [{"double": value} for value in outputs]

    executor, results, errors, _ = run_executor([Doubler()], 3, batch_size=3)
    assert [r["double"] for _, r in results] == [0, 2, 4]
    assert executor.loaded[0]["served"] == "cpu · numpy · fp32"


def test_each_analyzer_runs_only_on_the_photos_due_for_its_task():
    scenes, objects = FakeAnalyzer("scenes"), FakeAnalyzer("objects")
    due = {"photo-0": frozenset({"scenes"}), "photo-1": frozenset({"objects"}),
           "photo-2": frozenset({"scenes", "objects"}), "photo-3": frozenset()}
    _, results, errors, _ = run_executor(
        [scenes, objects], 4, batch_size=4, tasks_of=due.__getitem__
    )
    assert scenes.batches == [2] and objects.batches == [2]
    assert dict(results) == {
        "photo-0": {"scenes": 0}, "photo-1": {"objects": 1},
        "photo-2": {"scenes": 2, "objects": 2}, "photo-3": {},
    }
    assert errors == []
