"""dlib's face ResNet in a child process, so descriptors run while torch uses the device thread.

dlib's Python binding holds the GIL for a whole ``compute_face_descriptor`` call (~95 ms a face),
so a thread beside the device thread starves torch's many short calls instead of overlapping
them. The child is a plain ``python -m`` of this module: it checks the model file against its
pinned digest, loads it, then answers on its pipes, raw bytes only (no pickle): a request is
the chip count (4 bytes, little-endian) and the aligned 150x150 RGB chips (uint8), the answer
the float32 descriptors (128 per chip). A child that died is started again on the next call; a
frozen bundle (PyInstaller, no ``-m``) keeps the ResNet in the process (``available()``).
"""

from __future__ import annotations

import struct
import subprocess
import sys
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

CHIP_SHAPE = (150, 150, 3)
DIMENSIONS = 128
_READY = b"ready\n"
_COUNT = struct.Struct("<I")


def available() -> bool:
    """Whether a child process can be started (``python -m`` needs a real interpreter)."""
    return not getattr(sys, "frozen", False)


class DescriptorProcess:
    """``process(chips)`` -> float32 descriptors, computed by the ResNet at ``path`` in a child."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._child: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def start(self) -> DescriptorProcess:
        """Start the child and wait until it has loaded the model; ``RuntimeError`` if it can't."""
        with self._lock:
            self._start()
        return self

    def __call__(self, chips: Sequence[np.ndarray]) -> np.ndarray:
        batch = np.ascontiguousarray(np.stack(chips), dtype=np.uint8)
        if batch.shape[1:] != CHIP_SHAPE:
            raise ValueError(f"chips must be {CHIP_SHAPE}, not {batch.shape[1:]}")
        with self._lock:
            if self._child is None or self._child.poll() is not None:
                self._start()
            child = self._child
            assert child is not None and child.stdin is not None and child.stdout is not None
            try:
                child.stdin.write(_COUNT.pack(len(batch)) + batch.tobytes())
                child.stdin.flush()
                data = _read_exactly(child.stdout, len(batch) * DIMENSIONS * 4)
            except (OSError, EOFError) as error:
                self._stop()
                raise RuntimeError(f"dlib descriptor process failed: {error}") from error
        return np.frombuffer(bytearray(data), dtype=np.float32).reshape(len(batch), DIMENSIONS)

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _start(self) -> None:
        self._stop()
        child = subprocess.Popen(
            [sys.executable, "-m", __name__, self.path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert child.stdout is not None
        said = child.stdout.readline()
        if said != _READY:
            _stop_child(child)
            reason = said.decode(errors="replace").strip() or "it exited before loading the model"
            raise RuntimeError(f"dlib descriptor process: {reason}")
        self._child = child
        self._finalizer = weakref.finalize(self, _stop_child, child)

    def _stop(self) -> None:
        if self._child is not None:
            self._finalizer()
            self._child = None


def _stop_child(child: subprocess.Popen[bytes]) -> None:
    """Close its input (the child then exits) and reap it."""
    try:
        if child.stdin is not None:
            child.stdin.close()
        child.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        child.kill()
        child.wait()


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) != size:
        raise EOFError("the child closed its output")
    return data


def _serve(path: str, requests: IO[bytes], answers: IO[bytes]) -> None:
    import dlib

    from imgengine_gui.ml.offline.face_identity import RESNET
    from imgengine_gui.ml.weights import read_verified

    try:
        read_verified(RESNET, Path(path))  # the pin, checked here too
        net: Any = dlib.face_recognition_model_v1(path)
    except Exception as error:  # said on the first line, instead of "ready"
        answers.write(f"{type(error).__name__}: {error}".replace("\n", " ").encode() + b"\n")
        answers.flush()
        return
    answers.write(_READY)
    answers.flush()
    chip_bytes = int(np.prod(CHIP_SHAPE))
    while head := requests.read(_COUNT.size):
        (count,) = _COUNT.unpack(head)
        data = _read_exactly(requests, count * chip_bytes)
        chips = np.frombuffer(data, dtype=np.uint8).reshape(count, *CHIP_SHAPE)
        vectors = net.compute_face_descriptor(list(chips))
        answers.write(np.asarray(vectors, dtype=np.float32).tobytes())
        answers.flush()


if __name__ == "__main__":
    _serve(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer)
