"""A tiny grayscale picture of a photo's content, used to confirm near-duplicate candidates.

The signature is the border-trimmed view shrunk to 16 x 16 (aspect ignored), 256 bytes. Two
signatures are compared by normalised cross-correlation (NCC), which ignores brightness and
contrast changes, over a small set of crop windows: each side may have been cropped by up to
~15 % in either photo, so a slightly cropped copy still lines up with its original.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from PIL import Image

SIGNATURE_SIDE = 16
# Crop windows per axis as (start, size) in fractions of the side: the whole side, then
# shorter windows anchored at the start, the middle and the end.
_WINDOW_SIZES = (0.95, 0.9, 0.85)
_ANCHORS = (0.0, 0.5, 1.0)
_WINDOWS = ((0.0, 1.0),) + tuple(
    ((1.0 - size) * anchor, size) for size in _WINDOW_SIZES for anchor in _ANCHORS
)


def make_signature(view: Image.Image, side: int = SIGNATURE_SIDE) -> bytes:
    """``side`` x ``side`` grayscale (uint8, row-major) of the trimmed view, aspect ignored."""
    gray = view.convert("L").resize((side, side), Image.Resampling.BOX)
    return np.asarray(gray, dtype=np.uint8).tobytes()


def signature_array(signature: bytes) -> np.ndarray:
    """The signature as a float32 square; larger stored signatures are box-reduced to 16 x 16."""
    side = round(len(signature) ** 0.5)
    if side * side != len(signature) or side < SIGNATURE_SIDE or side % SIGNATURE_SIDE:
        raise ValueError(f"not a signature: {len(signature)} bytes")
    array = np.frombuffer(signature, dtype=np.uint8).reshape(side, side).astype(np.float32)
    factor = side // SIGNATURE_SIDE
    if factor > 1:
        array = array.reshape(SIGNATURE_SIDE, factor, SIGNATURE_SIDE, factor).mean(axis=(1, 3))
    return array


def signature_stack(signatures: Sequence[bytes], indices: Iterable[int]) -> np.ndarray:
    """``signature_array`` of many at once: (n, 16, 16) float32, one buffer when sizes agree."""
    picked = [signatures[i] for i in indices]
    lengths = {len(s) for s in picked}
    if len(lengths) != 1:
        return np.stack([signature_array(s) for s in picked])
    side = round(lengths.pop() ** 0.5)
    if side * side != len(picked[0]) or side < SIGNATURE_SIDE or side % SIGNATURE_SIDE:
        raise ValueError(f"not a signature: {len(picked[0])} bytes")
    stack = np.frombuffer(b"".join(picked), dtype=np.uint8).reshape(len(picked), side, side)
    factor = side // SIGNATURE_SIDE
    stack = stack.astype(np.float32)
    if factor > 1:
        stack = stack.reshape(-1, SIGNATURE_SIDE, factor, SIGNATURE_SIDE, factor).mean(axis=(2, 4))
    return stack


def _interpolation(start: float, size: float, side: int) -> np.ndarray:
    """Matrix that resamples the window [start, start + size) of a side onto ``side`` pixels."""
    matrix = np.zeros((side, side), dtype=np.float32)
    centres = np.clip(start * side + (np.arange(side) + 0.5) * size - 0.5, 0, side - 1)
    low = np.floor(centres).astype(int)
    high = np.minimum(low + 1, side - 1)
    weight = (centres - low).astype(np.float32)
    rows = np.arange(side)
    np.add.at(matrix, (rows, low), 1.0 - weight)
    np.add.at(matrix, (rows, high), weight)
    return matrix


_RESAMPLE = np.stack([_interpolation(start, size, SIGNATURE_SIDE) for start, size in _WINDOWS])
_STACKED = _RESAMPLE.reshape(-1, SIGNATURE_SIDE)  # all windows of a side, one under the other
_WINDOW_WEIGHTS = _RESAMPLE.sum(axis=1)  # (W, 16): how much each source pixel feeds a window


def _normalise(arrays: np.ndarray) -> np.ndarray:
    """Zero-mean, unit-norm over the last two axes (flat arrays stay all-zero)."""
    centred = arrays - arrays.mean(axis=(-2, -1), keepdims=True)
    norm = np.sqrt((centred * centred).sum(axis=(-2, -1), keepdims=True))
    return np.divide(centred, norm, out=np.zeros_like(centred), where=norm > 1e-3)


def _best_window_ncc(arrays: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Best NCC of each normalised target (p, 256) against the crop windows of arrays (p, 16, 16).

    With a zero-mean, unit-norm target, NCC = <window, target> / ||window - mean(window)||, so
    the windows never need to be normalised one by one.
    """
    count, side = len(_WINDOWS), SIGNATURE_SIDE
    windows = (_STACKED @ arrays @ _STACKED.T).reshape(len(arrays), count, side, count, side)
    target = targets.reshape(len(arrays), side, side)
    dots = np.einsum("niyjx,nyx->nij", windows, target)
    sums = np.einsum("iy,nyx,jx->nij", _WINDOW_WEIGHTS, arrays, _WINDOW_WEIGHTS)
    squares = np.einsum("niyjx,niyjx->nij", windows, windows)
    spread = np.sqrt(np.maximum(squares - sums * sums / (side * side), 0.0))
    ncc = np.divide(dots, spread, out=np.zeros_like(dots), where=spread > 1e-3)
    return ncc.reshape(len(arrays), -1).max(axis=1)


def plain_similarity(
    signatures: Sequence[bytes], first: np.ndarray, second: np.ndarray
) -> np.ndarray:
    """NCC of whole signatures for each pair (no crop search): cheap, and a lower bound."""
    used, inverse = np.unique(np.concatenate([first, second]).astype(np.int64), return_inverse=True)
    plain = _normalise(signature_stack(signatures, used)).reshape(len(used), -1)
    a, b = inverse[: len(first)], inverse[len(first) :]
    return np.einsum("pk,pk->p", plain[a], plain[b])


def pair_similarity(
    signatures: Sequence[bytes], first: np.ndarray, second: np.ndarray, *, batch: int = 64
) -> np.ndarray:
    """Crop-tolerant NCC in [-1, 1] for each pair (signatures[first[k]], signatures[second[k]]).

    The best match of either picture against every crop window of the other, so a copy that
    lost up to ~15 % of any side still scores close to 1.
    """
    first = np.asarray(first, dtype=np.int64)
    second = np.asarray(second, dtype=np.int64)
    result = np.empty(len(first), dtype=np.float32)
    if not len(first):
        return result
    used, inverse = np.unique(np.concatenate([first, second]), return_inverse=True)
    arrays = signature_stack(signatures, used)
    plain = _normalise(arrays).reshape(len(used), -1)
    a_index, b_index = inverse[: len(first)], inverse[len(first) :]
    for start in range(0, len(first), batch):
        a = a_index[start : start + batch]
        b = b_index[start : start + batch]
        a_in_b = _best_window_ncc(arrays[b], plain[a])
        b_in_a = _best_window_ncc(arrays[a], plain[b])
        result[start : start + batch] = np.maximum(a_in_b, b_in_a)
    return result
