"""Calibrate the offline tier's tag thresholds and the portrait rule on the labelled DEV set only.

Every dev photo goes through the pipeline's analyzers with all thresholds at zero, so each tag's
raw score is known; then, per tag:
- ``threshold = max(FLOOR, highest score on a photo where the tag is wrong + MARGIN)``, rounded
  up to ``STEP``: no dev photo gets a wrong tag, with room to spare, and no tag is ever emitted on
  less than ``FLOOR`` of the probability mass;
- a tag that no dev photo rightly reaches at that threshold is unproven: it needs ``UNSEEN``;
- a tag no ImageNet class feeds gets none (null: never emitted offline).
The portrait rule's minimum face height sits at ``PORTRAIT_SHARE`` of the smallest right
portrait's largest face (and above any wrong one). The held-out set is never read here.

The leave-one-out figures it prints (each dev photo tagged with thresholds calibrated on the
others) say how much of the dev set's precision is owed to calibrating on it.

    python -m benchmarks.tags_calibrate [--write]   # prints; --write updates ml/calibration.json
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from typing import Any

from benchmarks import heldout
from benchmarks.tags_eval import analyze, corpus_root, load_photo, read_labels
from imgengine_gui.ml.offline.imagenet_tags import TAG_ORDER
from imgengine_gui.ml.photo_tags import PortraitRule
from imgengine_gui.ml.tags import CALIBRATION_FILE, DERIVED_TAGS, TAGS

FLOOR = 0.35
MARGIN = 0.05
UNSEEN = 0.5
STEP = 0.05
PORTRAIT_SHARE = 0.8


def _round_up(value: float, step: float) -> float:
    return round(math.ceil(round(value / step, 6)) * step, 4)


def tag_threshold(right: Sequence[float], wrong: Sequence[float]) -> float:
    threshold = max(FLOOR, _round_up(max(wrong, default=0.0) + MARGIN, STEP))
    if not any(score >= threshold for score in right):
        threshold = max(threshold, UNSEEN)
    return threshold


def portrait_threshold(right: Sequence[float], wrong: Sequence[float]) -> float:
    share = PORTRAIT_SHARE * min(right, default=0.0)
    return round(max(share, max(wrong, default=0.0) + 0.01), 2)


def raw_results(labels: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer
    from imgengine_gui.ml.offline.scenes import MobileNetSceneAnalyzer

    everything = dict.fromkeys(TAGS, 0.0)
    analyzers = [MobileNetSceneAnalyzer(thresholds=everything, max_tags=len(TAGS))]
    analyzers.append(MtcnnFaceAnalyzer())
    corpus, cache = corpus_root(), heldout.default_cache()
    keys = list(labels)
    results = analyze([load_photo(key, corpus, cache) for key in keys], analyzers)
    return dict(zip(keys, results, strict=True))


def calibrate(
    labels: dict[str, dict[str, Any]], results: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    scores = {key: {s["label"]: s["score"] for s in r["scenes"]} for key, r in results.items()}
    thresholds: dict[str, float | None] = {}
    for tag in TAGS:
        if tag in DERIVED_TAGS:
            continue
        if tag not in TAG_ORDER:  # no ImageNet class feeds it (sunset, forest)
            thresholds[tag] = None
            continue
        right = [scores[key].get(tag, 0.0) for key in results if tag in labels[key]["right"]]
        wrong = [scores[key].get(tag, 0.0) for key in results if tag in labels[key]["wrong"]]
        thresholds[tag] = tag_threshold(right, wrong)
    heights: dict[str, list[float]] = {"right": [], "wrong": []}
    for key, result in results.items():
        if result.get("faces"):
            for side in ("right", "wrong"):
                if "portrait" in labels[key][side]:
                    heights[side].append(_tallest(result["faces"]))
    return {
        "offline": thresholds,
        "portrait_min_face_height": portrait_threshold(heights["right"], heights["wrong"]),
    }


def _tallest(faces: Sequence[dict[str, Any]]) -> float:
    return max(face["box"][3] - face["box"][1] for face in faces)


def leave_one_out(
    labels: dict[str, dict[str, Any]], results: dict[str, dict[str, Any]]
) -> dict[str, float]:
    """Each dev photo tagged with thresholds calibrated on the other ones: an honest estimate."""
    right = wrong = hits = findable = 0
    for key, result in results.items():
        others = {k: r for k, r in results.items() if k != key}
        found = calibrate(labels, others)
        limits = {t: v for t, v in found["offline"].items() if v is not None}
        emitted = [s["label"] for s in result["scenes"] if s["score"] >= limits.get(s["label"], 2)]
        faces = result.get("faces") or []
        max_faces = PortraitRule.calibrated().max_faces
        if (
            faces
            and _tallest(faces) >= found["portrait_min_face_height"]
            and len(faces) <= max_faces
        ):
            emitted.append("portrait")
        right += sum(tag in labels[key]["right"] for tag in emitted)
        wrong += sum(tag in labels[key]["wrong"] for tag in emitted)
        if labels[key]["right"]:
            findable += 1
            hits += any(tag in labels[key]["right"] for tag in emitted)
    precision = right / max(1, right + wrong)
    return {"precision": precision, "hit_rate": hits / max(1, findable), "wrong": wrong}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help=f"update {CALIBRATION_FILE.name}")
    args = parser.parse_args(argv)
    labels = read_labels("dev")
    results = raw_results(labels)
    found = calibrate(labels, results)
    print(json.dumps(found, indent=1))
    print("leave-one-out on dev:", json.dumps(leave_one_out(labels, results)))
    if args.write:
        data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
        data["scenes"]["offline"] = found["offline"]
        data["portrait"]["min_face_height"] = found["portrait_min_face_height"]
        CALIBRATION_FILE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {CALIBRATION_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
