"""What this machine offers the models (no Qt). Imports torch, so call it off the UI thread."""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from imgengine_gui.ml.runtime import probes

CACHE_SUBFOLDERS = ("thumbs", "previews")


@dataclass(frozen=True)
class Hardware:
    cuda: bool
    gpu: str | None
    tensorrt_installed: bool
    note: str = ""

    @property
    def device_text(self) -> str:
        if self.cuda:
            return f"CUDA detected: {self.gpu or 'GPU'}"
        return "CUDA not detected: models run on the CPU" + (f" ({self.note})" if self.note else "")

    def tensorrt_problem(self) -> str | None:
        if not self.cuda:
            return "needs CUDA, which was not detected"
        if not self.tensorrt_installed:
            return probes.TENSORRT_PACKAGE_HINT
        return None


_lock = threading.Lock()
_found: Hardware | None = None


def tensorrt_installed() -> bool:
    return probes.torch_tensorrt_installed()


def detected() -> Hardware | None:
    return _found


def detect_hardware() -> Hardware:
    global _found
    with _lock:
        if _found is None:
            cuda, gpu, note = probes.probe_cuda()
            _found = Hardware(cuda, gpu, tensorrt_installed(), note)
        return _found


@dataclass(frozen=True)
class CacheUsage:
    folder: str
    files: int
    bytes: int


def cache_usage(cache_dir: Path) -> CacheUsage:
    files = size = 0
    for sub in CACHE_SUBFOLDERS:
        for root, _dirs, names in os.walk(Path(cache_dir) / sub):
            for name in names:
                try:
                    size += os.stat(os.path.join(root, name)).st_size
                    files += 1
                except OSError:
                    pass
    return CacheUsage(str(cache_dir), files, size)


def clear_cache(cache_dir: Path) -> CacheUsage:
    """Delete the app's thumbnails and previews (only those folders) and report what is left."""
    for sub in CACHE_SUBFOLDERS:
        shutil.rmtree(Path(cache_dir) / sub, ignore_errors=True)
    return cache_usage(cache_dir)
