"""Personal tags: teach a tag from a few example photos, review its suggestions, keep it current.

``PersonalTags`` is the one API for the CLI and the GUI. Every decision (teach, accept, reject)
is remembered as an example and retrains the tag at once; nothing is decoded again, only stored
embeddings are read. ``refresh_after_run`` retrains every tag at the end of an analysis run, on
the library as it is then: new photos are scored, and the calibration follows the library.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from imgengine_gui.analysis import personal_tags as classifier
from imgengine_gui.analysis.personal_tags import PersonHint, TagClassifier
from imgengine_gui.catalog import Connection, Row
from imgengine_gui.catalog import people as people_store
from imgengine_gui.catalog import personal_tags as store
from imgengine_gui.catalog.embeddings import embedding_matrix
from imgengine_gui.engine import tag_keywords
from imgengine_gui.engine.annotations import AnnotationReport
from imgengine_gui.ml.tags import TAG_NAMES
from imgengine_gui.settings import Settings


class PersonalTagError(ValueError):
    """A request that cannot be done as asked; the message is one line for the user."""


class NotAnalyzed(PersonalTagError):
    def __init__(self, reasons: dict[str, str], *, failed: bool = False) -> None:
        self.reasons = reasons  # path -> why it has no embedding
        self.failed = failed  # analysis ran and failed on each: analyzing again will not help
        (path, why), more = next(iter(reasons.items())), len(reasons) - 1
        state = "cannot be analyzed" if failed else "is not analyzed yet"
        super().__init__(f"{path} {state}: {why}" + (f" (and {more} more)" if more else ""))


@dataclass(frozen=True)
class TagPhoto:
    photo_id: int
    path: str
    confidence: float
    example: bool = False


@dataclass(frozen=True)
class TeachResult:
    name: str  # as stored: a clash with a built-in label adds NAMESPACE_SUFFIX
    photos: int  # how many photos carry the tag now, examples included
    examples: int
    rejected: int
    note: str | None = None  # e.g. why the name was namespaced
    person: PersonHint | None = None  # the examples look like one person


@dataclass
class EmbeddingIndex:
    """The library's unit embeddings of one model, kept between calls."""

    model_id: str
    key: tuple
    ids: np.ndarray
    matrix: np.ndarray
    center: np.ndarray  # the library's mean embedding

    def rows(self, photo_ids: Sequence[int]) -> list[int]:
        at = np.searchsorted(self.ids, np.asarray(list(photo_ids), dtype=np.int64))
        return [int(i) for i, pid in zip(at, photo_ids, strict=True) if i < len(self.ids)
                and self.ids[i] == pid]  # fmt: skip


class PersonalTags:
    """Personal tags over one catalog connection. Mutating calls commit unless ``autocommit``
    is off (inside the catalog writer, which commits itself). With ``settings``, the photos
    confirmed for a tag carry its name as a keyword (``engine.tag_keywords``)."""

    def __init__(
        self,
        conn: Connection,
        *,
        autocommit: bool = True,
        index: EmbeddingIndex | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.conn = conn
        self.autocommit = autocommit
        self._index = index  # e.g. the one a previous call read (``cached_index``)
        self.settings = settings  # given: confirmed photos carry the tag as a sidecar keyword
        self.keywords: AnnotationReport | None = None  # what the last change wrote to sidecars

    # -- teaching and reviewing -------------------------------------------------------------
    def teach(
        self,
        name: str,
        positives: Sequence[int],
        negatives: Sequence[int] = (),
        *,
        learn: bool | None = None,
    ) -> TeachResult:
        """Add examples ("this") and rejections ("not this"), retrain, apply. A photo in both
        lists ends up rejected (the later decision wins, here and across calls). ``learn=False``
        makes a manual tag: only its examples carry it. ``None`` keeps what the tag was."""
        name = " ".join(name.split())
        if not name:
            raise PersonalTagError("a tag needs a name")
        tag = store.find_tag(self.conn, name)
        decided = store.decisions(self.conn, tag["id"]) if tag is not None else {}
        confirmed_before = {pid for pid, positive in decided.items() if positive}
        decided.update(dict.fromkeys(positives, True))
        decided.update(dict.fromkeys(negatives, False))  # the later decision wins
        examples = [pid for pid, positive in decided.items() if positive]
        if not examples:
            raise PersonalTagError(f'teaching "{name}" needs at least one example photo')
        learns = learn if learn is not None else (tag is None or bool(tag["learns"]))
        index = self.load_index() if learns else None
        if learns:
            self._require_embeddings([*positives, *negatives], index)
        note = None
        if tag is None:
            name, note = self._free_name(name)
            tag_id = store.create_tag(self.conn, name, learns=learns)
        else:
            tag_id, name = tag["id"], tag["name"]
            store.set_learns(self.conn, tag_id, learns)
        store.record_decisions(self.conn, tag_id, positives, positive=True)
        store.record_decisions(self.conn, tag_id, negatives, positive=False)
        count = self._apply(store.find_tag(self.conn, name), index)
        self._commit()
        now = set(examples)
        self._write_keywords(name, add=now - confirmed_before, remove=confirmed_before - now)
        return TeachResult(
            name=name,
            photos=count,
            examples=len(examples),
            rejected=len(decided) - len(examples),
            note=note,
            person=self.person_hint(examples),
        )

    def accept(self, name: str, photo_id: int) -> TeachResult:
        return self.teach(self._tag(name)["name"], [photo_id])

    def reject(self, name: str, photo_id: int) -> TeachResult:
        return self.teach(self._tag(name)["name"], [], [photo_id])

    def applied(self, name: str) -> list[TagPhoto]:
        """Photos carrying the tag: examples first, then by confidence."""
        return [
            TagPhoto(c["photo_id"], c["path"], c["score"], c["example"])
            for c in store.carriers(self.conn, self._tag(name)["id"])
        ]

    def suggestions(self, name: str, limit: int = 10) -> list[TagPhoto]:
        """The "maybe" photos below the threshold, the most informative to decide first."""
        tag = self._tag(name)
        index = self.load_index()
        if tag["learns"] and index is not None and self._stale(tag, index):
            self._apply(tag, index)
            self._commit()
            tag = self._tag(name)
        if not tag["learns"] or index is None or tag["model_id"] != index.model_id:
            return []
        if not tag["weights"]:
            return []
        model = _classifier(tag)
        confidence = model.confidence(index.matrix)
        decided = index.rows(list(store.decisions(self.conn, tag["id"])))
        open_rows = np.ones(len(index.ids), dtype=bool)
        open_rows[decided] = False
        candidates = np.flatnonzero(
            open_rows & (confidence >= classifier.MAYBE) & (confidence < 0.5)
        )
        vectors = classifier.centred(index.matrix[candidates], model.center)
        order = classifier.most_informative(confidence[candidates], vectors, limit)
        rows = candidates[order]
        paths = store.photo_paths(self.conn, [int(index.ids[r]) for r in rows])
        return [
            TagPhoto(int(index.ids[r]), paths[int(index.ids[r])], float(confidence[r]))
            for r in rows
        ]

    # -- managing tags ----------------------------------------------------------------------
    def list(self) -> list[dict]:
        """Every tag: id, name, learns, model_id, photos, examples, rejected, trained_at."""
        return store.all_tags(self.conn)

    def forget(self, name: str) -> str:
        tag = self._tag(name)
        store.delete_tag(self.conn, tag["id"])
        self._commit()
        if self.settings is not None:
            keyword = tag_keywords.keyword_for(tag["name"])
            self._write_keywords(tag["name"], remove=tag_keywords.given(self.conn, keyword))
        return tag["name"]

    def rename(self, name: str, new_name: str) -> str:
        tag = self._tag(name)
        new_name = " ".join(new_name.split())
        if not new_name:
            raise PersonalTagError("a tag needs a name")
        other = store.find_tag(self.conn, new_name)
        if other is not None and other["id"] != tag["id"]:
            raise PersonalTagError(f'a tag named "{other["name"]}" exists already')
        stored, _ = self._free_name(new_name)
        store.rename_tag(self.conn, tag["id"], stored)
        self._commit()
        if self.settings is not None and (
            tag_keywords.keyword_for(stored) != tag_keywords.keyword_for(tag["name"])
        ):
            self.keywords = tag_keywords.rename_keyword(
                self.conn, tag_keywords.keyword_for(tag["name"]), tag_keywords.keyword_for(stored),
                self.settings,
            )
        return stored

    def stored_name(self, name: str) -> tuple[str, str | None]:
        """The name a new tag called ``name`` gets, and why it differs (a built-in clash)."""
        return self._free_name(" ".join(name.split()))

    @property
    def cached_index(self) -> EmbeddingIndex | None:
        """The embeddings read so far, to hand to the next ``PersonalTags`` (no reading)."""
        return self._index

    def person_hint(self, photo_ids: Sequence[int]) -> PersonHint | None:
        """Whether these examples look like one person (then People is the better place): the
        person People found in every example, else (no identities yet) a face in each."""
        ids = list(photo_ids)
        counts = store.face_counts(self.conn, ids)
        found: dict[int, dict[int, str]] = {}  # photo -> {person: name} People found in it
        faces = people_store.face_people(self.conn, ids) if people_store.has_people(self.conn) else {}
        for (pid, _box), (_face, person, name) in faces.items():
            if person is not None:
                found.setdefault(pid, {})[person] = name or ""
        if not any(found.values()):
            return classifier.person_hint([counts.get(pid) for pid in ids])
        identities = [{str(p) for p in found.get(pid, {})} for pid in ids]
        hint = classifier.person_hint([counts.get(pid) for pid in ids], identities)
        if hint is None or hint.person is None:
            return None
        name = {str(p): n for pid in ids for p, n in found.get(pid, {}).items()}.get(hint.person)
        who = name or "the same unnamed person"
        return PersonHint(
            hint.person,
            f"every example shows {who}, whom People already finds: see person {hint.person}"
            " in People instead of teaching a tag",
        )

    # -- keeping tags current ---------------------------------------------------------------
    def refresh(self) -> list[str]:
        """Retrain every tag from its stored decisions on the library as it is now: photos
        analyzed since, examples re-analyzed or gone, another embedding model. The threshold is
        calibrated on the library, so a tag taught on a few photos is only fair once more are
        analyzed; carrying on with the old calibration left new photos out. Notes for the run
        summary."""
        notes = []
        index = self.load_index()
        for tag in store.tag_rows(self.conn):
            if not tag["learns"]:
                self._apply(tag)  # its examples still here carry it
                continue
            if index is None:
                continue
            if self._apply(tag, index) > 0:
                if tag["model_id"] not in (None, index.model_id):
                    notes.append(f'personal tag "{tag["name"]}" retrained for {index.model_id}')
            elif any(store.decisions(self.conn, tag["id"]).values()):
                notes.append(
                    f'personal tag "{tag["name"]}": its examples have no {index.model_id}'
                    " embedding yet"
                )
            else:
                notes.append(
                    f'personal tag "{tag["name"]}": none of its example photos is in the library'
                    " any more; it keeps what it learned"
                )
        self._commit()
        return notes

    # -- internals --------------------------------------------------------------------------
    def _apply(self, tag: Row, index: EmbeddingIndex | None = None) -> int:
        """Retrain from the stored decisions and store who carries the tag; 0 when it can't."""
        decided = store.decisions(self.conn, tag["id"])
        examples = [pid for pid, positive in decided.items() if positive]
        if not tag["learns"]:
            index = None  # a manual tag: only its examples carry it
        elif index is None:
            index = self.load_index()
        rows = index.rows(examples) if index is not None else []
        if not rows:
            if tag["learns"] and tag["model_id"] is not None and index is not None:
                return 0  # the new model has not reached the examples yet: keep the old state
            store.save_classifier(self.conn, tag["id"], None)
            return store.replace_carriers(self.conn, tag["id"], [(p, 1.0, True) for p in examples])
        rejected = index.rows([pid for pid, positive in decided.items() if not positive])
        model, confidence = classifier.train(index.matrix, rows, rejected, center=index.center)
        store.save_classifier(self.conn, tag["id"], index.model_id, model)
        return self._store_carriers(tag, confidence, index, decided)

    def _stale(self, tag: Row, index: EmbeddingIndex) -> bool:
        """Trained for another embedding model, never trained, or on decided photos that are
        not the library's now (one went to the trash since the last run)."""
        if tag["model_id"] != index.model_id or not tag["weights"]:
            return True
        decided = store.decisions(self.conn, tag["id"])
        present = [index.rows([p for p, positive in decided.items() if positive == side])
                   for side in (True, False)]  # fmt: skip
        stored = [len(tag[column] or b"") // (4 * index.matrix.shape[1])
                  for column in ("weights", "rejected")]  # fmt: skip
        return [len(rows) for rows in present] != stored

    def _store_carriers(
        self, tag: Row, confidence: np.ndarray, index: EmbeddingIndex, decided: dict[int, bool]
    ) -> int:
        carry = confidence >= 0.5
        carry[index.rows(list(decided))] = False
        rows = np.flatnonzero(carry)
        applied = zip(
            index.ids[rows].tolist(), confidence[rows].tolist(), [False] * len(rows), strict=True
        )
        examples = [(pid, 1.0, True) for pid, positive in decided.items() if positive]
        return store.replace_carriers(self.conn, tag["id"], [*examples, *applied])

    def load_index(self) -> EmbeddingIndex | None:
        """The library's embeddings of its current model, read once and kept until they change
        (100k photos: about 2 s); None before any photo has one. Call it off the UI thread."""
        model_id, key = store.library_model(self.conn)
        if model_id is None:
            return None
        if self._index is None or self._index.key != key:
            stored = embedding_matrix(self.conn, model_id)
            ids = np.asarray(stored.photo_ids, dtype=np.int64)
            matrix = classifier.unit_rows(stored.matrix)
            self._index = EmbeddingIndex(model_id, key, ids, matrix, matrix.mean(axis=0))
        return self._index

    def _require_embeddings(self, photo_ids: Sequence[int], index: EmbeddingIndex | None) -> None:
        have = set(index.ids[index.rows(photo_ids)].tolist()) if index is not None else set()
        missing = [pid for pid in dict.fromkeys(photo_ids) if pid not in have]
        if not missing:
            return
        paths = store.photo_paths(self.conn, missing)
        problems = store.ml_problems(self.conn, missing)
        raise NotAnalyzed(
            {
                paths.get(pid, f"photo {pid}"): problems.get(pid, "it has no image embedding")
                for pid in missing
            },
            failed=all(pid in problems for pid in missing),
        )

    def _free_name(self, name: str) -> tuple[str, str | None]:
        if name.casefold() not in builtin_names(self.conn):
            return name, None
        stored = name + store.NAMESPACE_SUFFIX
        return stored, f'"{name}" is a built-in tag: this personal tag is called "{stored}"'

    def _tag(self, name: str) -> Row:
        tag = store.find_tag(self.conn, name)
        if tag is None:
            raise PersonalTagError(f'no personal tag named "{name.strip()}"')
        return tag

    def _commit(self) -> None:
        if self.autocommit:
            self.conn.commit()

    def _write_keywords(self, name: str, *, add=(), remove=()) -> None:
        if self.settings is not None:
            self.keywords = tag_keywords.sync_keyword(
                self.conn, tag_keywords.keyword_for(name), self.settings, add=add, remove=remove
            )


def _classifier(tag: Row) -> TagClassifier:
    center = np.frombuffer(tag["center"], dtype=np.float32)
    return TagClassifier(
        np.frombuffer(tag["weights"], dtype=np.float32).reshape(-1, len(center)),
        np.frombuffer(tag["rejected"] or b"", dtype=np.float32).reshape(-1, len(center)),
        center,
        float(tag["threshold"]),
        float(tag["scale"]),
    )


def builtin_names(conn: Connection) -> set[str]:
    """Scene and object names (casefolded) a personal tag must not merge into."""
    return {n.casefold() for n in TAG_NAMES} | store.builtin_labels(conn)


def refresh_after_run(conn: Connection) -> list[str]:
    """The pipeline's end-of-run step (inside the catalog writer): never fails the run."""
    if not store.tag_rows(conn):
        return []
    try:
        return PersonalTags(conn, autocommit=False).refresh()
    except Exception as exc:  # the tags stay as they were; the run still counts
        return [f"personal tags were not updated: {type(exc).__name__}: {exc}"]


def tag_hits(conn: Connection, text: str) -> list[TagPhoto]:
    """Photos of the personal tags a search text names ("my flowers", "flowers of grandma"):
    every word of the tag's name is in the text. Best match first, then by confidence."""
    words = set(text.casefold().split())
    hits: dict[int, TagPhoto] = {}
    tags = sorted(store.all_tags(conn), key=lambda t: -len(t["name"]))
    for tag in tags:
        tag_words = set(tag["name"].casefold().removesuffix(store.NAMESPACE_SUFFIX).split())
        if tag_words and tag_words <= words:
            for c in store.carriers(conn, tag["id"]):
                hits.setdefault(c["photo_id"], TagPhoto(c["photo_id"], c["path"], c["score"]))
    return list(hits.values())


def analyze_for_teaching(paths: Sequence[Path], catalog: Path, settings) -> None:
    """Analyze the folders holding photos that are not in the catalog yet (all phases, as
    `imgengine analyze` would), so that they can be taught from."""
    from imgengine_gui.engine.pipeline import AnalyzeRequest, analyze_folder

    folders = sorted({Path(p).parent for p in paths}, key=lambda f: len(f.parts))
    chosen: list[Path] = []
    for folder in folders:
        if not any(folder.is_relative_to(done) for done in chosen):
            chosen.append(folder)
    for folder in chosen:
        analyze_folder(AnalyzeRequest(Path(os.fspath(folder)), catalog, settings))
