"""Functional interface: thin wrappers that build (or reuse) a :class:`ChirpSTFT` plan."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from . import chirp as _chirp
from ._errors import ParameterError
from ._plan import FFT_MODES, ChirpSTFT, default_fft_mode
from ._validation import option

__all__ = ["clear_plan_cache", "istft", "spectrogram", "stft"]

_PLAN_CACHE: OrderedDict[tuple, ChirpSTFT] = OrderedDict()
_PLAN_CACHE_SIZE = 32


def clear_plan_cache() -> None:
    """Forget the plans memoised by :func:`stft`, :func:`istft` and :func:`spectrogram`."""
    _PLAN_CACHE.clear()


def _plan(**params: Any) -> ChirpSTFT:
    """A plan for ``params``, memoised when every parameter is hashable (no arrays)."""
    try:
        key = tuple(sorted((k, (type(v), v)) for k, v in params.items()))
        hash(key)
    except TypeError:
        return ChirpSTFT(**params)
    plan = _PLAN_CACHE.get(key)
    if plan is None:
        plan = ChirpSTFT(**params)
        _PLAN_CACHE[key] = plan
        if len(_PLAN_CACHE) > _PLAN_CACHE_SIZE:
            _PLAN_CACHE.popitem(last=False)
    else:
        _PLAN_CACHE.move_to_end(key)
    return plan


def stft(
    x: Any,
    *,
    fs: float = 1.0,
    n_fft: int = 256,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Any = "hann",
    chirp_rate: Any = 0.0,
    center: bool = True,
    pad_mode: str = "constant",
    fft_mode: str | None = None,
    backend: str | None = None,
    return_rates: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Chirp-window short-time Fourier transform.

    ``S[..., q, m] = sum_k frame_m[k] * conj(g_m[k]) * exp(-2j*pi*q*k/n_fft)`` with
    ``g_m[k] = w[k] * exp(1j*pi*a_m*t_k**2)``, ``t_k = (k - n_fft//2)/fs``. A linear
    chirp rising at ``a`` Hz/s is most concentrated at ``chirp_rate=a``; with all
    rates 0 the result equals ``librosa.stft`` with the same arguments.
    See :class:`ChirpSTFT` for every parameter; ``chirp_rate="auto"`` chooses every
    frame's rate from the data (:func:`chirpstft.estimate_chirp_rates`).

    Parameters
    ----------
    x : array_like, shape (..., n_samples)
        Signal(s), real or complex, time on the last axis (a Dask array gives a lazy
        Dask result).
    return_rates : bool
        Also return the chirp rate of every frame, float64 ``(..., n_frames)`` (the
        chosen ones with ``chirp_rate="auto"``): pass them to :func:`istft` to invert.

    Returns
    -------
    ndarray, shape (..., n_freqs, n_frames)
        complex64 for float32 input, complex128 for float64 (and integer) input.
    ndarray, shape (..., n_frames)
        The rates, only with ``return_rates=True``.

    Examples
    --------
    >>> import numpy as np, chirpstft
    >>> x = np.random.default_rng(0).standard_normal((3, 1440)).astype(np.float32)
    >>> S = chirpstft.stft(x, fs=1/60, n_fft=128, hop_length=32, chirp_rate=1e-7)
    >>> S.shape, S.dtype
    ((3, 128, 46), dtype('complex64'))
    """
    plan = _plan(
        fs=fs,
        n_fft=n_fft,
        hop_length=hop_length,
        win_length=win_length,
        window=window,
        chirp_rate=chirp_rate,
        center=center,
        pad_mode=pad_mode,
        fft_mode=fft_mode,
        backend=backend,
    )
    return plan.stft(x, return_rates=return_rates)


def spectrogram(
    x: Any,
    *,
    fs: float = 1.0,
    n_fft: int = 256,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Any = "hann",
    chirp_rate: Any = 0.0,
    center: bool = True,
    pad_mode: str = "constant",
    fft_mode: str | None = None,
    scaling: str = "magnitude",
    backend: str | None = None,
) -> np.ndarray:
    """Magnitude (``|S|``), power (``|S|**2``) or PSD of the chirp STFT.

    Parameters as :func:`stft`, plus ``scaling`` (see :meth:`ChirpSTFT.spectrogram`).

    Returns
    -------
    ndarray, shape (..., n_freqs, n_frames)
        float32 for float32 input, float64 otherwise.
    """
    plan = _plan(
        fs=fs,
        n_fft=n_fft,
        hop_length=hop_length,
        win_length=win_length,
        window=window,
        chirp_rate=chirp_rate,
        center=center,
        pad_mode=pad_mode,
        fft_mode=fft_mode,
        backend=backend,
    )
    return plan.spectrogram(x, scaling=scaling)


def istft(
    S: Any,
    *,
    fs: float = 1.0,
    n_fft: int | None = None,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Any = "hann",
    chirp_rate: Any = 0.0,
    center: bool = True,
    length: int | None = None,
    fft_mode: str | None = None,
    method: str = "ls",
    real: bool | None = None,
    backend: str | None = None,
) -> np.ndarray:
    """Exact inverse chirp STFT (least squares or overlap-add).

    Pass the parameters used for the forward transform. ``n_fft`` defaults to the
    one implied by ``S``: ``2 * (n_freqs - 1)`` for onesided ``S`` (pass ``n_fft``
    for an odd ``n_fft``), ``n_freqs`` otherwise. See :meth:`ChirpSTFT.istft` for
    ``length``, ``method`` and ``real``.

    Examples
    --------
    >>> import numpy as np, chirpstft
    >>> x = np.random.default_rng(1).standard_normal(1000)
    >>> S = chirpstft.stft(x, n_fft=64, chirp_rate=0.002)
    >>> y = chirpstft.istft(S, n_fft=64, chirp_rate=0.002, length=x.size, real=True)
    >>> float(np.max(np.abs(y - x))) < 1e-12
    True
    """
    if n_fft is None:
        shape = np.shape(S)
        if len(shape) < 2:
            raise ParameterError(f"S has shape {shape}; an STFT has shape (..., n_freqs, n_frames)")
        mode = fft_mode
        if mode is None:
            complex_window = (
                not isinstance(window, (str, tuple)) and np.iscomplexobj(window) and np.any(np.imag(window))
            )
            mode = default_fft_mode(complex_window or not _chirp.is_static_zero(chirp_rate))
        mode = option(mode, "fft_mode", FFT_MODES)
        n_fft = 2 * (shape[-2] - 1) if mode == "onesided" else shape[-2]
        if n_fft < 1:
            raise ParameterError(f"cannot infer n_fft from S with {shape[-2]} frequency bin(s); pass n_fft")
    plan = _plan(
        fs=fs,
        n_fft=n_fft,
        hop_length=hop_length,
        win_length=win_length,
        window=window,
        chirp_rate=chirp_rate,
        center=center,
        pad_mode="constant",
        fft_mode=fft_mode,
        backend=backend,
    )
    return plan._istft(S, length, method, real, stacklevel=3)
