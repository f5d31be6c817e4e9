"""Walking a photo folder: photos only, no hidden/system folders, no symlink loops."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from imgengine_gui.scan.sniff import has_photo_extension

SKIPPED_FOLDERS = frozenset(
    {
        "@eadir",
        "$recycle.bin",
        "system volume information",
        "lost+found",
        "#recycle",
        "#snapshot",
        ".trash",
        ".trashes",
        ".thumbnails",
        ".git",
        "__macosx",
    }
)


@dataclass(slots=True)
class FoundFile:
    path: str
    size: int
    mtime_ns: int
    dev: int
    ino: int


@dataclass(slots=True)
class WalkProblem:
    path: str
    message: str


def _skip_folder(name: str) -> bool:
    return name.startswith(".") or name.lower() in SKIPPED_FOLDERS


def walk_photos(root: Path, problems: list[WalkProblem] | None = None) -> Iterator[FoundFile]:
    """Yield every photo-named file under ``root``; unreadable entries go to ``problems``."""
    problems = problems if problems is not None else []
    root_stat = os.stat(root)
    visited = {(root_stat.st_dev, root_stat.st_ino)}
    stack = [os.fspath(root)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                entries = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            problems.append(WalkProblem(folder, f"cannot read folder: {exc.strerror or exc}"))
            continue
        subfolders = []
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                if _skip_folder(entry.name):
                    continue
                try:
                    st = entry.stat(follow_symlinks=True)
                except OSError as exc:
                    problems.append(WalkProblem(entry.path, f"cannot read folder: {exc}"))
                    continue
                identity = (st.st_dev, st.st_ino)
                if identity in visited:
                    if entry.is_symlink():
                        problems.append(
                            WalkProblem(entry.path, "symbolic link loop (folder already visited)")
                        )
                    continue
                visited.add(identity)
                subfolders.append(entry.path)
                continue
            if not has_photo_extension(entry.name) or entry.name.startswith("._"):
                continue
            try:
                st = entry.stat(follow_symlinks=True)
            except OSError:
                problems.append(WalkProblem(entry.path, "broken symbolic link (target missing)"))
                continue
            if not entry.is_file(follow_symlinks=True):
                continue
            try:
                entry.path.encode("utf-8")
            except UnicodeEncodeError:  # bytes from another encoding (old archives, NAS shares)
                shown = entry.path.encode("utf-8", "backslashreplace").decode()
                problems.append(WalkProblem(shown, "file name is not valid UTF-8: rename it"))
                continue
            yield FoundFile(entry.path, st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)
        stack.extend(reversed(subfolders))
