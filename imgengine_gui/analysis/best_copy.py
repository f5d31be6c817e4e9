"""Which copy of a duplicate cluster to keep, and a one-line reason for every member.

Criteria, in order (the first that separates two copies decides between them):
1. resolution (pixel counts within 1 % count as equal: a few rows of crop or padding);
2. not padded: a file far larger than its image data, or than its pixels could need (junk
   segments, zero padding), is suspect and never preferred;
3. image quality, between copies of one codec: the JPEG quality of the quantisation tables, or
   the bits per pixel of the compressed image data (never the file size);
4. original format over a converted one: a PNG/WebP/GIF/BMP copy at the same resolution as a
   JPEG/HEIC/TIFF/RAW copy with at least as much metadata looks converted;
5. metadata: a capture date from the camera, GPS;
6. sharpness;
7. file size (only a tie-break);
8. ties: the oldest file, then the shortest path, then the smallest id.
A byte-identical copy of the keeper says so in its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from imgengine_gui.analysis.image_data import looks_padded

CAMERA_FORMATS = {"JPEG", "MPO", "HEIF", "HEIC", "AVIF", "TIFF", "DNG", "RAW", "CR2", "NEF", "ARW"}
CONVERTED_FORMATS = {"PNG", "WEBP", "GIF", "BMP"}
_RESOLUTION_TOLERANCE = 0.01
_QUALITY_STEP = 3.0  # JPEG quality points that tell two encodings apart
_BPP_RATIO = 1.25  # more image data per pixel than this, in one codec: a better encoding


@dataclass
class Candidate:
    photo_id: int
    path: str
    width: int
    height: int
    size_bytes: int
    format: str | None
    taken_at: str | None  # a capture date from the photo's metadata (not the file time)
    has_gps: bool
    sharpness: float | None
    mtime_ns: int | None
    image_bytes: int | None = None  # compressed image data (analysis/image_data.py)
    quality: float | None = None  # JPEG quality estimated from the quantisation tables
    sha256: str | None = None


def choose_keeper(candidates: Sequence[Candidate]) -> tuple[int, dict[int, str]]:
    """(photo id to keep, {photo id: reason}) for the members of one duplicate cluster."""
    if not candidates:
        raise ValueError("choose_keeper needs at least one candidate")
    best_pixels = max(_pixels(c) for c in candidates)
    top = {
        c.photo_id for c in candidates if _pixels(c) >= (1 - _RESOLUTION_TOLERANCE) * best_pixels
    }
    padded = {c.photo_id for c in candidates if looks_padded(c.size_bytes, c.image_bytes, _pixels(c))}
    criteria = _criteria(
        top, padded, _lower_quality([c for c in candidates if c.photo_id in top]),
        _looks_converted(candidates),
    )
    keeper = candidates[0]
    for other in candidates[1:]:
        if _compare(other, keeper, criteria)[0] > 0:
            keeper = other
    reasons: dict[int, str] = {}
    deciding: list[int] = []
    for other in candidates:
        if other.photo_id == keeper.photo_id:
            continue
        index = _compare(keeper, other, criteria)[1]
        deciding.append(index)
        reasons[other.photo_id] = criteria[index].lose(other, keeper)
        if other.sha256 and other.sha256 == keeper.sha256:
            reasons[other.photo_id] = "exact copy of the keeper (same bytes); " + reasons[
                other.photo_id
            ].removeprefix("same picture; ")
    if deciding:  # what set it apart from the copy most like it (not what beat a weaker one)
        reasons[keeper.photo_id] = "keep: " + criteria[max(deciding)].win(keeper)
    else:
        reasons[keeper.photo_id] = "keep: the only copy"
    return keeper.photo_id, reasons


@dataclass(frozen=True)
class _Criterion:
    better: Callable[[Candidate, Candidate], int]  # > 0: first is better, < 0: second, 0: tie
    win: Callable[[Candidate], str]
    lose: Callable[[Candidate, Candidate], str]  # (loser, keeper) -> reason


def _compare(a: Candidate, b: Candidate, criteria: Sequence[_Criterion]) -> tuple[int, int]:
    """(sign, index of the deciding criterion); the last criterion only ties a photo with itself.

    Every criterion is a total preorder, so the order is lexicographic and the keeper found by
    one pass is the best of all whatever the input order.
    """
    for index, criterion in enumerate(criteria):
        sign = criterion.better(a, b)
        if sign:
            return sign, index
    return 0, len(criteria) - 1


def _criteria(
    top: set[int], padded: set[int], lower: set[int], converted: set[int]
) -> list[_Criterion]:
    def flag(ids: set[int], inside: bool) -> Callable[[Candidate, Candidate], int]:
        return lambda a, b: ((a.photo_id in ids) == inside) - ((b.photo_id in ids) == inside)

    return [
        _Criterion(
            flag(top, True),
            lambda k: f"highest resolution ({k.width}x{k.height})",
            lambda o, k: (
                f"lower resolution than the keeper ({o.width}x{o.height} vs {k.width}x{k.height})"
            ),
        ),
        _Criterion(
            flag(padded, False),
            lambda k: "not padded (the others are far larger than their image data)",
            lambda o, k: (
                f"padded: {_size(o.size_bytes)} for {_size(_data_bytes(o))} of image data"
                " (junk or padding, never preferred)"
            ),
        ),
        _Criterion(
            flag(lower, False),
            lambda k: f"best image quality ({_quality_text(k)})",
            lambda o, k: (
                f"lower image quality than the keeper ({_quality_text(o)} vs {_quality_text(k)})"
            ),
        ),
        _Criterion(
            flag(converted, False),
            lambda k: f"original {_fmt(k)} file",
            lambda o, k: f"looks converted ({_fmt(o)} copy of the {_fmt(k)} original)",
        ),
        _Criterion(
            lambda a, b: _sign(_metadata_score(a) - _metadata_score(b)),
            lambda k: f"richest metadata ({_metadata_text(k)})",
            lambda o, k: f"less metadata than the keeper ({_metadata_text(o)})",
        ),
        _Criterion(
            lambda a, b: _sign(_sharpness(a) - _sharpness(b)),
            lambda k: "sharpest copy",
            lambda o, k: "less sharp than the keeper",
        ),
        _Criterion(
            lambda a, b: _sign(a.size_bytes - b.size_bytes),
            lambda k: f"largest file ({_size(k.size_bytes)}) of equal quality",
            lambda o, k: (
                f"smaller file than the keeper ({_sizes(o.size_bytes, k.size_bytes)})"
            ),
        ),
        _Criterion(
            _by_age_and_path,
            lambda k: "oldest copy" if k.mtime_ns is not None else "shortest path",
            lambda o, k: "same picture; the keeper is older or has the shorter path",
        ),
    ]


def _lower_quality(candidates: Sequence[Candidate]) -> set[int]:
    """Ids of copies that another copy of the same codec clearly beats on image quality.

    JPEGs compare their estimated quality; other lossy codecs the bits per pixel of their image
    data; lossless formats are all equal. Copies whose quality is unknown are never marked.
    """
    lower: set[int] = set()
    for candidate in candidates:
        mine = _quality_key(candidate)
        if mine is None:
            continue
        for other in candidates:
            theirs = _quality_key(other)
            if theirs is not None and theirs[0] == mine[0] and _clearly_better(theirs, mine):
                lower.add(candidate.photo_id)
                break
    return lower


def _quality_key(c: Candidate) -> tuple[str, float] | None:
    fmt = _fmt(c)
    if fmt in ("JPEG", "MPO") and c.quality is not None:
        return "jpeg", c.quality
    if fmt in ("WEBP", "HEIF", "HEIC", "AVIF") and c.image_bytes and _pixels(c):
        return fmt, 8.0 * c.image_bytes / _pixels(c)
    return None


def _clearly_better(a: tuple[str, float], b: tuple[str, float]) -> bool:
    if a[0] == "jpeg":
        return a[1] >= b[1] + _QUALITY_STEP
    return a[1] >= b[1] * _BPP_RATIO


def _quality_text(c: Candidate) -> str:
    key = _quality_key(c)
    if key is None:
        return "quality unknown"
    if key[0] == "jpeg":
        return f"JPEG quality {key[1]:.0f}"
    return f"{key[1]:.2f} bits/pixel"


def _data_bytes(c: Candidate) -> int:
    return c.image_bytes or c.size_bytes


def _looks_converted(candidates: Sequence[Candidate]) -> set[int]:
    """Ids of PNG/WebP/GIF/BMP copies that sit next to an original-format copy as good as them."""
    originals = [c for c in candidates if _fmt(c) in CAMERA_FORMATS]
    converted = set()
    for candidate in candidates:
        if _fmt(candidate) not in CONVERTED_FORMATS:
            continue
        for original in originals:
            if _pixels(original) >= (1 - _RESOLUTION_TOLERANCE) * _pixels(
                candidate
            ) and _metadata_score(original) >= _metadata_score(candidate):
                converted.add(candidate.photo_id)
                break
    return converted


def _by_age_and_path(a: Candidate, b: Candidate) -> int:
    """Older first, then the shorter path, then the smaller id: never a tie for two photos."""
    key_a = (_mtime(a), len(a.path), a.path, a.photo_id)
    key_b = (_mtime(b), len(b.path), b.path, b.photo_id)
    return (key_a < key_b) - (key_a > key_b)


def _pixels(c: Candidate) -> int:
    return max(0, c.width or 0) * max(0, c.height or 0)


def _sharpness(c: Candidate) -> float:
    return c.sharpness if c.sharpness is not None else float("-inf")


def _mtime(c: Candidate) -> int:
    return c.mtime_ns if c.mtime_ns is not None else 1 << 62


def _metadata_score(c: Candidate) -> int:
    return int(c.taken_at is not None) + int(bool(c.has_gps))


def _metadata_text(c: Candidate) -> str:
    parts = [("date" if c.taken_at is not None else "no date"), ("GPS" if c.has_gps else "no GPS")]
    return ", ".join(parts)


def _fmt(c: Candidate) -> str:
    return (c.format or "").upper() or "unknown"


def _size(size: int) -> str:
    if size >= 1 << 20:
        return f"{size / (1 << 20):.1f} MB"
    return f"{size / 1024:.0f} KB"


def _sizes(smaller: int, larger: int) -> str:
    """'120 KB vs 138 KB'; in bytes when the rounded sizes would read the same."""
    a, b = _size(smaller), _size(larger)
    return f"{a} vs {b}" if a != b else f"{smaller:,} vs {larger:,} bytes"


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)
