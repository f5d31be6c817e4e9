"""9. A run in which many photos failed for one outside reason fails, and says why once."""

from __future__ import annotations

import subprocess

from faultlib import count_rows, photo_folder, run

from imgengine_gui.settings import Settings


def test_cache_disk_full_fails_the_run_once_and_the_next_run_retries(tmp_path, tmpfs):
    """Fault: the cache folder's disk (a 2 MB tmpfs) fills up during an analysis.
    Does: exit code 6 and one line "N photos: content: No space left on device (cache folder
    X)" instead of one per photo; once there is space, the next run retries exactly those photos
    and exits 0."""
    cache = tmpfs("cache-disk", "2m")
    Settings(cache_dir=str(cache)).save()
    root = photo_folder(tmp_path / "photos", 60)
    catalog = tmp_path / "catalog.sqlite"
    done = run("analyze", root, "--catalog", catalog, "--phases", "metadata,content", "--quiet")
    assert done.returncode == 6, done.stderr
    assert "Traceback" not in done.stderr
    said = [line for line in done.stderr.splitlines() if "No space left on device" in line]
    assert len(said) == 2, done.stderr  # the grouped problem line and the run's failure line
    failed = int(said[0].split("error: ")[1].split(" photos")[0])
    assert 10 <= failed < 60
    assert f"content: No space left on device (cache folder {cache})" in said[0]
    assert said[1].startswith(f"imgengine: {failed} of 60 photos failed for reasons outside")

    subprocess.run(["mount", "-o", "remount,size=64m", str(cache)], check=True)
    again = run("analyze", root, "--catalog", catalog, "--phases", "metadata,content", "--quiet")
    assert again.returncode == 0, again.stderr
    assert f"— {failed} photos analyzed" in again.stderr
    assert count_rows(catalog, "SELECT COUNT(*) FROM phase_status WHERE state = 'error'") == 0
