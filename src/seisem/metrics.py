"""Binary classification metrics (NumPy), intervals and permutation nulls over independent units.

The test split's station-days are not independent: days of one event share its station's
state, and days of different stations on overlapping dates share network-wide signals. The
inference here therefore works on *units* (episodes, :func:`seisem.data.splits.episode_groups`):
:func:`group_permutation_null` swaps the labels of whole units, :func:`unit_interval` gives
leave-one-unit-out jackknife intervals with Student t quantiles on ``G - 1`` degrees of
freedom. Both are checked for calibration by simulation in ``tests/seisem/test_calibration.py``.
The Molchan diagram lives in :mod:`seisem.controls.molchan`.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

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
    ranks = stats.rankdata(s, method="average")  # average ranks over ties
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def confusion(y, pred) -> np.ndarray:
    """``[[tn, fp], [fn, tp]]``."""
    y = np.asarray(y).astype(bool)
    p = np.asarray(pred).astype(bool)
    return np.array([[np.sum(~y & ~p), np.sum(~y & p)], [np.sum(y & ~p), np.sum(y & p)]], dtype=np.int64)


def labels_and_scores(y, score, names: str = "y and score", labels: str = "y: labels"):
    """``(y, score)`` as arrays (scores as float64), checked: 1-D of one length (``names`` them
    in the message) and labels 0 or 1 (:func:`check_labels`)."""
    y = np.asarray(y)
    s = np.asarray(score, dtype=np.float64)
    if y.shape != s.shape or y.ndim != 1:
        raise ParameterError(f"{names} must be 1-D of one length, got {y.shape} and {s.shape}")
    check_labels(y, labels)
    return y, s


def check_labels(y, labels: str = "y: labels") -> None:
    """Raise unless every label in ``y`` is 0 or 1 (``labels`` names them in the message)."""
    if y.size and not np.isin(y, (0, 1)).all():
        raise ParameterError(f"{labels} must be 0 or 1")


def _div(a, b):
    return float(a / b) if b else 0.0


def binary_metrics(y, score, threshold: float = 0.5) -> dict:
    """accuracy, balanced accuracy, precision, recall, F1, MCC and ROC-AUC of scores ``score``
    (probabilities of class 1) for labels ``y`` in {0, 1}. Conventions as scikit-learn: a
    ratio with a zero denominator is 0."""
    y, s = labels_and_scores(y, score, "labels and scores", "labels")
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


def subset_row(y, score, *, min_days: int = 10) -> dict:
    """One row of a breakdown table (per station, magnitude, activity level): its station-days,
    before share, accuracy and balanced accuracy, or ``not_scored`` with the reason when it has
    fewer than ``min_days`` days or one class only (a score there would mean nothing)."""
    y = np.asarray(y)
    n = int(y.size)
    row = {"n": n, "before_share": float(np.mean(y)) if n else None}
    if n < min_days or np.unique(y).size < 2:
        row["not_scored"] = (
            f"one class only ({'before' if y[0] == 1 else 'after'})"
            if n and np.unique(y).size < 2
            else f"{n} days (fewer than {min_days})"
        )
        row["accuracy"] = row["balanced_accuracy"] = None
    else:
        m = binary_metrics(y, score)
        row["accuracy"], row["balanced_accuracy"] = m["accuracy"], m["balanced_accuracy"]
    return row


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


def null_p_value(observed: float, null) -> float:
    """One-sided p-value of ``observed`` among draws ``null`` of its null distribution:
    ``(1 + #{null >= observed}) / (n + 1)``, at least ``1 / (n + 1)``.

    Parameters
    ----------
    observed : float
        The statistic on the real data.
    null : array_like
        Its values under the null (permutations, pseudo catalogs).
    """
    null = np.asarray(null, dtype=np.float64)
    return float((1 + np.sum(null >= observed)) / (null.size + 1))


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
        "p_value": null_p_value(observed, null),
        "n_perm": int(n_perm),
    }


def _unit_index(groups, n: int, name: str = "groups"):
    """Unique units (as ``str``) and each row's unit index."""
    g = np.asarray(groups)
    if g.shape != (n,):
        raise ParameterError(f"{name} must give one unit per row ({n} rows), got shape {g.shape}")
    return np.unique(g.astype(str), return_inverse=True)


def unit_counts(y, pred, inv, k: int) -> np.ndarray:
    """Per unit ``[tn, fp, fn, tp]`` (shape ``(k, 4)``) of boolean labels and predictions."""
    cell = 2 * y.astype(np.int64) + pred.astype(np.int64)
    return np.bincount(inv * 4 + cell, minlength=4 * k).reshape(k, 4)


def bacc_of_counts(tn, fp, fn, tp):
    """Balanced accuracy from (arrays of) confusion counts, as :func:`binary_metrics`: the
    mean of the recalls of the classes present, 0 when none is."""
    pos, neg = tp + fn, tn + fp
    with np.errstate(divide="ignore", invalid="ignore"):
        tpr = np.where(pos > 0, tp / np.where(pos > 0, pos, 1), 0.0)
        tnr = np.where(neg > 0, tn / np.where(neg > 0, neg, 1), 0.0)
    n_present = (pos > 0).astype(np.int64) + (neg > 0)
    both = (tpr + tnr) / 2
    return np.where(n_present == 2, both, np.where(n_present == 1, tpr + tnr, 0.0))


def _metrics_counts(tn, fp, fn, tp) -> dict:
    """Every threshold metric of :data:`NAMES` (all but ``roc_auc``) from (arrays of)
    confusion counts, with the conventions of :func:`binary_metrics`."""
    tn, fp, fn, tp = (np.asarray(a, dtype=np.float64) for a in (tn, fp, fn, tp))

    def div(a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(b != 0, a / np.where(b != 0, b, 1), 0.0)

    denom = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return {
        "accuracy": div(tp + tn, tp + tn + fp + fn),
        "balanced_accuracy": bacc_of_counts(tn, fp, fn, tp),
        "precision": div(tp, tp + fp),
        "recall": div(tp, tp + fn),
        "f1": div(2 * tp, 2 * tp + fp + fn),
        "mcc": div(tp * tn - fp * fn, denom),
    }


#: The range of each metric (intervals are clipped to it).
RANGES = {name: (0.0, 1.0) for name in NAMES} | {"mcc": (-1.0, 1.0)}


def group_permutation_null(
    y, pred, groups, *, n_perm: int = 1000, seed: int = 0, unit: str = "event-group"
) -> dict:
    """A permutation null that respects dependence: labels are permuted between units, not days.

    Station-days of one event (or one episode, one time block) are not independent, so
    permuting single days gives a null that is too narrow and p-values that are too small.
    Here each randomisation swaps the labels before <-> after of *all* the days of a random
    half of the units (a cluster-level randomisation: under the null that the predictions
    carry no information on before vs after, a unit's labels and their mirror image are
    exchangeable, since the design puts ``before_days`` on one side of an event and
    ``after_days`` on the other). The units must be independent of each other: use episodes
    (:func:`seisem.data.splits.episode_groups`), not event groups, when events of different
    stations share dates. The statistic is the balanced accuracy of the fixed predictions
    (a class mix that changes with the swaps does not move it). With ``2**k <= n_perm``
    (and ``k <= 20`` units) every assignment is enumerated (an exact test,
    :math:`p = m / 2^k`, with :math:`m` the assignments, the identity included, whose
    balanced accuracy is at least the observed one); else ``n_perm`` random ones,
    :math:`p = (1 + m) / (N + 1)` with :math:`m` counted among the :math:`N` = ``n_perm``
    draws. The smallest attainable p is reported: with few units no result can be significant.

    Parameters
    ----------
    y : array of {0, 1}
        Labels (1 = before).
    pred : array of {0, 1}
        Fixed predictions (converted to ``int``; 1 = before).
    groups : array
        The unit of each row.
    n_perm : int
        Random assignments when the enumeration would be longer.
    seed : int
        Seed of the random assignments.
    unit : str
        What a unit is called in the result.

    Returns
    -------
    dict
        ``unit, scheme, statistic, observed, null_mean, null_std, null_95, p_value,
        min_attainable_p, n_units, n_perm, exact``.

    Notes
    -----
    Vectorised: the per-unit confusion counts are computed once, and a swap of unit ``u``
    exchanges its ``tp <-> fp`` and ``fn <-> tn``; the null's counts are matrix products of
    the swap indicators with the unit counts.
    """
    y = np.asarray(y)
    p = np.asarray(pred).astype(int)
    g = np.asarray(groups)
    if y.shape != p.shape or y.shape != g.shape or y.ndim != 1:
        raise ParameterError(
            f"labels, predictions and groups must have one length, got {y.shape}, {p.shape}, {g.shape}"
        )
    check_labels(y)
    if int(n_perm) < 1:
        raise ParameterError(f"n_perm={n_perm!r} must be a positive number of permutations")
    y = y.astype(int)
    uniq, inv = np.unique(g.astype(str), return_inverse=True)
    k = int(uniq.size)
    counts = unit_counts(y == 1, p >= 0.5, inv, k)  # (k, 4): tn, fp, fn, tp
    tot = counts.sum(axis=0)
    observed = float(bacc_of_counts(*tot)) if y.size else float("nan")
    exact = k <= 20 and 2**k <= int(n_perm)
    if exact:
        flips = ((np.arange(2**k)[:, None] >> np.arange(k)[None, :]) & 1).astype(bool)
    else:
        rng = np.random.default_rng(seed)
        flips = rng.random((int(n_perm), k)) < 0.5
    # a swapped unit contributes (tn, fp, fn, tp) -> (fn, tp, tn, fp)
    f = flips.astype(np.int64)
    swapped = counts[:, [2, 3, 0, 1]]
    null_counts = tot[None, :] + f @ (swapped - counts)
    null = bacc_of_counts(*null_counts.T)
    n_ge = int(np.sum(null >= observed - 1e-12))
    pval = n_ge / null.size if exact else (1 + n_ge) / (null.size + 1)
    return {
        "unit": unit,
        "scheme": "labels of whole units swapped (before <-> after) for a random half of the units",
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


def jackknife_t(full, loo, *, level: float = 0.95, bounds=(-np.inf, np.inf)):
    """Leave-one-unit-out jackknife interval of a statistic, t quantiles on ``G - 1`` df.

    Parameters
    ----------
    full : float
        The statistic on all ``G`` units.
    loo : array of G floats
        The statistic with each unit left out.
    level : float
        Two-sided coverage of the interval.
    bounds : (float, float)
        The statistic's range; the interval is clipped to it.

    Returns
    -------
    dict
        ``estimate`` (bias-corrected: the mean of the pseudo-values
        ``G * full - (G - 1) * loo``), ``se``, ``interval`` ``[lo, hi]`` (``[None, None]``
        when fewer than 3 units or a value is not finite), ``t`` (``estimate / se``) and
        ``df``.
    """
    loo = np.asarray(loo, dtype=np.float64)
    g = int(loo.size)
    if g < 3 or not np.isfinite(full) or not np.all(np.isfinite(loo)):
        return {"estimate": None, "se": None, "interval": [None, None], "t": None, "df": max(g - 1, 0)}
    pseudo = g * float(full) - (g - 1) * loo
    est = float(pseudo.mean())
    se = float(pseudo.std(ddof=1) / np.sqrt(g))
    q = float(stats.t.ppf((1 + level) / 2, g - 1))
    lo, hi = est - q * se, est + q * se
    lo, hi = float(np.clip(lo, *bounds)), float(np.clip(hi, *bounds))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = est / se if se > 0 else (np.inf if est > 0 else (-np.inf if est < 0 else 0.0))
    return {"estimate": est, "se": se, "interval": [lo, hi], "t": float(t), "df": g - 1}


def unit_interval(y, score, units, *, level: float = 0.95, threshold: float = 0.5) -> dict:
    """Small-sample intervals of every metric of :data:`NAMES` over independent units.

    Leave-one-unit-out jackknife: with ``G`` units, the metric on all rows (``theta``) and
    without each unit in turn (``theta_i``) give the pseudo-values
    ``G * theta - (G - 1) * theta_i``; the interval is their mean +- the Student t quantile
    on ``G - 1`` degrees of freedom times their standard error, clipped to the metric's
    range (``[0, 1]``; ``[-1, 1]`` for MCC). Units must be independent of each other
    (episodes, :func:`seisem.data.splits.episode_groups`). With fewer than 3 units no interval
    can be estimated: every interval is ``[None, None]`` and ``not_estimable`` says why; a
    metric undefined on some leave-one-out subset (ROC-AUC with one class) gets
    ``[None, None]`` too.

    Parameters
    ----------
    y : array of {0, 1}
        Labels.
    score : array of float
        Scores (probabilities of label 1).
    units : array
        The unit of each row.
    level : float
        Two-sided coverage, in (0, 1).
    threshold : float
        Scores at or above it predict label 1.

    Returns
    -------
    dict
        ``{name: [lo, hi]}`` for each of :data:`NAMES`, ``level``, ``n_units``, ``method``
        (a sentence), ``resampled`` (``"units"``), and ``not_estimable`` when ``G < 3``.
    """
    y, s = labels_and_scores(y, score)
    if not 0 < float(level) < 1:
        raise ParameterError(f"level={level!r} must be a coverage strictly between 0 and 1 (e.g. 0.95)")
    uniq, inv = _unit_index(units, y.size, "units")
    g = int(uniq.size)
    out: dict = {}
    method = (
        f"leave-one-unit-out jackknife over {g} independent units: mean of the pseudo-values "
        f"+- the t quantile on {max(g - 1, 0)} df times their standard error, clipped to the metric's range"
    )
    if g < 3:
        out.update({name: [None, None] for name in NAMES})
        out.update(
            level=level,
            n_units=g,
            method=method,
            resampled="units",
            not_estimable=f"{g} independent unit(s), fewer than 3: a jackknife interval needs at least 3",
        )
        return out
    yb = y == 1
    counts = unit_counts(yb, s >= threshold, inv, g)
    tot = counts.sum(axis=0)
    full = _metrics_counts(*tot)
    loo = _metrics_counts(*(tot[None, :] - counts).T)
    full["roc_auc"] = roc_auc(yb, s)
    order = np.argsort(inv, kind="stable")
    starts = np.searchsorted(inv[order], np.arange(g + 1))
    auc_loo = np.empty(g)
    for i in range(g):
        keep = np.ones(y.size, bool)
        keep[order[starts[i] : starts[i + 1]]] = False
        auc_loo[i] = roc_auc(yb[keep], s[keep])
    loo["roc_auc"] = auc_loo
    for name in NAMES:
        out[name] = jackknife_t(float(full[name]), loo[name], level=level, bounds=RANGES[name])["interval"]
    out.update(level=level, n_units=g, method=method, resampled="units")
    return out
