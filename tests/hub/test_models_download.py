"""`imgengine models download` against the test hub, through the real huggingface_hub client."""

from __future__ import annotations

import json
import os
import signal
import threading
from dataclasses import replace

import pytest

from hub.conftest import closed_port_url, tree
from imgengine_gui.cli.main import main
from imgengine_gui.engine import model_download
from imgengine_gui.engine.model_download import DownloadCancelled, download_models
from imgengine_gui.ml import download
from imgengine_gui.ml.model_files import is_wanted
from imgengine_gui.ml.model_store import staging_root
from imgengine_gui.ml.registry import choose_tier
from imgengine_gui.settings import Settings

CLIP = Settings().scenes_model
RTDETR = Settings().objects_model
SEGFORMER = Settings().segmentation_model
TASK_REPOS = {"scenes": CLIP, "objects": RTDETR, "segmentation": SEGFORMER}


def models_json(capsys) -> dict[str, dict]:
    capsys.readouterr()
    assert main(["models", "--json"]) == 0
    return {row["task"]: row for row in json.loads(capsys.readouterr().out)["models"]}


def wanted_bytes(hub, repo_id: str) -> int:
    files = hub.repos[repo_id]["main"].files
    return sum(len(data) for name, data in files.items() if is_wanted(name))


def test_download_all_installs_checked_models_that_then_serve(hub, hf_cache, capsys):
    assert models_json(capsys)["scenes"]["tier"] == "offline"

    assert main(["models", "download", "all", "--quiet"]) == 0
    out = capsys.readouterr().out
    for task, repo in TASK_REPOS.items():
        assert f"{task}: {repo} @ {hub.repos[repo]['main'].commit[:12]} installed (" in out

    # U²-Net-p stays the cutout model until the user chooses SegFormer
    assert "background removal still uses U²-Net-p: set Background removal" in out
    assert choose_tier("segmentation", Settings.load()).tier == "offline"
    replace(Settings.load(), cutout_model="segformer").save()
    rows = models_json(capsys)
    for task, repo in TASK_REPOS.items():
        row = rows[task]
        assert (row["tier"], row["present"]) == ("full", True)
        assert row["revision"] == hub.repos[repo]["main"].commit
        assert row["size_bytes"] == wanted_bytes(hub, repo)
        assert choose_tier(task, Settings.load()).tier == "full"
    assert rows["faces"]["hub_id"] is None
    fetched = {r.path.rsplit("/", 1)[-1] for r in hub.log if r.method == "GET"}
    assert not fetched & {"pytorch_model.bin", "flax_model.msgpack", "README.md"}
    staged = [p for p in tree(staging_root(hf_cache)) if not p.endswith((".lock", ".TAG"))]
    assert staged == [".locks"]
    assert main(["models", "download", "scenes", "--quiet"]) == 0
    assert "already installed" in capsys.readouterr().out


def test_progress_reports_size_speed_and_time_left(hub, hf_cache, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", hub.url + "/")  # read when the download starts
    fake_seconds = iter(range(10_000))
    events = []
    results = download_models(
        ["scenes", "segmentation"],
        Settings(),
        on_progress=events.append,
        clock=lambda: next(fake_seconds) * 0.5,  # half a second per look at the clock
    )
    total = wanted_bytes(hub, CLIP) + wanted_bytes(hub, SEGFORMER)
    stages = [e.stage for e in events if e.stage != "downloading"]
    assert stages[:2] == ["checking", "ready"]
    assert stages[2:] == ["verifying", "publishing", "installed"] * 2
    assert "2 of 2 models to fetch" in events[1].message
    transfer = [e for e in events if e.stage == "downloading"]
    assert transfer and all(e.total_bytes == total for e in transfer)
    done = [e.done_bytes for e in transfer]
    assert done == sorted(done) and done[-1] == total
    assert transfer[-1].bytes_per_s > 0 and transfer[-1].eta_s == 0
    assert any(e.eta_s and e.eta_s > 0 for e in transfer[:-1])
    assert [r.task for r in results] == ["scenes", "segmentation"]
    assert hub.log and all(
        r.path.startswith(("/api/models/", f"/{CLIP}/", "/nvidia/")) for r in hub.log
    )
    assert all(r.size_bytes > 0 and r.check for r in results)


def test_cancel_mid_file_installs_nothing_and_the_next_try_resumes(hub, hf_cache, monkeypatch):
    monkeypatch.setattr(download, "CHUNK_BYTES", 16 * 1024)
    hub.slow["model.safetensors"] = 0.01
    cancel = threading.Event()

    def on_progress(event):
        if event.stage == "downloading" and event.done_bytes > 64 * 1024:
            cancel.set()

    with pytest.raises(DownloadCancelled):
        download_models(["scenes"], Settings(), on_progress=on_progress, cancel=cancel)
    assert choose_tier("scenes", Settings()).tier == "offline"
    assert not (hf_cache / "models--openai--clip-vit-base-patch32" / "snapshots").exists()
    assert len(hub.requests_for("config.json")) == 1

    hub.slow.clear()
    download_models(["scenes"], Settings())
    assert choose_tier("scenes", Settings()).tier == "full"
    assert len(hub.requests_for("config.json")) == 1  # staged before the cancel: not fetched again
    assert len(hub.requests_for("model.safetensors")) == 2


def test_a_dropped_connection_resumes_with_a_range_request(hub, hf_cache, monkeypatch, capsys):
    chunk = 16 * 1024
    monkeypatch.setattr(download, "CHUNK_BYTES", chunk)
    assert len(hub.repos[CLIP]["main"].files["model.safetensors"]) > 100_000
    hub.drop_once["model.safetensors"] = 100_000  # the server closes the connection there

    assert main(["models", "download", "scenes", "--quiet"]) == 0
    gets = hub.requests_for("model.safetensors")
    written = 100_000 // chunk * chunk  # whole chunks reached the disk before the drop
    assert [g.range for g in gets] == [None, f"bytes={written}-"]
    row = models_json(capsys)["scenes"]
    assert (row["tier"], row["size_bytes"]) == ("full", wanted_bytes(hub, CLIP))


def test_a_corrupt_file_is_detected_and_nothing_is_installed(hub, hf_cache, capsys):
    hub.corrupt.add("model.safetensors")

    assert main(["models", "download", "objects", "--quiet"]) == 5
    err = capsys.readouterr().err
    assert (
        f"{RTDETR}: model.safetensors arrived corrupt (its sha256 does not match the hub's)" in err
    )
    assert "Traceback" not in err
    assert choose_tier("objects", Settings()).tier == "offline"
    assert not any(p.endswith(".safetensors") for p in tree(staging_root(hf_cache)))


def test_unreachable_hub_says_so_in_one_line_and_changes_nothing(hf_cache, monkeypatch, capsys):
    monkeypatch.setenv("HF_ENDPOINT", closed_port_url())
    Settings().save()
    before = tree(hf_cache.parent), Settings.load()

    assert main(["models", "download", "all", "--quiet"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("imgengine: could not reach the model hub: ")
    assert err[0].endswith("; nothing was changed")
    assert (tree(hf_cache.parent), Settings.load()) == before


def test_not_enough_free_space_is_refused_before_anything_is_written(
    hub, hf_cache, monkeypatch, capsys
):
    real = model_download.shutil.disk_usage

    def nearly_full(path):
        return real(path)._replace(free=500_000)

    monkeypatch.setattr(model_download.shutil, "disk_usage", nearly_full)
    assert main(["models", "download", "objects", "--quiet"]) == 4
    err = capsys.readouterr().err
    assert (
        f"not enough disk space: the models need {wanted_bytes(hub, RTDETR) / 1000:.1f} KB" in err
    )
    assert "has 500.0 KB free; nothing was changed" in err
    assert tree(hf_cache.parent) == []


def test_a_model_without_safetensors_is_refused(hub, hf_cache, tmp_path, capsys):
    pickled = tmp_path / "pickled"
    pickled.mkdir()
    (pickled / "config.json").write_text('{"model_type": "clip"}')
    hub.add_repo("someone/pickled-clip", pickled, extra={"pytorch_model.bin": b"\x80\x04..."})
    Settings(scenes_model="someone/pickled-clip").save()

    assert main(["models", "download", "scenes", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "someone/pickled-clip has no safetensors weights at revision main" in err
    assert "only pickle files: pytorch_model.bin" in err
    assert not hub.requests_for("pytorch_model.bin")
    assert tree(hf_cache.parent) == []


def test_a_revision_other_than_main_is_served_from_its_snapshot(
    hub, hf_cache, tiny_clip_dir, capsys
):
    v2 = hub.add_repo(CLIP, tiny_clip_dir, revision="v2", extra={"added_tokens.json": b"{}"})

    assert main(["models", "download", "scenes", "--revision", "v2", "--quiet"]) == 0
    snapshot = hf_cache / "models--openai--clip-vit-base-patch32" / "snapshots" / v2
    assert f"scenes now uses {snapshot}" in capsys.readouterr().out
    assert Settings.load().scenes_model == str(snapshot)
    row = models_json(capsys)["scenes"]
    assert (row["tier"], row["revision"], row["hub_id"]) == ("full", v2, CLIP)
    assert (snapshot / "added_tokens.json").is_file()


def test_ctrl_c_stops_the_cli_download_and_installs_nothing(hub, hf_cache, monkeypatch, capsys):
    monkeypatch.setattr(download, "CHUNK_BYTES", 16 * 1024)
    hub.slow["model.safetensors"] = 0.02

    def press_ctrl_c(filename):
        if filename == "model.safetensors":
            os.kill(os.getpid(), signal.SIGINT)

    hub.on_file_start = press_ctrl_c
    assert main(["models", "download", "scenes", "--quiet"]) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["imgengine: download cancelled; nothing was changed (the next download resumes)"]
    assert choose_tier("scenes", Settings()).tier == "offline"
    assert not (hf_cache / "models--openai--clip-vit-base-patch32").exists()
