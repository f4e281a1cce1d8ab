"""Benchmark fixtures and peers: the shared data, built once per session.

Every benchmark checks its output against chirpstft's NumPy reference before the clock
runs, so a fast wrong answer fails instead of being timed.
"""

from __future__ import annotations

import numpy as np
import pytest

#: Case 1/2: 4096 station-days at 1 sample/min.
BATCH, N_SAMPLES, N_FFT, HOP, FS = 4096, 1440, 128, 32, 1 / 60
#: A chirp rate that matters at this scale: pi * a * t**2 = 4.6 rad at the frame edge.
RATE = 2e-8
#: Case 3: one long signal.
LONG_N, LONG_FFT, LONG_HOP = 2**24, 1024, 256


@pytest.fixture(scope="session")
def day_batch() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((BATCH, N_SAMPLES)).astype(np.float32)


@pytest.fixture(scope="session")
def long_signal() -> np.ndarray:
    return np.random.default_rng(1).standard_normal(LONG_N).astype(np.float32)


def assert_close(actual, reference, tol=2e-5):
    """Relative to the largest reference magnitude (float32 data)."""
    actual = np.asarray(actual)
    assert actual.shape == reference.shape, (actual.shape, reference.shape)
    scale = float(np.abs(reference).max())
    err = float(np.abs(actual - reference).max())
    assert err <= tol * scale, f"max error {err:.3g} > {tol:g} x {scale:.3g}"
