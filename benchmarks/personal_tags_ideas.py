"""Personal-tag classifier ideas, measured by ``benchmarks.personal_tags_variants`` (benchmark).

A variant maps (library, example rows, rejected rows) to a confidence per photo. Named ones:
"current" (the product's ``analysis.personal_tags``: nearest example on the embedding; "nearest"
is the same), "previous"
(the logistic regression before that), "expanded" (query expansion), "event" (capture-time
proximity), and round 3's: "diffusion" (manifold ranking over the library's kNN graph), "dba"
(database-side augmentation), "scenes-fused" (+ the scene tags' nearest-example score),
"gap" (threshold in the widest gap of the sorted scores), "groups-W" (the embedding joined by W x
the square root of MobileNetV2's ImageNet probabilities summed over the scene groups; measured,
not adopted: README). Others are written
"FEATURES/SCORER[/zZ][/oZ1][/aSHARE][/sSHARE]": features (centre, sqrt-centre, white-S,
abtt-D, logits..., scenes, signature, layer:NAME, cat:A+B*W), a scorer (lr, centroid, max, mix,
maxlr, csls, qe) and the calibration (z: library z-score; o: with one example; a: share of the
way to the examples' leave-one-out scores; s: the previous classifier's share rule).
"""

from __future__ import annotations

import numpy as np

from benchmarks.personal_tags_variants import Library, Variant
from imgengine_gui.analysis import personal_tags as classifier


def current(lib: Library, positives: list[int], negatives: list[int]) -> np.ndarray:
    """The product: the nearest example on the stored embedding."""
    return classifier.train(lib.matrix, positives, negatives)[1]


nearest = current


# -- the previous classifier (before this comparison): logistic regression, share calibration ---
PREVIOUS_Z, PREVIOUS_SHARE, L2, BACKGROUND = 2.5, 0.3, 0.1, 500


def _fit(pos: np.ndarray, neg: np.ndarray, background: np.ndarray) -> np.ndarray:
    """L2 logistic regression; examples weigh 1/len(pos) each, the background 1 in all."""
    from scipy.optimize import minimize
    from scipy.special import expit

    rows = np.vstack([pos, neg, background]).astype(np.float32)
    labels = np.r_[np.ones(len(pos)), -np.ones(len(neg) + len(background))].astype(np.float32)
    weight = np.r_[
        np.full(len(pos) + len(neg), 1.0 / len(pos)),
        np.full(len(background), 1.0 / max(len(background), 1)),
    ].astype(np.float32)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1].astype(np.float32), np.float32(theta[-1])
        margin = labels * (rows @ w + b)
        grad = -labels * weight * expit(-margin)
        value = float(weight @ np.logaddexp(0.0, -margin)) + 0.5 * L2 * float(w @ w)
        return value, np.r_[rows.T @ grad + L2 * w, grad.sum()].astype(np.float64)

    start = np.r_[pos.mean(axis=0), 0.0].astype(np.float64)
    theta = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 200}).x
    w = theta[:-1]
    return (w / max(np.linalg.norm(w), 1e-12)).astype(np.float32)


def previous(lib: Library, positives: list[int], negatives: list[int]) -> np.ndarray:
    return calibrated(lr_scores(features(lib, "centre"), positives, negatives), positives,
                      negatives, z=PREVIOUS_Z, share=PREVIOUS_SHARE)  # fmt: skip


# -- library-level feature transforms (computed once per library) --------------------------------


def _unit(m: np.ndarray) -> np.ndarray:
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)


def features(lib: Library, kind: str) -> np.ndarray:
    key = f"features:{kind}"
    if key not in lib.extra:
        lib.extra[key] = _features(lib, kind)
    return lib.extra[key]


def _features(lib: Library, kind: str) -> np.ndarray:
    m = lib.matrix
    if kind == "raw":
        return m
    if kind == "centre":
        return _unit(m - m.mean(axis=0))
    if kind == "sqrt":
        return _unit(np.sqrt(np.maximum(m, 0)))
    if kind == "sqrt-centre":
        h = _unit(np.sqrt(np.maximum(m, 0)))
        return _unit(h - h.mean(axis=0))
    if kind.startswith("sqrt-white") or kind.startswith("white"):
        # "white-0.1": PCA whitening, eigenvalues shrunk by 0.1 x their mean
        base = features(lib, "sqrt" if kind.startswith("sqrt") else "raw")
        shrink = float(kind.rsplit("-", 1)[1])
        c = base - base.mean(axis=0)
        u, sv, vt = np.linalg.svd(c, full_matrices=False)
        var = sv**2 / len(c)
        scale = 1.0 / np.sqrt(var + shrink * var.mean())
        return _unit((c @ vt.T) * scale)
    if kind.startswith("abtt-"):  # "all but the top": centred, the top d principal axes removed
        d = int(kind.split("-")[1])
        c = features(lib, "centre")
        _, _, vt = np.linalg.svd(c - c.mean(axis=0), full_matrices=False)
        return _unit(c - (c @ vt[:d].T) @ vt[:d])
    if kind.startswith("logits"):
        # MobileNetV2's own ImageNet classifier applied to the stored (unit) pooled feature
        w = _imagenet_classifier()
        logits = m @ w.T
        if kind == "logits":
            return _unit(logits - logits.mean(axis=0))
        t = float(kind.rsplit("-", 1)[1])  # "logits-p-20": softmax at temperature 1/20, sqrt
        z = logits * t
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        h = np.sqrt(p)
        return _unit(h - h.mean(axis=0))
    if kind.startswith("layer:"):  # "layer:b16-gem[:sqrt]": from benchmarks.personal_tags_layers
        name, *how = kind[6:].split(":")
        with np.load(lib.extra["catalog"].parent / "layers.npz") as layers:
            at = {int(pid): i for i, pid in enumerate(layers["ids"])}
            f = layers[name][[at[int(pid)] for pid in lib.ids]].astype(np.float32)
        f = np.sqrt(np.maximum(f, 0)) if "sqrt" in how else f
        f = _unit(f)
        return _unit(f - f.mean(axis=0))
    if kind == "scenes":  # the stored scene tags' scores (top 5, >= 0.15), sqrt, centred
        h = np.sqrt(lib.extra["scenes"])
        return _unit(h - h.mean(axis=0))
    if kind == "signature":  # the 16 x 16 grey signature, each photo's contrast normalised
        g = lib.extra["signature"]
        g = (g - g.mean(axis=1, keepdims=True)) / (g.std(axis=1, keepdims=True) + 1e-6)
        return _unit(g)
    if kind.startswith("cat:"):  # "cat:a+b[*w]": the unit features side by side, b weighted w
        a, b = kind[4:].split("+")
        b, w = (b.split("*") + ["1"])[:2]
        return _unit(np.hstack([features(lib, a), float(w) * features(lib, b)]))
    raise ValueError(kind)


def _imagenet_classifier() -> np.ndarray:
    import torch

    from imgengine_gui.ml import weights

    state = torch.load(weights.locate(weights.MOBILENET_V2), weights_only=True)
    return state["classifier.1.weight"].numpy().astype(np.float32)


# -- scorers: unit feature rows -> a score per row ------------------------------------------------


def lr_scores(f: np.ndarray, positives, negatives, seed: int = 0) -> np.ndarray:
    pool = np.setdiff1d(np.arange(len(f)), list(positives) + list(negatives))
    rng = np.random.default_rng(seed)
    background = np.sort(rng.choice(pool, min(BACKGROUND, len(pool)), replace=False))
    w = _fit(f[list(positives)], f[list(negatives)], f[background])
    return f @ w


def centroid_scores(f: np.ndarray, positives, negatives) -> np.ndarray:
    w = f[list(positives)].mean(axis=0)
    if negatives:
        w = w - 0.5 * f[list(negatives)].mean(axis=0)
    return f @ (w / np.linalg.norm(w))


def max_scores(f: np.ndarray, positives, negatives) -> np.ndarray:
    s = (f @ f[list(positives)].T).max(axis=1)
    if negatives:
        s = s - 0.5 * np.maximum((f @ f[list(negatives)].T).max(axis=1) - s, 0)
    return s


def _hubness(f: np.ndarray, k: int = 10) -> np.ndarray:
    """Each photo's mean similarity to its k nearest other photos (a library-level constant)."""
    sims = f @ f.T
    np.fill_diagonal(sims, -np.inf)
    return np.sort(sims, axis=1)[:, -k:].mean(axis=1)


def csls_scores(f: np.ndarray, positives, negatives, beta: float = 0.5) -> np.ndarray:
    return max_scores(f, positives, negatives) - beta * _hubness(f)


def mix_scores(f: np.ndarray, positives, negatives) -> np.ndarray:
    return 0.5 * (max_scores(f, positives, negatives) + centroid_scores(f, positives, negatives))


def maxlr_scores(f: np.ndarray, positives, negatives) -> np.ndarray:
    return 0.5 * (max_scores(f, positives, negatives) + lr_scores(f, positives, negatives))


def qe_scores(f: np.ndarray, positives, negatives, extra: int = 2, weight: float = 0.5):
    """Query expansion: the photos nearest the examples join them as weaker examples."""
    first = max_scores(f, positives, negatives)
    order = [r for r in np.argsort(-first) if r not in positives and r not in negatives][:extra]
    s = (f @ f[list(positives)].T).max(axis=1)
    if order:
        s = np.maximum(s, weight * (f @ f[order].T).max(axis=1) + (1 - weight) * first)
    return s


SCORERS = {
    "lr": lr_scores,
    "centroid": centroid_scores,
    "max": max_scores,
    "csls": csls_scores,
    "mix": mix_scores,
    "qe": qe_scores,
    "maxlr": maxlr_scores,
}


def calibrated(
    scores: np.ndarray, positives, negatives, z=PREVIOUS_Z, share=PREVIOUS_SHARE, z1=None, loo=None
) -> np.ndarray:
    """``z1``: the z-score needed with one example; ``loo`` (a list of the examples' scores
    by the others): the threshold is at least ``a`` x their lowest z-score."""
    pool = np.setdiff1d(np.arange(len(scores)), list(positives) + list(negatives))
    others = scores[pool]
    median = float(np.median(others))
    spread = max(1.4826 * float(np.median(np.abs(others - median))), 1e-4)
    reference = float(np.mean(scores[list(positives)]))
    need = z1 if z1 is not None and len(positives) == 1 else z
    threshold = max(median + need * spread, median + share * (reference - median))
    if loo is not None and len(positives) > 1:
        a, values = loo
        threshold = max(threshold, median + a * (min(values) - median))
    return 1.0 / (1.0 + np.exp(-np.clip((scores - threshold) / spread, -50, 50)))


def make(kind: str, scorer: str, a: float | None = None, **calib) -> Variant:
    def variant(lib: Library, positives, negatives) -> np.ndarray:
        f = features(lib, kind)
        scores = SCORERS[scorer](f, positives, negatives)
        loo = None
        if a is not None and len(positives) > 1:
            loo = (a, [SCORERS[scorer](f, [q for q in positives if q != p], negatives)[p]
                       for p in positives])  # fmt: skip
        return calibrated(scores, positives, negatives, loo=loo, **calib)

    return variant


def expanded(lib: Library, positives: list[int], negatives: list[int], extra: int = 2):
    """Query expansion: the photos the tag carries most surely join its examples, once."""
    first = classifier.train(lib.matrix, positives, negatives)[1]
    order = [int(r) for r in np.argsort(-first) if r not in positives and r not in negatives]
    joined = [r for r in order[:extra] if first[r] >= 0.5]
    if not joined:
        return first
    return classifier.train(lib.matrix, positives + joined, negatives)[1]


def event(lib: Library, positives: list[int], negatives: list[int], boost: float = 1.5):
    """Same event: with 2+ examples all shot within a day (camera time, not file time), photos
    shot between them (an hour's margin) get ``boost`` logits of confidence."""
    confidence = classifier.train(lib.matrix, positives, negatives)[1]
    taken = lib.extra["taken"][positives]
    if len(positives) < 2 or np.isnan(taken).any() or np.ptp(taken) > 24:
        return confidence
    hours = lib.extra["taken"]
    inside = (hours >= taken.min() - 1) & (hours <= taken.max() + 1)
    logit = np.log(np.maximum(confidence, 1e-9) / np.maximum(1 - confidence, 1e-9))
    return np.where(inside, 1 / (1 + np.exp(-(logit + boost))), confidence)


def gap_variant(low_z: float = 3.0, high_share: float = 0.9, min_gap: float = 0.5):
    """The product's scores, its threshold moved into the widest gap of the library's sorted
    scores between ``low_z`` robust z and ``high_share`` of the way to the least typical
    example's leave-one-out score (a gap narrower than ``min_gap`` spreads: no move)."""

    def run(lib, positives, negatives):
        space = lib.matrix
        model, confidence = classifier.train(space, positives, negatives)
        scores = model.scores(space)
        pool = np.delete(scores, sorted(set(positives) | set(negatives)))
        median = float(np.median(pool))
        spread = max(1.4826 * float(np.median(np.abs(pool - median))), 1e-4)
        loo = classifier._leave_one_out(model.examples, model.rejected)
        if not len(loo):
            return confidence
        low = median + low_z * spread
        high = max(model.threshold, median + high_share * (float(loo.min()) - median))
        inside = np.sort(pool[(pool > low) & (pool < high)])[::-1]
        points = np.r_[high, inside, low]
        gaps = points[:-1] - points[1:]
        at = int(np.argmax(gaps))
        if high <= low or gaps[at] < min_gap * spread:
            return confidence
        threshold = (points[at] + points[at + 1]) / 2
        return 1.0 / (1.0 + np.exp(-np.clip((scores - threshold) / model.scale, -50, 50)))

    return run


# -- round 3: the library's kNN graph, scene fusion, calibration (the product's scorer) -----------


def _centred(lib: Library) -> np.ndarray:
    return features(lib, "centre")


def _neighbours(f: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """All pairs' similarities (self excluded) and each row's k nearest rows."""
    sims = f @ f.T
    np.fill_diagonal(sims, -np.inf)
    return sims, np.argpartition(-sims, k, axis=1)[:, :k]


def knn_graph(lib: Library, k: int = 10, power: float = 3.0):
    """The library's symmetric kNN affinity (sparse, D^-1/2 W D^-1/2), on centred features."""
    import scipy.sparse as sp

    key = f"graph:{k}:{power}"
    if key not in lib.extra:
        f = _centred(lib)
        sims, cols = _neighbours(f, k)
        rows = np.repeat(np.arange(len(f)), k)
        values = np.maximum(sims[rows, cols.ravel()], 0.0) ** power
        w = sp.csr_matrix((values, (rows, cols.ravel())), shape=sims.shape)
        w = w.maximum(w.T)
        d = np.asarray(w.sum(axis=1)).ravel()
        d = 1.0 / np.sqrt(np.maximum(d, 1e-12))
        lib.extra[key] = sp.diags(d) @ w @ sp.diags(d)
    return lib.extra[key]


def _product_scores(matrix: np.ndarray, positives, negatives) -> np.ndarray:
    center = matrix.mean(axis=0)
    examples = classifier.centred(matrix[list(positives)], center)
    rejected = classifier.centred(matrix[list(negatives)], center)
    return classifier.TagClassifier(examples, rejected, center, 0.0, 1.0).scores(matrix)


def _near_copies(f: np.ndarray, positives: list[int], p: int) -> set[int]:
    return {q for q in positives if f[q] @ f[p] >= classifier.NEAR_COPY}


def rescored(lib: Library, positives, negatives, score, **calib) -> np.ndarray:
    """The product's calibration (library z-score, leave-one-out share) over any score function
    ``score(positives, negatives) -> scores``; ``calib`` overrides its constants."""
    positives, negatives = sorted(set(positives)), sorted(set(negatives) - set(positives))
    s = score(positives, negatives)
    f = _centred(lib)
    loo = []
    for p in positives:
        others = [q for q in positives if q not in _near_copies(f, positives, p)]
        if others:
            loo.append(score(others, negatives)[p])
    others_mask = np.ones(len(s), dtype=bool)
    others_mask[positives + negatives] = False
    pool = s[others_mask]
    saved = {}
    for name, value in calib.items():
        saved[name] = getattr(classifier, name)
        setattr(classifier, name, value)
    try:
        threshold, scale = classifier._calibrate(pool, np.array(loo))
    finally:
        for name, value in saved.items():
            setattr(classifier, name, value)
    return 1.0 / (1.0 + np.exp(-np.clip((s - threshold) / scale, -50, 50)))


def diffused(lib: Library, y: np.ndarray, alpha: float, k: int, steps: int = 20) -> np.ndarray:
    """Manifold ranking (Zhou et al.): (1 - alpha) (I - alpha S)^-1 y, by iteration."""
    s = knn_graph(lib, k)
    x = y.copy()
    for _ in range(steps):
        x = alpha * (s @ x) + (1 - alpha) * y
    return x


def diffusion_variant(alpha: float = 0.5, k: int = 10, mix: float = 1.0, seeds: str = "score"):
    """Scores smoothed over the library's kNN graph: seeded by the nearest-example scores
    ("score") or by the examples (+1) and rejected photos (-1) ("label"), mixed ``mix`` with
    the plain score."""

    def score(lib, positives, negatives):
        base = _product_scores(lib.matrix, positives, negatives)
        if seeds == "score":
            y = base
        else:
            y = np.zeros(len(base))
            y[list(positives)] = 1.0
            y[list(negatives)] = -1.0
        return (1 - mix) * base + mix * diffused(lib, y, alpha, k)

    return lambda lib, p, n, **c: rescored(lib, p, n, lambda pp, nn: score(lib, pp, nn), **c)


def dba_matrix(lib: Library, k: int = 3, weight: float = 0.5) -> np.ndarray:
    """Database-side augmentation: each photo's vector joined by its k nearest neighbours'."""
    key = f"dba:{k}:{weight}"
    if key not in lib.extra:
        f = _centred(lib)
        sims, cols = _neighbours(f, k)
        w = np.maximum(np.take_along_axis(sims, cols, axis=1), 0.0)
        joined = f + weight * np.einsum("ik,ikd->id", w, f[cols]) / k
        lib.extra[key] = _unit(joined).astype(np.float32)
    return lib.extra[key]


def dba_variant(k: int = 3, weight: float = 0.5):
    def run(lib, positives, negatives, **calib):
        m = dba_matrix(lib, k, weight)
        return rescored(lib, positives, negatives,
                        lambda pp, nn: _product_scores(m, pp, nn), **calib)  # fmt: skip

    return run


def scene_variant(weight: float = 0.3):
    """The nearest example's score plus ``weight`` x the nearest example's on scene tags."""

    def run(lib, positives, negatives, **calib):
        scenes = features(lib, "scenes")

        def score(pp, nn):
            return _product_scores(lib.matrix, pp, nn) + weight * max_scores(scenes, pp, nn)

        return rescored(lib, positives, negatives, score, **calib)

    return run


def imagenet_groups(lib: Library, temperature: float = 10.0) -> np.ndarray:
    """(n, groups + 1): each photo's ImageNet probability summed over the offline tier's scene
    groups (dogs, big cats, churches...; ``ml/offline/imagenet_tags.py``) and the rest, from the
    stored unit feature (its norm is lost: ``temperature`` stands in for it)."""
    key = f"groups:{temperature}"
    if key not in lib.extra:
        import torch

        from imgengine_gui.ml import weights
        from imgengine_gui.ml.offline.imagenet_tags import GROUPS

        state = torch.load(weights.locate(weights.MOBILENET_V2), weights_only=True)
        w = state["classifier.1.weight"].numpy().astype(np.float32)
        b = state["classifier.1.bias"].numpy().astype(np.float32)
        member = np.zeros((1000, len(GROUPS)), np.float32)
        for g, (classes, _) in enumerate(GROUPS.values()):
            member[list(classes), g] = 1.0
        z = temperature * (lib.matrix @ w.T) + b
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        grouped = p @ member
        lib.extra[key] = np.hstack([grouped, 1.0 - np.clip(grouped.sum(1, keepdims=True), 0, 1)])
    return lib.extra[key]


def groups_variant(weight: float = 0.3, temperature: float = 10.0):
    """The product's classifier on the feature joined by ``weight`` x the square root of the
    ImageNet group probabilities."""

    def run(lib, positives, negatives):
        key = f"space:{weight}:{temperature}"
        if key not in lib.extra:
            groups = imagenet_groups(lib, temperature)
            lib.extra[key] = _unit(np.hstack([lib.matrix, weight * np.sqrt(groups)]))
        return classifier.train(lib.extra[key], positives, negatives)[1]

    return run


VARIANTS: dict[str, Variant] = {
    "current": current,
    "nearest": nearest,
    "previous": previous,
    "expanded": expanded,
    "event": event,
    "diffusion": lambda lib, p, n: diffusion_variant(0.5, 10)(lib, p, n),
    "dba": lambda lib, p, n: dba_variant(3, 0.5)(lib, p, n),
    "scenes-fused": lambda lib, p, n: scene_variant(0.1)(lib, p, n),
    "gap": lambda lib, p, n: gap_variant()(lib, p, n),
    **{f"groups-{w}": groups_variant(w) for w in (0.2, 0.3, 0.5, 0.7, 1.0)},
}


def variant(name: str) -> Variant:
    """A named variant, or "FEATURES/SCORER[/zZ][/sSHARE]" (e.g. "sqrt-centre/max/z3.5/s0")."""
    if name in VARIANTS:
        return VARIANTS[name]
    kind, scorer, *options = name.split("/")
    names = {"z": "z", "s": "share", "o": "z1", "a": "a"}  # o: z-score with One example
    calib = {names[o[0]]: float(o[1:]) for o in options}
    return make(kind, scorer, **calib)
