"""Series, pairing, labels, QC, splits, the synthetic generator and the dataset build."""

from .._errors import SplitError
from .build import build_dataset
from .config import BuildConfig
from .pairing import (
    dobrovolsky_radius_km,
    exclude_near_events,
    haversine_km,
    label_days,
    pair_events,
    read_pairs,
)
from .qc import QCConfig, detrend_days, normalize_days, screen_days
from .series import RegularSeries, day_matrix, regularize
from .splits import assign_splits, check_splits, event_groups
from .store import SeisemDataset
from .synth import SynthConfig, synthesize

__all__ = [
    "BuildConfig",
    "QCConfig",
    "RegularSeries",
    "SeisemDataset",
    "SplitError",
    "SynthConfig",
    "assign_splits",
    "build_dataset",
    "check_splits",
    "day_matrix",
    "detrend_days",
    "dobrovolsky_radius_km",
    "event_groups",
    "exclude_near_events",
    "haversine_km",
    "label_days",
    "normalize_days",
    "pair_events",
    "read_pairs",
    "regularize",
    "screen_days",
    "synthesize",
]
