"""What the metadata phase of one run reads besides the photo: XMP sidecars (per the setting)
and the exiftool second pass, with one note in the run summary when exiftool is missing."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any


class MetadataSources:
    def __init__(self, sidecar_mode: str) -> None:
        from imgengine_gui.analysis.metadata_exiftool import ExiftoolPass
        from imgengine_gui.analysis.metadata_sidecar import SidecarIndex

        self.sidecars = SidecarIndex() if sidecar_mode != "off" else None
        self.exiftool = ExiftoolPass()
        self._lock = threading.Lock()
        self._rotations: dict[str, int] = {}

    def reader_options(self) -> dict[str, Any]:
        return {"sidecars": self.sidecars, "exiftool": self.exiftool}

    def remember(self, path: Path, meta: Any) -> None:
        """A sidecar may rotate the photo: the decode of the same job applies it."""
        if meta.sidecar is not None:
            with self._lock:
                self._rotations[str(path)] = meta.orientation

    def rotation(self, path: Path) -> int | None:
        """The orientation a sidecar sets for ``path``, or None (the file's own applies)."""
        with self._lock:
            known = self._rotations.pop(str(path), None)
        if known is not None or self.sidecars is None:
            return known
        sidecar = self.sidecars.find(path)
        if sidecar is None:
            return None
        from imgengine_gui.analysis.metadata_sidecar import read_sidecar

        return read_sidecar(sidecar).orientation

    def close(self, notes: list[str]) -> None:
        from imgengine_gui.analysis.metadata_exiftool import exiftool_status

        self.exiftool.close()
        if self.exiftool.missed:
            reason = self.exiftool.failure or "exiftool not found"
            if reason == "exiftool not found":
                reason = exiftool_status()
            notes.append(
                f"{self.exiftool.missed} photos without a date or camera had no exiftool pass: "
                + reason
            )
