"""One typed settings model, shared by the CLI and the GUI (the dialog is generated from it).

Each field carries its label, help text and, where it has them, its choices, so a front end can
render it without knowing it in advance. Values persist as JSON in the per-user config folder.
"""

from __future__ import annotations

import json
import os
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "imgengine"
PHASES = ("metadata", "content", "ml")  # the pipeline's phases, in order


def _option(default: Any, label: str, help: str, choices: tuple[Any, ...] = (), **extra: Any):
    meta = {"label": label, "help": help, "choices": choices, **extra}
    return field(default=default, metadata=meta)


@dataclass
class Settings:
    device: str = _option(
        "auto", "Device", "Where models run: auto picks CUDA when present.", ("auto", "cpu", "cuda")
    )
    backend: str = _option(
        "eager",
        "Backend",
        "eager runs PyTorch as is; compile uses torch.compile; tensorrt builds TensorRT engines "
        "(needs CUDA and torch-tensorrt). Unavailable choices fall back with a reason.",
        ("eager", "compile", "tensorrt"),
    )
    precision: str = _option(
        "fp32",
        "Precision",
        "fp16/bf16 run faster on GPUs (bf16 on CPUs with native bf16). int8 (CPU only) is dynamic "
        "int8 of Linear layers for the transformer models (CLIP, RT-DETR): it calibrates on your "
        "first photos and is used only when it agrees with fp32 on them; convolutional models "
        "(MobileNetV2, MTCNN, U²-Net-p) stay fp32.",
        ("fp32", "fp16", "bf16", "int8"),
    )
    batch_size: int = _option(16, "Batch size", "Photos per model call.", minimum=1, maximum=512)
    workers: int = _option(
        0, "Decode workers", "Threads decoding photos; 0 = one per CPU core.", minimum=0, maximum=64
    )
    scenes_model: str = _option(
        "openai/clip-vit-base-patch32",
        "Scenes & search model",
        "Hugging Face id or local folder of a CLIP model; the offline MobileNetV2 serves when absent.",
    )
    objects_model: str = _option(
        "PekingU/rtdetr_r18vd_coco_o365",
        "Objects & people model",
        "Hugging Face id or local folder of an RT-DETR or DETR model; offline face detection "
        "counts people when absent.",
    )
    cutout_model: str = _option(
        "u2netp",
        "Background removal",
        "u2netp: the offline U²-Net-p subject model (default); segformer: the SegFormer model "
        "below (full tier), with U²-Net-p when it is absent. GrabCut serves only when no model can.",
        ("u2netp", "segformer"),
    )
    segmentation_model: str = _option(
        "nvidia/segformer-b0-finetuned-ade-512-512",
        "SegFormer model",
        "Hugging Face id or local folder of a SegFormer model, used when Background removal is "
        "segformer.",
    )
    model_folder: str = _option(
        "",
        "Model folder",
        "Where downloaded models go; empty = the Hugging Face cache. A model downloaded into this "
        "folder is used from there.",
    )
    model_mirror: str = _option(
        "",
        "Model mirror folder",
        "A folder (say, on a share) holding models to copy instead of downloading them; empty = "
        "the Hugging Face hub (or HF_ENDPOINT).",
    )
    duplicate_sensitivity: int = _option(
        5,
        "Duplicate sensitivity",
        "1 = only near-identical copies, 10 = also heavier edits. Higher finds more, risks more.",
        minimum=1,
        maximum=10,
    )
    recognize_people: bool = _option(
        True,
        "Recognise people",
        "Group faces into people (face descriptors stay in the catalog). Off: faces are still "
        "found and counted, never identified; `imgengine people forget --yes` deletes what exists.",
        (True, False),
    )
    cache_dir: str = _option(
        "", "Cache folder", "Thumbnails and previews; empty = the per-user cache folder."
    )
    sidecars: str = _option(
        "sidecar",
        "XMP sidecars",
        "sidecar: read photo.jpg.xmp / photo.xmp and write the ratings, flags, keywords and "
        "names you set there (never into the photo); read-only: read them, never write; "
        "off: neither.",
        ("sidecar", "read-only", "off"),
    )
    slideshow_seconds: int = _option(
        4, "Slideshow interval", "Seconds each photo shows in the viewer's slideshow.",
        minimum=1, maximum=60, unit="s",
    )

    @classmethod
    def field_specs(cls) -> list[dict[str, Any]]:
        specs = []
        for f in fields(cls):
            default = f.default if f.default is not MISSING else None
            specs.append({"name": f.name, "type": f.type, "default": default, **f.metadata})
        return specs

    def validated(self) -> Settings:
        for spec in self.field_specs():
            value = getattr(self, spec["name"])
            if spec["choices"] and value not in spec["choices"]:
                raise ValueError(
                    f"{spec['label']}: {value!r} is not one of {', '.join(spec['choices'])}"
                )
            if "minimum" in spec and not spec["minimum"] <= value <= spec["maximum"]:
                raise ValueError(
                    f"{spec['label']}: {value} is outside {spec['minimum']}..{spec['maximum']}"
                )
        return self

    def with_overrides(self, **overrides: Any) -> Settings:
        values = asdict(self)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return Settings(**values).validated()

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        path = path or settings_path()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        known = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in raw.items() if k in known}).validated()
        except (TypeError, ValueError):
            return cls()

    def save(self, path: Path | None = None) -> None:
        path = path or settings_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        tmp.replace(path)

    def resolved_cache_dir(self) -> Path:
        return Path(self.cache_dir).expanduser() if self.cache_dir else cache_dir()


def _home() -> Path | None:
    value = os.environ.get("IMGENGINE_HOME")
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME))


def cache_dir() -> Path:
    home = _home()
    return home / "cache" if home else Path(platformdirs.user_cache_dir(APP_NAME))


def config_dir() -> Path:
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP_NAME))


def settings_path() -> Path:
    return config_dir() / "settings.json"


def default_catalog_path() -> Path:
    return data_dir() / "catalog.sqlite"
