"""Errors raised by the per-photo analysis functions."""

from __future__ import annotations

from imgengine_gui.common.text import one_line


class PhotoError(Exception):
    """A per-file problem; str(e) is a one-line user-facing message."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


def one_line_reason(exc: BaseException) -> str:
    """``TypeName: message`` on one line, for warnings and PhotoError texts."""
    text = one_line(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
