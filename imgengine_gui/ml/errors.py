from __future__ import annotations


class ModelUnavailable(RuntimeError):
    """A model's weights are not on this machine (no download is ever attempted)."""

