"""The forward kernel: signals -> STFT or spectrogram rows, one pass per block of frames."""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from ..._spec import FrameSpec, n_freqs_for
from ..._validation import complex_dtype, real_dtype_of
from .frames import forward_block, prepare, row_of, store_block, store_pair
from .lanefft import twiddles
from .launch import launch, readonly


# --------------------------------------------------------------------------- forward
@njit(parallel=True, cache=True)
def _stft_kernel(x, out, f, hr, hi, rates, twr, twi, power, scale, n_threads):
    """``out[b, q, m]``: complex S (``power == 0``) or ``|S|**power * scale[q]``."""
    n_batch = x.shape[0]
    n_freqs = out.shape[1]
    n_frames = out.shape[2]
    n_fft = hr.shape[0]
    lanes, pair, mode_code = f.lanes, f.pair, f.fft_mode
    per_task = 2 * lanes if pair else lanes
    blocks = (n_frames + per_task - 1) // per_task
    n_tasks = n_batch * blocks
    n_chunks = min(n_tasks, 8 * n_threads)
    for chunk in prange(n_chunks):
        rows = np.empty(n_freqs, dtype=np.int64)  # the FFT row of each output bin
        for q in range(n_freqs):
            rows[q] = row_of(q, n_fft, mode_code)
        # scratch allocated inline, not by a helper: measured twice, taking these arrays from
        # a helper function made the packed real path 7 % slower (LLVM loses what it knows
        # about fresh allocations)
        ar = np.empty((n_fft, lanes), dtype=hr.dtype)
        ai = np.empty((n_fft, lanes), dtype=hr.dtype)
        br = np.empty((n_fft, lanes), dtype=hr.dtype)
        bi = np.empty((n_fft, lanes), dtype=hr.dtype)
        zr = np.empty((n_fft, lanes if f.per_frame else 1), dtype=np.float64)
        zi = np.empty((n_fft, lanes if f.per_frame else 1), dtype=np.float64)
        t_lo = chunk * n_tasks // n_chunks
        t_hi = (chunk + 1) * n_tasks // n_chunks
        for task in range(t_lo, t_hi):
            b = task // blocks
            m0 = (task % blocks) * per_task
            yr, yi, cnt_a, cnt_b, paired = forward_block(
                x, b, m0, n_frames, f, pair, hr, hi, rates, twr, twi, ar, ai, br, bi, zr, zi
            )
            if not paired:
                # a pair task whose second half was not packed transforms it now
                m_rest = m0 + cnt_a
                cnt_rest = min(lanes, n_frames - m_rest) if pair else 0
                store_block(out, b, m0, yr, yi, cnt_a, rows, power, scale)
                if cnt_rest > 0:
                    yr, yi, cnt2, _, _ = forward_block(
                        x, b, m_rest, n_frames, f, False, hr, hi, rates, twr, twi, ar, ai, br, bi, zr, zi
                    )
                    store_block(out, b, m_rest, yr, yi, cnt2, rows, power, scale)
            else:
                store_pair(out, b, m0, yr, yi, cnt_a, cnt_b, rows, power, scale)


def _run_forward(x, spec, rates, fft_mode, n_frames, power, scale, out):
    real = real_dtype_of(x.dtype)
    batch, x2, hr, hi, r2, f = prepare(x, spec, rates, real, fft_mode, n_frames)
    n_freqs = n_freqs_for(fft_mode, spec.n_fft)
    out_dtype = complex_dtype(real) if power == 0 else real
    shape = (x2.shape[0], n_freqs, n_frames)
    # the caller's buffer (C-contiguous, checked by the plan) is written in place: no allocation
    out3 = np.empty(shape, dtype=out_dtype) if out is None else out.reshape(shape)
    twr, twi = twiddles(spec.n_fft, real.name)
    scale_arr = readonly(np.broadcast_to(np.asarray(scale, dtype=real).reshape(-1), (n_freqs,)), real)
    # the thread count is not read inside the kernel: that would defeat cache=True
    launch(_stft_kernel, x2, out3, f, hr, hi, r2, twr, twi, power, scale_arr, numba.get_num_threads())
    return out3.reshape(*batch, n_freqs, n_frames) if out is None else out


def stft(x: np.ndarray, spec: FrameSpec, rates, fft_mode: str, n_frames: int, out=None) -> np.ndarray:
    """Chirp STFT of ``x`` (..., n) -> (..., n_freqs, n_frames); see numpy_ref.stft."""
    return _run_forward(x, spec, rates, fft_mode, n_frames, 0, 1.0, out)


def spectrogram(x, spec, rates, fft_mode, n_frames, power, scale, out=None):
    """``|S|**power * scale``, computed without a complex intermediate."""
    return _run_forward(x, spec, rates, fft_mode, n_frames, power, scale, out)


# --------------------------------------------------------------------------- inverse
