"""analyze_content, hashes, border trimming and quality measures on real pixels."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from imgengine_gui.analysis.content import ContentResult, analyze_content
from imgengine_gui.analysis.decode import decode_reduced
from imgengine_gui.analysis.duplicates import thresholds_for
from imgengine_gui.analysis.hashes import (
    content_box,
    hash_to_hex,
    hex_to_hash,
    perceptual_hashes,
)
from imgengine_gui.analysis.quality import clipping, exposure, sharpness
from imgengine_gui.analysis.signature import SIGNATURE_SIDE, pair_similarity
from imgengine_gui.common.files import sha256_file

skimage_data = pytest.importorskip("skimage.data")


def _astronaut(size=(512, 512)) -> Image.Image:
    return Image.fromarray(skimage_data.astronaut()).resize(size, Image.Resampling.BICUBIC)


def _distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def test_analyze_content_writes_cache_images_and_hashes(tmp_path: Path):
    photos, cache = tmp_path / "photos", tmp_path / "cache"
    photos.mkdir()
    path = photos / "IMG_0001.jpg"
    _astronaut((2400, 1800)).save(path, quality=92)
    decoded = decode_reduced(path, 1024)
    result = analyze_content(path, decoded, cache, key="ab12cd34")

    assert isinstance(result, ContentResult)
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(result.phash) == 16 and len(result.dhash) == 16
    int(result.phash, 16), int(result.dhash, 16)
    assert (result.decoded_width, result.decoded_height) == decoded.image.size
    thumb, preview = Path(result.thumb_path), Path(result.preview_path)
    assert thumb == cache / "thumbs" / "ab" / "ab12cd34.jpg"
    assert preview == cache / "previews" / "ab" / "ab12cd34.jpg"
    with Image.open(thumb) as t, Image.open(preview) as p:
        assert t.format == p.format == "JPEG"
        assert max(t.size) == 256 and max(p.size) == max(decoded.image.size)
        assert t.width / t.height == pytest.approx(4 / 3, rel=0.02)
    # Nothing written next to the photo, no temporary files left behind.
    assert sorted(x.name for x in photos.iterdir()) == ["IMG_0001.jpg"]
    assert not [x for x in cache.rglob("*") if x.is_file() and not x.name.endswith(".jpg")]
    assert len(result.signature) == SIGNATURE_SIDE**2
    assert result.content_box == (0, 0, *decoded.image.size)
    assert 0.0 < result.exposure < 1.0 and result.sharpness > 0


def test_content_never_decodes_again(tmp_path: Path, monkeypatch):
    path = tmp_path / "a.png"
    _astronaut((300, 300)).save(path)
    decoded = decode_reduced(path)

    def refuse(*args, **kwargs):
        raise AssertionError("analyze_content opened the photo as an image")

    monkeypatch.setattr(Image, "open", refuse)
    result = analyze_content(path, decoded, tmp_path / "cache", key="k1")
    assert Path(result.thumb_path).is_file()


def test_unsafe_cache_keys_are_refused(tmp_path: Path):
    path = tmp_path / "a.png"
    _astronaut((64, 64)).save(path)
    decoded = decode_reduced(path)
    for key in ("", "../escape", "a/b", ".hidden"):
        with pytest.raises(ValueError):
            analyze_content(path, decoded, tmp_path / "cache", key=key)


def test_rewriting_a_cache_entry_replaces_it(tmp_path: Path):
    path = tmp_path / "a.jpg"
    _astronaut((640, 480)).save(path)
    first = analyze_content(path, decode_reduced(path), tmp_path / "cache", key="same")
    Image.new("RGB", (640, 480), "red").save(path)
    second = analyze_content(path, decode_reduced(path), tmp_path / "cache", key="same")
    assert first.thumb_path == second.thumb_path
    with Image.open(second.thumb_path) as thumb:
        r, g, b = np.asarray(thumb.convert("RGB")).reshape(-1, 3).mean(axis=0)
    assert r > 200 and g < 40


def test_sha256_streams_in_chunks(tmp_path: Path):
    path = tmp_path / "blob.bin"
    data = np.random.default_rng(0).bytes(3 * (1 << 20) + 17)
    path.write_bytes(data)
    assert sha256_file(path, chunk=4096) == hashlib.sha256(data).hexdigest()


def test_hash_hex_round_trip():
    for value in (0, 1, 0xFFFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0001):
        text = hash_to_hex(value)
        assert len(text) == 16 and hex_to_hash(text) == value
    with pytest.raises(ValueError):
        hex_to_hash("1" + "0" * 16)


def test_perceptual_hashes_survive_copies_and_separate_photos(tmp_path: Path):
    base = _astronaut()
    copies = {
        "half": base.resize((256, 256)),
        "gray": base.convert("L").convert("RGB"),
        "brighter": Image.eval(base, lambda v: min(255, int(v * 1.2))),
    }
    ph, dh = perceptual_hashes(base)
    for name, image in copies.items():
        p2, d2 = perceptual_hashes(image)
        assert _distance(ph, p2) <= 6 and _distance(dh, d2) <= 6, name
    other_p, other_d = perceptual_hashes(Image.fromarray(skimage_data.coffee()))
    assert _distance(ph, other_p) + _distance(dh, other_d) > 40


def _letterbox(image: Image.Image, colour: str, size: tuple[int, int]) -> Image.Image:
    canvas = Image.new("RGB", size, colour)
    canvas.paste(image, ((size[0] - image.width) // 2, (size[1] - image.height) // 2))
    return canvas


def test_borders_and_caption_strips_are_trimmed_before_hashing():
    photo = Image.fromarray(skimage_data.coffee())  # 600 x 400
    ph, dh = perceptual_hashes(photo)
    captioned = Image.new("RGB", (600, 460), "white")
    captioned.paste(photo, (0, 0))
    ImageDraw.Draw(captioned).text((20, 415), "Our trip, 2019", fill="black")
    variants = {
        "letterbox": _letterbox(photo, "black", (600, 600)),
        "pillarbox": _letterbox(photo, "black", (900, 400)),
        "white frame": _letterbox(photo, "white", (680, 480)),
        "frame in letterbox": _letterbox(
            _letterbox(photo, "white", (640, 440)), "black", (640, 640)
        ),
        "caption": captioned,
    }
    for name, image in variants.items():
        p2, d2 = perceptual_hashes(image)
        assert _distance(ph, p2) <= 4 and _distance(dh, d2) <= 4, name
        untrimmed = perceptual_hashes(image, trim=False)
        assert _distance(ph, untrimmed[0]) + _distance(dh, untrimmed[1]) > 10, name


def test_content_box_keeps_pictures_without_borders():
    for name in ("astronaut", "chelsea", "rocket", "coffee"):
        rgb = np.asarray(Image.fromarray(getattr(skimage_data, name)()).convert("RGB"))
        assert content_box(rgb) == (0, 0, rgb.shape[1], rgb.shape[0]), name
    black = np.zeros((100, 200, 3), np.uint8)
    assert content_box(black) == (0, 0, 200, 100)  # all border: nothing sensible to trim to


def test_content_box_finds_a_letterboxed_picture():
    photo = np.asarray(Image.fromarray(skimage_data.astronaut()).resize((200, 200)))
    canvas = np.zeros((300, 260, 3), np.uint8)
    canvas[40:240, 30:230] = photo
    left, top, right, bottom = content_box(canvas)
    assert (
        abs(left - 30) <= 1
        and abs(top - 40) <= 1
        and abs(right - 230) <= 1
        and abs(bottom - 240) <= 1
    )


def test_quality_measures_order_images_sensibly():
    photo = _astronaut()
    blurred = photo.filter(ImageFilter.GaussianBlur(3))
    assert sharpness(photo) > 3 * sharpness(blurred)
    assert sharpness(Image.new("RGB", (100, 100), "gray")) == 0.0
    dark = Image.eval(photo, lambda v: v // 4)
    assert (
        exposure(dark) < exposure(photo) < exposure(Image.eval(photo, lambda v: min(255, v + 80)))
    )
    assert exposure(Image.new("RGB", (10, 10), "white")) == pytest.approx(1.0)
    shadows, highlights = clipping(Image.new("RGB", (10, 10), "black"))
    assert shadows == 1.0 and highlights == 0.0


def test_signatures_match_crops_but_not_other_photos(tmp_path: Path):
    cache = tmp_path / "cache"
    photo = _astronaut((800, 600))
    files = {
        "original": photo,
        "crop": photo.crop((56, 18, 776, 564)),  # 7 % left, 3 % right, 3 % top, 6 % bottom
        "other": Image.fromarray(skimage_data.chelsea()),
    }
    signatures = []
    for name, image in files.items():
        path = tmp_path / f"{name}.jpg"
        image.save(path, quality=90)
        signatures.append(
            analyze_content(path, decode_reduced(path), cache, key=name).signature
        )
    similarity = pair_similarity(signatures, np.array([0, 0]), np.array([1, 2]))
    assert similarity[0] >= thresholds_for(5).signature_min  # the crop verifies at the default
    assert similarity[1] < 0.6
