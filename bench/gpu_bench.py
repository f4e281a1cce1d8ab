"""GPU benchmark of chirpstft's CuPy backend (for an H100/H200-class card).

Run on a machine with a GPU, CuPy and chirpstft[gpu]::

    python bench/gpu_bench.py            # the day batch of bench/RESULTS.md (4096 x 1440, float32)
    python bench/gpu_bench.py --batch 65536
    python bench/gpu_bench.py --traffic  # no GPU needed: bytes moved per the kernels' own accounting

It first checks every timed path against chirpstft's float64 NumPy reference (and stops if
one disagrees), then times, on the same device data, with :func:`cupyx.profiler.benchmark`
(warm-up runs, then the median of the GPU times between CUDA events):

1. chirp STFT (constant rate), 2. plain STFT beside ``cupyx.scipy.signal.stft`` and
``torch.stft`` (when torch with CUDA is importable), 3. ``istft`` (least squares), 4. signals to
uint8 images (``chirpstft.render``, 32x32 viridis),

and prints the achieved bandwidth, (bytes in + bytes out) / time, next to a device-to-device
copy measured in the same run, with the targets of the GPU issue: plain STFT at least 10x
faster than ``cupyx.scipy.signal.stft``; chirp STFT at least 60 % of the copy bandwidth; the
image path at least 50 %. Without a GPU it exits with a message saying what is missing.

``--traffic`` needs no GPU: for each case it prints the bytes the GPU kernels move in global
memory, per the per-kernel formulas of :mod:`chirpstft.backends.cuda.tiles`, divided by the
bytes of input + output, as ``<case>: traffic N.NN x`` (targets: chirp stft <= 1.3x, images
<= 1.5x, istft <= 1.3x), and the shared-memory footprint and occupancy bound of the fused kernels per n_fft.
A ratio near 1 means a kernel can approach the copy bandwidth; it is not a timing.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import chirpstft
from chirpstft._benchmark import CASES, IMAGE_SIZE

#: The day batch of the shared cases (bench/conftest.py): 1 sample/min, n_fft 128, hop 32.
_DAY = CASES["day"]
N_SAMPLES, N_FFT, HOP, FS, RATE = _DAY.n_samples, _DAY.n_fft, _DAY.hop, _DAY.fs, _DAY.chirp_rate
SIZE = IMAGE_SIZE


def _host(a):
    return a.get() if hasattr(a, "get") and not isinstance(a, np.ndarray) else np.asarray(a)


def _rel_err(got, ref) -> float:
    got, ref = _host(got), np.asarray(ref)
    return float(np.abs(got - ref).max() / max(np.abs(ref).max(), 1e-300))


def check_correctness(xp, *, small: bool = False) -> list[tuple[str, float, float]]:
    """Every benchmarked path on ``xp`` arrays against the float64 NumPy reference.

    Returns ``(name, error, tolerance)`` rows: relative max error for the transforms, the
    fraction of image pixels off by more than one grey level for the images. ``small`` uses
    sizes the CUDA simulator runs quickly (the test suite calls it with NumPy standing in).
    """
    rng = np.random.default_rng(0)
    n, n_fft, hop, fs, rate = (120, 16, 4, 1.0, 2e-3) if small else (N_SAMPLES, N_FFT, HOP, FS, RATE)
    x = rng.standard_normal((3 if small else 64, n)).astype(np.float32)
    xd = xp.asarray(x)
    x64 = x.astype(np.float64)
    kw = dict(fs=fs, n_fft=n_fft, hop_length=hop)
    n_frames = chirpstft.ChirpSTFT(**kw).n_frames(n)
    per_frame = rng.uniform(-rate, rate, n_frames)
    rows = []

    def compare(name, fn, **extra):
        got = getattr(chirpstft, fn)(xd, backend="cupy", **kw, **extra)
        ref = getattr(chirpstft, fn)(x64, backend="numpy", **kw, **extra)
        rows.append((name, _rel_err(got, ref), 2e-5))

    compare("chirp stft", "stft", chirp_rate=rate)
    compare("per-frame chirp stft", "stft", chirp_rate=per_frame)
    compare("plain stft", "stft")
    compare("power spectrogram", "spectrogram", chirp_rate=rate, scaling="power")
    S = chirpstft.stft(x64, backend="numpy", chirp_rate=rate, **kw).astype(np.complex64)
    y = chirpstft.istft(xp.asarray(S), backend="cupy", chirp_rate=rate, length=n, real=True, **kw)
    rows.append(("istft (ls)", _rel_err(y, x64), 2e-5))
    size = (8, 8) if small else SIZE
    img = chirpstft.render(xd, backend="cupy", chirp_rate=rate, size=size, cmap="viridis", **kw)
    ref = chirpstft.render(x64, backend="numpy", chirp_rate=rate, size=size, cmap="viridis", **kw)
    off = np.abs(_host(img).astype(int) - ref.astype(int))
    rows.append(("images (uint8)", float((off > 1).mean()), 0.0))
    return rows


#: ``--traffic`` targets per case (bytes moved / bytes in + out).
TRAFFIC_TARGETS = {"chirp stft": 1.3, "images (uint8)": 1.5, "istft (ls)": 1.3}


def traffic_report(batch: int = 4096) -> list[tuple[str, float, float | None, str]]:
    """``(case, ratio, target, path)`` for the timed cases, from the kernels' traffic formulas."""
    from chirpstft.backends.cuda import tiles as FP

    kw = dict(fs=FS, n_fft=N_FFT, hop_length=HOP)
    n_frames = chirpstft.ChirpSTFT(**kw).n_frames(N_SAMPLES)
    n_half = N_FFT // 2 + 1
    path = "fused" if FP.fused_size(N_FFT, 4) else "cuFFT"
    args = (batch, N_SAMPLES, n_frames, N_FFT, HOP)
    rows = []

    def add(name, moved_io, kind):
        moved, io = moved_io
        rows.append((name, moved / io, TRAFFIC_TARGETS.get(name), kind))

    add("chirp stft", FP.traffic_stft(*args, N_FFT), path)  # a chirp makes the analysis complex: all bins
    add("per-frame chirp stft", FP.traffic_stft(*args, N_FFT), path)
    add("plain stft", FP.traffic_stft(*args, n_half), path)
    add("power spectrogram", FP.traffic_stft(*args, N_FFT, out_complex=False), path)
    image = SIZE[0] * SIZE[1] * 3  # uint8 viridis
    rows_used = N_FFT  # a chirped real signal renders every (centered) bin
    fused_img = FP.fused_render_size(N_FFT, 4, rows_used, n_frames)
    add(
        "images (uint8)",
        FP.traffic_render(*args, rows_used, image),
        "fused" if fused_img else "power rows via global",
    )
    # the inverse of the chirp stft (all bins in, real samples out; center: output starts at n_fft // 2)
    add("istft (ls)", FP.traffic_istft(batch, N_SAMPLES, n_frames, N_FFT, HOP, N_FFT, start=N_FFT // 2), path)
    add(
        "istft (ls), cuFFT path (before)",
        FP.traffic_istft(batch, N_SAMPLES, n_frames, N_FFT, HOP, N_FFT, start=N_FFT // 2, fused=False),
        "cuFFT",
    )
    add("chirp stft, cuFFT path (before)", FP.traffic_stft(*args, N_FFT, fused=False), "cuFFT")
    return rows


def print_traffic(batch: int) -> bool:
    """Print the traffic table and the fused kernels' shared memory; whether every target holds."""
    from chirpstft.backends.cuda import tiles as FP

    print(
        f"global-memory traffic, batch {batch} x {N_SAMPLES} float32, n_fft {N_FFT}, hop {HOP} (no GPU needed;"
    )
    print(
        "bytes moved per the kernels' own reads and writes / bytes of input + output; GPU timings unmeasured)"
    )
    ok = True
    for name, ratio, target, path in traffic_report(batch):
        verdict = (
            "" if target is None else f" (target <= {target:.1f} x: {'ok' if ratio <= target else 'MISSED'})"
        )
        ok &= target is None or ratio <= target
        print(f"{name}: traffic {ratio:.2f} x [{path}]{verdict}")
    print("\nfused kernels: shared memory per block and occupancy bound on sm_80/sm_90 (threads and shared")
    print("memory only; register use is not known without a GPU build and may lower it)")
    print("| kernel | dtype | n_fft | frames/tile | shared bytes | threads | blocks/SM | occupancy |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for kernel in ("stft_tiles", "render_fused", "istft_tiles"):
        image = kernel == "render_fused"
        for itemsize, dt in ((4, "float32"), (8, "float64")):
            n_fft = 16
            while n_fft <= FP.fft_elems(itemsize, image):
                o = FP.occupancy(n_fft, itemsize, image=image, inverse=kernel == "istft_tiles")
                print(
                    f"| {kernel} | {dt} | {n_fft} | {o['frames_per_tile']} | "
                    f"{o['shared_bytes']} | {o['threads']} | {o['blocks_per_sm']} | {100 * o['occupancy']:.0f} % |"
                )
                n_fft *= 2
    return ok


def _median_ms(benchmark, fn, repeat: int) -> float:
    result = benchmark(fn, n_repeat=repeat, n_warmup=3)
    return float(np.median(result.gpu_times[0])) * 1e3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=4096, help="signals of 1440 samples (default 4096)")
    parser.add_argument("--repeat", type=int, default=50, help="timed runs per case (default 50)")
    parser.add_argument(
        "--traffic", action="store_true", help="print the global-memory traffic (no GPU needed)"
    )
    args = parser.parse_args(argv)
    if args.traffic:
        return 0 if print_traffic(args.batch) else 1
    try:
        import cupy
        from cupyx.profiler import benchmark
    except ImportError as exc:
        print(f"gpu_bench: CuPy is not installed ({exc}); pip install 'chirpstft[gpu]' on a GPU machine")
        return 2
    try:
        chirpstft.backends.get_backend("cupy")
    except chirpstft.BackendUnavailableError as exc:
        print(f"gpu_bench: no GPU to benchmark: {exc}")
        return 2
    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    print(f"device: {props['name'].decode()}, CuPy {cupy.__version__}, chirpstft {chirpstft.__version__}")

    failed = False
    for name, err, tol in check_correctness(cupy):
        ok = err <= tol
        failed |= not ok
        print(f"check {name:22s} error {err:.2e} (tolerance {tol:.0e}) {'ok' if ok else 'FAILED'}")
    if failed:
        print("gpu_bench: a GPU result disagrees with the reference; not timing it")
        return 1

    x = cupy.asarray(np.random.default_rng(1).standard_normal((args.batch, N_SAMPLES)).astype(np.float32))
    kw = dict(fs=FS, n_fft=N_FFT, hop_length=HOP)
    chirp_plan = chirpstft.ChirpSTFT(chirp_rate=RATE, **kw)
    plain_plan = chirpstft.ChirpSTFT(**kw)
    S_chirp = chirp_plan.stft(x)
    S_plain = plain_plan.stft(x)
    images = chirpstft.render(x, chirp_rate=RATE, size=SIZE, cmap="viridis", **kw)

    copy_src = cupy.empty(256 * 2**20, dtype=cupy.uint8)
    copy_dst = cupy.empty_like(copy_src)
    copy_ms = _median_ms(benchmark, lambda: copy_dst.__setitem__(Ellipsis, copy_src), args.repeat)
    copy_bw = 2 * copy_src.nbytes / copy_ms / 1e6  # GB/s, read + write

    cases = [
        ("chirp stft", lambda: chirp_plan.stft(x), x.nbytes + S_chirp.nbytes, "60 % of copy"),
        ("plain stft", lambda: plain_plan.stft(x), x.nbytes + S_plain.nbytes, ">= 10x cupyx"),
        (
            "istft (ls)",
            lambda: chirp_plan.istft(S_chirp, length=N_SAMPLES, real=True),
            S_chirp.nbytes + x.nbytes,
            "",
        ),
        (
            "signals -> uint8 images",
            lambda: chirpstft.render(x, chirp_rate=RATE, size=SIZE, cmap="viridis", **kw),
            x.nbytes + images.nbytes,
            "50 % of copy",
        ),
    ]
    try:
        import cupyx.scipy.signal as cusignal

        cases.append(
            (
                "cupyx.scipy.signal.stft",
                lambda: cusignal.stft(x, fs=FS, nperseg=N_FFT, noverlap=N_FFT - HOP),
                x.nbytes + S_plain.nbytes,
                "",
            )
        )
    except ImportError:
        print("cupyx.scipy.signal is unavailable: no cupyx peer")
    try:
        import torch

        if torch.cuda.is_available():
            xt = torch.from_dlpack(x)
            window = torch.hann_window(N_FFT, device=xt.device)
            cases.append(
                (
                    "torch.stft",
                    lambda: torch.stft(
                        xt, N_FFT, HOP, window=window, center=True, pad_mode="constant", return_complex=True
                    ),
                    x.nbytes + S_plain.nbytes,
                    "",
                )
            )
    except ImportError:
        print("torch is not installed: no torch.stft peer")

    print(f"\nbatch {args.batch} x {N_SAMPLES} float32, n_fft {N_FFT}, hop {HOP}; median of {args.repeat}")
    print(f"device-to-device copy: {copy_bw:.0f} GB/s (read + write)\n")
    print("| case | median ms | GB/s (in + out) | % of copy | target |")
    print("|---|---:|---:|---:|---|")
    times = {}
    for name, fn, nbytes, target in cases:
        ms = _median_ms(benchmark, fn, args.repeat)
        times[name] = ms
        bw = nbytes / ms / 1e6
        print(f"| {name} | {ms:.3f} | {bw:.0f} | {100 * bw / copy_bw:.0f} % | {target} |")
    if "cupyx.scipy.signal.stft" in times:
        ratio = times["cupyx.scipy.signal.stft"] / times["plain stft"]
        print(f"\nplain stft vs cupyx.scipy.signal.stft: {ratio:.1f}x faster (target >= 10x)")
    if "torch.stft" in times:
        print(f"plain stft vs torch.stft: {times['torch.stft'] / times['plain stft']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
