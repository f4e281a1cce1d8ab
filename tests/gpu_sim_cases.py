"""The GPU backend executed without a GPU: NumPy stands in for CuPy, Numba's CUDA simulator
runs the kernels. Compared with the float64 NumPy reference, at sizes the simulator handles.

Not collected by a plain ``pytest tests`` (the file name has no ``test_`` prefix):
``tests/test_gpu.py::test_gpu_backend_under_the_cuda_simulator`` runs this module in a
subprocess with ``NUMBA_ENABLE_CUDASIM=1``, because the variable must be set before
``numba.cuda`` is first imported, and the rest of the suite imports Numba long before.
Run by hand: ``NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/gpu_sim_cases.py``.

The simulator runs every thread of a block as a Python thread (a few thousand threads per
second), so each case is tiny and the threads per block are patched down to 8, as STUMPY
does for its GPU tests (and the transpose tiles to 8x8, so that spectra span several tiles; and at most 16
blocks, so that every kernel's grid-stride loop runs several rounds).
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chirpstft
from chirpstft import backends

from .test_backends_agree import assert_close, build

# The simulator evaluates kernels with NumPy scalars, which warn on inf * 0 and the like
# (non-finite inputs are part of the tests); a GPU computes the same IEEE values silently.
pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in scalar:RuntimeWarning")


@pytest.fixture(scope="module")
def kernels():
    if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
        pytest.skip("needs NUMBA_ENABLE_CUDASIM=1 before numba.cuda is imported (see tests/test_gpu.py)")
    from numba.core import config

    assert config.ENABLE_CUDASIM
    from chirpstft.backends.cuda import kernels as _cuda_kernels

    return _cuda_kernels


@pytest.fixture(autouse=True)
def sim(kernels, monkeypatch):
    """``backend="cupy"`` is the GPU backend on NumPy + simulator for the length of a test."""
    from chirpstft.backends.cuda import tiles as _fused_plan
    from chirpstft.backends.cuda.device import DeviceBackend

    monkeypatch.setattr(kernels, "THREADS_PER_BLOCK", 8)
    monkeypatch.setattr(_fused_plan, "MAX_TILE_FRAMES", 4)  # fused kernels: several (and partial) tiles
    monkeypatch.setattr(kernels, "TILE", 8)  # several (and partial) transpose tiles per spectrum
    # the simulator starts Python threads per block: few blocks, whose threads grid-stride
    monkeypatch.setattr(kernels, "MAX_BLOCKS", 16)
    device = DeviceBackend(np, name="cupy")
    monkeypatch.setitem(backends._loaded, "cupy", device)
    chirpstft.clear_plan_cache()
    yield device
    chirpstft.clear_plan_cache()


def reference(fn, x, **kw):
    wide = x.astype(np.complex128 if np.iscomplexobj(x) else np.float64)
    return getattr(chirpstft, fn)(wide, backend="numpy", **kw)


# --------------------------------------------------------------------------- fixed cases
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("chirp", ["zero", "constant", "per-frame", "per-signal"])
@pytest.mark.parametrize("fft_mode", [None, "onesided", "twosided", "centered"])
def test_stft_and_spectrogram(dtype, chirp, fft_mode):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 37)).astype(dtype)
    n_frames = 1 + 37 // 5
    rates = {
        "zero": 0.0,
        "constant": 0.01,
        "per-frame": rng.uniform(-0.02, 0.02, n_frames),
        "per-signal": rng.uniform(-0.02, 0.02, (2, n_frames)),
    }[chirp]
    kw = dict(n_fft=12, hop_length=5, chirp_rate=rates, fft_mode=fft_mode, pad_mode="reflect")
    S = chirpstft.stft(x, backend="cupy", **kw)
    assert S.dtype == (np.complex64 if dtype == np.float32 else np.complex128)
    assert S.flags.c_contiguous
    assert_close(S, reference("stft", x, **kw), dtype)
    for scaling in ("magnitude", "power", "psd"):
        P = chirpstft.spectrogram(x, backend="cupy", scaling=scaling, **kw)
        assert P.dtype == dtype
        assert_close(P, reference("spectrogram", x, scaling=scaling, **kw), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("method", ["ls", "ola"])
@pytest.mark.parametrize("chirp", ["zero", "constant", "per-frame"])
@pytest.mark.parametrize("real", [None, True, False])
def test_istft_round_trip(dtype, method, chirp, real):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 1, 40)).astype(dtype)
    n_frames = 1 + 40 // 4
    rates = {"zero": 0.0, "constant": 0.004, "per-frame": rng.uniform(-0.01, 0.01, n_frames)}[chirp]
    kw = dict(n_fft=16, hop_length=4, chirp_rate=rates)
    S = chirpstft.stft(x, backend="numpy", **kw).astype(
        np.complex64 if dtype == np.float32 else np.complex128
    )
    got = chirpstft.istft(S, backend="cupy", length=43, method=method, real=real, **kw)
    ref = chirpstft.istft(S.astype(np.complex128), backend="numpy", length=43, method=method, real=real, **kw)
    assert got.shape == ref.shape == (2, 1, 43)
    assert np.iscomplexobj(got) == np.iscomplexobj(ref)
    assert got.dtype in ((np.float32, np.complex64) if dtype == np.float32 else (np.float64, np.complex128))
    assert_close(got, ref, dtype)
    assert_close(got[..., :40].real, x, dtype)  # and it is the signal again


def test_complex_input_and_complex_window():
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((3, 30)) + 1j * rng.standard_normal((3, 30))).astype(np.complex64)
    window = np.exp(1j * rng.uniform(0, 1, 10)) * rng.uniform(0.5, 1.0, 10)
    kw = dict(n_fft=12, win_length=10, hop_length=3, window=window, chirp_rate=0.02, fft_mode="centered")
    S = chirpstft.stft(x, backend="cupy", **kw)
    assert_close(S, reference("stft", x, **kw), np.float32)
    y = chirpstft.istft(S, backend="cupy", length=30, **kw)
    assert_close(y, reference("istft", S, length=30, **kw), np.float32)


@pytest.mark.parametrize("pad_mode", ["constant", "edge", "reflect", "symmetric", "wrap"])
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_virtual_padding_of_tiny_signals(pad_mode, n):
    """Padding longer than the signal: numpy.pad's repeated reflection/wrapping."""
    x = np.random.default_rng(n).standard_normal((2, n))
    kw = dict(n_fft=16, hop_length=3, pad_mode=pad_mode, chirp_rate=0.01)
    np.testing.assert_allclose(
        chirpstft.stft(x, backend="cupy", **kw), reference("stft", x, **kw), atol=1e-12
    )


def test_nonfinite_frames_stay_local():
    x = np.random.default_rng(1).standard_normal((3, 60)).astype(np.float32)
    x[1, 30] = np.nan
    kw = dict(n_fft=8, hop_length=4)
    got = chirpstft.stft(x, backend="cupy", **kw)
    assert_close(got, reference("stft", x, **kw), np.float32)
    assert np.isfinite(got[0]).all() and np.isfinite(got[2]).all()
    assert (~np.isfinite(got[1])).any(axis=0).sum() == 2
    y = chirpstft.istft(reference("stft", x, **kw), backend="cupy", length=60, **kw)
    # frames 7 and 8 hold the NaN; they cover output samples [24, 36) and nothing else
    assert np.isnan(y[1, 24:36]).all() and np.isfinite(y[1, :24]).all() and np.isfinite(y[1, 36:]).all()
    assert np.isfinite(y[[0, 2]]).all()


def test_grid_stride_loops_cover_everything(kernels, monkeypatch):
    """Fewer blocks than work: every thread loops; results must not change."""
    x = np.random.default_rng(2).standard_normal((2, 50))
    kw = dict(n_fft=8, hop_length=2, chirp_rate=0.01)
    expected = chirpstft.stft(x, backend="cupy", **kw)
    monkeypatch.setattr(kernels, "MAX_BLOCKS", 2)
    monkeypatch.setattr(kernels, "THREADS_PER_BLOCK", 4)
    np.testing.assert_array_equal(chirpstft.stft(x, backend="cupy", **kw), expected)
    y = chirpstft.istft(expected, backend="cupy", length=50, real=True, **kw)
    np.testing.assert_allclose(y, x, atol=1e-12)


# --------------------------------------------------------------------------- fused kernels
@pytest.fixture
def no_cufft_path(kernels, monkeypatch):
    """Power-of-two n_fft must take the fused kernels: the cuFFT path's kernels are gone."""
    for name in ("gather_frames", "reorder", "render_images"):
        monkeypatch.setattr(kernels, name, None)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "chirp, pad_mode, complex_input",
    [
        ("zero", "constant", False),
        ("constant", "reflect", False),
        ("per-frame", "wrap", True),
        ("per-signal", "symmetric", False),
    ],
)
def test_fused_stft_and_spectrogram(no_cufft_path, sim, dtype, chirp, pad_mode, complex_input):
    """stft_tiles: every fft mode, odd length, several partial tiles of frames, n_fft 8."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 31)).astype(dtype)
    if complex_input:
        x = x + 1j * rng.standard_normal((2, 31)).astype(dtype)
    n_frames = 1 + 31 // 3
    rates = {
        "zero": 0.0,
        "constant": 0.02,
        "per-frame": rng.uniform(-0.03, 0.03, n_frames),
        "per-signal": rng.uniform(-0.03, 0.03, (2, n_frames)),
    }[chirp]
    assert sim.fused(chirpstft.ChirpSTFT(n_fft=8)._spec, dtype)
    for fft_mode in (None, "onesided", "twosided", "centered"):
        if complex_input and fft_mode == "onesided":
            continue
        kw = dict(n_fft=8, hop_length=3, chirp_rate=rates, fft_mode=fft_mode, pad_mode=pad_mode)
        S = chirpstft.stft(x, backend="cupy", **kw)
        assert S.flags.c_contiguous and S.dtype == (np.complex64 if dtype == np.float32 else np.complex128)
        assert_close(S, reference("stft", x, **kw), dtype)
        P = chirpstft.spectrogram(x, backend="cupy", scaling="magnitude", **kw)
        assert P.dtype == dtype
        assert_close(P, reference("spectrogram", x, scaling="magnitude", **kw), dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("through_global", [False, True])
def test_fused_render(kernels, sim, monkeypatch, dtype, through_global):
    """render_fused (power rows in shared memory), or stft_tiles' power rows + render_images."""
    from chirpstft.backends.cuda import tiles as _fused_plan

    monkeypatch.setattr(kernels, "gather_frames", None)
    monkeypatch.setattr(kernels, "reorder", None)
    if through_global:  # image too large for the block: power rows through global memory
        monkeypatch.setattr(_fused_plan, "image_elems", lambda itemsize: 0)
    else:
        monkeypatch.setattr(kernels, "render_images", None)
    x = np.random.default_rng(12).standard_normal((2, 45)).astype(dtype)
    x[1, 20] = np.nan
    kw = dict(n_fft=16, hop_length=4, size=(7, 9), cmap="viridis", chirp_rate=0.01)
    got, ref = _render_both(x, **kw)
    assert got.shape == ref.shape and got.dtype == ref.dtype
    assert np.abs(got.astype(int) - ref.astype(int)).max() <= 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "method, chirp, fft_mode, center",
    [
        ("ls", "zero", "onesided", True),
        ("ls", "constant", "twosided", False),
        ("ls", "per-frame", "centered", True),
        ("ola", "zero", "twosided", True),
        ("ola", "zero", "onesided", False),
        ("ola", "per-frame", "twosided", False),
        ("ola", "constant", "centered", False),
    ],
)
def test_fused_istft(kernels, sim, monkeypatch, dtype, method, chirp, fft_mode, center):
    """istft_tiles: several output tiles (7 samples: not whole hops, so tiles straddle frames),
    several rounds of frames per tile, odd lengths (trimmed and padded), real and complex output."""
    from chirpstft.backends.cuda import tiles as _fused_plan

    monkeypatch.setattr(kernels, "overlap_add", None)  # the cuFFT path's inverse is gone
    monkeypatch.setattr(_fused_plan, "ISTFT_TILE_SAMPLES", 7)
    rng = np.random.default_rng(13)
    x = rng.standard_normal((2, 29)).astype(dtype)
    hop = 3 if method == "ls" else 2  # ola needs a COLA hop (the periodic Hann window's n_fft / 4)
    kw = dict(n_fft=8, hop_length=hop, center=center, fft_mode=fft_mode)
    n_frames = chirpstft.ChirpSTFT(**kw).n_frames(29)
    kw["chirp_rate"] = {"zero": 0.0, "constant": 0.02, "per-frame": rng.uniform(-0.03, 0.03, n_frames)}[chirp]
    S = chirpstft.stft(x, backend="numpy", **kw).astype(
        np.complex64 if dtype == np.float32 else np.complex128
    )
    for length, real in ((29, None), (23, False), (34, True)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = chirpstft.istft(S, backend="cupy", length=length, method=method, real=real, **kw)
        with warnings.catch_warnings(record=True) as expected:
            warnings.simplefilter("always")
            ref = chirpstft.istft(
                S.astype(np.complex128), backend="numpy", length=length, method=method, real=real, **kw
            )
        assert [str(w.message) for w in caught] == [str(w.message) for w in expected]  # uncovered samples
        assert got.shape == ref.shape == (2, length) and np.iscomplexobj(got) == np.iscomplexobj(ref)
        assert_close(got, ref, dtype)
        if not center:  # the last samples no window covers are 0, as in the reference
            assert (ref[..., (n_frames - 1) * hop + 8 :] == 0).all()
    if center:
        assert_close(got[..., :29].real, x, dtype)


# --------------------------------------------------------------------------- rendering
def _render_both(x, **kw):
    got = chirpstft.render(x, backend="cupy", **kw)
    ref = chirpstft.render(x, backend="numpy", **kw)
    return got, ref


@pytest.mark.parametrize(
    "kw",
    [
        dict(size=(6, 9)),
        dict(size=(20, 30), cmap="viridis"),
        dict(size=(5, 7), cmap="magma", layout="NCHW", chirp_rate=0.01),
        dict(size=(8, 8), db_range=(-60.0, 0.0), channels=3),
        dict(size=(8, 8), fmin=0.05, fmax=0.3, top_db=None, ref=2.0),
        dict(size=(7, 5), dtype="float32", cmap="gray"),
    ],
)
def test_render_matches_the_numpy_pipeline(kw):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 90)).astype(np.float32)
    x[2, 40] = np.nan  # non-finite values are ignored by the scaling and drawn as 0
    got, ref = _render_both(x, n_fft=16, hop_length=4, **kw)
    assert got.shape == ref.shape and got.dtype == ref.dtype
    if got.dtype == np.uint8:
        diff = np.abs(got.astype(int) - ref.astype(int))
        assert diff.max() <= 1 and (diff > 0).mean() < 0.01  # rounding at a grey-level boundary
    else:
        np.testing.assert_allclose(got, ref, atol=1e-5)


def test_render_of_complex_signals():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 70)) + 1j * rng.standard_normal((2, 70))
    got, ref = _render_both(x, n_fft=16, hop_length=4, size=(10, 10), dtype="float32")
    np.testing.assert_allclose(got, ref, atol=1e-6)


# --------------------------------------------------------------------------- property test
@st.composite
def small_cases(draw):
    """The shared backend-agreement cases, at sizes the simulator runs in a blink."""
    n_fft = draw(st.integers(1, 16))
    hop = draw(st.integers(1, n_fft + 2))
    center = draw(st.booleans())
    n = draw(st.integers(1 if center else n_fft, 2 * n_fft + 12))
    return dict(
        n_fft=n_fft,
        win_length=draw(st.one_of(st.none(), st.integers(1, n_fft))),
        hop=hop,
        center=center,
        pad_mode=draw(st.sampled_from(["constant", "edge", "reflect", "symmetric", "wrap"])),
        n=n,
        batch=draw(st.sampled_from([(), (1,), (2,), (2, 1)])),
        dtype=draw(st.sampled_from([np.float32, np.float64])),
        complex_input=draw(st.booleans()),
        chirp=draw(st.sampled_from(["zero", "constant", "per-frame", "per-signal"])),
        fft_mode=draw(st.sampled_from([None, "onesided", "twosided", "centered"])),
        window=draw(st.sampled_from(["hann", "boxcar", ("kaiser", 7.0), "complex-array"])),
        layout=draw(st.sampled_from(["C", "strided", "reversed"])),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


@settings(max_examples=40)
@given(case=small_cases(), method=st.sampled_from(["ls", "ola"]), extra=st.integers(-3, 8))
def test_property_agreement_with_the_reference(case, method, extra):
    x, kw = build(case)
    S = chirpstft.stft(x, backend="cupy", pad_mode=case["pad_mode"], **kw)
    assert S.dtype == (np.complex64 if case["dtype"] == np.float32 else np.complex128)
    assert_close(S, reference("stft", x, pad_mode=case["pad_mode"], **kw), case["dtype"])
    P = chirpstft.spectrogram(x, backend="cupy", pad_mode=case["pad_mode"], scaling="psd", **kw)
    assert_close(
        P, reference("spectrogram", x, pad_mode=case["pad_mode"], scaling="psd", **kw), case["dtype"]
    )
    length = max(1, case["n"] + extra)
    results = {}
    for name, S_in in (("numpy", S.astype(np.complex128)), ("cupy", S)):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", chirpstft.UnrecoverableSamplesWarning)
                results[name] = chirpstft.istft(S_in, backend=name, length=length, method=method, **kw)
        except chirpstft.ParameterError as exc:  # NOLA/COLA violated, or onesided of a complex analysis
            results[name] = str(exc)
    ref, got = results["numpy"], results["cupy"]
    if isinstance(ref, str):
        assert got == ref
        return
    assert np.iscomplexobj(got) == np.iscomplexobj(ref)
    # float32: compare only where the window envelope is well conditioned (see test_backends_agree)
    plan = chirpstft.ChirpSTFT(
        n_fft=kw["n_fft"],
        hop_length=kw["hop_length"],
        win_length=kw["win_length"],
        window=kw["window"],
        center=kw["center"],
    )
    if case["dtype"] == np.float32:
        from . import naive

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


# --------------------------------------------------------------------------- the benchmark's check
def test_benchmark_correctness_check_runs_on_the_stand_in(sim):
    """bench/gpu_bench.py checks correctness before timing; its check runs here on NumPy."""
    from bench import gpu_bench

    report = gpu_bench.check_correctness(np, small=True)
    assert report and all(err <= tol for _, err, tol in report), report
