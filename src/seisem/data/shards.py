"""A station's shard: its images and series (``shards/<station>.h5``), its rows
(``.csv``) and its daily confound rows (``.daily.csv``), written atomically and trusted only
when their recorded parameter hash matches (so a resumed build skips finished stations).
"""

from __future__ import annotations

import os

import h5py
import numpy as np
import pandas as pd

from .._files import atomic_path
from .config import BuildConfig
from .daily import station_daily_rows
from .images import Stages, process_days
from .pairing import event_day
from .series import day_matrix, day_starts_utc, regularize
from .station import read_station

__all__ = ["build_station", "reference_station_daily", "shard_paths", "shard_valid", "write_shard"]


def shard_paths(out, code):
    """The station's shard files: images and series (.h5), rows (.csv), daily confound rows (.daily.csv)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(code))
    base = os.path.join(out, "shards", safe)
    return f"{base}.h5", f"{base}.csv", f"{base}.daily.csv"


def write_shard(path: str, images: np.ndarray, series: np.ndarray, attrs: dict) -> None:
    """Write a shard's ``images`` and ``series`` (chunks of up to 256 days) with ``attrs``, atomically."""
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w", track_order=False) as f:
            f.attrs.update(attrs)
            for name, data in (("images", images), ("series", series)):
                f.create_dataset(
                    name,
                    data=data,
                    chunks=(max(1, min(256, len(data))), *data.shape[1:]) if len(data) else None,
                    track_times=False,
                )


def _station_daily(code, files, rec, reg, cfg, daily_path):
    """The station's rows of the daily confound table, from the series already read and
    regularised (``rec``, ``reg``; None: read the files), written to ``daily_path``;
    ``(rows or None, error or None)``. A failure is returned, never raised: the controls are
    extra, the dataset itself is fine."""
    try:
        if rec is None:
            rec = read_station(code, files, cfg, missing_element="skip")
        rows = station_daily_rows(code, rec, cfg, reg=reg)
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"
    with atomic_path(daily_path) as tmp:
        (rows if rows is not None else pd.DataFrame(columns=["station_code", "day"])).to_csv(tmp, index=False)
    return rows, None


def _read_daily_shard(daily_path):
    rows = pd.read_csv(daily_path, dtype={"station_code": str, "day": str})
    return rows if len(rows) else None


def shard_valid(h5path, csvpath, cfg_hash) -> bool:
    if not (os.path.exists(h5path) and os.path.exists(csvpath)):
        return False
    try:
        with h5py.File(h5path, "r") as f:
            return f.attrs.get("config_hash") == cfg_hash
    except OSError:
        return False


def build_station(code: str, files: list, samples, cfg: BuildConfig, out: str):
    """Process one station's samples and write its shard (skipped when already valid).

    Returns the station's rows (kept and rejected) as a DataFrame, its rows of the daily
    confound table as ``(DataFrame or None, error or None)`` (from the series read once for both)
    and the seconds spent per stage (read, days, daily, qc, images, write; a dict).
    """
    stages = Stages()
    h5path, csvpath, dailypath = shard_paths(out, code)
    cfg_hash = cfg.content_hash()
    if shard_valid(h5path, csvpath, cfg_hash):
        rows = pd.read_csv(
            csvpath,
            dtype={"station_code": str, "source_id": str, "source_ids": str},
            keep_default_na=False,
            na_values=[""],
        )
        if os.path.exists(dailypath):
            return rows, (_read_daily_shard(dailypath), None), {"reused": 1.0}
        daily = _station_daily(code, files, None, None, cfg, dailypath) if files else (None, None)
        return rows, daily, {"reused": 1.0}
    samples = samples.sort_values("day", kind="stable").reset_index(drop=True)
    spd = cfg.samples_per_day
    days = samples["day"].to_numpy().astype("datetime64[D]")
    inside = np.zeros(len(days), bool)
    raw = np.full((len(days), spd), np.nan)
    daily = (None, None)
    if files:
        with stages("read"):
            rec = read_station(code, files, cfg)
        with stages("days"):
            reg = regularize(rec.times, rec.values, interval_s=cfg.interval_s, duplicates=cfg.duplicates)
        with stages("daily"):
            daily = _station_daily(code, files, rec, reg, cfg, dailypath)
        with stages("days"):
            inside = _inside(reg, days, inside, raw, cfg)
    qc_in, ok_in, series, images = process_days(raw[inside], cfg, stages)
    ok = np.zeros(len(days), bool)
    ok[inside] = ok_in
    qc = {}
    for k, val in qc_in.items():
        full = np.zeros(len(days), dtype=val.dtype if k != "qc_status" else object)
        if k == "qc_missing_fraction":
            full[:] = 1.0
        full[inside] = val
        if k == "qc_status":
            full[~inside] = "outside_data"
            full = full.astype(str)
        qc[k] = full

    rows = samples.copy()
    rows["trace_start_time"] = (
        pd.DatetimeIndex(day_starts_utc(days, cfg.tz)).tz_localize("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    rows["trace_day_local"] = [str(d) for d in days]
    rows["source_origin_time"] = (
        pd.DatetimeIndex(rows["source_origin_time"]).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    for k, val in qc.items():
        rows[k] = val
    if not files:
        rows["qc_status"] = "no_data"
    if "qc_status" not in qc:
        rows["qc_status"] = "outside_data" if files else "no_data"
    rows["shard"] = os.path.basename(h5path)
    idx = np.full(len(rows), -1, np.int64)
    idx[ok] = np.arange(int(ok.sum()))
    rows["trace_index"] = idx
    rows["trace_name"] = [f"{code}${i}" if i >= 0 else "" for i in idx]
    rows = rows.drop(columns=["day"])
    with stages("write"):
        with atomic_path(csvpath) as tmp:
            rows.to_csv(tmp, index=False, float_format="%.6g")
        write_shard(h5path, images, series, {"config_hash": cfg_hash, "station_code": str(code)})
    return rows, daily, stages.seconds


def _inside(reg, days, inside, raw, cfg):
    """Fill ``raw`` with the station's days that its data touch (in ``cfg.tz``, first to last
    finite sample); returns the mask of those days."""
    if reg.values.size:
        good = np.flatnonzero(np.isfinite(reg.values))
        if good.size:
            span = event_day(reg.times[[good[0], good[-1]]], cfg.tz)
            inside = (days >= span[0]) & (days <= span[1])
        if inside.any():
            raw[inside] = day_matrix(reg, days[inside], tz=cfg.tz)
    return inside


def reference_station_daily(code: str, files: list, cfg: BuildConfig, out: str):
    """The daily rows of a station that no event pairs with (no images), as ``(rows or None,
    error or None)``, and the seconds spent (``{"reference": s}``); kept in
    ``shards/<code>.ref-<config hash>.daily.csv`` so that a resumed build reads them back."""
    stages = Stages()
    base = shard_paths(out, code)[2]
    path = base[: -len(".daily.csv")] + f".ref-{cfg.content_hash()}.daily.csv"
    if os.path.exists(path):
        return (_read_daily_shard(path), None), {"reused": 1.0}
    with stages("reference"):
        daily = _station_daily(code, files, None, None, cfg, path)
    return daily, stages.seconds
