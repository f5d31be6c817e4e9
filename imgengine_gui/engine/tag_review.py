"""What the GUI shows of personal tags: a tag's review page and what the "Teach tag" dialog
needs to know before the user types (plain data, read off the UI thread)."""

from __future__ import annotations

from dataclasses import dataclass

from imgengine_gui.analysis.personal_tags import PersonHint
from imgengine_gui.catalog import personal_tags as store
from imgengine_gui.engine.personal_tags import PersonalTags, TagPhoto, builtin_names

SUGGESTIONS = 10


@dataclass(frozen=True)
class TagPage:
    name: str
    learns: bool  # False: a manual tag (only its examples carry it, nothing to suggest)
    applied: list[TagPhoto]  # examples first, then by confidence
    suggestions: list[TagPhoto]  # the "maybe"s, the most informative first
    examples: int
    rejected: int
    person: PersonHint | None  # the examples look like one person


@dataclass(frozen=True)
class TeachContext:
    tags: list[dict]  # PersonalTags.list(): name, photos, examples, learns, ...
    builtin: frozenset[str]  # casefolded built-in scene/object names (a clash is namespaced)


def tag_page(engine: PersonalTags, name: str, limit: int = SUGGESTIONS) -> TagPage:
    """The tag's page; retrains first when the library's embedding model changed."""
    suggestions = engine.suggestions(name, limit)  # may retrain: before reading who carries it
    applied = engine.applied(name)
    tag_id = store.find_tag(engine.conn, name)["id"]  # applied() raised if there were none
    summary = next(t for t in engine.list() if t["id"] == tag_id)
    examples = [p.photo_id for p in applied if p.example]
    return TagPage(
        name=summary["name"],
        learns=bool(summary["learns"]),
        applied=applied,
        suggestions=suggestions,
        examples=summary["examples"],
        rejected=summary["rejected"],
        person=engine.person_hint(examples) if examples else None,
    )


def teach_context(engine: PersonalTags) -> TeachContext:
    return TeachContext(engine.list(), frozenset(builtin_names(engine.conn)))

