"""The test hub serving the tiny full-tier models, and a Hugging Face home pointed at it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

# The tiny CLIP / RT-DETR / SegFormer models (real config classes, save_pretrained), built once.
from ml.conftest import tiny_clip_dir, tiny_rtdetr_dir, tiny_segformer_dir  # noqa: F401

from hub.server import FakeHub
from imgengine_gui.settings import Settings

# What a real repo holds besides what the loaders need: never fetched.
NOT_NEEDED = {
    "pytorch_model.bin": b"\x80\x04 pickle weights, never to be fetched",
    "flax_model.msgpack": b"flax weights",
    "README.md": b"# a model card\n",
}


@pytest.fixture
def hub(tiny_clip_dir, tiny_rtdetr_dir, tiny_segformer_dir) -> Iterator[FakeHub]:  # noqa: F811
    """The three default full-tier model ids, served on 127.0.0.1 by the test hub."""
    defaults = Settings()
    with FakeHub() as fake:
        fake.add_repo(defaults.scenes_model, tiny_clip_dir, extra=NOT_NEEDED)
        fake.add_repo(defaults.objects_model, tiny_rtdetr_dir, extra=NOT_NEEDED)
        fake.add_repo(defaults.segmentation_model, tiny_segformer_dir, extra=NOT_NEEDED)
        yield fake


def closed_port_url() -> str:
    """A loopback URL where nothing listens: the unreachable hub."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def hf_cache(tmp_path, monkeypatch, hub) -> Path:
    """An empty Hugging Face cache, online, with HF_ENDPOINT at the test hub."""
    from huggingface_hub import constants

    cache = tmp_path / "hf" / "hub"
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_HOME", str(cache.parent))
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    return cache


def tree(root: Path) -> list[str]:
    """Every path under ``root`` (what a test compares before and after)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []
