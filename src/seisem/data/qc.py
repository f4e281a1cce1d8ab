"""Automatic screening of station-days (the seed paper screened by hand) and normalisation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from .._errors import ParameterError, check_choice
from .._options import option

QC_REASONS = ("ok", "missing", "flat", "saturated")
NORMALIZE = ("day-minmax", "station-robust")
DETREND = ("none", "mean", "linear")


@dataclass(frozen=True)
class QCConfig:
    """Thresholds of :func:`screen_days`.

    Parameters
    ----------
    max_missing : float, default 0.10
        Share of missing samples above which a day is dropped (``"missing"``).
    max_flat_samples : int, default 120
        A run of this many identical consecutive values (a stuck sensor), or a day with no
        variation at all, drops the day (``"flat"``).
    saturation_min_samples, saturation_run : int, default 10 and 3
        See ``saturation_factor``.
    saturation_factor : float, default 2.0
        A day is clipped (``"saturated"``) when at least ``saturation_min_samples`` samples
        sit at the day's extreme value in runs of at least ``saturation_run`` identical
        values, *and* the longest such plateau is at least ``saturation_factor`` times longer
        than the longest run of identical values anywhere else in the day. The second
        condition is what tells a clipped plateau from a smooth extreme: definitive
        observatory data at 0.1 nT resolution repeat values for ten minutes or more wherever
        the field turns (CBI Z, March 2011), at its extreme as much as elsewhere; a sensor at
        its rail holds one value far longer than the signal ever does on its own.
    full_scale : float, optional
        The sensor's stated full scale, if known: samples with ``|x| >= full_scale`` also
        count as at the rail (the plateau-length comparison is then not needed).
    fill_max_gap : int, default 10
        Gaps of at most this many samples are filled by linear interpolation; longer ones
        (in a day that passed) are filled with the day's median and counted.
    """

    max_missing: float = field(default=0.10, metadata=option("largest share of missing samples", group="qc"))
    max_flat_samples: int = field(
        default=120,
        metadata=option("a run of this many identical values (a stuck sensor) drops the day", group="qc"),
    )
    saturation_min_samples: int = field(
        default=10,
        metadata=option("samples on a clipped plateau at the day's extreme that drop the day", group="qc"),
    )
    saturation_run: int = field(
        default=3, metadata=option("shortest run of identical extreme values counted as plateau", group="qc")
    )
    saturation_factor: float = field(
        default=2.0,
        metadata=option(
            "a plateau is clipping only when this many times longer than the longest run of identical values "
            "elsewhere in the day (a smooth extreme at 0.1 nT resolution is not clipping)",
            group="qc",
        ),
    )
    full_scale: float | None = field(
        default=None,
        metadata=option(
            "the sensor's stated full scale: samples with |x| >= it count as clipped", group="qc"
        ),
    )
    fill_max_gap: int = field(
        default=10,
        metadata=option(
            "gaps up to this many samples are interpolated, longer ones filled with the day's median",
            group="qc",
        ),
    )

    def __post_init__(self):
        if not 0.0 <= self.max_missing <= 1.0:
            raise ParameterError(f"max_missing={self.max_missing!r} must be a share in [0, 1]")
        for name in ("max_flat_samples", "saturation_min_samples", "saturation_run"):
            if int(getattr(self, name)) < 1:
                raise ParameterError(f"{name}={getattr(self, name)!r} must be a positive integer")
        if not (np.isfinite(self.saturation_factor) and self.saturation_factor >= 1.0):
            raise ParameterError(f"saturation_factor={self.saturation_factor!r} must be a number >= 1")
        if self.full_scale is not None and not (np.isfinite(self.full_scale) and self.full_scale > 0):
            raise ParameterError(f"full_scale={self.full_scale!r} must be a positive number (or None)")
        if int(self.fill_max_gap) < 0:
            raise ParameterError(f"fill_max_gap={self.fill_max_gap!r} must be >= 0 samples")

    def to_dict(self) -> dict:
        return asdict(self)


def _longest_equal_run(x: np.ndarray) -> np.ndarray:
    """Per row, the longest run of identical consecutive finite values (NaN breaks runs)."""
    n_rows, n = x.shape
    same = np.zeros((n_rows, n), bool)
    same[:, 1:] = x[:, 1:] == x[:, :-1]
    # run length ending at each position: cumulative count reset where `same` is False
    idx = np.arange(n)[None, :]
    last_break = np.maximum.accumulate(np.where(~same, idx, 0), axis=1)
    run = idx - last_break + 1
    run = np.where(np.isfinite(x), run, 0)
    return run.max(axis=1) if n else np.zeros(n_rows, int)


def _runs_mask(mask: np.ndarray, min_run: int) -> np.ndarray:
    """Entries of boolean rows that belong to runs of True of length >= min_run."""
    if min_run <= 1:
        return mask
    n_rows, n = mask.shape
    out = np.zeros_like(mask)
    padded = np.zeros((n_rows, n + 2), np.int8)
    padded[:, 1:-1] = mask
    d = np.diff(padded, axis=1)
    for r in np.flatnonzero(mask.any(axis=1)):
        starts = np.flatnonzero(d[r] == 1)
        ends = np.flatnonzero(d[r] == -1)
        for s, e in zip(starts, ends, strict=True):
            if e - s >= min_run:
                out[r, s:e] = True
    return out


def _fill_row(row: np.ndarray, max_gap: int) -> tuple[int, int]:
    """Fill NaN gaps of one row in place: short ones by interpolation, long ones with the median."""
    nan = np.isnan(row)
    if not nan.any():
        return 0, 0
    good = np.flatnonzero(~nan)
    padded = np.r_[0, nan.astype(np.int8), 0]
    d = np.diff(padded)
    starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    med = float(np.median(row[good]))
    interp = np.interp(np.arange(row.size), good, row[good])
    short = long_ = 0
    for s, e in zip(starts, ends, strict=True):
        if e - s <= max_gap and s > 0 and e < row.size:
            row[s:e] = interp[s:e]
            short += e - s
        else:
            row[s:e] = med
            long_ += e - s
    return short, long_


def screen_days(days: np.ndarray, config: QCConfig | None = None):
    """Screen station-days and fill the gaps of those that pass.

    Parameters
    ----------
    days : ndarray, shape (n_days, n_samples)
        One station-day per row (:func:`seisem.data.day_matrix`); NaN marks missing samples.
        Not changed (the result is a copy).
    config : QCConfig, optional
        The thresholds; default ``QCConfig()``.

    Returns
    -------
    filled : ndarray, shape (n_days, n_samples), float64
        Gaps filled for days that pass; days that fail are returned unchanged.
    qc : dict of arrays, one entry per day
        ``qc_status`` (``"ok"``, ``"missing"``, ``"flat"``, ``"saturated"``; the first
        that applies in this order), ``qc_missing_fraction``, ``qc_longest_flat``,
        ``qc_saturated_samples``, ``qc_interpolated_samples``, ``qc_median_filled_samples``.
    """
    cfg = config or QCConfig()
    x = np.array(days, dtype=np.float64, copy=True)
    if x.ndim != 2:
        raise ParameterError(f"days must be 2-D (n_days, n_samples), got shape {x.shape}")
    n_days, n = x.shape
    nan = np.isnan(x)
    miss = nan.mean(axis=1) if n else np.ones(n_days)
    flat_run = _longest_equal_run(x)
    with np.errstate(invalid="ignore"):
        hi = np.nanmax(np.where(nan, -np.inf, x), axis=1, initial=-np.inf)
        lo = np.nanmin(np.where(nan, np.inf, x), axis=1, initial=np.inf)
    no_variation = ~(hi > lo)
    at_extreme = (x == hi[:, None]) | (x == lo[:, None])
    plateau = _runs_mask(at_extreme, cfg.saturation_run)
    sat = plateau.sum(axis=1)
    longest_plateau = _longest_equal_run(np.where(plateau, x, np.nan))
    longest_elsewhere = _longest_equal_run(np.where(at_extreme, np.nan, x))
    clipped = (sat >= cfg.saturation_min_samples) & (
        longest_plateau >= cfg.saturation_factor * np.maximum(longest_elsewhere, 1)
    )
    if cfg.full_scale is not None:
        with np.errstate(invalid="ignore"):
            beyond = np.abs(x) >= cfg.full_scale
        n_beyond = beyond.sum(axis=1)
        sat = np.where(n_beyond > 0, np.maximum(sat, n_beyond), sat)
        clipped |= n_beyond >= cfg.saturation_min_samples
    sat = np.where(clipped, sat, 0)
    status = np.full(n_days, "ok", dtype=object)
    bad_missing = miss > cfg.max_missing
    bad_flat = ~bad_missing & (no_variation | (flat_run >= cfg.max_flat_samples))
    bad_sat = ~bad_missing & ~bad_flat & clipped
    status[bad_missing] = "missing"
    status[bad_flat] = "flat"
    status[bad_sat] = "saturated"
    interp = np.zeros(n_days, np.int64)
    medfill = np.zeros(n_days, np.int64)
    for r in np.flatnonzero((status == "ok") & nan.any(axis=1)):
        interp[r], medfill[r] = _fill_row(x[r], int(cfg.fill_max_gap))
    qc = {
        "qc_status": status.astype(str),
        "qc_missing_fraction": miss,
        "qc_longest_flat": flat_run.astype(np.int64),
        "qc_saturated_samples": sat.astype(np.int64),
        "qc_interpolated_samples": interp,
        "qc_median_filled_samples": medfill,
    }
    return x, qc


def detrend_days(days: np.ndarray, method: str = "none") -> np.ndarray:
    """Remove each record's mean (``"mean"``) or least-squares line (``"linear"``).

    This is data preparation, applied to the whole record that is transformed (one
    station-day), not per STFT segment: chirpstft's transform stays linear and exactly
    invertible (a per-segment detrend inside the transform would break the inverse), while
    the zero padding at the record's ends no longer meets a step from zero to the record's
    level (an offset of 0.5 after day-minmax scaling, or 26,000 nT for raw H) that would
    make bright edge frames drown the rest of the spectrogram.

    Parameters
    ----------
    days : array-like of float, shape (..., n_samples)
        The records, one per row (the last axis is time); NaN samples are ignored by the fit
        and stay NaN.
    method : {"none", "mean", "linear"}, default "none"
        ``"none"`` returns the records unchanged (as float64), ``"mean"`` removes each
        record's mean, ``"linear"`` its least-squares straight line.

    Returns
    -------
    numpy.ndarray of float64
        The records, of the shape of ``days``.
    """
    check_choice("detrend", method, DETREND)
    x = np.asarray(days, dtype=np.float64)
    if method == "none" or x.shape[-1] == 0:
        return x
    if method == "mean":
        return x - np.nanmean(x, axis=-1, keepdims=True)
    t = np.arange(x.shape[-1], dtype=np.float64)
    t = t - t.mean()
    a = np.nanmean(x, axis=-1, keepdims=True)
    b = np.nansum((x - a) * t, axis=-1, keepdims=True) / np.sum(t * t)
    return x - a - b * t


def normalize_days(days: np.ndarray, *, method: str = "day-minmax", center=None, scale=None) -> np.ndarray:
    r"""Scale station-days to [0, 1].

    ``"day-minmax"`` (the seed paper): each day's minimum to 0 and maximum to 1 (a day
    without variation becomes 0.5). ``"station-robust"``:
    :math:`0.5 + (x - c) / (8 s)` clipped to [0, 1], with :math:`c` the station's median and
    :math:`s` its interquartile range over all its days (or ``center``/``scale`` computed
    elsewhere), so that days keep their size relative to each other.

    Parameters
    ----------
    days : array-like of float, shape (n_days, n_samples)
        A station's days, one per row; NaN samples are ignored by the statistics and stay NaN.
    method : {"day-minmax", "station-robust"}, default "day-minmax"
        The scaling (see above).
    center : float, optional
        ``"station-robust"`` only: the value mapped to 0.5, in the data's units; default the
        median of all of ``days``.
    scale : float, optional
        ``"station-robust"`` only: the spread, in the data's units (a day of values
        :math:`c \pm 4s` spans [0, 1]); default the interquartile range of all of ``days``.
        A spread that is not positive falls back to the standard deviation, then to 1.

    Returns
    -------
    numpy.ndarray of float64
        The scaled days, of the shape of ``days``.
    """
    check_choice("normalize", method, NORMALIZE)
    x = np.asarray(days, dtype=np.float64)
    if method == "day-minmax":
        lo = np.nanmin(x, axis=-1, keepdims=True)
        span = np.nanmax(x, axis=-1, keepdims=True) - lo
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(span > 0, (x - lo) / np.where(span > 0, span, 1.0), 0.5)
    if center is None:
        center = float(np.nanmedian(x))
    if scale is None:
        q75, q25 = np.nanpercentile(x, [75, 25])
        scale = float(q75 - q25)
    if not scale > 0:
        scale = float(np.nanstd(x)) or 1.0
    return np.clip(0.5 + (x - center) / (8.0 * scale), 0.0, 1.0)
