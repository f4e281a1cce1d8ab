"""The fused render kernel: signals -> power rows -> decibels -> resampled, coloured images (NHWC)."""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import njit, prange, types
from numba.extending import overload

from ..._spec import FrameSpec
from ..._validation import real_dtype_of
from .decibels import db_normalize
from .frames import forward_block, prepare, store_pair
from .lanefft import twiddles
from .launch import launch, readonly


# --------------------------------------------------------------------------- rendering
def _put(out, b, i, j, c, v):
    """out[b, i, j, c] = v in [0, 1]: as is for float output, rint(v * 255) for uint8.

    The Python body runs with ``NUMBA_DISABLE_JIT=1``; compiled code uses the overload below.
    """
    if out.dtype.kind in "iu":
        out[b, i, j, c] = np.uint8(math.floor(v * 255.0 + 0.5))
    else:
        out[b, i, j, c] = v


@overload(_put, jit_options={"cache": True})
def _put_impl(out, b, i, j, c, v):
    if isinstance(out.dtype, types.Integer):

        def impl(out, b, i, j, c, v):
            out[b, i, j, c] = np.uint8(math.floor(v * 255.0 + 0.5))

    else:

        def impl(out, b, i, j, c, v):
            out[b, i, j, c] = v

    return impl


@njit(cache=True, nogil=True)
def _resample(src, n_out, starts, counts, weights, axis, dst):
    """Sparse separable resampling of a 2-D image along ``axis`` into ``dst``."""
    if axis == 0:  # the sum of each column in the same order, vectorised across columns
        for i in range(n_out):
            for col in range(src.shape[1]):
                dst[i, col] = 0.0
            for t in range(counts[i]):
                w = weights[i, t]
                r = starts[i] + t
                for col in range(src.shape[1]):
                    dst[i, col] += w * src[r, col]
    else:
        for row in range(src.shape[0]):
            for i in range(n_out):
                acc = 0.0
                for t in range(counts[i]):
                    acc += weights[i, t] * src[row, starts[i] + t]
                dst[row, i] = acc


@njit(parallel=True, cache=True)
def _render_kernel(
    x,
    out,
    f,
    hr,
    hi,
    rates,
    twr,
    twi,
    n_frames,
    fft_rows,
    amin,
    ref_value,
    top_db,
    db_lo,
    db_hi,
    rows,
    cols,
    lut,
    n_threads,
):
    """Signals straight to images: power of the image's rows only, then dB, normalise,
    resize, colour, per signal, in one task. ``ref_value <= 0``: per-image maximum;
    ``top_db < 0``: no floor; ``db_hi <= db_lo``: per-image min-max."""
    n_batch = x.shape[0]
    n_fft = hr.shape[0]
    n_rows = fft_rows.shape[0]
    h_start, h_count, h_w = rows
    w_start, w_count, w_w = cols
    height = h_count.shape[0]
    width = w_count.shape[0]
    channels = out.shape[3]
    lanes, pair = f.lanes, f.pair
    per_task = 2 * lanes if pair else lanes
    n_chunks = min(n_batch, 8 * n_threads)
    for chunk in prange(n_chunks):
        ar, ai, br, bi, zr, zi = _render_scratch(n_fft, lanes, hr.dtype, f.per_frame)
        P = np.empty((n_rows, n_frames))
        P3 = P.reshape(1, n_rows, n_frames)  # the same buffer, as store_pair's output
        unit = np.ones(n_rows)
        tmp = np.empty((height, n_frames))
        img = np.empty((height, width))
        colours = np.empty((1, lut.shape[0], 1, channels), dtype=out.dtype)  # the LUT as stored
        for k in range(lut.shape[0]):
            for c in range(channels):
                _put(colours, 0, k, 0, c, lut[k, c])
        for b in range(chunk * n_batch // n_chunks, (chunk + 1) * n_batch // n_chunks):
            m = 0
            while m < n_frames:
                yr, yi, cnt_a, cnt_b, paired = forward_block(
                    x,
                    b,
                    m,
                    min(n_frames, m + per_task),
                    f,
                    pair,
                    hr,
                    hi,
                    rates,
                    twr,
                    twi,
                    ar,
                    ai,
                    br,
                    bi,
                    zr,
                    zi,
                )
                if paired:
                    store_pair(P3, 0, m, yr, yi, cnt_a, cnt_b, fft_rows, 2, unit)
                else:
                    for r in range(n_rows):
                        row = fft_rows[r]
                        for lane in range(cnt_a):
                            vr = yr[row, lane]
                            vi = yi[row, lane]
                            P[r, m + lane] = vr * vr + vi * vi
                m += cnt_a + cnt_b
            db_normalize(P, amin, ref_value, top_db, db_lo, db_hi)
            _resample(P, height, h_start, h_count, h_w, 0, tmp)
            _resample(tmp, width, w_start, w_count, w_w, 1, img)
            for i in range(height):
                src_row = height - 1 - i  # low frequencies at the bottom
                for j in range(width):
                    v = min(max(img[src_row, j], 0.0), 1.0)
                    if lut.shape[0] == 0:
                        for c in range(channels):
                            _put(out, b, i, j, c, v)
                    else:
                        k = math.floor(v * 255.0 + 0.5)
                        for c in range(channels):
                            out[b, i, j, c] = colours[0, k, 0, c]


@njit(cache=True, nogil=True)
def _render_scratch(n_fft, lanes, dtype, per_frame):
    """Scratch for the render kernel (its cost there is dwarfed by the logarithms)."""
    ar = np.empty((n_fft, lanes), dtype=dtype)
    ai = np.empty((n_fft, lanes), dtype=dtype)
    br = np.empty((n_fft, lanes), dtype=dtype)
    bi = np.empty((n_fft, lanes), dtype=dtype)
    zr = np.empty((n_fft, lanes if per_frame else 1), dtype=np.float64)
    zi = np.empty((n_fft, lanes if per_frame else 1), dtype=np.float64)
    return ar, ai, br, bi, zr, zi


def render(
    x, spec: FrameSpec, rates, fft_mode, n_frames, fft_rows, tables, *, lut, channels, out_dtype, out=None
):
    """Fused signals -> images (NHWC), into ``out`` when given; see chirpstft.render for the meaning
    of each step. ``tables``: the :class:`..rules.RenderTables` of the levels and the resize."""
    real = real_dtype_of(x.dtype)
    batch, x2, hr, hi, r2, f = prepare(x, spec, rates, real, fft_mode, n_frames)
    shape = (x2.shape[0], tables.height, tables.width, channels)
    images = np.empty(shape, dtype=out_dtype) if out is None else out.reshape(shape)
    twr, twi = twiddles(spec.n_fft, real.name)
    launch(
        _render_kernel,
        x2,
        images,
        f,
        hr,
        hi,
        r2,
        twr,
        twi,
        n_frames,
        readonly(fft_rows, np.int64),
        *tables,
        readonly(lut, np.float64),
        numba.get_num_threads(),
    )
    return images.reshape(*batch, *shape[1:]) if out is None else out
