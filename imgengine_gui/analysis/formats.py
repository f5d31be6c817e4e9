"""Naming an image format from a file's first bytes.

A file that announces an image format the app cannot read (Photoshop, JPEG 2000, OpenEXR...) is
reported as "format not supported: X"; one that announces no image at all is described (empty,
text, unrecognised). TIFF-based RAW files (NEF, ARW, DNG...) carry no signature of their own,
so their extension names them.
"""

from __future__ import annotations

import os

HEAD_BYTES = 64

# TIFF-structured RAW files carry no signature of their own: the extension names them.
_TIFF_RAW_BY_EXTENSION = {
    ".nef": "NEF", ".nrw": "NEF", ".arw": "ARW", ".srf": "ARW", ".sr2": "ARW", ".dng": "DNG",
    ".pef": "PEF", ".srw": "SRW", ".cr2": "CR2", ".rwl": "RW2", ".rw2": "RW2", ".orf": "ORF",
}  # fmt: skip
RAW_FORMATS = frozenset({"CR2", "CR3", "NEF", "ARW", "DNG", "RAF", "RW2", "ORF", "PEF", "SRW"})
_UNSUPPORTED_SIGNATURES = {
    b"8BPS": "PSD (Photoshop)",
    b"\x00\x00\x00\x0cjP  \r\n\x87\n": "JPEG 2000",
    b"\xff\x4f\xff\x51": "JPEG 2000",
    b"II\xbc\x01": "JPEG XR",
    b"v/1\x01": "OpenEXR",
    b"#?RADIANCE": "Radiance HDR",
    b"#?RGBE": "Radiance HDR",
    b"gimp xcf": "GIMP XCF",
    b"BPG\xfb": "BPG",
    b"FOVb": "Sigma X3F",
}
UNSUPPORTED_FORMATS = frozenset(_UNSUPPORTED_SIGNATURES.values())
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}


def is_raw_format(fmt: str | None) -> bool:
    return fmt in RAW_FORMATS


def sniff_format(head: bytes, name: str = "") -> str | None:
    """The image format the first bytes announce (``name`` tells TIFF-based RAW files apart),
    a name from ``UNSUPPORTED_FORMATS``, or None when they announce no image."""
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
    if head.startswith(b"FUJIFILMCCD-RAW"):
        return "RAF"
    if head[:4] in (b"IIRO", b"IIRS", b"MMOR"):
        return "ORF"
    if head[:4] == b"IIU\x00":
        return "RW2"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        if head[8:11] == b"CR\x02":
            return "CR2"
        return _TIFF_RAW_BY_EXTENSION.get(_suffix(name), "TIFF")
    if head.startswith(b"\xff\x0a") or head.startswith(b"\x00\x00\x00\x0cJXL \r\n\x87\n"):
        return "JXL"
    if head[4:8] == b"ftyp":
        return _iso_media_format(head)
    for magic, kind in _UNSUPPORTED_SIGNATURES.items():
        if head.startswith(magic):
            return kind
    return None


def sniff_problem(head: bytes, size: int, name: str = "") -> str | None:
    """Why a file cannot be cataloged, judged from its first bytes; None when it can be."""
    fmt = sniff_format(head, name)
    if fmt is None:
        return describe_unknown(head, size)
    if fmt in UNSUPPORTED_FORMATS:
        return f"format not supported: {fmt}"
    return None


def _iso_media_format(head: bytes) -> str | None:
    """HEIF, AVIF or Canon CR3 from an ISO-BMFF ``ftyp`` box (major, then compatible brands)."""
    box_size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)}
    if major == b"crx ":
        return "CR3"
    if major in _AVIF_BRANDS or (major in _HEIF_BRANDS and compatible & _AVIF_BRANDS
                                 and not compatible & {b"heic", b"heix"}):
        return "AVIF"
    if major in _HEIF_BRANDS or compatible & _HEIF_BRANDS:
        return "HEIF"
    return None


def describe_unknown(head: bytes, size: int) -> str:
    if size == 0:
        return "empty file (0 bytes)"
    sample = head[:32]
    if sample and all(32 <= b < 127 or b in (9, 10, 13) for b in sample):
        return "not an image: the file contains text"
    return "not an image: unrecognised file content"


def _suffix(name: str) -> str:
    return os.path.splitext(name)[1].lower()
