"""Entry points of the built-in tasks (group ``imgengine.analyzers`` in pyproject.toml).

Each is a factory ``(settings) -> Analyzer | None`` that picks the full tier when its model is on
this machine, else the offline tier; None means no analyzer serves the task (objects without a
detection model: the faces analyzer counts people). Plug-ins follow the same shape.
"""

from __future__ import annotations

from typing import Any

from imgengine_gui.ml.base import Analyzer
from imgengine_gui.ml.registry import build_analyzer


def SceneAnalyzer(settings: Any) -> Analyzer | None:  # noqa: N802 - entry-point name
    return build_analyzer("scenes", settings)


def FaceAnalyzer(settings: Any) -> Analyzer | None:  # noqa: N802 - entry-point name
    return build_analyzer("faces", settings)


def ObjectAnalyzer(settings: Any) -> Analyzer | None:  # noqa: N802 - entry-point name
    return build_analyzer("objects", settings)
