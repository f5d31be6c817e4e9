from __future__ import annotations

import json
from importlib.metadata import EntryPoint

import pytest

from imgengine_gui.ml import registry
from imgengine_gui.ml.registry import (
    TASKS,
    choose_analyzers,
    choose_tier,
    discover_plugins,
    model_report,
)
from imgengine_gui.settings import Settings


@pytest.fixture
def empty_hf_cache(tmp_path, monkeypatch):
    """HF_HOME in an empty folder; the hub reads its cache path at import, so patch that too."""
    from huggingface_hub import constants

    hub = tmp_path / "hf" / "hub"
    monkeypatch.setenv("HF_HOME", str(hub.parent))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(hub))
    return hub


def model_folder(path):
    path.mkdir(parents=True)
    (path / "config.json").write_text(json.dumps({"model_type": "clip"}))
    return path


def test_without_models_every_task_falls_back_to_the_offline_tier_with_a_note(empty_hf_cache):
    analyzers, notes = choose_analyzers(Settings())
    assert [(a.name, a.tier) for a in analyzers] == [
        ("scenes", "offline"), ("faces", "offline"), ("face_descriptors", "offline"),
    ]  # fmt: skip
    assert notes[0] == (
        f"scenes: CLIP openai/clip-vit-base-patch32 not found in HF cache ({empty_hf_cache}) "
        "or folder; using offline MobileNetV2"
    )
    assert notes[1].startswith("objects: RT-DETR/DETR PekingU/rtdetr_r18vd_coco_o365 not found")
    assert notes[1].endswith("using people counted from faces (offline MTCNN)")
    report = {row["task"]: row for row in model_report(Settings())}
    assert set(report) == {*TASKS, "segmentation"}
    assert all(row["tier"] == "offline" for row in report.values())
    assert not any(report[task]["present"] for task in ("scenes", "objects"))
    # background removal: U²-Net-p by default, whatever SegFormer's presence
    assert report["segmentation"]["serving"] == "offline U²-Net-p"
    assert report["segmentation"]["present"] and report["segmentation"]["model"] == "u2netp"


def test_local_folder_with_config_selects_the_full_tier(empty_hf_cache, tmp_path):
    folder = model_folder(tmp_path / "my-clip")
    settings = Settings(scenes_model=str(folder))
    choice = choose_tier("scenes", settings)
    assert (choice.tier, choice.present, choice.path, choice.note) == (
        "full",
        True,
        str(folder),
        None,
    )
    analyzers, notes = choose_analyzers(settings)
    scenes = analyzers[0]
    assert (scenes.name, scenes.tier, scenes.model_id) == ("scenes", "full", str(folder))
    assert not any(note.startswith("scenes:") for note in notes)
    assert model_report(settings)[0]["serving"] == f"CLIP {folder}"


def test_folder_without_config_is_reported_as_missing(empty_hf_cache, tmp_path):
    folder = tmp_path / "half-copied"
    folder.mkdir()
    settings = Settings(cutout_model="segformer", segmentation_model=str(folder))
    choice = choose_tier("segmentation", settings)
    assert choice.tier == "offline"
    assert choice.looked_in == f"folder {folder}"
    assert choice.note == (
        f"segmentation: SegFormer {folder} not found in folder {folder}; using offline U²-Net-p"
    )


def test_segformer_serves_cutouts_only_when_chosen(empty_hf_cache, tmp_path):
    folder = model_folder(tmp_path / "segformer")
    chosen = choose_tier("segmentation", Settings(cutout_model="segformer", segmentation_model=str(folder)))
    assert (chosen.tier, chosen.path) == ("full", str(folder))
    default = choose_tier("segmentation", Settings(segmentation_model=str(folder)))
    assert (default.tier, default.serving) == ("offline", "offline U²-Net-p")


def test_grabcut_is_the_labelled_last_fallback_without_u2netp(empty_hf_cache, monkeypatch):
    monkeypatch.setattr(registry, "offline_present", lambda task: task != "segmentation")
    choice = choose_tier("segmentation", Settings())
    assert choice.serving == registry.GRABCUT and "last fallback" in choice.serving
    assert choice.note == f"segmentation: offline U²-Net-p is not installed; using {registry.GRABCUT}"


def test_model_in_hf_cache_selects_the_full_tier(empty_hf_cache):
    repo = empty_hf_cache / "models--PekingU--rtdetr_r18vd_coco_o365"
    model_folder(repo / "snapshots" / "0123abcd")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")
    choice = choose_tier("objects", Settings())
    assert choice.tier == "full"
    assert choice.path == str(repo / "snapshots" / "0123abcd")
    analyzers, _ = choose_analyzers(Settings())
    # detection runs after faces (and their descriptors) so its people count wins the merge
    assert [(a.name, a.tier) for a in analyzers][-3:] == [
        ("faces", "offline"), ("face_descriptors", "offline"), ("objects", "full"),
    ]  # fmt: skip


def test_built_ins_are_not_entry_points(empty_hf_cache):
    """Built-ins are chosen by the registry itself; the entry-point group is for plug-ins only."""
    assert not set(discover_plugins()) & set(TASKS)


PLUGIN_SOURCE = """
class Aesthetics:
    name = "aesthetics"
    model_id = "test/aesthetics"
    tier = "offline"
    input_size = 128
    batch_size = 4
    stores = ()

    def __init__(self, settings):
        self.settings = settings

    def load(self, runtime):
        pass

    def run(self, images):
        return [{} for _ in images]


def not_an_analyzer(settings):
    return "nope"


def declines(settings):
    return None
"""


def test_plugins_are_added_and_broken_ones_only_noted(empty_hf_cache, tmp_path, monkeypatch):
    (tmp_path / "fake_plugin.py").write_text(PLUGIN_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    group = registry.ENTRY_POINT_GROUP
    plugins = [
        EntryPoint("aesthetics", "fake_plugin:Aesthetics", group),
        EntryPoint("wrong", "fake_plugin:not_an_analyzer", group),
        EntryPoint("shy", "fake_plugin:declines", group),
        EntryPoint("gone", "no_such_module_here:Thing", group),
        EntryPoint("scenes", "fake_plugin:Aesthetics", group),  # built-in task name: ignored
    ]
    monkeypatch.setattr(registry, "entry_points", lambda group: plugins)
    settings = Settings()
    analyzers, notes = choose_analyzers(settings)
    assert [a.name for a in analyzers] == ["scenes", "faces", "face_descriptors", "aesthetics"]
    assert analyzers[-1].settings is settings
    assert any(
        n.startswith("plug-in gone (no_such_module_here:Thing) failed to import") for n in notes
    )
    assert "plug-in wrong returned str, not an Analyzer" in notes
    assert "plug-in scenes: a built-in task has that name; ignored" in notes
    assert not any("shy" in note for note in notes)
