"""Open an image for header reading: clear PhotoErrors, and no failure on huge images.

Pillow refuses images above its pixel limit at open time (DecompressionBombError, or the
DecompressionBombWarning when warnings are errors). The metadata phase never decodes pixels, so
such files are re-opened through Pillow's format registry without the size check; the process-wide
``Image.MAX_IMAGE_PIXELS`` is left alone, so concurrent decoders stay protected.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

from imgengine_gui.analysis.errors import PhotoError, one_line_reason

_BOMB_ERRORS = (Image.DecompressionBombError, Image.DecompressionBombWarning)
_NOT_THIS_FORMAT = (SyntaxError, IndexError, TypeError, struct.error)
_SMALLEST_HEADER = 8  # no supported format can state its size in fewer bytes
_PIXELS_IN_MESSAGE = re.compile(r"\((\d+) pixels\)")

_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "JPEG"),
    (0, b"\x89PNG\r\n\x1a\n", "PNG"),
    (0, b"GIF8", "GIF"),
    (8, b"WEBP", "WebP"),
    (0, b"II*\x00", "TIFF"),
    (0, b"MM\x00*", "TIFF"),
    (0, b"BM", "BMP"),
    (4, b"ftyp", "HEIF"),
)


class OversizedImage(Exception):
    """An image too large for Pillow to open whose dimensions could not be read either."""

    def __init__(self, format: str | None, pixels: int | None) -> None:
        super().__init__(format, pixels)
        self.format = format
        self.pixels = pixels


@contextmanager
def open_header(path: Path) -> Iterator[Image.Image]:
    """Yield the opened (not decoded) image; any failure while reading it is a PhotoError."""
    im = _open(path)
    try:
        yield im
    except (PhotoError, OversizedImage):
        raise
    except Exception as exc:
        raise PhotoError(f"{path.name}: unreadable image header ({one_line_reason(exc)})") from exc
    finally:
        im.close()


def _open(path: Path) -> Image.Image:
    try:
        return Image.open(path)
    except _BOMB_ERRORS:
        return _open_without_pixel_limit(path)
    except UnidentifiedImageError:
        raise PhotoError(f"{path.name}: {describe_unreadable(path)}") from None
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise file_problem(path, exc) from None
    except Exception as exc:  # OSError, ValueError, EOFError... from a damaged header
        raise PhotoError(
            f"{path.name}: {describe_unreadable(path)} ({one_line_reason(exc)})"
        ) from exc


def file_problem(path: Path, exc: OSError) -> PhotoError:
    """A file that cannot be opened, in words a user understands."""
    if isinstance(exc, FileNotFoundError):
        return PhotoError(f"{path.name}: file not found")
    if isinstance(exc, IsADirectoryError):
        return PhotoError(f"{path.name}: is a directory, not a file")
    if isinstance(exc, PermissionError):
        return PhotoError(f"{path.name}: permission denied")
    return PhotoError(f"{path.name}: cannot read file ({one_line_reason(exc)})")


def _open_without_pixel_limit(path: Path) -> Image.Image:
    """Image.open's format loop, minus its decompression-bomb check."""
    Image.init()
    with open(path, "rb") as handle:
        prefix = handle.read(16)
    filename = os.fspath(path)
    for format_id in list(Image.ID):
        factory, accept = Image.OPEN[format_id]
        accepted = accept(prefix) if accept else True
        if not accepted or isinstance(accepted, str):
            continue
        try:
            return factory(filename, filename)
        except _NOT_THIS_FORMAT:
            continue
        except _BOMB_ERRORS as exc:  # the plugin checks the size itself while opening
            match = _PIXELS_IN_MESSAGE.search(str(exc))
            raise OversizedImage(format_id, int(match[1]) if match else None) from None
    raise PhotoError(f"{path.name}: {describe_unreadable(path)}")


def describe_unreadable(path: Path) -> str:
    """Why Pillow could not identify a file, in words a user understands."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(64)
    except OSError as exc:
        return f"cannot read file ({exc.strerror or exc})"
    if not head:
        return "empty file (0 bytes)"
    if len(head) < _SMALLEST_HEADER:
        return f"too small to be an image ({len(head)} bytes)"
    for offset, magic, kind in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return f"truncated or corrupt {kind} header"
    if _looks_like_text(head):
        return "not an image (looks like a text file)"
    return "not an image (unrecognised format)"


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # a multi-byte character cut at the end of the sample is still text
        text = head[:-3].decode("utf-8", "replace")
        if not text or "\ufffd" in text:
            return False
    return all(ch.isprintable() or ch in "\r\n\t\f" for ch in text)


# JPEG application segments exiv2 reads in full; any other one may hold metadata only exiftool
# knows (Canon CIFF in APP0, Olympus PictureInfo in APP12, Kodak Meta in APP3...).
_KNOWN_SEGMENTS = (
    (0xE0, (b"JFIF\0", b"JFXX\0")),
    (0xE1, (b"Exif\0", b"http://ns.adobe.com/xap/1.0/", b"http://ns.adobe.com/xmp/extension/")),
    (0xE2, (b"ICC_PROFILE\0", b"MPF\0")),
    (0xEC, (b"Ducky",)),  # Photoshop's "Save for Web" quality
    (0xED, (b"Photoshop 3.0\0",)),
    (0xEE, (b"Adobe",)),
)
_MAX_SEGMENTS = 64


def jpeg_app_segments(handle: BinaryIO) -> list[tuple[int, bytes]]:
    """(marker, first bytes) of a JPEG's APPn segments, read by seeking from header to header."""
    segments: list[tuple[int, bytes]] = []
    handle.seek(0)
    if handle.read(2) != b"\xff\xd8":
        return segments
    while len(segments) < _MAX_SEGMENTS:
        header = handle.read(4)
        if len(header) < 4 or header[0] != 0xFF:
            break
        marker, length = header[1], struct.unpack(">H", header[2:4])[0]
        if not 0xE0 <= marker <= 0xEF or length < 2:
            break  # the first non-APP segment: metadata comes before it
        ident = handle.read(min(length - 2, 32))
        segments.append((marker, ident))
        handle.seek(length - 2 - len(ident), 1)
    return segments


def has_mpf(segments: list[tuple[int, bytes]]) -> bool:
    """A multi-picture JPEG (MPO: stereo pairs, phone gain maps); Pillow counts its frames."""
    return any(m == 0xE2 and ident.startswith(b"MPF\0") for m, ident in segments)


def has_unknown_metadata(segments: list[tuple[int, bytes]]) -> bool:
    known = dict(_KNOWN_SEGMENTS)
    for marker, ident in segments:
        prefixes = known.get(marker)
        if prefixes is None or not ident.startswith(prefixes):
            return True
    return False
