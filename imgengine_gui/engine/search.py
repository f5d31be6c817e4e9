"""Search by text (CLIP) or by example photo (any stored image embedding)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from imgengine_gui.catalog import Connection, queries
from imgengine_gui.catalog.embeddings import EmbeddingMatrix, embedding_matrix, photo_embeddings
from imgengine_gui.settings import Settings


class SearchUnavailable(RuntimeError):
    pass


@dataclass(slots=True)
class Hit:
    photo_id: int
    path: str
    score: float


def _rank(conn: Connection, stored: EmbeddingMatrix, query: np.ndarray, limit: int) -> list[Hit]:
    ids = stored.photo_ids
    scores = stored.matrix @ query.astype(np.float32).ravel()
    order = np.argsort(-scores)[:limit]
    paths = queries.paths_of(conn, [ids[i] for i in order])
    return [Hit(ids[i], paths[ids[i]], float(scores[i])) for i in order]


def search_text(conn: Connection, text: str, settings: Settings, limit: int = 20) -> list[Hit]:
    from imgengine_gui.engine.personal_tags import tag_hits
    from imgengine_gui.ml.errors import ModelUnavailable

    # photos of a personal tag the text names come first, and need no CLIP
    tagged = [Hit(t.photo_id, t.path, t.confidence) for t in tag_hits(conn, text)][:limit]
    model_id = settings.scenes_model
    stored = embedding_matrix(conn, model_id)
    if not stored and tagged:
        return tagged
    if not stored:
        raise SearchUnavailable(
            f"text search needs CLIP image embeddings ({model_id}); none are in the catalog. "
            "Put the CLIP model in the Hugging Face cache or a local folder (see `imgengine "
            "models`), then run `imgengine analyze FOLDER` again."
        )
    try:
        analyzer = _text_encoder(model_id)
    except ModelUnavailable as exc:
        if tagged:
            return tagged
        raise SearchUnavailable(f"text search needs the CLIP model: {exc}") from exc
    from imgengine_gui.ml.runtime import on_device

    query = on_device(analyzer.encode_text, [text])[0]
    seen = {h.photo_id for h in tagged}
    ranked = [h for h in _rank(conn, stored, query, limit) if h.photo_id not in seen]
    return (tagged + ranked)[:limit]


@functools.lru_cache(maxsize=2)
def _text_encoder(model_id: str):
    """CLIP loaded once per model: searches as the user types must not reload it."""
    from imgengine_gui.ml.full.clip import ClipSceneAnalyzer
    from imgengine_gui.ml.runtime import on_device, resolve_runtime

    analyzer = ClipSceneAnalyzer(model_id)
    on_device(analyzer.load, resolve_runtime(device="cpu", precision="fp32", backend="eager"))
    return analyzer


def search_similar(conn: Connection, path: Path, limit: int = 20) -> list[Hit]:
    row = queries.photo_by_path(conn, str(Path(path).expanduser().resolve()))
    if row is None:
        raise SearchUnavailable(f"{path} is not in the catalog: analyze its folder first")
    found = photo_embeddings(conn, row["id"])
    if not found:
        raise SearchUnavailable(f"{path} has no image embedding yet: run the ml phase on it")
    model_id, vector = found[0]
    hits = _rank(conn, embedding_matrix(conn, model_id), vector, limit + 1)
    return [h for h in hits if h.photo_id != row["id"]][:limit]
