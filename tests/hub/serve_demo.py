"""The test hub on a loopback port, for trying the Models dialog in a real window.

    PYTHONPATH=tests .venv/bin/python -m hub.serve_demo [--slow SECONDS]

prints the ``HF_ENDPOINT`` to start ``imgengine gui`` with, and serves the three tiny full-tier
models (the ones the tests build) under the default model ids until interrupted. ``--slow``
pauses between 16 KiB chunks of the weights, so a download can be watched (and cancelled).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from ml import conftest as tiny

from hub.server import FakeHub
from imgengine_gui.settings import Settings


class _Folders:
    def __init__(self, root: Path) -> None:
        self.root = root

    def mktemp(self, name: str) -> Path:
        folder = self.root / name
        folder.mkdir()
        return folder


def _build(fixture, folders: _Folders) -> Path:
    function = getattr(fixture, "__wrapped__", None) or fixture._get_wrapped_function()
    return function(folders)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=float, default=0.0, help="seconds between weight chunks")
    args = parser.parse_args()
    defaults = Settings()
    with tempfile.TemporaryDirectory() as root, FakeHub() as hub:
        folders = _Folders(Path(root))
        hub.add_repo(defaults.scenes_model, _build(tiny.tiny_clip_dir, folders))
        hub.add_repo(defaults.objects_model, _build(tiny.tiny_rtdetr_dir, folders))
        hub.add_repo(defaults.segmentation_model, _build(tiny.tiny_segformer_dir, folders))
        if args.slow:
            hub.slow["model.safetensors"] = args.slow
        print(f"HF_ENDPOINT={hub.url}", flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
