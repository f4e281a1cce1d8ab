"""Geometry and global-memory traffic of the fused GPU kernels (plain Python, no Numba).

The fused kernels of :mod:`chirpstft.backends.cuda.fused` run one thread block per *tile*
of consecutive frames of one signal: the tile's frames are gathered from the signal, windowed,
chirped and transformed in shared memory, and only the result is written to global memory.
This module says which sizes take that path, how many frames a tile holds, how much shared
memory a block uses, and how many bytes each kernel moves in global memory — so that
``bench/gpu_bench.py --traffic`` can print the traffic without a GPU.

Traffic model (per kernel, bytes to/from device memory):

``stft_tiles`` (stft, spectrogram, the power rows of a render that does not fit one block)
    reads, per tile, the distinct signal samples its frames cover — at most
    ``min(n, (tf - 1) * hop + n_fft)`` samples (overlapping frames of one tile are read
    through L1/L2, not DRAM, again) — and writes each output element once:
    ``B * Q * M`` complex values (stft) or real values (spectrogram / power rows). The
    small tables (window, twiddles, bin sources, scale, rates) are read once from DRAM and
    stay in L2: counted once.
``render_fused`` (render, when an image's power rows fit the block's shared memory)
    reads the signal (the same per-tile spans), keeps the power rows in shared memory, and
    writes only the image ``B * H * W * C`` (uint8 or float32), plus the tables once.
``istft_tiles`` (inverse) takes a tile of ``L`` consecutive output samples of one signal
    (:func:`istft_tile_samples`: the samples of whole hops that fit the block's accumulator),
    reads the frames that overlap it (``Q`` complex values each, in rounds of as many frames
    as the FFT tile holds), runs their inverse FFTs in shared memory, overlap-adds them into
    a shared accumulator and writes each output sample once (times the inverse envelope).
    Frames that overlap two tiles are read (and transformed) by both: per signal the frames
    read are the sum over tiles of the frames overlapping each (:func:`istft_frames_read`),
    about ``n_frames + tiles * (ceil(n_fft / hop) - 1)``. Tables (synthesis weights, twiddles,
    bin sources, rates, the envelope) are counted once.

The cuFFT path (other sizes) is accounted too, for comparison: gather writes the frame
buffer, cuFFT reads and writes it (one pass each, the best case), the bin-select/transpose
reads it and writes the output.
"""

from __future__ import annotations

__all__ = [
    "SHARED_FFT_BYTES",
    "fft_elems",
    "frames_per_tile",
    "fused_render_size",
    "fused_size",
    "image_elems",
    "istft_frame_range",
    "istft_frames_read",
    "istft_tile_samples",
    "occupancy",
    "traffic_istft",
    "traffic_render",
    "traffic_stft",
]

#: Shared memory of a block's FFT tile: real and imaginary parts of ``tf * n_fft`` values.
SHARED_FFT_BYTES = 16384
#: Shared memory of a fused render's image (the power rows of one signal), in bytes.
SHARED_IMAGE_BYTES = 32768
#: Shared memory of a fused render's FFT tile (smaller: image + tile + reduction buffer stay
#: under the 48 KiB of static shared memory a block may have).
RENDER_FFT_BYTES = 8192
#: Threads per block of the fused kernels on a GPU.
FUSED_THREADS = 256
#: Most frames in one tile (the tests lower it so that signals span several tiles).
MAX_TILE_FRAMES = 64
#: Output samples the fused inverse accumulates per block (float64 real and imaginary parts:
#: 16 KiB of shared memory next to the FFT tile). A compile-time size.
ISTFT_ACC_ELEMS = 1024
#: Most output samples of one inverse tile (at most :data:`ISTFT_ACC_ELEMS`; the tests lower
#: it so that outputs span several tiles).
ISTFT_TILE_SAMPLES = 1024


def fft_elems(itemsize: int, render: bool = False) -> int:
    """Complex values the FFT tile holds: 2048 in float32, 1024 in float64 (render: half)."""
    return (RENDER_FFT_BYTES if render else SHARED_FFT_BYTES) // (2 * itemsize)


def image_elems(itemsize: int) -> int:
    """Power values (rows x frames) a fused render holds per image."""
    return SHARED_IMAGE_BYTES // itemsize


def fused_size(n_fft: int, itemsize: int) -> bool:
    """Whether ``n_fft`` takes the fused path: a power of two that fits the FFT tile."""
    return n_fft >= 1 and n_fft & (n_fft - 1) == 0 and n_fft <= fft_elems(itemsize)


def fused_render_size(n_fft: int, itemsize: int, n_rows: int, n_frames: int) -> bool:
    """Whether a render is fused into one block per image: the FFT fits the render's tile
    and the image's power rows fit :data:`SHARED_IMAGE_BYTES`."""
    return (
        fused_size(n_fft, itemsize)
        and n_fft <= fft_elems(itemsize, True)
        and n_rows * n_frames <= image_elems(itemsize)
    )


def frames_per_tile(
    n_fft: int, itemsize: int, n_frames: int, cap: int = MAX_TILE_FRAMES, render: bool = False
) -> int:
    """Frames of one tile: a power of two, as many as fit, but no more than the signal has."""
    limit = max(1, min(fft_elems(itemsize, render) // n_fft, cap, 1 << max(0, (n_frames - 1).bit_length())))
    return 1 << (limit.bit_length() - 1)


def istft_tile_samples(hop: int) -> int:
    """Output samples of one inverse tile: whole hops (so that each tile reads
    ``L / hop + ceil(n_fft / hop) - 1`` frames when aligned), at most the accumulator's size."""
    cap = min(ISTFT_TILE_SAMPLES, ISTFT_ACC_ELEMS)
    return (cap // hop) * hop if hop <= cap else cap


def istft_frame_range(p0: int, count: int, n_frames: int, n_fft: int, hop: int) -> tuple[int, int]:
    """``(first, last)`` frame overlapping padded samples ``[p0, p0 + count)`` (``last < first``: none).
    The kernel computes the same."""
    num = p0 - n_fft + 1
    first = 0 if num <= 0 else (num + hop - 1) // hop
    last = min(n_frames - 1, (p0 + count - 1) // hop)
    return first, last


def istft_frames_read(length: int, n_frames: int, n_fft: int, hop: int, start: int) -> int:
    """Frames one signal's inverse tiles read (a frame overlapping two tiles counts twice)."""
    tile = istft_tile_samples(hop)
    total = 0
    for j0 in range(0, length, tile):
        first, last = istft_frame_range(start + j0, min(tile, length - j0), n_frames, n_fft, hop)
        total += max(0, last - first + 1)
    return total


def occupancy(n_fft: int, itemsize: int, *, image: bool = False, inverse: bool = False) -> dict:
    """Shared memory per block and the resulting occupancy bound on an sm_80/sm_90 SM.

    An H100/H200 SM has 228 KiB of shared memory (227 usable per block, 1 KiB reserved per
    block), 2048 threads and 32 blocks. Registers are not counted (PTX gives no register
    count; a fused kernel above 32 registers per thread lowers the bound).
    """
    tf = frames_per_tile(n_fft, itemsize, 1 << 20, render=image)
    shared = RENDER_FFT_BYTES + SHARED_IMAGE_BYTES + 8 * FUSED_THREADS if image else SHARED_FFT_BYTES
    if inverse:
        shared = SHARED_FFT_BYTES + 16 * ISTFT_ACC_ELEMS
    by_threads = 2048 // FUSED_THREADS
    by_shared = (228 * 1024) // (shared + 1024)
    blocks = min(by_threads, by_shared, 32)
    return dict(
        n_fft=n_fft,
        frames_per_tile=tf,
        shared_bytes=shared,
        threads=FUSED_THREADS,
        blocks_per_sm=blocks,
        occupancy=blocks * FUSED_THREADS / 2048,
    )


def _signal_reads(n: int, n_frames: int, n_fft: int, hop: int, tf: int) -> int:
    """Samples read from DRAM per signal: per tile, the distinct samples its frames cover."""
    total = 0
    for m0 in range(0, n_frames, tf):
        frames = min(tf, n_frames - m0)
        total += min(n, (frames - 1) * hop + n_fft)
    return total


def traffic_stft(
    batch: int,
    n: int,
    n_frames: int,
    n_fft: int,
    hop: int,
    n_out: int,
    *,
    itemsize: int = 4,
    x_complex: bool = False,
    out_complex: bool = True,
    fused: bool | None = None,
) -> tuple[int, int]:
    """``(bytes moved, bytes of input + output)`` of one stft / spectrogram call.

    ``n_out``: output bins (or image rows); ``out_complex``: complex output (stft) or real
    (spectrogram, power rows). ``fused`` defaults to whether the size takes the fused path.
    """
    xb = itemsize * (2 if x_complex else 1)
    ob = itemsize * (2 if out_complex else 1)
    io = batch * n * xb + batch * n_out * n_frames * ob
    tables = n_fft * (3 * 8 + itemsize) + n_out * 16 + n_frames * 8
    if fused is None:
        fused = fused_size(n_fft, itemsize)
    if fused:
        tf = frames_per_tile(n_fft, itemsize, n_frames)
        moved = (
            batch * _signal_reads(n, n_frames, n_fft, hop, tf) * xb + batch * n_out * n_frames * ob + tables
        )
        return moved, io
    buf = (
        batch * n_frames * n_fft * 2 * itemsize
    )  # the complex frame buffer (the worst case: a complex analysis)
    reads_x = batch * _signal_reads(n, n_frames, n_fft, hop, 1) * xb
    moved = reads_x + buf + 2 * buf + buf + batch * n_out * n_frames * ob + tables
    return moved, io


# traffic_stft / traffic_render / traffic_istft share their leading geometry parameters on
# purpose (bench/gpu_bench.py passes them positionally): a kept pair.
def traffic_render(
    batch: int,
    n: int,
    n_frames: int,
    n_fft: int,
    hop: int,
    n_rows: int,
    image_bytes: int,
    *,
    itemsize: int = 4,
    x_complex: bool = False,
) -> tuple[int, int]:
    """``(bytes moved, bytes of input + output)`` of one render call (``image_bytes`` per image).

    Fused (the power rows fit :data:`SHARED_IMAGE_BYTES`): signal reads + images. Otherwise the
    power rows go through global memory: written once by ``stft_tiles``, then read five and
    written three times by ``render_images`` (maximum, dB, floor, normalise, resize).
    """
    xb = itemsize * (2 if x_complex else 1)
    io = batch * n * xb + batch * image_bytes
    tables = n_fft * (3 * 8 + itemsize) + n_rows * 16 + 4096
    if fused_render_size(n_fft, itemsize, n_rows, n_frames):
        tf = frames_per_tile(n_fft, itemsize, n_frames, render=True)
        reads = batch * _signal_reads(n, n_frames, n_fft, hop, tf) * xb
        return reads + batch * image_bytes + tables, io
    reads = batch * _signal_reads(n, n_frames, n_fft, hop, frames_per_tile(n_fft, itemsize, n_frames)) * xb
    power = batch * n_rows * n_frames * itemsize
    return reads + power + 8 * power + batch * image_bytes + tables, io


def traffic_istft(
    batch: int,
    length: int,
    n_frames: int,
    n_fft: int,
    hop: int,
    n_in: int,
    *,
    itemsize: int = 4,
    out_complex: bool = False,
    fused: bool | None = None,
    start: int = 0,
) -> tuple[int, int]:
    """``(bytes moved, bytes of input + output)`` of one istft call (``n_in`` bins per frame,
    output samples ``[start, start + length)`` of the padded signal).

    ``fused`` defaults to whether the size takes the fused path (``istft_tiles``); ``False``:
    the cuFFT path (transpose, inverse FFT, gather overlap-add).
    """
    ib = 2 * itemsize
    ob = itemsize * (2 if out_complex else 1)
    io = batch * n_in * n_frames * ib + batch * length * ob
    tables = n_fft * 40 + length * 16 + n_frames * 8
    if fused is None:
        fused = fused_size(n_fft, itemsize)
    if fused:
        frames_read = istft_frames_read(length, n_frames, n_fft, hop, start)
        return batch * frames_read * n_in * ib + batch * length * ob + tables, io
    spectra = batch * n_in * n_frames * ib
    frames = batch * n_frames * n_fft * ib
    # transpose (read + write), inverse FFT (read + write), overlap-add reads each frame value once
    # per output sample that covers it through L2 (counted once) and writes the output
    moved = 2 * spectra + spectra + frames + frames + batch * length * ob + tables
    return moved, io
