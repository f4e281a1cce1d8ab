"""Issue 15: every reproducer of bad input gets a documented error naming the parameter (chirpstft)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy.ndimage import uniform_filter1d

import chirpstft
import chirpstft._validation
from chirpstft import InputTypeError, ParameterError
from chirpstft._auto import scores_reference, select_rates, smooth_scores

X = np.random.default_rng(0).standard_normal(256)
S64 = chirpstft.stft(X, n_fft=64)


def _backends():
    return chirpstft.available_backends()


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        # 1. finite fs that overflow fs**2
        (
            lambda b: chirpstft.stft(X, n_fft=64, fs=1e200, backend=b),
            ParameterError,
            r"fs=1e\+200 is outside",
        ),
        (
            lambda b: chirpstft.stft(X, n_fft=64, fs=1e-200, backend=b),
            ParameterError,
            r"fs=1e-200 is outside",
        ),
        (
            lambda b: chirpstft.stft(X, n_fft=64, fs=1e200, chirp_rate="auto", backend=b),
            ParameterError,
            "fs=",
        ),
        # 2. empty window tuple
        (lambda b: chirpstft.stft(X, window=(), backend=b), ParameterError, r"window=\(\) is not a window"),
        # 3. sizes that cannot be allocated
        (lambda b: chirpstft.istft(S64, n_fft=64, hop_length=2**40, backend=b), ParameterError, "hop_length"),
        (
            lambda b: chirpstft.stft(X, n_fft=2**40, backend=b),
            ParameterError,
            r"n_fft=1099511627776 would need",
        ),
        (lambda b: chirpstft.stft(X, n_fft=2**62, backend=b), ParameterError, r"n_fft=\d+ would need"),
        # 4. parameters whose values make the result non-finite
        (
            lambda b: chirpstft.stft(np.ones(64), n_fft=16, chirp_rate=1e308, backend=b),
            ParameterError,
            "chirp_rate",
        ),
        (lambda b: chirpstft.stft(X, n_fft=64, fs=1e-200, chirp_rate=1e-3, backend=b), ParameterError, "fs="),
        (
            lambda b: chirpstft.stft(X, n_fft=64, chirp_rate=lambda t: 1e308 + 0 * t, backend=b),
            ParameterError,
            "chirp_rate",
        ),
        # 5. booleans
        (
            lambda b: chirpstft.stft(X, n_fft=64, return_rates="no", backend=b),
            InputTypeError,
            "return_rates='no'",
        ),
        (lambda b: chirpstft.istft(S64, n_fft=64, real="no", backend=b), InputTypeError, "real='no'"),
        # 6. ragged input names x
        (lambda b: chirpstft.stft([[1.0, 2.0], [1.0]], n_fft=2, backend=b), InputTypeError, "^x "),
    ],
)
def test_entry_point_errors(call, error, match):
    for backend in _backends():
        with pytest.raises(error, match=match):
            call(backend)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: chirpstft.check_nola("hann", 64, n_fft=64, tol=-1), ParameterError, "tol=-1"),
        (lambda: chirpstft.check_nola("hann", 16, n_fft=64, tol=float("nan")), ParameterError, "tol=nan"),
        (lambda: chirpstft.check_nola("hann", 16, n_fft=64, tol=1j), InputTypeError, "tol=1j"),
        (lambda: chirpstft.check_cola("hann", 16, n_fft=64, tol="x"), InputTypeError, "tol='x'"),
        (
            lambda: chirpstft.waveform_image(X, size=(10**6, 10**6)),
            ParameterError,
            r"size=\(1000000, 1000000\)",
        ),
        (lambda: chirpstft.waveform_image(X, channels=3.0), InputTypeError, "channels=3.0"),
        (lambda: chirpstft.waveform_image(np.zeros((0, 28))), ParameterError, r"x has shape \(0, 28\)"),
        (lambda: chirpstft.render(X, top_db="80"), InputTypeError, "top_db='80'"),
        (lambda: chirpstft.render(X, ref=True), InputTypeError, "ref=True"),
        (lambda: chirpstft.render(X, fmin="a"), InputTypeError, "fmin='a'"),
        (lambda: chirpstft.default_chirp_candidates(1e200, 64), ParameterError, "fs="),
        (lambda: chirpstft.renyi_entropy(S64, order="3"), InputTypeError, "order='3'"),
    ],
)
def test_function_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_check_nola_huge_hop_is_false_without_allocating():
    assert chirpstft.check_nola("hann", 2**40, n_fft=64) is False
    assert chirpstft.check_nola("hann", 2**27, n_fft=256) is False
    assert chirpstft.check_cola("hann", 2**40, n_fft=64) is False


@pytest.mark.parametrize("backend", _backends())
def test_nan_sample_leaves_other_frames_unaffected(backend):
    x = np.random.default_rng(1).standard_normal(1024)
    x_nan = x.copy()
    x_nan[500] = np.nan
    kw = dict(n_fft=64, hop_length=16, chirp_rate=0.01, backend=backend)
    clean, dirty = chirpstft.stft(x, **kw), chirpstft.stft(x_nan, **kw)
    bad = ~np.isfinite(dirty).all(axis=0)
    # the frames whose support contains sample 500 (centred frames: m*16 - 32 <= 500 < m*16 + 32)
    m = np.arange(dirty.shape[-1])
    expected = (m * 16 - 32 <= 500) & (500 < m * 16 + 32)
    np.testing.assert_array_equal(bad, expected)
    if backend == "numpy":
        np.testing.assert_array_equal(dirty[:, ~bad], clean[:, ~bad])  # bit for bit
    else:  # to rounding, as the README says
        np.testing.assert_allclose(dirty[:, ~bad], clean[:, ~bad], rtol=0, atol=1e-13 * np.abs(clean).max())


def test_auto_rate_ties_go_to_the_candidate_closest_to_zero():
    candidates = np.array([0.5, 2.0, 0.0, -0.5])
    scores = np.array([[1.0, 1.0, 5.0, 1.0 + 1e-3]])  # 0.5 and 2.0 tie exactly
    assert select_rates(scores, candidates, 1)[0] == 0.5
    scores = np.array([[1.0, 1.5, 5.0, 1.0]])  # -0.5 ties with 0.5: the earliest wins
    assert select_rates(scores, candidates, 1)[0] == 0.5


def test_auto_rate_ties_within_rounding_count_as_ties():
    candidates = np.array([-0.5, 0.5, 0.25])
    low = 2.75
    ulps = low + 64 * np.spacing(low)  # a rounding-level difference: tied with the lowest
    assert select_rates(np.array([[low, ulps, 9.0]]), candidates, 1)[0] == -0.5
    assert select_rates(np.array([[ulps, low, 9.0]]), candidates, 1)[0] == -0.5
    # a real difference (1e-6 bits) is not a tie: the lowest wins whatever its magnitude
    assert select_rates(np.array([[low, 9.0, low - 1e-6]]), candidates, 1)[0] == 0.25
    assert select_rates(np.array([[low - 1e-6, 9.0, low]]), candidates, 1)[0] == -0.5


@pytest.mark.parametrize("order", [2.0, 3.0, 0.5])
def test_auto_rate_exact_ties_of_a_signal_symmetric_in_rate_resolve_alike_on_every_backend(order):
    """A real signal whose odd samples are 0 has ``x[n] = (-1)**n x[n]``: over bins
    ``0..n_fft//2`` (even ``n_fft``) its spectrum at ``+a`` is the one at ``-a`` with the bins
    reversed, so every frame scores ``+a`` and ``-a`` exactly alike and the backends' scans
    differ only in the last bits. The documented rule picks ``-a`` (same magnitude, earlier in
    the ascending default grid) in every frame, on every backend."""
    x = np.random.default_rng(5).standard_normal((3, 3000))
    x[..., 1::2] = 0.0
    kw = dict(fs=100.0, n_fft=256, hop_length=32, order=order)
    ref = chirpstft.estimate_chirp_rates(x, backend="numpy", **kw)
    assert np.all(ref <= 0) and np.sum(ref < 0) > 0.5 * ref.size
    for backend in _backends():
        np.testing.assert_array_equal(chirpstft.estimate_chirp_rates(x, backend=backend, **kw), ref)


def test_auto_rate_smoothing_wider_than_the_signal_allocates_nothing_of_that_width():
    # found by the thorough fuzz profile: smooth=664747161 made SciPy's uniform filter allocate a
    # line buffer of smooth values (5 GB; 22 GB for a larger smooth, out-of-memory killed) and
    # smooth=2**61+1 crashed it; a window that wide covers every frame plus copies of the end ones
    x = np.random.default_rng(127).standard_normal(2000)
    kw = dict(fs=100.0, n_fft=64, hop_length=16)
    plan = chirpstft.ChirpSTFT(**kw)
    n = plan.n_frames(x.size)
    scores = scores_reference(x, plan._spec, chirpstft.default_chirp_candidates(100.0, 64), n, 33, 3.0)
    for smooth in (2 * n - 3, 2 * n - 1, 2 * n + 1, 1001):  # both sides of the closed form's bound
        np.testing.assert_allclose(
            smooth_scores(scores, smooth),
            uniform_filter1d(scores, smooth, axis=0, mode="nearest"),
            rtol=1e-12,
        )
    for smooth in (2**40 + 1, 2**61 + 1):
        h = smooth // 2
        i = np.arange(n)[:, None]
        want = (scores.sum(0) + (h - i) * scores[0] + (h - (n - 1 - i)) * scores[-1]) / smooth
        np.testing.assert_allclose(smooth_scores(scores, smooth), want, rtol=1e-12)
    for backend in _backends():
        rates = chirpstft.estimate_chirp_rates(x, smooth=2**40 + 1, backend=backend, **kw)
        assert rates.shape == (n,) and np.unique(rates).size == 1


def test_auto_scan_that_cannot_fit_is_refused_naming_n_fft_and_the_candidates(monkeypatch):
    # found by the thorough fuzz profile: estimate_chirp_rates(x, n_fft=50345) built the scan's
    # table of n_fft x 12587 candidates (38 GiB at its peak) unchecked; the default grid has
    # n_fft/4 candidates, so the scan grows as n_fft**2. Here the budget is lowered instead.
    monkeypatch.setattr(chirpstft._validation, "MAX_BYTES", 512 << 20)
    x = np.random.default_rng(0).standard_normal(300)
    match = (
        r"chirp_rate='auto' with n_fft=8192 and 2049 candidate rates .* would need \d+(\.\d+)? GiB, more than"
    )
    for backend in _backends():
        with pytest.raises(ParameterError, match=match):
            chirpstft.estimate_chirp_rates(x, n_fft=8192, backend=backend)
        with pytest.raises(ParameterError, match=match):
            chirpstft.stft(x, n_fft=8192, chirp_rate="auto", backend=backend)
        # fewer candidates fit
        chirpstft.estimate_chirp_rates(x, n_fft=8192, candidates=[-1e-3, 0.0, 1e-3], backend=backend)


def test_frame_length_whose_working_memory_cannot_fit_is_refused(monkeypatch):
    # found by the thorough fuzz profile: n_fft=50171700 passed the 64-bytes-per-sample window
    # check, while one frame takes 330-480 bytes per sample on the Numba backend (22 GB)
    monkeypatch.setattr(chirpstft._validation, "MAX_BYTES", 64 << 20)
    x = np.random.default_rng(0).standard_normal(300)
    for backend in _backends():
        with pytest.raises(
            ParameterError, match=r"n_fft=131072 \(1024 bytes of working memory per frame sample\)"
        ):
            chirpstft.stft(x, n_fft=2**17, backend=backend)
    chirpstft.stft(x, n_fft=2**15)  # 32 MiB of working memory fits


def test_sizes_are_checked_against_the_address_space_limit_of_the_process():
    """Under ``ulimit -v`` the bound is what the process may still map, not the machine's memory."""
    code = (
        "import resource, numpy as np, chirpstft\n"
        "used = int(open('/proc/self/statm').read().split()[0]) * resource.getpagesize()\n"
        "hard = resource.getrlimit(resource.RLIMIT_AS)[1]\n"
        "soft = used + (1 << 30) if hard == resource.RLIM_INFINITY else min(used + (1 << 30), hard)\n"
        "resource.setrlimit(resource.RLIMIT_AS, (soft, hard))\n"
        "try:\n"
        "    chirpstft.stft(np.zeros(300), n_fft=2**22, backend='numpy')\n"
        "except chirpstft.ParameterError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "n_fft=4194304" in out and "under its address-space limit (ulimit -v)" in out, out


def test_auto_rates_agree_across_backends():
    x = np.random.default_rng(3).standard_normal((4, 512))
    ref = chirpstft.estimate_chirp_rates(x, n_fft=64, hop_length=16, backend="numpy")
    for backend in _backends():
        np.testing.assert_array_equal(
            chirpstft.estimate_chirp_rates(x, n_fft=64, hop_length=16, backend=backend), ref
        )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stream_with_constant_callable_rate_equals_one_shot_to_rounding(dtype):
    x = np.random.default_rng(2).standard_normal(4000).astype(dtype)
    plan = chirpstft.ChirpSTFT(fs=100.0, n_fft=128, hop_length=32, chirp_rate=lambda t: np.full_like(t, 3.0))
    whole = plan.stft(x)
    streamed = np.concatenate(list(plan.stream(np.array_split(x, 7))), axis=-1)
    n_eps = 16 if dtype == np.float32 else 1024  # the README's promise
    np.testing.assert_allclose(
        streamed, whole, rtol=0, atol=n_eps * np.finfo(dtype).eps * np.abs(whole).max()
    )


def test_integer_parameters_beyond_int64_are_refused_naming_the_parameter():
    # found by the thorough fuzz profile: hop_length=2**63 escaped as OverflowError from the numba kernel
    x = np.random.default_rng(0).standard_normal(64)
    for backend in ("numpy", "numba"):
        with pytest.raises(chirpstft.ParameterError, match="hop_length=9223372036854775808 is too large"):
            chirpstft.stft(x, n_fft=16, hop_length=2**63, backend=backend)
    S = chirpstft.stft(x, n_fft=16, hop_length=2**62)  # the bound itself is accepted: one frame
    assert S.shape[-1] == 1
