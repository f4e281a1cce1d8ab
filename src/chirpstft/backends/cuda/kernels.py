"""Numba CUDA kernels of the GPU backend.

The kernels are written for :func:`numba.cuda.jit` and read and write any array that
exposes ``__cuda_array_interface__`` (CuPy arrays on a device). Under
``NUMBA_ENABLE_CUDASIM=1`` Numba's simulator runs the very same code on the CPU with
NumPy arrays, which is how the test suite executes them without a GPU.

Complex arrays are passed as real views of interleaved ``(re, im)`` pairs (``z.view(float)``),
so every kernel only handles real arrays. Every kernel is a grid-stride loop over units of
work, one block per unit at a time, and every output element is written by exactly one thread
(no races, no atomics): :func:`gather_frames` takes whole frames, :func:`overlap_add` chunks
of output samples, :func:`reorder` square tiles that it transposes through shared memory,
:func:`render_images` whole images (per-image reductions).

The device functions here serve the fused kernels of :mod:`.fused` too: the chirped weight
(:func:`rotate`), the output writers (:func:`put_bin`, :func:`put_sample`, :func:`put_pixel`),
the synthesis term of the inverse and the render steps (:func:`normalise_image`,
:func:`resize_pixel`), which reach an image through :func:`image_slot` / :func:`image_row`.

Kernels are compiled on first use for each argument type and cached on disk (``cache=True``).
Importing this module imports :mod:`numba.cuda`; only the GPU backend and its tests do.
"""

from __future__ import annotations

import math

import numba
from numba import cuda
from numba.extending import overload

from ..rules import pad_index as _pad_index_py

#: Threads per block of every launch (a power of two, at most ``SHARED``). The tests lower
#: it (the simulator runs each thread of a block as a Python thread).
THREADS_PER_BLOCK = 256
#: Most blocks of one grid-stride launch.
MAX_BLOCKS = 65535
#: Size of the shared-memory reduction buffers of :func:`render_images`.
SHARED = 256


def blocks(n_units: int) -> int:
    """Blocks of a grid-stride launch over ``n_units`` units of work (at least 1)."""
    return max(1, min(n_units, MAX_BLOCKS))


def frame_threads(n_fft: int) -> int:
    """Threads per block of :func:`gather_frames`: the frame length in whole warps, capped."""
    return min(THREADS_PER_BLOCK, 32 * -(-n_fft // 32))


# --------------------------------------------------------------------------- device helpers
#: :func:`._common.pad_index` (the CPU kernels' rule) compiled as a device function: -1 means a zero.
pad_index = cuda.jit(device=True)(_pad_index_py)


@cuda.jit(device=True)
def rate_of(rates, b, m):
    """Rate of signal ``b``, frame ``m`` from a (1 or B, 1 or M) table."""
    rb = b if rates.shape[0] > 1 else 0
    rm = m if rates.shape[1] > 1 else 0
    return rates[rb, rm]


@cuda.jit(device=True)
def larger(a, b):
    return a if a > b else b  # (builtin max/min are avoided: not every CUDA target types them)


@cuda.jit(device=True)
def smaller(a, b):
    return a if a < b else b


@cuda.jit(device=True)
def clip01(v):
    if v < 0.0:
        return 0.0
    return 1.0 if v > 1.0 else v


@cuda.jit(device=True)
def block_max(sh, value):
    """Maximum of ``value`` over the block (a power-of-two block size)."""
    t = cuda.threadIdx.x
    sh[t] = value
    cuda.syncthreads()
    s = cuda.blockDim.x // 2
    while s > 0:
        if t < s and sh[t + s] > sh[t]:
            sh[t] = sh[t + s]
        cuda.syncthreads()
        s //= 2
    result = sh[0]
    cuda.syncthreads()
    return result


@cuda.jit(device=True)
def sample(x, b, j, x_complex):
    """Sample ``j`` of signal ``b`` as ``(re, im)`` in float64: ``x`` (B, n) real or (B, 2n) interleaved."""
    xr = 0.0
    xi = 0.0
    if x_complex:
        xr = x[b, 2 * j]
        xi = x[b, 2 * j + 1]
    else:
        xr = x[b, j]
    return xr, xi


@cuda.jit(device=True)
def rotate(gr, gi, angle):
    """``(gr + 1j*gi) * exp(1j*angle)``: a weight times its per-frame chirp phase."""
    c = math.cos(angle)
    s = math.sin(angle)
    return gr * c - gi * s, gr * s + gi * c


@cuda.jit(device=True)
def synthesis_term(yr, yi, sr, si, t2, rates, per_frame, b, m, k):
    """Sample ``k`` of inverse frame ``m`` times its synthesis weight (and de-chirp), as ``(re, im)``."""
    gr = sr[k]
    gi = si[k]
    if per_frame:
        gr, gi = rotate(gr, gi, math.pi * rate_of(rates, b, m) * t2[k])
    return yr * gr - yi * gi, yr * gi + yi * gr


@cuda.jit(device=True)
def put_bin(out, b, q, m, re, im, power, scale):
    """Bin ``q`` of frame ``m`` of ``out``: ``re + 1j*im`` interleaved (``power == 0``: ``out``
    (B, Q, 2M)), or ``|re + 1j*im|**power * scale[q]`` (``out`` (B, Q, M) real)."""
    if power == 0:
        out[b, q, 2 * m] = re
        out[b, q, 2 * m + 1] = im
    else:
        mag = math.hypot(re, im)
        if power == 2:
            mag = mag * mag
        out[b, q, m] = mag * scale[q]


@cuda.jit(device=True)
def put_sample(out, b, j, vr, vi, er, ei, out_complex):
    """Output sample ``j``: ``(vr + 1j*vi) * (er[j] + 1j*ei[j])``, interleaved (``out`` (B, 2L)) or
    its real part (``out`` (B, L))."""
    re = vr * er[j] - vi * ei[j]
    if out_complex:
        out[b, 2 * j] = re
        out[b, 2 * j + 1] = vr * ei[j] + vi * er[j]
    else:
        out[b, j] = re


# The render steps below serve both render kernels: render_images keeps the images in a
# (B, R, M) global array, render_fused one image flat in shared memory. They reach a value
# through image_slot / image_row, which index each kind the way its kernel always did. The
# Python bodies run under the simulator; compiled kernels use the overloads (chosen by ndim).
def image_slot(P, b, e, n_cols):
    """``(array, index)`` of value ``e`` (flat, rows x ``n_cols``) of image ``b``: ``P`` (B, R, M),
    or one image flat (``b`` unused)."""
    if P.ndim == 3:
        return P[b, e // n_cols], e % n_cols
    return P, e


def image_row(P, b, r, n_cols):
    """``(array, offset)`` of row ``r`` of image ``b`` (``P`` as :func:`image_slot` takes it)."""
    if P.ndim == 3:
        return P[b, r], 0
    return P, r * n_cols


@overload(image_slot, target="cuda")
def _image_slot(P, b, e, n_cols):
    if P.ndim == 3:
        return lambda P, b, e, n_cols: (P[b, e // n_cols], e % n_cols)
    return lambda P, b, e, n_cols: (P, e)


@overload(image_row, target="cuda")
def _image_row(P, b, r, n_cols):
    if P.ndim == 3:
        return lambda P, b, r, n_cols: (P[b, r], 0)
    return lambda P, b, r, n_cols: (P, r * n_cols)


@cuda.jit(device=True)
def normalise_image(P, b, n_cols, size, amin, ref_value, top_db, db_lo, db_hi, red):
    """Steps 1-4 of a render, in place on the ``size`` power values of image ``b`` (rows x
    ``n_cols``; ``P`` as :func:`image_slot` takes it): dB as ``librosa.power_to_db``
    (``ref_value <= 0``: the image's maximum), floored at ``top - top_db`` (``top_db < 0``: no
    floor), normalised to [0, 1] by the image's finite min and max or by ``[db_lo, db_hi]`` when
    ``db_hi > db_lo``; non-finite values become 0. ``red``: a block-sized float64 reduction
    buffer. Ends synchronised."""
    t = cuda.threadIdx.x
    nt = cuda.blockDim.x
    inf = math.inf
    # 1. reference power: the image's finite maximum, or the given one
    ref = ref_value
    if ref <= 0.0:
        local = -inf
        for e in range(t, size, nt):
            a, i = image_slot(P, b, e, n_cols)
            v = a[i]
            if math.isfinite(v) and v > local:
                local = v
        ref = block_max(red, local)
    ref_db = 10.0 * math.log10(larger(amin, ref)) if math.isfinite(ref) else 0.0
    # 2. decibels (NaN marks a non-finite value), and their maximum
    local = -inf
    for e in range(t, size, nt):
        a, i = image_slot(P, b, e, n_cols)
        v = a[i]
        if math.isfinite(v):
            d = 10.0 * math.log10(larger(amin, v)) - ref_db
            a[i] = d
            if d > local:
                local = d
        else:
            a[i] = math.nan
    top = block_max(red, local)
    # 3. top_db floor, and the normalisation range
    fixed = db_hi > db_lo
    local_lo = inf
    local_hi = -inf
    for e in range(t, size, nt):
        a, i = image_slot(P, b, e, n_cols)
        d = a[i]
        if math.isfinite(d):
            if top_db >= 0.0 and d < top - top_db:
                d = top - top_db
                a[i] = d
            local_lo = smaller(local_lo, d)
            local_hi = larger(local_hi, d)
    lo = db_lo
    hi = db_hi
    if not fixed:
        lo = -block_max(red, -local_lo)
        hi = block_max(red, local_hi)
    span = hi - lo
    # 4. normalise to [0, 1]
    for e in range(t, size, nt):
        a, i = image_slot(P, b, e, n_cols)
        d = a[i]
        if math.isfinite(d) and span > 0.0:
            a[i] = clip01((d - lo) / span)
        else:
            a[i] = 0.0
    cuda.syncthreads()


@cuda.jit(device=True)
def put_pixel(out, b, h, w, value, lut, to_uint8):
    """Pixel ``(h, w)`` of image ``b`` of ``out`` (B, H, W, C) from ``value`` in [0, 1]: coloured by
    ``lut`` (256, 3), or gray (``lut`` (0, 3)) on every channel; uint8 or float."""
    if lut.shape[0] > 0:
        index = round(value * 255.0)
        for ch in range(out.shape[3]):
            level = clip01(lut[index, ch])
            out[b, h, w, ch] = round(level * 255.0) if to_uint8 else level
    else:
        for ch in range(out.shape[3]):
            out[b, h, w, ch] = round(value * 255.0) if to_uint8 else value


@cuda.jit(device=True)
def resize_pixel(P, b, n_cols, out, h, w, resize):
    """Step 5 of a render, pixel ``(h, w)`` of image ``b``: the normalised image (rows x ``n_cols``,
    ascending frequency; ``P`` as :func:`image_slot` takes it) resized, coloured and written to
    ``out``, low frequencies in the bottom row. ``resize``: ``(h_start, h_count, h_w, w_start,
    w_count, w_w, lut, to_uint8)``, the banded resize matrices as (start, count, weights) per
    output row / column, and :func:`put_pixel`'s ``lut`` and ``to_uint8``."""
    h_start, h_count, h_w, w_start, w_count, w_w, lut, to_uint8 = resize
    row = out.shape[1] - 1 - h  # row 0 of the image is the top
    value = 0.0
    for a in range(h_count[row]):
        rw = h_w[row, a]
        if rw != 0.0:
            line, first = image_row(P, b, h_start[row] + a, n_cols)
            partial = 0.0
            for z in range(w_count[w]):  # (w_start[w] hoisted: render_fused f32 +4 registers, sm_90)
                partial += w_w[w, z] * line[first + w_start[w] + z]
            value += rw * partial
    put_pixel(out, b, h, w, clip01(value), lut, to_uint8)


# --------------------------------------------------------------------------- kernels
@cuda.jit(cache=True)
def gather_frames(x, out, hr, hi, t2, rates, per_frame, n_frames, n_fft, hop, pad, pad_mode, x_complex):
    """Frame, window and chirp straight into the FFT input buffer.

    ``x``: (B, n) real or (B, 2n) interleaved complex signals. ``out``: (B, M, n_fft) real
    (a real analysis) or (B, M, 2*n_fft) interleaved complex. The weight of sample ``k`` is
    ``hr[k] + 1j*hi[k]`` (``conj(g)`` for a constant rate), times
    ``exp(-1j*pi*a*t2[k])`` when ``per_frame`` (``a`` from ``rates``, in float64).

    Each block takes whole frames (grid-stride over the B*M frames) and its threads run along
    the frame: consecutive threads read consecutive samples and write consecutive values,
    and the only integer divisions are one per frame (64-bit division is slow on a GPU).
    """
    n = x.shape[1] // 2 if x_complex else x.shape[1]
    out_complex = out.shape[2] == 2 * n_fft
    for row in range(cuda.blockIdx.x, out.shape[0] * n_frames, cuda.gridDim.x):
        m = row % n_frames
        b = row // n_frames
        first = m * hop - pad  # signal index of the frame's sample 0
        a = rate_of(rates, b, m) if per_frame else 0.0
        for k in range(cuda.threadIdx.x, n_fft, cuda.blockDim.x):
            j = pad_index(first + k, n, pad_mode)
            xr = 0.0
            xi = 0.0
            if j >= 0:
                xr, xi = sample(x, b, j, x_complex)
            gr = hr[k]
            gi = hi[k]
            if per_frame:  # the rate is read once per frame (fused._load_tile reads it per sample)
                gr, gi = rotate(gr, gi, -math.pi * a * t2[k])
            if out_complex:
                out[b, m, 2 * k] = xr * gr - xi * gi
                out[b, m, 2 * k + 1] = xr * gi + xi * gr
            else:
                out[b, m, k] = xr * gr


#: Side of the square tiles of :func:`reorder`.
TILE = 32
#: Row length of its shared-memory tiles (one more than TILE: no bank conflicts).
_TILE_ROW = 33


def reorder_tiles(n_batch: int, n_bins: int, n_frames: int) -> int:
    """Number of ``TILE x TILE`` (frames x bins) tiles that :func:`reorder` walks through."""
    return n_batch * -(-n_bins // TILE) * -(-n_frames // TILE)


@cuda.jit(cache=True)
def reorder(F, out, src, power, scale):
    """Spectra per frame -> ``(B, Q, M)`` output, choosing bins and transposing.

    ``F``: (B, M, 2*C) interleaved complex spectra of each frame. Output bin ``q`` is
    ``F[..., src[q]]``, or ``conj(F[..., -src[q]-1])`` when ``src[q] < 0`` (the mirrored
    half of a real FFT). ``power == 0``: ``out`` (B, Q, 2*M) interleaved complex;
    ``power`` 1 or 2: ``out`` (B, Q, M) real ``|z|**power * scale[q]``.

    A transpose through shared memory: each block takes TILE x TILE tiles, reads a tile
    along the bins (consecutive threads, consecutive addresses) and writes it along the
    frames, so both the reads and the writes are coalesced.
    """
    tile_re = cuda.shared.array((TILE, _TILE_ROW), numba.float64)
    tile_im = cuda.shared.array((TILE, _TILE_ROW), numba.float64)
    t = cuda.threadIdx.x
    nt = cuda.blockDim.x
    n_frames = F.shape[1]
    n_bins = src.shape[0]
    q_tiles = (n_bins + TILE - 1) // TILE
    m_tiles = (n_frames + TILE - 1) // TILE
    n_tiles = F.shape[0] * q_tiles * m_tiles
    for tile in range(cuda.blockIdx.x, n_tiles, cuda.gridDim.x):
        mt = tile % m_tiles
        bq = tile // m_tiles
        q0 = (bq % q_tiles) * TILE
        b = bq // q_tiles
        m0 = mt * TILE
        for e in range(t, TILE * TILE, nt):  # read: bins vary fastest
            i, j = divmod(e, TILE)
            m = m0 + i
            q = q0 + j
            if m < n_frames and q < n_bins:
                s = src[q]
                if s >= 0:
                    tile_re[i, j] = F[b, m, 2 * s]
                    tile_im[i, j] = F[b, m, 2 * s + 1]
                else:
                    tile_re[i, j] = F[b, m, -2 * s - 2]
                    tile_im[i, j] = -F[b, m, -2 * s - 1]
        cuda.syncthreads()
        for e in range(t, TILE * TILE, nt):  # write: frames vary fastest
            j, i = divmod(e, TILE)
            m = m0 + i
            q = q0 + j
            if m < n_frames and q < n_bins:
                put_bin(out, b, q, m, tile_re[i, j], tile_im[i, j], power, scale)
        cuda.syncthreads()


@cuda.jit(cache=True)
def overlap_add(y, out, sr, si, t2, rates, per_frame, er, ei, hop, start, y_complex):
    """Inverse: each output sample sums the frames that cover it (a gather: no races).

    ``y``: (B, M, n_fft) real or (B, M, 2*n_fft) interleaved complex inverse FFTs of the
    frames. Output sample ``j`` (padded coordinate ``p = start + j``) is
    ``env[j] * sum_m y[m, p - m*hop] * s_m[p - m*hop]`` with the synthesis weight
    ``s = sr + 1j*si``, times ``exp(+1j*pi*a_m*t2)`` when ``per_frame``, and the reciprocal
    envelope ``env = er + 1j*ei``. ``out``: (B, L) real (the real part) or (B, 2L)
    interleaved complex. Accumulates in float64.

    Each block takes chunks of ``blockDim`` consecutive output samples of one signal
    (grid-stride over the chunks), one thread per sample.
    """
    n_frames = y.shape[1]
    n_fft = y.shape[2] // 2 if y_complex else y.shape[2]
    length = er.shape[0]
    out_complex = out.shape[1] == 2 * length
    nt = cuda.blockDim.x
    chunks = (length + nt - 1) // nt
    for tile in range(cuda.blockIdx.x, out.shape[0] * chunks, cuda.gridDim.x):
        b = tile // chunks
        j = (tile - b * chunks) * nt + cuda.threadIdx.x
        if j < length:
            p = start + j
            m = p // hop  # the last frame that starts at or before p
            if m > n_frames - 1:
                m = n_frames - 1
            acc_r = 0.0
            acc_i = 0.0
            k = p - m * hop
            while m >= 0 and k < n_fft:  # frames m, m-1, ... while they still reach p
                if y_complex:
                    yr = y[b, m, 2 * k]
                    yi = y[b, m, 2 * k + 1]
                else:
                    yr = y[b, m, k]
                    yi = 0.0
                tr, ti = synthesis_term(yr, yi, sr, si, t2, rates, per_frame, b, m, k)
                acc_r += tr
                acc_i += ti
                m -= 1
                k += hop
            put_sample(out, b, j, acc_r, acc_i, er, ei, out_complex)


@cuda.jit(cache=True)
def render_images(
    P, out, amin, ref_value, top_db, db_lo, db_hi, h_start, h_count, h_w, w_start, w_count, w_w, lut, to_uint8
):
    """Power -> dB -> [0, 1] -> resize -> colormap / gray -> uint8 or float32, one block per image.

    ``P``: (B, R, M) power of the image's rows (ascending frequency), overwritten with the
    normalised values. ``out``: (B, H, W, C), low frequencies in the bottom row. dB as
    ``librosa.power_to_db`` per image (``ref_value <= 0``: the image's maximum), floored at
    ``top - top_db`` (``top_db < 0``: no floor), normalised by the image's finite min and
    max or by ``[db_lo, db_hi]`` when ``db_hi > db_lo``; non-finite values become 0. The
    resize uses banded matrices given as (start, count, weights) per output row/column.
    ``lut``: (256, 3) colormap, or (0, 3) for gray repeated over C channels.
    """
    sh = cuda.shared.array(SHARED, numba.float64)
    n_cols = P.shape[2]
    t = cuda.threadIdx.x
    nt = cuda.blockDim.x
    height = out.shape[1]
    width = out.shape[2]
    resize = (h_start, h_count, h_w, w_start, w_count, w_w, lut, to_uint8)
    for b in range(cuda.blockIdx.x, P.shape[0], cuda.gridDim.x):
        normalise_image(P, b, n_cols, P.shape[1] * n_cols, amin, ref_value, top_db, db_lo, db_hi, sh)
        for e in range(t, height * width, nt):
            resize_pixel(P, b, n_cols, out, e // width, e % width, resize)
        cuda.syncthreads()
