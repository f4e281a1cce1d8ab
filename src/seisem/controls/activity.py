"""Geomagnetic activity measured outside the series under test, and the activity baseline.

A precursor planted in (or present in) a station's own series raises that series' activity
index too, so an index computed from the station's own record cannot tell a local precursor
from a geomagnetic storm: on a network with a precursor and no storms at all it "explains"
the model. The confound variable therefore comes from a source the precursor cannot reach,
in this order (:func:`activity_source`; ``metrics.json`` names it in
``confound.activity_source``):

1. ``"planetary"``: a planetary index file (GFZ Kp or WDC Kyoto Dst, ``--activity-file``;
   ``seisem synth`` writes the Dst-like index of the storms it planted, ``dst.txt``), matched
   to each station-day by the UTC date of the local day's middle;
2. ``"remote-reference"``: per station and day, the median of the standardised activity
   index (``activity_std`` of ``daily.csv``) over the *other* stations that no labelled
   window claims on that day (farther than the pairing radius from every event whose
   before/after window covers the day): a network-common disturbance reaches them, a local
   precursor does not;
3. ``"own-series"``: the station's own index, only when neither is available, flagged
   ``can_separate_local_precursor: False``.
"""

from __future__ import annotations

import itertools
import os

import numpy as np
import pandas as pd

from .._errors import ParameterError
from ..data.daily import lookup, utc_naive
from ..data.pairing import event_day
from ..geomag import read_planetary_index
from ..io._time import parse_tz
from ..metrics import subset_row
from .baselines import feature_baseline

SOURCES = ("planetary", "remote-reference", "own-series")
#: Activity levels: tertiles of the chosen activity index over all station-days.
ACTIVITY_LEVELS = ("quiet", "moderate", "disturbed")
#: A remote reference needs this many unclaimed stations on a day ...
MIN_REMOTE_STATIONS = 2
#: ... on at least this share of the labelled station-days, else it is not used.
MIN_REMOTE_COVERAGE = 0.8


def claimed_days(pairs, cfg) -> set:
    """``{(station_code, 'YYYY-MM-DD')}`` of every day inside a labelled window (the event day
    and ``before_days``/``after_days`` around it, in the dataset's time zone) of a pair."""
    if pairs is None or not len(pairs):
        return set()
    before, after = int(cfg.get("before_days", 14)), int(cfg.get("after_days", 14))
    eday = event_day(utc_naive(pairs["source_origin_time"]), cfg.get("tz", "UTC"))
    offs = np.arange(-before, after + 1).astype("timedelta64[D]")
    st = pairs["station_code"].astype(str).to_numpy()
    return {(s, str(d + o)) for s, d in zip(st, eday, strict=True) for o in offs}


def remote_reference(daily, pairs, cfg, *, column: str = "activity_std") -> pd.DataFrame:
    """Per row of ``daily``: ``remote_activity``, the median of ``column`` on the same day over
    the other stations that no labelled window claims that day, and ``n_remote``, how many."""
    claimed = claimed_days(pairs, cfg)
    st = daily["station_code"].astype(str).to_numpy()
    day = daily["day"].astype(str).to_numpy()
    val = daily[column].to_numpy(dtype=np.float64)
    free = np.array([(s, d) not in claimed for s, d in zip(st, day, strict=True)]) & np.isfinite(val)
    out = np.full(len(daily), np.nan)
    n = np.zeros(len(daily), dtype=np.int64)
    order = np.argsort(day, kind="stable")
    bounds = np.flatnonzero(np.r_[True, day[order][1:] != day[order][:-1], True])
    for a, b in itertools.pairwise(bounds):
        rows = order[a:b]
        ref = rows[free[rows]]
        if not ref.size:
            continue
        for r in rows:  # the station's own value never enters its reference
            others = ref[ref != r]
            n[r] = others.size
            if others.size:
                out[r] = np.median(val[others])
    return pd.DataFrame({"remote_activity": out, "n_remote": n}, index=daily.index)


def planetary_by_day(days, tz, path) -> tuple:
    """``(kind, values)``: the planetary index (:func:`seisem.geomag.read_planetary_index`) of
    the UTC date of each local calendar day's middle (``days``: 'YYYY-MM-DD' in ``tz``)."""
    kind, table = read_planetary_index(path)
    m = dict(zip(table["date"].astype(str), table["planetary_activity"].to_numpy(float), strict=True))
    mid = pd.to_datetime(pd.Series(np.asarray(days, dtype=str))) + pd.Timedelta(hours=12)
    utc = mid.dt.tz_localize(parse_tz(tz)).dt.tz_convert("UTC").dt.strftime("%Y-%m-%d")
    return kind, np.array([m.get(d, np.nan) for d in utc], dtype=np.float64)


def activity_source(daily, pairs, cfg, *, activity_file=None, rows=None) -> dict:
    """Choose the activity index from outside the series under test, for the confound control.

    In this order: a planetary index file (``"planetary"``), else the median index of the
    stations no labelled window claims on the same day (``"remote-reference"``, used when it
    covers enough of ``rows``), else the station's own index (``"own-series"``, which cannot
    tell a local precursor from a storm). The index is added to a copy of ``daily`` as column
    ``activity_control``.

    Parameters
    ----------
    daily : pandas.DataFrame
        The dataset's daily table (``daily.csv``: one row per station and calendar day, with
        ``station_code``, ``day`` as ``YYYY-MM-DD`` and ``activity_std``, the standardised
        activity index of the station's own series). Not changed.
    pairs : pandas.DataFrame or None
        The dataset's station-event pairs (``pairs.csv``), whose labelled windows decide
        which stations are unclaimed on a day (the remote reference).
    cfg : dict
        The dataset's build configuration (``manifest["config"]``): ``tz``,
        ``before_days`` and ``after_days`` are used.
    activity_file : str or path-like, optional
        A planetary index file (GFZ Kp or WDC Kyoto Dst,
        :func:`seisem.geomag.read_planetary_index`): the ``"planetary"`` source, matched to
        each station-day by the UTC date of the local day's middle.
    rows : pandas.DataFrame, optional
        The labelled station-days the control will be scored on (metadata with
        ``station_code`` and ``trace_day_local``), for the coverage; default all rows of
        ``daily``. The remote reference is used when it covers at least
        :data:`MIN_REMOTE_COVERAGE` of them.

    Returns
    -------
    dict
        ``"daily"`` (the copy), ``"source"`` (one of :data:`SOURCES`), ``"index"`` (its
        name), ``"can_separate_local_precursor"`` (bool), ``"coverage"`` (share of ``rows``
        with a value), ``"why"`` (a sentence), and for some sources ``"file"``,
        ``"min_remote_stations"`` or ``"remote_coverage"``.

    Raises
    ------
    ParameterError
        ``daily`` is None or has no ``activity_std`` column, or the planetary file covers
        none of its days.
    """
    if daily is None:
        raise ParameterError("daily=None: the dataset has no daily.csv; rebuild it with `seisem build`")
    d = daily.copy()
    tz = cfg.get("tz", "UTC")

    def coverage(col):
        v = lookup(rows, d, col) if rows is not None else d[col].to_numpy(dtype=np.float64)
        return float(np.mean(np.isfinite(v))) if v.size else 0.0

    if activity_file is not None:
        kind, vals = planetary_by_day(d["day"], tz, activity_file)
        d["activity_control"] = vals
        cov = coverage("activity_control")
        if cov == 0:
            raise ParameterError(
                f"activity_file={os.fspath(activity_file)!r}: its {kind} values cover none of the dataset's "
                "days; give an index file for the dataset's period (or none: the remote reference is used)"
            )
        return {
            "daily": d,
            "source": "planetary",
            "index": f"planetary {kind}",
            "file": os.path.abspath(activity_file),
            "can_separate_local_precursor": True,
            "coverage": cov,
            "why": f"a planetary {kind} index file: no local precursor can reach it",
        }
    if "activity_std" not in d:
        raise ParameterError(
            "the dataset's daily.csv has no activity_std column; rebuild it with `seisem build`"
        )
    rr = remote_reference(d, pairs, cfg)
    d["activity_control"] = np.where(rr["n_remote"] >= MIN_REMOTE_STATIONS, rr["remote_activity"], np.nan)
    cov = coverage("activity_control")
    if cov >= MIN_REMOTE_COVERAGE:
        return {
            "daily": d,
            "source": "remote-reference",
            "index": "median activity_std of unclaimed stations on the same day (the station's own excluded)",
            "can_separate_local_precursor": True,
            "coverage": cov,
            "min_remote_stations": MIN_REMOTE_STATIONS,
            "why": "no planetary index file was given; on each day the stations that no labelled window "
            "claims (farther than the pairing radius from every event of that day) give the reference",
        }
    d["activity_control"] = d["activity_std"]
    return {
        "daily": d,
        "source": "own-series",
        "index": "activity_std of the station's own series",
        "can_separate_local_precursor": False,
        "coverage": coverage("activity_control"),
        "remote_coverage": cov,
        "why": f"no planetary index file was given and the remote reference covers {cov:.0%} of the labelled "
        f"station-days (at least {MIN_REMOTE_COVERAGE:.0%} needed): the station's own series is used, which "
        "counts a local precursor as activity and so cannot separate the two (give --activity-file)",
    }


def activity_baseline(train_meta, test_meta, daily, *, column: str = "activity_control", what=None) -> dict:
    """The classifier on an activity index alone (logistic regression), scored like the model."""
    return feature_baseline(
        lookup(train_meta, daily, column),
        train_meta["label"].to_numpy(int),
        lookup(test_meta, daily, column),
        test_meta["label"].to_numpy(int),
        what=what or column,
    )


def activity_levels(daily, column: str = "activity_control") -> tuple:
    """Tertile edges of ``column`` over all station-days (no labels used)."""
    v = daily[column].to_numpy(dtype=np.float64)
    v = v[np.isfinite(v)]
    if not v.size:
        return (np.nan, np.nan)
    return tuple(float(q) for q in np.percentile(v, [100 / 3, 200 / 3]))


def activity_strata(meta, y, score, daily, *, column: str = "activity_control", min_days: int = 10) -> dict:
    """The model's accuracy and balanced accuracy per activity level (tertiles of ``column``
    over all station-days: quiet, moderate, disturbed), with the before share of each.

    Read with care: a model that sees a real precursor and a model that sees storms can both
    score best on "disturbed" days when the index comes from the station's own series; with an
    outside index (planetary or remote) a precursor's skill does not follow the levels."""
    lo, hi = activity_levels(daily, column)
    a = lookup(meta, daily, column)
    level = np.where(
        ~np.isfinite(a), "unknown", np.where(a < lo, "quiet", np.where(a < hi, "moderate", "disturbed"))
    )
    rows = {}
    for name in (*ACTIVITY_LEVELS, "unknown"):
        sel = level == name
        if sel.any():
            rows[name] = subset_row(y[sel], score[sel], min_days=min_days)
    return {"column": column, "edges": [lo, hi], "levels": rows}
