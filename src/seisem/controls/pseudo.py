"""Pseudo-event catalogs: the real catalog moved in time, for nulls that keep everything else.

* :func:`pseudo_catalogs`: ``n`` copies of the station-event pairs with the event times moved:
  ``method="shift"`` (default) moves the *whole* catalog by one random whole number of days
  per copy, circularly within the span of the data, so the catalog keeps its clustering in
  time and space (and any dependence between events); ``method="random"`` draws each event's
  time independently (the older scheme; it breaks the clustering and so gives a null that is
  too narrow for a clustered catalog).
* :func:`pseudo_events`: the fast pipeline (labels, episode split, the band-power and
  activity baselines) on the real catalog and on each pseudo catalog; the real score is
  placed in that distribution. The CNN under the same null is :mod:`seisem.cnn_null`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._errors import ParameterError, check_choice
from ..data.daily import BAND_COLUMNS, utc_naive
from ..data.pairing import label_days
from ..data.splits import assign_splits, split_groups
from ..metrics import binary_metrics, null_p_value
from .baselines import fit_predict

METHODS = ("shift", "random")


def _span(daily_days, cfg):
    days = np.asarray(pd.Series(daily_days).astype(str).unique(), dtype="datetime64[D]")
    lo = days.min() + np.timedelta64(int(cfg.get("before_days", 14)) + 1, "D")
    hi = days.max() - np.timedelta64(int(cfg.get("after_days", 14)), "D")
    if hi <= lo:
        raise ParameterError(
            "the data span too few days for pseudo-events (before_days + after_days + 2 needed)"
        )
    return lo, hi


def pseudo_catalogs(pairs, daily, cfg, *, n: int, seed: int = 0, method: str = "shift") -> list:
    """``n`` copies of ``pairs`` with the event origin times moved in time.

    The time span is that of ``daily``'s days, leaving ``before_days``/``after_days`` on each
    side. ``method="shift"``: one shift per copy, at least ``before_days + after_days + 1`` days
    and at most the span less that, applied circularly. Seeded; ``pairs`` is not changed.

    Parameters
    ----------
    pairs : pandas.DataFrame
        The station-event pairs (``pairs.csv`` of a dataset): ``source_id`` and
        ``source_origin_time`` (UTC) are used, every other column is copied.
    daily : pandas.DataFrame
        The dataset's daily table (``daily.csv``); its ``day`` column gives the span.
    cfg : dict
        The build configuration (``manifest["config"]``): ``before_days`` and ``after_days``
        (default 14 each).
    n : int
        Number of pseudo catalogs (positive).
    seed : int, default 0
        Seed of the shifts (or times).
    method : {"shift", "random"}, default "shift"
        Shift the whole catalog by one random whole number of days per copy (clustering
        kept), or draw each event's time uniformly over the span (clustering broken).

    Returns
    -------
    list of pandas.DataFrame
        ``n`` copies of ``pairs`` with new ``source_origin_time`` (naive UTC,
        ``datetime64[ns]``); with ``"shift"`` also ``pseudo_shift_days``, the copy's shift.

    Raises
    ------
    ParameterError
        An unknown ``method``, ``n`` below 1, or a span too short for the windows (or, with
        ``"shift"``, for a shift of at least ``before_days + after_days + 1`` days each way).
    """
    check_choice("method", method, METHODS)
    if int(n) < 1:
        raise ParameterError(f"n={n!r} must be a positive number of pseudo catalogs")
    rng = np.random.default_rng([int(seed), 0xE7E7])
    lo, hi = _span(daily["day"], cfg)
    t = utc_naive(pairs["source_origin_time"])
    ids = pairs["source_id"].astype(str).to_numpy()
    out = []
    if method == "random":
        span_s = int((hi - lo).astype("timedelta64[s]").astype(np.int64))
        uniq = np.unique(ids)
        for _ in range(int(n)):
            new = lo.astype("datetime64[s]") + rng.integers(0, span_s, uniq.size).astype("timedelta64[s]")
            m = dict(zip(uniq, new, strict=True))
            p = pairs.copy()
            p["source_origin_time"] = np.array([m[s] for s in ids], dtype="datetime64[s]").astype(
                "datetime64[ns]"
            )
            out.append(p)
        return out
    span_d = int((hi - lo).astype(np.int64))
    guard = int(cfg.get("before_days", 14)) + int(cfg.get("after_days", 14)) + 1
    if span_d <= 2 * guard:
        raise ParameterError(
            f"the data span {span_d} usable days, too few to shift the catalog by at least {guard} days "
            "each way; use method='random' or more data"
        )
    lo_s = lo.astype("datetime64[s]")
    for _ in range(int(n)):
        shift = int(rng.integers(guard, span_d - guard + 1))
        rel = (t - lo_s).astype(np.int64) + shift * 86400
        rel %= span_d * 86400
        p = pairs.copy()
        p["source_origin_time"] = (lo_s + rel.astype("timedelta64[s]")).astype("datetime64[ns]")
        p["pseudo_shift_days"] = shift
        out.append(p)
    return out


def _fast_score(pairs, daily_ok, cfg, seed):
    """Label days from ``pairs``, split by episodes, fit the two fast baselines; returns their
    test balanced accuracies (NaN when the split cannot be scored)."""
    before, after = int(cfg.get("before_days", 14)), int(cfg.get("after_days", 14))
    samples, _ = label_days(
        pairs,
        before_days=before,
        after_days=after,
        tz=cfg.get("tz", "UTC"),
        collision=cfg.get("collision", "drop"),
    )
    nan = {"logistic_band_power": np.nan, "geomagnetic_activity": np.nan, "n": 0}
    if not len(samples):
        return nan
    day = pd.to_datetime(samples["day"]).dt.strftime("%Y-%m-%d")
    key = samples["station_code"].astype(str) + "|" + day
    rows = daily_ok.reindex(key.to_numpy())
    keep = rows["activity_control"].notna().to_numpy() & rows[BAND_COLUMNS].notna().all(axis=1).to_numpy()
    if keep.sum() < 20:
        return nan
    meta = samples.assign(trace_day_local=day.to_numpy())[keep].reset_index(drop=True)
    y = meta["label"].to_numpy(int)
    groups = split_groups(meta, "episode", before_days=before, after_days=after)
    split = assign_splits(groups, y, seed=seed, tries=20)
    tr, te = split == "train", split == "test"
    if np.unique(y[tr]).size < 2 or np.unique(y[te]).size < 2:
        return nan
    x_bp = rows[BAND_COLUMNS].to_numpy(dtype=np.float64)[keep]
    x_a = rows["activity_control"].to_numpy(dtype=np.float64)[keep, None]
    return {
        "logistic_band_power": binary_metrics(y[te], fit_predict(x_bp[tr], y[tr], x_bp[te]))[
            "balanced_accuracy"
        ],
        "geomagnetic_activity": binary_metrics(y[te], fit_predict(x_a[tr], y[tr], x_a[te]))[
            "balanced_accuracy"
        ],
        "n": int(keep.sum()),
    }


def pseudo_events(pairs, daily, cfg, *, n: int = 20, seed: int = 0, method: str = "shift") -> dict:
    """The fast pipeline on the real catalog and on ``n`` pseudo catalogs; the real balanced
    accuracies placed in the pseudo distribution (``p_value`` = (1 + #{pseudo >= real}) / (n +
    1), and the percentile). Refitted in the loop: logistic regression on band powers and on
    the activity index ``daily["activity_control"]`` (not the CNN: :mod:`seisem.cnn_null`);
    the exclusion of days near other events is not applied in this fast pipeline, so its real
    score can differ from the same baseline in ``baselines`` (which is scored on the dataset's
    own split and rows). The catalogs are returned under ``"_catalogs"`` (drop before writing)."""
    if int(n) < 1:
        raise ParameterError(
            f"pseudo_events n={n!r} must be a positive number of catalogs (0 to skip elsewhere)"
        )
    pairs = pairs.copy()
    pairs["source_origin_time"] = utc_naive(pairs["source_origin_time"]).astype("datetime64[ns]")
    d = daily.copy()
    d.index = d["station_code"].astype(str) + "|" + d["day"].astype(str)
    d = d[~d.index.duplicated()]
    real = _fast_score(pairs, d, cfg, seed)
    cats = pseudo_catalogs(pairs, daily, cfg, n=n, seed=seed, method=method)
    draws = [_fast_score(p, d, cfg, seed) for p in cats]
    out = {
        "n": int(n),
        "seed": int(seed),
        "method": method,
        "refitted": "logistic regression on band powers and on the activity index (fast baselines), "
        "episode split, no exclusion of days near other events; the CNN is not retrained here "
        "(seisem null-catalogs does that)",
        "metric": "balanced_accuracy",
    }
    for k in ("logistic_band_power", "geomagnetic_activity"):
        v = np.array([dr[k] for dr in draws], dtype=np.float64)
        ok = v[np.isfinite(v)]
        r = float(real[k])
        out[k] = {
            "real": r,
            "pseudo": v.tolist(),
            "pseudo_mean": float(ok.mean()) if ok.size else None,
            "pseudo_95": [float(np.percentile(ok, 2.5)), float(np.percentile(ok, 97.5))]
            if ok.size
            else [None, None],
            "percentile": float(100 * np.mean(ok < r)) if ok.size and np.isfinite(r) else None,
            "p_value": place_among_nulls(r, ok)["p_value"] if ok.size and np.isfinite(r) else None,
            "n_scored": int(ok.size),
        }
    out["_catalogs"] = cats
    return out


def place_among_nulls(real: float, nulls) -> dict:
    """Where the real score stands among the scores of null catalogs: the one rule of the pseudo-event
    control and of the CNN under shifted catalogs (:mod:`seisem.cnn_null`).

    Parameters
    ----------
    real : float
        The real catalog's balanced accuracy.
    nulls : sequence of float
        The balanced accuracies on the pseudo catalogs (finite values: the caller drops the
        catalogs that could not be scored).

    Returns
    -------
    dict
        ``p_value`` (one-sided, :math:`(1 + k) / (n + 1)` with :math:`k` the null scores at least the
        real one),
        ``min_attainable_p`` (:math:`1 / (n + 1)`: with fewer than 19 catalogs no test at 5 % is
        possible, and the statement says so) and ``statement``, a sentence.
    """
    v = np.asarray(nulls, dtype=np.float64)
    p_value = null_p_value(real, v)
    min_p = 1.0 / (v.size + 1)
    statement = (
        f"the real balanced accuracy {real:.3f} is above all {v.size} shifted catalogs "
        f"({', '.join(f'{x:.3f}' for x in v)})"
        if np.all(v < real)
        else f"{int(np.sum(v >= real))} of {v.size} shifted catalogs score at least the real {real:.3f}"
    )
    statement += f"; p = {p_value:.3f}, and with {v.size} catalogs the smallest attainable p is {min_p:.3f}"
    if min_p > 0.05:
        statement += ": this places the score, it is no test at 5 % (19 catalogs are needed)"
    return {"p_value": p_value, "min_attainable_p": min_p, "statement": statement}
