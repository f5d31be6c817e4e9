"""HEIC/HEIF support for Pillow, registered once for every reader in the process."""

from __future__ import annotations

import threading

_lock = threading.Lock()
_registered = False


def register_heif_once() -> None:
    global _registered
    if _registered:
        return
    with _lock:
        if not _registered:
            try:
                import pillow_heif

                pillow_heif.register_heif_opener()
            except ImportError:  # pragma: no cover - a hard dependency; HEIC then fails to open
                pass
            _registered = True
