"""CPU benchmarks: chirpstft (numba) beside its peers, on the same data, in one run.

Cases (see bench/RESULTS.md): 1 batch chirp STFT, 2 batch plain STFT, 3 one long signal,
4 inverse, 5 magnitude spectrogram, 6 peak memory (test_peak_memory.py).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import scipy.fft
import scipy.signal

import chirpstft

from .conftest import (
    BATCH,
    FS,
    HOP,
    LONG_FFT,
    LONG_FS,
    LONG_HOP,
    LONG_N,
    LONG_RATE,
    N_FFT,
    N_SAMPLES,
    RATE,
    assert_close,
)

WORKERS = os.cpu_count() or 1
#: The cases' sizes as the group names show them (the cases: chirpstft._benchmark.CASES, via conftest).
DAY, FRAMES = f"{BATCH} x {N_SAMPLES}", f"n_fft={N_FFT}, hop={HOP}"
LONG, LONG_FRAMES = f"2^{LONG_N.bit_length() - 1}", f"n_fft={LONG_FFT}, hop={LONG_HOP}"


def chirp_window(plan: chirpstft.ChirpSTFT, rate: float) -> np.ndarray:
    t = (np.arange(plan.n_fft) - plan.n_fft // 2) / plan.fs
    return plan.window * np.exp(1j * np.pi * rate * t**2)


def shorttimefft(plan, rate, n_frames, onesided):
    """scipy's ShortTimeFFT with the same (complex) window, trimmed to our frames.

    Its slice ``p`` is our frame ``p``; its phase is referenced to the window centre,
    ours to the frame start, hence the factor applied when checking.
    """
    win = chirp_window(plan, rate) if rate else plan.window
    mode = "onesided" if onesided else "twosided"
    sft = scipy.signal.ShortTimeFFT(win, plan.hop_length, plan.fs, fft_mode=mode, mfft=plan.n_fft)
    first = -sft.p_min

    def run(x):
        return sft.stft(x)[..., first : first + n_frames]

    q = np.arange(plan.n_freqs if onesided else plan.n_fft)[:, None]
    phase = np.exp(-2j * np.pi * q * (plan.n_fft // 2) / plan.n_fft)
    return run, phase, sft


def naive_floor(plan, rate, n_frames, onesided):
    """sliding_window_view + multiply + scipy.fft on all cores: the NumPy floor."""
    h = np.conj(chirp_window(plan, rate)).astype(np.complex64) if rate else plan.window.astype(np.float32)
    pad = plan.n_fft // 2

    def run(x):
        xp = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(pad, pad)])
        frames = np.lib.stride_tricks.sliding_window_view(xp, plan.n_fft, axis=-1)[..., :: plan.hop_length, :]
        weighted = frames[..., :n_frames, :] * h
        if onesided:
            return np.swapaxes(scipy.fft.rfft(weighted, axis=-1, workers=WORKERS), -1, -2)
        return np.swapaxes(scipy.fft.fft(weighted, axis=-1, workers=WORKERS), -1, -2)

    return run


def memory_bound(shape, dtype):
    """Allocate the output and write it once, fresh each time: no STFT can beat it."""

    def run(_x):
        out = np.empty(shape, dtype=dtype)
        out.fill(0)
        return out

    return run


def write_bound(shape, dtype):
    """Write a reused (already faulted) output once: the bound for a caller who passes ``out=``."""
    out = np.empty(shape, dtype=dtype)

    def run(_x):
        out.fill(0)
        return out

    return run


CHIRP_PEERS = [
    "chirpstft-numba",
    "chirpstft-numba-out",
    "chirpstft-numpy",
    "scipy-ShortTimeFFT",
    "numpy-naive-floor",
    "memory-bound",
    "write-bound",
]
PLAIN_PEERS = [
    "chirpstft-numba",
    "librosa",
    "scipy-ShortTimeFFT",
    "ssqueezepy",
    "torch",
    "numpy-naive-floor",
    "memory-bound",
]


def _chirp_case(benchmark, x, impl, n_fft, hop, fs, rate):
    plan = chirpstft.ChirpSTFT(fs=fs, n_fft=n_fft, hop_length=hop, chirp_rate=rate, backend="numba")
    ref_plan = chirpstft.ChirpSTFT(fs=fs, n_fft=n_fft, hop_length=hop, chirp_rate=rate, backend="numpy")
    ref = ref_plan.stft(x)
    n_frames = ref.shape[-1]
    if impl == "chirpstft-numba":
        fn, check = plan.stft, lambda out: assert_close(out, ref)
    elif impl == "chirpstft-numba-out":  # a caller's buffer, reused: no allocation, no page faults
        buffer = np.empty(ref.shape, dtype=np.complex64)
        fn, check = (lambda a: plan.stft(a, out=buffer)), (lambda out: assert_close(out, ref))
    elif impl == "chirpstft-numpy":
        fn, check = ref_plan.stft, lambda out: None
    elif impl == "scipy-ShortTimeFFT":
        fn, phase, _ = shorttimefft(plan, rate, n_frames, onesided=False)
        check = lambda out: assert_close(out * phase, ref)  # noqa: E731
    elif impl == "numpy-naive-floor":
        fn = naive_floor(plan, rate, n_frames, onesided=False)
        check = lambda out: assert_close(out, ref)  # noqa: E731
    elif impl == "write-bound":
        fn, check = write_bound(ref.shape, np.complex64), lambda out: None
    else:
        fn, check = memory_bound(ref.shape, np.complex64), lambda out: None
    check(fn(x))
    ref = None  # free the reference before timing (the checks hold a reference to it)

    benchmark(fn, x)


def _plain_case(benchmark, x, impl, n_fft, hop, fs):
    plan = chirpstft.ChirpSTFT(fs=fs, n_fft=n_fft, hop_length=hop, backend="numba")
    ref = chirpstft.ChirpSTFT(fs=fs, n_fft=n_fft, hop_length=hop, backend="numpy").stft(x)
    n_frames = ref.shape[-1]
    check = lambda out: assert_close(out, ref)  # noqa: E731
    if impl == "chirpstft-numba":
        fn = plan.stft
    elif impl == "librosa":
        librosa = pytest.importorskip("librosa")

        def fn(x):
            return librosa.stft(x, n_fft=n_fft, hop_length=hop, window=plan.window)
    elif impl == "scipy-ShortTimeFFT":
        fn, phase, _ = shorttimefft(plan, 0.0, n_frames, onesided=True)
        check = lambda out: assert_close(out * phase, ref)  # noqa: E731
    elif impl == "ssqueezepy":
        ssq = pytest.importorskip("ssqueezepy")
        win = plan.window.astype(np.float32)

        def fn(x):
            return ssq.stft(x, window=win, n_fft=n_fft, hop_len=hop, padtype="zero", dtype="float32")

        # its own framing: one frame fewer at the end, phase referenced elsewhere
        def check(out):
            m = out.shape[-1]
            assert_close(np.abs(out), np.abs(ref[..., :m]), 1e-4)
    elif impl == "torch":
        torch = pytest.importorskip("torch")
        win = torch.from_numpy(plan.window.astype(np.float32))

        def fn(x):
            return torch.stft(
                torch.from_numpy(x),
                n_fft=n_fft,
                hop_length=hop,
                window=win,
                center=True,
                pad_mode="constant",
                return_complex=True,
            ).numpy()
    elif impl == "numpy-naive-floor":
        fn = naive_floor(plan, 0.0, n_frames, onesided=True)
    else:
        fn, check = memory_bound(ref.shape, np.complex64), lambda out: None
    check(fn(x))
    ref = None  # free the reference before timing (the checks hold a reference to it)
    benchmark(fn, x)


@pytest.mark.benchmark(group=f"1 chirp STFT: {DAY} float32 -> complex64, {FRAMES}")
@pytest.mark.parametrize("impl", CHIRP_PEERS)
def test_1_batch_chirp_stft(benchmark, day_batch, impl):
    _chirp_case(benchmark, day_batch, impl, N_FFT, HOP, FS, RATE)


@pytest.mark.benchmark(group=f"2 plain STFT (onesided): {DAY} float32, {FRAMES}")
@pytest.mark.parametrize("impl", PLAIN_PEERS)
def test_2_batch_plain_stft(benchmark, day_batch, impl):
    _plain_case(benchmark, day_batch, impl, N_FFT, HOP, FS)


@pytest.mark.benchmark(group=f"3a long signal, plain: {LONG} float32, {LONG_FRAMES}")
@pytest.mark.parametrize("impl", PLAIN_PEERS)
def test_3a_long_plain_stft(benchmark, long_signal, impl):
    _plain_case(benchmark, long_signal, impl, LONG_FFT, LONG_HOP, LONG_FS)


@pytest.mark.benchmark(group=f"3b long signal, chirp: {LONG} float32, {LONG_FRAMES}")
@pytest.mark.parametrize("impl", [p for p in CHIRP_PEERS if p != "chirpstft-numpy"])
def test_3b_long_chirp_stft(benchmark, long_signal, impl):
    _chirp_case(benchmark, long_signal, impl, LONG_FFT, LONG_HOP, LONG_FS, LONG_RATE)


@pytest.mark.benchmark(group=f"4 inverse: {DAY}, {FRAMES} -> float32")
@pytest.mark.parametrize(
    "impl",
    ["chirpstft-numba", "chirpstft-numba-chirp", "chirpstft-numba-ola", "librosa", "scipy-ShortTimeFFT"],
)
def test_4_inverse(benchmark, day_batch, impl):
    n = day_batch.shape[-1]
    rate = RATE if impl.endswith("chirp") else 0.0
    plan = chirpstft.ChirpSTFT(fs=FS, n_fft=N_FFT, hop_length=HOP, chirp_rate=rate, backend="numba")
    S = chirpstft.ChirpSTFT(fs=FS, n_fft=N_FFT, hop_length=HOP, chirp_rate=rate, backend="numpy").stft(
        day_batch
    )
    if impl.startswith("chirpstft"):
        method = "ola" if impl.endswith("ola") else "ls"

        def fn(S):
            return plan.istft(S, length=n, method=method, real=True)
    elif impl == "librosa":
        librosa = pytest.importorskip("librosa")

        def fn(S):
            return librosa.istft(S, n_fft=N_FFT, hop_length=HOP, window=plan.window, length=n)
    else:
        _, _, sft = shorttimefft(plan, 0.0, S.shape[-1], onesided=True)
        S = sft.stft(day_batch)  # its own slice layout

        def fn(S):
            return sft.istft(S, k1=n)

    assert_close(fn(S), day_batch, 1e-5)
    benchmark(fn, S)


@pytest.mark.benchmark(group=f"5 magnitude spectrogram: {DAY}, {FRAMES} -> float32")
@pytest.mark.parametrize(
    "impl",
    [
        "chirpstft-numba",
        "chirpstft-numba-chirp",
        "abs(chirpstft.stft)",
        "abs(librosa.stft)",
        "abs(ShortTimeFFT.stft)",
    ],
)
def test_5_magnitude(benchmark, day_batch, impl):
    rate = RATE if impl.endswith("chirp") else 0.0
    plan = chirpstft.ChirpSTFT(fs=FS, n_fft=N_FFT, hop_length=HOP, chirp_rate=rate, backend="numba")
    ref = np.abs(
        chirpstft.ChirpSTFT(fs=FS, n_fft=N_FFT, hop_length=HOP, chirp_rate=rate, backend="numpy").stft(
            day_batch
        )
    )
    if impl.startswith("chirpstft-numba"):
        fn = plan.spectrogram
    elif impl == "abs(chirpstft.stft)":

        def fn(x):
            return np.abs(plan.stft(x))
    elif impl == "abs(librosa.stft)":
        librosa = pytest.importorskip("librosa")

        def fn(x):
            return np.abs(librosa.stft(x, n_fft=N_FFT, hop_length=HOP, window=plan.window))
    else:
        run, _, _ = shorttimefft(plan, 0.0, ref.shape[-1], onesided=True)

        def fn(x):
            return np.abs(run(x))

    assert_close(fn(day_batch), ref)
    benchmark(fn, day_batch)


@pytest.mark.benchmark(group=f"1b per-frame chirp rates: {DAY} float32 -> complex64, {FRAMES}")
@pytest.mark.parametrize("impl", ["chirpstft-numba", "chirpstft-numpy", "numpy-naive-floor"])
def test_1b_per_frame_chirp_stft(benchmark, day_batch, impl):
    plan = chirpstft.ChirpSTFT(fs=FS, n_fft=N_FFT, hop_length=HOP, backend="numba")
    m = plan.n_frames(day_batch.shape[-1])
    rates = np.random.default_rng(2).uniform(-RATE, RATE, (day_batch.shape[0], m))
    fast = chirpstft.ChirpSTFT(fs=FS, n_fft=N_FFT, hop_length=HOP, chirp_rate=rates, backend="numba")
    slow = chirpstft.ChirpSTFT(fs=FS, n_fft=N_FFT, hop_length=HOP, chirp_rate=rates, backend="numpy")
    ref = slow.stft(day_batch)
    if impl == "chirpstft-numba":
        fn = fast.stft
    elif impl == "chirpstft-numpy":
        fn = slow.stft
    else:
        t = (np.arange(N_FFT) - N_FFT // 2) / FS

        def fn(x):  # the per-frame windows are part of the work, as in chirpstft
            h = (plan.window * np.exp(-1j * np.pi * rates[..., None] * t**2)).astype(np.complex64)
            xp = np.pad(x, [(0, 0), (N_FFT // 2, N_FFT // 2)])
            frames = np.lib.stride_tricks.sliding_window_view(xp, N_FFT, axis=-1)[:, ::HOP][:, :m]
            return np.swapaxes(scipy.fft.fft(frames * h, axis=-1, workers=WORKERS), -1, -2)

    assert_close(fn(day_batch), ref)
    ref = None
    benchmark(fn, day_batch)
