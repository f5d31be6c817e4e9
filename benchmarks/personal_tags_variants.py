"""Compare personal-tag classifier variants on the evaluation catalog, in memory (benchmark only).

Reads the catalog ``benchmarks.personal_tags_eval`` built (embeddings and other per-photo signals)
and runs the same protocol as the evaluation (every <= 20 sampled k-example sets per concept; the
applied set is confidence >= 0.5 without the examples; 2 examples + 10 reviewed suggestions), but
calls classifier functions directly, so many variants can be measured in seconds; it also
reports each variant's ranking quality apart from its threshold (average precision, and the best
F1 any threshold could reach). The product's numbers come from ``personal_tags_eval`` (through
the engine); the ideas tried are in ``personal_tags_ideas``.

    python -m benchmarks.personal_tags_variants [--catalog PATH] [--split dev] [VARIANT...]
"""

from __future__ import annotations

import argparse
import itertools
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.personal_tags_eval import DEFAULT_CATALOG, _prf, labelled
from imgengine_gui.analysis import personal_tags as classifier
from imgengine_gui.catalog import personal_tags as store
from imgengine_gui.catalog.db import connect
from imgengine_gui.catalog.embeddings import embedding_matrix

MAX_TRIALS = 20
REVIEW_STEPS = 10


@dataclass
class Library:
    ids: np.ndarray
    matrix: np.ndarray  # unit embeddings, as the engine keeps them
    concepts: list[tuple]  # (Concept, member rows, ignored rows)
    extra: dict = field(default_factory=dict)  # other per-photo signals, by name


def load(catalog: Path) -> Library:
    conn = connect(catalog)
    model_id, _ = store.library_model(conn)
    stored = embedding_matrix(conn, model_id)
    ids = np.asarray(stored.photo_ids, dtype=np.int64)
    matrix = classifier.unit_rows(stored.matrix)
    paths = store.photo_paths(conn, ids.tolist())
    row = {int(pid): i for i, pid in enumerate(ids)}
    concepts = [
        (c, [row[m] for m in members], {row[m] for m in ignored})
        for c, members, ignored in labelled(paths)
    ]
    return Library(ids, matrix, concepts, {**_signals(conn, ids), "catalog": catalog})


def _signals(conn: sqlite3.Connection, ids: np.ndarray) -> dict:
    row = {int(pid): i for i, pid in enumerate(ids)}
    n = len(ids)
    faces = np.zeros(n, dtype=np.float32)
    for pid, count in conn.execute("SELECT photo_id, faces FROM ml_summary"):
        if pid in row and count is not None:
            faces[row[pid]] = count
    labels = sorted({r[0] for r in conn.execute("SELECT label FROM tags WHERE kind = 'scene'")})
    scenes = np.zeros((n, len(labels)), dtype=np.float32)
    for pid, label, score in conn.execute(
        "SELECT photo_id, label, score FROM tags WHERE kind = 'scene'"
    ):
        if pid in row:
            scenes[row[pid], labels.index(label)] = score
    signature = np.zeros((n, 256), dtype=np.float32)
    for pid, blob in conn.execute("SELECT photo_id, signature FROM content"):
        if pid in row and blob:
            signature[row[pid]] = np.frombuffer(blob, dtype=np.uint8)[:256]
    taken = np.full(n, np.nan)
    for pid, when in conn.execute("SELECT photo_id, julianday(substr(taken_at, 1, 19)) FROM"
                                  " metadata WHERE taken_at_source != 'mtime'"):  # fmt: skip
        if pid in row and when is not None:
            taken[row[pid]] = when * 24.0  # hours
    return {"faces": faces, "scenes": scenes, "signature": signature, "taken": taken}


Variant = Callable[[Library, list[int], list[int]], np.ndarray]  # -> confidence per row


def _ranking(confidence: np.ndarray, examples, truth: set[int], ignored: set[int]):
    """Average precision and the best F1 any threshold could reach (threshold-free quality)."""
    rows = np.array([r for r in range(len(confidence)) if r not in ignored and r not in examples])
    order = rows[np.argsort(-confidence[rows], kind="stable")]
    hits = np.cumsum([r in truth for r in order])
    ranks = np.arange(1, len(order) + 1)
    relevant = np.array([r in truth for r in order])
    ap = float(np.sum((hits / ranks)[relevant]) / max(len(truth), 1))
    f1 = 2 * hits / (ranks + len(truth))
    return ap, float(f1.max())


def _applied(confidence: np.ndarray, decided: set[int], ignored: set[int]) -> set[int]:
    return set(np.flatnonzero(confidence >= 0.5).tolist()) - decided - ignored


def _review(lib: Library, variant: Variant, examples, members, ignored) -> float:
    truth = set(members) - set(examples)
    positives, negatives = list(examples), []
    for _ in range(REVIEW_STEPS):
        confidence = variant(lib, positives, negatives)
        decided = set(positives) | set(negatives)
        open_rows = np.array(
            [
                r
                for r in range(len(confidence))
                if r not in decided and r not in ignored and classifier.MAYBE <= confidence[r] < 0.5
            ]
        )
        if not len(open_rows):
            break
        vectors = lib.matrix[open_rows] - lib.matrix.mean(axis=0)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        pick = int(open_rows[classifier.most_informative(confidence[open_rows], vectors, 1)[0]])
        (positives if pick in truth else negatives).append(pick)
    confidence = variant(lib, positives, negatives)
    return _prf(_applied(confidence, set(examples), ignored), truth)[2]


def evaluate(
    lib: Library,
    variant: Variant,
    split: str | None,
    people: bool = False,
    ks: tuple[int, ...] = (1, 2, 3),
) -> dict:
    rng = random.Random(0)
    out = {}
    for concept, members, ignored in lib.concepts:
        if (split and concept.split != split) or concept.person != people:
            continue
        row = {}
        for k in ks:
            if len(members) <= k:
                continue
            sets = list(itertools.combinations(members, k))
            sets = sets if len(sets) <= MAX_TRIALS else rng.sample(sets, MAX_TRIALS)
            scores = []
            for s in sets:
                confidence = variant(lib, list(s), [])
                truth = set(members) - set(s)
                scores.append(_prf(_applied(confidence, set(s), ignored), truth)
                              + _ranking(confidence, set(s), truth, ignored))  # fmt: skip
            row[k] = tuple(np.mean(scores, axis=0))
            if k == 2:
                row["review"] = float(np.mean([_review(lib, variant, s, members, ignored)
                                               for s in sets[:5]]))  # fmt: skip
        out[concept.name] = row
    return out


def summary(result: dict) -> str:
    means = []
    keys = sorted({k for r in result.values() for k in r if k != "review"}) + ["review"]
    for key in keys:
        values = [r[key] for r in result.values() if key in r]
        if key == "review":
            means.append(f"{np.mean(values):.3f}" if values else "-")
        elif values:
            pr, re, f1, ap, best = np.mean([v[:5] for v in values], axis=0)
            means.append(
                f"{f1:.3f} (P {pr:.2f} R {re:.2f} AP {ap:.2f} best {best:.2f}, {len(values)})"
            )
    return "F1 " + " | ".join(
        f"{k if k == 'review' else f'k{k}'} {m}" for k, m in zip(keys, means, strict=True)
    )


def detail(result: dict) -> str:
    lines = []
    for name, r in result.items():
        cells = [f"{r[k][0]:.2f}/{r[k][1]:.2f}/{r[k][2]:.2f} ap{r[k][3]:.2f}" if k in r
                 else " " * 21
                 for k in (1, 2, 3)]  # fmt: skip
        review = f"{r['review']:.2f}" if "review" in r else ""
        lines.append(f"  {name[:34]:34s} " + "  ".join(cells) + f"  {review}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "variants",
        nargs="*",
        default=["previous", "current"],
        help="names in personal_tags_ideas.VARIANTS or FEATURES/SCORER[/...]",
    )
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    parser.add_argument("--split", default="dev", help="dev, held-out, fresh or all")
    parser.add_argument("--people", action="store_true")
    parser.add_argument("--detail", action="store_true")
    parser.add_argument("--ks", default="1,2,3", help="example counts to try")
    args = parser.parse_args()
    from benchmarks.personal_tags_ideas import variant

    lib = load(args.catalog)
    split = None if args.split == "all" else args.split
    for name in args.variants:
        ks = tuple(int(k) for k in args.ks.split(","))
        result = evaluate(lib, variant(name), split, args.people, ks)
        print(f"{name:28s} {summary(result)}")
        if args.detail:
            print(detail(result))


if __name__ == "__main__":
    main()
