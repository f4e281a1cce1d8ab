"""Binary classification metrics (NumPy), bootstrap confidence intervals, a permutation null."""

from __future__ import annotations

import itertools

import numpy as np

from ._errors import ParameterError

NAMES = ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "mcc", "roc_auc")


def roc_auc(y, score) -> float:
    """Area under the ROC curve by the rank (Mann-Whitney) formula, ties counted half; NaN
    when only one class is present."""
    y = np.asarray(y).astype(bool)
    s = np.asarray(score, dtype=np.float64)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(s.size)
    sorted_s = s[order]
    # average ranks over ties
    bounds = np.flatnonzero(np.r_[True, sorted_s[1:] != sorted_s[:-1], True])
    for a, b in itertools.pairwise(bounds):
        ranks[order[a:b]] = 0.5 * (a + b - 1) + 1
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def confusion(y, pred) -> np.ndarray:
    """``[[tn, fp], [fn, tp]]``."""
    y = np.asarray(y).astype(bool)
    p = np.asarray(pred).astype(bool)
    return np.array([[np.sum(~y & ~p), np.sum(~y & p)], [np.sum(y & ~p), np.sum(y & p)]], dtype=np.int64)


def _div(a, b):
    return float(a / b) if b else 0.0


def binary_metrics(y, score, threshold: float = 0.5) -> dict:
    """accuracy, balanced accuracy, precision, recall, F1, MCC and ROC-AUC of scores ``score``
    (probabilities of class 1) for labels ``y`` in {0, 1}. Conventions as scikit-learn: a
    ratio with a zero denominator is 0."""
    y = np.asarray(y)
    s = np.asarray(score, dtype=np.float64)
    if y.shape != s.shape or y.ndim != 1:
        raise ParameterError(f"labels and scores must be 1-D of one length, got {y.shape} and {s.shape}")
    if y.size and not np.isin(y, (0, 1)).all():
        raise ParameterError("labels must be 0 or 1")
    (tn, fp), (fn, tp) = confusion(y, s >= threshold)
    n = tn + fp + fn + tp
    tpr, tnr = _div(tp, tp + fn), _div(tn, tn + fp)
    present = [r for r, d in ((tpr, tp + fn), (tnr, tn + fp)) if d]
    prec = _div(tp, tp + fp)
    denom = np.sqrt(float(tp + fp) * float(tp + fn) * float(tn + fp) * float(tn + fn))
    return {
        "accuracy": _div(tp + tn, n),
        "balanced_accuracy": float(np.mean(present)) if present else 0.0,
        "precision": prec,
        "recall": tpr,
        "f1": _div(2 * tp, 2 * tp + fp + fn),
        "mcc": float((tp * tn - fp * fn) / denom) if denom else 0.0,
        "roc_auc": roc_auc(y, s),
    }


def bootstrap_ci(
    y, score, *, groups=None, n_boot: int = 1000, level: float = 0.95, seed: int = 0, threshold: float = 0.5
) -> dict:
    """Percentile bootstrap intervals of every metric.

    With ``groups`` (for example the event groups of the split), whole groups are
    resampled (a cluster bootstrap): station-days of one event are not independent, and
    resampling them one by one would give intervals that are too narrow.
    """
    y = np.asarray(y)
    s = np.asarray(score, dtype=np.float64)
    rng = np.random.default_rng(seed)
    if groups is None:
        members = [np.array([i]) for i in range(y.size)]
    else:
        g = np.asarray(groups).astype(str)
        members = [np.flatnonzero(g == u) for u in np.unique(g)]
    k = len(members)
    draws = {m: [] for m in NAMES}
    for _ in range(int(n_boot)):
        pick = rng.integers(0, k, k)
        idx = np.concatenate([members[i] for i in pick])
        m = binary_metrics(y[idx], s[idx], threshold)
        for name in NAMES:
            draws[name].append(m[name])
    lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100
    out = {}
    for name, vals in draws.items():
        v = np.asarray(vals, dtype=np.float64)
        v = v[np.isfinite(v)]
        out[name] = [float(np.percentile(v, lo)), float(np.percentile(v, hi))] if v.size else [None, None]
    out["level"] = level
    out["n_boot"] = int(n_boot)
    out["resampled"] = "groups" if groups is not None else "samples"
    out["n_units"] = k
    return out


def permutation_null(y, pred, *, n_perm: int = 1000, seed: int = 0) -> dict:
    """Accuracy of fixed predictions against ``n_perm`` random permutations of the labels,
    and the p-value of the observed accuracy, ``(1 + #{null >= observed}) / (n_perm + 1)``."""
    y = np.asarray(y)
    p = np.asarray(pred)
    rng = np.random.default_rng(seed)
    observed = float(np.mean(y == p)) if y.size else float("nan")
    null = np.array([np.mean(rng.permutation(y) == p) for _ in range(int(n_perm))])
    return {
        "observed_accuracy": observed,
        "null_mean": float(null.mean()),
        "null_std": float(null.std()),
        "null_95": [float(np.percentile(null, 2.5)), float(np.percentile(null, 97.5))],
        "p_value": float((1 + np.sum(null >= observed)) / (n_perm + 1)),
        "n_perm": int(n_perm),
    }
