"""Mathematical properties of the chirp STFT: linearity, shift covariance, energy, concentration."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chirpstft


@given(
    n_fft=st.integers(4, 40),
    hop=st.integers(1, 12),
    rate=st.floats(-0.05, 0.05),
    a=st.floats(-3, 3),
    b=st.floats(-3, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_linearity(backend, n_fft, hop, rate, a, b, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal((2, 150))
    kw = dict(n_fft=n_fft, hop_length=hop, chirp_rate=rate, backend=backend)
    lhs = chirpstft.stft(a * x + b * y, **kw)
    rhs = a * chirpstft.stft(x, **kw) + b * chirpstft.stft(y, **kw)
    np.testing.assert_allclose(lhs, rhs, atol=1e-11 * (1 + np.abs(rhs).max()))


@given(
    n_fft=st.integers(4, 40),
    hop=st.integers(1, 10),
    shift_frames=st.integers(1, 6),
    rate=st.floats(-0.05, 0.05),
    seed=st.integers(0, 2**32 - 1),
)
def test_time_shift_by_whole_hops_shifts_frames(backend, n_fft, hop, shift_frames, rate, seed):
    """Delaying a signal by k hops delays its frames by k (away from the edges)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(200)
    d = shift_frames * hop
    shifted = np.concatenate([np.zeros(d), x])
    kw = dict(n_fft=n_fft, hop_length=hop, chirp_rate=rate, backend=backend)
    S = chirpstft.stft(x, **kw)
    S_shifted = chirpstft.stft(shifted, **kw)
    np.testing.assert_allclose(S_shifted[:, shift_frames : shift_frames + S.shape[1]], S, atol=1e-11)


@pytest.mark.parametrize(
    ("window", "n_fft", "hop"),
    [("hann", 64, 16), ("boxcar", 30, 10), ("hann", 63, 21), (np.sqrt(np.hanning(65)[:64]), 64, 32)],
)
@pytest.mark.parametrize("rate", [0.0, 0.01, "per-frame"])
def test_energy_identity_for_tight_frames(backend, rng, window, n_fft, hop, rate):
    """sum |S|**2 = n_fft * C * sum |x|**2 when sum_m |w[n - m*hop]|**2 = C for all n."""
    w = chirpstft.get_window(window, n_fft)
    folded = np.array([np.sum(np.abs(w[r::hop]) ** 2) for r in range(hop)])
    assert np.ptp(folded) < 1e-12, "test window must be tight at this hop"
    x = np.zeros(600)
    x[100:500] = rng.standard_normal(400)  # away from the ends: every sample fully covered
    plan = chirpstft.ChirpSTFT(n_fft=n_fft, hop_length=hop, window=window, fft_mode="twosided")
    rates = rng.uniform(-0.02, 0.02, plan.n_frames(x.size)) if rate == "per-frame" else rate
    S = chirpstft.stft(
        x, n_fft=n_fft, hop_length=hop, window=window, chirp_rate=rates, fft_mode="twosided", backend=backend
    )
    np.testing.assert_allclose(np.sum(np.abs(S) ** 2), n_fft * folded[0] * np.sum(x**2), rtol=1e-10)


def linear_chirp(fs, n, f0, rate):
    t = np.arange(n) / fs
    return np.cos(2 * np.pi * (f0 * t + 0.5 * rate * t**2)), t


def test_matched_rate_minimises_renyi_entropy(backend):
    fs, rate = 1000.0, 300.0  # 300 Hz/s, from 50 Hz
    x, _ = linear_chirp(fs, 1200, 50.0, rate)
    candidates = np.linspace(-600, 900, 31)
    kw = dict(fs=fs, n_fft=256, hop_length=32, fft_mode="twosided", backend=backend)
    entropies = [
        float(chirpstft.renyi_entropy(chirpstft.stft(x, chirp_rate=c, **kw)[:129])) for c in candidates
    ]
    best = candidates[int(np.argmin(entropies))]
    assert abs(best - rate) <= candidates[1] - candidates[0]
    plain = float(chirpstft.renyi_entropy(chirpstft.stft(x, chirp_rate=0.0, **kw)[:129]))
    matched = float(chirpstft.renyi_entropy(chirpstft.stft(x, chirp_rate=rate, **kw)[:129]))
    assert matched < plain - 0.5  # at least 0.5 bit more concentrated


def test_matched_rate_peaks_at_the_instantaneous_frequency(backend):
    fs, rate, f0 = 1000.0, 300.0, 50.0
    x, _ = linear_chirp(fs, 1200, f0, rate)
    plan = chirpstft.ChirpSTFT(
        fs=fs, n_fft=256, hop_length=32, chirp_rate=rate, fft_mode="twosided", backend=backend
    )
    S = np.abs(plan.stft(x))[:129]
    times = plan.times(x.size)
    inner = (times > 0.15) & (times < 1.05)
    peak = plan.frequencies("twosided")[:129][np.argmax(S[:, inner], axis=0)]
    np.testing.assert_allclose(peak, f0 + rate * times[inner], atol=fs / 256)


def test_down_chirp_prefers_negative_rate(backend):
    fs = 100.0
    x, _ = linear_chirp(fs, 1000, 40.0, -3.0)
    kw = dict(fs=fs, n_fft=128, hop_length=16, fft_mode="twosided", backend=backend)
    # a real cosine has mirror components of opposite rates: look at positive frequencies
    up = float(chirpstft.renyi_entropy(chirpstft.stft(x, chirp_rate=3.0, **kw)[:65]))
    down = float(chirpstft.renyi_entropy(chirpstft.stft(x, chirp_rate=-3.0, **kw)[:65]))
    assert down < up - 0.5


def test_renyi_entropy_errors_and_values():
    delta = np.zeros((4, 4))
    delta[1, 2] = 5
    assert float(chirpstft.renyi_entropy(delta)) == pytest.approx(0.0)
    assert float(chirpstft.renyi_entropy(np.ones((4, 4)))) == pytest.approx(4.0)
    with pytest.raises(chirpstft.ParameterError, match=r"order=1\.0 must be a positive number other than 1"):
        chirpstft.renyi_entropy(delta, order=1)
    with pytest.raises(chirpstft.ParameterError, match="S is all zeros"):
        chirpstft.renyi_entropy(np.zeros((3, 3)))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("center", [True, False])
def test_nonfinite_samples_affect_only_their_frames(backend, rng, value, center):
    n_fft, hop, n = 32, 8, 400
    x = rng.standard_normal(n)
    bad_index = 201
    x_bad = x.copy()
    x_bad[bad_index] = value
    kw = dict(n_fft=n_fft, hop_length=hop, chirp_rate=0.002, center=center, backend=backend)
    S = chirpstft.stft(x, **kw)
    S_bad = chirpstft.stft(x_bad, **kw)
    start = np.arange(S.shape[-1]) * hop - (n_fft // 2 if center else 0)
    touched = (start <= bad_index) & (bad_index < start + n_fft)
    assert touched.sum() == n_fft // hop
    assert np.all(np.any(~np.isfinite(S_bad[:, touched]), axis=0))
    np.testing.assert_array_equal(S_bad[:, ~touched], S[:, ~touched])


def test_nonfinite_frames_in_istft_stay_local(rng):
    x = rng.standard_normal(400)
    S = chirpstft.stft(x, n_fft=32, hop_length=8)
    S[:, 20] = np.nan
    y = chirpstft.istft(S, n_fft=32, hop_length=8, length=400)
    bad = ~np.isfinite(y)
    # frame 20 covers original samples [20*8 - 16, 20*8 + 16)
    assert np.array_equal(np.flatnonzero(bad), np.arange(144, 176))
    np.testing.assert_allclose(y[~bad], x[~bad], atol=1e-12)
