"""Precision/recall benchmark for near-duplicate detection, on the real content pipeline.

Every source photo gets a family of edited copies (resized, recompressed, cropped, letterboxed,
rotated through the EXIF tag, brightened, captioned, converted to PNG/WebP/HEIC, grayscale, ...)
written to a temporary folder. Each file then goes through ``decode_reduced`` + ``analyze_content``
exactly as in a scan, the signatures are clustered with ``cluster_duplicates``, and the clusters
are scored pairwise against the truth: two files are duplicates when they come from the same source.

Hard negatives are part of the sources: the corpus's consecutive town shots (jpg/gps/DSCN*), two
far-apart crops of the same large photos, and scikit-image sample photos (including textures).

    python -m benchmarks.duplicates_eval [--small] [--sensitivity 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont

from imgengine_gui.analysis.content import analyze_content
from imgengine_gui.analysis.decode import decode_reduced
from imgengine_gui.analysis.duplicates import PhotoSignature, cluster_duplicates
from imgengine_gui.analysis.hashes import hex_to_hash
from imgengine_gui.common.files import sha256_file

EXIF_ORIENTATION = 0x0112
SKIMAGE_PHOTOS = (
    "astronaut", "chelsea", "coffee", "rocket", "camera", "coins", "moon", "clock", "brick",
    "grass", "gravel", "hubble_deep_field", "immunohistochemistry", "retina",
    "stereo_motorcycle", "page", "text", "colorwheel", "cell",
)  # fmt: skip
SMALL_SKIMAGE = ("astronaut", "chelsea", "coffee", "rocket", "camera", "grass")
# Corpus files that are not distinct sources: the broken ones, the other 7 orientations of the
# two orientation photos (they form their own duplicate groups), the HDR twin of canon_hdr_NO
# (the same shot bracketed: neither a clean duplicate nor a clean negative).
CORPUS_EXCLUDE = ("invalid/", "corrupted.jpg", "canon_hdr_YES.jpg")
MAX_SOURCE_SIDE = 2048  # larger sources only slow the HEIC/PNG encoders down
SMALL_CORPUS = ("orientation/landscape_1.jpg", "Canon_40D.jpg", "mobile/jolla.jpg")
LARGE_FOR_SPLIT = ("mobile/jolla.jpg", "hdr/canon_hdr_NO.jpg", "Reconyx_HC500_Hyperfire.jpg")


@dataclass(frozen=True)
class Sample:
    path: Path
    group: str  # files in one group are duplicates of each other
    edit: str  # "original" or the edit's name


# ---------------------------------------------------------------------------------------------
# Edits: each takes the upright source image and writes one file, returning its path.


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=max(6, size))
    except TypeError:  # pragma: no cover - Pillow without FreeType
        return ImageFont.load_default()


def _jpeg(im: Image.Image, path: Path, quality: int = 90, **kw) -> Path:
    im.convert("RGB").save(path.with_suffix(".jpg"), "JPEG", quality=quality, **kw)
    return path.with_suffix(".jpg")


def _crop_frac(
    im: Image.Image, left: float, top: float, right: float, bottom: float
) -> Image.Image:
    w, h = im.size
    return im.crop(
        (round(w * left), round(h * top), round(w * (1 - right)), round(h * (1 - bottom)))
    )


def edit_resize(im, path):
    w, h = im.size
    return _jpeg(im.resize((max(8, w // 2), max(8, h // 2)), Image.Resampling.LANCZOS), path)


def edit_recompress(im, path):
    return _jpeg(im, path, quality=35)


def edit_crop5(im, path):
    return _jpeg(_crop_frac(im, 0.03, 0.02, 0.02, 0.03), path)


def edit_crop10(im, path):
    return _jpeg(_crop_frac(im, 0.07, 0.03, 0.03, 0.07), path)


def edit_letterbox(im, path):
    """Pad to the other aspect (landscape into a square/portrait frame and back) with black bars."""
    w, h = im.size
    canvas = Image.new("RGB", (max(w, h), round(max(w, h) * (9 / 16 if h > w else 1))), "black")
    scale = min(canvas.width / w, canvas.height / h)
    inner = im.resize(
        (max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.LANCZOS
    )
    canvas.paste(inner, ((canvas.width - inner.width) // 2, (canvas.height - inner.height) // 2))
    return _jpeg(canvas, path)


def edit_pad(im, path):
    """A white frame around the picture, as printed-photo and social-media templates add."""
    w, h = im.size
    pad = max(2, round(0.06 * max(w, h)))
    canvas = Image.new("RGB", (w + 2 * pad, h + 2 * pad), "white")
    canvas.paste(im, (pad, pad))
    return _jpeg(canvas, path)


def edit_exif_rotate(im, path):
    """Pixels stored rotated, the EXIF orientation tag (6) says how to display them upright."""
    stored = im.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    return _jpeg(stored, path, exif=exif.tobytes())


def edit_brighten(im, path):
    return _jpeg(ImageEnhance.Brightness(im).enhance(1.35), path)


def edit_contrast(im, path):
    return _jpeg(ImageEnhance.Contrast(ImageEnhance.Color(im).enhance(1.4)).enhance(1.25), path)


def edit_caption_bar(im, path):
    """A white bar under the picture with a line of black text."""
    w, h = im.size
    bar = max(10, round(h * 0.12))
    canvas = Image.new("RGB", (w, h + bar), "white")
    canvas.paste(im, (0, 0))
    draw = ImageDraw.Draw(canvas)
    text, size = "Summer 2019 - at the lake!", round(bar * 0.55)
    while size > 6 and draw.textlength(text, font=_font(size)) > 0.85 * w:
        size -= 1
    draw.text((round(w * 0.05), h + bar // 5), text, fill="black", font=_font(size))
    return _jpeg(canvas, path)


def edit_text_overlay(im, path):
    """Meme-style white text with a dark outline drawn over the picture itself."""
    im = im.copy()
    w, h = im.size
    draw = ImageDraw.Draw(im)
    size = max(8, round(h * 0.09))
    draw.text((round(w * 0.06), round(h * 0.05)), "WHEN THE WEEKEND", fill="white", font=_font(size),
              stroke_width=max(1, size // 12), stroke_fill="black")  # fmt: skip
    draw.text(
        (round(w * 0.5), round(h * 0.86)), "© photo", fill="white", font=_font(round(size * 0.7))
    )
    return _jpeg(im, path)


def edit_png(im, path):
    im.save(path.with_suffix(".png"), "PNG", compress_level=1)
    return path.with_suffix(".png")


def edit_webp(im, path):
    im.save(path.with_suffix(".webp"), "WEBP", quality=75)
    return path.with_suffix(".webp")


def edit_heic(im, path):
    import pillow_heif

    pillow_heif.register_heif_opener()
    im.save(path.with_suffix(".heic"), "HEIF", quality=70, enc_params={"preset": "ultrafast"})
    return path.with_suffix(".heic")


def edit_grayscale(im, path):
    return _jpeg(im.convert("L"), path)


def edit_social(im, path):
    """What a messenger does: shrink to 60%, strong recompression, a slight crop, WebP."""
    w, h = im.size
    im = _crop_frac(im, 0.02, 0.02, 0.02, 0.02).resize((max(8, w * 3 // 5), max(8, h * 3 // 5)))
    im.save(path.with_suffix(".webp"), "WEBP", quality=55)
    return path.with_suffix(".webp")


EDITS: dict[str, Callable[[Image.Image, Path], Path]] = {
    "resize": edit_resize,
    "recompress": edit_recompress,
    "crop5": edit_crop5,
    "crop10": edit_crop10,
    "letterbox": edit_letterbox,
    "pad": edit_pad,
    "exif_rotate": edit_exif_rotate,
    "brighten": edit_brighten,
    "contrast": edit_contrast,
    "caption_bar": edit_caption_bar,
    "text_overlay": edit_text_overlay,
    "png": edit_png,
    "webp": edit_webp,
    "heic": edit_heic,
    "grayscale": edit_grayscale,
    "social": edit_social,
}
SMALL_EDITS = tuple(EDITS)  # the quick benchmark has fewer sources, not fewer edits


# ---------------------------------------------------------------------------------------------
# Sources


def default_corpus() -> Path | None:
    from benchmarks.library import find_corpus

    return find_corpus()


def _upright(path: Path) -> Image.Image:
    from PIL import ImageOps

    with Image.open(path) as im:
        image = ImageOps.exif_transpose(im).convert("RGB")
    image.thumbnail((MAX_SOURCE_SIDE, MAX_SOURCE_SIDE), Image.Resampling.LANCZOS)
    return image


def corpus_sources(corpus: Path, small: bool = False) -> list[tuple[str, Image.Image]]:
    """(name, upright RGB image) for each distinct corpus photo, plus far-apart crops of big ones."""
    sources = []
    for path in sorted((corpus / "jpg").rglob("*.jpg")):
        rel = path.relative_to(corpus / "jpg").as_posix()
        if any(part in rel for part in CORPUS_EXCLUDE):
            continue
        if rel.startswith("orientation/") and not rel.endswith("_1.jpg"):
            continue
        if small and not (rel.startswith("gps/") or rel in SMALL_CORPUS):
            continue
        image = _upright(path)
        sources.append((rel, image))
        if rel in LARGE_FOR_SPLIT:
            w, h = image.size
            sources.append((rel + "#left", image.crop((0, 0, round(w * 0.45), h))))
            sources.append((rel + "#right", image.crop((round(w * 0.55), 0, w, h))))
    return sources


def skimage_sources(names: Iterable[str]) -> list[tuple[str, Image.Image]]:
    try:
        import skimage.data
    except ImportError:
        return []
    sources = []
    for name in names:
        try:
            array = getattr(skimage.data, name)()
        except Exception:  # data that needs a download (no network here): skip it
            continue
        if isinstance(array, tuple):  # stereo pairs: the left view
            array = array[0]
        if array.dtype != np.uint8:
            array = (array.astype(np.float64) * (255.0 / max(1.0, float(array.max())))).astype(
                np.uint8
            )
        image = Image.fromarray(array)
        sources.append((f"skimage:{name}", image.convert("RGB")))
    return sources


def build_dataset(
    folder: Path, *, corpus: Path | None, small: bool = False, seed: int = 0
) -> list[Sample]:
    """Write every source and its edited copies under ``folder``; return the labelled files."""
    rng = random.Random(seed)
    sources = skimage_sources(SMALL_SKIMAGE if small else SKIMAGE_PHOTOS)
    if corpus is not None:
        sources += corpus_sources(corpus, small=small)
    edits = SMALL_EDITS if small else tuple(EDITS)
    samples: list[Sample] = []
    for index, (name, image) in enumerate(sources):
        group = f"g{index:03d}:{name}"
        base = folder / f"s{index:03d}"
        samples.append(
            Sample(_jpeg(image, base.with_name(base.name + "_original"), 95), group, "original")
        )
        for edit in edits:
            target = base.with_name(f"{base.name}_{edit}")
            samples.append(Sample(EDITS[edit](image, target), group, edit))
    if corpus is not None:
        # The corpus's own EXIF-orientation sets: the other 7 files of each orientation photo are
        # the same picture once upright, so they join the group of its orientation-1 source.
        group_of = {s.group.split(":", 1)[1]: s.group for s in samples}
        for stem in ("landscape", "portrait"):
            group = group_of.get(f"orientation/{stem}_1.jpg")
            if group is None:
                continue
            files = sorted((corpus / "jpg" / "orientation").glob(f"{stem}_[2-8].jpg"))
            for path in files[3:5] if small else files:
                samples.append(Sample(path, group, "exif_orientation_corpus"))
    rng.shuffle(samples)
    return samples


# ---------------------------------------------------------------------------------------------
# Evaluation


def analyse(
    samples: Sequence[Sample], cache: Path
) -> tuple[list[PhotoSignature], dict[str, float]]:
    signatures = []
    timings = Counter()
    for photo_id, sample in enumerate(samples):
        start = time.perf_counter()
        decoded = decode_reduced(sample.path)
        timings["decode"] += time.perf_counter() - start
        start = time.perf_counter()
        result = analyze_content(sample.path, decoded, cache, key=f"{photo_id:06d}")
        timings["content"] += time.perf_counter() - start
        signatures.append(
            PhotoSignature(
                photo_id=photo_id,
                sha256=result.sha256,
                phash=hex_to_hash(result.phash),
                dhash=hex_to_hash(result.dhash),
                signature=result.signature,
            )
        )
    return signatures, dict(timings)


def score(samples: Sequence[Sample], clusters) -> dict:
    cluster_of = merged_clusters(clusters)
    true_pairs = predicted_pairs = hits = 0
    per_edit_total: Counter[str] = Counter()
    per_edit_found: Counter[str] = Counter()
    false_pairs: list[tuple[str, str]] = []
    for i, j in itertools.combinations(range(len(samples)), 2):
        same_truth = samples[i].group == samples[j].group
        same_pred = i in cluster_of and cluster_of.get(i) == cluster_of.get(j)
        true_pairs += same_truth
        predicted_pairs += same_pred
        hits += same_truth and same_pred
        if same_pred and not same_truth:
            false_pairs.append((_label(samples[i]), _label(samples[j])))
    # Per edit: is the edited copy in the same cluster as its group's original?
    originals = {s.group: i for i, s in enumerate(samples) if s.edit == "original"}
    for i, sample in enumerate(samples):
        if sample.edit == "original":
            continue
        per_edit_total[sample.edit] += 1
        origin = originals[sample.group]
        if i in cluster_of and cluster_of.get(i) == cluster_of.get(origin):
            per_edit_found[sample.edit] += 1
    precision = hits / predicted_pairs if predicted_pairs else 1.0
    recall = hits / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "files": len(samples),
        "groups": len({s.group for s in samples}),
        "true_pairs": true_pairs,
        "predicted_pairs": predicted_pairs,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "recall_per_edit": {
            e: per_edit_found[e] / per_edit_total[e] for e in sorted(per_edit_total)
        },
        "misses_per_edit": {
            e: per_edit_total[e] - per_edit_found[e]
            for e in sorted(per_edit_total)
            if per_edit_total[e] > per_edit_found[e]
        },
        "false_positive_pairs": false_pairs[:50],
        "false_positive_count": len(false_pairs),
    }


def merged_clusters(clusters) -> dict[int, int]:
    """photo id -> cluster number, exact clusters folded into the near cluster of their representative."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for cluster in clusters:
        for other in cluster.photo_ids[1:]:
            parent[root(other)] = root(cluster.photo_ids[0])
    return {photo_id: root(photo_id) for photo_id in parent}


def _label(sample: Sample) -> str:
    return f"{sample.group.split(':', 1)[1]}[{sample.edit}]"


def evaluate(
    *,
    corpus: Path | None = None,
    small: bool = False,
    sensitivity: int = 5,
    workdir: Path | None = None,
    seed: int = 0,
) -> dict:
    """Build the edited dataset, run the content pipeline on it, cluster, and score pairwise."""
    corpus = corpus if corpus is not None else default_corpus()
    with tempfile.TemporaryDirectory(prefix="imgengine-dupes-") as tmp:
        root = Path(workdir) if workdir is not None else Path(tmp)
        photos, cache = root / "photos", root / "cache"
        photos.mkdir(parents=True, exist_ok=True)
        samples = build_dataset(photos, corpus=corpus, small=small, seed=seed)
        signatures, timings = analyse(samples, cache)
        start = time.perf_counter()
        clusters = cluster_duplicates(signatures, sensitivity=sensitivity)
        cluster_seconds = time.perf_counter() - start
    result = score(samples, clusters)
    result.update(
        sensitivity=sensitivity,
        corpus=str(corpus) if corpus else None,
        cluster_seconds=cluster_seconds,
        pipeline_seconds=timings,
        clusters={k: sum(1 for c in clusters if c.kind == k) for k in ("exact", "near")},
    )
    return result


def measure_content_speed(
    folder: Path, *, photos: int = 16, workers: int = 2, size: tuple[int, int] = (4000, 3000)
) -> dict:
    """Per-stage milliseconds (best of 3) on one 12 MP JPEG, and photos/s with ``workers`` threads.

    The JPEGs are scikit-image photos upscaled to ``size`` with mild noise, so they compress
    like camera files (~2.5 MB at quality 90).
    """
    from concurrent.futures import ThreadPoolExecutor

    from imgengine_gui.analysis import content, hashes, quality, signature

    rng = np.random.default_rng(0)
    names = [n for n in SKIMAGE_PHOTOS if n not in ("page", "text", "cell", "colorwheel")]
    paths = []
    for index, (_, image) in enumerate(skimage_sources(names[:photos])):
        pixels = np.asarray(image.resize(size, Image.Resampling.BICUBIC), dtype=np.float32)
        noisy = np.clip(pixels + rng.normal(0, 4, pixels.shape), 0, 255).astype(np.uint8)
        path = folder / f"speed_{index:02d}.jpg"
        Image.fromarray(noisy).save(path, quality=90)
        paths.append(path)
    paths = (paths * (photos // max(1, len(paths)) + 1))[:photos]

    def best(fn, repeat: int = 3) -> float:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times) * 1000

    path = paths[0]
    decoded = decode_reduced(path)
    image = decoded.image
    view = hashes.hash_view(image, trim=False)
    preview = content._fit(image, content.PREVIEW_SIDE)
    stages = {
        "decode_reduced": best(lambda: decode_reduced(path)),
        "sha256": best(lambda: sha256_file(path)),
        "hash view + border trim": best(
            lambda: hashes.content_box(np.asarray(hashes.hash_view(image, trim=False)))
        ),
        "phash + dhash": best(lambda: hashes.perceptual_hashes_of_view(view)),
        "signature": best(lambda: signature.make_signature(view)),
        "sharpness + exposure + clipping": best(
            lambda: [
                f(gray)
                for gray in [quality.quality_gray(image)]
                for f in (quality.sharpness, quality.exposure, quality.clipping)
            ]
        ),
        "preview (resize + JPEG)": best(
            lambda: content._save_jpeg_atomic(
                content._fit(image, content.PREVIEW_SIDE), folder / "p.jpg"
            )
        ),
        "thumbnail (resize + JPEG)": best(
            lambda: content._save_jpeg_atomic(
                content._fit(preview, content.THUMB_SIDE), folder / "t.jpg"
            )
        ),
        "analyze_content (all of the above but decode)": best(
            lambda: analyze_content(path, decoded, folder / "cache", key="speed")
        ),
    }

    def one(item: tuple[int, Path]) -> None:
        index, photo = item
        analyze_content(photo, decode_reduced(photo), folder / "cache", key=f"w{index:04d}")

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, enumerate(paths)))
    elapsed = time.perf_counter() - start
    return {
        "file_mb": round(path.stat().st_size / 1e6, 2),
        "draft_scale": decoded.draft_scale,
        "decoded_size": image.size,
        "stage_ms": {k: round(v, 1) for k, v in stages.items()},
        "workers": workers,
        "photos": len(paths),
        "photos_per_s": round(len(paths) / elapsed, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="the quick subset the unit test uses")
    parser.add_argument("--sensitivity", type=int, default=5)
    parser.add_argument("--sweep", action="store_true", help="score every sensitivity 1..10")
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument(
        "--keep", type=Path, default=None, help="write the dataset here and keep it"
    )
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    parser.add_argument(
        "--speed", action="store_true", help="time the content phase on 12 MP JPEGs instead"
    )
    parser.add_argument("--workers", type=int, default=2, help="threads for --speed")
    args = parser.parse_args(argv)
    if args.speed:
        with tempfile.TemporaryDirectory(prefix="imgengine-speed-") as tmp:
            print(json.dumps(measure_content_speed(Path(tmp), workers=args.workers), indent=2))
        return 0
    levels = range(1, 11) if args.sweep else [args.sensitivity]
    if args.sweep:
        return _sweep(args)
    for level in levels:
        result = evaluate(
            corpus=args.corpus, small=args.small, sensitivity=level, workdir=args.keep
        )
        if args.json:
            print(json.dumps(result, indent=2))
        else:
            _print(result)
    return 0


def _sweep(args) -> int:
    corpus = args.corpus if args.corpus is not None else default_corpus()
    with tempfile.TemporaryDirectory(prefix="imgengine-dupes-") as tmp:
        root = args.keep or Path(tmp)
        (root / "photos").mkdir(parents=True, exist_ok=True)
        samples = build_dataset(root / "photos", corpus=corpus, small=args.small)
        signatures, _ = analyse(samples, root / "cache")
    print("sensitivity  precision  recall   f1     false_pairs")
    for level in range(1, 11):
        r = score(samples, cluster_duplicates(signatures, sensitivity=level))
        print(
            f"{level:>11}  {r['precision']:.4f}     {r['recall']:.4f}  {r['f1']:.4f} {r['false_positive_count']:>6}"
        )
    return 0


def _print(r: dict) -> None:
    print(f"files {r['files']} in {r['groups']} groups; sensitivity {r['sensitivity']}")
    print(f"pairs: true {r['true_pairs']}, predicted {r['predicted_pairs']}")
    print(f"precision {r['precision']:.4f}  recall {r['recall']:.4f}  F1 {r['f1']:.4f}")
    print("recall per edit (edited copy clustered with its original):")
    for edit, value in r["recall_per_edit"].items():
        print(f"  {edit:<24} {value:.3f}")
    print(f"false-positive pairs: {r['false_positive_count']}")
    for a, b in r["false_positive_pairs"]:
        print(f"  {a}  <->  {b}")
    times = r["pipeline_seconds"]
    print(f"pipeline: decode {times.get('decode', 0):.2f}s, content {times.get('content', 0):.2f}s; "
          f"clustering {r['cluster_seconds'] * 1000:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
