"""The Numba backend with the JIT switched off: every kernel as plain Python, against the reference.

With ``NUMBA_DISABLE_JIT=1`` Numba returns the Python functions themselves, so this is what a
coverage tool or a debugger sees. Every numba backend function must then return what it
returns compiled: forward, spectrogram, inverse, fused render and the automatic-rate scan
(``@overload`` helpers have Python bodies for this). As STUMPY does for coverage, CI runs a
representative subset of the backend tests this way.

Not collected by a plain ``pytest tests`` (the file name has no ``test_`` prefix):
``tests/test_nojit.py`` runs this module in a subprocess with ``NUMBA_DISABLE_JIT=1``, because
the variable is read when Numba is first imported. Run by hand:
``NUMBA_DISABLE_JIT=1 python -m pytest tests/nojit_cases.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

import chirpstft

# a representative subset of the backend tests, collected here too (the names keep their
# module's parametrisation); sizes are those of the compiled runs, small enough for Python
from .test_auto import (  # noqa: F401
    test_backends_choose_the_same_rates,
    test_kernel_matches_numpy_reference,
    test_kernel_scores_a_subset_of_frames_and_a_complex_window,
)
from .test_backends_agree import (  # noqa: F401
    assert_close,
    test_nonfinite_frames_stay_local,
    test_virtual_padding_of_tiny_signals,
)
from .test_render import test_fused_render_equals_reference_pipeline  # noqa: F401

# Python evaluates the kernels with NumPy scalars, which warn on inf - inf and the like
# (non-finite inputs are part of the tests); compiled code computes the same IEEE values silently.
pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in scalar:RuntimeWarning")


@pytest.fixture(autouse=True)
def _jit_is_off():
    from numba.core import config

    if not config.DISABLE_JIT:
        pytest.skip("needs NUMBA_DISABLE_JIT=1 before numba is imported (see tests/test_nojit.py)")


RATES = ["zero", "constant", "per-frame", "per-signal"]


def _case(dtype, complex_input, rate, n_fft, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, 257))
    if complex_input:
        x = x + 1j * rng.standard_normal(x.shape)
    x = x.astype(np.result_type(dtype, np.complex64) if complex_input else dtype)
    hop = {32: 8, 30: 6}[n_fft]  # a COLA hop of the periodic Hann window (method="ola")
    m = chirpstft.ChirpSTFT(n_fft=n_fft, hop_length=hop).n_frames(x.shape[-1])
    scale = 3.0 / n_fft**2
    chirp_rate = {
        "zero": 0.0,
        "constant": scale,
        "per-frame": rng.uniform(-scale, scale, m),
        "per-signal": rng.uniform(-scale, scale, (3, m)),
    }[rate]
    return x, dict(n_fft=n_fft, hop_length=hop, chirp_rate=chirp_rate)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("complex_input", [False, True])
@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("n_fft", [32, 30])  # Stockham lanes, and pocketfft lanes
def test_forward_spectrogram_and_inverse_without_jit(dtype, complex_input, rate, n_fft):
    x, kw = _case(dtype, complex_input, rate, n_fft)
    ref_x = x.astype(np.complex128 if complex_input else np.float64)
    S = chirpstft.stft(x, backend="numba", **kw)
    S_ref = chirpstft.stft(ref_x, backend="numpy", **kw)
    assert S.dtype == (np.complex64 if dtype == np.float32 else np.complex128)
    assert_close(S, S_ref, dtype)
    for scaling in ("magnitude", "power", "psd"):
        P = chirpstft.spectrogram(x, backend="numba", scaling=scaling, **kw)
        assert_close(P, chirpstft.spectrogram(ref_x, backend="numpy", scaling=scaling, **kw), dtype)
    for method in ("ls", "ola"):
        y = chirpstft.istft(S_ref, backend="numba", length=x.shape[-1], method=method, **kw)
        y_ref = chirpstft.istft(S_ref, backend="numpy", length=x.shape[-1], method=method, **kw)
        assert_close(y, y_ref, np.float64)
    if not complex_input:
        np.testing.assert_allclose(
            chirpstft.istft(S, backend="numba", length=x.shape[-1], real=True, **kw),
            x,
            atol=1e-4 if dtype == np.float32 else 1e-10,
        )


@pytest.mark.filterwarnings("ignore::chirpstft.UnrecoverableSamplesWarning")  # center=False: sample 0
@pytest.mark.parametrize("fft_mode", ["onesided", "twosided", "centered"])
@pytest.mark.parametrize(("center", "pad_mode"), [(True, "reflect"), (True, "wrap"), (False, "constant")])
def test_fft_modes_and_padding_without_jit(fft_mode, center, pad_mode):
    x = np.random.default_rng(4).standard_normal((2, 200))
    kw = dict(n_fft=16, hop_length=5, fft_mode=fft_mode, center=center, pad_mode=pad_mode, chirp_rate=0.0)
    S = chirpstft.stft(x, backend="numba", **kw)
    assert_close(S, chirpstft.stft(x, backend="numpy", **kw), np.float64)
    kw.pop("pad_mode")
    y = chirpstft.istft(S, backend="numba", length=200, **kw)
    assert_close(y, chirpstft.istft(S, backend="numpy", length=200, **kw), np.float64)


@pytest.mark.parametrize("smooth", [1, 3])
def test_auto_rates_and_their_stft_without_jit(smooth):
    fs = 50.0
    t = np.arange(600) / fs
    x = np.stack([np.cos(2 * np.pi * (5 * t + 0.5 * 4.0 * t**2)), np.sin(2 * np.pi * 8 * t)])
    kw = dict(fs=fs, n_fft=32, hop_length=8, chirp_rate=chirpstft.AutoChirp(smooth=smooth))
    S, rates = chirpstft.stft(x, backend="numba", return_rates=True, **kw)
    S_ref, rates_ref = chirpstft.stft(x, backend="numpy", return_rates=True, **kw)
    np.testing.assert_array_equal(rates, rates_ref)
    assert_close(S, S_ref, np.float64)
