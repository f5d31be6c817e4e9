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

    python -m benchmarks.faces_eval [--set DIR ...] [--json] [--gate]
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
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        sets = default_sets(args.corpus, Path(tmp)) + [(s.name, s, _labels(s)) for s in args.set]
        results = evaluate(sets, Path(tmp))
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
