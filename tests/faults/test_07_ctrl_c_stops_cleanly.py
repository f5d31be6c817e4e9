"""7. Ctrl-C stops an analysis between batches: the summary so far, exit code 130, nothing lost."""

from __future__ import annotations

import signal
import sqlite3

from faultlib import command, count_rows, photo_folder, run, spawn, wait_for


def test_ctrl_c_during_the_model_phase(tmp_path):
    """Fault: Ctrl-C (SIGINT) while the models run on the device thread.
    Does: stops after the batch in flight, prints the summary so far ("Cancelled: ...") and
    exits with 130: no traceback, no C++ abort; the next run resumes with what is left."""
    root = photo_folder(tmp_path / "photos", 120)
    catalog = tmp_path / "catalog.sqlite"
    proc = spawn(*command("analyze", root, "--catalog", catalog, "--quiet"))
    done_ml = "SELECT COUNT(*) FROM phase_status WHERE phase = 'ml' AND state = 'done'"
    try:
        wait_for(lambda: count_rows(catalog, done_ml) >= 8, proc, timeout=240)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "terminate called" not in err, err
    assert "Cancelled: 120 new" in err
    conn = sqlite3.connect(catalog)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    content_done = conn.execute(
        "SELECT COUNT(*) FROM phase_status WHERE phase = 'content' AND state = 'done'"
    ).fetchone()[0]
    conn.close()
    assert 8 <= content_done < 120

    resumed = run("analyze", root, "--catalog", catalog, "--phases", "metadata,content", "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert f"— {120 - content_done} photos analyzed" in resumed.stderr
    assert count_rows(catalog, "SELECT COUNT(*) FROM content") == 120
