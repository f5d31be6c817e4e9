"""exiftool as a second pass, for the few photos exiv2 leaves without a date or a camera.

Old cameras wrote metadata exiv2 does not read (Canon CIFF in APP0, Olympus PictureInfo in
APP12, dates only in some maker notes); exiftool, which Immich and PhotoPrism use, reads them.
One ``exiftool -stay_open`` process serves a whole run. Where exiftool is not installed the app
says so once (``exiftool_status``), never per photo.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import threading
from typing import Any

from imgengine_gui.analysis.errors import one_line_reason

TAGS = (
    "DateTimeOriginal", "OffsetTimeOriginal", "CreateDate", "Make", "Model", "LensModel", "ISO",
    "FNumber", "ExposureTime", "FocalLength", "GPSLatitude", "GPSLongitude", "GPSAltitude",
)  # fmt: skip
INSTALL_HINT = "install exiftool (Debian/Ubuntu: libimage-exiftool-perl) to read them"
_TIMEOUT_S = 30


def find_exiftool() -> str | None:
    return shutil.which("exiftool")


def exiftool_status() -> str:
    """One line for `imgengine models` and run summaries."""
    executable = find_exiftool()
    if executable is None:
        return (
            "exiftool not found: dates and cameras that only exiftool reads (very old cameras, "
            f"some maker notes) stay unknown; {INSTALL_HINT}"
        )
    try:
        version = subprocess.run(
            [executable, "-ver"], capture_output=True, text=True, timeout=_TIMEOUT_S, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        return f"exiftool at {executable} does not run ({one_line_reason(exc)})"
    return f"exiftool {version} ({executable}): second pass for photos without a date or camera"


class ExiftoolPass:
    """A ``-stay_open`` exiftool shared by threads; started on first use, closed by ``close``."""

    def __init__(self, executable: str | None = None) -> None:
        self.executable = executable or find_exiftool()
        self.failure: str | None = None if self.executable else "exiftool not found"
        self.used = 0  # photos exiftool was asked about
        self.missed = 0  # photos it could have been asked about, had it been there
        self._lock = threading.Lock()
        self._helper: Any = None

    @property
    def available(self) -> bool:
        return self.failure is None

    def read(self, path: str) -> dict[str, Any]:
        """exiftool's numeric values (``-n``) of ``TAGS`` for one file; {} when it fails."""
        with self._lock:
            if self.failure is not None:
                self.missed += 1
                return {}
            try:
                if self._helper is None:
                    self._helper = self._start()
                rows = self._helper.get_tags([path], tags=list(TAGS))
            except Exception as exc:  # a crash or a hang of the external process
                self.failure = f"exiftool stopped working ({one_line_reason(exc)})"
                self._stop()
                return {}
            self.used += 1
        return dict(rows[0]) if rows else {}

    def _start(self) -> Any:
        import exiftool

        return exiftool.ExifToolHelper(
            executable=self.executable,
            common_args=["-n", "-charset", "filename=utf8"],
            encoding="utf-8",
            check_execute=False,
        )

    def _stop(self) -> None:
        helper, self._helper = self._helper, None
        if helper is not None:
            with contextlib.suppress(Exception):  # already gone
                helper.terminate()

    def close(self) -> None:
        with self._lock:
            self._stop()
