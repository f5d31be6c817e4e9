"""Full ML tier: transformers models read from the Hugging Face cache or a local folder only.

Importing this package is cheap: torch and transformers load inside ``load()``.
"""

from __future__ import annotations

from imgengine_gui.ml.full.clip import ClipSceneAnalyzer
from imgengine_gui.ml.full.detection import DetectionAnalyzer
from imgengine_gui.ml.full.segmentation import SegformerSegmenter

__all__ = ["ClipSceneAnalyzer", "DetectionAnalyzer", "SegformerSegmenter"]
