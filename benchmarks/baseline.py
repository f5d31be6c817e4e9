"""The naive baseline the benchmark compares against: what the seed did, photo by photo.

Nothing is shared between phases: EXIF is read on its own; the photo is decoded at full size for
hashing, again for the thumbnails, and again for every model, which then runs at batch 1. The
models are the very analyzers the pipeline would choose (``ml.registry.choose_analyzers``), loaded
once before the clock starts, so the comparison measures the pipeline's design, not its models.
"""

from __future__ import annotations

import hashlib
import resource
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from imgengine_gui.analysis.heif import register_heif_once
from imgengine_gui.ml.executor import run_splitting_on_oom
from imgengine_gui.settings import Settings

ProgressCallback = Callable[[int, int], None]


@dataclass
class BaselineResult:
    photos: int
    seconds: float
    phase_seconds: dict[str, float] = field(default_factory=dict)
    load_seconds: float = 0.0
    cpu_seconds: float = 0.0  # user + system time of this process while the baseline ran
    analyzers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def photos_per_s(self) -> float:
        return self.photos / self.seconds if self.seconds > 0 else 0.0

    def phase_rates(self) -> dict[str, float]:
        return {
            phase: self.photos / spent for phase, spent in self.phase_seconds.items() if spent > 0
        }


def full_decode(path: Path) -> Image.Image:
    with Image.open(path) as im:
        return im.convert("RGB")


def naive_metadata(path: Path) -> dict[int, Any]:
    with Image.open(path) as im:
        exif = im.getexif()
        values = dict(exif)
        values.update(exif.get_ifd(0x8769))
        values.update(exif.get_ifd(0x8825))
    return values


def naive_content(path: Path, cache: Path) -> dict[str, Any]:
    import imagehash

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    image = full_decode(path)  # decode 1: hashes and quality at full size
    gray = np.asarray(image.convert("L"), dtype=np.float32)
    laplacian = gray[:-2, 1:-1] + gray[2:, 1:-1] + gray[1:-1, :-2] + gray[1:-1, 2:] - 4 * gray[1:-1, 1:-1]
    result = {
        "sha256": digest,
        "phash": str(imagehash.phash(image)),
        "dhash": str(imagehash.dhash(image)),
        "sharpness": float(laplacian.var()),
        "exposure": float(gray.mean() / 255),
    }
    image = full_decode(path)  # decode 2: thumbnails
    image.thumbnail((1024, 1024))
    image.save(cache / f"{path.stem}-preview.jpg", quality=85)
    image.thumbnail((256, 256))
    image.save(cache / f"{path.stem}-thumb.jpg", quality=85)
    return result


def run_baseline(
    paths: Sequence[Path],
    phases: Sequence[str],
    settings: Settings,
    *,
    on_progress: ProgressCallback | None = None,
) -> BaselineResult:
    register_heif_once()
    analyzers, notes, load_seconds = _load_analyzers(settings) if "ml" in phases else ([], [], 0.0)
    spent = {phase: 0.0 for phase in phases}
    with tempfile.TemporaryDirectory(prefix="imgengine-baseline-") as cache:
        cpu_started = _cpu_seconds()
        started = time.perf_counter()
        for done, path in enumerate(paths, 1):
            path = Path(path)
            if "metadata" in phases:
                mark = time.perf_counter()
                naive_metadata(path)
                spent["metadata"] += time.perf_counter() - mark
            if "content" in phases:
                mark = time.perf_counter()
                naive_content(path, Path(cache))
                spent["content"] += time.perf_counter() - mark
            if "ml" in phases:
                mark = time.perf_counter()
                found: dict[str, Any] = {}  # what earlier models found (face descriptors need it)
                with _inference_mode():
                    for analyzer in analyzers:
                        image = full_decode(path)  # decode 3, 4, ...: one per model
                        found.update(run_splitting_on_oom(analyzer, [image], notes, [found])[0])
                spent["ml"] += time.perf_counter() - mark
            if on_progress is not None:
                on_progress(done, len(paths))
        seconds = time.perf_counter() - started
        cpu_seconds = _cpu_seconds() - cpu_started
    return BaselineResult(
        photos=len(paths),
        seconds=seconds,
        phase_seconds=spent,
        load_seconds=load_seconds,
        cpu_seconds=cpu_seconds,
        analyzers=[f"{a.name}: {a.model_id}" for a in analyzers],
        notes=notes,
    )


def _load_analyzers(settings: Settings) -> tuple[list[Any], list[str], float]:
    from imgengine_gui.ml.errors import ModelUnavailable
    from imgengine_gui.ml.registry import choose_analyzers
    from imgengine_gui.ml.runtime import resolve_runtime

    started = time.perf_counter()
    runtime = resolve_runtime(
        device=settings.device, precision=settings.precision, backend=settings.backend
    )
    _set_threads(runtime.num_threads)
    candidates, notes = choose_analyzers(settings)
    loaded = []
    for analyzer in candidates:
        try:
            analyzer.load(runtime)
        except ModelUnavailable as error:
            notes.append(f"baseline: {analyzer.name} unavailable ({error})")
            continue
        loaded.append(analyzer)
    notes.extend(note for note in runtime.notes if note not in notes)
    return loaded, notes, time.perf_counter() - started


def _set_threads(count: int) -> None:
    import torch

    if count > 0 and torch.get_num_threads() != count:
        torch.set_num_threads(count)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _inference_mode() -> Any:
    import torch

    return torch.inference_mode()
