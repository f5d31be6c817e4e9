"""Writing XMP sidecars: what the user sets goes next to the photo, never into it.

The sidecar read for a photo (``photo.jpg.xmp`` or ``photo.xmp``) is updated in place of its
properties only: everything else in it (darktable history, Lightroom develop settings, unknown
namespaces) is kept, because exiv2 parses the whole packet and serialises it back. A new sidecar
is ``photo.jpg.xmp`` (darktable/digiKam naming). Each write:

1. parses the existing sidecar (one that exiv2 cannot parse is left alone: an error);
2. applies the change and serialises with exiv2's XMP toolkit;
3. writes a temporary file in the same folder, fsyncs it, parses it back and checks the change
   is there;
4. copies the previous sidecar to the backup folder (with an index line), then renames the
   temporary file over the sidecar (atomic) and fsyncs the folder.

Rating ``xmp:Rating`` (-1..5), flag ``digiKam:PickLabel`` (3 pick, 1 reject), colour label
``xmp:Label``, keywords ``dc:subject`` (+ ``lr:hierarchicalSubject`` and ``digiKam:TagsList``
for "A|B" paths), people as MWG face regions plus ``Iptc4xmpExt:PersonInImage``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imgengine_gui.analysis.metadata_exiv2 import EXIV2_LOCK, Exiv2Unreadable, open_image
from imgengine_gui.analysis.metadata_sidecar import find_sidecar
from imgengine_gui.analysis.metadata_xmp import XmpFields, read_xmp_fields

_UNSET: Any = object()
_PICK_LABELS = {"pick": "3", "reject": "1"}
_XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'
# What a sidecar holds once its last property is removed (exiv2 serialises nothing for it)
_EMPTY_PACKET = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
    '  <rdf:Description rdf:about=""/>\n'
    " </rdf:RDF>\n"
    "</x:xmpmeta>\n"
)
_write_lock = threading.Lock()


class SidecarError(Exception):
    """The sidecar could not be written; the message says why, in one line."""


@dataclass(frozen=True)
class NamedRegion:
    name: str
    box: tuple[float, float, float, float] | None  # x0, y0, x1, y1 in 0..1 of the displayed image
    image_size: tuple[int, int] | None  # displayed width, height (MWG AppliedToDimensions)


@dataclass(frozen=True)
class SidecarChange:
    rating: Any = _UNSET  # int -1..5, or None to remove
    flag: Any = _UNSET  # "pick" | "reject" | None
    label: Any = _UNSET  # str | None
    add_keywords: tuple[str, ...] = ()
    remove_keywords: tuple[str, ...] = ()
    add_people: tuple[NamedRegion, ...] = field(default_factory=tuple)


def update_sidecar(photo: Path, change: SidecarChange, *, backups: Path) -> Path:
    """Apply ``change`` to ``photo``'s sidecar (created when there is none); returns its path."""
    photo = Path(photo)
    with _write_lock:
        existing = find_sidecar(photo)
        target = existing or photo.with_name(photo.name + ".xmp")
        xmp, original = _current(existing)
        with EXIV2_LOCK:
            _apply(xmp, change)
            text = _XML_HEADER + _encode(xmp)
        if original is not None and text.encode("utf-8") == original:
            return target
        temporary = _write_temporary(target, text, existing)
        try:
            _verify(temporary, change)
            if existing is not None and original is not None:
                _back_up(existing, original, backups)
            os.replace(temporary, target)
            _remember_written(backups, target, text.encode("utf-8"))
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise SidecarError(f"cannot replace {target.name}: {exc.strerror or exc}") from None
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        _sync_folder(target.parent)
    return target


def _current(existing: Path | None) -> tuple[Any, bytes | None]:
    import exiv2

    if existing is None:
        return exiv2.XmpData(), None
    try:
        original = existing.read_bytes()
    except OSError as exc:
        raise SidecarError(f"cannot read {existing.name}: {exc.strerror or exc}") from None
    if not original.strip() or original == (_XML_HEADER + _EMPTY_PACKET).encode("utf-8"):
        return exiv2.XmpData(), original
    warnings: list[str] = []
    try:
        image = open_image(os.fspath(existing), warnings)
    except Exiv2Unreadable as exc:
        raise SidecarError(f"{existing.name} is not readable XMP, left unchanged ({exc})") from None
    if image.xmpData().empty() or any(w.startswith("unreadable XMP") for w in warnings):
        raise SidecarError(f"{existing.name} is not readable XMP, left unchanged")
    return image.xmpData(), original


def _apply(xmp: Any, change: SidecarChange) -> None:
    if change.rating is not _UNSET:
        _set(xmp, "Xmp.xmp.Rating", None if change.rating is None else str(int(change.rating)))
    if change.flag is not _UNSET:
        _set(xmp, "Xmp.digiKam.PickLabel", _PICK_LABELS.get(change.flag) if change.flag else None)
    if change.label is not _UNSET:
        _set(xmp, "Xmp.xmp.Label", change.label or None)
    if change.add_keywords or change.remove_keywords:
        _keywords(xmp, change.add_keywords, change.remove_keywords)
    for person in change.add_people:
        _add_person(xmp, person)


def _find(xmp: Any, key: str) -> Any:
    import exiv2

    found = xmp.findKey(exiv2.XmpKey(key))
    return None if found == xmp.end() else found


def _set(xmp: Any, key: str, value: str | None) -> None:
    found = _find(xmp, key)
    if found is not None:
        xmp.erase(found)
    if value is not None:
        xmp[key] = value


def _items(xmp: Any, key: str) -> list[str]:
    found = _find(xmp, key)
    if found is None:
        return []
    if found.typeName() in ("XmpBag", "XmpSeq", "XmpAlt"):
        return [found.toString(i) for i in range(found.count())]
    return [found.toString()] if found.toString() else []


def _set_bag(xmp: Any, key: str, items: list[str]) -> None:
    import exiv2

    found = _find(xmp, key)
    if found is not None:
        xmp.erase(found)
    if items:
        bag = exiv2.XmpArrayValue(exiv2.TypeId.xmpBag)
        for item in dict.fromkeys(items):
            bag.read(item)
        xmp.add(exiv2.XmpKey(key), bag)


def _keywords(xmp: Any, add: tuple[str, ...], remove: tuple[str, ...]) -> None:
    """Flat keywords go to dc:subject; a path "A|B" to lr:hierarchicalSubject, digiKam's
    TagsList ("A/B") and its leaf "B" to dc:subject, as Lightroom and digiKam write them."""
    subject = _items(xmp, "Xmp.dc.subject")
    paths = _items(xmp, "Xmp.lr.hierarchicalSubject")
    tags = _items(xmp, "Xmp.digiKam.TagsList")
    for keyword in remove:
        gone = {keyword, keyword.rsplit("|", 1)[-1]}
        subject = [s for s in subject if s not in gone]
        paths = [p for p in paths if p != keyword]
        tags = [t for t in tags if t != keyword.replace("|", "/")]
    for keyword in add:
        if "|" in keyword:
            paths.append(keyword)
            tags.append(keyword.replace("|", "/"))
        subject.append(keyword.rsplit("|", 1)[-1])
    _set_bag(xmp, "Xmp.dc.subject", subject)
    _set_bag(xmp, "Xmp.lr.hierarchicalSubject", paths)
    _set_bag(xmp, "Xmp.digiKam.TagsList", tags)


def _add_person(xmp: Any, person: NamedRegion) -> None:
    import exiv2

    people = _items(xmp, "Xmp.iptcExt.PersonInImage")
    _set_bag(xmp, "Xmp.iptcExt.PersonInImage", [*people, person.name])
    if person.box is None:
        return
    root = "Xmp.mwg-rs.Regions"
    if _find(xmp, root) is None:
        xmp.add(exiv2.XmpKey(root), _struct())
    if person.image_size and _find(xmp, f"{root}/mwg-rs:AppliedToDimensions") is None:
        xmp.add(exiv2.XmpKey(f"{root}/mwg-rs:AppliedToDimensions"), _struct())
        width, height = person.image_size
        for name, value in (("w", str(width)), ("h", str(height)), ("unit", "pixel")):
            xmp[f"{root}/mwg-rs:AppliedToDimensions/stDim:{name}"] = value
    regions = f"{root}/mwg-rs:RegionList"
    if _find(xmp, regions) is None:
        bag = exiv2.XmpTextValue()
        bag.setXmpArrayType(exiv2.XmpValue.XmpArrayType.xaBag)
        xmp.add(exiv2.XmpKey(regions), bag)
    index = 1 + sum(1 for d in xmp if d.key().startswith(regions + "[") and d.key().endswith("]"))
    item = f"{regions}[{index}]"
    xmp.add(exiv2.XmpKey(item), _struct())
    xmp[f"{item}/mwg-rs:Name"] = person.name
    xmp[f"{item}/mwg-rs:Type"] = "Face"
    xmp.add(exiv2.XmpKey(f"{item}/mwg-rs:Area"), _struct())
    x0, y0, x1, y1 = person.box
    area = {"x": (x0 + x1) / 2, "y": (y0 + y1) / 2, "w": x1 - x0, "h": y1 - y0}
    for name, value in area.items():
        xmp[f"{item}/mwg-rs:Area/stArea:{name}"] = f"{value:.6f}"
    xmp[f"{item}/mwg-rs:Area/stArea:unit"] = "normalized"


def _struct() -> Any:
    import exiv2

    value = exiv2.XmpTextValue()
    value.setXmpStruct()
    return value


def _encode(xmp: Any) -> str:
    import exiv2

    if xmp.empty():
        return _EMPTY_PACKET
    flags = exiv2.XmpParser.XmpFormatFlags
    status, text = exiv2.XmpParser.encode(xmp, flags.omitPacketWrapper | flags.useCompactFormat)
    if status != 0 or not text:
        raise SidecarError(f"the XMP toolkit could not serialise the sidecar (code {status})")
    return text


def _write_temporary(target: Path, text: str, existing: Path | None) -> Path:
    try:
        descriptor, name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise SidecarError(f"cannot write in {target.parent}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, _mode(existing))
    except OSError as exc:
        Path(name).unlink(missing_ok=True)
        raise SidecarError(f"cannot write {target.name}: {exc.strerror or exc}") from None
    return Path(name)


def _mode(existing: Path | None) -> int:
    """The permissions of the sidecar replaced, else those organizers give a new one."""
    return existing.stat().st_mode & 0o777 if existing is not None else 0o644


def _verify(temporary: Path, change: SidecarChange) -> None:
    """Parse what was written with exiv2 and check the change is in it."""
    warnings: list[str] = []
    try:
        fields = read_xmp_fields(open_image(os.fspath(temporary), warnings).xmpData())
    except Exiv2Unreadable as exc:
        raise SidecarError(f"the sidecar written does not parse ({exc}); not used") from None
    problems = [w for w in warnings if w.startswith("unreadable XMP")] + _mismatches(fields, change)
    if problems:
        raise SidecarError(f"the sidecar written does not read back ({problems[0]}); not used")


def _mismatches(fields: XmpFields, change: SidecarChange) -> list[str]:
    problems = []
    if change.rating is not _UNSET and fields.rating != change.rating:
        problems.append(f"rating {fields.rating} instead of {change.rating}")
    if change.flag not in (_UNSET, None) and fields.flag != change.flag:
        problems.append(f"flag {fields.flag} instead of {change.flag}")
    missing = [k for k in change.add_keywords if k.rsplit("|", 1)[-1] not in fields.keywords
               and k not in fields.keywords]  # fmt: skip
    if missing:
        problems.append(f"keywords {missing} missing")
    return problems


def _back_up(existing: Path, original: bytes, backups: Path) -> None:
    """Keep the previous version of a sidecar we change (the index says where it came from),
    unless that version is the one we wrote last: it holds nothing the catalog lacks."""
    if _written_marker(backups, existing).is_file() and (
        _written_marker(backups, existing).read_text() == hashlib.sha1(original).hexdigest()
    ):
        return
    try:
        backups.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S")
        digest = hashlib.sha1(os.fsencode(existing)).hexdigest()[:10]
        copy = backups / f"{stamp}-{digest}-{existing.name}"
        copy.write_bytes(original)
        with (backups / "index.jsonl").open("a", encoding="utf-8") as index:
            line = {"original": os.fspath(existing), "backup": copy.name, "time": time.time()}
            index.write(json.dumps(line, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise SidecarError(f"cannot keep a backup of {existing.name}: {exc}; not changed") from None


def _written_marker(backups: Path, sidecar: Path) -> Path:
    return backups / "written" / hashlib.sha1(os.fsencode(sidecar)).hexdigest()


def _remember_written(backups: Path, sidecar: Path, content: bytes) -> None:
    marker = _written_marker(backups, sidecar)
    with contextlib.suppress(OSError):  # without it the next change just keeps one more backup
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(hashlib.sha1(content).hexdigest())


def _sync_folder(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(descriptor)
    finally:
        os.close(descriptor)


def restore_latest_backup(sidecar: Path, backups: Path) -> bool:
    """Put back the newest backup of ``sidecar`` (for users undoing by hand, and tests)."""
    index = backups / "index.jsonl"
    if not index.is_file():
        return False
    lines = [json.loads(line) for line in index.read_text(encoding="utf-8").splitlines() if line]
    mine = [line for line in lines if line["original"] == os.fspath(sidecar)]
    if not mine:
        return False
    shutil.copyfile(backups / mine[-1]["backup"], sidecar)
    return True
