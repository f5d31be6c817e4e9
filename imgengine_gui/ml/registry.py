"""Which analyzers serve: the full tier where its model is on this machine, else the offline tier.

Nothing is downloaded and nothing is loaded here: choosing only looks for files. Plug-ins come from
the entry-point group ``imgengine.analyzers``; each entry point is a callable taking ``Settings``
and returning an ``Analyzer`` (or None to decline). The built-in tasks' entry points
(``imgengine_gui.ml.analyzers``) call ``build_analyzer`` below, so discovery and choice agree.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import asdict, dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from imgengine_gui.ml.base import Analyzer, Tier
from imgengine_gui.ml.model_files import weights_refusal

TASKS = ("scenes", "objects", "faces")
ON_DEMAND_TASKS = ("segmentation",)
ENTRY_POINT_GROUP = "imgengine.analyzers"
# Detection runs after faces so its people count overrides the one counted from faces.
_RUN_ORDER = ("scenes", "faces", "objects")

_FULL = {
    "scenes": ("CLIP", "scenes_model"),
    "objects": ("RT-DETR/DETR", "objects_model"),
    "segmentation": ("SegFormer", "segmentation_model"),
}
_OFFLINE = {
    "scenes": "offline MobileNetV2",
    "objects": "people counted from faces (offline MTCNN)",
    "faces": "offline MTCNN",
    "segmentation": "GrabCut",
}


@dataclass(frozen=True)
class TierChoice:
    task: str
    tier: Tier
    model: str  # the configured model id or folder; the offline model for tasks without one
    serving: str  # what actually serves, in words
    looked_in: str
    present: bool
    path: str | None = None
    note: str | None = None
    offline_present: bool = True  # the offline tier's weights are installed


def hf_hub_cache() -> Path:
    """The Hugging Face hub cache the full tier searches (HF_HUB_CACHE / HF_HOME / XDG_CACHE_HOME)."""
    try:
        from huggingface_hub import constants

        return Path(constants.HF_HUB_CACHE)
    except ImportError:
        pass
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "huggingface" / "hub"


def find_local_model(model_id: str) -> Path | None:
    """A model's folder on this machine (local folder or HF cache snapshot), or None."""
    try:
        from imgengine_gui.ml.full.loading import locate_model
    except ImportError:
        return _locate_without_full_tier(model_id)
    return locate_model(model_id)


def _locate_without_full_tier(model_id: str) -> Path | None:
    folder = Path(model_id).expanduser()
    if folder.is_dir():
        return folder if (folder / "config.json").is_file() else None
    repo = hf_hub_cache() / f"models--{model_id.replace('/', '--')}"
    ref = repo / "refs" / "main"
    snapshots = [repo / "snapshots" / ref.read_text().strip()] if ref.is_file() else []
    snapshots += sorted((repo / "snapshots").glob("*"))
    return next((snap for snap in snapshots if (snap / "config.json").is_file()), None)


def _looks_like_folder(model_id: str) -> bool:
    return model_id.startswith(("/", "~", ".")) or os.sep in model_id.replace("/", "", 1)


def offline_present(task: str) -> bool:
    """Whether the offline tier of ``task`` can serve: its weight packages (or OpenCV) are installed."""
    if task == "segmentation":
        return importlib.util.find_spec("cv2") is not None
    from imgengine_gui.ml import weights
    from imgengine_gui.ml.errors import ModelUnavailable

    weight = weights.MOBILENET_V2 if task == "scenes" else weights.MTCNN_PNET
    try:
        weights.locate(weight)
    except ModelUnavailable:
        return False
    return True


def choose_tier(task: str, settings: Any) -> TierChoice:
    """Which tier serves ``task`` with these settings, where it looked, and a note when it fell back."""
    offline_ok = offline_present(task)
    if task not in _FULL:
        return TierChoice(
            task=task,
            tier="offline",
            model="mtcnn",
            serving=_OFFLINE[task],
            looked_in="installed weight packages",
            present=offline_ok,
            offline_present=offline_ok,
        )
    family, field_name = _FULL[task]
    model_id = str(getattr(settings, field_name))
    folder = Path(model_id).expanduser()
    if folder.is_dir() or _looks_like_folder(model_id):
        looked_in = f"folder {folder}"
    else:
        looked_in = f"HF cache ({hf_hub_cache()}) or folder"
    path = find_local_model(model_id)
    refusal = weights_refusal(path) if path is not None else None
    if path is not None and refusal is None:
        return TierChoice(
            task=task,
            tier="full",
            model=model_id,
            serving=f"{family} {model_id}",
            looked_in=looked_in,
            present=True,
            path=str(path),
            offline_present=offline_ok,
        )
    note = f"{task}: {family} {model_id} not found in {looked_in}; using {_OFFLINE[task]}"
    if refusal is not None:
        note = f"{task}: refused {refusal}; using {_OFFLINE[task]}"
    if not offline_ok:
        note += " (whose weights are not installed either)"
    return TierChoice(
        task=task,
        tier="offline",
        model=model_id,
        serving=_OFFLINE[task],
        looked_in=looked_in,
        present=False,
        note=note,
        offline_present=offline_ok,
    )


def build_analyzer(task: str, settings: Any, notes: list[str] | None = None) -> Analyzer | None:
    """The analyzer serving ``task`` (nothing loaded yet), or None when no tier can serve it."""
    notes = notes if notes is not None else []
    choice = choose_tier(task, settings)
    if choice.note:
        notes.append(choice.note)
    if choice.tier == "full":
        try:
            return _full_analyzer(task, choice.model)
        except ImportError as error:
            notes.append(f"{task}: full tier cannot run ({error}); using {_OFFLINE[task]}")
    try:
        return _offline_analyzer(task, settings)
    except ImportError as error:
        notes.append(f"{task}: offline tier cannot run ({error}); no {task} analysis")
        return None


def _full_analyzer(task: str, model_id: str) -> Analyzer:
    if task == "scenes":
        from imgengine_gui.ml.full.clip import ClipSceneAnalyzer

        return ClipSceneAnalyzer(model_id)
    if task == "objects":
        from imgengine_gui.ml.full.detection import DetectionAnalyzer

        return DetectionAnalyzer(model_id)
    raise ValueError(f"no full tier for {task}")


def _offline_analyzer(task: str, settings: Any = None) -> Analyzer | None:
    if task == "scenes":
        from imgengine_gui.ml.offline.scenes import MobileNetSceneAnalyzer

        return MobileNetSceneAnalyzer()
    if task == "faces":
        from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer
        from imgengine_gui.ml.offline.identified_faces import IdentifiedFaceAnalyzer

        if not getattr(settings, "recognize_people", True):
            return MtcnnFaceAnalyzer()
        return IdentifiedFaceAnalyzer(MtcnnFaceAnalyzer())
    return None  # objects offline: the faces analyzer counts people


def discover_analyzers(notes: list[str] | None = None) -> dict[str, Any]:
    """Entry points of ``imgengine.analyzers``, loaded: name -> factory. Broken ones are noted."""
    found: dict[str, Any] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            found[entry.name] = entry.load()
        except Exception as error:  # a broken plug-in must not stop the app
            if notes is not None:
                notes.append(f"plug-in {entry.name} ({entry.value}) failed to import: {error}")
    return found


def choose_analyzers(settings: Any) -> tuple[list[Analyzer], list[str]]:
    """Per task, the best tier present on this machine, then plug-ins; with notes on fallbacks."""
    notes: list[str] = []
    analyzers = [a for task in _RUN_ORDER if (a := build_analyzer(task, settings, notes))]
    for name, factory in discover_analyzers(notes).items():
        if name in TASKS:
            continue
        try:
            analyzer = factory(settings)
        except Exception as error:  # a broken plug-in must not stop the app
            notes.append(f"plug-in {name} failed: {error}")
            continue
        if analyzer is None:
            continue
        if not isinstance(analyzer, Analyzer):
            notes.append(f"plug-in {name} returned {type(analyzer).__name__}, not an Analyzer")
            continue
        analyzers.append(analyzer)
    return analyzers, notes


def model_report(settings: Any) -> list[dict[str, Any]]:
    """For ``imgengine models``: per task, the configured model, where it looked, tier serving."""
    return [asdict(choose_tier(task, settings)) for task in (*TASKS, *ON_DEMAND_TASKS)]
