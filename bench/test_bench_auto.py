"""Case 9: the automatic chirp-rate scan (``chirp_rate="auto"``), fused Numba kernel vs the
NumPy implementation of the same criterion (the numpy backend), on day-long minute data.

Both score 33 candidate rates (the default grid for ``n_fft=128``) on every frame of 64
signals of 1440 samples; the benchmark checks that they choose the same rates.
"""

from __future__ import annotations

import numpy as np
import pytest

import chirpstft
from chirpstft._benchmark import CASES
from chirpstft._benchmark import signals as case_signals

AUTO = CASES["auto"]
BATCH, N_SAMPLES, N_FFT, HOP, FS = AUTO.batch, AUTO.n_samples, AUTO.n_fft, AUTO.hop, AUTO.fs


@pytest.fixture(scope="module")
def signals() -> np.ndarray:
    return case_signals(AUTO, seed=5)


@pytest.fixture(scope="module")
def reference(signals) -> np.ndarray:
    return chirpstft.estimate_chirp_rates(signals, fs=FS, n_fft=N_FFT, hop_length=HOP, backend="numpy")


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_9_auto_rate_scan(benchmark, signals, reference, backend):
    benchmark.group = f"9: auto chirp-rate scan, {BATCH} x {N_SAMPLES} float32, n_fft={N_FFT}, 33 candidates"
    run = lambda: chirpstft.estimate_chirp_rates(signals, fs=FS, n_fft=N_FFT, hop_length=HOP, backend=backend)  # noqa: E731
    np.testing.assert_array_equal(run(), reference)
    benchmark(run)
