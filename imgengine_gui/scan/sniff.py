"""Recognising photos by name: the walk picks files by extension and never opens the rest.

Besides the formats the app reads, the walk also picks image formats it cannot read
(Photoshop, JPEG 2000, OpenEXR...), so that they are reported as "format not supported: X"
(analysis/formats.py names a format from its first bytes) rather than skipped in silence.
"""

from __future__ import annotations

import os

# RAW formats are cataloged through the JPEG preview the camera embeds (no demosaicing).
RAW_EXTENSIONS = frozenset(
    {".cr2", ".cr3", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".dng", ".raf", ".rw2", ".rwl",
     ".orf", ".pef", ".srw"}
)  # fmt: skip
PHOTO_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".heic", ".heif", ".hif", ".avif", ".jxl", ".tif",
     ".tiff", ".gif", ".bmp"}
) | RAW_EXTENSIONS  # fmt: skip
# Image files a photo folder holds that we do not read: walked so that they get a clear problem.
UNSUPPORTED_EXTENSIONS = frozenset(
    {".psd", ".psb", ".jp2", ".j2k", ".jpf", ".jpx", ".jxr", ".wdp", ".hdp", ".exr", ".hdr",
     ".xcf", ".bpg", ".x3f"}
)  # fmt: skip


def has_photo_extension(name: str) -> bool:
    """A file the walk hands to the pipeline: a photo, or an image format we report on."""
    suffix = os.path.splitext(name)[1].lower()
    return suffix in PHOTO_EXTENSIONS or suffix in UNSUPPORTED_EXTENSIONS
