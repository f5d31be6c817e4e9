"""Formats: naming them from their first bytes, the stored geometry of HEIF/AVIF/JPEG XL/RAW
(one meaning per field), and their reduced decode (AVIF, JPEG XL, RAW through its preview)."""

from __future__ import annotations

import math

import numpy as np
import pillow_jxl  # noqa: F401  (lets Pillow write the JPEG XL test files)
import pytest
from PIL import Image
from raw_files import write_dng

from imgengine_gui.analysis.decode import decode_reduced
from imgengine_gui.analysis.errors import PhotoError
from imgengine_gui.analysis.formats import sniff_format, sniff_problem
from imgengine_gui.analysis.heif import exif_orientation, read_heif_layout
from imgengine_gui.analysis.metadata import read_metadata
from imgengine_gui.analysis.metadata_jxl import read_jxl_layout
from imgengine_gui.scan.sniff import has_photo_extension


def _exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Acme"
    exif.get_ifd(0x8769)[0x9003] = "2021:04:11 15:47:53"
    return exif.tobytes()


def _arrow(size=(64, 40)) -> Image.Image:
    """Red top-left quarter on blue: where it lands shows the applied orientation."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1] // 2))
    return image


def _top_left_is_red(image: Image.Image) -> bool:
    r, g, b = image.convert("RGB").getpixel((1, 1))
    return r > 150 and b < 100


@pytest.mark.parametrize(
    ("head", "name", "expected"),
    [
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "a.avif", "AVIF"),
        (b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf", "a.avif", "AVIF"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "a.heic", "HEIF"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", "a.heic", "HEIF"),
        (b"\x00\x00\x00\x18ftypcrx \x00\x00\x00\x01crx isom", "a.cr3", "CR3"),
        (b"\xff\x0a\xfa\x7f", "a.jxl", "JXL"),
        (b"\x00\x00\x00\x0cJXL \r\n\x87\n\x00\x00\x00\x14ftypjxl ", "a.jxl", "JXL"),
        (b"II*\x00\x10\x00\x00\x00CR\x02\x00", "a.cr2", "CR2"),
        (b"II*\x00\x08\x00\x00\x00", "a.NEF", "NEF"),
        (b"II*\x00\x08\x00\x00\x00", "a.dng", "DNG"),
        (b"II*\x00\x08\x00\x00\x00", "scan.tif", "TIFF"),
        (b"FUJIFILMCCD-RAW 0201", "a.raf", "RAF"),
        (b"IIU\x00\x18\x00\x00\x00", "a.rw2", "RW2"),
        (b"IIRO\x08\x00\x00\x00", "a.orf", "ORF"),
        (b"8BPS\x00\x01", "a.psd", "PSD (Photoshop)"),
        (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "a.jp2", "JPEG 2000"),
        (b"v/1\x01\x02\x00\x00\x00", "a.exr", "OpenEXR"),
        (b"just some text in a file", "a.jpg", None),
    ],
)
def test_formats_are_named_by_their_first_bytes(head, name, expected):
    assert sniff_format(head, name) == expected


def test_unsupported_image_formats_are_walked_and_reported():
    assert has_photo_extension("layers.PSD") and has_photo_extension("a.avif")
    assert has_photo_extension("a.jxl") and has_photo_extension("IMG_1.CR2")
    assert not has_photo_extension("notes.txt") and not has_photo_extension("a.jpg.xmp")
    assert sniff_problem(b"8BPS\x00\x01" + b"\0" * 20, 26, "a.psd") == (
        "format not supported: PSD (Photoshop)"
    )
    assert sniff_problem(b"\xff\xd8\xff\xe0", 4, "a.jpg") is None


def test_a_psd_is_a_clear_problem(tmp_path):
    path = tmp_path / "layers.psd"
    path.write_bytes(b"8BPS\x00\x01" + b"\0" * 100)
    with pytest.raises(PhotoError, match="format not supported: PSD"):
        read_metadata(path)


# ---------------------------------------------------------------- HEIF / AVIF geometry


def test_irot_imir_combinations_map_to_exif_orientations():
    assert exif_orientation(()) == 1
    assert [exif_orientation((("rot", a),)) for a in range(4)] == [1, 8, 3, 6]
    assert exif_orientation((("mirror", 1),)) == 2 and exif_orientation((("mirror", 0),)) == 4
    assert exif_orientation((("rot", 1), ("mirror", 1))) == 7


@pytest.mark.parametrize("orientation", range(1, 9))
def test_avif_reads_like_a_jpeg(tmp_path, block_pixel_loads, orientation):
    """Pillow writes the EXIF orientation as irot/imir; libavif's reading of them is the truth."""
    path = tmp_path / "shot.avif"
    Image.new("RGB", (64, 40)).save(path, exif=_exif(orientation))
    with Image.open(path) as im:
        expected = im.getexif().get(0x0112, 1)
    with open(path, "rb") as handle:
        layout = read_heif_layout(handle)
    assert (layout.width, layout.height, layout.orientation) == (64, 40, expected)
    pixel_loads = block_pixel_loads()
    meta = read_metadata(path)
    assert (meta.format, meta.width, meta.height, meta.orientation) == ("AVIF", 64, 40, expected)
    swapped = expected >= 5
    assert (meta.display_width, meta.display_height) == ((40, 64) if swapped else (64, 40))
    assert (meta.camera_make, meta.taken_at) == ("Acme", "2021-04-11T15:47:53")
    assert pixel_loads == []


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_heic_stored_size_and_orientation_and_upright_decode(tmp_path, orientation):
    import pillow_heif

    pillow_heif.register_heif_opener()
    path = tmp_path / "portrait.heic"
    _arrow().save(path, exif=_exif(orientation))  # the encoder pads to 64x64 and crops (clap)
    meta = read_metadata(path)
    assert (meta.width, meta.height, meta.orientation) == (64, 40, orientation)
    decoded = decode_reduced(path, 256)
    assert decoded.image.size == (meta.display_width, meta.display_height)


def test_ten_bit_heic_decodes_to_eight_bit_rgb(tmp_path):
    import pillow_heif

    ramp = np.linspace(0, 65535, 48 * 64 * 3).reshape(48, 64, 3).astype(np.uint16)
    pillow_heif.from_bytes(mode="RGB;16", size=(64, 48), data=ramp.tobytes()).save(
        tmp_path / "hdr.heic", quality=-1
    )
    assert pillow_heif.open_heif(tmp_path / "hdr.heic", convert_hdr_to_8bit=False).mode == "RGB;16"
    decoded = decode_reduced(tmp_path / "hdr.heic", 32)
    assert decoded.image.mode == "RGB" and decoded.image.size == (32, 24)
    values = np.asarray(decoded.image)
    assert values.min() < 40 and values.max() > 215  # the whole range survives the 8-bit step


@pytest.mark.parametrize("orientation", [1, 6])
def test_avif_decodes_upright(tmp_path, orientation):
    path = tmp_path / "a.avif"
    _arrow().save(path, exif=_exif(orientation), quality=90)
    decoded = decode_reduced(path, 256)
    meta = read_metadata(path)
    assert decoded.image.size == (meta.display_width, meta.display_height)
    # orientation 6 turns the stored top-left corner to the top-right
    assert _top_left_is_red(decoded.image) == (orientation == 1)


# ---------------------------------------------------------------- JPEG XL


@pytest.mark.parametrize(
    "size", [(1, 1), (8, 8), (640, 480), (4000, 3000), (3001, 7), (256, 144), (17, 600)]
)
@pytest.mark.parametrize("container", [False, True])
def test_jxl_size_from_the_codestream_header(tmp_path, size, container):
    path = tmp_path / "a.jxl"
    Image.new("RGB", size, "blue").save(path, use_container=container, effort=1)
    with open(path, "rb") as handle:
        layout = read_jxl_layout(handle)
    assert (layout.width, layout.height, layout.orientation) == (*size, 1)


def test_jxl_metadata_without_decoding_and_a_reduced_decode(tmp_path, block_pixel_loads):
    path = tmp_path / "photo.jxl"
    _arrow((400, 300)).save(path, exif=_exif(1), effort=1)
    pixel_loads = block_pixel_loads()
    meta = read_metadata(path)
    assert pixel_loads == []
    assert (meta.format, meta.width, meta.height, meta.orientation) == ("JXL", 400, 300, 1)
    assert (meta.camera_make, meta.taken_at) == ("Acme", "2021-04-11T15:47:53")


def test_jxl_decode(tmp_path):
    path = tmp_path / "photo.jxl"
    _arrow((400, 300)).save(path, effort=1)
    decoded = decode_reduced(path, 200)
    assert decoded.image.size == (200, 150) and decoded.format == "JXL"
    assert _top_left_is_red(decoded.image)


def test_a_jxl_bomb_is_refused_before_decoding(tmp_path):
    path = tmp_path / "big.jxl"
    Image.new("L", (3000, 2000)).save(path, effort=1)
    with pytest.raises(PhotoError, match="pixel limit"):
        decode_reduced(path, 256, max_pixels=1_000_000)


# ---------------------------------------------------------------- RAW (DNG)


def test_dng_metadata_comes_from_the_raw_itself(tmp_path, block_pixel_loads):
    path = write_dng(tmp_path / "IMG_0001.dng", raw_size=(640, 480), orientation=6)
    pixel_loads = block_pixel_loads()
    meta = read_metadata(path)
    assert pixel_loads == []
    assert (meta.format, meta.width, meta.height, meta.orientation) == ("DNG", 640, 480, 6)
    assert (meta.display_width, meta.display_height) == (480, 640)
    assert (meta.camera_make, meta.camera_model, meta.lens) == ("Acme", "Rawmaster 9", "Acme 50mm F1.8")
    assert (meta.taken_at, meta.iso) == ("2019-03-21T11:04:22", 200)
    assert meta.f_number == pytest.approx(5.6) and meta.exposure_time == pytest.approx(1 / 125)


def test_dng_decodes_through_its_preview_upright(tmp_path):
    preview = _arrow((320, 240))
    path = write_dng(tmp_path / "IMG_0002.dng", raw_size=(640, 480), preview=preview, orientation=6)
    decoded = decode_reduced(path, 1024)
    assert decoded.format == "DNG" and decoded.stored_size == (640, 480)
    assert decoded.image.size == (240, 320)  # the preview, turned by the RAW's orientation
    assert not _top_left_is_red(decoded.image)
    upright = decode_reduced(path, 1024, orientation=1)  # e.g. a sidecar that undid the turn
    assert upright.image.size == (320, 240) and _top_left_is_red(upright.image)


def test_a_raw_without_preview_is_a_clear_problem(tmp_path):
    path = write_dng(tmp_path / "IMG_0003.dng", previews=False)
    assert read_metadata(path).width == 640  # the metadata is still read
    with pytest.raises(PhotoError, match="no embedded preview"):
        decode_reduced(path, 256)


def test_orientation_override_for_a_jpeg(tmp_path):
    path = tmp_path / "a.jpg"
    _arrow().save(path, exif=_exif(6))
    assert decode_reduced(path, 256).image.size == (40, 64)
    assert decode_reduced(path, 256, orientation=1).image.size == (64, 40)


def test_rgb_of_a_preview_is_kept(tmp_path):
    preview = Image.new("RGB", (300, 200), (200, 120, 40))
    path = write_dng(tmp_path / "c.dng", preview=preview)
    pixel = decode_reduced(path, 100).image.getpixel((50, 30))
    assert all(math.isclose(a, b, abs_tol=12) for a, b in zip(pixel, (200, 120, 40), strict=True))
