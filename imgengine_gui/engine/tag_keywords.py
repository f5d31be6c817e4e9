"""Personal tags as keywords in XMP sidecars, where Lightroom, digiKam and darktable read them.

The photos the user confirmed for a tag (its examples: taught, accepted, or a manual tag's
photos) carry the tag's name as a keyword, kept in the catalog and written to their sidecars
under the ``sidecars`` setting, like a keyword typed on the photo. The photos a tag only learned
are not written: they change with every answer, and a wrong keyword in a file outlives the app.
"""

from __future__ import annotations

from collections.abc import Iterable

from imgengine_gui.catalog import Connection
from imgengine_gui.catalog import annotations as store
from imgengine_gui.catalog import personal_tags as tags_store
from imgengine_gui.engine.annotations import AnnotationReport, add_keywords, remove_keywords
from imgengine_gui.settings import Settings


def keyword_for(tag_name: str) -> str:
    """What the user typed: a name namespaced away from a built-in scene loses its suffix."""
    return tag_name.removesuffix(tags_store.NAMESPACE_SUFFIX)


def sync_keyword(
    conn: Connection,
    keyword: str,
    settings: Settings,
    *,
    add: Iterable[int] = (),
    remove: Iterable[int] = (),
) -> AnnotationReport:
    """Give ``add`` the keyword and take it from ``remove`` (photos the tag no longer confirms).
    A photo that carries the keyword for another reason (typed on it) is only ever touched when
    the tag itself lets go of it."""
    add_ids = set(add)
    have = store.photos_with_user_keyword(conn, keyword)
    report = AnnotationReport()
    for ids, change in ((add_ids - have, add_keywords), (set(remove) - add_ids, remove_keywords)):
        if ids:
            part = change(conn, sorted(ids), [keyword], settings)
            report.photos += part.photos
            report.sidecars += part.sidecars
            report.failed += part.failed
            report.note = report.note or part.note
    return report


def confirmed_photos(conn: Connection, tag_id: int) -> list[int]:
    return [pid for pid, positive in tags_store.decisions(conn, tag_id).items() if positive]
