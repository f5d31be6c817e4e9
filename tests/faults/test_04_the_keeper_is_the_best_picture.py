"""4. The suggested keeper is the best picture, never the biggest file: padding and junk count
for nothing, image quality comes before file size."""

from __future__ import annotations

import io
import json
import os

from faultlib import picture

from imgengine_gui.analysis.best_copy import Candidate, choose_keeper


def _jpeg(quality: int, seed: int = 0) -> bytes:
    buffer = io.BytesIO()
    picture(seed, (640, 480)).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _with_comments(data: bytes, total: int) -> bytes:
    """The same JPEG with ``total`` bytes of junk COM segments after SOI."""
    chunk = 65_000
    segments = []
    while total > 0:
        size = min(chunk, total)
        segments.append(b"\xff\xfe" + (size + 2).to_bytes(2, "big") + b"J" * size)
        total -= size
    return data[:2] + b"".join(segments) + data[2:]


def _keepers(cli, root, catalog) -> dict[str, str]:
    code, _, err = cli("analyze", root, "--catalog", catalog, "--phases", "metadata,content")
    assert code == 0, err
    code, out, _ = cli("duplicates", "--catalog", catalog, "--json")
    return {
        os.path.basename(f["path"]): f["reason"]
        for c in json.loads(out)["clusters"]
        for f in c["files"]
        if f["keep"]
    }


def test_junk_segments_and_padding_never_win(tmp_path, cli):
    """Fault: copies of a photo with 9.8 MB of junk COM segments, and zero-padded to 64 MB.
    Does: the original is kept; the copies are marked padded, never preferred."""
    root = tmp_path / "photos"
    root.mkdir()
    original = _jpeg(90)
    (root / "original.jpg").write_bytes(original)
    (root / "junk.jpg").write_bytes(_with_comments(original, 9_800_000))
    with open(root / "padded.jpg", "wb") as handle:
        handle.write(original)
        handle.truncate(64 << 20)  # sparse zeros after the end of the image
    catalog = tmp_path / "catalog.sqlite"
    keepers = _keepers(cli, root, catalog)
    assert list(keepers) == ["original.jpg"], keepers
    code, out, _ = cli("duplicates", "--catalog", catalog, "--json")
    reasons = {os.path.basename(f["path"]): f["reason"] for f in json.loads(out)["clusters"][0]["files"]}
    assert reasons["junk.jpg"].startswith("padded") and reasons["padded.jpg"].startswith("padded")


def test_higher_quality_beats_a_bigger_file(tmp_path, cli):
    """Fault: a quality-70 recompression, made bigger than the quality-95 original by metadata.
    Does: the quality-95 copy is kept ("best image quality"); file size only breaks ties."""
    root = tmp_path / "photos"
    root.mkdir()
    best = _jpeg(95)
    worse = _with_comments(_jpeg(70), len(best))  # bigger file, worse picture
    assert len(worse) > len(best)
    (root / "q95.jpg").write_bytes(best)
    (root / "q70_bigger.jpg").write_bytes(worse)
    keepers = _keepers(cli, root, tmp_path / "catalog.sqlite")
    assert list(keepers) == ["q95.jpg"], keepers
    assert "quality" in keepers["q95.jpg"]


def test_a_2_gb_padded_copy_is_measured_from_its_headers_and_loses(tmp_path):
    """Fault: a copy zero-padded to 2 GB (sparse).
    Does: only the image data is measured (the padding is never read); the copy is suspect and
    the original is kept."""
    from imgengine_gui.analysis.image_data import measure_image_data

    original = _jpeg(90)
    (tmp_path / "original.jpg").write_bytes(original)
    with open(tmp_path / "padded.jpg", "wb") as handle:
        handle.write(original)
        handle.truncate(2 << 30)
    measured = {name: measure_image_data(tmp_path / name) for name in ("original.jpg", "padded.jpg")}
    assert measured["padded.jpg"] == measured["original.jpg"]
    assert 85 <= measured["original.jpg"].quality <= 95
    candidates = [
        Candidate(photo_id=pid, path=str(tmp_path / name), width=640, height=480,
                  size_bytes=os.path.getsize(tmp_path / name), format="JPEG", taken_at=None,
                  has_gps=False, sharpness=10.0, mtime_ns=pid,
                  image_bytes=measured[name].image_bytes, quality=measured[name].quality)
        for pid, name in ((1, "padded.jpg"), (2, "original.jpg"))
    ]  # fmt: skip
    keeper, reasons = choose_keeper(candidates)
    assert keeper == 2 and reasons[1].startswith("padded")


def test_image_data_is_measured_in_every_jpeg_layout_and_png(tmp_path):
    """Fault: progressive and restart-marker JPEGs, a truncated JPEG, a PNG with a junk chunk.
    Does: the image data is measured without the metadata and the junk in each layout."""
    import zlib

    from imgengine_gui.analysis.image_data import measure_image_data

    image = picture(3, (640, 480))
    sizes = {}
    for name, options in {"baseline": {}, "progressive": {"progressive": True},
                          "restarts": {"restart_marker_blocks": 4}}.items():  # fmt: skip
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=80, **options)
        data = buffer.getvalue()
        (tmp_path / f"{name}.jpg").write_bytes(_with_comments(data, 300_000))
        measured = measure_image_data(tmp_path / f"{name}.jpg")
        sizes[name] = (measured.image_bytes, len(data))
        assert len(data) - 1_000 < measured.image_bytes <= len(data), name  # minus JFIF only
        assert 75 <= measured.quality <= 85, name
    (tmp_path / "cut.jpg").write_bytes(_with_comments(_jpeg(80), 1000)[:-5000])
    assert measure_image_data(tmp_path / "cut.jpg").image_bytes > 10_000  # truncated: no crash

    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    png = buffer.getvalue()
    junk = b"x" * 500_000
    chunk = len(junk).to_bytes(4, "big") + b"zJNK" + junk + zlib.crc32(b"zJNK" + junk).to_bytes(4, "big")
    (tmp_path / "junk.png").write_bytes(png[:33] + chunk + png[33:])
    assert measure_image_data(tmp_path / "junk.png").image_bytes <= len(png)
