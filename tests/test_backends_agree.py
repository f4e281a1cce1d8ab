"""Every fast backend against the float64 NumPy reference, on random inputs.

Tolerances (relative to the largest reference value): 1e-5 for float32, 1e-10 for float64.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chirpstft

from . import naive

FAST = [b for b in chirpstft.available_backends() if b != "numpy"]
pytestmark = pytest.mark.skipif(not FAST, reason="no fast backend available")
TOL = {np.float32: 1e-5, np.float64: 1e-10}


def assert_close(actual, reference, dtype):
    reference = np.asarray(reference)
    finite = np.isfinite(reference)
    scale = np.abs(reference[finite]).max() if finite.any() else 1.0
    np.testing.assert_array_equal(np.isfinite(actual), finite)
    np.testing.assert_allclose(
        actual[finite], reference[finite], rtol=0, atol=TOL[dtype] * max(scale, 1e-300)
    )


@st.composite
def cases(draw):
    n_fft = draw(st.one_of(st.sampled_from([1, 2, 4, 8, 16, 32, 64, 128, 256]), st.integers(1, 70)))
    win_length = draw(st.one_of(st.none(), st.integers(1, n_fft)))
    hop = draw(st.integers(1, max(1, n_fft + 2)))
    center = draw(st.booleans())
    pad_mode = draw(st.sampled_from(["constant", "edge", "reflect", "symmetric", "wrap"]))
    n = draw(st.integers(1 if center else n_fft, 3 * n_fft + 40))
    batch = draw(st.sampled_from([(), (1,), (3,), (2, 2), (37,)]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    complex_input = draw(st.booleans())
    chirp = draw(st.sampled_from(["zero", "constant", "per-frame", "per-signal"]))
    fft_mode = draw(st.sampled_from([None, "onesided", "twosided", "centered"]))
    window = draw(st.sampled_from(["hann", "boxcar", ("kaiser", 7.0), "complex-array"]))
    layout = draw(st.sampled_from(["C", "strided", "reversed"]))
    seed = draw(st.integers(0, 2**32 - 1))
    return dict(
        n_fft=n_fft,
        win_length=win_length,
        hop=hop,
        center=center,
        pad_mode=pad_mode,
        n=n,
        batch=batch,
        dtype=dtype,
        complex_input=complex_input,
        chirp=chirp,
        fft_mode=fft_mode,
        window=window,
        layout=layout,
        seed=seed,
    )


def build(case):
    rng = np.random.default_rng(case["seed"])
    shape = (*case["batch"], case["n"])
    x = rng.standard_normal(shape)
    if case["complex_input"]:
        x = x + 1j * rng.standard_normal(shape)
    x = x.astype(
        np.dtype(case["dtype"]) if not case["complex_input"] else np.result_type(case["dtype"], np.complex64)
    )
    if case["layout"] == "strided":
        wide = np.zeros((*case["batch"], 2 * case["n"]), dtype=x.dtype)
        wide[..., ::2] = x
        x = wide[..., ::2]
    elif case["layout"] == "reversed":
        x = np.ascontiguousarray(x[..., ::-1])[..., ::-1]
    wl = case["win_length"] or case["n_fft"]
    window = case["window"]
    if window == "complex-array":
        window = np.exp(1j * rng.uniform(0, 1, wl)) * rng.uniform(0.5, 1.0, wl)
    plan = chirpstft.ChirpSTFT(n_fft=case["n_fft"], hop_length=case["hop"], center=case["center"])
    m_count = plan.n_frames(case["n"])
    scale = 3.0 / max(case["n_fft"], 2) ** 2
    rates = {
        "zero": 0.0,
        "constant": scale,
        "per-frame": rng.uniform(-scale, scale, m_count),
        "per-signal": rng.uniform(-scale, scale, (*case["batch"], m_count)),
    }[case["chirp"]]
    kw = dict(
        n_fft=case["n_fft"],
        hop_length=case["hop"],
        win_length=case["win_length"],
        window=window,
        center=case["center"],
        chirp_rate=rates,
        fft_mode=case["fft_mode"],
    )
    return x, kw


@pytest.mark.parametrize("fast", FAST)
@given(case=cases())
def test_forward_and_spectrogram_agree(fast, case):
    x, kw = build(case)
    ref = chirpstft.stft(
        x.astype(np.complex128 if np.iscomplexobj(x) else np.float64),
        backend="numpy",
        pad_mode=case["pad_mode"],
        **kw,
    )
    S = chirpstft.stft(x, backend=fast, pad_mode=case["pad_mode"], **kw)
    assert S.dtype == (np.complex64 if case["dtype"] == np.float32 else np.complex128)
    assert S.shape == ref.shape
    assert S.flags.c_contiguous and ref.flags.c_contiguous
    assert_close(S, ref, case["dtype"])
    for scaling in ("magnitude", "power", "psd"):
        ref_s = chirpstft.spectrogram(
            x.astype(np.complex128 if np.iscomplexobj(x) else np.float64),
            backend="numpy",
            pad_mode=case["pad_mode"],
            scaling=scaling,
            **kw,
        )
        got = chirpstft.spectrogram(x, backend=fast, pad_mode=case["pad_mode"], scaling=scaling, **kw)
        assert got.dtype == case["dtype"]
        assert_close(got, ref_s, case["dtype"])


@pytest.mark.parametrize("fast", FAST)
@given(
    case=cases(),
    method=st.sampled_from(["ls", "ola"]),
    real=st.sampled_from([None, True, False]),
    extra=st.integers(-5, 30),
)
def test_inverse_agrees(fast, case, method, real, extra):
    x, kw = build(case)
    S = chirpstft.stft(x, backend="numpy", **kw)
    length = max(1, case["n"] + extra)
    results = {}
    for backend in ("numpy", fast):
        S_in = S.astype(np.complex128) if backend == "numpy" else S
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", chirpstft.UnrecoverableSamplesWarning)
                results[backend] = chirpstft.istft(
                    S_in, backend=backend, length=length, method=method, real=real, **kw
                )
        except chirpstft.ParameterError as exc:  # NOLA/COLA violated, or onesided of a complex analysis
            results[backend] = str(exc)
    ref, got = results["numpy"], results[fast]
    if isinstance(ref, str):
        assert got == ref
        return
    assert got.dtype == (
        np.result_type(ref.dtype, np.float32) if case["dtype"] == np.float32 else ref.dtype
    ) or (case["dtype"] == np.float32 and got.dtype in (np.float32, np.complex64))
    assert np.iscomplexobj(got) == np.iscomplexobj(ref)
    if case["dtype"] == np.float32:
        # float32 cannot resolve samples whose window weight is tiny (e.g. Hann's first
        # samples with center=False): compare where the envelope is well conditioned
        plan = chirpstft.ChirpSTFT(
            n_fft=kw["n_fft"],
            hop_length=kw["hop_length"],
            win_length=kw["win_length"],
            window=kw["window"],
            center=kw["center"],
        )
        env = naive.ls_envelope(
            length,
            n_fft=kw["n_fft"],
            hop=kw["hop_length"],
            win=plan.window,
            center=kw["center"],
            frames=S.shape[-1],
        )
        keep = env > 1e-3 * env.max()
        got, ref = got[..., keep], ref[..., keep]
    assert_close(got, ref, case["dtype"])


@pytest.mark.parametrize("fast", FAST)
@pytest.mark.parametrize("pad_mode", ["constant", "edge", "reflect", "symmetric", "wrap"])
@pytest.mark.parametrize("n", [1, 2, 3, 5, 17])
def test_virtual_padding_of_tiny_signals(fast, pad_mode, n):
    """Padding longer than the signal: numpy.pad's repeated reflection/wrapping."""
    x = np.random.default_rng(n).standard_normal((2, n))
    kw = dict(n_fft=64, hop_length=3, pad_mode=pad_mode, chirp_rate=0.01)
    np.testing.assert_allclose(
        chirpstft.stft(x, backend=fast, **kw), chirpstft.stft(x, backend="numpy", **kw), atol=1e-12
    )


@pytest.mark.parametrize("fast", FAST)
@pytest.mark.parametrize("chirp_rate", [0.0, 0.003])
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nonfinite_frames_stay_local(fast, chirp_rate, value):
    """Also when two real frames share one packed FFT: the neighbour stays finite."""
    x = np.random.default_rng(1).standard_normal((3, 2000)).astype(np.float32)
    x[1, 1000] = value
    kw = dict(n_fft=128, hop_length=32, chirp_rate=chirp_rate)
    ref = chirpstft.stft(x.astype(np.float64), backend="numpy", **kw)
    got = chirpstft.stft(x, backend=fast, **kw)
    assert_close(got, ref, np.float32)
    assert np.isfinite(got[0]).all() and np.isfinite(got[2]).all()
    assert (~np.isfinite(got[1])).any(axis=0).sum() == 4
    y = chirpstft.istft(ref, backend=fast, length=2000, real=True, **kw)
    y_ref = chirpstft.istft(ref, backend="numpy", length=2000, real=True, **kw)
    assert_close(y, y_ref, np.float64)


@pytest.mark.parametrize("fast", FAST)
def test_large_batch_and_long_signal(fast):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((513, 1440)).astype(np.float32)
    kw = dict(fs=1 / 60, n_fft=128, hop_length=32, chirp_rate=2e-8)
    assert_close(
        chirpstft.stft(x, backend=fast, **kw),
        chirpstft.stft(x.astype(np.float64), backend="numpy", **kw),
        np.float32,
    )
    long = rng.standard_normal(2**17)
    kw = dict(n_fft=1024, hop_length=256)
    S = chirpstft.stft(long, backend=fast, **kw)
    assert_close(S, chirpstft.stft(long, backend="numpy", **kw), np.float64)
    assert_close(chirpstft.istft(S, backend=fast, length=long.size, **kw), long, np.float64)


def test_thread_count_follows_numba(monkeypatch):
    numba = pytest.importorskip("numba")
    if "numba" not in FAST:
        pytest.skip("numba backend unavailable")
    x = np.random.default_rng(0).standard_normal((4, 3000))
    ref = chirpstft.stft(x, backend="numba", n_fft=64, chirp_rate=0.001)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        np.testing.assert_array_equal(chirpstft.stft(x, backend="numba", n_fft=64, chirp_rate=0.001), ref)
    finally:
        numba.set_num_threads(before)
