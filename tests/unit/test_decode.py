"""decode_reduced: one reduced, upright, RGB decode for every kind of file a library holds."""

from __future__ import annotations

import struct
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile, ImageOps

from imgengine_gui.analysis.decode import decode_reduced
from imgengine_gui.analysis.errors import PhotoError

skimage_data = pytest.importorskip("skimage.data")


def _mean_abs_diff(a: Image.Image, b: Image.Image) -> float:
    return float(np.abs(np.asarray(a, np.float32) - np.asarray(b, np.float32)).mean())


def _correlation(a: Image.Image, b: Image.Image) -> float:
    x = np.asarray(a.convert("L"), np.float64).ravel()
    y = np.asarray(b.convert("L"), np.float64).ravel()
    return float(np.corrcoef(x, y)[0, 1])


def _photo(size: tuple[int, int]) -> Image.Image:
    return Image.fromarray(skimage_data.astronaut()).resize(size, Image.Resampling.BICUBIC)


# --- orientation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", [f"{k}_{i}" for k in ("landscape", "portrait") for i in range(1, 9)]
)
def test_orientation_matches_exif_transpose_of_full_decode(corpus_dir: Path, name: str):
    path = corpus_dir / "jpg" / "orientation" / f"{name}.jpg"
    decoded = decode_reduced(path, 256)
    with Image.open(path) as im:
        reference = ImageOps.exif_transpose(im).convert("RGB")
    assert decoded.image.mode == "RGB"
    assert max(decoded.image.size) <= 256
    expected = reference.resize(decoded.image.size, Image.Resampling.BILINEAR)
    assert decoded.image.size[0] / decoded.image.size[1] == pytest.approx(
        reference.width / reference.height, rel=0.02
    )
    assert _mean_abs_diff(decoded.image, expected) < 6.0
    # All 8 files show the same upright picture (their colours differ slightly, so correlate).
    upright = decode_reduced(path.with_name(name.split("_")[0] + "_1.jpg"), 256).image
    assert _correlation(decoded.image, upright.resize(decoded.image.size)) > 0.95
    assert _correlation(decoded.image, upright.resize(decoded.image.size).rotate(180)) < 0.8


def test_exif_rotation_written_by_us(tmp_path: Path):
    upright = _photo((400, 300))
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated; display needs a 90 degree clockwise turn
    path = tmp_path / "rotated.jpg"
    upright.transpose(Image.Transpose.ROTATE_90).save(path, quality=95, exif=exif.tobytes())
    decoded = decode_reduced(path, 1024)
    assert decoded.orientation == 6
    assert decoded.stored_size == (300, 400)
    assert decoded.image.size == (400, 300)
    assert _mean_abs_diff(decoded.image, upright) < 6.0


# --- JPEG DCT scaling --------------------------------------------------------------------------


def test_large_jpeg_uses_draft_and_never_exceeds_long_side(tmp_path: Path):
    path = tmp_path / "12mp.jpg"
    _photo((4000, 3000)).save(path, quality=90)
    started = time.perf_counter()
    decoded = decode_reduced(path, 1024)
    elapsed = time.perf_counter() - started
    assert decoded.draft_scale > 1
    assert decoded.stored_size == (4000, 3000)
    assert max(decoded.image.size) <= 1024
    assert max(decoded.image.size) >= 1024 * 0.95  # the slack, never more
    print(
        f"12 MP JPEG decode_reduced(1024): {elapsed * 1000:.1f} ms, scale 1/{decoded.draft_scale}"
    )


def test_zero_slack_decodes_at_least_the_long_side_then_shrinks(tmp_path: Path):
    path = tmp_path / "big.jpg"
    _photo((4000, 3000)).save(path, quality=85)
    decoded = decode_reduced(path, 1024, slack=0.0)
    assert decoded.draft_scale == 2  # 1/4 would be 1000 px < 1024
    assert decoded.image.size == (1024, 768)


def test_small_image_is_never_upscaled(tmp_path: Path):
    path = tmp_path / "small.jpg"
    _photo((100, 75)).save(path)
    decoded = decode_reduced(path, 1024)
    assert decoded.image.size == (100, 75)
    assert decoded.draft_scale == 1


# --- modes -------------------------------------------------------------------------------------


def test_cmyk_jpeg(tmp_path: Path):
    path = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (64, 48), (255, 0, 0, 0)).save(path, quality=95)  # pure cyan
    decoded = decode_reduced(path)
    assert decoded.image.mode == "RGB"
    r, g, b = np.asarray(decoded.image, np.float32).reshape(-1, 3).mean(axis=0)
    assert r < 40 and g > 215 and b > 215


def test_16_bit_grayscale_png_is_scaled_not_clipped(tmp_path: Path):
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (32, 1))
    path = tmp_path / "gray16.png"
    Image.fromarray(ramp).save(path)
    with Image.open(path) as im:
        assert im.mode.startswith("I")
    decoded = decode_reduced(path)
    pixels = np.asarray(decoded.image)
    assert decoded.image.mode == "RGB"
    assert pixels[0, 0, 0] <= 2 and pixels[0, -1, 0] >= 253
    assert 110 <= pixels[0, 128, 0] <= 145  # the middle of the ramp stays grey


def test_palette_with_transparency_composites_on_white(tmp_path: Path):
    image = Image.new("P", (40, 40), 0)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.paste(1, (0, 0, 20, 40))  # left half red, right half palette index 0 (transparent)
    path = tmp_path / "p.png"
    image.save(path, transparency=0)
    pixels = np.asarray(decode_reduced(path).image)
    assert tuple(pixels[20, 5]) == (255, 0, 0)
    assert tuple(pixels[20, 35]) == (255, 255, 255)


def test_la_and_rgba_alpha_composite_on_white(tmp_path: Path):
    la = Image.new("LA", (20, 20), (0, 0))  # black, fully transparent
    la.paste((0, 255), (0, 0, 10, 20))  # left half opaque black
    la.save(tmp_path / "la.png")
    pixels = np.asarray(decode_reduced(tmp_path / "la.png").image)
    assert tuple(pixels[10, 2]) == (0, 0, 0)
    assert tuple(pixels[10, 17]) == (255, 255, 255)
    rgba = Image.new("RGBA", (20, 20), (0, 0, 255, 128))
    rgba.save(tmp_path / "rgba.png")
    r, g, b = np.asarray(decode_reduced(tmp_path / "rgba.png").image)[5, 5]
    assert b == 255 and 120 <= r <= 135 and 120 <= g <= 135


def test_grayscale_and_bilevel(tmp_path: Path):
    Image.new("L", (30, 20), 77).save(tmp_path / "l.png")
    assert tuple(np.asarray(decode_reduced(tmp_path / "l.png").image)[0, 0]) == (77, 77, 77)
    bilevel = Image.new("1", (3000, 100), 1)
    bilevel.save(tmp_path / "one.png")
    decoded = decode_reduced(tmp_path / "one.png", 512)
    assert decoded.image.mode == "RGB" and decoded.image.size == (512, 17)
    assert np.asarray(decoded.image).min() == 255


def test_animated_gif_gives_first_frame(tmp_path: Path):
    frames = [Image.new("RGB", (32, 32), color) for color in ((255, 0, 0), (0, 0, 255))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    r, g, b = np.asarray(decode_reduced(path).image)[16, 16]
    assert r > 200 and b < 50


def test_multipage_tiff_gives_first_page(tmp_path: Path):
    pages = [Image.new("RGB", (32, 32), color) for color in ((0, 200, 0), (200, 0, 0))]
    path = tmp_path / "pages.tiff"
    pages[0].save(path, save_all=True, append_images=pages[1:])
    r, g, b = np.asarray(decode_reduced(path).image)[16, 16]
    assert g > 150 and r < 50


def test_one_pixel_and_extreme_aspect(tmp_path: Path):
    Image.new("RGB", (1, 1), (10, 20, 30)).save(tmp_path / "dot.png")
    dot = decode_reduced(tmp_path / "dot.png")
    assert dot.image.size == (1, 1) and tuple(np.asarray(dot.image)[0, 0]) == (10, 20, 30)
    Image.new("RGB", (8000, 20), (200, 100, 0)).save(tmp_path / "strip.jpg")
    strip = decode_reduced(tmp_path / "strip.jpg", 1024)
    assert max(strip.image.size) <= 1024 and min(strip.image.size) >= 1
    assert strip.stored_size == (8000, 20)


def test_webp_png_and_heic_decode_alike(tmp_path: Path):
    source = _photo((640, 480))
    source.save(tmp_path / "a.webp", quality=90)
    source.save(tmp_path / "a.png")
    import pillow_heif

    pillow_heif.register_heif_opener()
    source.save(tmp_path / "a.heic", quality=90, enc_params={"preset": "ultrafast"})
    for name in ("a.webp", "a.png", "a.heic"):
        decoded = decode_reduced(tmp_path / name)
        assert decoded.image.size == (640, 480), name
        assert _mean_abs_diff(decoded.image, source) < 6.0, name
    assert decode_reduced(tmp_path / "a.heic").format == "HEIF"


def test_heic_embedded_thumbnail_is_used_when_large_enough(tmp_path: Path):
    import pillow_heif

    pillow_heif.register_heif_opener()
    source = _photo((2048, 1536))
    path = tmp_path / "thumbs.heic"
    source.save(path, quality=80, thumbnails=[1024], enc_params={"preset": "ultrafast"})
    decoded = decode_reduced(path, 800)
    assert decoded.draft_scale == 2  # came from the 1024 px thumbnail
    assert decoded.image.size == (800, 600)
    assert _mean_abs_diff(decoded.image, source.resize((800, 600))) < 8.0
    full = decode_reduced(path, 1600)  # the thumbnail is too small for this: full decode
    assert full.draft_scale == 1 and full.image.size == (1600, 1200)


def test_corpus_heic(corpus_dir: Path):
    decoded = decode_reduced(corpus_dir / "heic" / "IMG_5195.HEIC", 1024)
    assert decoded.stored_size == (2566, 3313)
    assert decoded.image.size == (793, 1024)  # portrait, as exiftool reports it


# --- broken and hostile files ------------------------------------------------------------------


def test_truncated_jpeg_raises_clear_photo_error(tmp_path: Path):
    whole = tmp_path / "whole.jpg"
    _photo((800, 600)).save(whole, quality=90)
    data = whole.read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(PhotoError) as info:
        decode_reduced(cut)
    message = str(info.value)
    assert "cut.jpg" in message and "truncated" in message and "\n" not in message


def test_garbage_and_empty_files(tmp_path: Path):
    (tmp_path / "notes.jpg").write_text("this is not a photo")
    (tmp_path / "empty.png").write_bytes(b"")
    for name in ("notes.jpg", "empty.png"):
        with pytest.raises(PhotoError, match="not a supported image format"):
            decode_reduced(tmp_path / name)


def _png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG whose header claims width x height, with a few bytes of image data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def test_decompression_bomb_is_refused_before_decoding(tmp_path: Path, monkeypatch):
    path = tmp_path / "bomb.png"
    _png_header_only(path, 30_000, 30_000)  # 900 MP claimed
    with monkeypatch.context() as patch:  # any attempt to decode pixels fails the test
        patch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("pixels decoded"))
        with pytest.raises(PhotoError) as info:
            decode_reduced(path)
    message = str(info.value)
    assert "decompression bomb" in message and "not decoded" in message
    # The limit is a parameter; a real (small) image above it is refused the same way.
    _photo((200, 100)).save(tmp_path / "ok.jpg")
    with pytest.raises(PhotoError, match="not decoded"):
        decode_reduced(tmp_path / "ok.jpg", max_pixels=10_000)
    assert decode_reduced(tmp_path / "ok.jpg", max_pixels=20_000).image.size == (200, 100)


def test_corpus_broken_files_never_crash(corpus_dir: Path):
    paths = sorted((corpus_dir / "jpg" / "invalid").glob("*")) + [
        corpus_dir / "jpg" / "corrupted.jpg"
    ]
    assert paths
    for path in paths:
        try:
            decoded = decode_reduced(path, 512)
        except PhotoError as exc:
            assert str(exc) and "\n" not in str(exc)
        else:
            assert decoded.image.mode == "RGB" and max(decoded.image.size) <= 512


@pytest.mark.parametrize("orientation", range(1, 9))
def test_tiff_orientation_is_applied_exactly_once(tmp_path, orientation):
    import numpy as np
    from PIL import Image, ImageOps

    pixels = np.zeros((32, 48, 3), np.uint8)
    pixels[:8, :8] = 255  # a marker in the top-left corner
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(pixels).save(tmp_path / "o.tif", exif=exif)
    Image.fromarray(pixels).save(tmp_path / "o.png", exif=exif)
    with Image.open(tmp_path / "o.png") as reference:
        expected = np.asarray(ImageOps.exif_transpose(reference).convert("L"), dtype=int)
    decoded = decode_reduced(tmp_path / "o.tif")
    got = np.asarray(decoded.image.convert("L"), dtype=int)
    assert got.shape == expected.shape
    assert np.abs(got - expected).mean() < 5
