"""Why a photo failed, and when a run as a whole failed.

A failure is the photo's own ("photo": not an image, truncated, undecodable) or the
environment's ("environment": disk full, permission denied, I/O error, out of memory, a
timeout, a model that could not run). Photo failures of unchanged files are final; environment
failures are retried by the next run. A run in which more than ``ENVIRONMENT_FAILURE_SHARE`` of
the photos failed for environmental reasons has failed: it says why once, not once per photo.
"""

from __future__ import annotations

import errno
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

PHOTO = "photo"
ENVIRONMENT = "environment"
ENVIRONMENT_FAILURE_SHARE = 0.02  # more than 2 % of the photos: the run failed
GROUP_AT = 3  # this many photos with one message are reported as one line

_ENVIRONMENT_ERRNOS = {
    errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.EIO,
    errno.ENOENT, errno.ETIMEDOUT, errno.EAGAIN, errno.EMFILE, errno.ENFILE, errno.ENOMEM,
    errno.ESTALE, errno.EBUSY, errno.ENODEV, errno.ENXIO, errno.EINTR, errno.ENOTCONN,
    errno.EHOSTDOWN, errno.ECONNRESET,
}  # fmt: skip
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


def _chain(exc: BaseException | None) -> Iterable[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def environment_cause(exc: BaseException) -> BaseException | None:
    """The environmental error behind ``exc`` (also through a PhotoError's context), if any."""
    for link in _chain(exc):
        if isinstance(link, MemoryError | TimeoutError):
            return link
        if isinstance(link, OSError) and link.errno in _ENVIRONMENT_ERRNOS:
            return link
    return None


def error_class(exc: BaseException) -> str:
    return ENVIRONMENT if environment_cause(exc) is not None else PHOTO


def describe(exc: BaseException, *, photo: str, cache_dir: Path) -> str:
    """One line; for an environmental error, the reason and the place without the file name, so
    that one cause across many photos reads the same (and is reported once)."""
    cause = environment_cause(exc)
    if not isinstance(cause, OSError):
        if isinstance(cause, MemoryError):
            return "not enough memory"
        text = " ".join(str(exc).split())
        return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    reason = cause.strerror or " ".join(str(cause).split()) or type(cause).__name__
    name = os.fspath(cause.filename) if cause.filename else None
    if name and os.path.abspath(name) == os.path.abspath(photo):
        return f"cannot read the photo: {reason}"
    if (name and _inside(name, cache_dir)) or (not name and cause.errno in _WRITE_ERRNOS):
        return f"{reason} (cache folder {cache_dir})"
    return f"{reason} ({name})" if name else reason


def _inside(path: str, folder: Path) -> bool:
    try:
        return Path(path).resolve().is_relative_to(Path(folder).resolve())
    except (OSError, ValueError):
        return False


@dataclass(frozen=True)
class ProblemGroup:
    phase: str
    message: str
    paths: list[str]


def group_problems(problems: Sequence) -> list[ProblemGroup]:
    """Problems with the same phase and message (a leading "file name: " aside), in order."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for problem in problems:
        name = os.path.basename(problem.path)
        message = problem.message.removeprefix(f"{name}: ")
        groups[(problem.phase, message)].append(problem.path)
    return [ProblemGroup(phase, message, paths) for (phase, message), paths in groups.items()]


def environment_failed_photos(problems: Sequence) -> set[str]:
    return {p.path for p in problems if getattr(p, "kind", PHOTO) == ENVIRONMENT}


def run_failure(problems: Sequence, planned: int) -> str | None:
    """Why the run failed, once (None: it did not): too many photos failed for reasons that are
    not theirs."""
    failed = environment_failed_photos(problems)
    if not failed or len(failed) <= ENVIRONMENT_FAILURE_SHARE * max(planned, 1):
        return None
    reasons = [g for g in group_problems([p for p in problems if p.kind == ENVIRONMENT])]
    reasons.sort(key=lambda g: -len(g.paths))
    top = reasons[0]
    return (
        f"{len(failed)} of {planned} photos failed for reasons outside the photos, mostly "
        f"“{top.message}” ({len(top.paths)} photos, {top.phase}): fix that and run again; "
        "these photos are retried"
    )
