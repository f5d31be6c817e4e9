"""Would another embedding from the offline model serve personal tags better? (benchmark only)

Runs MobileNetV2 (the offline tier's packaged weights, the scene analyzer's input: the whole
photo squeezed to 224 x 224) on the evaluation catalog's previews and keeps pooled features of
several blocks, mean- and GeM-pooled, in ``layers.npz`` beside the catalog, keyed by photo id.
``benchmarks.personal_tags_variants`` then scores tags on them (``layer:NAME`` features). The
app's embeddings come from ``ml/``; nothing here changes them.

    python -m benchmarks.personal_tags_layers [--catalog PATH]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.personal_tags_eval import DEFAULT_CATALOG
from imgengine_gui.catalog.db import connect

BLOCKS = {"b6": 6, "b10": 10, "b13": 13, "b16": 16, "b17": 17, "b18": 18}  # name -> features[i]


def _gem(x, p: float = 3.0):
    return x.clamp(min=1e-6).pow(p).mean((2, 3)).pow(1.0 / p)


def compute(catalog: Path) -> Path:
    import torch
    import torchvision

    from imgengine_gui.ml import weights
    from imgengine_gui.ml.offline.scenes import _MEAN, _STD, _square_input

    net = torchvision.models.mobilenet_v2()
    net.load_state_dict(torch.load(weights.locate(weights.MOBILENET_V2), weights_only=True))
    net.eval()
    conn = connect(catalog)
    rows = conn.execute("SELECT photo_id, preview_path FROM content WHERE preview_path IS NOT NULL"
                        " ORDER BY photo_id").fetchall()  # fmt: skip
    mean = torch.tensor(_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(_STD).view(1, 3, 1, 1)
    out: dict[str, list] = {}
    ids = []
    with torch.inference_mode():
        for photo_id, preview in rows:
            image = _square_input(Image.open(preview))
            x = torch.from_numpy(np.asarray(image)).permute(2, 0, 1)[None].float() / 255
            x = (x - mean) / std
            for i, block in enumerate(net.features):
                x = block(x)
                for name, at in BLOCKS.items():
                    if at == i:
                        out.setdefault(f"{name}-mean", []).append(x.mean((2, 3))[0].numpy())
                        out.setdefault(f"{name}-gem", []).append(_gem(x)[0].numpy())
                        out.setdefault(f"{name}-max", []).append(x.amax((2, 3))[0].numpy())
            ids.append(photo_id)
    target = catalog.parent / "layers.npz"
    np.savez(target, ids=np.array(ids), **{k: np.stack(v) for k, v in out.items()})
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    print(compute(parser.parse_args().catalog))


if __name__ == "__main__":
    main()
