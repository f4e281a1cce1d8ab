"""Automatic per-frame chirp rates: how ``chirp_rate="auto"`` chooses them.

The request is an :class:`~chirpstft.AutoChirp` (:mod:`chirpstft.chirp`); the scores come from
the backend's candidate scan (its ``chirp_scores`` capability; the NumPy reference is
:func:`chirpstft.backends.numpy_ref.chirp_scores`); this module chooses from them
(:func:`select_rates`, :func:`rates_for`). :func:`chirpstft.estimate_chirp_rates` is the public
entry point.

For every frame of every signal, each candidate rate ``c`` is scored by the Rényi entropy of
that frame's chirp spectrum ``|S_c[q]|**2`` (bins ``0..n_fft//2`` for a real signal, all bins
for a complex one), and the candidate with the lowest entropy (the most concentrated frame)
is chosen. Optionally the scores are averaged over ``smooth`` neighbouring frames before the
choice. Ties go to the candidate of smallest magnitude, so a frame that carries no
information (all zeros, NaN or inf) gets the rate closest to 0.

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

from typing import Any

import numpy as np
from scipy.ndimage import uniform_filter1d

from ._spec import FrameSpec, n_freqs_for
from .backends import Capabilities
from .backends.numpy_ref import chirp_scores as scores_reference
from .chirp import AutoChirp, default_chirp_candidates

__all__ = ["AutoChirp", "default_chirp_candidates", "rates_for", "scores_reference", "select_rates"]


#: Entropy difference (bits) under which two candidates' scores count as tied. 0: exact ties only.
#: A tolerance (even 1e-10) makes the mirror-symmetric crossing chirps of tests/test_auto.py all
#: choose -a, whose +a and -a scores differ only in the last bits; see issue 15, item 8 (open).
TIE_TOL = 0.0


def select_rates(scores: np.ndarray, candidates: np.ndarray, smooth: int) -> np.ndarray:
    """Per frame, the candidate with the lowest (optionally smoothed) entropy.

    Frames whose scores are NaN contribute nothing to the smoothing and, alone, get the
    candidate closest to 0 (ties always go to the smallest magnitude, then to the earliest).
    Scores within :data:`TIE_TOL` bits of a frame's lowest count as tied.
    """
    s = np.where(np.isnan(scores), 0.0, scores)
    if smooth > 1:
        s = uniform_filter1d(s, size=smooth, axis=-2, mode="nearest")
    order = np.lexsort((np.arange(candidates.size), np.abs(candidates)))
    s = s[..., order]
    tied = s <= s.min(axis=-1, keepdims=True) + TIE_TOL
    best = np.argmax(tied, axis=-1)  # the first tied candidate in order of magnitude
    return candidates[order][best]


def rates_for(auto: AutoChirp, backend: Capabilities, x: Any, spec: FrameSpec, n_frames: int) -> np.ndarray:
    """Chosen rates, float64 ``(..., n_frames)``, for signal(s) ``x`` framed by ``spec``.

    The candidates are scored by the backend's scan (its ``chirp_scores`` capability) over
    bins ``0..n_fft//2`` of a real signal, all bins of a complex one.
    """
    candidates = auto.grid(spec.fs, spec.n_fft)
    n_bins = n_freqs_for("twosided" if np.iscomplexobj(x) else "onesided", spec.n_fft)
    s = backend.scores(x, spec, candidates, n_frames, n_bins, auto.order)
    return select_rates(s, candidates, auto.smooth)
