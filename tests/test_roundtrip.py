"""Exact reconstruction: istft(stft(x)) == x wherever NOLA (ls) or COLA (ola) holds."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st

import chirpstft

from . import naive

NAMED = ["hann", "hamming", "blackman", "bartlett", "boxcar"]
TOL = {np.float32: 1e-5, np.float64: 1e-10}


def rel_err(y, x, mask=None):
    if mask is not None:
        y, x = y[..., mask], x[..., mask]
    return float(np.linalg.norm(y - x) / np.linalg.norm(x))


@st.composite
def windows(draw, win_length):
    kind = draw(st.sampled_from(["named", "gaussian", "kaiser", "array"]))
    if kind == "named":
        return draw(st.sampled_from(NAMED))
    if kind == "gaussian":
        return ("gaussian", draw(st.floats(0.15 * win_length + 0.5, win_length)))
    if kind == "kaiser":
        return ("kaiser", draw(st.floats(0.0, 12.0)))
    seed = draw(st.integers(0, 2**32 - 1))
    return np.random.default_rng(seed).uniform(0.2, 1.0, win_length)


@st.composite
def settings_(draw):
    n_fft = draw(st.integers(2, 48))
    win_length = draw(st.one_of(st.none(), st.integers(max(1, n_fft // 2), n_fft)))
    wl = win_length or n_fft
    window = draw(windows(wl))
    hop = draw(st.integers(1, n_fft))
    center = draw(st.booleans())
    pad_mode = draw(st.sampled_from(["constant", "reflect", "edge", "symmetric", "wrap"]))
    n = draw(st.integers(1 if center else n_fft, 260))
    batch = draw(st.sampled_from([(), (2,), (2, 3)]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    fs = draw(st.sampled_from([1.0, 1 / 60, 100.0]))
    chirp_kind = draw(st.sampled_from(["zero", "constant", "per-frame", "per-signal"]))
    seed = draw(st.integers(0, 2**32 - 1))
    complex_input = draw(st.booleans())
    return dict(
        n_fft=n_fft,
        win_length=win_length,
        window=window,
        hop=hop,
        center=center,
        pad_mode=pad_mode,
        n=n,
        batch=batch,
        dtype=dtype,
        fs=fs,
        chirp_kind=chirp_kind,
        seed=seed,
        complex_input=complex_input,
    )


def _rates(cfg, plan, rng):
    # the scale makes pi*a*t**2 range over several radians across a frame
    scale = 4 * cfg["fs"] ** 2 / max(cfg["n_fft"], 2) ** 2
    m_count = plan.n_frames(cfg["n"])
    kind = cfg["chirp_kind"]
    if kind == "zero":
        return 0.0
    if kind == "constant":
        return float(rng.uniform(-scale, scale))
    if kind == "per-frame":
        return rng.uniform(-scale, scale, m_count)
    return rng.uniform(-scale, scale, cfg["batch"] + (m_count,))


def _covered_mask(cfg, win):
    env = naive.ls_envelope(cfg["n"], n_fft=cfg["n_fft"], hop=cfg["hop"], win=win, center=cfg["center"])
    return env > 1e-3 * env.max(), env


@given(settings_())
def test_roundtrip_least_squares(backend, cfg):
    rng = np.random.default_rng(cfg["seed"])
    base = dict(
        n_fft=cfg["n_fft"],
        hop_length=cfg["hop"],
        win_length=cfg["win_length"],
        window=cfg["window"],
        center=cfg["center"],
        fs=cfg["fs"],
        backend=backend,
    )
    plan0 = chirpstft.ChirpSTFT(**base)
    rates = _rates(cfg, plan0, rng)
    x = rng.standard_normal(cfg["batch"] + (cfg["n"],))
    if cfg["complex_input"]:
        x = x + 1j * rng.standard_normal(x.shape)
    x = (
        x.astype(np.complex64 if cfg["dtype"] == np.float32 else np.complex128)
        if cfg["complex_input"]
        else x.astype(cfg["dtype"])
    )
    nola = chirpstft.check_nola(cfg["window"], cfg["hop"], n_fft=cfg["n_fft"], win_length=cfg["win_length"])
    periodic = np.abs(plan0.window) ** 2
    folded = np.array([periodic[r :: cfg["hop"]].sum() for r in range(cfg["hop"])])
    if nola:
        # well-conditioned frames only: precision bounds need a margin
        assume(folded.min() > 1e-3 * folded.max())
    S = chirpstft.stft(x, chirp_rate=rates, pad_mode=cfg["pad_mode"], **base)
    assert S.dtype == (np.complex64 if cfg["dtype"] == np.float32 else np.complex128)
    event("NOLA violated: expect an error" if not nola else "NOLA holds: expect exact inverse")
    if not nola:
        with pytest.raises(chirpstft.ParameterError, match="NOLA"):
            chirpstft.istft(S, chirp_rate=rates, length=cfg["n"], real=not cfg["complex_input"], **base)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", chirpstft.UnrecoverableSamplesWarning)
        y = chirpstft.istft(S, chirp_rate=rates, length=cfg["n"], real=not cfg["complex_input"], **base)
    assert y.shape == x.shape
    assert y.dtype == x.dtype
    mask, env = _covered_mask(cfg, plan0.window)
    assert rel_err(y, x, mask) <= TOL[cfg["dtype"]]
    # samples no window covers at all come back as exactly 0
    assert np.all(y[..., env <= 1e-10 * env.max()] == 0)


COLA_CASES = [
    ("hann", 2),
    ("hann", 4),
    ("hamming", 2),
    ("blackman", 3),
    ("bartlett", 2),
    ("boxcar", 1),
    ("boxcar", 3),
]


@given(
    case=st.sampled_from(COLA_CASES),
    size=st.integers(1, 12),
    n=st.integers(40, 300),
    chirp_kind=st.sampled_from(["zero", "constant", "per-frame"]),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**32 - 1),
)
def test_roundtrip_overlap_add(backend, case, size, n, chirp_kind, dtype, seed):
    window, divisions = case
    n_fft = divisions * size * 2
    hop = n_fft // divisions if window != "boxcar" else size
    assert chirpstft.check_cola(window, hop, n_fft=n_fft)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, n)).astype(dtype)
    plan = chirpstft.ChirpSTFT(n_fft=n_fft, hop_length=hop, window=window)
    m_count = plan.n_frames(n)
    rates = {"zero": 0.0, "constant": 0.01, "per-frame": rng.uniform(-0.02, 0.02, m_count)}[chirp_kind]
    kw = dict(n_fft=n_fft, hop_length=hop, window=window, chirp_rate=rates, backend=backend)
    S = chirpstft.stft(x, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", chirpstft.UnrecoverableSamplesWarning)
        y = chirpstft.istft(S, length=n, method="ola", real=True, **kw)
    # with center=True every sample of the signal is covered by the overlap-add
    env = naive.ls_envelope(n, n_fft=n_fft, hop=hop, win=plan.window, center=True)
    mask = env > 1e-3 * env.max()
    assert rel_err(y, x, mask) <= TOL[dtype]


@pytest.mark.parametrize("method", ["ls", "ola"])
def test_roundtrip_plan_methods(backend, rng, method):
    x = rng.standard_normal((3, 1440)).astype(np.float32)
    plan = chirpstft.ChirpSTFT(fs=1 / 60, n_fft=128, hop_length=32, chirp_rate=2e-8, backend=backend)
    S = plan.stft(x)
    y = plan.istft(S, length=1440, method=method, real=True)
    assert y.dtype == np.float32
    assert rel_err(y, x) < 1e-6


def test_ola_rejects_non_cola_window():
    S = chirpstft.stft(np.ones(100), n_fft=32, hop_length=10)
    with pytest.raises(
        chirpstft.ParameterError, match="method='ola' needs a window that is COLA at hop_length=10"
    ):
        chirpstft.istft(S, n_fft=32, hop_length=10, method="ola")
    # the least-squares inverse is exact there
    y = chirpstft.istft(S, n_fft=32, hop_length=10, length=100)
    np.testing.assert_allclose(y, 1.0, atol=1e-12)


def test_nola_violation_raises():
    S = chirpstft.stft(np.ones(100), n_fft=16, hop_length=16)
    with pytest.raises(chirpstft.ParameterError, match="does not satisfy NOLA at hop_length=16"):
        chirpstft.istft(S, n_fft=16, hop_length=16)
    S = chirpstft.stft(np.ones(100), n_fft=16, hop_length=20)
    with pytest.raises(chirpstft.ParameterError, match="NOLA"):
        chirpstft.istft(S, n_fft=16, hop_length=20)


def test_onesided_of_complex_analysis_cannot_be_inverted():
    S = chirpstft.stft(np.ones(100), n_fft=16, chirp_rate=0.1, fft_mode="onesided")
    assert S.shape[0] == 9
    with pytest.raises(
        chirpstft.ParameterError, match="cannot invert fft_mode='onesided' output of a complex analysis"
    ):
        chirpstft.istft(S, n_fft=16, chirp_rate=0.1, fft_mode="onesided")


def test_uncovered_samples_warn_and_are_zero(rng):
    x = rng.standard_normal(100)
    S = chirpstft.stft(x, n_fft=16, hop_length=4, center=False)
    with pytest.warns(
        chirpstft.UnrecoverableSamplesWarning, match="1 of 100 output samples are covered by no"
    ):
        y = chirpstft.istft(S, n_fft=16, hop_length=4, center=False, length=100)
    assert y[0] == 0  # periodic Hann is 0 there: the STFT knows nothing of x[0]
    np.testing.assert_allclose(y[1:], x[1:], rtol=1e-8)


def test_length_trims_and_pads_like_librosa(rng):
    librosa = pytest.importorskip("librosa")
    x = rng.standard_normal(203)
    S = chirpstft.stft(x, n_fft=32, hop_length=8)
    y_default = chirpstft.istft(S, n_fft=32, hop_length=8)
    ref_default = librosa.istft(S, n_fft=32, hop_length=8)
    assert y_default.shape == ref_default.shape
    np.testing.assert_allclose(y_default, ref_default, atol=1e-12)
    short = chirpstft.istft(S, n_fft=32, hop_length=8, length=50)
    np.testing.assert_allclose(short, x[:50], atol=1e-12)
    with pytest.warns(chirpstft.UnrecoverableSamplesWarning):
        long = chirpstft.istft(S, n_fft=32, hop_length=8, length=300)
    np.testing.assert_allclose(long[:203], x, atol=1e-12)
    assert not np.any(long[220:])


def test_odd_n_fft_onesided_needs_n_fft(rng):
    x = rng.standard_normal(150)
    S = chirpstft.stft(x, n_fft=31, hop_length=5)
    y = chirpstft.istft(S, n_fft=31, hop_length=5, length=150)
    np.testing.assert_allclose(y, x, atol=1e-12)
    # 16 onesided bins fit n_fft=30 and 31: without n_fft the even one is assumed (as librosa)
    assert chirpstft.istft(S, hop_length=5).shape == ((S.shape[-1] - 1) * 5,)
    with pytest.raises(
        chirpstft.ParameterError,
        match=r"S has 16 frequency bins but n_fft=29 gives 15 \(onesided\) or 29 \(twosided\)",
    ):
        chirpstft.ChirpSTFT(n_fft=29, hop_length=5).istft(S)
    with pytest.raises(
        chirpstft.ParameterError, match="16 frequency bins but fft_mode='twosided' with n_fft=31 gives 31"
    ):
        chirpstft.ChirpSTFT(n_fft=31, hop_length=5, fft_mode="twosided").istft(S)


@pytest.mark.parametrize("fft_mode", ["twosided", "centered"])
def test_complex_signal_roundtrip(rng, fft_mode):
    x = rng.standard_normal((2, 333)) + 1j * rng.standard_normal((2, 333))
    plan = chirpstft.ChirpSTFT(
        n_fft=40, hop_length=9, chirp_rate=0.004, fft_mode=fft_mode, window=("kaiser", 6.0)
    )
    y = plan.istft(plan.stft(x), length=333)
    assert np.iscomplexobj(y)
    assert rel_err(y, x) < 1e-12


def test_real_flag(rng):
    x = rng.standard_normal(300)
    plan = chirpstft.ChirpSTFT(n_fft=32, chirp_rate=0.01)
    S = plan.stft(x)
    assert np.iscomplexobj(plan.istft(S))
    assert not np.iscomplexobj(plan.istft(S, real=True))
    assert np.iscomplexobj(chirpstft.ChirpSTFT(n_fft=32).istft(chirpstft.stft(x, n_fft=32), real=False))
