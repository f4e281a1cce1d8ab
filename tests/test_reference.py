"""The forward transform against the naive oracle, librosa and scipy's ShortTimeFFT."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

import chirpstft

from . import naive

WINDOWS = ["hann", "hamming", "blackman", "bartlett", "boxcar", ("gaussian", 5.0), ("kaiser", 8.0)]


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize(
    ("n_fft", "hop", "win_length", "center", "pad_mode"),
    [
        (32, 8, None, True, "constant"),
        (33, 5, 20, True, "reflect"),
        (30, 7, 29, False, "constant"),
        (17, 17, None, True, "edge"),
        (24, 3, 11, True, "wrap"),
        (16, 4, None, True, "symmetric"),
    ],
)
@pytest.mark.parametrize("chirp_rate", [0.0, 0.37, "per-frame"])
def test_matches_naive_oracle(backend, rng, window, n_fft, hop, win_length, center, pad_mode, chirp_rate):
    fs = 2.5
    x = rng.standard_normal(97)
    wl = win_length or n_fft
    m_count = naive.n_frames(x.size, n_fft, hop, center)
    rates = rng.uniform(-1, 1, m_count) if chirp_rate == "per-frame" else chirp_rate
    S = chirpstft.stft(
        x,
        fs=fs,
        n_fft=n_fft,
        hop_length=hop,
        win_length=win_length,
        window=window,
        chirp_rate=rates,
        center=center,
        pad_mode=pad_mode,
        fft_mode="twosided",
        backend=backend,
    )
    ref = naive.stft(
        x,
        fs=fs,
        n_fft=n_fft,
        hop=hop,
        win=naive.window(window, wl, n_fft),
        rates=rates,
        center=center,
        pad_mode=pad_mode,
    )
    assert S.shape == ref.shape
    np.testing.assert_allclose(S, ref, rtol=1e-10, atol=1e-10 * np.abs(ref).max())


@pytest.mark.parametrize("fft_mode", ["onesided", "twosided", "centered"])
def test_fft_modes_are_views_of_one_spectrum(backend, rng, fft_mode):
    x = rng.standard_normal((2, 300))
    full = chirpstft.stft(x, n_fft=64, fft_mode="twosided", chirp_rate=0.001, backend=backend)
    S = chirpstft.stft(x, n_fft=64, fft_mode=fft_mode, chirp_rate=0.001, backend=backend)
    plan = chirpstft.ChirpSTFT(n_fft=64, fft_mode=fft_mode)
    expected = {
        "onesided": full[..., :33, :],
        "twosided": full,
        "centered": np.fft.fftshift(full, axes=-2),
    }[fft_mode]
    np.testing.assert_allclose(S, expected, atol=1e-12)
    freqs = plan.freqs
    assert freqs.shape == (S.shape[-2],)
    if fft_mode == "centered":
        assert np.all(np.diff(freqs) > 0)


def test_default_fft_mode_follows_realness(backend, rng):
    x = rng.standard_normal(200)
    assert chirpstft.stft(x, n_fft=16, backend=backend).shape[0] == 9
    assert chirpstft.stft(x, n_fft=16, chirp_rate=0.1, backend=backend).shape[0] == 16
    assert chirpstft.stft(x + 0j, n_fft=16, backend=backend).shape[0] == 16
    assert chirpstft.stft(x, n_fft=16, chirp_rate=np.zeros(51), backend=backend).shape[0] == 9
    assert chirpstft.stft(x, n_fft=16, chirp_rate=lambda t: 0 * t, backend=backend).shape[0] == 16
    cwin = np.exp(1j * np.linspace(0, 1, 16))
    assert chirpstft.stft(x, n_fft=16, window=cwin, backend=backend).shape[0] == 16


@pytest.mark.parametrize("n_fft", [32, 45])
@pytest.mark.parametrize("win_length", [None, 21])
@pytest.mark.parametrize("window", ["hann", "hamming", ("kaiser", 4.0)])
@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("pad_mode", ["constant", "reflect", "edge"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zero_chirp_equals_librosa(backend, rng, n_fft, win_length, window, center, pad_mode, dtype):
    librosa = pytest.importorskip("librosa")
    x = rng.standard_normal((2, 401)).astype(dtype)
    kwargs = dict(
        n_fft=n_fft, hop_length=7, win_length=win_length, window=window, center=center, pad_mode=pad_mode
    )
    S = chirpstft.stft(x, backend=backend, **kwargs)
    ref = librosa.stft(x, **kwargs)
    assert S.dtype == ref.dtype
    assert S.shape == ref.shape
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(S, ref, rtol=tol, atol=tol * np.abs(ref).max())


@pytest.mark.parametrize("n_fft", [32, 33])
@pytest.mark.parametrize("hop", [1, 5, 8])
@pytest.mark.parametrize("chirp_rate", [0.0, 0.05, -0.2])
def test_constant_chirp_equals_scipy_shorttimefft(backend, rng, n_fft, hop, chirp_rate):
    """ShortTimeFFT indexes the window from its centre; we index frames from their start.

    Slice ``p`` of ShortTimeFFT and our frame ``m = p`` are centred on the same sample;
    the phase references differ by ``exp(-2j*pi*q*(n_fft//2)/n_fft)``, which the test
    applies, so the comparison is exact (not only in magnitude).
    """
    fs = 4.0
    x = rng.standard_normal(200)
    plan = chirpstft.ChirpSTFT(fs=fs, n_fft=n_fft, hop_length=hop, chirp_rate=chirp_rate, fft_mode="twosided")
    S = plan.stft(x)
    t = (np.arange(n_fft) - n_fft // 2) / fs
    g = plan.window * np.exp(1j * np.pi * chirp_rate * t**2)
    sft = scipy.signal.ShortTimeFFT(g, hop, fs, fft_mode="twosided", mfft=n_fft)
    ref = sft.stft(x)
    first = -sft.p_min
    count = min(S.shape[-1], ref.shape[-1] - first)
    ref = ref[:, first : first + count]
    q = np.arange(n_fft)[:, None]
    np.testing.assert_allclose(np.abs(S[:, :count]), np.abs(ref), atol=1e-10)
    np.testing.assert_allclose(S[:, :count], ref * np.exp(-2j * np.pi * q * (n_fft // 2) / n_fft), atol=1e-10)
    np.testing.assert_allclose(plan.frequencies("twosided"), sft.f, atol=1e-12)
    np.testing.assert_allclose(plan.times(x.size)[:count], sft.t(x.size)[first : first + count], atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128, np.int16, np.int64])
def test_dtypes(backend, rng, dtype):
    x = (rng.standard_normal(500) * 100).astype(dtype)
    S = chirpstft.stft(x, n_fft=64, backend=backend)
    single = np.dtype(dtype) in (np.float32, np.complex64)
    assert S.dtype == (np.complex64 if single else np.complex128)
    ref = chirpstft.stft(
        x.astype(np.complex128 if np.iscomplexobj(x) else np.float64), n_fft=64, backend="numpy"
    )
    tol = 1e-5 if single else 1e-12
    np.testing.assert_allclose(S, ref, rtol=tol, atol=tol * np.abs(ref).max())


def test_batch_axes_and_per_signal_rates(backend, rng):
    x = rng.standard_normal((2, 3, 250))
    plan = chirpstft.ChirpSTFT(n_fft=32, hop_length=8, fs=2.0)
    m_count = plan.n_frames(250)
    rates = rng.uniform(-0.5, 0.5, (2, 1, m_count))
    S = chirpstft.stft(x, n_fft=32, hop_length=8, fs=2.0, chirp_rate=rates, backend=backend)
    assert S.shape == (2, 3, 32, m_count)
    for i in range(2):
        for j in range(3):
            one = chirpstft.stft(
                x[i, j], n_fft=32, hop_length=8, fs=2.0, chirp_rate=rates[i, 0], backend=backend
            )
            np.testing.assert_allclose(S[i, j], one, atol=1e-12)


def test_callable_rates_get_frame_centre_times(backend, rng):
    x = rng.standard_normal(300)
    seen = {}

    def rate(t):
        seen["t"] = t
        return 0.01 * t

    for center in (True, False):
        plan = chirpstft.ChirpSTFT(
            n_fft=20, hop_length=6, fs=3.0, chirp_rate=rate, center=center, backend=backend
        )
        S = plan.stft(x)
        np.testing.assert_allclose(seen["t"], plan.times(x.size))
        offset = 0 if center else 10
        np.testing.assert_allclose(plan.times(x.size), (np.arange(S.shape[-1]) * 6 + offset) / 3.0)
        explicit = chirpstft.stft(
            x,
            n_fft=20,
            hop_length=6,
            fs=3.0,
            chirp_rate=0.01 * plan.times(x.size),
            center=center,
            backend=backend,
        )
        np.testing.assert_allclose(S, explicit, atol=1e-12)


def test_n_frames_matches_librosa_rule():
    for n_fft, hop, n in [(256, 64, 1440), (255, 64, 1440), (7, 3, 1), (8, 3, 2), (128, 32, 1439)]:
        plan = chirpstft.ChirpSTFT(n_fft=n_fft, hop_length=hop)
        assert plan.n_frames(n) == 1 + (n + 2 * (n_fft // 2) - n_fft) // hop
        assert plan.stft(np.ones(n)).shape[-1] == plan.n_frames(n)


def test_spectrogram_scalings(backend, rng):
    fs = 50.0
    x = rng.standard_normal((2, 2000))
    kw = dict(fs=fs, n_fft=100, hop_length=25, backend=backend)
    S = chirpstft.stft(x, **kw)
    np.testing.assert_allclose(chirpstft.spectrogram(x, **kw), np.abs(S), rtol=1e-12)
    np.testing.assert_allclose(chirpstft.spectrogram(x, scaling="power", **kw), np.abs(S) ** 2, rtol=1e-12)
    psd = chirpstft.spectrogram(x, scaling="psd", center=False, **kw)
    # scipy's default "hann" is symmetric; ours is periodic, so hand it the same window:
    _, _, ref = scipy.signal.spectrogram(
        x,
        fs=fs,
        window=scipy.signal.get_window("hann", 100),
        nperseg=100,
        noverlap=75,
        detrend=False,
        scaling="density",
    )
    np.testing.assert_allclose(psd, ref, rtol=1e-10)
    # white noise of unit variance: the mean onesided PSD is 2 / fs per Hz
    assert abs(psd[..., 5:-5, :].mean() * fs / 2 - 1) < 0.05


def test_spectrogram_float32_stays_float32(backend, rng):
    x = rng.standard_normal(500).astype(np.float32)
    assert chirpstft.spectrogram(x, n_fft=32, backend=backend).dtype == np.float32
    assert (
        chirpstft.spectrogram(x, n_fft=32, chirp_rate=0.01, scaling="psd", backend=backend).dtype
        == np.float32
    )


def test_noncontiguous_and_negative_stride_inputs(backend, rng):
    base = rng.standard_normal((6, 801))
    for x in (base[::2, ::3], base[:, ::-1], np.asfortranarray(base)):
        S = chirpstft.stft(x, n_fft=30, hop_length=4, chirp_rate=0.003, backend=backend)
        ref = chirpstft.stft(
            np.ascontiguousarray(x), n_fft=30, hop_length=4, chirp_rate=0.003, backend="numpy"
        )
        np.testing.assert_allclose(S, ref, atol=1e-12)
