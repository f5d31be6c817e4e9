"""Personal tags on regional features of MobileNetV2's last feature map (benchmark only).

Decodes every photo of the evaluation catalog again (the product never does), keeps the final
feature map (7 x 7 x 1280 at 224 px, 12 x 12 at 384), and scores tags with the product's
calibration (``personal_tags_ideas.rescored``) on: the recomputed global feature ("global"), the
best pair of regions (the whole map, its four corner windows of 4/7 of a side and its centre;
mean-pooled "reg-reg" or max-pooled "reg-reg-max") and, per example region, the best photo
region averaged ("softset"). Same protocol as ``personal_tags_variants``.

    python -m benchmarks.personal_tags_regions --catalog CATALOG [--size 224] [--split dev]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks import personal_tags_variants as harness
from benchmarks.personal_tags_ideas import rescored, variant
from imgengine_gui.analysis.heif import register_heif_once
from imgengine_gui.catalog import personal_tags as store
from imgengine_gui.catalog.db import connect


def feature_maps(catalog: Path, ids: list[int], size: int) -> np.ndarray:
    import torch
    import torchvision

    from imgengine_gui.ml import weights
    from imgengine_gui.ml.offline import scenes

    register_heif_once()
    net = torchvision.models.mobilenet_v2()
    net.load_state_dict(torch.load(weights.locate(weights.MOBILENET_V2), weights_only=True))
    net.eval()
    scenes.CROP = size  # the scene analyzer's input, at another size
    mean, std = (torch.tensor(v).view(3, 1, 1) for v in (scenes._MEAN, scenes._STD))
    paths = store.photo_paths(connect(catalog), ids)
    maps = []
    with torch.no_grad():
        for pid in ids:
            image = Image.open(paths[pid])
            image.draft("RGB", (1024, 1024))
            x = np.asarray(scenes._square_input(image), np.float32) / 255
            x = (torch.from_numpy(x).permute(2, 0, 1) - mean) / std
            maps.append(net.features(x[None])[0].numpy())
    return np.stack(maps)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def scorers(maps: np.ndarray) -> dict:
    n, _, h, w = maps.shape
    k = max(2, round(h * 4 / 7))
    boxes = [(0, 0, h, w), *((y, x, y + k, x + k) for y in (0, h - k) for x in (0, w - k)),
             (1, 1, h - 1, w - 1)]  # fmt: skip

    def regions(pool):
        r = np.stack([_unit(pool(maps[:, :, y0:y1, x0:x1], (2, 3))) for y0, x0, y1, x1 in boxes], 1)
        return _unit(r - r.reshape(-1, r.shape[-1]).mean(0))

    mean_regions, max_regions = regions(np.mean), regions(np.max)
    whole = mean_regions[:, 0]

    def best_pair(rows):
        def score(positives, _negatives):
            return np.max([np.einsum("nrc,qc->nrq", rows, rows[e]).max((1, 2))
                           for e in positives], axis=0)  # fmt: skip
        return score

    def softset(positives, _negatives):
        return np.max([np.einsum("nrc,qc->nrq", mean_regions, mean_regions[e]).max(1).mean(1)
                       for e in positives], axis=0)  # fmt: skip

    def global_(positives, _negatives):
        return (whole @ whole[positives].T).max(1)

    return {"global": global_, "reg-reg": best_pair(mean_regions),
            "reg-reg-max": best_pair(max_regions), "softset": softset}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalog", type=Path, default=harness.DEFAULT_CATALOG)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--split", default="dev,held-out,fresh")
    args = parser.parse_args()
    lib = harness.load(args.catalog)
    maps = feature_maps(args.catalog, [int(i) for i in lib.ids], args.size)
    variants = {"stored": variant("current")}
    for name, score in scorers(maps).items():
        variants[name] = lambda lib, p, q, score=score: rescored(lib, p, q, score)
    for name, run in variants.items():
        for split in args.split.split(","):
            result = harness.evaluate(lib, run, split, ks=(1, 2))
            print(f"{name:12s} {split:9s} {harness.summary(result)}", flush=True)


if __name__ == "__main__":
    main()
