"""A daily geomagnetic-activity index per station, and readers of planetary indices (Kp, Dst).

The station index is a simplified variant of the FMI method of computing K indices
(Sucksdorff, C., Pirjola, R. & Häkkinen, L., 1991, "Computer production of K-indices based
on linear elimination", *Geophysical Transactions* 36, 333–345; recommended by IAGA, see
Menvielle, M. et al., 1995, *Annales Geophysicae* 13, 929–952; the K index itself:
Bartels, Heck & Johnston 1939, and Mayaud, P. N., 1980, *Derivation, Meaning, and Use of
Geomagnetic Indices*, AGU Geophysical Monograph 22):

1. hourly means of each horizontal component (H and D converted to nT, or X and Y; for a
   one-component record such as an AETA feature series, that component);
2. the quiet-day (solar regular, Sr) curve of day *d*: a least-squares fit to the hourly
   means of days *d-1 .. d+1* of a line plus the 24, 12, 8 and 6 hour harmonics; hours
   whose residual exceeds 3 robust standard deviations are dropped and the fit repeated
   once, so that a storm does not drag the curve (the FMI method instead narrows its
   smoothing window with the preliminary K; this fixed-window variant is simpler and is
   stated as such);
3. the range (max - min) of the residual (data minus Sr curve) in each of the eight 3-hour
   windows of the day, the larger of the two horizontal components (as in the K index);
4. K per window on the Niemegk quasi-logarithmic scale, lower limits
   0, 5, 10, 20, 40, 70, 120, 200, 330, 500 nT for K = 0..9, multiplied by ``l9 / 500``
   (``l9``: the observatory's lower limit of K = 9; 500 nT at Niemegk, 300 nT at Kakioka and
   other Japanese observatories).

Isolated spikes are removed first (a 5-sample running median). The daily index is
``activity_range`` (the largest 3-hour range, in the data's units), ``activity_log_range``
(the mean log10 range of the 8 windows: K is close to a logarithm of the range, so this is
the unit-free counterpart of the daily sum of K), and for data in nT ``activity_k_max`` and
``activity_k_sum``.
Windows are the eight 3-hour windows of the *station-day* in the dataset's time zone (the
K index uses UTC windows; for UTC datasets they coincide).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from ._errors import ParameterError, ReadError

#: Niemegk lower limits of K = 0..9 in nT (for L9 = 500 nT).
NIEMEGK_LIMITS = np.array([0, 5, 10, 20, 40, 70, 120, 200, 330, 500], dtype=np.float64)
HARMONIC_PERIODS_H = (24.0, 12.0, 8.0, 6.0)
WINDOWS_PER_DAY = 8


def _hourly_means(days: np.ndarray) -> np.ndarray:
    n_days, spd = days.shape
    if spd % 24:
        raise ParameterError(f"samples per day ({spd}) must be a multiple of 24 for hourly means")
    h = days.reshape(n_days, 24, spd // 24)
    m = _nan(np.nanmean, h, axis=-1)
    frac = np.mean(np.isfinite(h), axis=-1)
    m[frac < 0.5] = np.nan
    return m


def _nan(func, a, axis=None):
    """``func`` (``np.nanmedian``, ``np.nanmax``, ...) over ``axis`` with NaN where a slice holds
    no number, without the RuntimeWarning NumPy gives for all-NaN or empty slices (a warning
    filter would not do: the build runs this in several threads, and filters are global)."""
    a = np.asarray(a, dtype=np.float64)
    empty = np.isnan(a).all(axis=axis, keepdims=axis is not None) if a.size else np.True_
    if a.size == 0:
        return np.full(np.delete(a.shape, axis).tolist() if axis is not None else (), np.nan)[()]
    r = np.asarray(func(np.where(empty, 0.0, a), axis=axis), dtype=np.float64)
    empty = np.squeeze(empty, axis=axis) if axis is not None else empty
    return np.where(empty, np.nan, r)[()]


def _design(t_hours: np.ndarray) -> np.ndarray:
    cols = [np.ones_like(t_hours), t_hours / 72.0]
    for p in HARMONIC_PERIODS_H:
        w = 2 * np.pi * t_hours / p
        cols += [np.cos(w), np.sin(w)]
    return np.stack(cols, axis=-1)


def quiet_day_curves(days: np.ndarray) -> np.ndarray:
    """The quiet-day (Sr) curve of each day, ``(n_days, samples_per_day)``, from consecutive
    days ``days`` (NaN = missing): see step 2 of the module docstring. Days whose 3-day window
    holds fewer than 24 valid hourly means get NaN."""
    days = np.asarray(days, dtype=np.float64)
    n_days, spd = days.shape
    hm = _hourly_means(days)  # (n_days, 24)
    pad = np.full((1, 24), np.nan)
    ext = np.concatenate([pad, hm, pad]).reshape(-1)  # hours from the day before the first
    t_h = np.arange(72, dtype=np.float64) + 0.5  # hour centres of days d-1, d, d+1
    A = _design(t_h)
    t_s = 24.0 + (np.arange(spd) + 0.5) * (24.0 / spd)
    A_day = _design(t_s)
    out = np.full((n_days, spd), np.nan)
    for d in range(n_days):
        y = ext[24 * d : 24 * d + 72]
        ok = np.isfinite(y)
        for _ in range(2):
            if ok.sum() < 24:
                break
            coef, *_ = np.linalg.lstsq(A[ok], y[ok], rcond=None)
            r = y - A @ coef
            mad = _nan(np.nanmedian, np.abs(r[ok] - _nan(np.nanmedian, r[ok]))) * 1.4826
            keep = ok & (np.abs(r) <= 3 * mad + 1e-12)
            if keep.sum() == ok.sum() or keep.sum() < 24:
                break
            ok = keep
        if ok.sum() >= 24:
            out[d] = A_day @ coef
    return out


def despike(days: np.ndarray, width: int = 5) -> np.ndarray:
    """A running median of ``width`` samples along each day (NaN-aware): isolated spikes, which
    observatories remove before K is scaled, do not set a 3-hour range."""
    if width <= 1:
        return days
    half = width // 2
    pad = np.pad(days, ((0, 0), (half, half)), mode="edge")
    return _nan(np.nanmedian, sliding_window_view(pad, width, axis=1), axis=-1)


def window_ranges(
    days: np.ndarray, curves: np.ndarray | None = None, *, despike_width: int = 5
) -> np.ndarray:
    """Range of ``days - curves`` in each 3-hour window, ``(n_days, 8)``, after
    :func:`despike`; NaN where more than half of a window is missing."""
    days = np.asarray(days, dtype=np.float64)
    if curves is None:
        curves = quiet_day_curves(days)
    n_days, spd = days.shape
    if spd % WINDOWS_PER_DAY:
        raise ParameterError(f"samples per day ({spd}) must be a multiple of {WINDOWS_PER_DAY}")
    r = despike(days - curves, despike_width).reshape(n_days, WINDOWS_PER_DAY, spd // WINDOWS_PER_DAY)
    rng = _nan(np.nanmax, r, axis=-1) - _nan(np.nanmin, r, axis=-1)
    rng[np.mean(np.isfinite(r), axis=-1) < 0.5] = np.nan
    return rng


def k_values(ranges, *, l9: float = 500.0) -> np.ndarray:
    """K (0..9) of 3-hour ranges in nT on the Niemegk scale scaled to ``l9`` (NaN stays NaN)."""
    if not (np.isfinite(l9) and l9 > 0):
        raise ParameterError(f"l9={l9!r} must be a positive number of nT (500 at Niemegk, 300 at Kakioka)")
    r = np.asarray(ranges, dtype=np.float64)
    k = (np.searchsorted(NIEMEGK_LIMITS * (l9 / 500.0), np.nan_to_num(r, nan=0.0), side="right") - 1).astype(
        np.float64
    )
    k[~np.isfinite(r)] = np.nan
    return k


def horizontal_nt(values: dict) -> dict:
    """The horizontal components in nT from an IAGA-2002 element dict: ``{"H", "D"}`` (D in
    arc-minutes converted to nT as ``H * D[rad]``), or ``{"X", "Y"}``; else what is there."""
    if "H" in values and "D" in values:
        h = np.asarray(values["H"], dtype=np.float64)
        d = np.asarray(values["D"], dtype=np.float64)
        return {"H": h, "D_nT": _nan(np.nanmedian, h) * np.radians(d / 60.0)}
    if "X" in values and "Y" in values:
        return {"X": np.asarray(values["X"], float), "Y": np.asarray(values["Y"], float)}
    if "H" in values:
        return {"H": np.asarray(values["H"], float)}
    raise ParameterError(
        f"no horizontal components among {sorted(values)}: need H and D, X and Y, or H for the activity index"
    )


def daily_activity(components, *, l9: float | None = 500.0) -> dict:
    """Daily activity of one station from its day matrices.

    Parameters
    ----------
    components : ndarray (n_days, samples_per_day) or list of them
        Consecutive calendar days of each horizontal component (one for a one-component
        record), NaN for missing samples.
    l9 : float or None
        Lower limit of K = 9 in the data's units (nT); ``None`` for data not in nT: then
        only ``activity_range`` is computed.

    Returns
    -------
    dict of arrays, one value per day: ``activity_range`` (largest 3-hour range after the
    quiet-day curve is removed, the larger component), ``activity_k_max``, ``activity_k_sum``.
    """
    comps = [components] if isinstance(components, np.ndarray) and components.ndim == 2 else list(components)
    if not comps:
        raise ParameterError("daily_activity needs at least one component")
    ranges = np.stack([window_ranges(c) for c in comps])  # (n_comp, n_days, 8)
    per_window = _nan(np.nanmax, ranges, axis=0)
    out = {
        "activity_range": _nan(np.nanmax, per_window, axis=1),
        # the mean log10 range of the 8 windows: like the daily sum of K (K is close to a log
        # of the range), but defined for data in any unit
        "activity_log_range": _nan(np.nanmean, np.log10(np.clip(per_window, 1e-12, None)), axis=1),
    }
    if l9 is not None:
        k = k_values(per_window, l9=l9)
        out["activity_k_max"] = _nan(np.nanmax, k, axis=1)
        out["activity_k_sum"] = np.where(np.isfinite(k).all(axis=1), np.nansum(k, axis=1), np.nan)
    return out


def standardized_activity(table, column: str = "activity_log_range"):
    """The daily mean log10 3-hour range standardised per station (median and MAD over all
    the station's days, no labels used): stations of different gain and latitude become
    comparable."""

    v = table[column].to_numpy(dtype=np.float64).copy()
    s = pd.Series(v, index=table.index)
    g = s.groupby(table["station_code"].astype(str))
    med = g.transform("median")
    mad = g.transform(lambda x: _nan(np.nanmedian, np.abs(x - _nan(np.nanmedian, x))) * 1.4826 + 1e-9)
    return ((s - med) / mad).to_numpy()


# --- planetary indices --------------------------------------------------------------------------


def read_kp(path):
    """Read a GFZ Potsdam Kp file (``Kp_ap_since_1932.txt`` / ``Kp_ap_nowcast.txt`` layout: ``#``
    comments, then ``YYYY MM DD hh.h hh._m days days_m Kp ap D`` per 3-hour interval).

    Returns a DataFrame with one row per UTC day: ``date``, ``kp_max``, ``kp_sum``
    (missing values, -1 in the file, are dropped). Reference: Matzka, J. et al. (2021), "The
    geomagnetic Kp index and derived indices of geomagnetic activity", *Space Weather* 19.
    """

    rows = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            f = s.split()
            try:
                y, mo, d = int(f[0]), int(f[1]), int(f[2])
                kp = float(f[7])
            except (IndexError, ValueError) as exc:
                raise ReadError(
                    f"{path}, line {n}: not the GFZ Kp layout 'YYYY MM DD hh.h hh._m days days_m Kp ap D': {s[:60]!r}"
                ) from exc
            if kp >= 0:
                rows.append((f"{y:04d}-{mo:02d}-{d:02d}", kp))
    if not rows:
        raise ReadError(f"{path}: no Kp values found (GFZ Kp text format expected)")
    df = pd.DataFrame(rows, columns=["date", "kp"])
    out = df.groupby("date")["kp"].agg(kp_max="max", kp_sum="sum").reset_index()
    return out


def read_dst(path):
    """Read a WDC for Geomagnetism, Kyoto Dst file (the 120-column hourly format: ``DST`` in
    columns 1-3, year's last two digits 4-5, month 6-7, ``*`` 8, day 9-10, century 15-16,
    base value (100 nT) 17-20, 24 hourly values 21-116 (``I4``, 9999 missing), daily mean
    117-120; see https://wdc.kugi.kyoto-u.ac.jp/dstae/format/dstformat.html).

    Returns a DataFrame with one row per UTC day: ``date``, ``dst_min`` (nT, the most
    negative hour), ``dst_mean``.
    """

    rows = []
    with open(path, encoding="ascii", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            if not line.startswith("DST") or len(line.rstrip("\n")) < 116:
                raise ReadError(
                    f"{path}, line {n}: not a WDC Kyoto Dst line (starts with 'DST', 120 columns): {line[:40]!r}"
                )
            try:
                yy, mo, dd = int(line[3:5]), int(line[5:7]), int(line[8:10])
                cent = line[14:16].strip()
                year = int(cent) * 100 + yy if cent else 1900 + yy
                base = int(line[16:20] or 0)
                vals = np.array([int(line[20 + 4 * i : 24 + 4 * i]) for i in range(24)], dtype=np.float64)
            except ValueError as exc:
                raise ReadError(f"{path}, line {n}: unreadable Dst fields: {line[:60]!r}") from exc
            vals[vals == 9999] = np.nan
            vals += 100 * base
            if np.isfinite(vals).any():
                rows.append((f"{year:04d}-{mo:02d}-{dd:02d}", np.nanmin(vals), np.nanmean(vals)))
    if not rows:
        raise ReadError(f"{path}: no Dst values found (WDC Kyoto format expected)")
    return pd.DataFrame(rows, columns=["date", "dst_min", "dst_mean"])


def read_planetary_index(path):
    """Kp (GFZ text) or Dst (WDC Kyoto) file, recognised from its content. Returns
    ``(kind, table)`` where ``table`` has ``date`` and ``planetary_activity`` (Kp: the daily
    maximum; Dst: minus the daily minimum, so that larger means more disturbed)."""
    path = os.fspath(path)
    with open(path, encoding="utf-8", errors="replace") as fh:
        head = [ln for ln in (fh.readline() for _ in range(50)) if ln.strip()]
    if any(ln.startswith("DST") for ln in head):
        t = read_dst(path)
        return "Dst", t.assign(planetary_activity=-t["dst_min"])[["date", "planetary_activity"]]
    if any(ln.strip() and not ln.startswith("#") for ln in head):
        t = read_kp(path)
        return "Kp", t.assign(planetary_activity=t["kp_max"])[["date", "planetary_activity"]]
    raise ReadError(f"{path}: neither a GFZ Kp text file nor a WDC Kyoto Dst file")
