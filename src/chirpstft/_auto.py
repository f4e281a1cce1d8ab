"""Automatic per-frame chirp rates: how ``chirp_rate="auto"`` chooses them.

The request is an :class:`~chirpstft.AutoChirp` (:mod:`chirpstft.chirp`); the scores come from
the backend's candidate scan (its ``chirp_scores`` capability; the NumPy reference is
:func:`chirpstft.backends.numpy_ref.chirp_scores`); this module chooses from them
(:func:`select_rates`, :func:`select_bounded`, :func:`rates_for`). :func:`chirpstft.estimate_chirp_rates` is the public
entry point.

For every frame of every signal, each candidate rate ``c`` is scored by the Rényi entropy of
that frame's chirp spectrum ``|S_c[q]|**2`` (bins ``0..n_fft//2`` for a real signal, all bins
for a complex one), and the candidate with the lowest entropy (the most concentrated frame)
is chosen. Optionally the scores are averaged over ``smooth`` neighbouring frames before the
choice. Ties go to the candidate of smallest magnitude, so a frame that carries no
information (all zeros, NaN or inf) gets the rate closest to 0; scores equal to within a
relative tolerance scaled to their rounding error (:data:`TIE_RTOL`) count as tied, so that
backends whose scans differ in the last bits resolve true ties alike.

Exact choices from a faster, less precise scan: :func:`rates_for` asks the backend for scores
with error bounds (``bounded=True``; the numba backend then scans float32 input in float32,
about twice as fast). A frame whose lowest (smoothed) score is ahead of the second lowest by
more than twice the bound plus the tie tolerance has the same choice as the exact scores
(:func:`decided`); the others, typically 0.5-3 % of the frames, and the frames of their
smoothing windows are rescored in float64 (:func:`select_bounded`). The rates are therefore
those of the float64 scores, up to the last-bit differences that :data:`TIE_RTOL` absorbs.

Why only the non-negative bins of a real signal: a real chirp ``cos(phi)`` is the sum of
``exp(1j*phi)`` (slope ``+a``) and ``exp(-1j*phi)`` (slope ``-a``); over all bins the
spectra at ``+a`` and ``-a`` are mirror images with the same entropy, so the sign would be
undetermined. Over the non-negative bins only the positive-frequency component counts.

Default candidate grid (:func:`~chirpstft.default_chirp_candidates`, defined with
:class:`~chirpstft.AutoChirp` in :mod:`chirpstft.chirp`), derived from ``fs`` and ``n_fft``:
a frame lasts ``T = n_fft / fs`` seconds. A candidate ``c`` differing from the true rate
``a`` leaves a quadratic phase error ``pi*(a - c)*t**2``, largest at the window edges
``t = ±T/2``: ``pi*|a - c|*T**2/4``. A spacing ``da = 2/T**2 = 2*fs**2/n_fft**2`` keeps the
error to the nearest candidate at most ``pi/4`` at the edges (much less where a tapered
window has its weight). The grid reaches ``±fs**2/(4*n_fft)``, a rate at which the
instantaneous frequency moves by ``fs/4`` (half the one-sided band) within one frame; faster
sweeps are not resolved by a frame at all. That is ``2*(n_fft//8) + 1`` candidates,
``k*da`` for ``k = -n_fft//8 .. n_fft//8`` (``n_fft/4 + 1`` for ``n_fft`` a multiple of 8),
0 included.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from scipy.ndimage import maximum_filter1d, uniform_filter1d

from ._spec import FrameSpec, n_freqs_for
from ._validation import check_size
from .backends import Capabilities
from .backends.numpy_ref import chirp_scores as scores_reference
from .chirp import AutoChirp, default_chirp_candidates

__all__ = [
    "AutoChirp",
    "check_scan_size",
    "choose",
    "decided",
    "default_chirp_candidates",
    "rates_for",
    "scores_reference",
    "select_bounded",
    "select_rates",
    "smooth_scores",
]


#: Relative tolerance of a tie: a candidate whose (smoothed) score is within
#: ``TIE_RTOL * (|lowest| + 1/|1 - order|)`` bits of a frame's lowest counts as tied with it.
#: The scale is that of the scores' rounding error (``log2`` of a sum of powers divided by
#: ``1 - order``); measured differences between mathematically equal scores (``+a`` and ``-a``
#: of a signal symmetric in rate, numpy and numba scans) stay below 100 units in the last place
#: of it for ``n_fft`` up to 4096 and orders >= 1/2; 2**-32 (2**20, about 1e6 units) leaves a
#: wide margin, and differences that small carry no information about the rate. The limit: for
#: orders well below 1 near-empty bins weigh in and the rounding grows with ``n_fft`` (order
#: 0.05: 1e5 units at n_fft=4096, 2e7 at 16384), beyond the tolerance; ties may split there.
TIE_RTOL = 2.0**-32


def smooth_scores(s: np.ndarray, smooth: int) -> np.ndarray:
    """Centred mean of ``s`` over ``smooth`` frames (axis -2), edges repeated ("nearest").

    Memory and time do not depend on ``smooth``: a window of at least ``2*n_frames - 1``
    frames covers every frame plus copies of the first and last ones, and is summed in
    closed form (SciPy's filter would allocate a buffer of ``smooth`` values per line).
    """
    n = s.shape[-2]
    h = smooth // 2
    if h == 0:
        return s
    if h < n - 1:
        return uniform_filter1d(s, size=smooth, axis=-2, mode="nearest")
    # every window holds all n frames, h - i copies of the first and h - (n - 1 - i) of the last
    first, last = s[..., :1, :], s[..., -1:, :]
    i = np.arange(n, dtype=np.float64)[:, None]
    rest = s.sum(axis=-2, keepdims=True) - (n - 1) * last + i * (last - first)
    return h / (2.0 * h + 1.0) * (first + last) + rest / (2.0 * h + 1.0)


def select_rates(scores: np.ndarray, candidates: np.ndarray, smooth: int, order: float = 3.0) -> np.ndarray:
    """Per frame, the candidate with the lowest (optionally smoothed) entropy.

    Frames whose scores are NaN contribute 0 to the smoothing and, alone, get the candidate
    closest to 0. Scores within the tie tolerance (:data:`TIE_RTOL`, relative to the
    lowest score plus ``1/|1 - order|``) of a frame's lowest count as tied, and ties go to
    the smallest magnitude, then to the earliest in ``candidates``. This one rule, applied
    here to the scores of every backend, makes mathematically equal scores (such as ``+a``
    and ``-a`` of a signal symmetric in rate) choose the same candidate whatever the last
    bits of each backend's scan.
    """
    return choose(smooth_scores(np.where(np.isnan(scores), 0.0, scores), smooth), candidates, order)


def choose(s: np.ndarray, candidates: np.ndarray, order: float) -> np.ndarray:
    """The rule of :func:`select_rates` applied to smoothed scores ``s`` (no NaN)."""
    by_size = np.lexsort((np.arange(candidates.size), np.abs(candidates)))
    rank = np.empty(candidates.size, dtype=np.int64)
    rank[by_size] = np.arange(candidates.size)
    with np.errstate(invalid="ignore", over="ignore"):
        low = s.min(axis=-1, keepdims=True)
        tol = TIE_RTOL * (np.abs(low) + 1.0 / abs(1.0 - order))
        tied = s <= low + np.where(np.isfinite(tol), tol, 0.0)
    # the tied candidate of smallest magnitude, then earliest
    return candidates[np.argmin(np.where(tied, rank, candidates.size), axis=-1)]


def decided(s: np.ndarray, err: np.ndarray, order: float) -> np.ndarray:
    """Frames whose choice from smoothed scores ``s`` (no NaN) is that of the exact scores.

    ``err`` (shape ``s.shape[:-1]``) bounds ``|s - exact|`` for every candidate of a frame. A
    frame is decided when its error is 0, or when its second lowest score exceeds the lowest by
    more than twice the error plus the tie tolerance at the lowest exact score can reach: then
    the exact lowest is the same candidate, and no other is tied with it.
    """
    if s.shape[-1] < 2:
        return np.ones(s.shape[:-1], dtype=bool)
    two = np.partition(s, 1, axis=-1)
    low, second = two[..., 0], two[..., 1]
    with np.errstate(invalid="ignore", over="ignore"):
        tol = TIE_RTOL * (np.abs(low) + err + 1.0 / abs(1.0 - order))
        return (err == 0) | (second - low > 2.0 * err + tol)


def select_bounded(
    scores: np.ndarray, err: np.ndarray, candidates: np.ndarray, smooth: int, order: float, exact: Any
) -> np.ndarray:
    """:func:`select_rates` of the exact scores, from scores known within ``err`` of them.

    ``scores`` ``(B, M, C)``, ``err`` ``(B, M)``: a bound of ``|scores - exact|`` for every
    candidate of each frame (0 where exact, inf where unknown). A smoothed score is a mean over
    ``smooth`` frames, so its error is at most the largest bound of those frames (a running
    maximum: exact, where a running mean of bounds could cancel). Frames that this bound cannot decide
    (:func:`decided`) get exact scores for every frame of their smoothing window:
    ``exact(flat_frames)`` returns them, ``(len(flat_frames), C)``, for flat indices
    ``b*M + m``. Returns the rates ``(B, M)``, equal to ``select_rates`` of the exact scores.
    """
    filled = np.where(np.isnan(scores), 0.0, scores)
    s = smooth_scores(filled, smooth)
    # a window of 2*M + 1 frames already covers every frame of a signal from any centre: a wider
    # one (smooth can be any size, 2**40 included) changes nothing and must not be allocated
    width = min(smooth, 2 * err.shape[-1] + 1)
    e = maximum_filter1d(err, size=width, axis=-1, mode="nearest") if width > 1 else err
    todo = ~decided(s, e, order)
    if todo.any():
        window = maximum_filter1d(todo, size=width, axis=-1, mode="nearest") if width > 1 else todo
        flat = np.flatnonzero(window & (err > 0))
        if flat.size:
            rows = filled.reshape(-1, filled.shape[-1])
            fresh = exact(flat)
            rows[flat] = np.where(np.isnan(fresh), 0.0, fresh)
            s[todo] = smooth_scores(filled, smooth)[todo]
    return choose(s, candidates, order)


#: Bytes per candidate and frame sample of the candidate scan (4 complex128 values): the table
#: ``conj(w) * exp(-1j*pi*c*t**2)`` of every candidate and the arrays it is built from, or one
#: frame's chirped copies and spectra in the NumPy reference (measured: 34 Numba, 48 NumPy).
SCAN_BYTES = 64
#: Bytes per frame lane and frame sample of one thread's scratch in the Numba scan (6
#: float64 arrays of ``n_fft x lanes``, up to 64 lanes of frames; 96 lanes of float32 take
#: less), counted for every CPU.
SCAN_LANE_BYTES = 48
#: float64 arrays of all the scores at once: the scan's, a NaN-free copy, smoothed ones and
#: the choice's temporaries (:func:`select_bounded`).
SCORE_ARRAYS = 6


def check_scan_size(n_candidates: int, n_fft: int, batch: int, n_frames: int) -> None:
    """Refuse, before any scan, a candidate scan that cannot fit in memory (naming n_fft and the candidates).

    The default grid has about ``n_fft/4`` candidates, so the scan's table grows as
    ``n_fft**2``: 16 GiB at ``n_fft=2**15`` already.
    """
    per_sample = n_candidates * SCAN_BYTES + min(batch * n_frames, 64) * SCAN_LANE_BYTES * (
        os.cpu_count() or 1
    )
    check_size(
        n_fft * per_sample + SCORE_ARRAYS * 8 * batch * n_frames * n_candidates,
        1,
        f"chirp_rate='auto' with n_fft={n_fft} and {n_candidates} candidate rates (the scan of every candidate)",
        "pass a smaller n_fft, or fewer candidates: AutoChirp(candidates=[...]) as chirp_rate, or "
        "estimate_chirp_rates(..., candidates=[...])",
    )


def rates_for(auto: AutoChirp, backend: Capabilities, x: Any, spec: FrameSpec, n_frames: int) -> np.ndarray:
    """Chosen rates, float64 ``(..., n_frames)``, for signal(s) ``x`` framed by ``spec``.

    The candidates are scored by the backend's scan (its ``chirp_scores`` capability) over
    bins ``0..n_fft//2`` of a real signal, all bins of a complex one. The scan is asked for
    scores with error bounds (``bounded=True``: the numba backend then scans float32 input in
    single precision); the frames that the bounds cannot decide are rescored exactly
    (:func:`select_bounded`), so the rates are those of the float64 scores.
    """
    candidates = auto.grid(spec.fs, spec.n_fft)
    batch = tuple(np.shape(x)[:-1])
    check_scan_size(candidates.size, spec.n_fft, int(np.prod(batch, dtype=np.int64)), n_frames)
    n_bins = n_freqs_for("twosided" if np.iscomplexobj(x) else "onesided", spec.n_fft)
    s, err = backend.scores(x, spec, candidates, n_frames, n_bins, auto.order, bounded=True)

    def exact(frames: np.ndarray) -> np.ndarray:
        return backend.scores(x, spec, candidates, n_frames, n_bins, auto.order, frames=frames)

    rates = select_bounded(
        s.reshape(-1, n_frames, candidates.size),
        err.reshape(-1, n_frames),
        candidates,
        auto.smooth,
        auto.order,
        exact,
    )
    return rates.reshape(*batch, n_frames)
