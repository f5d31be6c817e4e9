"""Paths inside a folder as an index range: ``path >= low AND path < high`` (never LIKE)."""

from __future__ import annotations

import os


def folder_range(folder: str) -> tuple[str, str]:
    """[low, high) bounds of every path strictly inside ``folder`` (one index range scan)."""
    prefix = folder.rstrip(os.sep) + os.sep
    return prefix, prefix[:-1] + chr(ord(os.sep) + 1)
