"""Which models serve: the full tier where its model is on this machine, else the offline tier.

Nothing is downloaded and nothing is loaded here: choosing only looks for files. The built-in
analyzers are chosen here directly; the entry-point group ``imgengine.analyzers`` is for
third-party plug-ins only: each entry point is a callable taking ``Settings`` and returning an
``Analyzer`` (or None to decline). Background removal is chosen by ``Settings.cutout_model``.
With ``Settings.recognize_people`` on, face descriptors (dlib) run right after face detection.
"""

from __future__ import annotations

import importlib.util
from dataclasses import asdict, dataclass
from importlib.metadata import entry_points
from typing import Any

from imgengine_gui.ml.base import Analyzer, Tier
from imgengine_gui.ml.model_files import weights_refusal
from imgengine_gui.ml.runtime import hf

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
    "segmentation": "offline U²-Net-p",
}
_OFFLINE_MODEL = {"faces": "mtcnn", "segmentation": "u2netp"}
GRABCUT = "GrabCut (last fallback: no segmentation model)"


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


def offline_present(task: str) -> bool:
    """Whether the offline tier of ``task`` can serve: its weight packages are installed."""
    from imgengine_gui.ml import weights
    from imgengine_gui.ml.errors import ModelUnavailable

    weight = {
        "scenes": weights.MOBILENET_V2,
        "segmentation": weights.U2NETP,
    }.get(task, weights.MTCNN_PNET)
    try:
        weights.locate(weight)
    except ModelUnavailable:
        return False
    return True


def grabcut_present() -> bool:
    return importlib.util.find_spec("cv2") is not None


def _offline_serving(task: str, offline_ok: bool) -> str:
    if task == "segmentation" and not offline_ok:
        return GRABCUT
    return _OFFLINE[task]


def choose_tier(task: str, settings: Any) -> TierChoice:
    """Which tier serves ``task`` with these settings, where it looked, and a note when it fell back."""
    offline_ok = offline_present(task)
    serving = _offline_serving(task, offline_ok)
    wants_full = task in _FULL and (
        task != "segmentation" or getattr(settings, "cutout_model", "u2netp") == "segformer"
    )
    if not wants_full:
        return TierChoice(
            task=task, tier="offline", model=_OFFLINE_MODEL.get(task, "mtcnn"), serving=serving,
            looked_in="installed weight packages", present=offline_ok, offline_present=offline_ok,
            note=None if offline_ok else f"{task}: {_OFFLINE[task]} is not installed; using {serving}",
        )  # fmt: skip
    family, field_name = _FULL[task]
    model_id = str(getattr(settings, field_name))
    looked_in = hf.looked_in(model_id)
    path = hf.locate_model(model_id)
    refusal = weights_refusal(path) if path is not None else None
    if path is not None and refusal is None:
        return TierChoice(
            task=task, tier="full", model=model_id, serving=f"{family} {model_id}",
            looked_in=looked_in, present=True, path=str(path), offline_present=offline_ok,
        )  # fmt: skip
    note = f"{task}: {family} {model_id} not found in {looked_in}; using {serving}"
    if refusal is not None:
        note = f"{task}: refused {refusal}; using {serving}"
    if not offline_ok and task != "segmentation":
        note += " (whose weights are not installed either)"
    return TierChoice(
        task=task, tier="offline", model=model_id, serving=serving, looked_in=looked_in,
        present=False, note=note, offline_present=offline_ok,
    )  # fmt: skip


def build_analyzer(task: str, settings: Any, notes: list[str] | None = None) -> Analyzer | None:
    """The analyzer serving ``task`` (nothing loaded yet), or None when no tier can serve it."""
    notes = notes if notes is not None else []
    choice = choose_tier(task, settings)
    if choice.note:
        notes.append(choice.note)
    if choice.tier == "full":
        return _full_analyzer(task, choice.model)
    return _offline_analyzer(task)


def _full_analyzer(task: str, model_id: str) -> Analyzer:
    if task == "scenes":
        from imgengine_gui.ml.full.clip import ClipSceneAnalyzer

        return ClipSceneAnalyzer(model_id)
    if task == "objects":
        from imgengine_gui.ml.full.detection import DetectionAnalyzer

        return DetectionAnalyzer(model_id)
    raise ValueError(f"no full tier analyzer for {task}")


def _offline_analyzer(task: str) -> Analyzer | None:
    if task == "scenes":
        from imgengine_gui.ml.offline.scenes import MobileNetSceneAnalyzer

        return MobileNetSceneAnalyzer()
    if task == "faces":
        from imgengine_gui.ml.offline.faces import MtcnnFaceAnalyzer

        return MtcnnFaceAnalyzer()
    return None  # objects offline: the faces analyzer counts people


def _run_after(task: str, settings: Any) -> list[Analyzer]:
    """Analyzers that work on ``task``'s results, run right after it (they ``need`` them)."""
    if task == "faces" and getattr(settings, "recognize_people", True):
        from imgengine_gui.ml.offline.face_descriptors import FaceDescriptorAnalyzer

        return [FaceDescriptorAnalyzer()]  # describes the faces the detector's filter kept
    return []


def discover_plugins(notes: list[str] | None = None) -> dict[str, Any]:
    """Third-party entry points of ``imgengine.analyzers``, loaded: name -> factory."""
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
    analyzers: list[Analyzer] = []
    for task in _RUN_ORDER:
        analyzer = build_analyzer(task, settings, notes)
        if analyzer is not None:
            analyzers += [analyzer, *_run_after(task, settings)]
    for name, factory in discover_plugins(notes).items():
        if name in TASKS:
            notes.append(f"plug-in {name}: a built-in task has that name; ignored")
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
