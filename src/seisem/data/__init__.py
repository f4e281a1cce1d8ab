"""Series, pairing, labels, QC, splits, the synthetic generator and the dataset build."""

from .build import BuildConfig, build_dataset
from .pairing import haversine_km, label_days, pair_events
from .qc import QCConfig, normalize_days, screen_days
from .series import RegularSeries, day_matrix, regularize
from .splits import assign_splits, event_groups
from .store import SeisemDataset
from .synth import SynthConfig, synthesize

__all__ = [
    "BuildConfig",
    "QCConfig",
    "RegularSeries",
    "SeisemDataset",
    "SynthConfig",
    "assign_splits",
    "build_dataset",
    "day_matrix",
    "event_groups",
    "haversine_km",
    "label_days",
    "normalize_days",
    "pair_events",
    "regularize",
    "screen_days",
    "synthesize",
]
