"""Where downloaded models live, how a download becomes visible, and how one is removed.

Loaders see a model in the Hugging Face cache through ``snapshots/<commit>`` (holding
``config.json``) and ``refs/<revision>``; a model folder, through its path. A download is staged
elsewhere and published by moving its blobs in first (invisible to loaders), then renaming a
complete snapshot folder (or model folder) into place, then writing the ref. A removal goes the
other way: the model becomes invisible in one rename, then its files are deleted.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

MANIFEST = ".imgengine-model.json"  # written into model folders this app downloaded
_LAST = "config.json"  # published last: a snapshot without it is not a model to the loaders


@dataclass(frozen=True)
class StagedFile:
    name: str  # path inside the model, "/"-separated
    path: Path  # the staged bytes
    blob: str  # its name among the cache's blobs: sha256 (weights) or git blob id


@dataclass(frozen=True)
class Staged:
    folder: Path  # loadable as it is: verification runs here, before anything is published
    files: tuple[StagedFile, ...]

    def ordered(self) -> list[StagedFile]:
        """``config.json`` last: a snapshot without it is not a model to the loaders."""
        return sorted(self.files, key=lambda f: (f.name == _LAST, f.name))


@dataclass(frozen=True)
class Installed:
    path: Path
    size_bytes: int
    revision: str | None  # the commit of what is installed, when known
    repo_id: str | None  # the hub model it came from, when known
    downloaded_here: bool  # in the HF cache or written by this app: removable


def repo_folder(cache_root: Path, repo_id: str) -> Path:
    return cache_root / ("models--" + repo_id.replace("/", "--"))


def staging_root(cache_root: Path) -> Path:
    """Beside the HF cache (same disk, so publishing moves files without copying them)."""
    return cache_root.parent / f".{cache_root.name}.imgengine-staging"


def installed(path: Path) -> Installed:
    """What is installed at a model folder or HF cache snapshot ``path``."""
    return Installed(path, folder_size(path), *origin(path))


def origin(path: Path) -> tuple[str | None, str | None, bool]:
    """(commit, hub id, downloaded here) of a model folder; cheap: reads no model file."""
    if path.parent.name == "snapshots" and path.parent.parent.name.startswith("models--"):
        repo_id = path.parent.parent.name.removeprefix("models--").replace("--", "/")
        return path.name, repo_id, True
    manifest = read_manifest(path)
    if manifest:
        return manifest.get("commit"), manifest.get("repo_id"), True
    return None, None, False


def folder_size(path: Path) -> int:
    """Bytes on disk of the files under ``path``, following the cache's symlinks, each blob once."""
    seen: set[str] = set()
    total = 0
    for root, _dirs, names in os.walk(path):
        for name in names:
            real = os.path.realpath(os.path.join(root, name))
            if real not in seen and os.path.isfile(real):
                seen.add(real)
                total += os.path.getsize(real)
    return total


def read_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def publish_to_cache(
    staged: Staged, cache_root: Path, repo_id: str, commit: str, revision: str
) -> Path:
    """Move staged files into the HF cache; the published snapshot folder."""
    from huggingface_hub.file_download import are_symlinks_supported

    repo = repo_folder(cache_root, repo_id)
    blobs, snapshots = repo / "blobs", repo / "snapshots"
    blobs.mkdir(parents=True, exist_ok=True)
    snapshots.mkdir(parents=True, exist_ok=True)
    final = snapshots / commit
    building = snapshots / f".{commit}.{uuid.uuid4().hex[:8]}.partial"
    links = are_symlinks_supported(cache_root)
    try:
        for item in staged.ordered():
            blob = blobs / item.blob
            if not blob.exists():
                _move_atomically(item.path, blob)
            entry = building / item.name
            entry.parent.mkdir(parents=True, exist_ok=True)
            if links:
                entry.symlink_to(os.path.relpath(blob, (final / item.name).parent))
            else:
                shutil.copy2(blob, entry)
        if final.exists():  # an earlier copy of this commit: add what it lacks, config last
            for item in staged.ordered():
                if not (final / item.name).exists():
                    (final / item.name).parent.mkdir(parents=True, exist_ok=True)
                    os.replace(building / item.name, final / item.name)
        else:
            os.rename(building, final)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    write_ref(cache_root, repo_id, revision, commit)
    return final


def write_ref(cache_root: Path, repo_id: str, revision: str, commit: str) -> None:
    """``refs/<revision>`` names ``commit`` (a revision given as a commit needs no ref)."""
    if revision != commit:
        _write_atomically(repo_folder(cache_root, repo_id) / "refs" / revision, commit)


def publish_to_folder(staged: Staged, folder: Path, manifest: dict) -> Path:
    """Move staged files into ``folder`` (replacing what was there) in one rename."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = folder.parent / f".{folder.name}.{uuid.uuid4().hex[:8]}.partial"
    try:
        for item in staged.ordered():
            target = building / item.name
            target.parent.mkdir(parents=True, exist_ok=True)
            _move_atomically(item.path, target)
        (building / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        _swap_in(building, folder)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return folder


def remove_installed(item: Installed) -> None:
    """Delete a downloaded model: invisible first (one rename), then its files and lone blobs."""
    path = item.path
    if path.parent.name != "snapshots":
        _retire(path)
        return
    repo = path.parent.parent
    refs = repo / "refs"
    for ref in refs.rglob("*") if refs.is_dir() else ():
        if ref.is_file() and ref.read_text().strip() == path.name:
            ref.unlink()
    _retire(path)
    still_used = {
        os.path.realpath(entry)
        for snapshot in (repo / "snapshots").iterdir()
        for entry in snapshot.rglob("*")
    }
    for blob in (repo / "blobs").iterdir() if (repo / "blobs").is_dir() else ():
        if str(blob.resolve()) not in still_used:
            blob.unlink(missing_ok=True)
    if not any((repo / "snapshots").iterdir()):
        shutil.rmtree(repo, ignore_errors=True)


def _retire(path: Path) -> None:
    gone = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}.removing"
    os.rename(path, gone)
    shutil.rmtree(gone, ignore_errors=True)


def _swap_in(new: Path, target: Path) -> None:
    if not target.exists():
        os.rename(new, target)
        return
    old = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.old"
    os.rename(target, old)
    os.rename(new, target)
    shutil.rmtree(old, ignore_errors=True)


def _move_atomically(source: Path, target: Path) -> None:
    """Move (copying across disks) under a temporary name, then rename into place."""
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        shutil.move(source, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
