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


def group_permutation_null(
    y, pred, groups, *, n_perm: int = 1000, seed: int = 0, unit: str = "event-group"
) -> dict:
    """A permutation null that respects dependence: labels are permuted between groups, not days.

    Station-days of one event (or one time block) are not independent, so permuting single
    days gives a null that is too narrow and p-values that are too small. Here each
    randomisation swaps the labels before <-> after of *all* the days of a random half of the
    groups (a cluster-level randomisation: under the null that the predictions carry no
    information on before vs after, a group's labels and their mirror image are exchangeable,
    since the design puts ``before_days`` on one side of an event and ``after_days`` on the
    other). The statistic is the balanced accuracy of the fixed predictions (a class mix
    that changes with the swaps does not move it). With ``2**n_groups <= n_perm`` every
    assignment is enumerated (an exact test, p = #{null >= observed} / 2**n_groups, the
    identity included); else ``n_perm`` random ones, p = (1 + #{null >= observed}) / (n_perm + 1).
    The smallest attainable p is reported: with few groups no result can be significant.
    """
    y = np.asarray(y).astype(int)
    p = np.asarray(pred).astype(int)
    g = np.asarray(groups).astype(str)
    if y.shape != p.shape or y.shape != g.shape:
        raise ParameterError(
            f"labels, predictions and groups must have one length, got {y.shape}, {p.shape}, {g.shape}"
        )
    uniq, inv = np.unique(g, return_inverse=True)
    k = int(uniq.size)

    def bacc(labels):
        return binary_metrics(labels, p.astype(float))["balanced_accuracy"]

    observed = bacc(y) if y.size else float("nan")
    exact = k <= 20 and 2**k <= int(n_perm)
    if exact:
        flips = ((np.arange(2**k)[:, None] >> np.arange(k)[None, :]) & 1).astype(bool)
    else:
        rng = np.random.default_rng(seed)
        flips = rng.random((int(n_perm), k)) < 0.5
    null = np.array([bacc(np.where(f[inv], 1 - y, y)) for f in flips])
    n_ge = int(np.sum(null >= observed - 1e-12))
    pval = n_ge / null.size if exact else (1 + n_ge) / (null.size + 1)
    return {
        "unit": unit,
        "scheme": "labels of whole groups swapped (before <-> after) for a random half of the groups",
        "statistic": "balanced_accuracy",
        "observed": float(observed),
        "null_mean": float(null.mean()),
        "null_std": float(null.std()),
        "null_95": [float(np.percentile(null, 2.5)), float(np.percentile(null, 97.5))],
        "p_value": float(pval),
        "min_attainable_p": float(1 / null.size if exact else 1 / (null.size + 1)),
        "n_units": k,
        "n_perm": int(null.size),
        "exact": bool(exact),
    }


def molchan(alarm_score, target_of_row, *, n_random: int = 200, seed: int = 0) -> dict:
    """Molchan error diagram of daily scores used as alarms (Molchan, G. M., 1991,
    *Tectonophysics* 193, 267-276; Zechar, J. D. & Jordan, T. H., 2008, *Geophys. J. Int.* 172,
    715-724).

    ``alarm_score``: one score per station-day; ``target_of_row``: per row, the list of target
    events that the row precedes (its *before* day), empty for other rows. For each threshold,
    the alarmed rows are those scoring at least it; tau is the share of station-days alarmed
    and nu the share of target events none of whose before-days is alarmed. Random alarms
    (the scores permuted among the rows, ``n_random`` times) give the reference: the mean and
    the 2.5 % quantile of nu at each tau, and the area under the curve of each, from which
    ``p_value`` = share of random areas at most the observed one.
    """
    s = np.asarray(alarm_score, dtype=np.float64)
    targets = sorted({t for ts in target_of_row for t in ts})
    if not targets or s.size == 0:
        return {"skipped": "no target events among the rows"}
    tindex = {t: i for i, t in enumerate(targets)}
    rows = [np.array([tindex[t] for t in ts], dtype=np.int64) for ts in target_of_row]
    tau_grid = np.linspace(0, 1, 51)

    def curve(score):
        order = np.argsort(-score, kind="mergesort")
        first = np.full(len(targets), np.inf)  # rank at which each target is first hit
        for rank, r in enumerate(order):
            if rows[r].size:
                first[rows[r]] = np.minimum(first[rows[r]], rank)
        # alarming the top m rows (m = ceil(tau * n)) hits targets with first < m
        m = np.ceil(tau_grid * s.size)
        return np.array([np.mean(~(first < mm)) for mm in m])

    nu = curve(s)
    rng = np.random.default_rng(seed)
    rand = np.stack([curve(rng.permutation(s)) for _ in range(int(n_random))])
    area = float(np.trapezoid(nu, tau_grid))
    areas = np.trapezoid(rand, tau_grid, axis=1)
    return {
        "tau": tau_grid.tolist(),
        "nu": nu.tolist(),
        "random_mean": rand.mean(axis=0).tolist(),
        "random_lo": np.percentile(rand, 2.5, axis=0).tolist(),
        "area": area,
        "random_area_mean": float(areas.mean()),
        "p_value": float((1 + np.sum(areas <= area)) / (areas.size + 1)),
        "n_targets": len(targets),
        "n_rows": int(s.size),
        "n_random": int(n_random),
    }
