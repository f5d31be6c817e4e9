"""The pipeline benchmark (`python -m benchmarks.bench`), its photo library, the scale checks and the GPU check's CPU smoke run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from benchmarks import bench
from benchmarks import library as bench_library

REPO = Path(__file__).resolve().parents[2]


def _neighbour_correlation(path: Path) -> float:
    """Correlation of horizontally adjacent pixels: ~1 for photos, ~0 for noise."""
    with Image.open(path) as im:
        im.draft("L", (im.width // 8, im.height // 8))
        gray = np.asarray(im.convert("L"), dtype=np.float64)
    return float(np.corrcoef(gray[:, :-1].ravel(), gray[:, 1:].ravel())[0, 1])


def test_library_makes_camera_jpegs_once_and_reuses_them(tmp_path):
    calls: list[tuple[int, int]] = []
    library = bench_library.ensure_library(
        3, root=tmp_path, on_progress=lambda done, total: calls.append((done, total))
    )
    assert library.generated and library.count == 3
    assert calls[-1] == (3, 3)
    thumbs = []
    for path in library.files:
        with Image.open(path) as im:
            assert im.format == "JPEG" and im.size == (4000, 3000)
            exif = im.getexif()
            assert exif.get(0x010F) and exif.get(0x0110)  # camera make and model
            assert exif.get_ifd(0x8769).get(0x9003, "").startswith("2023:")  # date taken
            im.draft("RGB", (500, 375))
            thumbs.append(np.asarray(im.convert("RGB").resize((64, 48)), dtype=np.int16))
        assert _neighbour_correlation(path) > 0.6  # a photograph, not noise (~0)
    assert all(np.abs(a - b).mean() > 5 for a, b in zip(thumbs, thumbs[1:], strict=False))

    stamps = [p.stat().st_mtime_ns for p in library.files]
    again = bench_library.ensure_library(3, root=tmp_path)
    assert not again.generated and again.files == library.files
    assert [p.stat().st_mtime_ns for p in again.files] == stamps

    library.files[1].unlink()  # a damaged library is completed, not trusted
    repaired = bench_library.ensure_library(3, root=tmp_path)
    assert repaired.generated and library.files[1].is_file()
    assert [p.stat().st_mtime_ns for p in (library.files[0], library.files[2])] == [
        stamps[0],
        stamps[2],
    ]


@pytest.mark.slow
def test_bench_json_reports_pipeline_and_baseline(capsys, monkeypatch):
    monkeypatch.setenv("IMGENGINE_BENCH_SIZE", "1600x1200")  # small photos keep the test short
    code = bench.main(["--photos", "6", "--baseline-photos", "2", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out)  # exactly one JSON object on stdout
    for key in ("photos", "phases", "total_photos_per_s", "baseline_photos_per_s", "speedup",
                "peak_rss_mb", "device", "backend", "precision", "machine", "date"):  # fmt: skip
        assert key in report, key
    assert report["photos"] == 6 and report["photo_size"] == "1600x1200"
    assert set(report["phases"]) == {"metadata", "content", "ml"}
    assert all(rate > 0 for rate in report["phases"].values())
    assert report["total_photos_per_s"] > 0 and report["baseline_photos_per_s"] > 0
    assert report["speedup"] == pytest.approx(
        report["total_photos_per_s"] / report["baseline_photos_per_s"], rel=0.02
    )
    assert report["peak_rss_mb"] > 50
    assert report["device"] == "cpu" and report["failed"] == 0
    assert report["runs"]["all"]["photos"] == 6 and report["baseline_photos"] == 2
    assert report["analyzers"], "the ML phase ran no analyzer"
    cutout = report["cutout"]  # one photo of the library, full size, U²-Net-p by default
    assert cutout["size"] == "1600x1200" and cutout["seconds"] > 0
    assert cutout["method"].startswith("U²-Net-p (u2netp) · cpu")
    library = Path(report["library"])
    assert sum(p.suffix == ".heic" for p in library.iterdir()) == 1
    assert "pipeline all" in err  # progress and messages go to stderr


def test_bench_rejects_unknown_phase(capsys):
    code = bench.main(["--photos", "2", "--phases", "metadata,colour"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "colour" in err


def test_rescan_of_unchanged_library_finds_nothing_to_do():
    from benchmarks.scale import rescan_unchanged

    result = rescan_unchanged(300, repeat=1)
    assert result["first_scan"]["analyzed"] == 300 and result["first_scan"]["failed"] == 0
    assert result["rescan_unchanged"] == 300 and result["rescan_analyzed"] == 0


@pytest.mark.slow
def test_gpu_check_smoke_runs_on_cpu(tmp_path):
    env = {**os.environ, "OUT": str(tmp_path), "PYTHON": sys.executable}
    done = subprocess.run(
        ["bash", str(REPO / "benchmarks" / "gpu_check.sh"), "--smoke", "--combos", "fp32:eager"],
        env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads((tmp_path / "gpu_results.json").read_text())
    assert "fatal" not in report
    assert [(c["precision"], c["backend"]) for c in report["combos"]] == [("fp32", "eager")]
    first = report["combos"][0]
    assert "error" not in first, first
    assert first["photos"] == 8 and first["steady_photos_per_s"] > 0
    tiers = {a["name"]: a["tier"] for a in first["analyzers"]}
    assert tiers["scenes"] == "full" and tiers["objects"] == "full"
    assert first["segmentation"]["masks_per_s"] > 0
    pipeline = report["pipeline"]
    assert any(isinstance(v, dict) and v.get("photos") == 8 for v in pipeline.values()), pipeline


def test_clustering_check_finds_the_planted_duplicates_only():
    from benchmarks.scale import cluster_hashes

    result = cluster_hashes(5000, repeat=1)
    planted = result["planted_near_duplicates"] + result["planted_exact_copies"]
    assert planted > 80
    assert result["planted_found"] >= 0.98 * planted
    assert result["unrelated_clustered"] <= 10
