from __future__ import annotations
from dataclasses import dataclass
import numpy as np


@dataclass
class PhotoSignature:
    photo_id: int
    sha256: str | None
    phash: int | None
    dhash: int | None
    signature: bytes | None = None
    embedding: np.ndarray | None = None


@dataclass
class Cluster:
    kind: str
    photo_ids: list[int]


def cluster_duplicates(photos, sensitivity=5):
    return []
