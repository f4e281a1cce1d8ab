"""Streaming STFT / ISTFT: any chunking gives the one-shot transform."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chirpstft

FS = 50.0


def _assert_frames_equal(got, want):
    """Streamed frames are the one-shot frames bit for bit."""
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def _split(x, cuts):
    cuts = sorted(c % (x.shape[-1] + 1) for c in cuts)
    return np.split(x, cuts, axis=-1)


RATES = {
    "zero": 0.0,
    "constant": 3.0,
    "callable": lambda t: 2.0 * np.sin(t) + t,
    "auto": "auto",
}


@settings(max_examples=100)
@given(
    n=st.integers(1, 700),
    cuts=st.lists(st.integers(0, 700), max_size=8),
    rate=st.sampled_from(sorted(RATES)),
    center=st.booleans(),
    pad_mode=st.sampled_from(["constant", "edge", "reflect", "symmetric"]),
    n_fft=st.sampled_from([16, 31, 64]),
    hop=st.integers(1, 20),
    seed=st.integers(0, 2**16),
)
def test_stream_equals_one_shot(backend, n, cuts, rate, center, pad_mode, n_fft, hop, seed):
    if not center and n < n_fft:
        n = n_fft + n % 50
    x = np.random.default_rng(seed).standard_normal((2, n))
    plan = chirpstft.ChirpSTFT(
        fs=FS,
        n_fft=n_fft,
        hop_length=min(hop, n_fft // 2),
        chirp_rate=RATES[rate],
        center=center,
        pad_mode=pad_mode,
        backend=backend,
    )
    want, want_rates = plan.stft(x, return_rates=True)
    stream = chirpstft.StreamingSTFT(plan, return_rates=True)
    parts = [stream.push(c) for c in _split(x, cuts)] + [stream.finish()]
    got = np.concatenate([p[0] for p in parts], axis=-1)
    _assert_frames_equal(got, want)
    np.testing.assert_array_equal(np.concatenate([p[1] for p in parts], axis=-1), want_rates)
    # the inverse streams too, from the same blocks
    inverse = chirpstft.StreamingISTFT(plan, real=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", chirpstft.UnrecoverableSamplesWarning)
        y_want = plan.istft(want, length=n, real=True) if rate != "auto" else None
        if rate == "auto":
            y_want = chirpstft.ChirpSTFT(
                fs=FS,
                n_fft=n_fft,
                hop_length=min(hop, n_fft // 2),
                chirp_rate=want_rates,
                center=center,
                backend=backend,
            ).istft(want, length=n, real=True)
        out = [inverse.push(S, rates=r) for S, r in parts] + [inverse.finish(length=n)]
    y = np.concatenate(out, axis=-1)
    assert y.shape == y_want.shape and y.dtype == y_want.dtype
    np.testing.assert_allclose(y, y_want, rtol=0, atol=1e-12 * max(1.0, np.abs(y_want).max()))


@settings(max_examples=30)
@given(
    cuts=st.lists(st.integers(0, 900), max_size=6),
    frame_cuts=st.lists(st.integers(0, 80), max_size=6),
    center=st.booleans(),
    method=st.sampled_from(["ls", "ola"]),
    seed=st.integers(0, 2**16),
)
def test_per_frame_rates_float32_complex(backend, cuts, frame_cuts, center, method, seed):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((3, 900)) + 1j * rng.standard_normal((3, 900))).astype(np.complex64)
    probe = chirpstft.ChirpSTFT(fs=FS, n_fft=48, hop_length=12, center=center)
    rates = rng.uniform(-5, 5, (3, probe.n_frames(900)))
    plan = chirpstft.ChirpSTFT(
        fs=FS, n_fft=48, hop_length=12, chirp_rate=rates, center=center, backend=backend
    )
    want = plan.stft(x)
    got = np.concatenate([plan.stft(x)[..., :0], *plan.stream(_split(x, cuts))], axis=-1)
    _assert_frames_equal(got, want)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", chirpstft.UnrecoverableSamplesWarning)
        y_want = plan.istft(want, length=900, method=method)
        y = np.concatenate(list(plan.istream(_split(want, frame_cuts), length=900, method=method)), axis=-1)
    assert y.dtype == np.complex64
    np.testing.assert_allclose(y, y_want, rtol=0, atol=1e-5 * np.abs(y_want).max())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_long_plain_stream_keeps_the_packed_pairs(backend, dtype):
    """The numba real unchirped analysis packs frames in blocks of 128: long streams (many
    blocks, ragged chunks, a NaN) still give the one-shot frames bit for bit."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 30_011)).astype(dtype)
    x[1, 12_345] = np.nan
    plan = chirpstft.ChirpSTFT(fs=FS, n_fft=64, hop_length=16, backend=backend)
    cuts = np.cumsum(rng.integers(1, 3000, 40))
    got = np.concatenate(list(plan.stream(np.split(x, cuts[cuts < x.shape[-1]], axis=-1))), axis=-1)
    _assert_frames_equal(got, plan.stft(x))


@pytest.mark.parametrize("value", [0.0, 1.5])
def test_constant_per_frame_array_streams_like_the_one_shot(backend, value):
    """An array of equal rates is resolved to one float by the one-shot transform (for 0:
    numba's packed real path); the stream resolves it the same way."""
    x = np.random.default_rng(8).standard_normal(20_000)
    probe = chirpstft.ChirpSTFT(fs=FS, n_fft=64, hop_length=16)
    plan = chirpstft.ChirpSTFT(
        fs=FS, n_fft=64, hop_length=16, chirp_rate=np.full(probe.n_frames(20_000), value), backend=backend
    )
    got = np.concatenate(list(plan.stream(np.array_split(x, 13))), axis=-1)
    _assert_frames_equal(got, plan.stft(x))


def test_generator_chunks_of_one_sample(backend, rng):
    x = rng.standard_normal(300)
    plan = chirpstft.ChirpSTFT(fs=FS, n_fft=32, hop_length=8, chirp_rate=1.5, backend=backend)
    blocks = list(plan.stream(x[i : i + 1] for i in range(300)))
    assert all(b.shape[-1] >= 1 for b in blocks) and len(blocks) > 10
    np.testing.assert_array_equal(np.concatenate(blocks, axis=-1), plan.stft(x))
    y = np.concatenate(list(plan.istream((b for b in blocks), length=300, real=True)))
    np.testing.assert_allclose(y, x, atol=1e-12)


def test_memory_stays_bounded(rng):
    plan = chirpstft.ChirpSTFT(fs=FS, n_fft=64, hop_length=16, chirp_rate=2.0)
    stream = chirpstft.StreamingSTFT(plan)
    inverse = chirpstft.StreamingISTFT(plan, real=True)
    for _ in range(50):
        inverse.push(stream.push(rng.standard_normal(1000)))
        assert stream._buf.shape[-1] <= 64 + 16 + 1000
        assert inverse._acc.shape[-1] <= 64 + 16 * 70
    assert stream.n_samples == 50_000 and inverse.n_samples_out > 49_000


def test_unrecoverable_samples_warn_once_at_finish(rng):
    plan = chirpstft.ChirpSTFT(fs=FS, n_fft=32, hop_length=8, center=False)
    x = rng.standard_normal(400)
    S = plan.stft(x)
    inverse = chirpstft.StreamingISTFT(plan)
    inverse.push(S)
    with pytest.warns(chirpstft.UnrecoverableSamplesWarning, match=r"1 of 400 output samples"):
        inverse.finish(length=400)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (
            lambda: chirpstft.StreamingSTFT(chirpstft.ChirpSTFT(pad_mode="wrap")),
            r"pad_mode='wrap' with center=True cannot stream",
        ),
        (
            lambda: chirpstft.StreamingSTFT(chirpstft.ChirpSTFT(chirp_rate=chirpstft.AutoChirp(smooth=3))),
            r"streaming chirp_rate='auto' needs smooth=1",
        ),
        (lambda: chirpstft.StreamingSTFT("plan"), r"plan must be a chirpstft.ChirpSTFT"),
        (
            lambda: chirpstft.StreamingISTFT(chirpstft.ChirpSTFT(n_fft=16, hop_length=16, window="hann")),
            r"does not satisfy NOLA",
        ),
    ],
)
def test_stream_construction_errors(make, match):
    with pytest.raises((chirpstft.ParameterError, chirpstft.InputTypeError), match=match):
        make()


def test_stream_usage_errors():
    plan = chirpstft.ChirpSTFT(n_fft=16, hop_length=4)
    s = chirpstft.StreamingSTFT(plan)
    s.push(np.zeros((2, 10)))
    with pytest.raises(
        chirpstft.ParameterError, match=r"batch shape \(3,\) but the stream started with \(2,\)"
    ):
        s.push(np.zeros((3, 10)))
    with pytest.raises(
        chirpstft.ParameterError, match=r"working dtype float32 but the stream started with float64"
    ):
        s.push(np.zeros((2, 10), np.float32))
    s.finish()
    with pytest.raises(chirpstft.ParameterError, match=r"this stream is finished"):
        s.push(np.zeros((2, 10)))
    with pytest.raises(chirpstft.ParameterError, match=r"received no samples"):
        chirpstft.StreamingSTFT(plan).finish()
    rates_plan = chirpstft.ChirpSTFT(n_fft=16, hop_length=4, chirp_rate=np.full(5, 0.5))
    s = chirpstft.StreamingSTFT(rates_plan)
    with pytest.raises(
        chirpstft.ParameterError, match=r"chirp_rate has 5 per-frame rates but the stream has reached"
    ):
        s.push(np.zeros(400))
    auto = chirpstft.ChirpSTFT(n_fft=16, hop_length=4, chirp_rate="auto")
    S = auto.stft(np.ones(100))
    with pytest.raises(chirpstft.ParameterError, match=r"pass the rates of every block of frames"):
        chirpstft.StreamingISTFT(auto).push(S)
    inv = chirpstft.StreamingISTFT(plan)
    with pytest.raises(chirpstft.ParameterError, match=r"S has 5 frequency bins but fft_mode='twosided'"):
        inv.push(np.zeros((5, 3), complex))
    inv = chirpstft.StreamingISTFT(plan)
    inv.push(plan.stft(np.ones(400)))
    with pytest.raises(
        chirpstft.ParameterError, match=r"length=10 is shorter than the \d+ samples already returned"
    ):
        inv.finish(length=10)
