"""Loading paths stay strict: downloads in one module, safetensors only, pickle folders refused."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from imgengine_gui.ml.errors import ModelUnavailable
from imgengine_gui.ml.model_files import is_wanted
from imgengine_gui.ml.registry import choose_tier
from imgengine_gui.ml.runtime import hf
from imgengine_gui.settings import Settings

PACKAGE = Path(__file__).resolve().parents[2] / "imgengine_gui"
DOWNLOAD_MODULE = PACKAGE / "ml" / "download.py"
HUB_CALLS = {
    "from_pretrained", "snapshot_download", "hf_hub_download", "model_info", "repo_info",
    "list_repo_tree", "list_repo_files", "http_get", "get_hf_file_metadata",
}  # fmt: skip


def hub_calls(path: Path) -> list[tuple[int, bool]]:
    """(line, passes local_files_only=True) of every call that could reach the hub."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in HUB_CALLS:
            local = any(
                k.arg == "local_files_only"
                and isinstance(k.value, ast.Constant)
                and k.value.value is True
                for k in node.keywords
            )
            found.append((node.lineno, local))
    return found


def test_only_the_download_module_reaches_the_hub_and_marks_each_call():
    online = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for line, local in hub_calls(path):
            if not local:
                online[f"{path.relative_to(PACKAGE)}:{line}"] = lines[line - 1]
    assert online, "the download module's calls should be found"
    for where, text in online.items():
        assert where.startswith("ml/download.py:"), f"{where} may reach the hub: {text.strip()}"
        assert text.rstrip().endswith("# ok-download"), f"{where} is not marked: {text.strip()}"
    marked = [t for t in DOWNLOAD_MODULE.read_text().splitlines() if t.endswith("# ok-download")]
    assert len(marked) == len(online)


@pytest.mark.parametrize(
    ("name", "wanted"),
    [
        ("config.json", True), ("model.safetensors", True), ("tokenizer.json", True),
        ("preprocessor_config.json", True), ("merges.txt", True),
        ("model-00001-of-00002.safetensors", True), ("model.safetensors.index.json", True),
        ("pytorch_model.bin", False), ("tf_model.h5", False), ("flax_model.msgpack", False),
        ("onnx/model.safetensors", False), ("README.md", False), ("training_args.bin", False),
        ("model.fp16.safetensors", False),
    ],
)  # fmt: skip
def test_only_the_files_the_loaders_need_are_fetched(name, wanted):
    assert is_wanted(name) is wanted


def model_folder(path: Path, *files: str) -> Path:
    path.mkdir()
    (path / "config.json").write_text(json.dumps({"model_type": "clip"}))
    for name in files:
        (path / name).write_bytes(b"\x80\x04 weights")
    return path


def test_a_folder_with_pickle_weights_only_is_refused_with_a_message(tmp_path):
    folder = model_folder(tmp_path / "old-clip", "pytorch_model.bin")
    with pytest.raises(ModelUnavailable, match=r"has pickle weights only \(pytorch_model.bin\)"):
        hf.require_model(str(folder))
    choice = choose_tier("scenes", Settings(scenes_model=str(folder)))
    assert (choice.tier, choice.present) == ("offline", False)
    assert choice.note.startswith(f"scenes: refused {folder} has pickle weights only")
    assert choice.note.endswith("; using offline MobileNetV2")


def test_safetensors_beside_pickle_weights_are_accepted(tmp_path):
    folder = model_folder(tmp_path / "both", "pytorch_model.bin", "model.safetensors")
    assert hf.require_model(str(folder)) == folder
    assert choose_tier("scenes", Settings(scenes_model=str(folder))).tier == "full"
