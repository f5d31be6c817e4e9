"""Errors raised by the per-photo analysis functions."""

from __future__ import annotations


class PhotoError(Exception):
    """A per-file problem; str(e) is a one-line user-facing message."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


def one_line_reason(exc: BaseException) -> str:
    """``TypeName: message`` on one line, for warnings and PhotoError texts."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
