"""How dependent the test split is on train: shared calendar dates, and the split side by side.

Station-days of one calendar date share network-wide signals (a storm reaches every
station); :func:`date_overlap` measures how many test days have a date that train also holds,
and :func:`split_side_by_side` refits the fast baselines on the dataset's split and on the
other of episode / time-block over the same station-days.
"""

from __future__ import annotations

import numpy as np

from ..data.daily import BAND_COLUMNS, band_powers, lookup
from ..data.splits import assign_splits, split_groups
from .baselines import feature_baseline

#: What one unit of each split is called in ``metrics.json``.
UNIT_NAMES = {
    "episode": "episode",
    "forward": "episode",
    "event": "event-group",
    "time": "time-block",
    "station": "station",
}


def date_overlap(train_meta, test_meta) -> dict:
    """Share of test station-days whose calendar date also occurs among train station-days:
    a network-wide disturbance on such a date is seen in training with its label."""
    tr = set(train_meta["trace_day_local"].astype(str))
    te = test_meta["trace_day_local"].astype(str).to_numpy()
    share = float(np.mean([d in tr for d in te])) if te.size else float("nan")
    return {"share": share, "n_test": int(te.size)}


def split_side_by_side(ds, daily, *, seed: int = 0) -> dict:
    """The dataset's split and the other one of episode / time-block, over the same
    station-days: sizes, test units, date overlap, and the fast baselines refitted on each
    (band power; the activity index of ``daily["activity_control"]`` when present). The model
    is trained on the dataset's split only."""
    cfg = ds.manifest["config"]
    own = cfg.get("split_by", "episode")
    meta = ds.metadata
    y = meta["label"].to_numpy(int)
    series = ds.series()
    fs = 1.0 / float(cfg["interval_s"])
    bp = band_powers(series, fs=fs) if len(series) else np.empty((0, len(BAND_COLUMNS)))
    other = "time" if own != "time" else "episode"
    out = {}
    for by in (own, other):
        if by == own:
            split = meta["split"].to_numpy()
            groups = meta["split_group"].astype(str).to_numpy()
        else:
            groups = split_groups(
                meta,
                by,
                block_days=int(cfg.get("block_days", 30)),
                before_days=int(cfg.get("before_days", 14)),
                after_days=int(cfg.get("after_days", 14)),
            )
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
            "n_test_units": int(np.unique(np.asarray(groups)[te].astype(str)).size),
            "test_before_share": float(y[te].mean()) if te.any() else None,
            "date_overlap": date_overlap(meta[tr], meta[te]),
            "model_trained_on_this_split": by == own,
        }
        if te.any() and tr.any() and np.unique(y[tr]).size == 2:
            entry["logistic_band_power"] = feature_baseline(bp[tr], y[tr], bp[te], y[te], what="band powers")
            if daily is not None and "activity_control" in daily:
                entry["geomagnetic_activity"] = feature_baseline(
                    lookup(meta[tr], daily, "activity_control"),
                    y[tr],
                    lookup(meta[te], daily, "activity_control"),
                    y[te],
                    what="activity index (the control's source)",
                )
        else:
            entry["skipped"] = "the train or test split is empty or has one class"
        out[UNIT_NAMES.get(by, by) if by != "forward" else "forward"] = entry
    return out
