"""Full-tier models copied from a mirror folder (a share, a USB disk) instead of the hub.

Two layouts are read: a Hugging Face cache (``models--org--name/snapshots/<commit>`` with
``refs/<revision>``), and one folder per model (``org/name/``) written by this app or by
``hf download --local-dir``, which say their commit. Only the files the loaders need are copied,
into the same staging place as a download, then checked and published the same way.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from imgengine_gui.ml.download import (
    DownloadCancelled,
    DownloadFailed,
    RemoteFile,
    RemoteModel,
    check_file,
    file_sha256,
    git_blob_sha1,
)
from imgengine_gui.ml.model_files import has_safe_weights, is_wanted
from imgengine_gui.ml.model_store import Staged, StagedFile, read_manifest, repo_folder

COMMIT = re.compile(r"[0-9a-f]{40}")
_HF_LOCAL_DIR_METADATA = Path(".cache") / "huggingface" / "download" / "config.json.metadata"


def find_in_mirror(mirror: Path, repo_id: str, revision: str = "main") -> tuple[Path, RemoteModel]:
    """The mirror's folder for ``repo_id`` and what it holds, or ``DownloadFailed`` saying why."""
    repo = repo_folder(mirror, repo_id)
    if repo.is_dir():
        folder, commit = _cache_snapshot(repo, revision)
    else:
        folder = mirror / repo_id
        commit = _folder_commit(folder)
    if not (folder / "config.json").is_file():
        raise DownloadFailed(f"the mirror {mirror} has no {repo_id} (revision {revision})")
    if commit is None:
        raise DownloadFailed(
            f"{folder} does not say which revision it holds: use it as a local folder instead"
        )
    names = sorted(p.name for p in folder.iterdir() if p.is_file() and is_wanted(p.name))
    if not has_safe_weights(names):
        raise DownloadFailed(f"{folder} has no safetensors weights (model.safetensors)")
    files = tuple(_described(folder / name) for name in names)
    return folder, RemoteModel(repo_id, revision, commit, files)


def copy_from_mirror(
    folder: Path,
    remote: RemoteModel,
    staging: Path,
    on_bytes: Callable[[int], None],
    cancel: threading.Event,
) -> Staged:
    """Copy ``remote``'s files from the mirror into ``staging`` (a plain folder), checking each."""
    target = repo_folder(staging, remote.repo_id) / f"mirror-{remote.commit}"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    staged = []
    for remote_file in remote.files:
        copy = target / remote_file.name
        with open(folder / remote_file.name, "rb") as source, open(copy, "wb") as out:
            while chunk := source.read(1 << 20):
                if cancel.is_set():
                    raise DownloadCancelled()
                out.write(chunk)
                on_bytes(len(chunk))
        check_file(copy, remote_file, remote.repo_id)
        weights = remote_file.name.endswith(".safetensors")
        blob = remote_file.blob_name or (file_sha256(copy) if weights else git_blob_sha1(copy))
        staged.append(StagedFile(remote_file.name, copy, blob))
    return Staged(target, tuple(staged))


def _cache_snapshot(repo: Path, revision: str) -> tuple[Path, str | None]:
    ref = repo / "refs" / revision
    commit = revision if COMMIT.fullmatch(revision) else None
    if commit is None and ref.is_file():
        commit = ref.read_text().strip()
    return repo / "snapshots" / (commit or revision), commit


def _folder_commit(folder: Path) -> str | None:
    commit = read_manifest(folder).get("commit")
    metadata = folder / _HF_LOCAL_DIR_METADATA
    if commit is None and metadata.is_file():
        commit = metadata.read_text(encoding="utf-8").splitlines()[0].strip()
    return commit if commit and COMMIT.fullmatch(commit) else None


def _described(path: Path) -> RemoteFile:
    """A mirror file; in a cache layout its blob name is its hash, which the copy is checked against."""
    size = path.stat().st_size
    blob = path.resolve().name
    if len(blob) == 64 and re.fullmatch(r"[0-9a-f]{64}", blob):
        return RemoteFile(path.name, size, sha256=blob)
    if COMMIT.fullmatch(blob):
        return RemoteFile(path.name, size, git_sha1=blob)
    return RemoteFile(path.name, size)
