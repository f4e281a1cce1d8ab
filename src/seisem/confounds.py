"""Confound controls: geomagnetic activity, the split's dependence, pseudo-events, epochs, Molchan.

Low-frequency EM records are dominated by geomagnetic activity, and network-wide
disturbances leak between station-days of one calendar date. This module measures how much
of a model's score such things can explain:

* :func:`daily_table` / :func:`write_daily_table`: one row per station and calendar day of
  the station's data (``daily.csv`` in the dataset folder, written by ``seisem build``): the
  activity index of :mod:`seisem.geomag` from the station's own series, its per-station
  standardised log (``activity_std``), and the log band powers of the normalised day series
  (the features of the band-power baseline); ``pairs.csv`` keeps the station-event pairs.
* :func:`activity_baseline`: a classifier on the activity index alone (logistic regression on
  ``activity_std``), scored like the model; :func:`activity_strata`: the model's metrics per
  activity level.
* :func:`date_overlap`: the share of test station-days whose calendar date also occurs in
  train; :func:`split_side_by_side`: the event split and a time-block split of the same days.
* :func:`pseudo_events`: the fast pipeline (labels, event-group split, the band-power and
  activity baselines) with each event's time replaced by a random one (same stations, same
  count, seeded), ``n`` times; the real score placed in that distribution. The loop refits
  the two fast baselines, not the CNN (a CNN per pseudo catalog would cost a training run each).
* :func:`superposed_epoch`: a daily feature from -14 to +14 days around events, with the
  envelope of the same curve around pseudo-events (Chree 1913 superposed-epoch analysis).
"""

from __future__ import annotations

import logging
import os

import numpy as np

from ._errors import ParameterError, require
from .metrics import binary_metrics

log = logging.getLogger("seisem.confounds")
N_BANDS = 8
BAND_COLUMNS = [f"band_power_{b}" for b in range(N_BANDS)]
#: Activity levels: tertiles of ``activity_std`` over all station-days of the daily table.
ACTIVITY_LEVELS = ("quiet", "moderate", "disturbed")
EPOCH_DAYS = 14


def band_powers(series: np.ndarray, *, fs: float = 1 / 60, n_bands: int = N_BANDS) -> np.ndarray:
    """Log10 Welch power in ``n_bands`` log-spaced bands up to Nyquist, per day series."""
    from scipy.signal import welch

    f, p = welch(series, fs=fs, nperseg=min(256, series.shape[-1]), axis=-1)
    edges = np.geomspace(f[1], f[-1] * (1 + 1e-9), n_bands + 1)
    out = np.empty((series.shape[0], n_bands))
    for b in range(n_bands):
        sel = (f >= edges[b]) & (f < edges[b + 1])
        if not sel.any():
            sel = np.argmin(np.abs(f - edges[b])) == np.arange(f.size)
        out[:, b] = np.log10(p[:, sel].mean(axis=1) + 1e-20)
    return out


# --- the daily table ----------------------------------------------------------------------------


def station_daily_rows(code, rec, cfg, *, reg=None, l9: float = 500.0):
    """The daily rows of one station from its series read once (a
    :class:`seisem.data.station.StationRecord`); None without finite data.

    ``reg``: ``rec.values`` already regularised (:func:`seisem.data.regularize` with the
    config's interval and duplicates rule), as the build has it; None: regularised here.
    """
    import pandas as pd

    from .data.pairing import event_day
    from .data.qc import normalize_days
    from .data.series import day_matrix, regularize
    from .geomag import daily_activity, horizontal_nt

    if not rec.parts:
        return None
    if reg is None:
        reg = regularize(rec.times, rec.values, interval_s=cfg.interval_s, duplicates=cfg.duplicates)
    good = np.flatnonzero(np.isfinite(reg.values))
    if not good.size:
        return None
    span = event_day(reg.times[[good[0], good[-1]]], cfg.tz)
    days = np.arange(span[0], span[1] + np.timedelta64(1, "D"), dtype="datetime64[D]")
    raw = day_matrix(reg, days, tz=cfg.tz)
    if rec.in_nt:  # the activity of the horizontal field, from every element of each file
        comps = {}
        for part in rec.parts:
            for k, v in horizontal_nt(part).items():
                comps.setdefault(k, []).append(v)
        mats = [
            day_matrix(
                regularize(
                    rec.times, np.concatenate(v), interval_s=cfg.interval_s, duplicates=cfg.duplicates
                ),
                days,
                tz=cfg.tz,
            )
            for v in comps.values()
        ]
    else:  # one component: the series itself
        mats = [raw]
    act = daily_activity(mats, l9=l9 if rec.in_nt else None)
    missing = np.mean(~np.isfinite(raw), axis=1)
    ok = missing <= cfg.qc.max_missing
    bp = np.full((days.size, N_BANDS), np.nan)
    if ok.any():
        x = raw[ok].copy()
        idx = np.arange(x.shape[1])
        for i in range(x.shape[0]):
            m = np.isfinite(x[i])
            x[i] = np.interp(idx, idx[m], x[i, m])
        norm = normalize_days(x, method=cfg.normalize)
        bp[ok] = band_powers(norm, fs=1.0 / cfg.interval_s)
    df = pd.DataFrame({"station_code": str(code), "day": [str(d) for d in days], "missing_fraction": missing})
    for k, v in act.items():
        df[k] = v
    for b, col in enumerate(BAND_COLUMNS):
        df[col] = bp[:, b]
    return df


def station_daily(code, files, cfg, *, l9: float = 500.0):
    """The daily rows of one station (see :func:`daily_table`), read from its files; None without data."""
    from .data.station import read_station

    return station_daily_rows(code, read_station(code, files, cfg, missing_element="skip"), cfg, l9=l9)


def daily_table(files: dict, cfg, *, l9: float = 500.0):
    """One row per station and calendar day (in ``cfg.tz``) of its data: ``station_code``,
    ``day``, ``missing_fraction``, ``activity_range`` (and ``activity_k_max``,
    ``activity_k_sum`` for IAGA-2002 data in nT, with K scaled to ``l9``), ``activity_std``
    (:func:`seisem.geomag.standardized_activity`), ``band_power_0..7`` (log10 Welch power of
    the day normalised as the dataset's, NaN for days missing more than ``cfg.qc.max_missing``).

    ``files``: station code -> its data files (as :func:`seisem.data.build.station_files`).
    """
    parts = [station_daily(code, sorted(fl), cfg, l9=l9) for code, fl in sorted(files.items())]
    return daily_table_of(parts)


def daily_table_of(parts):
    """The daily table from each station's rows (:func:`station_daily_rows`; None or empty for a
    station without data), in station order: concatenated, with ``activity_std`` over all."""
    import pandas as pd

    from .geomag import standardized_activity

    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return pd.DataFrame(columns=["station_code", "day", "activity_range", "activity_std", *BAND_COLUMNS])
    df = pd.concat(parts, ignore_index=True)
    df["activity_std"] = standardized_activity(df)
    return df


def write_daily_table(out, files: dict, cfg, pairs=None, *, l9: float = 500.0, stations=None) -> dict:
    """Write ``daily.csv`` (and ``pairs.csv``) into dataset folder ``out``; returns a summary
    for the manifest. Failures are logged and reported, never fatal to the build.

    ``stations``: each station's daily rows already computed, as ``(rows or None, error or None)``
    in station order (``seisem build`` computes them from the series it reads for the images);
    None: read ``files`` here.
    """
    from ._files import atomic_path

    errors = [err for _rows, err in stations if err] if stations is not None else []
    try:
        if stations is None:
            df = daily_table(files, cfg, l9=l9)
        elif not errors:
            df = daily_table_of([rows for rows, _err in stations])
    except Exception as exc:  # the controls are extra: the dataset itself is fine
        errors.append(f"{type(exc).__name__}: {exc}")
    if errors:
        log.warning("daily activity table not written: %s", errors[0])
        return {"written": False, "error": errors[0]}
    with atomic_path(os.path.join(out, "daily.csv")) as tmp:
        df.to_csv(tmp, index=False, float_format="%.6g")
    if pairs is not None:
        cols = [
            c
            for c in (
                "station_code",
                "source_id",
                "source_origin_time",
                "source_magnitude",
                "path_distance_km",
                "station_latitude_deg",
                "station_longitude_deg",
            )
            if c in pairs.columns
        ]
        p = pairs[cols].copy()
        p["source_origin_time"] = [
            str(np.datetime64(v, "s")) + "Z" for v in _utc_naive(p["source_origin_time"])
        ]
        with atomic_path(os.path.join(out, "pairs.csv")) as tmp:
            p.to_csv(tmp, index=False)
    return {
        "written": True,
        "rows": len(df),
        "stations": int(df["station_code"].nunique()) if len(df) else 0,
        "activity_index": "largest 3-hour range after a quiet-day curve (simplified FMI method, "
        "Sucksdorff et al. 1991); see seisem.geomag",
        "l9_nT": l9 if cfg.format == "iaga2002" else None,
    }


def _utc_naive(values):
    import pandas as pd

    idx = pd.DatetimeIndex(pd.to_datetime(pd.Series(values), utc=True))
    return idx.tz_localize(None).to_numpy(dtype="datetime64[s]")


def load_daily(path):
    """``(daily, pairs)`` of a dataset folder, or ``(None, None)`` when it has no daily.csv."""
    import pandas as pd

    dpath, ppath = os.path.join(path, "daily.csv"), os.path.join(path, "pairs.csv")
    if not os.path.exists(dpath):
        return None, None
    daily = pd.read_csv(dpath, dtype={"station_code": str, "day": str})
    pairs = (
        pd.read_csv(ppath, dtype={"station_code": str, "source_id": str}) if os.path.exists(ppath) else None
    )
    return daily, pairs


def lookup(meta, daily, column: str) -> np.ndarray:
    """``daily[column]`` for each metadata row (matched on station and ``trace_day_local``)."""
    key = daily["station_code"].astype(str) + "|" + daily["day"].astype(str)
    m = dict(zip(key, daily[column].to_numpy(dtype=np.float64), strict=True))
    rk = meta["station_code"].astype(str) + "|" + meta["trace_day_local"].astype(str)
    return np.array([m.get(k, np.nan) for k in rk], dtype=np.float64)


# --- baselines and strata -----------------------------------------------------------------------


def _fit_predict(xtr, ytr, xte):
    sk = require("sklearn.linear_model", "ml", "the baselines")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clf = make_pipeline(StandardScaler(), sk.LogisticRegression(max_iter=1000))
    clf.fit(xtr, ytr)
    return clf.predict_proba(xte)[:, 1]


def feature_baseline(xtr, ytr, xte, yte, *, what: str) -> dict:
    """Logistic regression on features ``x`` fitted on train, scored on test like the model.
    Missing values are set to the train median (their number is reported)."""
    xtr = np.asarray(xtr, dtype=np.float64).reshape(len(ytr), -1)
    xte = np.asarray(xte, dtype=np.float64).reshape(len(yte), -1)
    if np.unique(ytr).size < 2:
        return {"skipped": "the train split has one class only"}
    n_missing = int((~np.isfinite(xte).all(axis=1)).sum() + (~np.isfinite(xtr).all(axis=1)).sum())
    med = np.nanmedian(xtr, axis=0)
    med = np.where(np.isfinite(med), med, 0.0)
    xtr = np.where(np.isfinite(xtr), xtr, med)
    xte = np.where(np.isfinite(xte), xte, med)
    out = binary_metrics(np.asarray(yte), _fit_predict(xtr, ytr, xte))
    out["features"] = what
    out["rows_missing_features"] = n_missing
    return out


def activity_baseline(train_meta, test_meta, daily, *, column: str = "activity_std") -> dict:
    """The classifier on the activity index alone (``baselines.geomagnetic_activity``)."""
    return feature_baseline(
        lookup(train_meta, daily, column),
        train_meta["label"].to_numpy(int),
        lookup(test_meta, daily, column),
        test_meta["label"].to_numpy(int),
        what=f"{column} (daily geomagnetic-activity index of the station's own series)",
    )


def activity_levels(daily) -> tuple:
    """Tertile edges of ``activity_std`` over all station-days (no labels used)."""
    v = daily["activity_std"].to_numpy(dtype=np.float64)
    v = v[np.isfinite(v)]
    if not v.size:
        return (np.nan, np.nan)
    return tuple(float(q) for q in np.percentile(v, [100 / 3, 200 / 3]))


def activity_strata(meta, y, score, daily, *, min_days: int = 10) -> dict:
    """The model's accuracy and balanced accuracy per activity level (tertiles of the index
    over all station-days: quiet, moderate, disturbed), with the before share of each."""
    lo, hi = activity_levels(daily)
    a = lookup(meta, daily, "activity_std")
    level = np.where(
        ~np.isfinite(a), "unknown", np.where(a < lo, "quiet", np.where(a < hi, "moderate", "disturbed"))
    )
    rows = {}
    for name in (*ACTIVITY_LEVELS, "unknown"):
        sel = level == name
        n = int(sel.sum())
        if not n:
            continue
        row = {"n": n, "before_share": float(np.mean(y[sel]))}
        if n < min_days or np.unique(y[sel]).size < 2:
            row["not_scored"] = (
                f"one class only ({'before' if y[sel][0] == 1 else 'after'})"
                if np.unique(y[sel]).size < 2
                else f"{n} days (fewer than {min_days})"
            )
            row["accuracy"] = row["balanced_accuracy"] = None
        else:
            m = binary_metrics(y[sel], score[sel])
            row["accuracy"], row["balanced_accuracy"] = m["accuracy"], m["balanced_accuracy"]
        rows[name] = row
    return {"edges_activity_std": [lo, hi], "levels": rows}


def date_overlap(train_meta, test_meta) -> dict:
    """Share of test station-days whose calendar date also occurs among train station-days:
    a network-wide disturbance on such a date is seen in training with its label."""
    tr = set(train_meta["trace_day_local"].astype(str))
    te = test_meta["trace_day_local"].astype(str).to_numpy()
    share = float(np.mean([d in tr for d in te])) if te.size else float("nan")
    return {"share": share, "n_test": int(te.size)}


UNIT_NAMES = {"event": "event-group", "time": "time-block", "station": "station"}


def split_side_by_side(ds, daily, *, seed: int = 0) -> dict:
    """The dataset's split and the other one of event / time-block, over the same station-days:
    sizes, test groups, date overlap, and the fast baselines refitted on each (band power,
    geomagnetic activity, majority). The model is trained on the dataset's split only."""
    from .data.splits import assign_splits, split_groups

    cfg = ds.manifest["config"]
    own = cfg.get("split_by", "event")
    meta = ds.metadata
    y = meta["label"].to_numpy(int)
    series = ds.series()
    fs = 1.0 / float(cfg["interval_s"])
    bp = band_powers(series, fs=fs) if len(series) else np.empty((0, N_BANDS))
    out = {}
    for by in (own, "time" if own != "time" else "event"):
        if by == own:
            split = meta["split"].to_numpy()
            groups = meta["split_group"].astype(str).to_numpy()
        else:
            groups = split_groups(meta, by, block_days=int(cfg.get("block_days", 30)))
            split = assign_splits(
                groups, y, fractions=tuple(cfg.get("fractions", (0.7, 0.15, 0.15))), seed=seed
            )
        tr, te = split == "train", split == "test"
        entry = {
            "split_by": by,
            "unit": UNIT_NAMES.get(by, by),
            "block_days": int(cfg.get("block_days", 30)) if by == "time" else None,
            "n_train": int(tr.sum()),
            "n_test": int(te.sum()),
            "n_test_groups": int(np.unique(np.asarray(groups)[te].astype(str)).size),
            "test_before_share": float(y[te].mean()) if te.any() else None,
            "date_overlap": date_overlap(meta[tr], meta[te]),
            "model_trained_on_this_split": by == own,
        }
        if te.any() and tr.any() and np.unique(y[tr]).size == 2:
            entry["logistic_band_power"] = feature_baseline(bp[tr], y[tr], bp[te], y[te], what="band powers")
            if daily is not None:
                entry["geomagnetic_activity"] = activity_baseline(meta[tr], meta[te], daily)
        else:
            entry["skipped"] = "the train or test split is empty or has one class"
        out[UNIT_NAMES.get(by, by)] = entry
    return out


# --- pseudo-events and superposed epochs --------------------------------------------------------


def _fast_score(pairs, daily_ok, cfg, seed):
    """Label days from ``pairs``, split by event groups, fit the two fast baselines; returns
    their test balanced accuracies (NaN when the split cannot be scored)."""
    from .data.pairing import label_days
    from .data.splits import assign_splits, event_groups

    samples, _ = label_days(
        pairs,
        before_days=int(cfg.get("before_days", 14)),
        after_days=int(cfg.get("after_days", 14)),
        tz=cfg.get("tz", "UTC"),
        collision=cfg.get("collision", "drop"),
    )
    nan = {"logistic_band_power": np.nan, "geomagnetic_activity": np.nan, "n": 0}
    if not len(samples):
        return nan
    import pandas as pd

    key = samples["station_code"].astype(str) + "|" + pd.to_datetime(samples["day"]).dt.strftime("%Y-%m-%d")
    rows = daily_ok.reindex(key.to_numpy())
    keep = rows["activity_std"].notna().to_numpy() & rows[BAND_COLUMNS].notna().all(axis=1).to_numpy()
    if keep.sum() < 20:
        return nan
    y = samples["label"].to_numpy(int)[keep]
    groups = event_groups(samples["source_ids"].to_numpy()[keep])
    split = assign_splits(groups, y, seed=seed, tries=20)
    tr, te = split == "train", split == "test"
    if np.unique(y[tr]).size < 2 or np.unique(y[te]).size < 2:
        return nan
    x_bp = rows[BAND_COLUMNS].to_numpy(dtype=np.float64)[keep]
    x_a = rows["activity_std"].to_numpy(dtype=np.float64)[keep, None]
    return {
        "logistic_band_power": binary_metrics(y[te], _fit_predict(x_bp[tr], y[tr], x_bp[te]))[
            "balanced_accuracy"
        ],
        "geomagnetic_activity": binary_metrics(y[te], _fit_predict(x_a[tr], y[tr], x_a[te]))[
            "balanced_accuracy"
        ],
        "n": int(keep.sum()),
    }


def pseudo_catalogs(pairs, daily, cfg, *, n: int, seed: int = 0) -> list:
    """``n`` copies of ``pairs`` with each event's origin time replaced by a random instant
    (uniform over the days the data cover, leaving ``before_days``/``after_days`` on each side;
    one time per event, so the same stations keep the same count of events). Seeded."""
    rng = np.random.default_rng([int(seed), 0xE7E7])
    days = np.asarray(daily["day"].astype(str).unique(), dtype="datetime64[D]")
    lo = days.min() + np.timedelta64(int(cfg.get("before_days", 14)) + 1, "D")
    hi = days.max() - np.timedelta64(int(cfg.get("after_days", 14)), "D")
    if hi <= lo:
        raise ParameterError(
            "the data span too few days for pseudo-events (before_days + after_days + 2 needed)"
        )
    span_s = int((hi - lo).astype("timedelta64[s]").astype(np.int64))
    ids = pairs["source_id"].astype(str).unique()
    out = []
    for _ in range(int(n)):
        t = lo.astype("datetime64[s]") + rng.integers(0, span_s, ids.size).astype("timedelta64[s]")
        m = dict(zip(ids, t, strict=True))
        p = pairs.copy()
        p["source_origin_time"] = [np.datetime64(m[s], "ns") for s in p["source_id"].astype(str)]
        out.append(p)
    return out


def _pairs_utc(pairs):
    p = pairs.copy()
    p["source_origin_time"] = _utc_naive(p["source_origin_time"]).astype("datetime64[ns]")
    return p


def pseudo_events(pairs, daily, cfg, *, n: int = 20, seed: int = 0) -> dict:
    """The fast pipeline on the real catalog and on ``n`` pseudo-event catalogs; the real
    balanced accuracies placed in the pseudo distribution (``p_value`` = (1 + #{pseudo >=
    real}) / (n + 1), and the percentile). What is refitted in the loop: logistic regression
    on band powers and on the activity index (not the CNN); the exclusion of days near other
    events is not applied in this fast pipeline."""
    if int(n) < 1:
        raise ParameterError(
            f"pseudo_events n={n!r} must be a positive number of catalogs (0 to skip elsewhere)"
        )
    pairs = _pairs_utc(pairs)
    d = daily.copy()
    d.index = d["station_code"].astype(str) + "|" + d["day"].astype(str)
    d = d[~d.index.duplicated()]
    real = _fast_score(pairs, d, cfg, seed)
    cats = pseudo_catalogs(pairs, daily, cfg, n=n, seed=seed)
    draws = [_fast_score(p, d, cfg, seed) for p in cats]
    out = {
        "n": int(n),
        "seed": int(seed),
        "refitted": "logistic regression on band powers and on the activity index (fast baselines), "
        "event-group split; the CNN is not retrained per pseudo catalog",
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
            "p_value": float((1 + np.sum(ok >= r)) / (ok.size + 1)) if ok.size and np.isfinite(r) else None,
            "n_scored": int(ok.size),
        }
    out["_catalogs"] = cats  # for the superposed epochs (dropped before writing)
    return out


def superposed_epoch(pairs, daily, cfg, pseudo=(), *, features=("activity_std", "band_power_total")) -> dict:
    """Mean of daily features over station-event pairs at day offsets -14..+14 from the
    event's day (in the dataset's time zone), and the 2.5-97.5 % envelope of the same mean
    over the pseudo-event catalogs ``pseudo`` (min-max when fewer than 40)."""
    from .data.pairing import event_day

    d = daily.copy()
    if "band_power_total" in features:
        d["band_power_total"] = d[BAND_COLUMNS].mean(axis=1)
    d.index = d["station_code"].astype(str) + "|" + d["day"].astype(str)
    d = d[~d.index.duplicated()]
    offs = np.arange(-EPOCH_DAYS, EPOCH_DAYS + 1)
    tz = cfg.get("tz", "UTC")

    def curves(p):
        eday = event_day(_utc_naive(p["source_origin_time"]), tz)
        st = p["station_code"].astype(str).to_numpy()
        res = {}
        for f in features:
            vals = np.full((len(p), offs.size), np.nan)
            col = d[f]
            for j, o in enumerate(offs):
                keys = [f"{s}|{e + np.timedelta64(int(o), 'D')}" for s, e in zip(st, eday, strict=True)]
                vals[:, j] = col.reindex(keys).to_numpy(dtype=np.float64)
            with np.errstate(all="ignore"):
                import warnings

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    res[f] = np.nanmean(vals, axis=0)
        return res

    real = curves(pairs)
    out = {"offsets_days": offs.tolist(), "n_pairs": len(pairs), "n_pseudo": len(pseudo), "features": {}}
    pc = [curves(p) for p in pseudo]
    for f in features:
        entry = {"real": [None if not np.isfinite(v) else float(v) for v in real[f]]}
        if pc:
            arr = np.stack([c[f] for c in pc])
            q = (2.5, 97.5) if len(pc) >= 40 else (0, 100)
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                lo, hi = np.nanpercentile(arr, q[0], axis=0), np.nanpercentile(arr, q[1], axis=0)
            entry["pseudo_lo"] = lo.tolist()
            entry["pseudo_hi"] = hi.tolist()
            entry["envelope"] = f"{q[0]:g}-{q[1]:g} % of {len(pc)} pseudo-event catalogs"
        out["features"][f] = entry
    return out


def explains(model_bacc, activity: dict, *, ratio: float = 0.9) -> dict:
    """Whether the activity baseline explains the model's score: the model is above chance
    (balanced accuracy > 0.55) and the baseline reaches ``ratio`` of it."""
    b = activity.get("balanced_accuracy") if activity else None
    if b is None or model_bacc is None or not np.isfinite(model_bacc):
        return {"explains": None, "why": "no activity baseline"}
    if model_bacc <= 0.55:
        return {
            "explains": False,
            "why": f"the model's balanced accuracy {model_bacc:.3f} is at or near chance: there is nothing to explain",
        }
    yes = b >= ratio * model_bacc
    return {
        "explains": bool(yes),
        "ratio": float(b / model_bacc),
        "why": (
            f"the geomagnetic-activity baseline alone reaches balanced accuracy {b:.3f}, "
            f"{b / model_bacc:.0%} of the model's {model_bacc:.3f}: "
            + (
                "geomagnetic activity explains the model's score; it is no evidence of a seismic precursor"
                if yes
                else "activity does not explain all of it (other confounds remain possible)"
            )
        ),
    }
