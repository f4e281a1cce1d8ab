"""Case 9: the automatic chirp-rate scan (``chirp_rate="auto"``), fused Numba kernel vs the
NumPy implementation of the same criterion (the numpy backend), on day-long minute data.

Both score 33 candidate rates (the default grid for ``n_fft=128``) on every frame of 64
signals of 1440 samples; the benchmark checks that they choose the same rates.
"""

from __future__ import annotations

import numpy as np
import pytest

import chirpstft

from .conftest import FS, HOP, N_FFT, N_SAMPLES

BATCH = 64


@pytest.fixture(scope="module")
def signals() -> np.ndarray:
    return np.random.default_rng(5).standard_normal((BATCH, N_SAMPLES)).astype(np.float32)


@pytest.fixture(scope="module")
def reference(signals) -> np.ndarray:
    return chirpstft.estimate_chirp_rates(signals, fs=FS, n_fft=N_FFT, hop_length=HOP, backend="numpy")


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_9_auto_rate_scan(benchmark, signals, reference, backend):
    benchmark.group = "9: auto chirp-rate scan, 64 x 1440 float32, n_fft=128, 33 candidates"
    run = lambda: chirpstft.estimate_chirp_rates(signals, fs=FS, n_fft=N_FFT, hop_length=HOP, backend=backend)  # noqa: E731
    np.testing.assert_array_equal(run(), reference)
    benchmark(run)
