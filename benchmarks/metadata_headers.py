"""Headers per second of ``read_metadata`` on real files, one thread, no catalog.

    python -m benchmarks.metadata_headers [FOLDER] [--seconds 5] [--exiftool]

FOLDER defaults to the test corpus's camera JPEGs. Reports wall-clock headers/s and CPU time
per file (less sensitive to a loaded machine), and how many photos the exiftool pass was asked
about. Run the same command on two versions of the code to compare them.
"""

from __future__ import annotations

import argparse
import inspect
import json
import time
from pathlib import Path

from imgengine_gui.analysis.metadata import read_metadata


def measure(files: list[Path], seconds: float, exiftool: bool) -> dict:
    second_pass = None
    if exiftool:
        from imgengine_gui.analysis.metadata_exiftool import ExiftoolPass

        second_pass = ExiftoolPass()
    options: dict = {"exiftool": second_pass} if second_pass is not None else {}
    if "sidecars" in inspect.signature(read_metadata).parameters:  # as a run does: one listing
        from imgengine_gui.analysis.metadata_sidecar import SidecarIndex  # per folder

        options["sidecars"] = SidecarIndex()
    for path in files:  # warm the page cache and the libraries
        read_metadata(path, **options)
    count, wall, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds:
        for path in files:
            read_metadata(path, **options)
        count += len(files)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if second_pass is not None:
        second_pass.close()
    return {
        "files": len(files),
        "headers_read": count,
        "headers_per_s": round(count / wall),
        "cpu_us_per_header": round(cpu / count * 1e6),
        "exiftool_asked": second_pass.used if second_pass is not None else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--exiftool", action="store_true", help="with the exiftool second pass")
    args = parser.parse_args()
    folder = args.folder
    if folder is None:
        from imgengine_gui.engine.bench_library import find_corpus

        corpus = find_corpus()
        if corpus is None:
            raise SystemExit("no corpus found: give a folder")
        folder = corpus / "jpg"
    suffixes = {".jpg", ".jpeg", ".heic", ".heif", ".avif", ".jxl", ".png", ".dng", ".tif"}
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in suffixes)
    if not files:
        raise SystemExit(f"no photos in {folder}")
    print(json.dumps({"folder": str(folder), **measure(files, args.seconds, args.exiftool)}))


if __name__ == "__main__":
    main()
