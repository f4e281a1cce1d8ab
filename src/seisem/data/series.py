"""Regular series and station-day matrices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._errors import ParameterError, check_choice
from ..io._time import parse_tz

DUPLICATES = ("mean", "first", "last", "raise")


@dataclass
class RegularSeries:
    """Samples on a regular UTC grid: ``values[i]`` at ``start + i*interval``; NaN = no data."""

    start: np.datetime64  # datetime64[ns], UTC
    interval_s: float
    values: np.ndarray
    n_duplicates: int = 0  # samples that shared a grid point with another and were merged
    n_off_grid: int = 0  # samples moved to the nearest grid point
    n_nonfinite: int = 0  # samples whose value was NaN or inf (left as gaps)

    @property
    def times(self) -> np.ndarray:
        step = np.int64(round(self.interval_s * 1e9))
        return self.start + (np.arange(self.values.size, dtype=np.int64) * step).astype("timedelta64[ns]")

    def report(self) -> dict:
        return {
            "samples": int(self.values.size),
            "missing": int(np.isnan(self.values).sum()),
            "duplicates_merged": self.n_duplicates,
            "off_grid_snapped": self.n_off_grid,
            "nonfinite_values": self.n_nonfinite,
        }


def regularize(
    times,
    values,
    *,
    interval_s: float = 60.0,
    duplicates: str = "mean",
    origin: str | np.datetime64 = "1970-01-01",
) -> RegularSeries:
    """Put samples on a regular grid of ``interval_s`` seconds (1 minute by default).

    Times snap to the nearest grid point (grid anchored at ``origin``, midnight UTC by
    default, so that days line up); grid points with no sample stay NaN; several samples
    on one grid point are merged by ``duplicates`` (``"mean"``, ``"first"``, ``"last"``, or
    ``"raise"``) and counted. Non-finite values are gaps.
    """
    check_choice("duplicates", duplicates, DUPLICATES)
    if not (np.isfinite(interval_s) and interval_s > 0):
        raise ParameterError(f"interval_s={interval_s!r} must be a positive number of seconds")
    t = np.asarray(times).astype("datetime64[ns]").astype(np.int64)
    v = np.asarray(values, dtype=np.float64)
    if t.shape != v.shape or t.ndim != 1:
        raise ParameterError(f"times and values must be 1-D of one length, got {t.shape} and {v.shape}")
    step = round(interval_s * 1e9)
    o = np.datetime64(origin, "ns").astype(np.int64)
    finite = np.isfinite(v)
    n_nonfinite = int((~finite).sum())
    k = np.floor((t - o) / step + 0.5).astype(np.int64)
    n_off = int(np.count_nonzero((t - o) - k * step))
    if t.size == 0:
        return RegularSeries(np.datetime64(int(o), "ns"), float(interval_s), np.empty(0), 0, 0, 0)
    k0 = int(k.min())
    idx = k - k0
    n = int(idx.max()) + 1
    out = np.full(n, np.nan)
    kf, vf = idx[finite], v[finite]
    counts = np.bincount(kf, minlength=n)
    n_dup = int((counts[counts > 1]).sum())
    if n_dup and duplicates == "raise":
        first = int(np.flatnonzero(counts > 1)[0])
        when = np.datetime64(int(o + (k0 + first) * step), "ns")
        raise ParameterError(
            f"{n_dup} samples share grid points (first at {when} UTC); pass duplicates='mean', "
            "'first' or 'last' to merge them"
        )
    if duplicates == "mean":
        sums = np.bincount(kf, weights=vf, minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    elif duplicates == "first":
        order = np.argsort(kf, kind="stable")
        ks = kf[order]
        firsts = np.r_[True, ks[1:] != ks[:-1]]
        out[ks[firsts]] = vf[order][firsts]
    else:  # last, or no duplicates at all
        out[kf] = vf
        if duplicates == "last":
            order = np.argsort(kf, kind="stable")
            ks = kf[order]
            lasts = np.r_[ks[1:] != ks[:-1], True]
            out[ks[lasts]] = vf[order][lasts]
    return RegularSeries(
        np.datetime64(int(o + k0 * step), "ns"), float(interval_s), out, n_dup, n_off, n_nonfinite
    )


def day_starts_utc(days, tz) -> np.ndarray:
    """UTC instants (``datetime64[ns]``) of local midnight of each calendar ``day`` in ``tz``."""

    idx = pd.DatetimeIndex(pd.to_datetime(np.asarray(days, dtype="datetime64[D]")))
    return idx.tz_localize(parse_tz(tz)).tz_convert("UTC").tz_localize(None).to_numpy(dtype="datetime64[ns]")


def day_matrix(
    series: RegularSeries, days, *, tz: str = "UTC", samples_per_day: int | None = None
) -> np.ndarray:
    """The samples of each calendar ``day`` (in time zone ``tz``), shape ``(n_days, samples_per_day)``.

    Samples outside the series are NaN. ``samples_per_day`` defaults to ``86400 / interval``.
    """
    spd = samples_per_day or round(86400.0 / series.interval_s)
    if abs(spd * series.interval_s - 86400.0) > 1e-6 and samples_per_day is None:
        raise ParameterError(f"interval_s={series.interval_s} does not divide a day; pass samples_per_day")
    starts = day_starts_utc(days, tz)
    step = round(series.interval_s * 1e9)
    off = starts.astype(np.int64) - series.start.astype(np.int64)
    first = np.floor(off / step + 0.5).astype(np.int64)
    cols = first[:, None] + np.arange(spd)[None, :]
    inside = (cols >= 0) & (cols < series.values.size)
    out = np.full(cols.shape, np.nan)
    out[inside] = series.values[cols[inside]]
    return out
