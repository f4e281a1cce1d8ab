"""Benchmark fixtures and peers: the shared data, built once per session.

Every benchmark checks its output against chirpstft's NumPy reference before the clock
runs, so a fast wrong answer fails instead of being timed.
"""

from __future__ import annotations

import numpy as np
import pytest

from chirpstft._benchmark import CASES, signals

# The cases are defined once, in chirpstft._benchmark.CASES (also what `python -m chirpstft bench` runs);
# these names are their fields.
DAY, LONG = CASES["day"], CASES["long"]
#: Case 1/2: 4096 station-days at 1 sample/min, and a chirp rate that matters at this scale.
BATCH, N_SAMPLES, N_FFT, HOP, FS, RATE = DAY.batch, DAY.n_samples, DAY.n_fft, DAY.hop, DAY.fs, DAY.chirp_rate
#: Case 3: one long signal.
LONG_N, LONG_FFT, LONG_HOP = LONG.n_samples, LONG.n_fft, LONG.hop
LONG_FS, LONG_RATE = LONG.fs, LONG.chirp_rate


@pytest.fixture(scope="session")
def day_batch() -> np.ndarray:
    return signals(DAY, seed=0)


@pytest.fixture(scope="session")
def long_signal() -> np.ndarray:
    return signals(LONG, seed=1)


def assert_close(actual, reference, tol=2e-5):
    """Relative to the largest reference magnitude (float32 data)."""
    actual = np.asarray(actual)
    assert actual.shape == reference.shape, (actual.shape, reference.shape)
    scale = float(np.abs(reference).max())
    err = float(np.abs(actual - reference).max())
    assert err <= tol * scale, f"max error {err:.3g} > {tol:g} x {scale:.3g}"
