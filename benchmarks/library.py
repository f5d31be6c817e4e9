"""A benchmark library of camera-sized photos, generated once and cached.

Every photo is a real photograph (the exif-samples corpus and scikit-image's sample photos)
cropped, colour- and brightness-varied, sometimes mirrored, then scaled to camera size and saved
as a quality-90 JPEG with a little EXIF (camera, date, sometimes a rotation tag). About one photo
in fifty is an HEIC. Photo ``i`` depends only on ``i`` and the size, so a library is reproducible.
Generation runs in a process pool (one process per core); the finished library carries a manifest
and is reused as long as every file is still there at its recorded size.
"""

from __future__ import annotations

import functools
import json
import math
import os
import random
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

from imgengine_gui.settings import cache_dir

LIBRARY_VERSION = 1
CAMERA_SIZE = (4000, 3000)
JPEG_QUALITY = 90
HEIC_QUALITY = 80
HEIC_EVERY = 50  # photo i is an HEIC when i % HEIC_EVERY == HEIC_OFFSET
HEIC_OFFSET = 3
ROTATED_EVERY = 8  # stored landscape with EXIF orientation 6, as phones do for portraits
MIN_SOURCE_SIDE = 300
CAMERAS = (
    ("Canon", "Canon EOS 80D"),
    ("NIKON CORPORATION", "NIKON D7500"),
    ("SONY", "ILCE-6400"),
    ("FUJIFILM", "X-T30"),
    ("Apple", "iPhone 12"),
    ("samsung", "SM-G991B"),
)
_SKIMAGE_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "camera")
_SKIPPED_CORPUS = ("invalid", "corrupted")

ProgressCallback = Callable[[int, int], None]


@dataclass
class BenchLibrary:
    folder: Path
    files: list[Path]
    size: tuple[int, int]
    generated: bool  # False when the cached library was reused

    @property
    def count(self) -> int:
        return len(self.files)


def parse_size(text: str | None) -> tuple[int, int]:
    """'4000x3000' -> (4000, 3000); None or '' -> the camera size."""
    if not text:
        return CAMERA_SIZE
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"size must look like 4000x3000, not {text!r}") from None
    if width < 64 or height < 64:
        raise ValueError(f"size {text} is too small (at least 64x64)")
    return width, height


def library_folder(
    count: int, size: tuple[int, int] = CAMERA_SIZE, root: Path | None = None, heic: bool = True
) -> Path:
    root = root or cache_dir() / "bench-library"
    suffix = "" if size == CAMERA_SIZE else f"-{size[0]}x{size[1]}"
    suffix += "" if heic else "-jpeg-only"
    return root / f"{count}{suffix}-v{LIBRARY_VERSION}"


def photo_name(index: int, heic: bool = True) -> str:
    ext = "heic" if heic and index % HEIC_EVERY == HEIC_OFFSET else "jpg"
    return f"photo_{index:05d}.{ext}"


def heic_writable() -> bool:
    try:
        import pillow_heif  # noqa: F401
    except ImportError:
        return False
    return True


def ensure_library(
    count: int,
    size: tuple[int, int] = CAMERA_SIZE,
    *,
    root: Path | None = None,
    workers: int | None = None,
    heic: bool | None = None,
    on_progress: ProgressCallback | None = None,
) -> BenchLibrary:
    """The cached library of ``count`` photos at ``size``, generating whatever is missing.

    ``heic`` None means "when pillow-heif is installed" (a bare GPU image may lack it).
    """
    if count < 1:
        raise ValueError("a library needs at least one photo")
    heic = heic_writable() if heic is None else heic
    folder = library_folder(count, size, root, heic)
    files = [folder / photo_name(i, heic) for i in range(count)]
    if _manifest_matches(folder, files, size):
        return BenchLibrary(folder, files, size, generated=False)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").unlink(missing_ok=True)
    missing = [i for i, path in enumerate(files) if not path.is_file()]
    done = count - len(missing)
    if on_progress is not None:
        on_progress(done, count)
    if missing:
        # HEICs first: they take longest to encode, so they should not finish last on one core.
        missing.sort(key=lambda i: not files[i].name.endswith(".heic"))
        workers = max(1, min(workers or os.cpu_count() or 1, len(missing)))
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(make_photo, i, str(files[i]), size) for i in missing]
            for future in as_completed(futures):
                future.result()
                done += 1
                if on_progress is not None:
                    on_progress(done, count)
    manifest = {
        "version": LIBRARY_VERSION,
        "size": list(size),
        "files": {path.name: path.stat().st_size for path in files},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return BenchLibrary(folder, files, size, generated=True)


def _manifest_matches(folder: Path, files: list[Path], size: tuple[int, int]) -> bool:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest["version"] != LIBRARY_VERSION or tuple(manifest["size"]) != size:
            return False
        recorded = manifest["files"]
        return len(recorded) == len(files) and all(
            path.stat().st_size == recorded[path.name] for path in files
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


# --- one photo (runs in a worker process) -----------------------------------------------------


def make_photo(index: int, path: str, size: tuple[int, int] = CAMERA_SIZE) -> str:
    """Write photo ``index`` to ``path`` (atomically) and return the path."""
    rng = random.Random(index * 7919 + 17)
    sources = source_photos()
    image = vary(sources[index % len(sources)], rng, size)
    rotated = index % ROTATED_EVERY == ROTATED_EVERY - 1
    exif = camera_exif(index, rng, orientation=6 if rotated else 1)
    target = Path(path)
    tmp = target.with_name(f".{target.name}.partial")
    if target.suffix == ".heic":
        import pillow_heif

        pillow_heif.register_heif_opener()
        image.save(
            tmp, "HEIF", quality=HEIC_QUALITY, exif=exif, enc_params={"preset": "ultrafast"}
        )
    else:
        image.save(tmp, "JPEG", quality=JPEG_QUALITY, exif=exif)
    os.replace(tmp, target)
    return path


def vary(source: Image.Image, rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A random crop of ``source`` at the aspect of ``size``, colour-varied, scaled to ``size``."""
    width, height = size
    aspect = width / height
    src_w, src_h = source.size
    max_w = min(src_w, src_h * aspect)
    crop_w = max_w * math.sqrt(rng.uniform(0.55, 1.0))
    crop_h = crop_w / aspect
    left = rng.uniform(0, src_w - crop_w)
    top = rng.uniform(0, src_h - crop_h)
    # colour work happens at the smaller of crop and output size: cheap either way
    small_size = (max(1, round(min(crop_w, width))), max(1, round(min(crop_h, height))))
    image = source.resize(
        small_size, Image.Resampling.LANCZOS, box=(left, top, left + crop_w, top + crop_h)
    )
    image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.75, 1.25))
    image = ImageEnhance.Color(image).enhance(rng.uniform(0.7, 1.3))
    image = ImageEnhance.Contrast(image).enhance(rng.uniform(0.85, 1.15))
    if rng.random() < 0.5:
        image = ImageOps.mirror(image)
    return image if image.size == size else image.resize(size, Image.Resampling.BICUBIC)


def camera_exif(index: int, rng: random.Random, orientation: int = 1) -> bytes:
    make, model = CAMERAS[index % len(CAMERAS)]
    day = 1 + index % 28
    taken = f"2023:{1 + index % 12:02d}:{day:02d} {rng.randrange(7, 21):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
    exif = Image.Exif()
    exif[0x010F] = make
    exif[0x0110] = model
    exif[0x0112] = orientation
    exif[0x0132] = taken
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = taken  # DateTimeOriginal
    sub[0x9004] = taken  # DateTimeDigitized
    return exif.tobytes()


# --- source photos ------------------------------------------------------------------------------


def find_corpus() -> Path | None:
    """The exif-samples corpus: env IMGENGINE_CORPUS, else ../shared/corpus beside the repo."""
    repo = Path(__file__).resolve().parents[1]
    for candidate in (os.environ.get("IMGENGINE_CORPUS"), repo.parent / "shared" / "corpus"):
        if not candidate:
            continue
        path = Path(candidate)
        if (path / "exif-samples").is_dir():
            return path / "exif-samples"
        if (path / "jpg").is_dir():
            return path
    return None


@functools.cache
def source_photos() -> tuple[Image.Image, ...]:
    """Real photos to vary: corpus JPEGs of at least MIN_SOURCE_SIDE, scikit-image samples."""
    photos = _corpus_photos() + _skimage_photos()
    return tuple(photos) if photos else tuple(_drawn_scenes())


def _corpus_photos() -> list[Image.Image]:
    corpus = find_corpus()
    if corpus is None:
        return []
    photos = []
    for path in sorted((corpus / "jpg").rglob("*.jpg")):
        relative = path.relative_to(corpus).as_posix()
        if any(word in relative for word in _SKIPPED_CORPUS):
            continue
        if "orientation/" in relative and not path.name.startswith("landscape_1"):
            continue  # the same picture in eight orientations: one is enough
        try:
            with Image.open(path) as im:
                if min(im.size) < MIN_SOURCE_SIDE:
                    continue
                photos.append(ImageOps.exif_transpose(im).convert("RGB"))
        except Exception:  # an unreadable sample is simply not a source
            continue
    return photos


def _skimage_photos() -> list[Image.Image]:
    try:
        from skimage import data
    except ImportError:
        return []
    photos = []
    for name in _SKIMAGE_PHOTOS:
        try:
            array = getattr(data, name)()
        except Exception:  # a sample that needs a download is skipped
            continue
        photos.append(Image.fromarray(np.asarray(array)).convert("RGB"))
    return photos


def _drawn_scenes(count: int = 6) -> list[Image.Image]:
    """Last resort when neither corpus nor scikit-image is present: simple drawn landscapes."""
    scenes = []
    for index in range(count):
        rng = random.Random(index)
        image = Image.new("RGB", (640, 480))
        draw = ImageDraw.Draw(image)
        sky = (rng.randrange(60, 140), rng.randrange(120, 200), rng.randrange(200, 255))
        ground = (rng.randrange(40, 120), rng.randrange(90, 160), rng.randrange(20, 80))
        horizon = rng.randrange(200, 330)
        for y in range(480):
            top, colour = (y / horizon, sky) if y < horizon else ((y - horizon) / 480, ground)
            draw.line([(0, y), (640, y)], fill=tuple(int(c * (1 - 0.4 * top)) for c in colour))
        for _ in range(8):
            x, y, r = rng.randrange(640), rng.randrange(480), rng.randrange(10, 80)
            fill = tuple(rng.randrange(256) for _ in range(3))
            draw.ellipse([x - r, y - r, x + r, y + r], fill=fill)
        scenes.append(image)
    return scenes
