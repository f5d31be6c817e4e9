"""Where metadata comes from: the capture-date order, XMP sidecars, the fallback reader and the
exiftool second pass (with exiftool installed, and without it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import exiv2
import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from imgengine_gui.analysis.metadata import read_metadata
from imgengine_gui.analysis.metadata_exiftool import ExiftoolPass, exiftool_status, find_exiftool

XMP_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
    xmlns:digiKam="http://www.digikam.org/ns/1.0/"
    xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/"
    xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#"
    {attributes}>
   {elements}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"""
REGIONS = """<mwg-rs:Regions rdf:parseType="Resource">
    <mwg-rs:RegionList><rdf:Bag>
     <rdf:li rdf:parseType="Resource">
      <mwg-rs:Name>Ada</mwg-rs:Name><mwg-rs:Type>Face</mwg-rs:Type>
      <mwg-rs:Area stArea:x="0.5" stArea:y="0.4" stArea:w="0.2" stArea:h="0.2"
       stArea:unit="normalized"/>
     </rdf:li>
    </rdf:Bag></mwg-rs:RegionList>
   </mwg-rs:Regions>"""


def xmp(attributes: str = "", elements: str = "") -> str:
    return XMP_TEMPLATE.format(attributes=attributes, elements=elements)


def photo(path: Path, *, original=None, created=None, offset=None, gps=None, orientation=1):
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F], exif[0x0110] = "Acme", "Snapper"
    sub = exif.get_ifd(0x8769)
    if original:
        sub[0x9003] = original
    if offset:
        sub[0x9011] = offset
    if created:
        sub[0x9004] = created
    if gps:
        date, (h, m, s) = gps
        ifd = exif.get_ifd(0x8825)
        ifd[29] = date
        ifd[7] = (IFDRational(h, 1), IFDRational(m, 1), IFDRational(s, 1))
    Image.new("RGB", (64, 40), "grey").save(path, exif=exif)
    return path


def write_with_exiv2(path: Path, values: dict[str, str]) -> None:
    image = exiv2.ImageFactory.open(str(path))
    image.readMetadata()
    for key, value in values.items():
        data = image.iptcData() if key.startswith("Iptc.") else image.xmpData()
        data[key] = value
    image.writeMetadata()


# ---------------------------------------------------------------- the capture date


def test_date_time_original_with_its_offset_comes_first(tmp_path):
    path = photo(tmp_path / "a.jpg", original="2021:04:11 15:47:53", offset="-05:00",
                 created="2021:04:12 10:00:00")  # fmt: skip
    (tmp_path / "a.jpg.xmp").write_text(xmp('xmp:CreateDate="2001-01-01T00:00:00"'))
    meta = read_metadata(path)
    assert (meta.taken_at, meta.taken_at_source) == ("2021-04-11T15:47:53-05:00", "DateTimeOriginal")


def test_a_sidecar_date_time_original_corrects_the_file(tmp_path):
    path = photo(tmp_path / "a.jpg", original="2021:04:11 15:47:53", offset="-05:00")
    sidecar = tmp_path / "a.jpg.xmp"
    sidecar.write_text(xmp('exif:DateTimeOriginal="2020-01-02T03:04:05"'))
    meta = read_metadata(path)
    assert (meta.taken_at, meta.taken_at_source) == (
        "2020-01-02T03:04:05",
        "sidecar DateTimeOriginal",
    )
    # darktable repeats the file's own date, without its offset: the file's (with offset) stays
    sidecar.write_text(xmp('exif:DateTimeOriginal="2021:04:11 15:47:53.000"'))
    meta = read_metadata(path)
    assert (meta.taken_at, meta.taken_at_source) == ("2021-04-11T15:47:53-05:00", "DateTimeOriginal")


def test_create_date_then_xmp_and_iptc_dates(tmp_path):
    path = photo(tmp_path / "a.jpg", created="2019:12:31 23:59:58")
    write_with_exiv2(path, {"Xmp.photoshop.DateCreated": "2001-02-03T04:05:06"})
    assert read_metadata(path).taken_at_source == "CreateDate"
    path = photo(tmp_path / "b.jpg")
    write_with_exiv2(path, {"Xmp.photoshop.DateCreated": "2001-02-03T04:05:06+01:00"})
    meta = read_metadata(path)
    assert (meta.taken_at, meta.taken_at_source) == ("2001-02-03T04:05:06+01:00", "DateCreated")
    path = photo(tmp_path / "c.jpg")
    write_with_exiv2(path, {"Iptc.Application2.DateCreated": "2002-03-04",
                            "Iptc.Application2.TimeCreated": "05:06:07+02:00"})  # fmt: skip
    meta = read_metadata(path)
    assert (meta.taken_at, meta.taken_at_source) == ("2002-03-04T05:06:07+02:00", "DateCreated")


def test_the_gps_date_then_the_file_name_then_mtime(tmp_path):
    meta = read_metadata(photo(tmp_path / "a.jpg", gps=("2019:03:21", (9, 4, 22))))
    assert (meta.taken_at, meta.taken_at_source) == ("2019-03-21T09:04:22+00:00", "GPSDateTime")
    meta = read_metadata(photo(tmp_path / "PXL_20190321_110422123.jpg"), mtime_ns=0)
    assert (meta.taken_at, meta.taken_at_source) == ("2019-03-21T11:04:22", "FileName")
    meta = read_metadata(photo(tmp_path / "DSC_0001.jpg"), mtime_ns=1_500_000_000 * 10**9)
    assert meta.taken_at_source == "mtime"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("IMG_20190321_110422.jpg", "2019-03-21T11:04:22"),
        ("2019-03-21 11.04.22.jpg", "2019-03-21T11:04:22"),
        ("Screenshot_2019-03-21-11-04-22.png", "2019-03-21T11:04:22"),
        ("IMG-20190321-WA0001.jpg", "2019-03-21T00:00:00"),
        ("DSCN0010.jpg", None),
        ("IMG_20191321_110422.jpg", None),  # month 13
        ("2019032111042.jpg", None),  # part of a longer number
    ],
)
def test_dates_in_file_names(name, expected):
    from imgengine_gui.analysis.metadata_dates import date_from_file_name

    found = date_from_file_name(name)
    assert (found.isoformat() if found else None) == expected


# ---------------------------------------------------------------- XMP sidecars


def test_sidecar_ratings_labels_keywords_regions_and_rotation(tmp_path):
    path = photo(tmp_path / "IMG_1.jpg", original="2021:04:11 15:47:53", orientation=1)
    (tmp_path / "IMG_1.JPG.XMP").write_text(xmp(
        'xmp:Rating="4" xmp:Label="Red" digiKam:PickLabel="3" tiff:Orientation="6"',
        "<dc:subject><rdf:Bag><rdf:li>beach</rdf:li><rdf:li>Cadiz</rdf:li></rdf:Bag></dc:subject>"
        "<lr:hierarchicalSubject><rdf:Bag><rdf:li>Places|Spain|Cadiz</rdf:li></rdf:Bag>"
        "</lr:hierarchicalSubject>" + REGIONS,
    ))  # fmt: skip
    meta = read_metadata(path)
    assert meta.sidecar == str(tmp_path / "IMG_1.JPG.XMP")  # case does not matter
    assert (meta.rating, meta.label, meta.flag) == (4, "Red", "pick")
    assert meta.keywords == ["beach", "Cadiz", "Places|Spain|Cadiz"]
    assert (meta.orientation, meta.display_width, meta.display_height) == (6, 40, 64)
    [region] = meta.regions
    assert (region.name, region.kind) == ("Ada", "Face")
    assert region.box == pytest.approx((0.4, 0.3, 0.6, 0.5))
    assert read_metadata(path, sidecars=None).rating is None  # the setting "off"


def test_lightroom_naming_and_which_sidecar_wins(tmp_path):
    path = photo(tmp_path / "IMG_2.jpg")
    (tmp_path / "IMG_2.xmp").write_text(xmp('xmp:Rating="2"'))
    assert read_metadata(path).rating == 2
    (tmp_path / "IMG_2.jpg.xmp").write_text(xmp('xmp:Rating="5"'))
    assert read_metadata(path).rating == 5


def test_a_broken_sidecar_is_a_warning_not_a_failure(tmp_path):
    path = photo(tmp_path / "a.jpg", original="2021:04:11 15:47:53")
    (tmp_path / "a.jpg.xmp").write_text("<x:xmpmeta><rdf:RDF><oops")
    meta = read_metadata(path)
    assert meta.taken_at_source == "DateTimeOriginal"
    assert any("sidecar" in w or "XMP" in w for w in meta.warnings)


def test_adobe_reject_rating(tmp_path):
    path = photo(tmp_path / "a.jpg")
    (tmp_path / "a.jpg.xmp").write_text(xmp('xmp:Rating="-1"'))
    meta = read_metadata(path)
    assert (meta.rating, meta.flag) == (-1, "reject")


# ---------------------------------------------------------------- fallback and exiftool


def test_when_exiv2_cannot_read_pillow_does_and_says_so(tmp_path):
    path = tmp_path / "g.jpg"
    Image.new("RGB", (30, 20)).save(path, exif=b"Exif\0\0MM\0*\0\0\xff\xff")
    meta = read_metadata(path, mtime_ns=0)
    assert (meta.format, meta.width, meta.height, meta.reader) == ("JPEG", 30, 20, "pillow")
    assert any("fallback reader" in w for w in meta.warnings)


@pytest.mark.skipif(find_exiftool() is None, reason="exiftool is not installed")
def test_exiftool_pass_reads_a_maker_note_date(corpus_dir):
    second_pass = ExiftoolPass()
    try:
        meta = read_metadata(corpus_dir / "jpg" / "Reconyx_HC500_Hyperfire.jpg",
                             exiftool=second_pass)  # fmt: skip
        assert (meta.taken_at, meta.taken_at_source) == ("2020-03-16T10:00:00", "DateTimeOriginal")
        assert meta.reader == "exiv2+exiftool"
        dated = read_metadata(corpus_dir / "jpg" / "Canon_40D.jpg", exiftool=second_pass)
        assert dated.reader == "exiv2" and second_pass.used == 1  # not asked about this one
    finally:
        second_pass.close()


def test_without_exiftool_nothing_is_said_per_photo(corpus_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no exiftool on this PATH
    assert find_exiftool() is None and "exiftool not found" in exiftool_status()
    second_pass = ExiftoolPass()
    assert not second_pass.available
    meta = read_metadata(corpus_dir / "jpg" / "Reconyx_HC500_Hyperfire.jpg",
                         exiftool=second_pass, mtime_ns=0)  # fmt: skip
    assert meta.taken_at_source == "mtime" and meta.reader == "exiv2"
    assert not any("exiftool" in w for w in meta.warnings)
    assert second_pass.missed == 1


def test_the_run_summary_names_a_missing_exiftool_once(corpus_dir, tmp_path, monkeypatch, capsys):
    from imgengine_gui.cli.main import main

    folder = tmp_path / "old cameras"
    folder.mkdir()
    for name in ("Reconyx_HC500_Hyperfire.jpg", "PaintTool_sample.jpg", "Canon_40D.jpg"):
        shutil.copy(corpus_dir / "jpg" / name, folder / name)
    catalog = tmp_path / "catalog.sqlite"
    monkeypatch.setenv("PATH", str(tmp_path))
    code = main(["analyze", str(folder), "--catalog", str(catalog), "--phases", "metadata"])
    err = capsys.readouterr().err
    assert code == 0
    assert err.count("exiftool not found") == 1
    assert "2 photos without a date or camera had no exiftool pass" in err


def test_the_models_report_names_the_metadata_readers(tmp_path, monkeypatch):
    from imgengine_gui.analysis.metadata_exiftool import metadata_report

    monkeypatch.setenv("PATH", str(tmp_path))
    report = metadata_report()  # `imgengine models` prints it, and --json has it as "metadata"
    assert report["serving"].startswith("exiv2 0.") and report["present"] is False
    assert "exiftool not found" in report["second_pass"]
    assert "libimage-exiftool-perl" in report["second_pass"]
