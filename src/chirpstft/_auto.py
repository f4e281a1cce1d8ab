"""Automatic per-frame chirp rates: ``chirp_rate="auto"`` and :func:`estimate_chirp_rates`.

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

Default candidate grid (:func:`default_chirp_candidates`), derived from ``fs`` and ``n_fft``:
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

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.fft

from ._errors import BackendUnavailableError, InputTypeError, ParameterError
from ._spec import FrameSpec
from ._validation import positive_finite_float, positive_int

__all__ = ["AutoChirp", "default_chirp_candidates", "estimate_chirp_rates", "scores_reference"]


def default_chirp_candidates(fs: float, n_fft: int) -> np.ndarray:
    """The default grid of candidate chirp rates in Hz/s for ``fs`` and ``n_fft``.

    ``k * 2*fs**2/n_fft**2`` for ``k = -K..K``, ``K = max(1, n_fft // 8)``: spacing such
    that the quadratic phase error to the nearest candidate is at most ``pi/4`` at the
    window edges, range such that the frequency moves by at most ``fs/4`` over a frame
    (see the module notes).

    Examples
    --------
    >>> import chirpstft
    >>> c = chirpstft.default_chirp_candidates(fs=100.0, n_fft=128)
    >>> c.size, float(c[1] - c[0]), float(c.max())
    (33, 1.220703125, 19.53125)
    """
    fs = positive_finite_float(fs, "fs")
    n_fft = positive_int(n_fft, "n_fft")
    half = max(1, n_fft // 8)
    step = 2.0 * fs**2 / n_fft**2
    return np.arange(-half, half + 1, dtype=np.float64) * step


def _check_candidates(candidates: Any) -> tuple[float, ...] | None:
    if candidates is None:
        return None
    if isinstance(candidates, (str, bytes)):
        raise InputTypeError(f"candidates={candidates!r} must be an array of chirp rates in Hz/s")
    arr = np.asarray(candidates)
    if arr.dtype.kind not in "iuf":
        raise InputTypeError(
            f"candidates has dtype {arr.dtype}; pass a 1-d array of real chirp rates in Hz/s"
        )
    arr = np.atleast_1d(arr.astype(np.float64))
    if arr.ndim != 1 or arr.size == 0:
        raise ParameterError(
            f"candidates has shape {np.shape(candidates)}; pass a non-empty 1-d array of rates "
            f"in Hz/s (or None for the default grid)"
        )
    if not np.all(np.isfinite(arr)):
        raise ParameterError("candidates contains NaN or inf; every candidate rate must be finite (Hz/s)")
    return tuple(float(c) for c in arr)


@dataclass(frozen=True)
class AutoChirp:
    """Settings of the automatic chirp rate (``chirp_rate="auto"`` is ``AutoChirp()``).

    Pass an instance as ``chirp_rate`` to :func:`chirpstft.stft`, :func:`chirpstft.spectrogram`,
    :func:`chirpstft.render` or :class:`chirpstft.ChirpSTFT` to choose the rate of every frame
    from the data. Get the rates that were used with ``stft(..., return_rates=True)`` (or
    :func:`estimate_chirp_rates`) and pass them to ``istft`` to invert exactly.

    Parameters
    ----------
    candidates : array_like, optional
        Candidate rates in Hz/s; default :func:`default_chirp_candidates` for the plan's
        ``fs`` and ``n_fft``.
    smooth : int
        Odd number of frames over which the entropies are averaged (centred) before each
        frame's choice; 1 (default) scores every frame on its own.
    order : float
        Rényi entropy order (positive, not 1); 3 by default, as :func:`chirpstft.renyi_entropy`.
        Order 2 is the ``l4/l2`` concentration ratio: ``H2 = -log2(sum|S|**4 / (sum|S|**2)**2)``.
    """

    candidates: tuple[float, ...] | None = None
    smooth: int = 1
    order: float = 3.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "candidates", _check_candidates(self.candidates))
        smooth = positive_int(self.smooth, "smooth")
        if smooth % 2 == 0:
            raise ParameterError(
                f"smooth={smooth} must be an odd number of frames (a centred average); pass e.g. {smooth + 1}"
            )
        object.__setattr__(self, "smooth", smooth)
        if isinstance(self.order, (bool, np.bool_)) or not isinstance(self.order, numbers.Real):
            raise InputTypeError(f"order={self.order!r} must be a positive number other than 1")
        order = float(self.order)
        if not np.isfinite(order) or order <= 0 or order == 1:
            raise ParameterError(f"order={order} must be a positive number other than 1 (e.g. 2 or 3)")
        object.__setattr__(self, "order", order)

    def grid(self, fs: float, n_fft: int) -> np.ndarray:
        """The candidate rates (Hz/s) used with ``fs`` and ``n_fft``."""
        if self.candidates is None:
            return default_chirp_candidates(fs, n_fft)
        return np.array(self.candidates, dtype=np.float64)


def scores_reference(x: np.ndarray, spec: FrameSpec, candidates, n_frames: int, n_bins: int, order: float):
    """NumPy reference of the candidate scan: entropies ``(..., n_frames, n_candidates)``.

    Frame, window, multiply by each candidate's chirp, FFT, and the Rényi entropy of the
    normalised power over bins ``0..n_bins-1``, all in float64; NaN for frames with a
    non-finite sample or no energy. Processes a bounded number of frames at a time.
    """
    from .backends.numpy_ref import _frames

    work = np.complex128 if np.iscomplexobj(x) else np.float64
    frames = _frames(np.asarray(x, dtype=work), spec, n_frames)  # (..., M, n_fft) view
    g = np.conj(spec.window)[None, :] * np.exp(-1j * np.pi * np.outer(candidates, spec.t2))  # (C, n_fft)
    out = np.empty((*frames.shape[:-2], n_frames, len(candidates)), dtype=np.float64)
    step = max(1, 8192 // len(candidates))  # frames per pass: a few MB of spectra at a time
    for b in np.ndindex(frames.shape[:-2]):
        for m0 in range(0, n_frames, step):
            f = frames[b][m0 : m0 + step, None, :]  # (m, 1, n_fft)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # inf samples: NaN scores
                power = np.abs(scipy.fft.fft(f * g, axis=-1)[..., :n_bins]) ** 2
                total = power.sum(axis=-1, keepdims=True)
                p = power / total
                h = np.log2((p**order).sum(axis=-1)) / (1.0 - order)
            bad = ~np.all(np.isfinite(f), axis=(-2, -1))[..., None] | (total[..., 0] <= 0)
            out[b][m0 : m0 + step, :] = np.where(bad, np.nan, h)
    return out


def select_rates(scores: np.ndarray, candidates: np.ndarray, smooth: int) -> np.ndarray:
    """Per frame, the candidate with the lowest (optionally smoothed) entropy.

    Frames whose scores are NaN contribute nothing to the smoothing and, alone, get the
    candidate closest to 0 (ties always go to the smallest magnitude, then to the earliest).
    """
    s = np.where(np.isnan(scores), 0.0, scores)
    if smooth > 1:
        from scipy.ndimage import uniform_filter1d

        s = uniform_filter1d(s, size=smooth, axis=-2, mode="nearest")
    order = np.lexsort((np.arange(candidates.size), np.abs(candidates)))
    best = np.argmin(s[..., order], axis=-1)
    return candidates[order][best]


def scores(backend_module, x: np.ndarray, spec: FrameSpec, candidates, n_frames: int, order: float):
    """Candidate entropies computed by the backend's kernel (numba) or the reference (numpy)."""
    n_bins = spec.n_fft if np.iscomplexobj(x) else spec.n_fft // 2 + 1
    name = getattr(backend_module, "NAME", None)
    if name == "numba":
        from .backends._autorate import chirp_scores

        return chirp_scores(x, spec, candidates, n_frames, n_bins, order)
    if name == "numpy":
        return scores_reference(x, spec, candidates, n_frames, n_bins, order)
    kernel = getattr(backend_module, "chirp_scores", None)
    if kernel is None:
        raise BackendUnavailableError(
            f"backend {name!r} has no automatic chirp-rate scan; pass backend='numba' or 'numpy', or "
            f"estimate the rates on the host with chirpstft.estimate_chirp_rates and pass them as chirp_rate"
        )
    return kernel(x, spec, candidates, n_frames, n_bins, order)


def rates_for(auto: AutoChirp, backend_module, x: np.ndarray, spec: FrameSpec, n_frames: int) -> np.ndarray:
    """Chosen rates, float64 ``(..., n_frames)``, for signal(s) ``x`` framed by ``spec``."""
    candidates = auto.grid(spec.fs, spec.n_fft)
    s = scores(backend_module, x, spec, candidates, n_frames, auto.order)
    return select_rates(s, candidates, auto.smooth)


def estimate_chirp_rates(
    x: Any,
    *,
    fs: float = 1.0,
    n_fft: int = 256,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Any = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    candidates: Any = None,
    smooth: int = 1,
    order: float = 3.0,
    backend: str | None = None,
) -> np.ndarray:
    """Per-frame chirp rates (Hz/s) that make each frame of ``x`` most concentrated.

    For every frame of every signal, the candidate rate whose chirp spectrum has the lowest
    Rényi entropy of order ``order`` (over bins ``0..n_fft//2`` for real ``x``, all bins for
    complex ``x``), after an optional centred average of the entropies over ``smooth``
    frames. The result is what ``chirp_rate="auto"`` uses; passing it as ``chirp_rate`` to
    :func:`chirpstft.stft` and :func:`chirpstft.istft` gives the auto-chirp STFT and its
    exact inverse. Framing parameters as :func:`chirpstft.stft`.

    Parameters
    ----------
    x : array_like, shape (..., n_samples)
        Signal(s), time on the last axis.
    candidates : array_like, shape (n_candidates,), optional
        Candidate rates in Hz/s; default :func:`default_chirp_candidates` ``(fs, n_fft)``.
    smooth : int
        Odd number of frames over which the entropies are averaged; 1 (default): none.
    order : float
        Rényi order (3 by default; 2 is the l4/l2 concentration ratio).

    Returns
    -------
    ndarray, shape (..., n_frames)
        float64 rates, each one of ``candidates``.

    Examples
    --------
    >>> import numpy as np, chirpstft
    >>> fs = 100.0
    >>> t = np.arange(2000) / fs
    >>> x = np.cos(2 * np.pi * (10 * t + 0.5 * 2.0 * t**2))    # rising at 2 Hz/s
    >>> rates = chirpstft.estimate_chirp_rates(x, fs=fs, n_fft=128, hop_length=32)
    >>> rates.shape
    (63,)
    >>> float(np.median(rates))       # the nearest candidate (grid step 1.22 Hz/s)
    2.44140625
    """
    from ._api import _plan

    auto = AutoChirp(candidates=candidates, smooth=smooth, order=order)
    plan = _plan(
        fs=fs, n_fft=n_fft, hop_length=hop_length, win_length=win_length, window=window,
        chirp_rate=auto, center=center, pad_mode=pad_mode, fft_mode=None, backend=backend,
    )  # fmt: skip
    _, x, rates, _, _ = plan._signal(x)
    return np.array(rates, dtype=np.float64)
