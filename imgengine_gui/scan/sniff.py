"""Recognising photos by name and by their first bytes."""

from __future__ import annotations

PHOTO_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".heic", ".heif", ".tif", ".tiff", ".gif", ".bmp"}
)
HEAD_BYTES = 32


def has_photo_extension(name: str) -> bool:
    dot = name.rfind(".")
    return dot > 0 and name[dot:].lower() in PHOTO_EXTENSIONS


def sniff_format(head: bytes) -> str | None:
    """The image format the first bytes announce, or None when they announce none we read."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:2] == b"BM":
        return "BMP"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if head[4:8] == b"ftyp" and head[8:12] in (
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"
    ):
        return "HEIF"
    return None


def describe_unknown(head: bytes, size: int) -> str:
    if size == 0:
        return "empty file (0 bytes)"
    sample = head[:HEAD_BYTES]
    if sample and all(32 <= b < 127 or b in (9, 10, 13) for b in sample):
        return "not an image: the file contains text"
    return "not an image: unrecognised file content"
