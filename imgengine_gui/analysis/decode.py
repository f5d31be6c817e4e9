"""One reduced decode per photo: the single source of pixels for thumbnails, hashes and quality.

JPEGs decode through DCT scaling (``Image.draft``), so a 12 MP file never materialises at full
size; HEIC/HEIF go through pillow-heif (its embedded thumbnail when that is large enough), AVIF
through Pillow, JPEG XL through pillow-jxl-plugin, RAW files through the JPEG preview the camera
embedded (see raw.py); other formats decode fully and shrink with ``Image.reduce``. The result
is always an 8-bit RGB image (10/16-bit and HDR sources scaled down) with the orientation
applied, its long side at most the requested size (never upscaled).
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from imgengine_gui.analysis.errors import PhotoError
from imgengine_gui.analysis.formats import HEAD_BYTES, RAW_FORMATS, sniff_format
from imgengine_gui.analysis.heif import register_heif_once
from imgengine_gui.analysis.metadata_jxl import JxlHeaderError, read_jxl_layout
from imgengine_gui.analysis.raw import open_raw_preview

DEFAULT_MAX_PIXELS = 200_000_000
DRAFT_SLACK = 0.05

# EXIF orientation -> the transpose that displays the stored pixels upright (as ImageOps.exif_transpose).
_ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_EXIF_ORIENTATION = 0x0112
_JPEG_FORMATS = {"JPEG", "MPO"}  # MPO: multi-picture JPEG from some cameras (first picture)
_HEIF_FORMATS = {"HEIF", "AVIF"}
# Decoders that apply the file's rotation themselves (HEIF irot/imir, the JPEG XL header).
_SELF_ORIENTING = {"HEIF", "JXL"}
_REDUCIBLE_MODES = {"L", "RGB", "RGBA", "LA", "RGBa", "La", "I", "F", "CMYK"}
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    RuntimeError,
    struct.error,
    zlib.error,
    IndexError,
)



@dataclass
class DecodedPhoto:
    image: Image.Image  # RGB, orientation applied, long side <= requested size
    stored_size: tuple[int, int]  # (w, h) as stored in the file (HEIF: after its irot/imir; RAW:
    # the raw image's, not the preview's)
    draft_scale: int  # decoder-side reduction: JPEG DCT scale 2/4/8, HEIF thumbnail ratio; 1 = full
    orientation: int = 1  # EXIF orientation that was applied (1 = none)
    format: str | None = None  # Pillow's format name: "JPEG", "PNG", "HEIF", ...; RAW: "DNG"...


def decode_reduced(
    path: Path,
    long_side: int = 1024,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    slack: float = DRAFT_SLACK,
    orientation: int | None = None,
) -> DecodedPhoto:
    """Decode ``path`` once, reduced so its long side is at most ``long_side``.

    JPEG/HEIF decode at the smallest reduced size whose long side is at least
    ``long_side * (1 - slack)``: a 4000 px JPEG asked for 1024 decodes at 1/4 (1000 px) rather
    than at 1/2 (2000 px) and a resize, about twice as fast. ``slack=0`` never returns less.

    ``orientation`` (e.g. a rotation from an XMP sidecar) replaces the file's own where the
    decoder does not apply it itself. Raises PhotoError for unreadable, truncated or unsupported
    files, and for images above ``max_pixels`` (refused from the header, before any pixel is
    decoded).
    """
    path = Path(path)
    if long_side < 1:
        raise ValueError("long_side must be positive")
    _prepare_pillow(max_pixels)
    try:
        fmt = _sniff(path)
        if fmt in RAW_FORMATS:
            raw = open_raw_preview(path, long_side)
            with raw.image as im:  # previews are stored unrotated: the RAW's orientation applies
                decoded = _decode_open_image(
                    im, path, long_side, max_pixels, slack, orientation or raw.orientation
                )
            decoded.stored_size, decoded.format = raw.raw_size, fmt
            return decoded
        if fmt == "JXL":
            _refuse_jxl_bomb(path, max_pixels)  # the plugin decodes everything while opening
        with Image.open(path) as im:
            return _decode_open_image(im, path, long_side, max_pixels, slack, orientation)
    except PhotoError:
        raise
    except UnidentifiedImageError:
        raise PhotoError(f"{path.name}: not a supported image format") from None
    except Image.DecompressionBombError:
        raise PhotoError(
            f"{path.name}: decompression bomb (too many pixels); not decoded"
        ) from None
    except MemoryError:
        raise PhotoError(f"{path.name}: not enough memory to decode") from None
    except _DECODE_ERRORS as exc:
        raise PhotoError(f"{path.name}: cannot decode ({_reason(exc)})") from None


def _prepare_pillow(max_pixels: int) -> None:
    """Register HEIF support once and let Pillow's own bomb guard defer to ``max_pixels``.

    Pillow refuses images above 2 x MAX_IMAGE_PIXELS at open time; our limit is enforced from
    the header in ``_decode_open_image``, so Pillow's limit is only ever raised, never lowered.
    """
    register_heif_once()
    current = Image.MAX_IMAGE_PIXELS
    if current is not None and current < max_pixels:
        Image.MAX_IMAGE_PIXELS = max_pixels


def _sniff(path: Path) -> str | None:
    try:
        with open(path, "rb") as handle:
            return sniff_format(handle.read(HEAD_BYTES), path.name)
    except FileNotFoundError:
        raise PhotoError(f"{path.name}: file not found") from None


def _refuse_jxl_bomb(path: Path, max_pixels: int) -> None:
    try:
        with open(path, "rb") as handle:
            layout = read_jxl_layout(handle)
    except JxlHeaderError as exc:
        raise PhotoError(f"{path.name}: unreadable JPEG XL header ({exc})") from None
    if layout.width * layout.height > max_pixels:
        raise PhotoError(
            f"{path.name}: {layout.width}x{layout.height} is over the {max_pixels:,} pixel limit "
            "(decompression bomb?); not decoded"
        )


def _decode_open_image(
    im: Image.Image,
    path: Path,
    long_side: int,
    max_pixels: int,
    slack: float,
    override: int | None = None,
) -> DecodedPhoto:
    stored_w, stored_h = im.size
    if stored_w < 1 or stored_h < 1:
        raise PhotoError(f"{path.name}: image has no pixels ({stored_w}x{stored_h})")
    if stored_w * stored_h > max_pixels:
        raise PhotoError(
            f"{path.name}: {stored_w}x{stored_h} is over the {max_pixels:,} pixel limit "
            "(decompression bomb?); not decoded"
        )
    fmt = im.format

    draft_scale = 1
    if fmt in _JPEG_FORMATS or fmt in _HEIF_FORMATS:
        # JPEG: libjpeg DCT scaling. HEIF: pillow-heif picks an embedded thumbnail that is a
        # scaled copy of the image and covers the request; otherwise it decodes in full.
        draft_scale = _draft(im, max(1, math.ceil(long_side * (1.0 - slack))))
    # Multi-frame files (GIF, APNG, TIFF, MPO) are positioned on their first frame after open.
    im.load()
    # Read after load: Pillow's TIFF reader applies (and then drops) the orientation itself.
    if fmt in _SELF_ORIENTING:
        orientation = 1
    elif override in _ORIENTATION_TRANSPOSE or override == 1:
        orientation = override
    else:
        orientation = _read_orientation(im)
    image = _shrink(im, long_side)
    image = _to_rgb(image)
    transpose = _ORIENTATION_TRANSPOSE.get(orientation)
    if transpose is not None:
        image = image.transpose(transpose)
    return DecodedPhoto(
        image=image,
        stored_size=(stored_w, stored_h),
        draft_scale=draft_scale,
        orientation=orientation,
        format=fmt,
    )


def _read_orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # a broken EXIF block must not stop the pixels from decoding
        return 1
    return value if isinstance(value, int) and value in _ORIENTATION_TRANSPOSE else 1


def _draft(im: Image.Image, long_side: int) -> int:
    """Ask the decoder for the smallest reduced size whose result still covers ``long_side``."""
    width, height = im.size
    scale = long_side / max(width, height)
    if scale >= 1:
        return 1
    requested = (max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale)))
    mode = "RGB" if im.mode in ("RGB", "YCbCr") else None
    if im.draft(mode, requested) is None:
        return 1
    return max(1, round(width / im.size[0]))


def _shrink(im: Image.Image, long_side: int) -> Image.Image:
    width, height = im.size
    longest = max(width, height)
    if longest <= long_side:
        return im
    if im.mode not in _REDUCIBLE_MODES:
        im = _to_rgb(im)
    factor = longest // long_side
    if factor >= 2:
        im = im.reduce(factor)  # box filter over whole pixels: fast and alias-free
    target = _fit(im.size, long_side)
    if target != im.size:
        # Less than 2x left to go: an antialiased bilinear pass is as good here and faster.
        im = im.resize(target, Image.Resampling.BILINEAR)
    return im


def _fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    width, height = size
    longest = max(width, height)
    if longest <= long_side:
        return size
    ratio = long_side / longest
    return max(1, round(width * ratio)), max(1, round(height * ratio))


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode == "RGB":
        return im
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        return _high_depth_to_rgb(im)
    if _has_alpha(im):
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return im.convert("RGB")


def _high_depth_to_rgb(im: Image.Image) -> Image.Image:
    """16/32-bit integer or float grayscale to 8-bit RGB."""
    values = np.asarray(im, dtype=np.float64)
    if im.mode == "F":
        low, high = float(np.nanmin(values)), float(np.nanmax(values))
        if low >= 0.0 and high <= 1.0:
            values = values * 255.0
        elif high > low:
            values = (values - low) * (255.0 / (high - low))
    else:
        values = values / 257.0  # 16-bit range (Pillow reads 16-bit PNG/TIFF into I or I;16)
    gray = Image.fromarray(np.clip(np.nan_to_num(values), 0, 255).astype(np.uint8), "L")
    return gray.convert("RGB")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "truncated" in text.lower():
        return "file is truncated"
    return text[:200]
