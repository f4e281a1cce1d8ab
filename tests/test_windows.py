"""Window construction and the COLA / NOLA checks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

import chirpstft


def test_short_window_is_centred_in_the_frame():
    w = chirpstft.get_window("hann", 4, 9)
    np.testing.assert_allclose(w, [0, 0, 0, 0.5, 1, 0.5, 0, 0, 0])
    assert chirpstft.ChirpSTFT(n_fft=9, win_length=4).window.tolist() == w.tolist()


def test_array_window_and_complex_window():
    values = np.linspace(0.1, 1, 8)
    np.testing.assert_array_equal(chirpstft.get_window(values, 8), values)
    cw = chirpstft.get_window(values * np.exp(1j * values), 8, 10)
    assert cw.dtype == np.complex128 and cw.shape == (10,)
    assert chirpstft.get_window(values + 0j, 8).dtype == np.float64  # no imaginary part: real


@pytest.mark.parametrize("window", ["hann", "hamming", "blackman", "bartlett", "boxcar", ("kaiser", 5.0)])
@pytest.mark.parametrize("n_fft", [16, 30, 31])
def test_checks_agree_with_scipy(window, n_fft):
    w = scipy.signal.get_window(window, n_fft, fftbins=True)
    for hop in range(1, n_fft + 3):
        noverlap = n_fft - hop
        if noverlap >= 0:
            assert chirpstft.check_cola(window, hop, n_fft=n_fft) == scipy.signal.check_COLA(
                w, n_fft, noverlap
            )
            assert chirpstft.check_nola(window, hop, n_fft=n_fft) == scipy.signal.check_NOLA(
                w, n_fft, noverlap
            )
        else:  # gaps between frames: nothing covers them
            assert not chirpstft.check_nola(window, hop, n_fft=n_fft)
            assert not chirpstft.check_cola(window, hop, n_fft=n_fft)


def test_checks_ignore_chirp_and_take_short_windows():
    assert chirpstft.check_cola("hann", 8, n_fft=40, win_length=32)
    assert not chirpstft.check_cola("hann", 7, n_fft=40, win_length=32)
    assert chirpstft.check_nola(np.ones(5), 5)
    assert not chirpstft.check_nola(np.ones(5), 6)


def test_check_needs_a_length_for_named_windows():
    with pytest.raises(
        chirpstft.ParameterError, match="a named window needs its length: pass n_fft= or win_length="
    ):
        chirpstft.check_cola("hann", 4)


@pytest.mark.parametrize(
    ("window", "win_length", "n_fft", "error", "match"),
    [
        (
            "nope",
            8,
            8,
            chirpstft.ParameterError,
            r"window='nope' is not a window scipy.signal.get_window can build",
        ),
        (("kaiser",), 8, 8, chirpstft.ParameterError, r"window=\('kaiser',\) is not a window"),
        (
            np.ones(7),
            8,
            8,
            chirpstft.ParameterError,
            r"window has 7 values but win_length=8; pass win_length=7",
        ),
        (
            np.ones((2, 4)),
            8,
            8,
            chirpstft.ParameterError,
            r"window must be one-dimensional, got shape \(2, 4\)",
        ),
        (np.array([1.0, np.nan, 1.0]), 3, 3, chirpstft.ParameterError, "window contains NaN or inf"),
        (np.array([1.0, np.inf, 1.0]), 3, 3, chirpstft.ParameterError, "window contains NaN or inf"),
        (np.zeros(4), 4, 4, chirpstft.ParameterError, "window is all zeros"),
        (np.array(["a", "b"]), 2, 2, chirpstft.InputTypeError, "window has dtype <U1"),
        ("hann", 9, 8, chirpstft.ParameterError, "win_length=9 must not exceed n_fft=8"),
    ],
)
def test_window_errors(window, win_length, n_fft, error, match):
    with pytest.raises(error, match=match):
        chirpstft.get_window(window, win_length, n_fft)
    with pytest.raises(error, match=match):
        chirpstft.stft(np.ones(64), n_fft=n_fft, win_length=win_length, window=window)
