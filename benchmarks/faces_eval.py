"""People evaluation: the real pipeline groups faces into people; pairs of faces are scored.

Sets (each analyzed with ``analyze_folder`` into one fresh catalog, folder after folder, so the
later sets also exercise the incremental update; then once more after a full re-cluster):

- ``faces-dev``: the corpus's 20 photos of 6 people (``labels.json``: who is in each photo). Face
  truth: the k largest faces of a photo with k people are those people (left to right for the
  three two-person photos, order below, checked by eye); any other face is a bystander.
- ``exif-samples``: the corpus's camera files; their few faces are all different strangers (checked
  by eye), so every pair among them, or with anyone else, is a "different" pair.
- ``astronaut``: scikit-image's astronaut photo (one person).
- ``--set DIR`` (repeatable): any folder with a ``labels.json`` of the same form, e.g. photos the
  threshold was never tuned on.

Scores: pairwise precision and recall of the same-person decision over faces whose person is
known (bystanders count as distinct people), the faces the quality gate left without identity,
and the people found versus the true people with two or more identifiable faces.

    python -m benchmarks.faces_eval [--set DIR ...] [--json] [--compare] [--gate]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from dataclasses import asdict, dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
# Left to right, for faces-dev photos with more than one person (labels.json holds sets).
ORDER = {
    "test__kit_with_rose.jpg": ["rose_leslie", "kit_harington"],
    "test__obama_and_biden.jpg": ["biden", "obama"],
    "two_people.jpg": ["obama", "biden"],
}


@dataclass
class Scores:
    set: str
    photos: int
    faces: int
    identifiable: int
    same_pairs: int
    precision: float
    recall: float
    people_found: int
    people_true: int
    impure_people: int


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", default=[], type=Path, help="extra labeled set")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--compare", action="store_true", help="also score other clustering methods at 0.6"
    )
    parser.add_argument(
        "--gate", action="store_true", help="descriptor drift of shrunk and blurred faces"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        sets = default_sets(args.corpus, Path(tmp)) + [(s.name, s, _labels(s)) for s in args.set]
        results = evaluate(sets, Path(tmp))
        if args.compare:
            compare_methods(Path(tmp) / "catalog.sqlite", sets)
        if args.gate:
            gate_drift(Path(tmp) / "catalog.sqlite")
    if args.json:
        json.dump([asdict(r) for r in results], sys.stdout, indent=1)
        print()
    else:
        print_table(results)
    return 0


def default_sets(corpus: Path, tmp: Path) -> list[tuple[str, Path, dict[str, Any]]]:
    sets: list[tuple[str, Path, dict[str, Any]]] = []
    dev = corpus / "faces-dev"
    if dev.is_dir():
        sets.append(("faces-dev", dev, _labels(dev)))
    exif = corpus / "exif-samples"
    if exif.is_dir():
        sets.append(("exif-samples", exif, {}))
    try:
        from PIL import Image
        from skimage import data

        folder = tmp / "astronaut"
        folder.mkdir()
        Image.fromarray(data.astronaut()).save(folder / "astronaut.png")
        sets.append(("astronaut", folder, {"astronaut.png": ["eileen_collins"]}))
    except ImportError:
        pass
    return sets


def _labels(folder: Path) -> dict[str, Any]:
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    return {k: v for k, v in labels.items() if not k.startswith("_")}


def evaluate(sets: list[tuple[str, Path, dict[str, Any]]], tmp: Path) -> list[Scores]:
    from imgengine_gui.catalog.db import connect
    from imgengine_gui.engine.people import recluster
    from imgengine_gui.engine.pipeline import AnalyzeRequest, analyze_folder
    from imgengine_gui.settings import Settings

    catalog = tmp / "catalog.sqlite"
    settings = Settings(device="cpu", cache_dir=str(tmp / "cache"))
    for _, folder, _ in sets:
        analyze_folder(AnalyzeRequest(folder, catalog, settings))
    conn = connect(catalog)
    results = _score_all(conn, sets, "incremental")
    recluster(conn)
    conn.commit()
    results += _score_all(conn, sets, "re-cluster")
    return results


def _score_all(conn: Any, sets: list, how: str) -> list[Scores]:
    faces = _faces(conn)
    truth: dict[int, str] = {}
    by_set: dict[str, list[int]] = defaultdict(list)
    for name, folder, labels in sets:
        root = str(folder.resolve())
        for path, photo_faces in faces.items():
            if path.startswith(root + "/"):
                for face_id, who in _truth(name, path, photo_faces, labels).items():
                    truth[face_id] = who
                    by_set[name].append(face_id)
    person = {f["id"]: f["person"] for fs in faces.values() for f in fs}
    identifiable = {f["id"] for fs in faces.values() for f in fs if f["identifiable"]}
    photos = {name: {p for p, fs in faces.items() if any(f["id"] in by_set[name] for f in fs)}
              for name, _, _ in sets}
    out = [_score(f"{name} ({how})", by_set[name], truth, person, identifiable, len(photos[name]))
           for name, _, _ in sets]
    everything = [f for name, _, _ in sets for f in by_set[name]]
    total = sum(len(p) for p in photos.values())
    out.append(_score(f"all sets ({how})", everything, truth, person, identifiable, total))
    return out


def _faces(conn: Any) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for face_id, path, box, person, described in conn.execute(
        "SELECT f.id, p.path, f.box, f.person_id, f.descriptor IS NOT NULL FROM faces f"
        " JOIN photos p ON p.id = f.photo_id"
    ):
        out[path].append(
            {"id": face_id, "box": json.loads(box), "person": person, "identifiable": described}
        )
    return out


def _truth(set_name: str, path: str, faces: list[dict], labels: dict[str, Any]) -> dict[int, str]:
    name = Path(path).name
    who = {f["id"]: f"{set_name}:bystander:{f['id']}" for f in faces}
    people = labels.get(name) or []
    area = lambda f: (f["box"][2] - f["box"][0]) * (f["box"][3] - f["box"][1])  # noqa: E731
    main = sorted(faces, key=area, reverse=True)[: len(people)]
    if len(people) > 1:
        main.sort(key=lambda f: f["box"][0])
        people = ORDER.get(name, people)
    for face, person in zip(main, people, strict=False):
        who[face["id"]] = f"{set_name}:{person}"
    return who


def _score(label, face_ids, truth, person, identifiable, photos) -> Scores:
    tp = fp = fn = 0
    for a, b in combinations(face_ids, 2):
        same = truth[a] == truth[b]
        said = person[a] is not None and person[a] == person[b]
        tp += same and said
        fp += said and not same
        fn += same and not said
    members: dict[int, set[str]] = defaultdict(set)
    for face in face_ids:
        if person[face] is not None:
            members[person[face]].add(truth[face])
    sizes: dict[str, int] = defaultdict(int)
    for face in face_ids:
        if face in identifiable:
            sizes[truth[face]] += 1
    return Scores(
        set=label,
        photos=photos,
        faces=len(face_ids),
        identifiable=sum(1 for f in face_ids if f in identifiable),
        same_pairs=tp + fn,
        precision=round(tp / (tp + fp), 4) if tp + fp else 1.0,
        recall=round(tp / (tp + fn), 4) if tp + fn else 1.0,
        people_found=len(members),
        people_true=sum(1 for n in sizes.values() if n >= 2),
        impure_people=sum(1 for m in members.values() if len(m) > 1),
    )


def compare_methods(catalog: Path, sets: list) -> None:
    """Pairwise scores of clustering methods on the same descriptors, each cut at dlib's 0.6."""
    import dlib
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial.distance import pdist, squareform

    from imgengine_gui.analysis.people import cluster
    from imgengine_gui.catalog.db import connect

    conn = connect(catalog)
    faces = _faces(conn)
    truth = {}
    for name, folder, labels in sets:
        root = str(folder.resolve())
        for path, photo_faces in faces.items():
            if path.startswith(root + "/"):
                truth.update(_truth(name, path, photo_faces, labels))
    rows = conn.execute("SELECT id, descriptor FROM faces WHERE descriptor IS NOT NULL").fetchall()
    ids = [r[0] for r in rows if r[0] in truth]
    X = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows if r[0] in truth])
    D = squareform(pdist(X.astype(np.float64)))
    edges = [(i, j) for i in range(len(X)) for j in range(i + 1, len(X)) if D[i, j] < 0.6]
    methods = {
        "connected components (single link)": connected_components(D < 0.6)[1],
        "chinese whispers (dlib)": np.asarray(
            dlib.chinese_whispers(edges + [(i, i) for i in range(len(X))])
        ),
        "average linkage (exact, O(n^2))": fcluster(
            linkage(pdist(X.astype(np.float64)), "average"), 0.6, "distance"
        ),
        "complete linkage (exact, O(n^2))": fcluster(
            linkage(pdist(X.astype(np.float64)), "complete"), 0.6, "distance"
        ),
        "RMS linkage on the graph (ours)": cluster(X),
    }
    print(f"\nmethods on the same {len(X)} identifiable faces, cut at 0.6:")
    print("| method | precision | recall |")
    print("|---|---|---|")
    for method, labels in methods.items():
        tp = fp = fn = 0
        for a, b in combinations(range(len(ids)), 2):
            same, said = truth[ids[a]] == truth[ids[b]], labels[a] == labels[b]
            tp, fp, fn = tp + (same and said), fp + (said and not same), fn + (same and not said)
        print(f"| {method} | {tp / max(1, tp + fp):.3f} | {tp / max(1, tp + fn):.3f} |")


def gate_drift(catalog: Path) -> None:
    """How far a face's descriptor moves when the face is shrunk or blurred: what the quality
    gate (``MIN_FACE_PX``, ``MIN_SHARPNESS``) is set from. One face per photo, the largest."""
    import numpy as np
    from PIL import ImageFilter

    from imgengine_gui.analysis.decode import decode_reduced
    from imgengine_gui.catalog.db import connect
    from imgengine_gui.ml.offline import face_identity

    face_identity.MIN_FACE_PX, face_identity.MIN_SHARPNESS = 1.0, -1.0  # measure everything
    describer = face_identity.FaceDescriber()
    describer.load()
    drift: dict[tuple[str, float], list[tuple[float, float]]] = defaultdict(list)
    for path, box, size, blob in connect(catalog).execute(
        "SELECT p.path, f.box, MAX(f.size_px), f.descriptor FROM faces f JOIN photos p"
        " ON p.id = f.photo_id WHERE f.descriptor IS NOT NULL GROUP BY p.id"
    ):
        image, box = decode_reduced(Path(path), 1024).image, json.loads(box)
        reference = np.frombuffer(blob, dtype=np.float32)
        variants = [("size px", t, image.resize((max(1, round(image.width * t / size)),
                     max(1, round(image.height * t / size))))) for t in (20, 28, 36, 44, 56, 80)
                    if t < size]
        variants += [("blur sigma x face/150", s, image.filter(ImageFilter.GaussianBlur(s * size / 150)))
                     for s in (1, 2, 3, 4)]
        for kind, value, changed in variants:
            quality, vector = describer.describe([np.asarray(changed)], [[box]])[0][0]
            drift[(kind, value)].append((float(np.linalg.norm(vector - reference)), quality.sharpness))
    print("\n| change | faces | drift median | drift p90 | sharpness median |")
    print("|---|---|---|---|---|")
    for (kind, value), rows in sorted(drift.items()):
        d = np.array(rows)
        print(f"| {kind} {value} | {len(d)} | {np.median(d[:, 0]):.3f} |"
              f" {np.percentile(d[:, 0], 90):.3f} | {np.median(d[:, 1]):.1f} |")


def print_table(results: list[Scores]) -> None:
    print("| set | photos | faces | identifiable | same-person pairs | precision | recall |"
          " people found / true | mixed people |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r.set} | {r.photos} | {r.faces} | {r.identifiable} | {r.same_pairs} |"
              f" {r.precision:.3f} | {r.recall:.3f} | {r.people_found} / {r.people_true} |"
              f" {r.impure_people} |")


if __name__ == "__main__":
    raise SystemExit(main())
