"""Chirp rates: constant, per frame, or a function of time.

Frame ``m`` uses the analysis window ``g_m[k] = w[k] * exp(1j*pi*a_m*t_k**2)`` with
``t_k = (k - n_fft//2) / fs`` seconds (zero at the window centre) and ``a_m`` the
chirp rate of frame ``m`` in Hz/s. :func:`resolve_chirp_rates` turns what the user
passed into either one Python float (the same rate for every frame of every signal)
or a float64 array of shape ``(..., n_frames)`` (one rate per frame, per signal).
It is the one place that interprets ``chirp_rate``; ``"auto"`` (an
:class:`~chirpstft.AutoChirp`) is accepted by :func:`check_static` and resolved from the signal
by the plan (:mod:`chirpstft._auto`), since it needs the data.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from ._errors import InputTypeError, ParameterError

__all__ = ["frame_times", "renyi_entropy", "resolve_chirp_rates"]

ChirpRate = float | np.ndarray | Callable[[np.ndarray], Any]


def frame_times(n_frames: int, *, hop_length: int, n_fft: int, fs: float, center: bool) -> np.ndarray:
    """Times in seconds of the frame centres (``t = 0`` at the first original sample).

    The centre of frame ``m`` is the sample at window index ``n_fft // 2``: original
    sample ``m*hop_length`` when ``center=True``, ``m*hop_length + n_fft//2`` otherwise.
    """
    offset = 0 if center else n_fft // 2
    return (np.arange(n_frames, dtype=np.float64) * hop_length + offset) / fs


def is_static_zero(chirp_rate: Any) -> bool:
    """True when ``chirp_rate`` is known to be 0 for every frame without any signal.

    Callables count as chirped (they are only evaluated once the frame times exist).
    """
    if callable(chirp_rate):
        return False
    if isinstance(chirp_rate, str):
        return False
    try:
        arr = np.asarray(chirp_rate)
    except Exception:
        return False
    return arr.dtype.kind in "biuf" and arr.size > 0 and not np.any(arr)


def _as_rates(value: Any, name: str) -> np.ndarray:
    if isinstance(value, (bool, np.bool_)):
        raise InputTypeError(f"{name}={value!r} must be a number in Hz/s, not a boolean")
    try:
        arr = np.asarray(value)
    except Exception as exc:
        raise InputTypeError(f"{name} could not be read as an array of rates in Hz/s ({exc})") from None
    if arr.dtype.kind not in "iuf":
        raise InputTypeError(
            f"{name} has dtype {arr.dtype}; pass a real number in Hz/s, an array of "
            f"per-frame rates, or a callable of the frame times"
        )
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} contains NaN or inf; every chirp rate must be finite (Hz/s)")
    return arr


def check_static(chirp_rate: Any) -> Any:
    """Validate what can be validated of ``chirp_rate`` before any signal is seen."""
    from ._auto import AutoChirp

    if isinstance(chirp_rate, AutoChirp):
        return chirp_rate
    if isinstance(chirp_rate, str) and chirp_rate == "auto":
        return AutoChirp()
    if callable(chirp_rate):
        return chirp_rate
    if isinstance(chirp_rate, str):
        raise ParameterError(
            f"chirp_rate={chirp_rate!r} is not supported; pass a number in Hz/s, an "
            f"array broadcastable to (..., n_frames), a callable of frame times, or 'auto'"
        )
    if isinstance(chirp_rate, numbers.Real) and not isinstance(chirp_rate, (bool, np.bool_)):
        value = float(chirp_rate)
        if not np.isfinite(value):
            raise ParameterError(f"chirp_rate={value} must be finite (Hz/s)")
        return value
    arr = _as_rates(chirp_rate, "chirp_rate")
    arr.setflags(write=False)
    return arr


def resolve_chirp_rates(
    chirp_rate: ChirpRate,
    *,
    batch_shape: tuple[int, ...],
    n_frames: int,
    times: np.ndarray,
) -> float | np.ndarray:
    """Resolve ``chirp_rate`` for a given batch shape and frame count.

    Parameters
    ----------
    chirp_rate : float, array_like or callable
        A number (Hz/s, every frame); an array broadcastable to
        ``batch_shape + (n_frames,)``; or a callable taking the frame-centre times
        in seconds, shape ``(n_frames,)``, and returning such an array.
    batch_shape : tuple of int
        Leading (batch) axes of the signal or spectrogram.
    n_frames : int
        Number of frames.
    times : ndarray, shape (n_frames,)
        Frame-centre times in seconds (:func:`frame_times`).

    Returns
    -------
    float or ndarray
        A float when every frame of every signal has the same rate; otherwise a
        read-only float64 array of shape ``batch_shape + (n_frames,)``.
    """
    from ._auto import AutoChirp

    source = "chirp_rate"
    if isinstance(chirp_rate, AutoChirp):
        raise ParameterError(
            "chirp_rate='auto' depends on the signal, which istft does not have; pass the rates the "
            "forward transform used: S, rates = chirpstft.stft(x, chirp_rate='auto', return_rates=True) "
            "(or chirpstft.estimate_chirp_rates(x, ...)), then istft(S, chirp_rate=rates, ...)"
        )
    if callable(chirp_rate):
        source = "the chirp_rate callable's result"
        rates = _as_rates(chirp_rate(np.array(times, dtype=np.float64)), source)
    elif isinstance(chirp_rate, float):
        return chirp_rate
    else:
        rates = _as_rates(chirp_rate, source)
    target = (*batch_shape, n_frames)
    if rates.ndim > len(target) or not _broadcastable(rates.shape, target):
        raise ParameterError(
            f"{source} has shape {rates.shape}, which does not broadcast to "
            f"(..., n_frames) = {target}; pass a scalar, one rate per frame "
            f"(shape ({n_frames},)), or one per signal and frame"
        )
    if rates.size and np.all(rates == rates.flat[0]):
        return float(rates.flat[0])
    out = np.broadcast_to(rates, target)
    return out


def _broadcastable(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    for have, want in zip(reversed(shape), reversed(target), strict=False):
        if have not in (1, want):
            return False
    return True


def renyi_entropy(S: Any, order: float = 3.0, *, axis: tuple[int, int] = (-2, -1)) -> np.ndarray:
    """Rényi entropy (in bits) of the time-frequency distribution ``|S|**2``.

    ``H = log2(sum P**order) / (1 - order)`` with ``P = |S|**2 / sum |S|**2`` over
    ``axis``. Lower means more concentrated; order 3 is the usual choice for
    time-frequency distributions.

    Parameters
    ----------
    S : array_like, shape (..., n_freqs, n_frames)
        A (complex) STFT or a magnitude spectrogram.
    order : float
        Entropy order, positive and not 1.
    axis : tuple of int
        Axes over which the distribution is normalised.

    Returns
    -------
    ndarray
        One entropy per leading index (a 0-d array for a single spectrogram).
    """
    order = float(order)
    if not np.isfinite(order) or order <= 0 or order == 1:
        raise ParameterError(f"order={order} must be a positive number other than 1")
    power = np.abs(np.asarray(S)).astype(np.float64) ** 2
    total = power.sum(axis=axis, keepdims=True)
    if np.any(total == 0):
        raise ParameterError("S is all zeros over the given axes; its entropy is undefined")
    p = power / total
    return np.log2((p**order).sum(axis=axis)) / (1.0 - order)
