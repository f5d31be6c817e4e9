"""The whole pipeline on a faces-heavy library: the corpus's faces-dev photos, copied ``--copies``
times into a temporary folder (120 described faces in 100 photos at 5 copies), once per run, on
a fresh catalog and thumbnail cache, after a warm-up run on two of them (imports, page cache).
One JSON line: photos/s, CPU ms/photo (children included), load average, faces described and a
digest of the stored descriptors, in any order (equal digests: the same vectors, bit for bit).

    python -m benchmarks.faces_pipeline [--copies 5] [--folder DIR]

To compare two trees, run it from each (``PYTHONPATH=/path/to/other/tree`` for the other),
alternately, several times: wall rates on a shared machine swing with its load.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.faces_eval import CORPUS
from imgengine_gui.catalog.db import connect
from imgengine_gui.catalog.people import identifiable_faces
from imgengine_gui.engine.pipeline import AnalyzeRequest, analyze_folder
from imgengine_gui.settings import Settings

PHASES = ("metadata", "content", "ml")
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.faces_pipeline")
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--folder", type=Path, default=None, help="a library instead of faces-dev")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args(argv)
    settings = Settings.load().with_overrides(device="cpu", backend="eager", precision="fp32")
    with tempfile.TemporaryDirectory(prefix="imgengine-faces-") as tmp:
        root = Path(tmp)
        sources = sorted(
            p for p in (args.corpus / "faces-dev").iterdir() if p.suffix.lower() in PHOTO_SUFFIXES
        )
        library = args.folder or _copies(sources, args.copies, root / "library")
        _run(_copies(sources[:2], 1, root / "warm"), root / "warm-run", settings)
        print(json.dumps(_run(library, root / "run", settings)))
    return 0


def _copies(sources: list[Path], copies: int, folder: Path) -> Path:
    folder.mkdir(parents=True)
    for copy in range(copies):
        for source in sources:
            shutil.copyfile(source, folder / f"c{copy}_{source.name}")
    return folder


def _run(library: Path, work: Path, settings: Settings) -> dict:
    work.mkdir()
    for path in library.iterdir():
        path.read_bytes()
    request = AnalyzeRequest(
        library, work / "catalog.sqlite",
        settings.with_overrides(cache_dir=str(work / "cache")), PHASES,
    )  # fmt: skip
    load, cpu, started = os.getloadavg()[0], _cpu_seconds(), time.perf_counter()
    summary = analyze_folder(request)
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    conn = connect(work / "catalog.sqlite", readonly=True)
    try:
        vectors = sorted(vector.tobytes() for vector in identifiable_faces(conn).vectors)
    finally:
        conn.close()
    photos = max(1, summary.analyzed)
    return {
        "photos": summary.analyzed, "failed": summary.failed,
        "photos_per_s": round(summary.analyzed / seconds, 2),
        "cpu_ms_per_photo": round(1000 * cpu / photos, 1), "load_avg_at_start": round(load, 2),
        "described": len(vectors),
        "descriptor_digest": hashlib.sha1(b"".join(vectors)).hexdigest()[:12],
        "served": {m["name"]: m["served"] for m in summary.models},
    }  # fmt: skip


def _cpu_seconds() -> float:
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


if __name__ == "__main__":
    raise SystemExit(main())
