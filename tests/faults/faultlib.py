"""Helpers of the fault tests: photos, real processes, small and read-only file systems."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]


def picture(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A photo-like picture: a scikit-image sample, cropped and tinted per seed."""
    from skimage import data

    samples = (data.astronaut, data.coffee, data.chelsea, data.rocket, data.immunohistochemistry)
    pixels = samples[seed % len(samples)]()
    rng = np.random.default_rng(seed)
    h, w = pixels.shape[:2]
    top, left = int(rng.integers(0, h // 5)), int(rng.integers(0, w // 5))
    crop = pixels[top : top + h * 4 // 5, left : left + w * 4 // 5].astype(np.float32)
    crop = np.clip(crop * rng.uniform(0.8, 1.2, 3), 0, 255).astype(np.uint8)
    return Image.fromarray(crop).resize(size, Image.BILINEAR)


def photo_folder(root: Path, count: int, size: tuple[int, int] = (640, 480)) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        picture(i, size).save(root / f"p{i:04d}.jpg", quality=88)
    return root


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tree(root: Path) -> dict[str, tuple[int, str]]:
    """Every file under ``root``: relative path -> (size, sha256)."""
    out = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            out[str(path.relative_to(root))] = (path.stat().st_size, digest(path))
    return out


# -- processes ------------------------------------------------------------------------------------


def command(*args) -> list[str]:
    return [sys.executable, "-m", "imgengine_gui", *(str(a) for a in args)]


def run(*args, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        command(*args), capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})}, cwd=REPO,
    )  # fmt: skip


def spawn(*argv: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}, cwd=REPO,
    )  # fmt: skip


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen | None, timeout: float) -> None:
    """Poll ``condition`` (generously: the machine is loaded) while ``proc`` runs."""
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"the process ended first (rc {proc.returncode}): {err[-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def count_rows(catalog: Path, sql: str) -> int:
    try:
        conn = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return 0
    try:
        return conn.execute(sql).fetchone()[0]
    except sqlite3.Error:
        return 0
    finally:
        conn.close()


def assert_one_line_error(stderr: str, *needles: str) -> None:
    """The whole of stderr is one `imgengine: ...` line (no traceback) containing ``needles``."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1 and lines[0].startswith("imgengine: "), stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


# -- file systems ---------------------------------------------------------------------------------


def mount_tmpfs(target: Path, size: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("a small file system needs root (mount -t tmpfs); not root here")
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")


def unmount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True)


@contextlib.contextmanager
def read_only(folder: Path, tmpfs: Callable[[str, str], Path] | None):
    """``folder``'s files, on a read-only place; yields the read-only copy of the folder.

    As root a read-only tmpfs (root ignores permission bits); otherwise permission bits.
    """
    if os.geteuid() == 0:
        assert tmpfs is not None
        place = tmpfs(f"ro-{folder.name}", "64m")
        copy = place / folder.name
        shutil.copytree(folder, copy)
        subprocess.run(["mount", "-o", "remount,ro", str(place)], check=True)
        yield copy
        return
    copy = folder.parent / f"ro-{folder.name}"
    shutil.copytree(folder, copy)
    modes = {}
    for path in [copy, *copy.rglob("*")]:
        modes[path] = path.stat().st_mode
        path.chmod(modes[path] & ~0o222)
    try:
        yield copy
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def fill(folder: Path, leave_bytes: int) -> Path:
    """Fill the file system of ``folder`` until about ``leave_bytes`` are left."""
    filler = folder / "filler.bin"
    free = shutil.disk_usage(folder).free
    with open(filler, "wb") as handle:
        remaining = max(0, free - leave_bytes)
        chunk = b"\0" * (1 << 16)
        with contextlib.suppress(OSError):
            while remaining > 0:
                handle.write(chunk[: min(len(chunk), remaining)])
                remaining -= len(chunk)
    return filler
