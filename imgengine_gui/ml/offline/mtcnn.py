"""MTCNN face detection (Zhang et al. 2016): the three nets and a batched cascade in torch.

The nets match the packaged state dicts (``features.conv1``, ``conv4_1``, ...; the Caffe layout the
TropComplique/fdet ports use). Inputs are RGB, ``(pixel - 127.5) / 128``. Boxes here are continuous
pixel coordinates ``x0, y0, x1, y1`` (a box covers ``[x0, x1)``).

This module imports torch: it is imported only when the face analyzer loads.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torchvision.ops import batched_nms, roi_align


class _CaffeFlatten(nn.Module):
    """Flatten in Caffe's (W, H) order, which the fully connected weights were trained on."""

    def forward(self, x: Tensor) -> Tensor:
        return x.transpose(3, 2).flatten(1)


def _conv_block(layers: list[tuple[int, int, int, int | None]]) -> OrderedDict[str, nn.Module]:
    """``(in, out, kernel, pool kernel or None)`` per stage -> conv{n}, prelu{n}, pool{n}."""
    block: OrderedDict[str, nn.Module] = OrderedDict()
    for number, (channels_in, channels_out, kernel, pool) in enumerate(layers, start=1):
        block[f"conv{number}"] = nn.Conv2d(channels_in, channels_out, kernel)
        block[f"prelu{number}"] = nn.PReLU(channels_out)
        if pool:
            block[f"pool{number}"] = nn.MaxPool2d(pool, 2, ceil_mode=True)
    return block


class PNet(nn.Module):
    """Proposal net: fully convolutional, one 12x12 window every 2 pixels."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            _conv_block([(3, 10, 3, 2), (10, 16, 3, None), (16, 32, 3, None)])
        )
        self.conv4_1 = nn.Conv2d(32, 2, 1)
        self.conv4_2 = nn.Conv2d(32, 4, 1)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        x = self.features(x)
        return self.conv4_1(x).softmax(1)[:, 1], self.conv4_2(x)


class RNet(nn.Module):
    """Refinement net on 24x24 crops."""

    def __init__(self) -> None:
        super().__init__()
        block = _conv_block([(3, 28, 3, 3), (28, 48, 3, 3), (48, 64, 2, None)])
        block["flatten"] = _CaffeFlatten()
        block["conv4"] = nn.Linear(576, 128)
        block["prelu4"] = nn.PReLU(128)
        self.features = nn.Sequential(block)
        self.conv5_1 = nn.Linear(128, 2)
        self.conv5_2 = nn.Linear(128, 4)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        x = self.features(x)
        return self.conv5_1(x).softmax(1)[:, 1], self.conv5_2(x)


class ONet(nn.Module):
    """Output net on 48x48 crops: face probability, box offsets and 5 landmarks."""

    def __init__(self) -> None:
        super().__init__()
        block = _conv_block([(3, 32, 3, 3), (32, 64, 3, 3), (64, 64, 3, 2), (64, 128, 2, None)])
        block["flatten"] = _CaffeFlatten()
        block["conv5"] = nn.Linear(1152, 256)
        block["drop5"] = nn.Dropout(0.25)
        block["prelu5"] = nn.PReLU(256)
        self.features = nn.Sequential(block)
        self.conv6_1 = nn.Linear(256, 2)
        self.conv6_2 = nn.Linear(256, 4)
        self.conv6_3 = nn.Linear(256, 10)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        x = self.features(x)
        return self.conv6_1(x).softmax(1)[:, 1], self.conv6_2(x), self.conv6_3(x)


@dataclass(frozen=True)
class CascadeConfig:
    min_face: float = 24.0  # smallest window searched, in input pixels (faces from ~16 px)
    factor: float = 0.709  # pyramid step
    thresholds: tuple[float, float, float] = (0.7, 0.7, 0.93)
    max_proposals: int = 400  # per image into R-Net (the best-scored P-Net windows)
    max_refined: int = 48  # per image into O-Net


@dataclass
class Nets:
    """The three nets as prepared sessions (or plain modules): batch in, (probs, offsets) out.

    O-Net also returns the 5 landmarks as a third output."""

    pnet: Callable[[Tensor], tuple[Tensor, Tensor]]
    rnet: Callable[[Tensor], tuple[Tensor, Tensor]]
    onet: Callable[[Tensor], tuple[Tensor, Tensor, Tensor]]


def pyramid_scales(height: int, width: int, config: CascadeConfig) -> list[float]:
    """Scales at which a 12 px P-Net window covers ``min_face`` up to the whole short side."""
    scale = 12.0 / config.min_face
    scales = []
    while min(height, width) * scale >= 12.0:
        scales.append(scale)
        scale *= config.factor
    return scales


def _normalise(pixels: Tensor) -> Tensor:
    return (pixels - 127.5) * 0.0078125


def _calibrate(boxes: Tensor, offsets: Tensor) -> Tensor:
    size = (boxes[:, 2:4] - boxes[:, 0:2]).repeat(1, 2)
    return boxes + offsets * size


def _place_landmarks(boxes: Tensor, marks: Tensor) -> Tensor:
    """O-Net's landmarks (fractions of its input box: 5 x, then 5 y) in pixels."""
    size = boxes[:, 2:4] - boxes[:, 0:2]
    xs = boxes[:, 0:1] + marks[:, 0:5] * size[:, 0:1]
    ys = boxes[:, 1:2] + marks[:, 5:10] * size[:, 1:2]
    return torch.cat([xs, ys], 1)


def _square(boxes: Tensor) -> Tensor:
    centre = (boxes[:, 0:2] + boxes[:, 2:4]) / 2
    half = (boxes[:, 2:4] - boxes[:, 0:2]).amax(1, keepdim=True) / 2
    return torch.cat([centre - half, centre + half], 1)


def _top_per_image(scores: Tensor, image_index: Tensor, limit: int) -> Tensor:
    """Indices of the ``limit`` best scores of each image (indices sorted by image, then score)."""
    order = torch.argsort(scores, descending=True, stable=True)
    order = order[torch.argsort(image_index[order], stable=True)]
    sorted_images = image_index[order]
    first = torch.searchsorted(sorted_images, sorted_images, right=False)
    rank = torch.arange(len(order), device=scores.device) - first
    return order[rank < limit]


def _nms_min(boxes: Tensor, scores: Tensor, image_index: Tensor, threshold: float) -> Tensor:
    """Greedy NMS by intersection over the smaller box: drops boxes nested in a better one."""
    keep: list[int] = []
    areas = (boxes[:, 2] - boxes[:, 0]).clamp(min=0) * (boxes[:, 3] - boxes[:, 1]).clamp(min=0)
    for index in torch.argsort(scores, descending=True).tolist():
        if keep:
            kept = torch.tensor(keep, device=boxes.device)
            top_left = torch.maximum(boxes[kept, :2], boxes[index, :2])
            bottom_right = torch.minimum(boxes[kept, 2:], boxes[index, 2:])
            inter = (bottom_right - top_left).clamp(min=0).prod(1)
            overlap = inter / torch.minimum(areas[kept], areas[index]).clamp(min=1e-6)
            same_image = image_index[kept] == image_index[index]
            if bool(((overlap > threshold) & same_image).any()):
                continue
        keep.append(index)
    return torch.tensor(keep, dtype=torch.long, device=boxes.device)


def _crops(pixels: Tensor, boxes: Tensor, image_index: Tensor, size: int) -> Tensor:
    """``size`` x ``size`` crops of ``boxes``; outside the image reads black, as in the original."""
    rois = torch.cat([image_index[:, None].to(boxes.dtype), boxes], 1)
    # 3x3 samples per output pixel: enough to average the ~2-8 px a bin spans in face-sized boxes
    crops = roi_align(pixels, rois, size, spatial_scale=1.0, sampling_ratio=3, aligned=True)
    return _normalise(crops).contiguous(memory_format=torch.channels_last)


def _proposals(nets: Nets, pixels: Tensor, config: CascadeConfig) -> tuple[Tensor, Tensor, Tensor]:
    """Stage 1: P-Net over the pyramid -> squared candidate boxes, their scores and image index."""
    height, width = pixels.shape[2:]
    found_boxes, found_scores, found_images = [], [], []
    level = pixels
    for step, scale in enumerate(pyramid_scales(height, width, config)):
        scaled_h, scaled_w = max(12, round(height * scale)), max(12, round(width * scale))
        # each level is resized from the previous one, far cheaper than from the full image; only
        # the first step can shrink by more than 2, so only it needs the (slow) antialiasing
        level = torch.nn.functional.interpolate(
            level, size=(scaled_h, scaled_w), mode="bilinear", antialias=step == 0
        ).contiguous(memory_format=torch.channels_last)
        probs, offsets = nets.pnet(_normalise(level))
        image, row, col = torch.nonzero(probs > config.thresholds[0], as_tuple=True)
        if len(image) == 0:
            continue
        # each output cell is the 12x12 window at (2*col, 2*row) of the scaled image
        window = torch.stack([col, row, col, row], 1).to(pixels.dtype) * 2
        window[:, 2:] += 12
        boxes = window / torch.tensor(
            [scaled_w / width, scaled_h / height] * 2, device=pixels.device
        )
        scores = probs[image, row, col].float()
        boxes = _calibrate(boxes, offsets[image, :, row, col].float())
        keep = batched_nms(boxes, scores, image, 0.5)
        found_boxes.append(boxes[keep])
        found_scores.append(scores[keep])
        found_images.append(image[keep])
    if not found_boxes:
        empty = pixels.new_zeros((0, 4))
        return empty, pixels.new_zeros(0), torch.zeros(0, dtype=torch.long, device=pixels.device)
    boxes, scores, images = torch.cat(found_boxes), torch.cat(found_scores), torch.cat(found_images)
    keep = batched_nms(boxes, scores, images, 0.7)
    keep = keep[_top_per_image(scores[keep], images[keep], config.max_proposals)]
    return _square(boxes[keep]), scores[keep], images[keep]


def detect(nets: Nets, pixels: Tensor, config: CascadeConfig) -> list[Tensor]:
    """Faces in a batch of same-sized images.

    ``pixels`` is float ``(B, 3, H, W)`` RGB in 0..255, contiguous (roi_align would copy a
    channels_last batch at each stage; the nets get channels_last copies of their inputs).
    Returns, per image, ``(N, 15)`` rows of ``x0, y0, x1, y1, score`` and the 5 landmarks
    (left eye, right eye, nose, left and right mouth corner: 5 x, then 5 y) in pixels, best first.
    """
    batch = pixels.shape[0]
    results = [pixels.new_zeros((0, 15)) for _ in range(batch)]
    boxes, scores, images = _proposals(nets, pixels, config)

    if len(boxes):  # stage 2: R-Net refines and rejects
        probs, offsets = nets.rnet(_crops(pixels, boxes, images, 24))
        passed = probs.float() > config.thresholds[1]
        boxes, scores, images = boxes[passed], probs.float()[passed], images[passed]
        boxes = _calibrate(boxes, offsets.float()[passed])
        keep = batched_nms(boxes, scores, images, 0.7)
        keep = keep[_top_per_image(scores[keep], images[keep], config.max_refined)]
        boxes, scores, images = _square(boxes[keep]), scores[keep], images[keep]

    if len(boxes):  # stage 3: O-Net decides and places the final box
        probs, offsets, marks = nets.onet(_crops(pixels, boxes, images, 48))
        passed = probs.float() > config.thresholds[2]
        boxes, scores, images = boxes[passed], probs.float()[passed], images[passed]
        landmarks = _place_landmarks(boxes, marks.float()[passed])  # on the box O-Net saw
        boxes = _calibrate(boxes, offsets.float()[passed])
        keep = _nms_min(boxes, scores, images, 0.7)
        boxes, scores, images, landmarks = boxes[keep], scores[keep], images[keep], landmarks[keep]
        for index in range(batch):
            mine = images == index
            rows = torch.cat([boxes[mine], scores[mine, None], landmarks[mine]], 1)
            results[index] = rows[torch.argsort(rows[:, 4], descending=True)]
    return results
