"""What the model adds beyond geomagnetic activity, and the verdict on whether activity explains it.

A model can separate *before* from *after* days because activity (a storm) differs between
them, not because of a precursor. :func:`skill_beyond_activity` compares, out of fold over
independent units, a logistic regression of the label on the activity index alone with one
on the activity index and the model's score, and judges the difference with a
leave-one-unit-out jackknife (t on ``G - 1`` df). Its calibration (no false "skill beyond
activity" when the score only carries activity) and its power (a precursor independent of
activity is found) are checked by simulation in ``tests/seisem/test_calibration.py``.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .._errors import ParameterError
from ..metrics import bacc_of_counts, check_labels, jackknife_t, unit_counts

#: Ridge (L2) penalty of the logistic fits, on standardised features, relative to the
#: (class-balanced) weight of one sample: small, it only keeps separable folds finite.
RIDGE = 1.0
#: Scores are clipped to [EPS, 1 - EPS] before their logit is taken.
EPS = 1e-6
#: Standardised activity is clipped to +-CLIP before it is squared (storms have heavy tails).
CLIP = 5.0
#: Folds over units at most (leave-one-unit-out below that many units).
MAX_FOLDS = 10


def fit_logistic(x, y, *, ridge: float = RIDGE, max_iter: int = 100, tol: float = 1e-10) -> np.ndarray:
    """Class-balanced, ridge-penalised logistic regression by Newton's method (IRLS).

    Parameters
    ----------
    x : array (n, p)
        Features, already standardised (the intercept is added here and not penalised).
    y : array of {0, 1}
        Labels; each class gets half of the total weight.
    ridge : float
        L2 penalty on the slopes.

    Returns
    -------
    numpy.ndarray
        ``[intercept, slope_1, ..., slope_p]``.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = y.size
    n1 = y.sum()
    w = np.where(y == 1, n / (2 * n1), n / (2 * (n - n1)))
    xa = np.column_stack([np.ones(n), x])
    pen = np.full(xa.shape[1], float(ridge))
    pen[0] = 0.0
    beta = np.zeros(xa.shape[1])
    for _ in range(max_iter):
        eta = np.clip(xa @ beta, -30, 30)
        p = 1 / (1 + np.exp(-eta))
        grad = xa.T @ (w * (p - y)) + pen * beta
        hess = (xa * (w * p * (1 - p))[:, None]).T @ xa + np.diag(pen) + 1e-9 * np.eye(xa.shape[1])
        step = np.linalg.solve(hess, grad)
        beta = beta - step
        if np.max(np.abs(step)) < tol:
            break
    return beta


def _expand(x, ref, square):
    """``x`` with the squares of its columns ``square`` appended, centred and scaled by the
    training rows ``ref`` first (a quadratic in the activity index: a confound may change the
    spread of activity, not only its level)."""
    if not square:
        return x
    mu, sd = ref[:, square].mean(axis=0), ref[:, square].std(axis=0)
    sd[sd == 0] = 1.0
    z = np.clip((x[:, square] - mu) / sd, -CLIP, CLIP)
    return np.column_stack([x, z**2])


def _oof(features, y, fold, k, square=(0,)):
    """Out-of-fold probabilities of label 1 from a logistic fit on the other folds; NaN
    features are imputed with the training folds' median; the columns ``square`` enter with
    their squares too. Returns (probabilities, count of imputed test rows)."""
    n = y.size
    out = np.full(n, 0.5)
    n_imputed = 0
    for f in range(k):
        te = fold == f
        tr = ~te
        xtr, xte = features[tr].copy(), features[te].copy()
        for j in range(features.shape[1]):
            good = np.isfinite(xtr[:, j])
            med = float(np.median(xtr[good, j])) if good.any() else 0.0
            xtr[~good, j] = med
            bad = ~np.isfinite(xte[:, j])
            if j == 0:
                n_imputed += int(bad.sum())
            xte[bad, j] = med
        xtr, xte = _expand(xtr, xtr, square), _expand(xte, xtr, square)
        mu, sd = xtr.mean(axis=0), xtr.std(axis=0)
        sd[sd == 0] = 1.0
        ytr = y[tr]
        if ytr.min() == ytr.max():  # one class in training: no fit, an uninformative prediction
            continue
        beta = fit_logistic((xtr - mu) / sd, ytr)
        eta = np.clip(beta[0] + ((xte - mu) / sd) @ beta[1:], -30, 30)
        out[te] = 1 / (1 + np.exp(-eta))
    return out, n_imputed


def _fmt_ci(ci):
    return "not estimable" if ci[0] is None else f"[{ci[0]:.3f}, {ci[1]:.3f}]"


def skill_beyond_activity(
    y,
    score,
    activity,
    units,
    *,
    model_p=None,
    interpretable: bool = True,
    level: float = 0.95,
    alpha: float = 0.05,
    min_units: int = 10,
) -> dict:
    """What the model's score adds beyond the activity index, with a verdict.

    Over the test rows, out of fold over units (leave-one-unit-out, or ``K = 10`` folds of
    interleaved units when there are more), two class-balanced logistic regressions of the
    label are fitted on standardised features with a small ridge: (a) on the activity index
    alone, (b) on the activity index and ``logit(score)``; the index enters
    with its square (standardised, clipped at +-5): a confound may change the spread of
    activity, not only its level (simulated, with before-days of more variable activity, a
    linear term alone took activity for skill in 91 % of datasets, with the square in 3-7 %). Their out-of-fold probabilities,
    and (c) the model's own score, are thresholded at 0.5: balanced accuracies ``b_act``,
    ``b_both`` and ``b_model``. ``skill_beyond_activity = b_both - b_act``. Intervals: a
    leave-one-unit-out jackknife of each (and of the difference) on the out-of-fold
    predictions, t quantiles on ``G - 1`` df. The p-value is one-sided (H0: no skill beyond
    activity) from the same jackknife t statistic (``estimate / se`` on ``G - 1`` df).

    Verdict (``verdict``, ``explains``):

    1. not ``interpretable``, or fewer than ``min_units`` units: ``"cannot tell at this
       size"`` (``None``);
    2. the model is not above chance (``model_p >= alpha``, or without ``model_p`` the lower
       end of ``b_model``'s interval at most 0.5; a ``b_model`` at most 0.5 too):
       ``"no skill to explain"`` (``False``);
    3. the skill beyond activity is significant (p < ``alpha``): ``"skill beyond activity"``
       (``False``);
    4. activity alone is above chance (the lower end of ``b_act``'s interval above 0.5):
       ``"explained by activity"`` (``True``);
    5. otherwise ``"cannot tell at this size"`` (``None``).

    Parameters
    ----------
    y : array of {0, 1}
        Labels of the test rows.
    score : array of float in [0, 1]
        The model's out-of-sample score of each test row.
    activity : array of float
        The activity index of each row; NaN is imputed with the training folds' median (the
        rows so imputed are counted in ``n_activity_imputed``).
    units : array
        The independent unit (episode) of each row.
    model_p : float, optional
        The model's unit permutation p-value (:func:`seisem.metrics.group_permutation_null`).
    interpretable : bool
        Whether the test split supports a conclusion at all.
    level : float
        Coverage of the intervals.
    alpha : float
        Level of the tests.
    min_units : int
        Fewest units for any verdict but "cannot tell at this size".

    Returns
    -------
    dict
        ``skill_beyond_activity``, ``interval``, ``p_value``, ``balanced_accuracy``
        (``model``, ``activity``, ``model_and_activity``), ``intervals`` (the same keys),
        ``activity_share`` (``(b_act - 0.5) / (b_model - 0.5)``, ``None`` when the model is at
        or below chance), ``verdict``, ``explains``, ``why`` (one sentence), ``model_p``,
        ``n_units``, ``n_rows``, ``n_activity_imputed``, ``folds``, ``level``, ``alpha``,
        ``min_units``, ``method``, ``n_scored_rows`` (rows with a known activity index).
    """
    y = np.asarray(y)
    s = np.asarray(score, dtype=np.float64)
    a = np.asarray(activity, dtype=np.float64)
    g = np.asarray(units)
    if y.ndim != 1 or not (y.shape == s.shape == a.shape == g.shape):
        raise ParameterError(
            f"y, score, activity and units must be 1-D of one length, got {y.shape}, {s.shape}, {a.shape}, {g.shape}"
        )
    check_labels(y)
    if not np.all(np.isfinite(s)) or np.any(s < 0) or np.any(s > 1):
        raise ParameterError("score must hold finite probabilities in [0, 1], one per row")
    if not 0 < float(level) < 1:
        raise ParameterError(f"level={level!r} must be strictly between 0 and 1 (e.g. 0.95)")
    if not 0 < float(alpha) < 1:
        raise ParameterError(f"alpha={alpha!r} must be strictly between 0 and 1 (e.g. 0.05)")
    if isinstance(min_units, bool) or not isinstance(min_units, (int, np.integer)) or min_units < 1:
        raise ParameterError(f"min_units={min_units!r} must be a positive integer")
    if model_p is not None and not 0 <= float(model_p) <= 1:
        raise ParameterError(f"model_p={model_p!r} must be a p-value in [0, 1] or None")
    y = y.astype(int)
    uniq, inv = np.unique(g.astype(str), return_inverse=True)
    n_units = int(uniq.size)
    k = min(n_units, MAX_FOLDS)
    fold = inv % k if k else inv
    base = {
        "model_p": None if model_p is None else float(model_p),
        "n_units": n_units,
        "n_rows": int(y.size),
        "folds": "leave-one-unit-out" if k == n_units else f"{k} folds of interleaved units",
        "level": level,
        "alpha": alpha,
        "min_units": int(min_units),
        "method": (
            "out-of-fold (over units) class-balanced logistic regressions of the label on the activity index "
            "and its square, and on those and logit(score), thresholded at 0.5; leave-one-unit-out jackknife "
            "intervals and a one-sided jackknife t test on G - 1 df (G: the units of the scored rows)"
        ),
    }
    known = np.isfinite(a)
    if n_units < 2 or np.unique(y).size < 2 or np.unique(y[known]).size < 2:
        why = (
            f"{n_units} unit(s), {np.unique(y).size} class(es) in the test rows and {int(known.sum())} row(s) with a "
            "known activity index: nothing can be fitted and compared out of fold"
        )
        return {
            "skill_beyond_activity": None,
            "interval": [None, None],
            "p_value": None,
            "balanced_accuracy": {"model": None, "activity": None, "model_and_activity": None},
            "intervals": {
                "model": [None, None],
                "activity": [None, None],
                "model_and_activity": [None, None],
            },
            "activity_share": None,
            "n_activity_imputed": int(np.sum(~known)),
            "n_scored_rows": 0,
            "verdict": "cannot tell at this size",
            "explains": None,
            "why": why,
            **base,
        }
    logit = np.log(np.clip(s, EPS, 1 - EPS) / (1 - np.clip(s, EPS, 1 - EPS)))
    p_act, n_imp = _oof(a[:, None], y, fold, k)
    p_both, _ = _oof(np.column_stack([a, logit]), y, fold, k)  # activity and its square in both
    # scored: rows whose activity is known (on a row with an imputed index the score could
    # carry the activity that the index lacks, which would pass for skill beyond activity)
    known = np.isfinite(a)
    base["n_scored_rows"] = int(known.sum())
    su, sinv = np.unique(inv[known], return_inverse=True)
    n_units = base["n_units"] = int(su.size)
    yb = y[known] == 1
    preds = {
        "model": s[known] >= 0.5,
        "activity": p_act[known] >= 0.5,
        "model_and_activity": p_both[known] >= 0.5,
    }
    full, loo = {}, {}
    for name, pr in preds.items():
        c = unit_counts(yb, pr, sinv, n_units)
        tot = c.sum(axis=0)
        full[name] = float(bacc_of_counts(*tot))
        loo[name] = bacc_of_counts(*(tot[None, :] - c).T)
    jk = {name: jackknife_t(full[name], loo[name], level=level, bounds=(0.0, 1.0)) for name in preds}
    diff = full["model_and_activity"] - full["activity"]
    jd = jackknife_t(diff, loo["model_and_activity"] - loo["activity"], level=level, bounds=(-1.0, 1.0))
    pval = None if jd["t"] is None else float(stats.t.sf(jd["t"], jd["df"]))
    b_model, b_act, b_both = full["model"], full["activity"], full["model_and_activity"]
    share = (b_act - 0.5) / (b_model - 0.5) if b_model > 0.5 else None
    ci_model, ci_act = jk["model"]["interval"], jk["activity"]["interval"]
    numbers = (
        f"balanced accuracy of the model {b_model:.3f} {_fmt_ci(ci_model)}, of activity alone {b_act:.3f} "
        f"{_fmt_ci(ci_act)}, of activity and the model's score {b_both:.3f}; the model adds {diff:+.3f} "
        f"{_fmt_ci(jd['interval'])} beyond activity"
        + (f" (one-sided p = {pval:.3f})" if pval is not None else "")
        + f", over {n_units} units"
    )
    if model_p is not None:
        above = float(model_p) < alpha and b_model > 0.5
        chance = f"the model's unit permutation p = {float(model_p):.3f}"
    else:
        above = ci_model[0] is not None and ci_model[0] > 0.5 and b_model > 0.5
        chance = "the model's interval"
    if not interpretable or n_units < min_units:
        verdict, explains = "cannot tell at this size", None
        why = (
            "The test split is not interpretable"
            if not interpretable
            else f"Only {n_units} units (fewer than {min_units})"
        ) + f", so whether activity explains the score cannot be told: {numbers}."
    elif not above:
        verdict, explains = "no skill to explain", False
        why = f"The model is not above chance ({chance}), so there is no skill for activity to explain: {numbers}."
    elif pval is not None and pval < alpha:
        verdict, explains = "skill beyond activity", False
        why = f"The model's score carries information beyond the activity index: {numbers}."
    elif ci_act[0] is not None and ci_act[0] > 0.5:
        verdict, explains = "explained by activity", True
        why = f"Activity alone is above chance and the model adds no significant skill beyond it: {numbers}."
    else:
        verdict, explains = "cannot tell at this size", None
        why = f"Neither activity alone nor the skill beyond it is significant at this size: {numbers}."
    return {
        "skill_beyond_activity": float(diff),
        "interval": jd["interval"],
        "p_value": pval,
        "balanced_accuracy": {"model": b_model, "activity": b_act, "model_and_activity": b_both},
        "intervals": {name: jk[name]["interval"] for name in preds},
        "activity_share": None if share is None else float(share),
        "n_activity_imputed": int(n_imp),
        "verdict": verdict,
        "explains": explains,
        "why": why,
        **base,
    }
