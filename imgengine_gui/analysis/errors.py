"""Errors raised by the per-photo analysis functions."""

from __future__ import annotations


class PhotoError(Exception):
    """A per-file problem; str(e) is a one-line user-facing message."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))
