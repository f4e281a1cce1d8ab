"""Superposed epochs (Chree 1913): daily features from -14 to +14 days around the events,
with the envelope of the same curve around pseudo-events."""

from __future__ import annotations

import warnings

import numpy as np

from ..data.daily import BAND_COLUMNS, utc_naive
from ..data.pairing import event_day

EPOCH_DAYS = 14


def superposed_epoch(
    pairs, daily, cfg, pseudo=(), *, features=("activity_control", "band_power_total")
) -> dict:
    """Mean of daily features over station-event pairs at day offsets -14..+14 from the
    event's day (in the dataset's time zone), and the 2.5-97.5 % envelope of the same mean
    over the pseudo-event catalogs ``pseudo`` (min-max when fewer than 40). Features absent
    from ``daily`` are left out."""
    d = daily.copy()
    if "band_power_total" in features:
        d["band_power_total"] = d[BAND_COLUMNS].mean(axis=1)
    features = tuple(f for f in features if f in d)
    d.index = d["station_code"].astype(str) + "|" + d["day"].astype(str)
    d = d[~d.index.duplicated()]
    offs = np.arange(-EPOCH_DAYS, EPOCH_DAYS + 1)
    tz = cfg.get("tz", "UTC")

    def curves(p):
        eday = event_day(utc_naive(p["source_origin_time"]), tz)
        st = p["station_code"].astype(str).to_numpy()
        res = {}
        for f in features:
            vals = np.full((len(p), offs.size), np.nan)
            col = d[f]
            for j, o in enumerate(offs):
                keys = [f"{s}|{e + np.timedelta64(int(o), 'D')}" for s, e in zip(st, eday, strict=True)]
                vals[:, j] = col.reindex(keys).to_numpy(dtype=np.float64)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # offsets with no value: NaN
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
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                lo, hi = np.nanpercentile(arr, q[0], axis=0), np.nanpercentile(arr, q[1], axis=0)
            entry["pseudo_lo"] = [None if not np.isfinite(v) else float(v) for v in lo]
            entry["pseudo_hi"] = [None if not np.isfinite(v) else float(v) for v in hi]
            entry["envelope"] = f"{q[0]:g}-{q[1]:g} % of {len(pc)} pseudo-event catalogs"
        out["features"][f] = entry
    return out
