"""``out=``: the caller's buffer is filled in place, on every entry point that takes it, and a buffer
of the wrong shape, dtype or layout gets an error that names ``out`` and says how to make one."""

from __future__ import annotations

import numpy as np
import pytest

import chirpstft

KW = dict(fs=100.0, n_fft=64, hop_length=16)
BACKENDS = ["numba", "numpy"]


@pytest.fixture
def x(rng):
    return rng.standard_normal((3, 700)).astype(np.float32)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("rate", [0.0, 3.0, "per_frame"])
def test_stft_and_spectrogram_fill_out_in_place(x, backend, rate):
    if rate == "per_frame":
        rate = np.linspace(-4.0, 4.0, chirpstft.ChirpSTFT(**KW).n_frames(x.shape[-1]))
    want = chirpstft.stft(x, chirp_rate=rate, backend=backend, **KW)
    out = np.full_like(want, np.nan)
    got = chirpstft.stft(x, chirp_rate=rate, backend=backend, out=out, **KW)
    assert got is out
    np.testing.assert_array_equal(out, want)
    for scaling in ("magnitude", "power", "psd"):
        want = chirpstft.spectrogram(x, chirp_rate=rate, scaling=scaling, backend=backend, **KW)
        out = np.full_like(want, np.nan)
        assert (
            chirpstft.spectrogram(x, chirp_rate=rate, scaling=scaling, backend=backend, out=out, **KW) is out
        )
        np.testing.assert_array_equal(out, want)


@pytest.mark.parametrize("backend", BACKENDS)
def test_plan_methods_fill_out_and_a_buffer_serves_repeated_calls(x, backend):
    plan = chirpstft.ChirpSTFT(chirp_rate=2.0, backend=backend, **KW)
    out = np.empty_like(plan.stft(x))
    for k in range(3):
        y = x * (k + 1)
        assert plan.stft(y, out=out) is out
        np.testing.assert_array_equal(out, plan.stft(y))
    S, rates = plan.stft(x, return_rates=True, out=out)
    assert S is out and rates.shape == (3, out.shape[-1])
    P = np.empty(out.shape, dtype=np.float32)
    assert plan.spectrogram(x, "power", out=P) is P
    np.testing.assert_array_equal(P, plan.spectrogram(x, "power"))
    analysis = plan.prepare(x, scaling="magnitude")
    assert plan.run(analysis, out=P) is P
    np.testing.assert_array_equal(P, plan.run(analysis))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("layout", ["NHWC", "NCHW"])
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_render_fills_out_in_place(x, backend, layout, dtype):
    kw = dict(
        size=(16, 20), cmap="viridis", layout=layout, dtype=dtype, chirp_rate=1.0, backend=backend, **KW
    )
    want = chirpstft.render(x, **kw)
    out = np.zeros_like(want)
    assert chirpstft.render(x, out=out, **kw) is out
    np.testing.assert_array_equal(out, want)
    callable_ref = chirpstft.render(x, ref=np.max, **kw)  # the NumPy pipeline copies into out
    out[...] = 0
    assert chirpstft.render(x, ref=np.max, out=out, **kw) is out
    np.testing.assert_array_equal(out, callable_ref)


def _wrong(S):
    return {
        "shape": (
            np.empty((*S.shape[:-1], S.shape[-1] + 1), S.dtype),
            chirpstft.ParameterError,
            "out has shape",
        ),
        "dtype": (np.empty(S.shape, np.complex128), chirpstft.InputTypeError, "out has dtype complex128"),
        "strided": (
            np.empty((*S.shape[:-1], 2 * S.shape[-1]), S.dtype)[..., ::2],
            chirpstft.ParameterError,
            "out is not C-contiguous",
        ),
        "list": ([0.0], chirpstft.InputTypeError, "out is a list"),
    }


@pytest.mark.parametrize("case", ["shape", "dtype", "strided", "list", "readonly"])
def test_a_wrong_buffer_is_refused_with_the_fix(x, case):
    S = chirpstft.stft(x, **KW)
    if case == "readonly":
        out = np.empty_like(S)
        out.setflags(write=False)
        err, msg = chirpstft.ParameterError, "out is read-only"
    else:
        out, err, msg = _wrong(S)[case]
    for call in (
        lambda: chirpstft.stft(x, out=out, **KW),
        lambda: chirpstft.ChirpSTFT(**KW).stft(x, out=out),
    ):
        with pytest.raises(err, match=msg) as info:
            call()
        assert "np.empty(" in str(info.value)  # says how to make the right one
    if case != "strided":  # images are copied into a strided buffer
        with pytest.raises((chirpstft.ParameterError, chirpstft.InputTypeError), match="out"):
            chirpstft.render(x, size=(8, 8), out=out, **KW)


def test_out_that_overlaps_the_input_is_refused(x):
    S = chirpstft.stft(x, backend="numpy", **KW)
    out = np.empty_like(S)
    n = x.size
    alias = out.view(np.float32).reshape(-1)[:n].reshape(x.shape)  # x stored inside out
    alias[...] = x
    with pytest.raises(chirpstft.ParameterError, match="out shares memory with the input"):
        chirpstft.stft(alias, out=out, **KW)


def test_out_with_a_dask_input_is_refused(x):
    da = pytest.importorskip("dask.array")
    lazy = da.from_array(x, chunks=(1, -1))
    out = np.empty_like(chirpstft.stft(x, **KW))
    with pytest.raises(chirpstft.ParameterError, match="Dask input gives a lazy result: drop out="):
        chirpstft.stft(lazy, out=out, **KW)
    with pytest.raises(chirpstft.ParameterError, match="drop out="):
        chirpstft.render(lazy, size=(8, 8), out=np.empty((3, 8, 8, 1), np.uint8), **KW)
