"""The offline ML tier: models whose weights ship as pip packages, so it serves with no download.

- ``scenes.MobileNetSceneAnalyzer``: ImageNet MobileNetV2 -> scene tags + a 1280-d embedding;
- ``faces.MtcnnFaceAnalyzer``: MTCNN -> face boxes + people count.

Importing this package (or the analyzer modules) does not import torch; ``load()`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer
    from imgengine_gui.ml.offline.scenes import MobileNetSceneAnalyzer

__all__ = ["MobileNetSceneAnalyzer", "MtcnnFaceAnalyzer"]


def __getattr__(name: str) -> Any:
    if name == "MobileNetSceneAnalyzer":
        from imgengine_gui.ml.offline.scenes import MobileNetSceneAnalyzer

        return MobileNetSceneAnalyzer
    if name == "MtcnnFaceAnalyzer":
        from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer

        return MtcnnFaceAnalyzer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
