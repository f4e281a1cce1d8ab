"""Fused Numba CUDA kernels of the GPU backend: frames never leave shared memory.

For power-of-two ``n_fft`` that fit a block's FFT tile (:func:`.tiles.fused_size`:
up to 2048 in float32, 1024 in float64) one thread block takes a *tile* of ``tf``
consecutive frames of one signal (a grid-stride loop over the tiles) and

1. gathers the tile's frames from the signal with virtual padding (every ``pad_mode``, by
   :func:`._common.pad_index`), applies ``conj(window)`` and the chirp phase (a constant
   rate folded into the weight table in float64 and rounded to the working precision; per
   frame rates evaluated in float64) and stores them, bit-reversed, in shared memory;
2. runs an in-place radix-2 decimation-in-time FFT of every frame of the tile in shared
   memory (twiddles from a table in the working precision);
3. writes the ``(B, Q, M)`` output directly: consecutive threads write consecutive frames
   of one bin (coalesced runs of ``tf`` values), complex values, or ``|S|**power * scale``.

The inverse, :func:`inverse_kernel` (``istft_tiles``), takes a tile of consecutive *output
samples* per block: it reads the frames that overlap the tile (in rounds of as many frames
as the FFT tile holds), inverse-transforms them in shared memory, weights them by the
synthesis window / de-chirp and overlap-adds them into a float64 accumulator in shared
memory (a gather: each thread owns its samples, no races, no atomics), then writes each
output sample once, times the inverse envelope. Frames overlapping two tiles are read by both.

Only the signal is read and only the result is written; see :mod:`.tiles` for the
traffic of each kernel. :func:`render_fused` goes one step further: the power rows of one
signal's image stay in shared memory and the block finishes dB / normalisation / resize /
colormap, writing only the image.

The kernels are built per working precision by :func:`kernels` (shared arrays need a
compile-time dtype); they are compiled on first use and not cached on disk (closures).
Importing this module imports :mod:`numba.cuda`; only the GPU backend and its tests do.
"""

from __future__ import annotations

import functools
import math

import numba
from numba import cuda

from . import tiles as plan
from .kernels import (
    normalise_image,
    pad_index,
    put_bin,
    put_sample,
    rate_of,
    resize_pixel,
    rotate,
    sample,
    synthesis_term,
)

__all__ = ["inverse_kernel", "kernels"]


# --------------------------------------------------------------------------- device helpers
@cuda.jit(device=True)
def _bitrev(k, bits):
    r = 0
    for _ in range(bits):
        r = (r << 1) | (k & 1)
        k >>= 1
    return r


@cuda.jit(device=True)
def _log2(n):
    """The exponent of ``n``, a power of two."""
    r = 0
    while (1 << r) < n:
        r += 1
    return r


@cuda.jit(device=True)
def _load_tile(signal, re, im, b, m0, log2tf, log2n):
    """Frames ``m0 .. m0 + tf - 1`` of signal ``b``, weighted, bit-reversed into ``re``/``im``
    (frames past the end are zeros). ``signal``: the kernel's leading arguments, see
    :func:`_tile_spectra`."""
    x, hr, hi, t2, rates, per_frame, n_frames, hop, pad, pad_mode, x_complex = signal
    n_fft = 1 << log2n
    n = x.shape[1] // 2 if x_complex else x.shape[1]
    for e in range(cuda.threadIdx.x, n_fft << log2tf, cuda.blockDim.x):
        i = e >> log2n
        k = e & (n_fft - 1)
        m = m0 + i
        vr = 0.0
        vi = 0.0
        if m < n_frames:
            j = pad_index(m * hop - pad + k, n, pad_mode)
            if j >= 0:
                xr, xi = sample(x, b, j, x_complex)
                gr = hr[k]
                gi = hi[k]
                if per_frame:
                    gr, gi = rotate(gr, gi, -math.pi * rate_of(rates, b, m) * t2[k])
                vr = xr * gr - xi * gi
                vi = xr * gi + xi * gr
        p = (i << log2n) + _bitrev(k, log2n)
        re[p] = vr
        im[p] = vi


@cuda.jit(device=True)
def _fft_tile(re, im, twr, twi, log2n, log2tf):
    """In-place radix-2 DIT FFTs of the tile's ``tf`` bit-reversed frames (ends synchronised)."""
    if log2n == 0:
        return
    half_n = 1 << (log2n - 1)
    for s in range(1, log2n + 1):
        half = 1 << (s - 1)
        for e in range(cuda.threadIdx.x, half_n << log2tf, cuda.blockDim.x):
            f = e >> (log2n - 1)
            j = e & (half_n - 1)
            pos = j & (half - 1)
            a = (f << log2n) + ((j >> (s - 1)) << s) + pos
            c = a + half
            w = pos << (log2n - s)
            wr = twr[w]
            wi = twi[w]
            br = re[c]
            bi = im[c]
            tr = br * wr - bi * wi
            ti = br * wi + bi * wr
            ar = re[a]
            ai = im[a]
            re[a] = ar + tr
            im[a] = ai + ti
            re[c] = ar - tr
            im[c] = ai - ti
        cuda.syncthreads()


@cuda.jit(device=True)
def _tile_spectra(signal, re, im, twr, twi, b, m0, log2tf, log2n):
    """Spectra of frames ``m0 .. m0 + tf - 1`` of signal ``b`` in ``re``/``im`` (frame ``i`` at
    ``i << log2n``), ends synchronised. ``signal``: the leading arguments of :func:`_build`'s
    kernels, ``(x, hr, hi, t2, rates, per_frame, n_frames, hop, pad, pad_mode, x_complex)``."""
    _load_tile(signal, re, im, b, m0, log2tf, log2n)
    cuda.syncthreads()
    _fft_tile(re, im, twr, twi, log2n, log2tf)


# --------------------------------------------------------------------------- kernels
def _build(ftype, elems: int, render_elems: int, image_elems: int):
    red_elems = plan.FUSED_THREADS  # a closure constant: shared-array shapes must be literals

    @cuda.jit
    def stft_tiles(
        x,
        out,
        hr,
        hi,
        t2,
        rates,
        per_frame,
        n_frames,
        hop,
        pad,
        pad_mode,
        x_complex,
        twr,
        twi,
        log2tf,
        src,
        power,
        scale,
    ):
        """Fused stft / spectrogram: ``x`` (B, n) or (B, 2n) interleaved complex -> ``out``.

        ``power == 0``: ``out`` (B, Q, 2M) interleaved complex, bin ``q`` = FFT bin ``src[q]``;
        ``power`` 1 or 2: ``out`` (B, Q, M) real ``|S|**power * scale[q]``. ``hr + 1j*hi``:
        the analysis weights (n_fft, a power of two); ``twr + 1j*twi``: ``exp(-2j*pi*k/n_fft)``
        for ``k < n_fft/2`` (at least one entry).
        """
        re = cuda.shared.array(elems, ftype)
        im = cuda.shared.array(elems, ftype)
        signal = (x, hr, hi, t2, rates, per_frame, n_frames, hop, pad, pad_mode, x_complex)
        log2n = _log2(hr.shape[0])
        tf = 1 << log2tf
        m_tiles = (n_frames + tf - 1) >> log2tf
        n_bins = src.shape[0]
        for tile in range(cuda.blockIdx.x, out.shape[0] * m_tiles, cuda.gridDim.x):
            b = tile // m_tiles
            m0 = (tile - b * m_tiles) << log2tf
            _tile_spectra(signal, re, im, twr, twi, b, m0, log2tf, log2n)
            for e in range(cuda.threadIdx.x, n_bins << log2tf, cuda.blockDim.x):
                q = e >> log2tf
                i = e & (tf - 1)
                m = m0 + i
                if m < n_frames:
                    p = (i << log2n) + src[q]
                    put_bin(out, b, q, m, re[p], im[p], power, scale)
            cuda.syncthreads()

    # The parameters up to log2tf are stft_tiles' (DeviceBackend._fused_args passes them to both;
    # tests/gpu_ptx_check.py compiles this signature): a kept pair, kernels take no tuples.
    @cuda.jit
    def render_fused(
        x,
        out,
        hr,
        hi,
        t2,
        rates,
        per_frame,
        n_frames,
        hop,
        pad,
        pad_mode,
        x_complex,
        twr,
        twi,
        log2tf,
        rows,
        amin,
        ref_value,
        top_db,
        db_lo,
        db_hi,
        h_start,
        h_count,
        h_w,
        w_start,
        w_count,
        w_w,
        lut,
        to_uint8,
    ):
        """Fused render, one block per signal: power of the image rows (``rows``: FFT bins,
        ascending frequency) into shared memory tile by tile, then dB -> [0, 1] -> resize ->
        colormap / gray -> ``out`` (B, H, W, C), as :func:`.kernels.render_images`."""
        re = cuda.shared.array(render_elems, ftype)
        im = cuda.shared.array(render_elems, ftype)
        P = cuda.shared.array(image_elems, ftype)
        red = cuda.shared.array(red_elems, numba.float64)
        t = cuda.threadIdx.x
        nt = cuda.blockDim.x
        signal = (x, hr, hi, t2, rates, per_frame, n_frames, hop, pad, pad_mode, x_complex)
        log2n = _log2(hr.shape[0])
        tf = 1 << log2tf
        n_rows = rows.shape[0]
        height = out.shape[1]
        width = out.shape[2]
        resize = (h_start, h_count, h_w, w_start, w_count, w_w, lut, to_uint8)
        for b in range(cuda.blockIdx.x, out.shape[0], cuda.gridDim.x):
            # 0. power of the image rows, one tile of frames at a time, into P (rows x frames)
            for m0 in range(0, n_frames, tf):
                _tile_spectra(signal, re, im, twr, twi, b, m0, log2tf, log2n)
                for e in range(t, n_rows << log2tf, nt):
                    r = e >> log2tf
                    i = e & (tf - 1)
                    m = m0 + i
                    if m < n_frames:
                        p = (i << log2n) + rows[r]
                        mag = math.hypot(re[p], im[p])
                        P[r * n_frames + m] = mag * mag
                cuda.syncthreads()
            # 1.-5. as kernels.render_images
            normalise_image(P, b, n_frames, n_rows * n_frames, amin, ref_value, top_db, db_lo, db_hi, red)
            for e in range(t, height * width, nt):
                resize_pixel(P, b, n_frames, out, e // width, e % width, resize)
            cuda.syncthreads()

    return stft_tiles, render_fused


@cuda.jit(device=True)
def _load_spectra(S, re, im, src, b, mr0, last, log2g, log2n):
    """Frames ``mr0 .. mr0 + g - 1`` of spectra ``S`` (B, Q, 2M) (only up to ``last``; the rest
    zeros) as full FFT inputs, bit-reversed into ``re``/``im``: FFT bin ``k`` is input row
    ``src[k]`` (``-s-1``: the conjugate of row ``s``). Consecutive threads read consecutive
    frames of one bin (coalesced)."""
    n_fft = 1 << log2n
    g = 1 << log2g
    for e in range(cuda.threadIdx.x, n_fft << log2g, cuda.blockDim.x):
        i = e & (g - 1)
        k = e >> log2g
        m = mr0 + i
        vr = 0.0
        vi = 0.0
        if m <= last:
            q = src[k]
            if q >= 0:
                vr = S[b, q, 2 * m]
                vi = S[b, q, 2 * m + 1]
            else:
                vr = S[b, -q - 1, 2 * m]
                vi = -S[b, -q - 1, 2 * m + 1]
        p = (i << log2n) + _bitrev(k, log2n)
        re[p] = vr
        im[p] = vi


def _build_inverse(ftype, elems: int, acc_elems: int):
    @cuda.jit
    def istft_tiles(
        S, out, sr, si, t2, rates, per_frame, er, ei, hop, start, src, real_frames, twr, twi, log2g, tile_len
    ):
        """Fused inverse: spectra ``S`` (B, Q, 2M) interleaved complex -> ``out`` (B, L) real
        (the real part) or (B, 2L) interleaved complex, ``L = er.shape[0]``.

        Output sample ``j`` (padded coordinate ``p = start + j``) is
        ``env[j] * sum_m y_m[p - m*hop] * s_m[p - m*hop]``, ``y_m`` the inverse FFT of frame
        ``m`` (FFT bin ``k`` from row ``src[k]`` of ``S``; ``real_frames``: its real part, as
        ``irfft``), ``s = sr + 1j*si`` the synthesis weights (times ``exp(+1j*pi*a_m*t2)``
        when ``per_frame``), ``env = er + 1j*ei``. ``twr + 1j*twi``: ``exp(+2j*pi*k/n_fft)``,
        ``k < n_fft/2``. Blocks take tiles of ``tile_len`` output samples (grid-stride); each
        tile's frames go through the FFT in rounds of ``2**log2g``. Accumulates in float64.
        """
        re = cuda.shared.array(elems, ftype)
        im = cuda.shared.array(elems, ftype)
        acc_r = cuda.shared.array(acc_elems, numba.float64)
        acc_i = cuda.shared.array(acc_elems, numba.float64)
        t = cuda.threadIdx.x
        nt = cuda.blockDim.x
        n_fft = sr.shape[0]
        log2n = _log2(n_fft)
        inv_n = 1.0 / n_fft  # a power of two: exact
        g = 1 << log2g
        n_frames = S.shape[2] // 2
        length = er.shape[0]
        out_complex = out.shape[1] == 2 * length
        n_tiles = (length + tile_len - 1) // tile_len
        for tile in range(cuda.blockIdx.x, out.shape[0] * n_tiles, cuda.gridDim.x):
            b = tile // n_tiles
            j0 = (tile - b * n_tiles) * tile_len
            count = length - j0
            if count > tile_len:
                count = tile_len
            p0 = start + j0
            # the frames overlapping padded samples [p0, p0 + count) (as tiles.istft_frame_range)
            num = p0 - n_fft + 1
            first = 0
            if num > 0:
                first = (num + hop - 1) // hop
            last = (p0 + count - 1) // hop
            if last > n_frames - 1:
                last = n_frames - 1
            for s in range(t, count, nt):  # each thread owns samples s, s + nt, ... of the tile
                acc_r[s] = 0.0
                acc_i[s] = 0.0
            for mr0 in range(first, last + 1, g):
                r_last = mr0 + g - 1
                if r_last > last:
                    r_last = last
                _load_spectra(S, re, im, src, b, mr0, r_last, log2g, log2n)
                cuda.syncthreads()
                _fft_tile(re, im, twr, twi, log2n, log2g)
                for s in range(t, count, nt):
                    p = p0 + s
                    m = p // hop  # the last frame that starts at or before p
                    if m > r_last:
                        m = r_last
                    k = p - m * hop
                    ar = 0.0
                    ai = 0.0
                    while m >= mr0 and k < n_fft:  # frames m, m-1, ... of this round that reach p
                        q = ((m - mr0) << log2n) + k
                        yr = re[q] * inv_n
                        yi = 0.0
                        if not real_frames:
                            yi = im[q] * inv_n
                        tr, ti = synthesis_term(yr, yi, sr, si, t2, rates, per_frame, b, m, k)
                        ar += tr
                        ai += ti
                        m -= 1
                        k += hop
                    acc_r[s] += ar
                    acc_i[s] += ai
                cuda.syncthreads()  # the next round overwrites the FFT tile
            for s in range(t, count, nt):  # coalesced: consecutive threads, consecutive samples
                put_sample(out, b, j0 + s, acc_r[s], acc_i[s], er, ei, out_complex)

    return istft_tiles


@functools.cache
def inverse_kernel(itemsize: int):
    """``istft_tiles`` for the working precision (4: float32, 8: float64)."""
    ftype = numba.float32 if itemsize == 4 else numba.float64
    return _build_inverse(ftype, plan.fft_elems(itemsize), plan.ISTFT_ACC_ELEMS)


@functools.cache
def kernels(itemsize: int):
    """``(stft_tiles, render_fused)`` for the working precision (4: float32, 8: float64)."""
    ftype = numba.float32 if itemsize == 4 else numba.float64
    return _build(ftype, plan.fft_elems(itemsize), plan.fft_elems(itemsize, True), plan.image_elems(itemsize))
