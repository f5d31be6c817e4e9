"""Personal tags: the classifier, and the engine API over a real catalog of synthetic embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from imgengine_gui.analysis import personal_tags as classifier
from imgengine_gui.catalog import personal_tags as store
from imgengine_gui.catalog import queries, records
from imgengine_gui.catalog.db import connect
from imgengine_gui.catalog.embeddings import photo_embeddings
from imgengine_gui.catalog.inventory import forget_missing_photos
from imgengine_gui.engine.personal_tags import (
    NotAnalyzed,
    PersonalTagError,
    PersonalTags,
    refresh_after_run,
    tag_hits,
)
from imgengine_gui.engine.tag_review import tag_page
from tests.personal_tags_library import embeddings, open_built, replace_embeddings


@pytest.fixture
def library(tmp_path):
    conn, by_group, catalog, _ = open_built(tmp_path)
    yield conn, by_group, catalog
    conn.close()


def _carrying(engine: PersonalTags, name: str) -> set[int]:
    return {p.photo_id for p in engine.applied(name)}


# -- the classifier ----------------------------------------------------------------------------


def test_two_examples_find_their_group_and_nothing_else():
    rng = np.random.default_rng(3)
    group = embeddings(10, rng, np.abs(rng.normal(size=1280)))
    matrix = np.vstack([group, embeddings(200, rng)])
    model, confidence = classifier.train(matrix, [0, 1])
    assert (confidence[2:10] >= 0.5).all()
    assert (confidence[10:] < 0.5).all()
    assert np.allclose(model.confidence(matrix), confidence, atol=1e-5)
    above = model.scores(matrix) >= model.threshold
    assert ((confidence >= 0.5) == above).all()


def test_a_rejected_photo_falls_below_the_threshold():
    rng = np.random.default_rng(4)
    flowers = embeddings(6, rng, np.abs(rng.normal(size=1280)))
    lookalike = embeddings(4, rng, flowers.mean(axis=0) * 0.7 + np.abs(rng.normal(size=1280)))
    matrix = np.vstack([flowers, lookalike, embeddings(150, rng)])
    _, before = classifier.train(matrix, [0, 1])
    _, after = classifier.train(matrix, [0, 1], [6, 7])
    assert after[8:10].max() < before[8:10].max()
    assert (after[2:6] >= 0.5).all()  # the flowers stay


def test_a_tag_of_two_looks_finds_both():
    """A trip's streets and its parks taught together: both are found, nothing else (the
    examples' unlikeness across looks must not raise the threshold out of reach)."""
    rng = np.random.default_rng(5)
    streets = embeddings(6, rng, np.abs(rng.normal(size=1280)))
    parks = embeddings(6, rng, np.abs(rng.normal(size=1280)))
    matrix = np.vstack([streets, parks, embeddings(150, rng)])
    _, confidence = classifier.train(matrix, [0, 1, 6, 7])
    assert (confidence[:12] >= 0.5).all()
    assert (confidence[12:] < 0.5).all()


def test_near_copies_among_the_examples_count_as_one():
    """Two shots of a burst say nothing about how far the tag reaches: the same threshold as
    one of them alone, not one raised towards their (near-perfect) likeness."""
    rng = np.random.default_rng(6)
    group = embeddings(8, rng, np.abs(rng.normal(size=1280)))
    burst = group[0] + rng.normal(scale=0.002, size=1280).astype(np.float32)
    matrix = np.vstack([group, burst / np.linalg.norm(burst), embeddings(150, rng)])
    one, _ = classifier.train(matrix, [0])
    copies, confidence = classifier.train(matrix, [0, 8])
    assert copies.threshold == pytest.approx(one.threshold, rel=0.05)
    assert (confidence[1:8] >= 0.5).all()


def test_a_stored_classifier_scores_like_the_trained_one():
    rng = np.random.default_rng(7)
    matrix = embeddings(120, rng)
    model, confidence = classifier.train(matrix, [0, 1, 2], [3, 4])
    assert model.examples.shape == (3, 1280) and model.rejected.shape == (2, 1280)
    assert np.allclose(model.confidence(matrix), confidence, atol=1e-5)


def test_training_needs_an_example():
    with pytest.raises(ValueError):
        classifier.train(np.eye(4, dtype=np.float32), [])


def test_suggestions_spread_over_different_photos():
    vectors = np.array([[1, 0], [0.999, 0.045], [0, 1]], dtype=np.float32)
    confidence = np.array([0.45, 0.44, 0.30], dtype=np.float32)
    assert classifier.most_informative(confidence, vectors, 3) == [0, 2, 1]
    assert classifier.most_informative(confidence, vectors, 1) == [0]


def test_person_hint_from_face_counts_or_identities():
    assert classifier.person_hint([1, 1, 2]).person is None
    assert classifier.person_hint([1, 0]) is None
    assert classifier.person_hint([1, None]) is None
    assert classifier.person_hint([12, 1]) is None  # a crowd is not a person
    hint = classifier.person_hint([1, 2], identities=[{"ann"}, {"ann", "bob"}])
    assert hint.person == "ann"
    assert classifier.person_hint([1, 1], identities=[{"ann"}, {"bob"}]) is None


# -- the engine over a catalog -----------------------------------------------------------------


def test_teach_applies_the_tag_and_photos_show_it(library):
    conn, groups, _ = library
    engine = PersonalTags(conn)
    result = engine.teach("my flowers", groups["flowers"][:2])
    assert result.name == "my flowers" and result.examples == 2 and result.person is None
    assert _carrying(engine, "my flowers") == set(groups["flowers"])
    assert result.photos == len(groups["flowers"])
    applied = engine.applied("my flowers")
    assert [p.example for p in applied[:2]] == [True, True]
    assert all(0.5 <= p.confidence <= 1.0 for p in applied)

    photos = queries.list_photos(conn, queries.PhotoFilter(tags=("My Flowers",)))
    assert {p["id"] for p in photos} == set(groups["flowers"])
    example = next(p for p in photos if p["id"] == groups["flowers"][0])
    assert example["tags"] == [{"label": "my flowers", "score": 1.0, "source": "personal"}]
    other = queries.list_photos(conn, queries.PhotoFilter(photo_ids=(groups["other"][0],)))
    assert other[0]["tags"] == []
    assert engine.list()[0] | {"trained_at": 0} == {
        "id": 1, "name": "my flowers", "learns": 1, "model_id": store.library_model(conn)[0],
        "trained_at": 0, "photos": 8, "examples": 2, "rejected": 0,
    }  # fmt: skip


def test_review_loop_accept_reject_and_the_last_decision_wins(library):
    conn, groups, _ = library
    engine = PersonalTags(conn)
    engine.teach("garden", groups["flowers"][:2])
    offered = engine.suggestions("garden", limit=3)
    assert len(offered) == 3 and set(p.photo_id for p in offered) <= set(groups["meadow"])
    assert all(classifier.MAYBE <= p.confidence < 0.5 for p in offered)
    assert not {p.photo_id for p in offered} & _carrying(engine, "garden")
    engine.accept("garden", offered[0].photo_id)  # retrains at once: the meadow comes closer
    assert offered[0].photo_id in {p.photo_id for p in engine.applied("garden") if p.example}
    after = {p.photo_id: p.confidence for p in engine.suggestions("garden", limit=10)}
    assert offered[0].photo_id not in after
    raised = [after.get(p.photo_id, 1.0) > p.confidence for p in offered[1:]]
    assert all(raised)

    wrong = groups["flowers"][5]
    result = engine.reject("garden", wrong)
    assert wrong not in _carrying(engine, "garden") and result.rejected == 1
    assert wrong not in {p.photo_id for p in engine.suggestions("garden", 50)}
    engine.teach("garden", [wrong])  # changed my mind: the later decision wins
    assert wrong in {p.photo_id for p in engine.applied("garden") if p.example}
    both = groups["flowers"][6]
    engine.teach("garden", [both], [both])  # in both lists at once: "not this" comes last
    assert both not in _carrying(engine, "garden")


def test_bad_input(library):
    conn, groups, _ = library
    engine = PersonalTags(conn)
    with pytest.raises(PersonalTagError, match="at least one example"):
        engine.teach("empty", [])
    with pytest.raises(PersonalTagError, match="at least one example"):
        engine.teach("empty", [], [groups["flowers"][0]])
    assert engine.list() == []
    engine.teach("one", [groups["flowers"][0]])
    with pytest.raises(PersonalTagError, match="at least one example"):
        engine.teach("one", [], [groups["flowers"][0]])  # would leave it without an example
    with pytest.raises(PersonalTagError, match="no personal tag"):
        engine.forget("nope")
    with pytest.raises(PersonalTagError, match="needs a name"):
        engine.teach("  ", [groups["flowers"][0]])


def test_a_built_in_name_is_namespaced_not_merged(library):
    conn, groups, _ = library
    engine = PersonalTags(conn)
    result = engine.teach("Flower", groups["flowers"][:2])
    assert result.name == "Flower (personal)" and "built-in" in result.note
    assert engine.applied("flower") == engine.applied("Flower (personal)")
    assert queries.list_photos(conn, queries.PhotoFilter(tags=("flower",)))
    assert engine.rename("flower", "my garden") == "my garden"
    engine.teach("other", [groups["other"][0]])
    with pytest.raises(PersonalTagError, match="exists already"):
        engine.rename("other", "My Garden")
    assert engine.forget("my garden") == "my garden"
    assert [t["name"] for t in engine.list()] == ["other"]


def test_manual_tag_carries_only_its_photos(library):
    conn, groups, _ = library
    engine = PersonalTags(conn)
    result = engine.teach("printed", groups["flowers"][:2], learn=False)
    assert result.photos == 2 and _carrying(engine, "printed") == set(groups["flowers"][:2])
    assert engine.suggestions("printed") == []
    engine.teach("printed", groups["flowers"][2:3])
    assert _carrying(engine, "printed") == set(groups["flowers"][:3])


def test_people_hint_and_photos_without_embedding(library):
    conn, groups, _ = library
    engine = PersonalTags(conn)
    assert engine.teach("grandpa", groups["grandpa"][:2]).person is not None
    conn.execute("DELETE FROM embeddings WHERE photo_id = ?", (groups["other"][3],))
    with pytest.raises(NotAnalyzed, match="not analyzed yet") as raised:
        engine.teach("grandpa", [groups["other"][3]])
    assert not raised.value.failed  # analyzing it may help
    records.set_phase(conn, groups["other"][3], "ml", "1", error="not an image: text")
    with pytest.raises(NotAnalyzed, match="cannot be analyzed: ml: not an image") as raised:
        engine.teach("grandpa", [groups["other"][3]])
    assert raised.value.failed
    engine.teach("manual", [groups["other"][3]], learn=False)  # no learning: no embedding needed


def test_new_embedding_model_retrains_from_the_examples(library):
    conn, groups, catalog = library
    engine = PersonalTags(conn)
    engine.teach("garden", groups["flowers"][:2])
    engine.teach("typed", groups["flowers"][3:4], learn=False)
    conn.close()
    replace_embeddings(catalog, "openai/clip-vit-base-patch32")
    conn = connect(catalog)
    notes = refresh_after_run(conn)
    conn.commit()
    assert any("retrained" in n for n in notes)
    tags = {t["name"]: t for t in PersonalTags(conn).list()}
    assert tags["garden"]["model_id"] == "openai/clip-vit-base-patch32"
    assert _carrying(PersonalTags(conn), "garden") == set(groups["flowers"])
    assert tags["typed"]["photos"] == 1


def test_a_classifier_of_the_earlier_kind_retrains_at_next_use(library):
    conn, groups, _ = library
    engine = PersonalTags(conn)
    engine.teach("garden", groups["flowers"][:2])
    conn.execute("UPDATE personal_tags SET weights = NULL")  # what the schema migration does
    assert engine.suggestions("garden", limit=3)  # retrained first
    engine.reject("garden", groups["meadow"][0])
    carrying = _carrying(engine, "garden")
    conn.execute("UPDATE personal_tags SET weights = NULL")
    assert refresh_after_run(conn) == []  # same embedding model: nothing to tell
    assert _carrying(engine, "garden") == carrying
    row = store.find_tag(conn, "garden")
    assert len(row["weights"]) == 2 * 1280 * 4 and len(row["rejected"]) == 1280 * 4


def test_search_text_finds_the_tag(library):
    conn, groups, _ = library
    PersonalTags(conn).teach("my flowers", groups["flowers"][:2])
    hits = tag_hits(conn, "My Flowers in spring")
    assert [h.confidence for h in hits[:2]] == [1.0, 1.0]
    assert {h.photo_id for h in hits} == set(groups["flowers"])
    assert tag_hits(conn, "flowers") == []


def test_tag_page_counts_and_a_shared_index(library):
    from imgengine_gui.engine.tag_review import tag_page, teach_context

    conn, groups, catalog = library
    engine = PersonalTags(conn)
    engine.teach("my flowers", groups["flowers"][:2], [groups["other"][0]])
    page = tag_page(engine, "MY FLOWERS")
    assert page.name == "my flowers" and page.examples == 2 and page.rejected == 1
    assert [p.photo_id for p in page.applied[:2]] == groups["flowers"][:2]
    assert {p.photo_id for p in page.applied} == set(groups["flowers"])
    assert page.suggestions and page.person is None
    assert not {p.photo_id for p in page.suggestions} & {p.photo_id for p in page.applied}
    assert engine.stored_name(" beach ") == ("beach (personal)", engine.stored_name("beach")[1])
    assert engine.stored_name("my flowers") == ("my flowers", None)
    context = teach_context(engine)
    assert [t["name"] for t in context.tags] == ["my flowers"] and "beach" in context.builtin

    # The next call reuses the embeddings already read (no second read while they are current).
    again = PersonalTags(conn, index=engine.cached_index)
    assert again.load_index() is engine.cached_index

    folder = str(catalog.parent / "photos")
    assert store.tag_counts(conn, folder) == [("my flowers", 8)]
    assert store.tag_counts(conn, str(catalog.parent / "elsewhere")) == [("my flowers", 0)]


def _reanalyzed(conn, photo_id: int, vector: np.ndarray) -> None:
    """The photo analyzed again (its file changed): a new embedding of the same model."""
    records.store_ml(conn, photo_id, {"embedding": vector, "faces": []},
                     {"embedding": store.library_model(conn)[0]})  # fmt: skip
    records.set_phase(conn, photo_id, "ml", "1")


def _learned_from(conn, name: str, photo_ids: list[int]) -> bool:
    """Whether the tag's stored example vectors are exactly these photos' embeddings now."""
    index = PersonalTags(conn).load_index()
    now = classifier.centred(index.matrix[index.rows(photo_ids)], index.center)
    stored = np.frombuffer(store.find_tag(conn, name)["weights"], dtype=np.float32)
    stored = stored.reshape(-1, index.matrix.shape[1])
    return stored.shape == now.shape and bool(np.allclose(stored, now, atol=1e-5))


def test_a_run_retrains_from_an_example_analyzed_again(library):
    conn, groups, _ = library
    engine = PersonalTags(conn)
    engine.teach("garden", groups["flowers"][:2])
    assert not _carrying(engine, "garden") & set(groups["grandpa"])
    [(_, grandpa)] = photo_embeddings(conn, groups["grandpa"][0])
    _reanalyzed(conn, groups["flowers"][1], grandpa)  # the file now shows grandpa
    assert refresh_after_run(conn) == []
    assert _learned_from(conn, "garden", groups["flowers"][:2])
    assert len(_carrying(engine, "garden") & set(groups["grandpa"])) >= 6  # its new look


def test_an_example_gone_from_the_library_is_forgotten(library):
    conn, groups, _ = library
    engine = PersonalTags(conn)
    engine.teach("trip", [groups["flowers"][0], groups["grandpa"][0]])  # two looks
    assert len(_carrying(engine, "trip") & set(groups["grandpa"])) >= 6
    conn.execute("UPDATE photos SET missing = 1 WHERE id = ?", (groups["grandpa"][0],))
    # trashed from the window: the tag's page retrains before it shows anything
    tag_page(PersonalTags(conn), "trip")
    assert _learned_from(conn, "trip", groups["flowers"][:1])
    assert not _carrying(engine, "trip") & set(groups["grandpa"])
    # the next run and a purge keep it so
    conn.execute("UPDATE photos SET missing = 0 WHERE id = ?", (groups["grandpa"][0],))
    refresh_after_run(conn)
    assert len(_carrying(engine, "trip") & set(groups["grandpa"])) >= 6  # restored: back
    conn.execute("UPDATE photos SET missing = 1 WHERE id = ?", (groups["grandpa"][0],))
    assert refresh_after_run(conn) == []
    forget_missing_photos(conn)
    assert refresh_after_run(conn) == []
    assert _learned_from(conn, "trip", groups["flowers"][:1])
    carrying = _carrying(engine, "trip")
    assert set(groups["flowers"]) <= carrying and not carrying & set(groups["grandpa"])
    assert [t["examples"] for t in engine.list()] == [1]

    # every example gone: the tag keeps what it learned, and the run says so
    conn.execute("UPDATE photos SET missing = 1 WHERE id = ?", (groups["flowers"][0],))
    [note] = refresh_after_run(conn)
    assert "none of its example photos" in note
    assert _carrying(engine, "trip") == carrying - {groups["flowers"][0]}


def test_the_shared_index_is_read_again_when_the_newest_photo_is_reanalyzed(library):
    conn, groups, _ = library
    engine = PersonalTags(conn)
    index = engine.load_index()
    newest = int(index.ids[-1])
    [(_, grandpa)] = photo_embeddings(conn, groups["grandpa"][0])
    _reanalyzed(conn, newest, grandpa)  # same photo, same rowid: only its time tells
    again = PersonalTags(conn, index=index).load_index()
    assert again is not index
    assert np.allclose(again.matrix[again.rows([newest])][0], grandpa / np.linalg.norm(grandpa))
