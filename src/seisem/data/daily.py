"""The daily table of a dataset: one row per station and calendar day, written by the build.

``seisem build`` writes ``daily.csv`` (and ``pairs.csv``, the station-event pairs) beside the
images; the evaluation-time controls (:mod:`seisem.controls`) read them back:

* :func:`station_daily_rows`: a station's rows from its series read once: the activity index
  of :mod:`seisem.geomag` from the station's own series (``activity_*``), the share of the
  day missing, and the log band powers of the day normalised as the dataset's (the features
  of the band-power baseline);
* :func:`daily_table_of` / :func:`daily_table`: all stations' rows, with ``activity_std``
  standardised per station; :func:`write_daily_table` writes them (atomically);
* :func:`load_daily` and :func:`lookup`: read them back and match them to metadata rows.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd
from scipy.signal import welch

from .._files import atomic_path
from ..geomag import daily_activity, horizontal_nt, standardized_activity
from .formats import FORMATS, probe_file, resolve_interval
from .pairing import event_day
from .qc import normalize_days
from .series import day_matrix, regularize
from .station import read_station

log = logging.getLogger("seisem.data.daily")
N_BANDS = 8
BAND_COLUMNS = [f"band_power_{b}" for b in range(N_BANDS)]


def band_powers(series: np.ndarray, *, fs: float = 1 / 60, n_bands: int = N_BANDS) -> np.ndarray:
    """Log10 Welch power in ``n_bands`` log-spaced bands up to Nyquist, per day series."""
    f, p = welch(series, fs=fs, nperseg=min(256, series.shape[-1]), axis=-1)
    edges = np.geomspace(f[1], f[-1] * (1 + 1e-9), n_bands + 1)
    out = np.empty((series.shape[0], n_bands))
    for b in range(n_bands):
        sel = (f >= edges[b]) & (f < edges[b + 1])
        if not sel.any():
            sel = np.argmin(np.abs(f - edges[b])) == np.arange(f.size)
        out[:, b] = np.log10(p[:, sel].mean(axis=1) + 1e-20)
    return out


def station_daily_rows(code, rec, cfg, *, reg=None, l9: float = 500.0):
    """The daily rows of one station from its series read once (a
    :class:`seisem.data.station.StationRecord`); None without finite data.

    ``reg``: ``rec.values`` already regularised (:func:`seisem.data.regularize` with the
    config's interval and duplicates rule), as the build has it; None: regularised here.
    """
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
    return station_daily_rows(code, read_station(code, files, cfg, missing_element="skip"), cfg, l9=l9)


def daily_table(files: dict, cfg, *, l9: float = 500.0):
    """One row per station and calendar day (in ``cfg.tz``) of its data: ``station_code``,
    ``day``, ``missing_fraction``, ``activity_range`` (and ``activity_k_max``,
    ``activity_k_sum`` for IAGA-2002 data in nT, with K scaled to ``l9``), ``activity_std``
    (:func:`seisem.geomag.standardized_activity`), ``band_power_0..7`` (log10 Welch power of
    the day normalised as the dataset's, NaN for days missing more than ``cfg.qc.max_missing``).

    ``files``: station code -> its data files (as :func:`seisem.data.build.station_files`).
    """
    if not cfg.resolved:  # the interval the files' time stamps give, as a build reads it
        cfg, _ = resolve_interval(cfg, {f: probe_file(f, cfg.format) for fl in files.values() for f in fl})
    parts = [station_daily(code, sorted(fl), cfg, l9=l9) for code, fl in sorted(files.items())]
    return daily_table_of(parts)


def daily_table_of(parts):
    """The daily table from each station's rows (:func:`station_daily_rows`; None or empty for a
    station without data), in station-code order: concatenated, with ``activity_std`` over all."""
    parts = sorted(
        (p for p in parts if p is not None and len(p)), key=lambda p: str(p["station_code"].iloc[0])
    )
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
            str(np.datetime64(v, "s")) + "Z" for v in utc_naive(p["source_origin_time"])
        ]
        with atomic_path(os.path.join(out, "pairs.csv")) as tmp:
            p.to_csv(tmp, index=False)
    return {
        "written": True,
        "rows": len(df),
        "stations": int(df["station_code"].nunique()) if len(df) else 0,
        "activity_index": "largest 3-hour range after a quiet-day curve (simplified FMI method, "
        "Sucksdorff et al. 1991); see seisem.geomag",
        "l9_nT": l9 if FORMATS[cfg.format].in_nt else None,
    }


def utc_naive(values):
    """UTC instants (aware or naive) as naive ``datetime64[s]``."""
    idx = pd.DatetimeIndex(pd.to_datetime(pd.Series(values), utc=True))
    return idx.tz_localize(None).to_numpy(dtype="datetime64[s]")


def load_daily(path):
    """``(daily, pairs)`` of a dataset folder, or ``(None, None)`` when it has no daily.csv."""
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
