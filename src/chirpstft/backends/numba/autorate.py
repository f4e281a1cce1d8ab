"""Fused Numba kernel scoring every candidate chirp rate of every frame.

For each frame (of each signal) and each candidate rate ``c`` the kernel computes the
Rényi entropy (in bits) of the frame's chirp spectrum
``P_c[q] = |FFT(frame * conj(w) * exp(-1j*pi*c*t**2))[q]|**2`` over the bins ``q < n_bins``:
``H = log2(sum_q p[q]**order) / (1 - order)`` with ``p = P_c / sum_q P_c``, evaluated as
``(log2(sum_q p'**order) - order*log2(sum_q p')) / (1 - order)`` with ``p' = P_c / (n_fft*E)``
(``E = sum|frame*w|**2``: the total power over all bins, the same for every candidate, so that
one pass over the bins gives both sums). Lower is more concentrated. Only the
``(n_signals, n_frames, n_candidates)`` scores leave the kernel: the spectra live in a per-task
scratch of ``n_fft x lanes`` values, so no array of all the spectra is ever built.

Layout: a block of frames (of any signals: 64 in float64, 96 in float32) sits in the SIMD lanes
of :func:`.lanefft.fft_lanes`, gathered once; the kernel then loops over the candidates, one
lane-parallel FFT each. Work is split over blocks of frames (``prange``).

Mirror pairs: for a real frame and a real window the weight of ``-c`` is the conjugate of that of
``+c``, so ``FFT(x*g_{-c})[q] = conj(FFT(x*g_c)[-q mod n_fft])``: one complex FFT gives the
spectra of both (bins ``0..n_bins-1`` for ``+c``; bins ``0, n_fft-1, ..., n_fft-n_bins+1`` for
``-c``). The default grid is symmetric about 0, so a real scan does ``n_candidates//2 + 1`` FFTs
per frame instead of ``n_candidates`` (:func:`mirror_pairs`).

Precision: float64, except the *bounded* scan (``bounded=True``) of float32 or complex64 input
(power-of-two ``n_fft``, ``order >= 1/2``): it runs the chirp product, the FFT and the sums in
float32 and returns, per frame, a bound of the difference between each of its scores and the
exact one; :func:`chirpstft._auto.select_bounded` rescores in float64 only the frames whose
choice the bound cannot decide, so the chosen rates are those of the float64 scores. The bound
(:func:`_error_model`): each frame is scaled by a power of two (exactly) so that ``max|x*w|``
lies in ``[1/2, 1)``. The computed spectrum ``Y'`` then differs from the exact ``Y`` by
``||Y' - Y||_2 <= rho*||Y||_2``, ``rho = (5 + 7*log2(n_fft))*u``, ``u = 2**-24``: ``5u`` for the
rounding of the input, of the chirp table and of their product, and the FFT bound of Higham
(*Accuracy and Stability of Numerical Algorithms*, 2nd ed., Thm. 24.2): ``log2(n_fft)`` levels
of ``mu + gamma_4*(sqrt(2) + mu) < 7u`` each (a radix-4 pass counts as two levels). With
``H = 2*order/(1 - order) * (log2 ||Y_h||_{2*order} - log2 ||Y_h||_2)`` over the scored bins
``h``, and ``r = rho*||Y||_2/||Y'_h||_2 = rho/sqrt(share)`` (``share``: the part of the frame's
power in the scored bins), the two log-norms move by at most ``-log2(1 - kappa*r)`` and
``-log2(1 - r)``, ``kappa = n_bins**|1/2 - 1/(2*order)|`` (equivalence of the norms); the float32
sums add ``((order + 1)*n_bins + 6*order + 3)*u/|1 - order|/ln 2`` bits. The bound is twice the
total, at the frame's candidate with the smallest share (the largest ``r``); measured errors are
at least 30 times smaller (``n_fft`` 64 to 1024, orders 0.75 to 6, noise, chirps, random walks,
spikes, 1e-30 and 3e37 amplitudes). It is inf (unknown) for ``kappa*r >= 1`` and where a sum
of powers comes near float32 underflow. A frame with a NaN or inf sample, or no energy, scores
NaN in both precisions (bound 0).

The reference (and test oracle) of this kernel is :func:`chirpstft.backends.numpy_ref.chirp_scores`.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import njit, prange

from ..rules import PAD_CODES
from .frames import pad_index
from .lanefft import fft_lanes, twiddles
from .launch import launch, readonly

__all__ = ["chirp_scores", "mirror_pairs"]

#: Frames per FFT lane block in float64 and in float32 (measured best for n_fft=128 on the 2-core
#: machine: 96 float32 lanes scan 15 % faster than 64; float64 is flat from 64 to 128).
_LANES = {np.float64: 64, np.float32: 96}
#: Unit roundoff of float32.
_U32 = 2.0**-24
#: Factor of safety of the bound over the error analysis.
_SAFETY = 2.0


def mirror_pairs(candidates: np.ndarray, paired: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(plus, minus)``: the candidate scored from the FFT of each pass, and its mirror ``-c``.

    With ``paired`` (a real frame and a real window), each candidate ``c > 0`` whose negation is
    also a candidate is scored with it from one FFT (``minus`` its index), as are duplicates
    matched one to one; every other candidate has a pass of its own (``minus`` -1).
    """
    free: dict[float, list[int]] = {}
    for i, c in enumerate(candidates.tolist()):
        free.setdefault(c, []).append(i)
    plus, minus = [], []
    for i, c in enumerate(candidates.tolist()):
        if i not in free.get(c, ()):
            continue  # already scored as the mirror of an earlier candidate
        free[c].remove(i)
        mirror = -1
        if paired and c != 0.0 and free.get(-c):
            mirror = free[-c].pop(0)
        if c < 0 and mirror >= 0:
            i, mirror = mirror, i  # the FFT is of the positive rate's chirp
        plus.append(i)
        minus.append(mirror)
    return np.array(plus, dtype=np.int64), np.array(minus, dtype=np.int64)


def _error_model(n_fft: int, n_bins: int, order: float) -> tuple[float, float, float, float, float]:
    """``(rho, kappa, c_log, c_round, tiny)`` of the single-precision bound (module docstring).

    The bound of a frame is ``c_log * (-log(1 - kappa*r) - log(1 - r)) + c_round`` bits with
    ``r = rho / sqrt(least)``, ``least`` the smallest share of the frame's energy in the scored
    bins over its candidates; none (inf) when ``kappa*r >= 1`` or when a sum of powers falls
    below ``tiny``, where float32 underflow could exceed the rounding model.
    """
    rho = (5.0 + 7.0 * math.log2(n_fft)) * _U32
    kappa = float(n_bins) ** abs(0.5 - 0.5 / order)
    c_log = _SAFETY * abs(2.0 * order / (1.0 - order)) / math.log(2.0)
    c_round = (
        _SAFETY * ((order + 1.0) * n_bins + 6.0 * order + 3.0) * _U32 / (math.log(2.0) * abs(1.0 - order))
    )
    tiny = n_bins * 2.0**-126 / _U32
    return rho, kappa, c_log, c_round, tiny


@njit(cache=True, nogil=True)
def _accumulate(yr, yi, q_lo, q_hi, cnt, inv, order, s1, sa):
    """Per lane, add ``p = |y[q]|**2 * inv`` to ``s1`` and ``p**order`` to ``sa`` for rows ``q_lo .. q_hi-1``."""
    if order == 3.0:
        for q in range(q_lo, q_hi):
            for lane in range(cnt):
                p = (yr[q, lane] * yr[q, lane] + yi[q, lane] * yi[q, lane]) * inv[lane]
                s1[lane] += p
                sa[lane] += p * p * p
    elif order == 2.0:
        for q in range(q_lo, q_hi):
            for lane in range(cnt):
                p = (yr[q, lane] * yr[q, lane] + yi[q, lane] * yi[q, lane]) * inv[lane]
                s1[lane] += p
                sa[lane] += p * p
    else:
        for q in range(q_lo, q_hi):
            for lane in range(cnt):
                p = (yr[q, lane] * yr[q, lane] + yi[q, lane] * yi[q, lane]) * inv[lane]
                s1[lane] += p
                sa[lane] += p**order


@njit(cache=True, nogil=True)
def _gather(x, b, p0, n_fft, pad_mode, aw, fr, fi, lane, is_complex):
    """Frame samples ``p0 .. p0+n_fft-1`` of signal ``b`` (padded by ``pad_mode``) into ``lane``
    of ``fr`` (and ``fi`` for complex input).

    Returns ``(finite, largest |x*w|, sum |x*w|**2)`` of the frame, in float64.
    """
    n = x.shape[1]
    total = 0.0
    largest = 0.0
    energy = 0.0
    for k in range(n_fft):
        p = p0 + k
        if p < 0 or p >= n:
            p = pad_index(p, n, pad_mode)
        if p >= 0:
            v = x[b, p]
            fr[k, lane] = v.real
            if is_complex:
                fi[k, lane] = v.imag
            total += v.real + v.imag
            a = abs(v) * aw[k]
            largest = max(largest, a)
            energy += a * a
        else:
            fr[k, lane] = 0.0
            if is_complex:
                fi[k, lane] = 0.0
    return total - total == 0, largest, energy


@njit(parallel=True, cache=True)
def _scores_kernel(
    x,
    is_complex,
    n_frames,
    hop,
    pad,
    pad_mode,
    frames,
    gr,
    gi,
    aw,
    plus,
    minus,
    n_bins,
    order,
    bounded,
    model,
    twr,
    twi,
    lanes,
    out,
    err,
    n_threads,
):
    """``out[i, c]``: entropy of frame ``frames[i]`` (``b*n_frames + m``) at candidate ``c``.

    ``gr + 1j*gi`` (n_pass, n_fft): ``conj(w) * exp(-1j*pi*c*t**2)`` of candidate ``plus[j]``, in
    the working precision; ``minus[j]`` is scored from the mirrored bins of the same FFT (-1:
    none). ``aw = |w|``. With ``bounded``, frames are scaled by a power of two and ``err[i]``
    receives the frame's bound (``model``: see :func:`_error_model`); otherwise ``err`` is 0.
    A frame with a NaN or inf sample, or with zero energy in the scored bins, gets NaN.
    """
    n_pass, n_fft = gr.shape
    dt = gr.dtype
    n_sel = frames.shape[0]
    rho, kappa, c_log, c_round, tiny = model[0], model[1], model[2], model[3], model[4]
    n_blocks = (n_sel + lanes - 1) // lanes
    n_chunks = min(n_blocks, 8 * n_threads)
    for chunk in prange(n_chunks):
        fr = np.empty((n_fft, lanes), dt)
        fi = np.empty((n_fft, lanes), dt)
        ar = np.empty((n_fft, lanes), dt)
        ai = np.empty((n_fft, lanes), dt)
        br = np.empty((n_fft, lanes), dt)
        bi = np.empty((n_fft, lanes), dt)
        s1 = np.empty(lanes, dt)
        sa = np.empty(lanes, dt)
        inv = np.empty(lanes, dt)
        finite = np.empty(lanes, np.bool_)
        least = np.empty(lanes)
        least_a = np.empty(lanes)
        energy = np.empty(lanes)
        for blk in range(chunk * n_blocks // n_chunks, (chunk + 1) * n_blocks // n_chunks):
            f0 = blk * lanes
            cnt = min(lanes, n_sel - f0)
            for lane in range(cnt):
                b, m = divmod(frames[f0 + lane], n_frames)
                ok, largest, e = _gather(x, b, m * hop - pad, n_fft, pad_mode, aw, fr, fi, lane, is_complex)
                finite[lane] = ok
                least[lane] = np.inf
                least_a[lane] = np.inf
                if bounded and ok and largest > 0.0:
                    scale = math.ldexp(1.0, -math.frexp(largest)[1])  # largest*scale in [1/2, 1)
                    e *= scale * scale
                    for k in range(n_fft):
                        fr[k, lane] *= scale
                        if is_complex:
                            fi[k, lane] *= scale
                energy[lane] = e
                inv[lane] = 1.0 / (n_fft * e) if e > 0.0 else 0.0  # sum of |Y|**2 over all bins: n_fft*e
            for j in range(n_pass):
                if is_complex:
                    for k in range(n_fft):
                        wr = gr[j, k]
                        wi = gi[j, k]
                        for lane in range(cnt):
                            ar[k, lane] = fr[k, lane] * wr - fi[k, lane] * wi
                            ai[k, lane] = fr[k, lane] * wi + fi[k, lane] * wr
                else:
                    for k in range(n_fft):
                        wr = gr[j, k]
                        wi = gi[j, k]
                        for lane in range(cnt):
                            ar[k, lane] = fr[k, lane] * wr
                            ai[k, lane] = fr[k, lane] * wi
                if fft_lanes(ar, ai, br, bi, cnt, twr, twi):
                    yr, yi = ar, ai
                else:
                    yr, yi = br, bi
                for side in range(2):
                    c = plus[j] if side == 0 else minus[j]
                    if c < 0:
                        continue
                    for lane in range(cnt):
                        s1[lane] = 0.0
                        sa[lane] = 0.0
                    if side == 0:
                        _accumulate(yr, yi, 0, n_bins, cnt, inv, order, s1, sa)
                    else:  # -c: bins 0 and n_fft-1 .. n_fft-n_bins+1
                        _accumulate(yr, yi, 0, 1, cnt, inv, order, s1, sa)
                        _accumulate(yr, yi, n_fft - n_bins + 1, n_fft, cnt, inv, order, s1, sa)
                    for lane in range(cnt):
                        if finite[lane] and s1[lane] > 0.0:
                            out[f0 + lane, c] = (math.log2(sa[lane]) - order * math.log2(s1[lane])) / (
                                1.0 - order
                            )
                        else:
                            out[f0 + lane, c] = np.nan
                        least[lane] = min(least[lane], s1[lane])
                        least_a[lane] = min(least_a[lane], sa[lane])
            for lane in range(cnt):
                e = 0.0
                if bounded and finite[lane] and energy[lane] > 0.0:
                    e = np.inf
                    if least[lane] > 0.0 and least_a[lane] >= tiny:
                        r = rho / math.sqrt(least[lane])
                        if kappa * r < 1.0:
                            e = c_log * (-math.log1p(-kappa * r) - math.log1p(-r)) + c_round
                err[f0 + lane] = e


def chirp_scores(x, spec, candidates, n_frames, n_bins, order, frames=None, bounded=False):
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
    frames : ndarray of int or None
        Score only these frames, as flat indices ``b*n_frames + m`` over the signals of ``x``
        (in C order); the result is then ``(len(frames), n_candidates)``. None: every frame.
    bounded : bool
        Return ``(scores, errors)``: float32 and complex64 input may then be scanned in single
        precision (power-of-two ``n_fft``, ``order >= 1/2``), and ``errors``, shaped like the
        scores without their last axis, bounds ``|score - float64 score|`` for every candidate
        of each frame (0: computed in float64, inf: no bound).
    """
    n_cand = len(candidates)
    complex_x = np.iscomplexobj(x)
    fast = (
        bounded
        and x.dtype in (np.float32, np.complex64)
        and spec.n_fft & (spec.n_fft - 1) == 0
        and order >= 0.5
    )
    work = np.float32 if fast else np.float64
    xdt = (np.complex64 if fast else np.complex128) if complex_x else work
    x2 = x.reshape(-1, x.shape[-1])
    if frames is None:
        batch = (*x.shape[:-1], n_frames)
        sel = np.arange(x2.shape[0] * n_frames, dtype=np.int64)
    else:  # only the signals holding these frames are converted to the working dtype
        frames = np.asarray(frames, dtype=np.int64)
        batch = (frames.size,)
        rows, which = np.unique(frames // n_frames, return_inverse=True)
        x2 = x2[rows]
        sel = which.reshape(-1) * n_frames + frames % n_frames
    x2 = readonly(x2, xdt)
    plus, minus = mirror_pairs(
        np.asarray(candidates, dtype=np.float64), not complex_x and spec.window_is_real
    )
    g = np.conj(spec.window)[None, :] * np.exp(-1j * np.pi * np.outer(np.asarray(candidates)[plus], spec.t2))
    twr, twi = twiddles(spec.n_fft, np.dtype(work).name)
    out = np.empty((sel.size, n_cand), dtype=np.float64)
    err = np.zeros(sel.size, dtype=np.float64)
    if sel.size == 0:
        return (out.reshape(*batch, n_cand), err.reshape(batch)) if bounded else out.reshape(*batch, n_cand)
    launch(
        _scores_kernel,
        x2,
        complex_x,
        n_frames,
        spec.hop_length,
        spec.pad,
        PAD_CODES[spec.pad_mode],
        readonly(sel, np.int64),
        readonly(g.real, work),
        readonly(g.imag, work),
        readonly(np.abs(spec.window), np.float64),
        readonly(plus, np.int64),
        readonly(minus, np.int64),
        n_bins,
        float(order),
        fast,
        readonly(np.array(_error_model(spec.n_fft, n_bins, order) if fast else (0.0,) * 5), np.float64),
        twr,
        twi,
        min(_LANES[work], sel.size),
        out,
        err,
        numba.get_num_threads(),  # not read inside the kernel: that would defeat cache=True
    )
    scores = out.reshape(*batch, n_cand)
    return (scores, err.reshape(batch)) if bounded else scores
