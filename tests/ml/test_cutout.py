"""Background removal: U²-Net-p by default, refined edges, SegFormer when chosen, GrabCut last."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image

from imgengine_gui.ml.base import Runtime
from imgengine_gui.ml.cutout import (
    GRABCUT_METHOD,
    expand_face_box,
    load_segmenter,
    remove_background,
)
from imgengine_gui.settings import Settings

pytest.importorskip("cv2")


def _disk_scene(
    width: int, height: int, centres: list[tuple[float, float]], radius: float, seed: int = 0
) -> tuple[Image.Image, list[np.ndarray]]:
    """Bright yellow disks on a dark textured checkerboard with sensor-like noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:height, :width]
    background = np.stack(
        [
            (xx // 24 % 2) * 50 + 40,
            (yy // 24 % 2) * 60 + 70,
            rng.integers(30, 110, (height, width)),
        ],
        axis=-1,
    )
    pixels = background.astype(np.int32)
    disks = []
    for cx, cy in centres:
        disk = (xx - cx * width) ** 2 + (yy - cy * height) ** 2 < (radius * min(width, height)) ** 2
        pixels[disk] = (235, 215, 70)
        disks.append(disk)
    pixels += rng.integers(-12, 13, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)), disks


def _iou(mask: Image.Image, truth: np.ndarray) -> float:
    found = np.asarray(mask) > 127
    return float((found & truth).sum() / (found | truth).sum())


def test_grabcut_cuts_out_a_centred_subject_without_hints():
    image, (disk,) = _disk_scene(900, 640, [(0.52, 0.48)], radius=0.3)
    result = remove_background(image)
    assert result.method == GRABCUT_METHOD and "last fallback" in result.method
    assert result.rgba.mode == "RGBA" and result.mask.mode == "L"
    assert result.rgba.size == result.mask.size == image.size
    assert _iou(result.mask, disk) > 0.8


def test_grabcut_follows_the_given_boxes():
    image, (left, right) = _disk_scene(800, 600, [(0.22, 0.3), (0.75, 0.7)], radius=0.15)
    box = [0.22 - 0.15 * 0.75 - 0.03, 0.3 - 0.15 - 0.03, 0.22 + 0.15 * 0.75 + 0.03, 0.3 + 0.18]
    result = remove_background(image, boxes=[box])
    assert _iou(result.mask, left) > 0.8
    assert (np.asarray(result.mask)[right] > 127).mean() < 0.05


def test_cutout_alpha_is_the_mask_and_the_colours_are_kept():
    image, _ = _disk_scene(320, 240, [(0.5, 0.5)], radius=0.3)
    result = remove_background(image)
    rgba = np.asarray(result.rgba)
    np.testing.assert_array_equal(rgba[..., 3], np.asarray(result.mask))
    np.testing.assert_array_equal(rgba[..., :3], np.asarray(image))


def test_cutout_edges_are_feathered():
    image, (disk,) = _disk_scene(640, 480, [(0.5, 0.5)], radius=0.3)
    alpha = np.asarray(remove_background(image).mask)
    partial = (alpha > 10) & (alpha < 245)
    assert partial.any()
    # Soft values sit on the rim only, never deep inside the subject or the background.
    assert not partial[_erode(disk, 6)].any()


def _erode(mask: np.ndarray, steps: int) -> np.ndarray:
    inner = mask.copy()
    for _ in range(steps):
        inner[1:-1, 1:-1] &= inner[:-2, 1:-1] & inner[2:, 1:-1] & inner[1:-1, :-2] & inner[1:-1, 2:]
    return inner


def test_expand_face_box_reaches_the_shoulders_inside_the_frame():
    face = [0.45, 0.1, 0.55, 0.25]
    body = expand_face_box(face)
    assert body[0] < face[0] and body[1] < face[1] and body[2] > face[2] and body[3] > face[3]
    assert all(0.0 <= value <= 1.0 for value in body)
    assert expand_face_box([0.0, 0.8, 0.1, 1.0])[3] == 1.0


class _KnownMaskSegmenter:
    model_id = "test/known-mask"
    label = "Known"

    def __init__(self, probability: np.ndarray) -> None:
        self.probability = probability
        self.threads: list[str] = []

    def subject_mask(self, image: Image.Image) -> np.ndarray:
        self.threads.append(threading.current_thread().name)
        return self.probability


def test_a_segmenter_decides_the_mask_on_the_device_thread():
    image, (disk,) = _disk_scene(300, 200, [(0.3, 0.5)], radius=0.25)
    wanted = np.zeros((200, 300), np.float32)
    wanted[40:160, 170:280] = 1.0  # deliberately not the disk: the segmenter, not GrabCut, rules
    segmenter = _KnownMaskSegmenter(wanted)
    result = remove_background(image, segmenter=segmenter)
    assert result.method == "Known (test/known-mask)"
    assert segmenter.threads == ["imgengine-device"]
    assert _iou(result.mask, wanted > 0.5) > 0.8
    assert _iou(result.mask, disk) < 0.1


def test_refinement_follows_the_photo_edges_past_a_coarse_mask():
    """A soft mask at a third of the photo's size (as a model gives): the refined alpha is closer
    to the real disk than the same mask upsampled plainly, and soft only on the rim."""
    import cv2

    image, (disk,) = _disk_scene(960, 640, [(0.5, 0.5)], radius=0.3)
    coarse = cv2.GaussianBlur(disk[1::3, 1::3].astype(np.float32), (0, 0), 1.5)
    result = remove_background(image, segmenter=_KnownMaskSegmenter(coarse))
    assert result.mask.size == image.size
    plain = cv2.resize(coarse, image.size, interpolation=cv2.INTER_LINEAR)
    refined_error = np.abs(np.asarray(result.mask) / 255 - disk).mean()
    assert refined_error < 0.7 * np.abs(plain - disk).mean()
    alpha = np.asarray(result.mask)
    soft = (alpha > 10) & (alpha < 245)
    assert soft.any()
    assert not soft[_erode(disk, 20)].any()


def test_tiny_segformer_cutout_has_the_image_shape(tiny_segformer_dir):
    from imgengine_gui.ml.full.segmentation import SegformerSegmenter

    segmenter = SegformerSegmenter(str(tiny_segformer_dir))
    segmenter.load(Runtime())
    image, _ = _disk_scene(250, 180, [(0.5, 0.5)], radius=0.3)
    result = remove_background(image, segmenter=segmenter)
    assert result.method == f"SegFormer ({tiny_segformer_dir}) · cpu · eager · fp32"
    assert result.mask.size == image.size
    np.testing.assert_array_equal(np.asarray(result.rgba)[..., 3], np.asarray(result.mask))


# --- U²-Net-p, the default ------------------------------------------------------------------------


def _region(alpha: np.ndarray, box: tuple[float, float, float, float]) -> float:
    height, width = alpha.shape
    x0, y0, x1, y1 = box
    return float(alpha[int(y0 * height) : int(y1 * height), int(x0 * width) : int(x1 * width)].mean())


def test_u2netp_is_the_default_loaded_once_and_keeps_the_astronaut():
    from skimage import data

    segmenter, notes = load_segmenter(Settings(device="cpu"))
    again, _ = load_segmenter(Settings(device="cpu"))
    assert again is segmenter  # one loaded model serves every preview
    assert notes == []
    result = remove_background(Image.fromarray(data.astronaut()), segmenter=segmenter)
    assert result.method == "U²-Net-p (u2netp) · cpu · onnxruntime/CPUExecutionProvider · fp32"
    alpha = np.asarray(result.mask) / 255
    assert _region(alpha, (0.36, 0.12, 0.54, 0.34)) > 0.9  # face
    assert _region(alpha, (0.30, 0.36, 0.56, 0.50)) > 0.9  # collar: no hole
    assert _region(alpha, (0.0, 0.0, 0.1, 0.1)) < 0.05  # background corners
    assert _region(alpha, (0.9, 0.0, 1.0, 0.1)) < 0.05
    assert ((alpha > 0.04) & (alpha < 0.96)).mean() > 0.01  # soft edges


def test_segformer_missing_falls_back_to_u2netp_then_grabcut_says_why(tmp_path, monkeypatch):
    from imgengine_gui.ml import registry

    settings = Settings(device="cpu", cutout_model="segformer", segmentation_model=str(tmp_path))
    segmenter, notes = load_segmenter(settings)
    assert segmenter is not None and segmenter.model_id == "u2netp"
    assert notes[0].startswith(f"segmentation: SegFormer {tmp_path} not found")
    monkeypatch.setattr(registry, "offline_present", lambda task: False)
    segmenter, notes = load_segmenter(Settings(device="cpu"))
    assert segmenter is None
    assert notes == [f"segmentation: offline U²-Net-p is not installed; using {registry.GRABCUT}"]
