"""Bad input: every case raises ParameterError/InputTypeError naming the parameter and the fix."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

import chirpstft
from chirpstft import backends

X = np.random.default_rng(0).standard_normal(300)
PE, TE = chirpstft.ParameterError, chirpstft.InputTypeError


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(n_fft=0), PE, r"n_fft=0 must be a positive integer"),
        (dict(n_fft=-4), PE, r"n_fft=-4 must be a positive integer"),
        (dict(n_fft=64.0), TE, r"n_fft=64.0 must be a positive integer \(got float\); pass e.g. n_fft=256"),
        (dict(n_fft=True), TE, r"n_fft=True must be a positive integer"),
        (dict(n_fft="64"), TE, r"n_fft='64' must be a positive integer"),
        (dict(hop_length=0), PE, r"hop_length=0 must be a positive integer"),
        (dict(hop_length=2.5), TE, r"hop_length=2.5 must be a positive integer"),
        (dict(win_length=0), PE, r"win_length=0 must be a positive integer"),
        (dict(win_length=300), PE, r"win_length=300 must not exceed n_fft=256; pass a win_length <= n_fft"),
        (dict(fs=0), PE, r"fs=0.0 must be a finite number > 0"),
        (dict(fs=-1.0), PE, r"fs=-1.0 must be a finite number > 0"),
        (dict(fs=np.nan), PE, r"fs=nan must be a finite number > 0"),
        (dict(fs=np.inf), PE, r"fs=inf must be a finite number > 0"),
        (dict(fs="1"), TE, r"fs='1' must be a positive real number"),
        (dict(chirp_rate=np.nan), PE, r"chirp_rate=nan must be finite"),
        (dict(chirp_rate=[0.1, np.inf]), PE, r"chirp_rate contains NaN or inf"),
        (dict(chirp_rate="fast"), PE, r"chirp_rate='fast' is not supported; pass a number in Hz/s"),
        (dict(chirp_rate=np.array(["a"])), TE, r"chirp_rate has dtype <U1; pass a real number in Hz/s"),
        (dict(chirp_rate=1 + 2j), TE, r"chirp_rate has dtype complex128"),
        (dict(chirp_rate=True), TE, r"chirp_rate=True must be a number in Hz/s, not a boolean"),
        (
            dict(fft_mode="half"),
            PE,
            r"fft_mode='half' is not supported; choose one of 'onesided', 'twosided', 'centered'",
        ),
        (
            dict(pad_mode="circular"),
            PE,
            r"pad_mode='circular' is not supported; choose one of 'constant', 'edge'",
        ),
        (dict(center="yes"), TE, r"center='yes' must be True or False"),
        (
            dict(backend="fortran"),
            PE,
            r"backend='fortran' is not a known backend; choose one of 'numba', 'numpy', 'cupy'",
        ),
        (dict(backend=3), PE, r"backend=3 is not a known backend"),
    ],
)
def test_parameter_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        chirpstft.stft(X, **kwargs)
    with pytest.raises(error, match=match):
        chirpstft.ChirpSTFT(**kwargs).stft(X)


@pytest.mark.parametrize(
    ("chirp_rate", "match"),
    [
        (
            np.zeros(7),
            r"chirp_rate has shape \(7,\), which does not broadcast to \(\.\.\., n_frames\) = \(2, 5\)",
        ),
        (np.zeros((3, 5)), r"chirp_rate has shape \(3, 5\), which does not broadcast"),
        (np.zeros((1, 2, 5)), r"chirp_rate has shape \(1, 2, 5\), which does not broadcast"),
        (
            lambda t: np.zeros(3),
            r"the chirp_rate callable's result has shape \(3,\), which does not broadcast",
        ),
        (lambda t: t * np.nan, r"the chirp_rate callable's result contains NaN or inf"),
    ],
)
def test_chirp_rate_shape_errors(chirp_rate, match):
    x = np.ones((2, 64))
    with pytest.raises(PE, match=match):
        chirpstft.stft(x, n_fft=32, hop_length=16, chirp_rate=chirp_rate)


@pytest.mark.parametrize(
    ("x", "kwargs", "error", "match"),
    [
        (
            np.ones(100),
            dict(n_fft=128, center=False),
            PE,
            r"x has 100 samples, fewer than n_fft=128; with center=False every frame needs n_fft samples",
        ),
        (np.float64(3.0), {}, PE, r"x is a 0-d array \(a single number\); pass a signal of shape"),
        (np.ones(0), {}, PE, r"x is empty \(shape \(0,\)\)"),
        (np.ones((3, 0)), {}, PE, r"x is empty \(shape \(3, 0\)\)"),
        (np.ones((0, 10)), dict(n_fft=4), PE, r"x is empty \(shape \(0, 10\)\)"),
        (np.array([object(), object()]), {}, TE, r"x has dtype object which is not numeric"),
        (np.array(["1", "2"]), {}, TE, r"x has dtype <U1 which is not numeric"),
        ("abc", {}, TE, r"x is a str; pass a numeric array"),
        ([[1, 2], [3]], {}, TE, r"x could not be converted to a numeric array"),
    ],
)
def test_signal_errors(x, kwargs, error, match):
    with pytest.raises(error, match=match):
        chirpstft.stft(x, **kwargs)
    with pytest.raises(error, match=match):
        chirpstft.spectrogram(x, **kwargs)


def test_spectrogram_scaling_error():
    with pytest.raises(PE, match=r"scaling='db' is not supported; choose one of 'magnitude', 'power', 'psd'"):
        chirpstft.spectrogram(X, scaling="db")


@pytest.mark.parametrize(
    ("S", "kwargs", "error", "match"),
    [
        (
            np.ones(5, complex),
            dict(n_fft=8),
            PE,
            r"S has shape \(5,\); an STFT has shape \(\.\.\., n_freqs, n_frames\)",
        ),
        (np.ones(5, complex), {}, PE, r"S has shape \(5,\); an STFT has shape"),
        (np.ones((5, 0), complex), dict(n_fft=8), PE, r"S has no frames"),
        (
            np.ones((1, 4), complex),
            {},
            PE,
            r"cannot infer n_fft from S with 1 frequency bin\(s\); pass n_fft",
        ),
        (
            np.ones((7, 4), complex),
            dict(n_fft=8),
            PE,
            r"S has 7 frequency bins but n_fft=8 gives 5 \(onesided\) or 8",
        ),
        (
            np.ones((5, 4), complex),
            dict(n_fft=8, chirp_rate=0.1),
            PE,
            r"S has 5 frequency bins but n_fft=8 gives 8 \(twosided\)",
        ),
        (
            np.ones((5, 4), complex),
            dict(n_fft=8, method="exact"),
            PE,
            r"method='exact' is not supported; choose one of 'ls', 'ola'",
        ),
        (np.ones((5, 4), complex), dict(n_fft=8, length=0), PE, r"length=0 must be a positive integer"),
        (np.ones((5, 4), complex), dict(n_fft=8, length=3.5), TE, r"length=3.5 must be a positive integer"),
        (np.array([["a"]]), dict(n_fft=1), TE, r"S has dtype <U1 which is not numeric"),
        (np.ones((5, 4), complex), dict(n_fft=8, backend="gpu"), PE, r"backend='gpu' is not a known backend"),
    ],
)
def test_istft_errors(S, kwargs, error, match):
    with pytest.raises(error, match=match):
        chirpstft.istft(S, **kwargs)


def test_errors_are_standard_exception_types():
    assert issubclass(chirpstft.ParameterError, ValueError)
    assert issubclass(chirpstft.InputTypeError, TypeError)
    assert issubclass(chirpstft.BackendUnavailableError, RuntimeError)
    for cls in (chirpstft.ParameterError, chirpstft.InputTypeError, chirpstft.BackendUnavailableError):
        assert issubclass(cls, chirpstft.ChirpSTFTError)


def test_unavailable_backend_says_what_is_missing(monkeypatch):
    monkeypatch.setitem(backends._MODULES, "imaginary", "chirpstft_imaginary_backend_module")
    with pytest.raises(
        chirpstft.BackendUnavailableError, match=r"backend='imaginary' is not available here: No module named"
    ):
        chirpstft.ChirpSTFT(backend="imaginary")
    with pytest.raises(chirpstft.BackendUnavailableError, match=r"backend='imaginary' is not available here"):
        chirpstft.stft(X, backend="imaginary")
    assert "imaginary" not in chirpstft.available_backends()


def test_automatic_choice_warns_when_the_fast_backend_is_missing(monkeypatch):
    monkeypatch.setattr(backends, "PREFERENCE", ("imaginary", "numpy"))
    monkeypatch.setitem(backends._MODULES, "imaginary", "chirpstft_imaginary_backend_module")
    monkeypatch.setattr(backends, "_warned", set())
    with pytest.warns(RuntimeWarning, match=r"using backend 'numpy' because 'imaginary' \(No module named"):
        assert backends.get_backend(None, X).NAME == "numpy"


def test_device_arrays_are_never_silently_copied(monkeypatch):
    fake = types.ModuleType("cupy")

    class ndarray:  # stands in for cupy.ndarray
        pass

    fake.ndarray = ndarray
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.setattr(backends, "_failed", {})  # don't let this fake CuPy's failure stick
    monkeypatch.delitem(sys.modules, "chirpstft.backends.cuda.backend", raising=False)
    # a CuPy input goes to the GPU backend, which says why it cannot run (this fake has no device)
    with pytest.raises(
        chirpstft.BackendUnavailableError,
        match=r"backend='cupy' is not available here: no CUDA device is usable by CuPy",
    ):
        chirpstft.stft(ndarray())
    with pytest.raises(TE, match=r"backend='numpy' cannot read"):
        chirpstft.stft(ndarray(), backend="numpy")


def test_backend_registry():
    assert "numpy" in chirpstft.available_backends()
    assert backends.get_backend(None, X).NAME == "numba"  # the fast CPU backend is the default
    assert backends.get_backend("numpy").NAME == "numpy"
