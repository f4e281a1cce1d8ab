"""The NumPy reference backend beside its peers, on the same data in one run.

Each benchmark checks its result against chirpstft's reference before timing, so a
fast wrong answer cannot pass. Run with ``make bench``; results go to RESULTS.md.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

import chirpstft

from .conftest import FS, HOP, N_FFT

RATE = 2e-8  # Hz/s: about a cycle per minute per day at 1 sample/min


def _close(a, b, tol=1e-4):
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol * np.abs(b).max())


@pytest.mark.benchmark(group="chirp stft: 256 x 1440 float32, n_fft=128, hop=32")
@pytest.mark.parametrize("impl", ["chirpstft-numpy", "scipy-ShortTimeFFT"])
def test_chirp_stft(benchmark, day_batch, impl):
    plan = chirpstft.ChirpSTFT(fs=FS, n_fft=N_FFT, hop_length=HOP, chirp_rate=RATE, backend="numpy")
    ref = plan.stft(day_batch)
    if impl == "chirpstft-numpy":
        fn = plan.stft
    else:
        t = (np.arange(N_FFT) - N_FFT // 2) / FS
        g = plan.window * np.exp(1j * np.pi * RATE * t**2)
        sft = scipy.signal.ShortTimeFFT(g, HOP, FS, fft_mode="twosided", mfft=N_FFT)
        first = -sft.p_min
        phase = np.exp(-2j * np.pi * np.arange(N_FFT) * (N_FFT // 2) / N_FFT)[:, None].astype(np.complex64)

        def fn(x):
            return sft.stft(x)[..., first : first + ref.shape[-1]]

        _close(fn(day_batch) * phase, ref)
    out = benchmark(fn, day_batch)
    assert out.shape[-1] == ref.shape[-1]


@pytest.mark.benchmark(group="plain stft: 256 x 1440 float32, n_fft=128, hop=32")
@pytest.mark.parametrize("impl", ["chirpstft-numpy", "librosa"])
def test_plain_stft(benchmark, day_batch, impl):
    plan = chirpstft.ChirpSTFT(fs=FS, n_fft=N_FFT, hop_length=HOP, backend="numpy")
    ref = plan.stft(day_batch)
    if impl == "chirpstft-numpy":
        fn = plan.stft
    else:
        librosa = pytest.importorskip("librosa")

        def fn(x):
            return librosa.stft(x, n_fft=N_FFT, hop_length=HOP)

    _close(fn(day_batch), ref)
    benchmark(fn, day_batch)


@pytest.mark.benchmark(group="inverse: 256 x 1440 float32, n_fft=128, hop=32")
@pytest.mark.parametrize("impl", ["chirpstft-numpy-ls-chirp", "chirpstft-numpy-ls", "librosa"])
def test_inverse(benchmark, day_batch, impl):
    rate = RATE if impl.endswith("chirp") else 0.0
    plan = chirpstft.ChirpSTFT(fs=FS, n_fft=N_FFT, hop_length=HOP, chirp_rate=rate, backend="numpy")
    S = plan.stft(day_batch)
    if impl == "librosa":
        librosa = pytest.importorskip("librosa")

        def fn(S):
            return librosa.istft(S, n_fft=N_FFT, hop_length=HOP, length=day_batch.shape[-1])
    else:

        def fn(S):
            return plan.istft(S, length=day_batch.shape[-1], real=True)

    _close(fn(S), day_batch, 1e-5)
    benchmark(fn, S)
