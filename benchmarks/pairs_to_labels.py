"""Turn same-person pair lists (CSV: file_x, file_y, decision Yes/No) into a faces_eval labels.json.

Files joined by "Yes" pairs are one identity; "No" pairs inside one identity are reported as
contradictions. Photos in no pair get no label: move them out of the folder before evaluating
(faces_eval counts the faces of unlabeled photos as bystanders, distinct from everyone). Used for the held-out set of the README (deepface's tests/unit/dataset with its
master.csv and face-recognition-pivot.csv):

    python -m benchmarks.pairs_to_labels DIR master.csv face-recognition-pivot.csv
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    folder, tables = Path(args[0]), args[1:]
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        parent.setdefault(name, name)
        while parent[name] != name:
            name = parent[name]
        return name

    differ = []
    for table in tables:
        with open(folder / table, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                a, b = Path(row["file_x"]).name, Path(row["file_y"]).name
                decision = (row.get("Decision") or row.get("decision") or "").strip().lower()
                if decision == "yes":
                    parent[root(a)] = root(b)
                else:
                    root(a), root(b)
                    differ.append((a, b))
    roots = sorted({root(name) for name in parent})
    labels = {name: [f"person{roots.index(root(name)):02d}"] for name in sorted(parent)}
    labels = {name: who for name, who in labels.items() if (folder / name).is_file()}
    bad = [(a, b) for a, b in differ if root(a) == root(b)]
    (folder / "labels.json").write_text(json.dumps(labels, indent=1), encoding="utf-8")
    print(f"{len(labels)} photos of {len({w[0] for w in labels.values()})} people; {len(bad)} contradictions")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
