"""Plain-text formatting of photo fields for display (no Qt)."""

from __future__ import annotations

import html
import os
from collections import Counter
from typing import Any


def file_size(size: int | None) -> str:
    if size is None:
        return "?"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """'1 group', '3 groups', '1 extra copy', '2 extra copies'."""
    return f"{count:,} {singular if count == 1 else plural or singular + 's'}"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def resolution(width: int | None, height: int | None) -> str:
    return f"{width} × {height}" if width and height else "?"


def displayed_size(photo: dict[str, Any]) -> str:
    """Width × height as the photo is shown (after its EXIF orientation), when known."""
    width, height = photo.get("display_width"), photo.get("display_height")
    if width and height:
        return resolution(width, height)
    return resolution(photo.get("width"), photo.get("height"))


def dimensions(photo: dict[str, Any]) -> str:
    """The size as displayed; the stored one too when the orientation turns it."""
    width, height = photo.get("display_width"), photo.get("display_height")
    if not width or not height:
        return resolution(photo.get("width"), photo.get("height"))
    text = resolution(width, height)
    if (width, height) != (photo.get("width"), photo.get("height")):
        text += f"  (stored {resolution(photo.get('width'), photo.get('height'))}, turned)"
    return text


def annotation_rows(photo: dict[str, Any]) -> list[tuple[str, str]]:
    """Rating, flag, label, keywords, names, the RAW+JPEG partner and the XMP sidecar."""
    rows = []
    rating = photo.get("rating")
    if rating is not None:
        rows.append(("Rating", "rejected" if rating < 0 else "★" * rating + "☆" * (5 - rating)))
    if photo.get("flag"):
        rows.append(("Flag", str(photo["flag"])))
    if photo.get("label"):
        rows.append(("Label", str(photo["label"])))
    if photo.get("keywords"):
        rows.append(("Keywords", ", ".join(k.replace("|", " › ") for k in photo["keywords"])))
    if photo.get("named_people"):
        rows.append(("Named", ", ".join(photo["named_people"])))
    if photo.get("paired_with"):
        rows.append(("Pair", breakable(", ".join(os.path.basename(p) for p in photo["paired_with"]))))
    if photo.get("sidecar"):
        rows.append(("Sidecar", breakable(os.path.basename(photo["sidecar"]))))
    return rows


def taken(photo: dict[str, Any]) -> str:
    when = photo.get("taken_at")
    if not when:
        return "unknown"
    text = str(when).replace("T", " ")
    if photo.get("taken_at_source") == "mtime":
        text += "  (file date: no capture date in the photo)"
    return text


def camera(photo: dict[str, Any]) -> str:
    make, model = photo.get("camera_make") or "", photo.get("camera_model") or ""
    if model.lower().startswith(make.lower()):
        make = ""
    return " ".join(part for part in (make, model) if part) or "unknown"


def exposure(photo: dict[str, Any]) -> str:
    parts = []
    if photo.get("f_number"):
        parts.append(f"f/{photo['f_number']:g}")
    if photo.get("exposure_time"):
        value = photo["exposure_time"]
        parts.append(f"1/{round(1 / value)} s" if 0 < value < 1 else f"{value:g} s")
    if photo.get("iso"):
        parts.append(f"ISO {photo['iso']}")
    if photo.get("focal_length"):
        parts.append(f"{round(photo['focal_length'], 1):g} mm")
    return " · ".join(parts) or "unknown"


def location(photo: dict[str, Any]) -> str:
    lat, lon = photo.get("gps_lat"), photo.get("gps_lon")
    if lat is None or lon is None:
        return "none"
    text = f"{lat:.5f}, {lon:.5f}"
    if photo.get("gps_alt") is not None:
        text += f"  ({photo['gps_alt']:.0f} m)"
    return text


NOT_ANALYZED = "not analyzed yet"


def tag_list(items: list[dict[str, Any]] | None, *, with_scores: bool = True) -> str:
    if items is None:
        return NOT_ANALYZED
    if not items:
        return "none"
    if with_scores:
        return ", ".join(f"{item['label']} {item['score'] * 100:.0f}%" for item in items[:8])
    counts = Counter(item["label"] for item in items)
    return ", ".join(f"{label} ×{n}" if n > 1 else label for label, n in counts.most_common())


def breakable(text: str) -> str:
    """Long names and paths may wrap after separators (zero-width spaces, display only)."""
    for mark in ("/", "\\", "_", "-", "."):
        text = text.replace(mark, mark + "\u200b")
    return text


def photo_fields(photo: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) rows describing a photo (the ``list_photos`` dict)."""
    # scanned but not read yet (an analysis in progress, or a phase not run): no format or size
    unread = not (photo.get("format") or photo.get("width") or photo.get("error"))
    rows = [
        ("File", breakable(os.path.basename(photo["path"]))),
        ("Folder", breakable(os.path.dirname(photo["path"]))),
        ("Size", f"{file_size(photo.get('size_bytes'))} · "
                 f"{NOT_ANALYZED if unread else photo.get('format') or '?'}"),
        ("Dimensions", NOT_ANALYZED if unread else dimensions(photo)),
        ("Taken", taken(photo)),
        ("Camera", camera(photo)),
    ]
    if photo.get("lens"):
        rows.append(("Lens", photo["lens"]))
    rows += [
        ("Exposure", exposure(photo)),
        ("Location", location(photo)),
        ("Scenes", tag_list(photo.get("scenes"))),
        ("Objects", tag_list(photo.get("objects"), with_scores=False)),
    ]
    if photo.get("tags"):  # personal tags
        rows.append(("My tags", tag_list(photo["tags"])))
    faces = photo.get("faces")
    rows.append(("Faces", NOT_ANALYZED if faces is None else str(len(faces))))
    if photo.get("people") is not None:
        rows.append(("People", str(photo["people"])))
    rows += annotation_rows(photo)
    if photo.get("sharpness") is not None:
        rows.append(("Sharpness", f"{photo['sharpness']:.1f}"))
    if photo.get("error"):
        rows.append(("Problem", photo["error"]))
    for warning in photo.get("warnings") or []:
        rows.append(("Note", warning))
    if unread:  # "unknown" would claim the photo has no date, camera or location
        read_later = ("Taken", "Camera", "Exposure", "Location")
        rows = [(name, NOT_ANALYZED if name in read_later else value) for name, value in rows]
    return rows


def tooltip(text: str) -> str:
    """Tooltip markup that shows ``text`` literally (paths, messages and camera strings come
    from files: Qt would otherwise guess rich text from a ``<b>`` in a file name)."""
    return f'<p style="white-space:pre-wrap">{html.escape(text)}</p>'
