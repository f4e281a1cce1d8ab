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
    """Samples on a regular UTC grid: ``values[i]`` at ``start + i*interval_s``; NaN = no data.

    Made by :func:`regularize`; :func:`day_matrix` cuts it into calendar days. ``times``
    gives every grid point's time, ``report()`` the counts as a dict.

    Parameters
    ----------
    start : numpy.datetime64
        The first grid point, ``datetime64[ns]`` in UTC.
    interval_s : float
        The grid's spacing in seconds.
    values : numpy.ndarray of float64
        One value per grid point; NaN where there is no (finite) sample.
    n_duplicates : int, default 0
        Samples that shared a grid point with another and were merged.
    n_off_grid : int, default 0
        Samples whose time was not on the grid and were moved to the nearest grid point.
    n_nonfinite : int, default 0
        Samples whose value was NaN or infinite (left as gaps).
    """

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
    on one grid point are merged by ``duplicates`` and counted. Non-finite values are gaps.
    The grid runs from the first sample's grid point to the last one's.

    Parameters
    ----------
    times : array-like of datetime64
        The samples' times, naive UTC (``datetime64`` or anything NumPy converts to it, such
        as :attr:`~seisem.io.StationSeries.times`), in any order; 1-D.
    values : array-like of float
        One value per time, 1-D, the same length as ``times``.
    interval_s : float, default 60.0
        The grid's spacing in seconds (positive and finite).
    duplicates : {"mean", "first", "last", "raise"}, default "mean"
        Several finite samples on one grid point: their mean, the first or last in the order
        given, or :class:`~seisem.ParameterError` naming the first such point.
    origin : str or numpy.datetime64, default "1970-01-01"
        A time on the grid (UTC); the default puts grid points at every UTC midnight for any
        interval that divides a day.

    Returns
    -------
    RegularSeries
        The values on the grid with the counts of merged, moved and non-finite samples.

    Raises
    ------
    ParameterError
        A bad ``interval_s`` or ``duplicates``, ``times`` and ``values`` of different shapes
        or not 1-D, or duplicates with ``duplicates="raise"``.
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

    Row ``k`` starts at the grid point nearest local midnight of ``days[k]``. Samples outside
    the series are NaN.

    Parameters
    ----------
    series : RegularSeries
        The station's samples on a regular grid (:func:`regularize`).
    days : array-like of datetime64[D] or str
        The calendar days (``"YYYY-MM-DD"`` or ``datetime64``), in ``tz``.
    tz : str, default "UTC"
        The time zone whose midnight starts a day (``"UTC"``, ``"+08:00"`` for the AETA
        network's China time, an IANA name; see :func:`seisem.io.parse_tz`).
    samples_per_day : int, optional
        Samples per row; default ``86400 / series.interval_s``, which must then be a
        whole number.

    Returns
    -------
    numpy.ndarray of float64, shape (n_days, samples_per_day)

    Raises
    ------
    ParameterError
        The interval does not divide a day and ``samples_per_day`` is not given.
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
