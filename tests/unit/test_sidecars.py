"""Writing what the user sets: catalog + XMP sidecar, read back with exiv2's own parser; the
sidecar's other content kept; the photo file never opened for writing."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import exiv2
import pytest
from PIL import Image

from imgengine_gui.analysis.metadata_exiftool import find_exiftool
from imgengine_gui.catalog import queries
from imgengine_gui.catalog.db import connect
from imgengine_gui.engine import annotations, sidecars
from imgengine_gui.engine.pipeline import AnalyzeRequest, analyze_folder
from imgengine_gui.settings import Settings

DARKTABLE_SIDECAR = """<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:darktable="http://darktable.sf.net/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:acme="http://example.com/acme/1.0/"
   xmp:Rating="1" darktable:history_end="2" acme:secret="keep me">
   <darktable:history><rdf:Seq>
     <rdf:li darktable:operation="exposure" darktable:params="0000bd375d3f" darktable:num="0"/>
     <rdf:li darktable:operation="crop" darktable:params="cdcc4c3e" darktable:num="1"/>
   </rdf:Seq></darktable:history>
   <dc:subject><rdf:Bag><rdf:li>holiday</rdf:li></rdf:Bag></dc:subject>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Sunset</rdf:li>
     <rdf:li xml:lang="de-DE">Sonnenuntergang</rdf:li></rdf:Alt></dc:title>
   <acme:nested rdf:parseType="Resource"><acme:depth>3</acme:depth></acme:nested>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"""


def exiv2_read(path: Path) -> dict[str, str]:
    """Every property of an XMP file, as exiv2 itself parses it."""
    image = exiv2.ImageFactory.open(str(path))
    image.readMetadata()
    return {datum.key(): datum.toString() for datum in image.xmpData()}


def digest_tree(root: Path) -> dict[str, str]:
    return {
        os.path.relpath(p, root): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def library(tmp_path):
    """Two photos, analyzed (metadata), with an open catalog connection."""
    root = tmp_path / "photos"
    root.mkdir()
    for name, colour in (("a.jpg", "red"), ("b.jpg", "blue")):
        Image.new("RGB", (64, 40), colour).save(root / name)
    catalog = tmp_path / "catalog.sqlite"
    analyze_folder(AnalyzeRequest(root, catalog, Settings(), ("metadata",)))
    conn = connect(catalog)
    ids = {Path(p).name: i for i, p in conn.execute("SELECT id, path FROM photos")}
    yield root, catalog, conn, ids
    conn.close()


def test_a_rating_lands_in_a_sidecar_exiv2_reads_and_the_photos_are_untouched(library):
    root, catalog, conn, ids = library
    photos_before = digest_tree(root)
    report = annotations.set_rating(conn, [ids["a.jpg"]], 4, Settings())
    assert report.failed == [] and report.sidecars == [str(root / "a.jpg.xmp")]
    assert exiv2_read(root / "a.jpg.xmp")["Xmp.xmp.Rating"] == "4"
    after = digest_tree(root)
    assert {k: v for k, v in after.items() if not k.endswith(".xmp")} == photos_before
    assert sorted(after) == ["a.jpg", "a.jpg.xmp", "b.jpg"]  # no temporary file left
    [photo] = [p for p in queries.list_photos(conn) if p["path"].endswith("a.jpg")]
    assert (photo["rating"], photo["sidecar"]) == (4, str(root / "a.jpg.xmp"))
    # the next metadata read of the photo (here: it changed) reads the rating from the sidecar
    os.utime(root / "a.jpg", ns=(10**18, 10**18))
    analyze_folder(AnalyzeRequest(root, catalog, Settings(), ("metadata",)))
    row = conn.execute("SELECT rating, sidecar FROM metadata WHERE photo_id = ?", (ids["a.jpg"],))
    assert tuple(row.fetchone()) == (4, str(root / "a.jpg.xmp"))


@pytest.mark.skipif(find_exiftool() is None, reason="exiftool is not installed")
def test_exiftool_reads_what_we_write(library):
    root, _, conn, ids = library
    annotations.set_rating(conn, [ids["a.jpg"]], 3, Settings())
    annotations.add_keywords(conn, [ids["a.jpg"]], ["beach", "Places|Spain|Cadiz"], Settings())
    annotations.name_person(conn, ids["a.jpg"], "Ada Lovelace", Settings(), box=(0.1, 0.2, 0.5, 0.8))
    out = subprocess.run(
        ["exiftool", "-j", "-n", "-XMP:all", str(root / "a.jpg.xmp")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    tags = json.loads(out)[0]
    assert tags["Rating"] == 3
    assert tags["Subject"] == ["beach", "Cadiz"]
    assert tags["HierarchicalSubject"] == "Places|Spain|Cadiz"
    assert tags["RegionName"] == "Ada Lovelace" and tags["RegionType"] == "Face"
    assert tags["RegionAreaX"] == pytest.approx(0.3) and tags["RegionAreaW"] == pytest.approx(0.4)
    assert tags["RegionAppliedToDimensionsW"] == 64
    assert tags["PersonInImage"] == "Ada Lovelace"


def test_merge_keeps_every_unknown_tag_and_backs_up_the_old_sidecar(library, monkeypatch):
    root, _, conn, ids = library
    sidecar = root / "b.jpg.xmp"
    sidecar.write_text(DARKTABLE_SIDECAR, encoding="utf-8")
    before = exiv2_read(sidecar)
    assert before["Xmp.darktable.history[2]/darktable:operation"] == "crop"
    annotations.set_rating(conn, [ids["b.jpg"]], 5, Settings())
    annotations.set_flag(conn, [ids["b.jpg"]], "pick", Settings())
    annotations.add_keywords(conn, [ids["b.jpg"]], ["beach"], Settings())
    after = exiv2_read(sidecar)
    changed = {k for k in before if before[k] != after.get(k)}
    assert changed == {"Xmp.xmp.Rating", "Xmp.dc.subject"}
    assert (after["Xmp.xmp.Rating"], after["Xmp.digiKam.PickLabel"]) == ("5", "3")
    assert after["Xmp.dc.subject"] == "holiday, beach"
    assert after["Xmp.acme.secret"] == "keep me"
    assert after["Xmp.dc.title"] == before["Xmp.dc.title"]  # both languages
    backups = annotations.backup_folder()
    index = [json.loads(line) for line in (backups / "index.jsonl").read_text().splitlines()]
    assert [entry["original"] for entry in index] == [str(sidecar)]  # ours are not backed up
    assert (backups / index[0]["backup"]).read_text(encoding="utf-8") == DARKTABLE_SIDECAR
    assert sidecars.restore_latest_backup(sidecar, backups)
    assert sidecar.read_text(encoding="utf-8") == DARKTABLE_SIDECAR


def test_removing_a_keyword_and_clearing_a_flag(library):
    root, _, conn, ids = library
    photo = [ids["a.jpg"]]
    annotations.add_keywords(conn, photo, ["beach", "sea", "Places|Spain|Cadiz"], Settings())
    annotations.set_flag(conn, photo, "reject", Settings())
    annotations.remove_keywords(conn, photo, ["sea", "Places|Spain|Cadiz"], Settings())
    annotations.set_flag(conn, photo, None, Settings())
    after = exiv2_read(root / "a.jpg.xmp")
    assert after["Xmp.dc.subject"] == "beach"
    assert "Xmp.lr.hierarchicalSubject" not in after and "Xmp.digiKam.PickLabel" not in after
    keywords = [r[0] for r in conn.execute("SELECT keyword FROM photo_keywords")]
    assert keywords == ["beach"]


def test_taking_away_the_last_property_leaves_a_sidecar_that_takes_the_next_change(library):
    root, _, conn, ids = library
    photo = [ids["a.jpg"]]
    annotations.set_rating(conn, photo, 3, Settings())
    annotations.add_keywords(conn, photo, ["beach"], Settings())
    annotations.set_rating(conn, photo, None, Settings())
    report = annotations.remove_keywords(conn, photo, ["beach"], Settings())
    assert report.failed == [] and exiv2_read(root / "a.jpg.xmp") == {}
    report = annotations.add_keywords(conn, photo, ["sea"], Settings())
    assert report.failed == [] and exiv2_read(root / "a.jpg.xmp") == {"Xmp.dc.subject": "sea"}


@pytest.mark.parametrize("mode", ["read-only", "off"])
def test_other_settings_keep_the_catalog_only(library, mode):
    root, _, conn, ids = library
    report = annotations.set_rating(conn, [ids["a.jpg"]], 2, Settings(sidecars=mode))
    assert report.sidecars == [] and mode in report.note
    assert sorted(p.name for p in root.iterdir()) == ["a.jpg", "b.jpg"]
    assert conn.execute("SELECT rating FROM annotations").fetchone()[0] == 2


def test_an_unparsable_sidecar_is_left_alone(library):
    root, _, conn, ids = library
    sidecar = root / "a.jpg.xmp"
    sidecar.write_text("<x:xmpmeta><rdf:RDF><not closed", encoding="utf-8")
    report = annotations.set_rating(conn, [ids["a.jpg"]], 3, Settings())
    assert report.sidecars == [] and "not readable XMP" in report.failed[0][1]
    assert sidecar.read_text(encoding="utf-8") == "<x:xmpmeta><rdf:RDF><not closed"
    assert conn.execute("SELECT rating FROM annotations").fetchone()[0] == 3  # still kept


def test_a_failed_check_leaves_the_old_sidecar_and_no_temporary_file(library, monkeypatch):
    root, _, conn, ids = library
    sidecar = root / "b.jpg.xmp"
    sidecar.write_text(DARKTABLE_SIDECAR, encoding="utf-8")

    def broken(temporary, change):
        raise sidecars.SidecarError("simulated: the written file did not read back")

    monkeypatch.setattr(sidecars, "_verify", broken)
    report = annotations.set_rating(conn, [ids["b.jpg"]], 5, Settings())
    assert "simulated" in report.failed[0][1]
    assert sidecar.read_text(encoding="utf-8") == DARKTABLE_SIDECAR
    assert sorted(p.name for p in root.iterdir()) == ["a.jpg", "b.jpg", "b.jpg.xmp"]


def test_a_folder_we_may_not_write_is_reported(library, monkeypatch):
    root, _, conn, ids = library

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(sidecars.tempfile, "mkstemp", refuse)  # a read-only share, as root too
    report = annotations.set_rating(conn, [ids["a.jpg"]], 3, Settings())
    assert report.failed == [(str(root / "a.jpg"), f"cannot write in {root}: Permission denied")]


def test_cli_rate_flag_keyword(library, capsys):
    from imgengine_gui.cli.main import main

    root, catalog, conn, _ = library
    a, b = str(root / "a.jpg"), str(root / "b.jpg")
    assert main(["rate", a, b, "--stars", "4", "--catalog", str(catalog)]) == 0
    assert main(["flag", a, "--as", "reject", "--catalog", str(catalog)]) == 0
    assert main(["keyword", b, "--add", "sea", "--catalog", str(catalog)]) == 0
    assert main(["rate", str(root / "gone.jpg"), "--stars", "1", "--catalog", str(catalog)]) == 2
    assert "not in the catalog" in capsys.readouterr().err
    assert exiv2_read(root / "a.jpg.xmp")["Xmp.digiKam.PickLabel"] == "1"
    assert exiv2_read(root / "b.jpg.xmp")["Xmp.dc.subject"] == "sea"
    assert {exiv2_read(root / n)["Xmp.xmp.Rating"] for n in ("a.jpg.xmp", "b.jpg.xmp")} == {"4"}


def test_raw_and_jpeg_share_a_lightroom_sidecar(tmp_path):
    """Lightroom's IMG_1.xmp is read for the RAW; a new one from us is IMG_1.CR2.xmp-style."""
    root = tmp_path / "card"
    root.mkdir()
    Image.new("RGB", (64, 40)).save(root / "IMG_1.jpg")
    shutil.copy(root / "IMG_1.jpg", root / "IMG_2.jpg")
    (root / "IMG_1.xmp").write_text(DARKTABLE_SIDECAR, encoding="utf-8")
    target = sidecars.update_sidecar(root / "IMG_1.jpg", sidecars.SidecarChange(rating=2),
                                     backups=tmp_path / "backups")  # fmt: skip
    assert target == root / "IMG_1.xmp"
    target = sidecars.update_sidecar(root / "IMG_2.jpg", sidecars.SidecarChange(rating=2),
                                     backups=tmp_path / "backups")  # fmt: skip
    assert target == root / "IMG_2.jpg.xmp"
