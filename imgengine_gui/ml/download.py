"""The one place Image Engine goes online: full-tier model files from the Hugging Face hub.

Every call that reaches the network is marked ``# ok-download``; everywhere else models load
with ``local_files_only=True``. ``HF_ENDPOINT`` (read when a download starts) points at a mirror.
Files land in a staging cache (the hub's cache layout) that no loader reads; each is checked
against the hash the hub lists for it. ``ml.model_store`` publishes them once they pass.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import importlib
import os
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from imgengine_gui.ml.model_files import has_safe_weights, is_wanted, pickle_weights
from imgengine_gui.ml.model_store import Staged, StagedFile

# Progress and cancel take effect between chunks: the hub's default of 10 MiB is too coarse.
CHUNK_BYTES = 1 << 20


class HubUnreachable(RuntimeError):
    """The hub (or HF_ENDPOINT) could not be reached; nothing was written."""


class DownloadFailed(RuntimeError):
    """The hub answered, but this model cannot be downloaded (not found, no safetensors...)."""


class CorruptDownload(DownloadFailed):
    """A downloaded file does not match the hash the hub lists for it."""


class DiskFull(RuntimeError):
    """The disk filled up while downloading."""


class DownloadCancelled(Exception):
    """The user cancelled; staged files are kept so that the next try resumes."""


@dataclass(frozen=True)
class RemoteFile:
    name: str
    size: int
    sha256: str | None = None  # LFS files (weights): the hub's sha256, also the cache blob name
    git_sha1: str | None = None  # regular files: the git blob id, also the cache blob name

    @property
    def blob_name(self) -> str | None:
        return self.sha256 or self.git_sha1


@dataclass(frozen=True)
class RemoteModel:
    repo_id: str
    revision: str
    commit: str
    files: tuple[RemoteFile, ...]

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


def hub_endpoint() -> str:
    from huggingface_hub import constants

    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def describe_remote(repo_id: str, revision: str = "main") -> RemoteModel:
    """The files the loaders need at ``revision``, with sizes and hashes (one API call)."""
    from huggingface_hub import HfApi

    api = HfApi(endpoint=hub_endpoint())
    with hub_errors(repo_id, revision):
        info = api.model_info(repo_id, revision=revision, files_metadata=True)  # ok-download
    names = [s.rfilename for s in info.siblings or ()]
    if not has_safe_weights(names):
        pickled = pickle_weights(names)
        raise DownloadFailed(
            f"{repo_id} has no safetensors weights at revision {revision}"
            + (
                f" (only pickle files: {', '.join(pickled)}, which are never loaded)"
                if pickled
                else ""
            )
            + "; choose a revision that has model.safetensors (--revision) or another model"
        )
    files = tuple(
        RemoteFile(
            s.rfilename,
            int(s.lfs.size if s.lfs else s.size or 0),
            sha256=s.lfs.sha256 if s.lfs else None,
            git_sha1=None if s.lfs else s.blob_id,
        )
        for s in info.siblings or ()
        if is_wanted(s.rfilename)
    )
    if info.sha is None:
        raise DownloadFailed(f"the hub gave no commit for {repo_id} at {revision}")
    return RemoteModel(repo_id, revision, info.sha, files)


def fetch(
    remote: RemoteModel,
    staging_cache: Path,
    on_bytes: Callable[[int], None],
    cancel: threading.Event,
) -> Staged:
    """Download ``remote`` into ``staging_cache`` (a cache of its own, which no loader reads).

    Files staged by an earlier, interrupted try are reused; a dropped connection resumes with a
    Range request (huggingface_hub retries). Each file is checked against the hub's hash.
    """
    from huggingface_hub import constants, hf_hub_download

    constants.DOWNLOAD_CHUNK_SIZE = CHUNK_BYTES
    # free space is checked up front; a full disk stops the download with its own error
    warnings.filterwarnings("ignore", "Not enough free disk space", UserWarning)
    bar = _progress_class(on_bytes, cancel)
    files: list[StagedFile] = []
    for remote_file in remote.files:
        if cancel.is_set():
            raise DownloadCancelled()
        counted = bar.counted
        with hub_errors(remote.repo_id, remote.revision):
            path = hf_hub_download(  # ok-download
                remote.repo_id,
                remote_file.name,
                revision=remote.commit,
                cache_dir=staging_cache,
                endpoint=hub_endpoint(),
                tqdm_class=bar,
            )
        check_file(Path(path), remote_file, remote.repo_id)
        on_bytes(remote_file.size - (bar.counted - counted))  # staged before, or re-sent bytes
        bar.counted = counted + remote_file.size
        blob = Path(path).resolve()
        files.append(StagedFile(remote_file.name, blob, remote_file.blob_name or blob.name))
    if not files:
        raise DownloadFailed(f"{remote.repo_id}: no files to download")
    return Staged(Path(path).parent, tuple(files))


def check_file(path: Path, remote_file: RemoteFile, repo_id: str) -> None:
    """Raise ``CorruptDownload`` (and drop the staged copy) when ``path`` is not what the hub has."""
    blob = path.resolve()
    size = blob.stat().st_size
    problem = None
    if size != remote_file.size:
        problem = f"{size} bytes instead of {remote_file.size}"
    elif remote_file.sha256 and file_sha256(blob) != remote_file.sha256:
        problem = "its sha256 does not match the hub's"
    elif remote_file.git_sha1 and git_blob_sha1(blob) != remote_file.git_sha1:
        problem = "its git hash does not match the hub's"
    if problem:
        path.unlink(missing_ok=True)
        blob.unlink(missing_ok=True)
        raise CorruptDownload(f"{repo_id}: {remote_file.name} arrived corrupt ({problem})")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def git_blob_sha1(path: Path) -> str:
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _progress_class(on_bytes: Callable[[int], None], cancel: threading.Event):
    """A silent tqdm for huggingface_hub that reports bytes and stops the transfer on cancel."""
    from tqdm.auto import tqdm

    class Bar(tqdm):
        counted = 0  # bytes reported through this class, across files

        def __init__(self, *args, **kwargs) -> None:
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)

        def update(self, n: float | None = 1) -> bool | None:
            if cancel.is_set():
                raise DownloadCancelled()
            Bar.counted += int(n or 0)
            on_bytes(int(n or 0))
            return super().update(n)

    return Bar


def _transport_errors() -> tuple[type[BaseException], ...]:
    """The HTTP client's network errors (httpx2 in huggingface_hub 2.x, httpx before)."""
    found = []
    for module in ("httpx2", "httpx"):
        with contextlib.suppress(ImportError, AttributeError):
            found.append(importlib.import_module(module).TransportError)
    return tuple(found)


@contextlib.contextmanager
def hub_errors(repo_id: str, revision: str) -> Iterator[None]:
    """The hub's many exceptions as ours: unreachable, refused, disk full."""
    from huggingface_hub import errors

    try:
        yield
    except (DownloadCancelled, DownloadFailed):
        raise
    except errors.OfflineModeIsEnabled as error:
        raise HubUnreachable("offline mode is on (HF_HUB_OFFLINE)") from error
    except errors.GatedRepoError as error:
        raise DownloadFailed(
            f"{repo_id} is gated: accept its terms and log in (`hf auth login`)"
        ) from error
    except errors.RepositoryNotFoundError as error:
        raise DownloadFailed(f"no model {repo_id} on {hub_endpoint()}") from error
    except errors.RevisionNotFoundError as error:
        raise DownloadFailed(f"{repo_id} has no revision {revision}") from error
    except errors.HfHubHTTPError as error:
        status = error.response.status_code if error.response is not None else 0
        if status >= 500 or status in (408, 429):
            raise HubUnreachable(f"the hub answered HTTP {status}") from error
        raise DownloadFailed(f"{repo_id}: the hub answered HTTP {status}") from error
    except errors.LocalEntryNotFoundError as error:  # the file's HEAD request failed
        raise HubUnreachable(_reason(error.__cause__ or error)) from error
    except _transport_errors() as error:
        raise HubUnreachable(_reason(error)) from error
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise DiskFull(f"the disk filled up while downloading {repo_id}") from error
        if "Consistency check failed" in str(error):
            raise CorruptDownload(f"{repo_id}: a file arrived with the wrong size") from error
        raise


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__
