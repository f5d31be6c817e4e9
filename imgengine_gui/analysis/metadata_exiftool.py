"""exiftool as a second pass, for the few photos exiv2 leaves without a date or a camera.

Old cameras wrote metadata exiv2 does not read (Canon CIFF in APP0, Olympus PictureInfo in
APP12, dates only in some maker notes); exiftool, which Immich and PhotoPrism use, reads them.
One ``exiftool -stay_open`` process serves a whole run. Where exiftool is not installed the app
says so once (``exiftool_status``), never per photo.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import subprocess
import threading
import time
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


def metadata_report() -> dict[str, Any]:
    """The metadata readers, as `imgengine models` lists them."""
    import exiv2

    return {
        "task": "metadata",
        "serving": f"exiv2 {exiv2.version()} (python-exiv2 {exiv2.__version__})",
        "second_pass": exiftool_status(),
        "present": find_exiftool() is not None,
    }


class ExiftoolPass:
    """A ``-stay_open`` exiftool shared by threads; started on first use, closed by ``close``.

    Spoken to directly (arguments on stdin, JSON back until ``{readyN}``) rather than through
    PyExifTool, which starts exiftool with a ``preexec_fn`` (unsafe in a threaded process) and a
    parent-death signal that fires when the starting worker thread ends. exiftool quits by
    itself when our end of its stdin closes.
    """

    def __init__(self, executable: str | None = None) -> None:
        self.executable = executable or find_exiftool()
        self.failure: str | None = None if self.executable else "exiftool not found"
        self.used = 0  # photos exiftool was asked about
        self.missed = 0  # photos it could have been asked about, had it been there
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._requests = 0

    @property
    def available(self) -> bool:
        return self.failure is None

    def read(self, path: str) -> dict[str, Any]:
        """exiftool's numeric values (``-n``) of ``TAGS`` for one file; {} when it fails."""
        if "\n" in path or "\r" in path:
            return {}  # exiftool's argument file is line-based
        with self._lock:
            if self.failure is not None:
                self.missed += 1
                return {}
            try:
                output = self._execute([*(f"-{tag}" for tag in TAGS), path])
            except (OSError, ValueError, TimeoutError, EOFError) as exc:
                self.failure = f"exiftool stopped working ({one_line_reason(exc)})"
                self._stop()
                return {}
            self.used += 1
        try:
            rows = json.loads(output) if output.strip() else []
        except ValueError:
            return {}
        return dict(rows[0]) if rows and isinstance(rows[0], dict) else {}

    def _execute(self, arguments: list[str]) -> bytes:
        if self._process is None:
            self._process = subprocess.Popen(
                [self.executable or "exiftool", "-stay_open", "True", "-@", "-",
                 "-common_args", "-j", "-n", "-charset", "filename=utf8"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        assert self._process.stdin is not None and self._process.stdout is not None
        self._requests += 1
        marker = f"{{ready{self._requests}}}".encode()
        request = "\n".join([*arguments, f"-execute{self._requests}", ""])
        self._process.stdin.write(request.encode("utf-8"))
        self._process.stdin.flush()
        output = bytearray()
        descriptor = self._process.stdout.fileno()
        deadline = time.monotonic() + _TIMEOUT_S
        while marker not in output:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no answer in {_TIMEOUT_S} s")
            # Windows cannot select() on a pipe: there a read blocks (no timeout)
            if os.name == "nt" or select.select([descriptor], [], [], remaining)[0]:
                chunk = os.read(descriptor, 1 << 16)
                if not chunk:
                    raise EOFError("exiftool exited")
                output += chunk
        return bytes(output[: output.index(marker)])

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError, ValueError):
            assert process.stdin is not None
            process.stdin.write(b"-stay_open\nFalse\n")
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def close(self) -> None:
        with self._lock:
            self._stop()
