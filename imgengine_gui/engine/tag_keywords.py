"""Personal tags as keywords in XMP sidecars, where Lightroom, digiKam and darktable read them.

The photos the user confirmed for a tag (its examples: taught, accepted, or a manual tag's
photos) carry the tag's name as a keyword, kept in the catalog (source 'tag') and written to
their sidecars under the ``sidecars`` setting. The tag only ever takes away a keyword it gave: one
a photo had already (typed in the app, or from its file) is left alone. The photos a tag only learned
are not written: they change with every answer, and a wrong keyword in a file outlives the app.
"""

from __future__ import annotations

from collections.abc import Iterable

from imgengine_gui.catalog import Connection
from imgengine_gui.catalog import annotations as store
from imgengine_gui.catalog import personal_tags as tags_store
from imgengine_gui.engine.annotations import AnnotationReport, write_keywords
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
    """Give ``add`` the keyword, unless a photo has it already (typed, or from its file: never
    the tag's to take away), and take it from the ``remove`` photos the tag itself gave it to."""
    add_ids, have = set(add), store.keyword_sources(conn, keyword)
    adding = sorted(p for p in add_ids if p not in have)
    taking = sorted(p for p in set(remove) - add_ids if "tag" in have.get(p, ()))
    store.add_tag_keyword(conn, adding, keyword)
    store.remove_tag_keyword(conn, taking, keyword)
    report = AnnotationReport()
    kept_by_user = [p for p in taking if "user" in have.get(p, ())]
    for ids, change in ((adding, {"add": [keyword]}),
                        ([p for p in taking if p not in kept_by_user], {"remove": [keyword]})):  # fmt: skip
        if ids:
            report.absorb(write_keywords(conn, ids, settings, **change))
    conn.commit()
    return report


def given(conn: Connection, keyword: str) -> list[int]:
    """The photos a tag gave ``keyword`` (and may take it from)."""
    return [p for p, sources in store.keyword_sources(conn, keyword).items() if "tag" in sources]


def rename_keyword(conn: Connection, old: str, new: str, settings: Settings) -> AnnotationReport:
    """The photos the tag gave ``old`` get ``new`` instead (both reports' failures kept)."""
    photos = given(conn, old)
    report = sync_keyword(conn, old, settings, remove=photos)
    return report.absorb(sync_keyword(conn, new, settings, add=photos))
