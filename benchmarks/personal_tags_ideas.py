"""Personal-tag classifier ideas, measured by ``benchmarks.personal_tags_variants`` (benchmark).

A variant maps (library, example rows, rejected rows) to a confidence per photo. Named ones:
"current" (the product's ``analysis.personal_tags``), "previous" (the logistic regression it
replaced), "expanded" (query expansion), "event" (capture-time proximity). Others are written
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
    return classifier.train(lib.matrix, positives, negatives)[1]


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


VARIANTS: dict[str, Variant] = {
    "current": current,
    "previous": previous,
    "expanded": expanded,
    "event": event,
}


def variant(name: str) -> Variant:
    """A named variant, or "FEATURES/SCORER[/zZ][/sSHARE]" (e.g. "sqrt-centre/max/z3.5/s0")."""
    if name in VARIANTS:
        return VARIANTS[name]
    kind, scorer, *options = name.split("/")
    names = {"z": "z", "s": "share", "o": "z1", "a": "a"}  # o: z-score with One example
    calib = {names[o[0]]: float(o[1:]) for o in options}
    return make(kind, scorer, **calib)
