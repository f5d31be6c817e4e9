"""Where the app saves files the user asks for (exports, cutouts): never into the photo library
by accident, where a saved PNG would become a photo on the next scan."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QStandardPaths


def standard_folders() -> list[str]:
    """Pictures, then Downloads, then the home folder (as the platform names them)."""
    kinds = (QStandardPaths.StandardLocation.PicturesLocation,
             QStandardPaths.StandardLocation.DownloadLocation)
    found = [QStandardPaths.writableLocation(kind) for kind in kinds]
    return [path for path in found if path] + [str(Path.home())]


def analyzed_folder_of(path: str | Path, analyzed: Iterable[str]) -> str | None:
    """The analyzed folder that holds ``path`` (at any depth), if any."""
    target = Path(os.path.abspath(os.path.expanduser(str(path))))
    for folder in analyzed:
        root = Path(folder)
        if target == root or target.is_relative_to(root):
            return folder
    return None


def default_save_folder(remembered: str, analyzed: Iterable[str]) -> str:
    """The last folder saved to; else the first standard folder that is no analyzed folder."""
    analyzed = list(analyzed)
    if remembered and os.path.isdir(remembered):
        return remembered
    for folder in standard_folders():
        if os.path.isdir(folder) and analyzed_folder_of(folder, analyzed) is None:
            return folder
    return str(Path.home())


def inside_library_warning(target: str, folder: str) -> str:
    return (
        f"{os.path.basename(target)} would be saved inside {folder}, a folder Image Engine "
        "analyzes: it would appear among your photos after the next analysis.\n\nSave it there "
        "anyway?"
    )
