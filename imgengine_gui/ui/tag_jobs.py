"""Personal-tag work the UI hands to the ``library`` lane (no Qt here).

Each job opens its own catalog connection; the library's embedding index read by one job is
kept for the next (the lane runs one job at a time, in the order asked), so a decision on a big
library retrains in well under a second instead of reading every embedding again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from imgengine_gui.catalog.reader import opened
from imgengine_gui.engine.personal_tags import EmbeddingIndex, PersonalTags, TeachResult
from imgengine_gui.engine.tag_review import TagPage, TeachContext, tag_page, teach_context
from imgengine_gui.settings import Settings

T = TypeVar("T")


class TagJobs:
    def __init__(self, catalog: Path, settings: Callable[[], Settings] | None = None) -> None:
        self.catalog = Path(catalog)
        self._index: EmbeddingIndex | None = None
        self._settings = settings  # the saved settings, read when a job runs (sidecar keywords)
        self.unwritten: deque[tuple[str, str]] = deque()  # (photo, why): thread-safe appends

    def _run(self, work: Callable[[PersonalTags], T]) -> T:
        with opened(self.catalog) as conn:
            settings = self._settings() if self._settings else None
            engine = PersonalTags(conn, index=self._index, settings=settings)
            try:
                return work(engine)
            finally:
                self._index = engine.cached_index
                if engine.keywords is not None:
                    self.unwritten.extend(engine.keywords.failed)

    def context(self) -> TeachContext:
        return self._run(teach_context)

    def teach(
        self, name: str, positives: Sequence[int], negatives: Sequence[int], manual: bool
    ) -> TeachResult:
        return self._run(
            lambda e: e.teach(name, positives, negatives, learn=False if manual else None)
        )

    def page(self, name: str) -> TagPage:
        return self._run(lambda e: tag_page(e, name))

    def decide(self, name: str, photo_id: int, accept: bool) -> TagPage:
        """Accept or reject one suggestion (or applied photo): retrain, then the new page."""

        def work(engine: PersonalTags) -> TagPage:
            (engine.accept if accept else engine.reject)(name, photo_id)
            return tag_page(engine, name)

        return self._run(work)

    def rename(self, name: str, new_name: str) -> str:
        return self._run(lambda e: e.rename(name, new_name))

    def forget(self, name: str) -> str:
        return self._run(lambda e: e.forget(name))
