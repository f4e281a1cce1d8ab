"""Fused Numba kernel scoring every candidate chirp rate of every frame.

For each frame (of each signal) and each candidate rate ``c`` the kernel computes the
Rényi entropy (in bits) of the frame's chirp spectrum
``P_c[q] = |FFT(frame * conj(w) * exp(-1j*pi*c*t**2))[q]|**2`` over the bins ``q < n_bins``:
``H = log2(sum_q p[q]**order) / (1 - order)`` with ``p = P_c / sum_q P_c``. Lower is more
concentrated. Only ``(n_signals, n_frames, n_candidates)`` scores leave the kernel: the
spectra live in a per-task scratch of ``n_fft x lanes`` values (the candidates of one frame
sit in the SIMD lanes of :func:`._lanefft.fft_lanes`), so no array of all the spectra is ever
built. Work is split over signals x frames (``prange``); everything is computed in float64.

The reference (and test oracle) of this kernel is :func:`chirpstft.backends.numpy_ref.chirp_scores`.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import njit, prange

from ._common import PAD_CODES
from ._jit import launch, readonly
from ._lanefft import fft_lanes, twiddles
from ._numba_rules import pad_index as _pad_index

__all__ = ["chirp_scores"]

#: Candidates per FFT lane block (one frame's candidates share the gathered samples).
_MAX_LANES = 64


@njit(parallel=True, cache=True)
def _scores_kernel(x, hop, pad, pad_mode, gr, gi, n_bins, order, twr, twi, lanes, out, n_threads):
    """``out[b, m, c]``: entropy of frame ``m`` of signal ``b`` analysed at candidate ``c``.

    ``gr + 1j*gi`` (n_fft, n_candidates): ``conj(w) * exp(-1j*pi*c*t**2)`` per candidate.
    A frame with a NaN or inf sample, or with zero energy in the scored bins, gets NaN.
    """
    n_batch = x.shape[0]
    n = x.shape[1]
    n_frames = out.shape[1]
    n_fft = gr.shape[0]
    n_cand = gr.shape[1]
    n_tasks = n_batch * n_frames
    n_chunks = min(n_tasks, 8 * n_threads)
    for chunk in prange(n_chunks):
        fr = np.empty(n_fft)
        fi = np.empty(n_fft)
        ar = np.empty((n_fft, lanes))
        ai = np.empty((n_fft, lanes))
        br = np.empty((n_fft, lanes))
        bi = np.empty((n_fft, lanes))
        s1 = np.empty(lanes)
        sa = np.empty(lanes)
        t_lo = chunk * n_tasks // n_chunks
        t_hi = (chunk + 1) * n_tasks // n_chunks
        for task in range(t_lo, t_hi):
            b = task // n_frames
            m = task % n_frames
            p0 = m * hop - pad
            acc = 0.0
            for k in range(n_fft):
                p = _pad_index(p0 + k, n, pad_mode)
                if p >= 0:
                    v = x[b, p]
                    fr[k] = v.real
                    fi[k] = v.imag
                else:
                    fr[k] = 0.0
                    fi[k] = 0.0
                acc += fr[k] + fi[k]
            finite = acc - acc == 0
            for c0 in range(0, n_cand, lanes):
                cnt = min(lanes, n_cand - c0)
                for k in range(n_fft):
                    vr = fr[k]
                    vi = fi[k]
                    for lane in range(cnt):
                        wr = gr[k, c0 + lane]
                        wi = gi[k, c0 + lane]
                        ar[k, lane] = vr * wr - vi * wi
                        ai[k, lane] = vr * wi + vi * wr
                if fft_lanes(ar, ai, br, bi, cnt, twr, twi):
                    yr, yi = ar, ai
                else:
                    yr, yi = br, bi
                for lane in range(cnt):
                    s1[lane] = 0.0
                    sa[lane] = 0.0
                for q in range(n_bins):
                    for lane in range(cnt):
                        s1[lane] += yr[q, lane] * yr[q, lane] + yi[q, lane] * yi[q, lane]
                for lane in range(cnt):
                    s1[lane] = 1.0 / s1[lane] if s1[lane] > 0.0 else 0.0
                for q in range(n_bins):
                    for lane in range(cnt):
                        pq = (yr[q, lane] * yr[q, lane] + yi[q, lane] * yi[q, lane]) * s1[lane]
                        if order == 2.0:
                            sa[lane] += pq * pq
                        elif order == 3.0:
                            sa[lane] += pq * pq * pq
                        else:
                            sa[lane] += pq**order
                for lane in range(cnt):
                    if finite and s1[lane] > 0.0:
                        out[b, m, c0 + lane] = math.log2(sa[lane]) / (1.0 - order)
                    else:
                        out[b, m, c0 + lane] = np.nan


def chirp_scores(x, spec, candidates, n_frames, n_bins, order):
    """Entropies ``(..., n_frames, n_candidates)`` (float64) of every frame and candidate.

    Parameters
    ----------
    x : ndarray, shape (..., n_samples)
        Real or complex signal(s).
    spec : FrameSpec
        Framing, window and padding of the plan.
    candidates : ndarray, shape (n_candidates,)
        Candidate chirp rates in Hz/s.
    n_frames, n_bins : int
        Frames of the plan for this length; number of FFT bins scored (from bin 0).
    order : float
        Rényi order.
    """
    batch = x.shape[:-1]
    dtype = np.complex128 if np.iscomplexobj(x) else np.float64
    x2 = readonly(x.reshape(-1, x.shape[-1]), dtype)
    g = np.conj(spec.window)[:, None] * np.exp(-1j * np.pi * np.outer(spec.t2, candidates))
    gr = np.ascontiguousarray(g.real, dtype=np.float64)
    gi = np.ascontiguousarray(g.imag, dtype=np.float64)
    twr, twi = twiddles(spec.n_fft, "float64")
    out = np.empty((x2.shape[0], n_frames, len(candidates)), dtype=np.float64)
    launch(
        _scores_kernel,
        x2,
        spec.hop_length,
        spec.pad,
        PAD_CODES[spec.pad_mode],
        gr,
        gi,
        n_bins,
        float(order),
        twr,
        twi,
        min(_MAX_LANES, len(candidates)),
        out,
        numba.get_num_threads(),  # not read inside the kernel: that would defeat cache=True
    )
    return out.reshape(*batch, n_frames, len(candidates))
