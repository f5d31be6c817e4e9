"""Messages shown to people."""

from __future__ import annotations


def one_line(message: object) -> str:
    """``message`` as one line: newlines and runs of spaces become single spaces."""
    return " ".join(str(message).split())
