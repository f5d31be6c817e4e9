"""Where models go and come from: a full disk, the model folder, a mirror folder, use, remove."""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess

import pytest

from hub.conftest import closed_port_url, tree
from imgengine_gui.cli.main import main
from imgengine_gui.engine import model_download
from imgengine_gui.engine.model_download import download_models
from imgengine_gui.ml.model_store import MANIFEST, staging_root
from imgengine_gui.ml.registry import choose_tier
from imgengine_gui.settings import Settings

RTDETR = Settings().objects_model
SEGFORMER = Settings().segmentation_model
TASKS = ("scenes", "objects", "segmentation")


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MiB tmpfs: smaller than the three tiny models together."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (the patched disk_usage test covers the check)")
    mount = tmp_path / "tiny-disk"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
    yield mount
    gc.collect()  # models checked during the test map their safetensors from this disk
    if subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "--lazy", str(mount)], check=True)


def test_a_disk_too_small_is_refused_up_front_and_filling_up_leaves_nothing(
    hf_cache, tiny_disk, monkeypatch, capsys
):
    from huggingface_hub import constants

    cache = tiny_disk / "hub"
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))

    assert main(["models", "download", "all", "--quiet"]) == 4
    assert "not enough disk space" in capsys.readouterr().err
    assert tree(tiny_disk) == []

    monkeypatch.setattr(model_download, "SPACE_MARGIN", 0.0)  # as if the disk filled meanwhile
    assert main(["models", "download", "all", "--quiet"]) == 4
    captured = capsys.readouterr()
    failed = captured.err.strip().splitlines()
    assert len(failed) == 1 and "Traceback" not in captured.err
    assert failed[0].startswith("imgengine: the disk filled up while installing ")
    served = {task: choose_tier(task, Settings()).tier for task in TASKS}
    assert "offline" in served.values()
    for task, tier in served.items():  # each task has a whole model, or none
        assert (f"{task}: " in captured.out) == (tier == "full")
    for snapshot in cache.glob("models--*/snapshots/*"):
        assert {p.name for p in snapshot.iterdir()} >= {"config.json", "model.safetensors"}
    assert not [p for p in tree(staging_root(cache)) if p.startswith("models--") and "/" in p]


def test_the_model_folder_setting_downloads_there_and_remove_gives_it_back(
    hub, hf_cache, tmp_path, capsys
):
    folder = tmp_path / "my models"
    Settings(model_folder=str(folder)).save()

    assert main(["models", "download", "objects", "--quiet"]) == 0
    target = folder / RTDETR
    assert f"objects now uses {target}" in capsys.readouterr().out
    assert sorted(p.name for p in target.iterdir()) == sorted(
        [MANIFEST, "config.json", "model.safetensors", "preprocessor_config.json"]
    )
    assert Settings.load().objects_model == str(target)
    capsys.readouterr()
    assert main(["models", "--json"]) == 0
    row = next(r for r in json.loads(capsys.readouterr().out)["models"] if r["task"] == "objects")
    assert (row["tier"], row["hub_id"]) == ("full", RTDETR)
    assert row["revision"] == hub.repos[RTDETR]["main"].commit
    assert tree(hf_cache.parent) == []

    assert main(["models", "download", "objects", "--quiet"]) == 0  # its hub id is remembered
    assert "already installed" in capsys.readouterr().out

    assert main(["models", "remove", "objects"]) == 0
    assert "objects: removed PekingU/rtdetr_r18vd_coco_o365" in capsys.readouterr().out
    assert not target.exists()
    assert Settings.load().objects_model == RTDETR
    assert choose_tier("objects", Settings.load()).tier == "offline"


def test_a_mirror_folder_serves_without_the_hub(hub, hf_cache, tmp_path, monkeypatch, capsys):
    download_models(["segmentation"], Settings())  # fill a cache, then share it as a mirror
    mirror = tmp_path / "share"
    shutil.copytree(hf_cache, mirror, symlinks=True)
    shutil.rmtree(hf_cache)
    monkeypatch.setenv("HF_ENDPOINT", closed_port_url())
    Settings(model_mirror=str(mirror), cutout_model="segformer").save()
    asked = len(hub.log)

    assert main(["models", "download", "segmentation", "--quiet"]) == 0
    assert "installed (" in capsys.readouterr().out
    assert len(hub.log) == asked
    assert choose_tier("segmentation", Settings.load()).tier == "full"


def test_a_corrupt_or_broken_mirror_copy_is_not_installed(hub, hf_cache, tmp_path, capsys):
    download_models(["segmentation"], Settings())
    mirror = tmp_path / "share"
    shutil.copytree(hf_cache, mirror, symlinks=True)
    shutil.rmtree(hf_cache)
    weights = next(mirror.glob("models--*/snapshots/*/model.safetensors")).resolve()
    weights.write_bytes(weights.read_bytes()[::-1])  # the blob no longer matches its hash name
    Settings(model_mirror=str(mirror)).save()

    assert main(["models", "download", "segmentation", "--quiet"]) == 5
    err = capsys.readouterr().err
    assert f"{SEGFORMER}: model.safetensors arrived corrupt (its sha256 does not match" in err
    assert err.rstrip().endswith("; nothing was changed")

    plain = tmp_path / "plain-share"
    shutil.copytree(mirror, plain)  # copies without links: the hashes are gone, the load fails
    Settings(model_mirror=str(plain)).save()
    assert main(["models", "download", "segmentation", "--quiet"]) == 5
    err = capsys.readouterr().err
    assert f"{SEGFORMER} was not installed: " in err
    assert "does not work as a segmentation model" in err
    assert choose_tier("segmentation", Settings.load()).tier == "offline"
    assert not hf_cache.exists() or not list(hf_cache.glob("models--*/snapshots/*"))


def test_remove_deletes_a_cached_model_and_lets_a_users_folder_be(
    hub, hf_cache, tiny_clip_dir, capsys
):
    download_models(["scenes"], Settings())
    assert main(["models", "remove", "scenes"]) == 0
    assert "scenes: removed openai/clip-vit-base-patch32" in capsys.readouterr().out
    assert not (hf_cache / "models--openai--clip-vit-base-patch32").exists()
    assert choose_tier("scenes", Settings()).tier == "offline"

    assert main(["models", "use", "scenes", str(tiny_clip_dir)]) == 0
    assert "scene tags" in capsys.readouterr().out
    assert choose_tier("scenes", Settings.load()).tier == "full"
    assert main(["models", "remove", "scenes"]) == 0
    assert "the folder was left as it is" in capsys.readouterr().out
    assert (tiny_clip_dir / "model.safetensors").is_file()
    assert Settings.load().scenes_model == Settings().scenes_model


def test_use_refuses_a_folder_with_pickle_weights_only(tmp_path, capsys):
    folder = tmp_path / "old-style"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "clip"}')
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04 not to be unpickled")

    assert main(["models", "use", "scenes", str(folder)]) == 5
    err = capsys.readouterr().err
    assert "has pickle weights only (pytorch_model.bin)" in err
    assert Settings.load().scenes_model == Settings().scenes_model
