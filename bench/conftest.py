"""Benchmark fixtures: the shared data sets, built once per session."""

from __future__ import annotations

import numpy as np
import pytest

#: 1440 samples = one day at 1 sample/min; the seed paper's station-day.
N_SAMPLES = 1440
N_FFT, HOP = 128, 32
FS = 1 / 60


@pytest.fixture(scope="session")
def day_batch() -> np.ndarray:
    """256 station-days of float32 noise (small enough for the NumPy reference)."""
    return np.random.default_rng(0).standard_normal((256, N_SAMPLES)).astype(np.float32)
