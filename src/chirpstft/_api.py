"""Functional interface: thin wrappers that build (or reuse, :func:`cached_plan`) a plan."""

from __future__ import annotations

from typing import Any, Unpack

import numpy as np

from . import _dask
from ._docs import fill_doc
from ._errors import ParameterError
from ._plan import PlanParams, cached_plan, clear_plan_cache, plan_for, plan_from
from ._spec import FFT_MODES, FFTMode, Method, PadMode, Scaling, default_fft_mode, n_fft_for
from ._validation import option
from .chirp import AutoChirp, Rates

__all__ = ["cached_plan", "clear_plan_cache", "estimate_chirp_rates", "istft", "spectrogram", "stft"]


@fill_doc
def stft(
    x: Any,
    *,
    return_rates: bool = False,
    out: np.ndarray | None = None,
    **kwargs: Unpack[PlanParams],
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Chirp-window short-time Fourier transform.

    ``S[..., q, m] = sum_k frame_m[k] * conj(g_m[k]) * exp(-2j*pi*q*k/n_fft)`` with
    ``g_m[k] = w[k] * exp(1j*pi*a_m*t_k**2)``, ``t_k = (k - n_fft//2)/fs``. A linear
    chirp rising at ``a`` Hz/s is most concentrated at ``chirp_rate=a``; with all
    rates 0 the result equals ``librosa.stft`` with the same arguments.
    The plan behind it (:class:`ChirpSTFT`, memoised for hashable parameters) does the
    work; ``chirp_rate="auto"`` chooses every frame's rate from the data
    (:func:`chirpstft.estimate_chirp_rates`).

    Parameters
    ----------
    %(x)s
    %(analysis)s
    %(fft_mode)s
    %(backend)s
    %(return_rates)s
    %(out)s
    **kwargs
        The plan's parameters above, from ``fs`` to ``backend``, by name (their defaults are
        those of :class:`ChirpSTFT`).

    Returns
    -------
    S : ndarray, shape (..., n_freqs, n_frames)
        complex64 for float32 input, complex128 for float64 (and integer) input. A NaN or
        inf in ``x`` makes exactly the frames whose support contains it non-finite.
    rates : ndarray, shape (..., n_frames)
        The rates, only with ``return_rates=True``.

    Raises
    ------
    ParameterError
        If a parameter is out of range (each message names it), ``x`` is empty or 0-d, or
        ``center=False`` and ``x`` is shorter than ``n_fft``.
    InputTypeError
        If ``x`` or a parameter has the wrong type.
    BackendUnavailableError
        If the requested backend cannot run here.

    Examples
    --------
    >>> import numpy as np, chirpstft
    >>> x = np.random.default_rng(0).standard_normal((3, 1440)).astype(np.float32)
    >>> S = chirpstft.stft(x, fs=1/60, n_fft=128, hop_length=32, chirp_rate=1e-7)
    >>> S.shape, S.dtype
    ((3, 128, 46), dtype('complex64'))
    """
    return plan_from("stft", kwargs).stft(x, return_rates=return_rates, out=out)


@fill_doc
def spectrogram(
    x: Any,
    *,
    scaling: Scaling = "magnitude",
    out: np.ndarray | None = None,
    **kwargs: Unpack[PlanParams],
) -> np.ndarray:
    """Magnitude (``|S|``), power (``|S|**2``) or PSD of the chirp STFT.

    Computed without a complex intermediate on the fast backends.

    Parameters
    ----------
    %(x)s
    %(scaling)s
    %(out)s
    %(analysis)s
    %(fft_mode)s
    %(backend)s
    **kwargs
        The plan's parameters above, from ``fs`` to ``backend``, by name (as :func:`stft`).

    Returns
    -------
    ndarray, shape (..., n_freqs, n_frames)
        float32 for float32 input, float64 otherwise.

    Raises
    ------
    ParameterError, InputTypeError, BackendUnavailableError
        As :func:`stft`.
    """
    return plan_from("spectrogram", kwargs).spectrogram(x, scaling=scaling, out=out)


@fill_doc
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
    fft_mode: FFTMode | None = None,
    method: Method = "ls",
    real: bool | None = None,
    backend: str | None = None,
) -> np.ndarray:
    """Exact inverse chirp STFT (least squares or overlap-add).

    Pass the parameters used for the forward transform (with ``chirp_rate="auto"``, the rates
    it returned with ``return_rates=True``).

    Parameters
    ----------
    %(S)s
    %(fs)s
    n_fft : int >= 1 or None, default None
        Frame length and FFT size of the forward transform; None infers it from ``S``:
        ``2 * (n_freqs - 1)`` for onesided ``S`` (pass ``n_fft`` for an odd ``n_fft``),
        ``n_freqs`` otherwise.
    %(hop_length)s
    %(win_length)s
    %(window)s
    chirp_rate : float, array_like or callable, default 0.0
        The forward transform's chirp rates in Hz/s (a number, an array broadcastable to
        ``(..., n_frames)``, or a callable of the frame times); ``"auto"`` is refused: pass
        the rates the forward transform returned.
    %(center)s
    %(length)s
    %(fft_mode)s
    %(method)s
    %(real)s
    %(backend)s

    Returns
    -------
    ndarray, shape (..., length)
        float32/complex64 for complex64 ``S``, float64/complex128 otherwise. Output samples
        that no window covers are 0, with an :class:`~chirpstft.UnrecoverableSamplesWarning`.

    Raises
    ------
    ParameterError
        If ``S`` does not match ``n_fft``/``fft_mode``, the window is not NOLA (``"ls"``) or
        COLA (``"ola"``) at this hop, or ``S`` is onesided output of a complex analysis.

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
            mode = default_fft_mode(complex_window or Rates.of(chirp_rate).may_chirp)
        mode = option(mode, "fft_mode", FFT_MODES)
        n_fft = n_fft_for(mode, shape[-2])
        if n_fft < 1:
            raise ParameterError(f"cannot infer n_fft from S with {shape[-2]} frequency bin(s); pass n_fft")
    plan = plan_for(locals(), pad_mode="constant")
    return plan.prepare_inverse(S, length=length, method=method, real=real).run(stacklevel=2)


@fill_doc
def estimate_chirp_rates(
    x: Any,
    *,
    fs: float = 1.0,
    n_fft: int = 256,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Any = "hann",
    center: bool = True,
    pad_mode: PadMode = "constant",
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
    exact inverse.

    Parameters
    ----------
    %(x)s
    %(fs)s
    %(n_fft)s
    %(hop_length)s
    %(win_length)s
    %(window)s
    %(center)s
    %(pad_mode)s
    %(candidates)s
    %(smooth)s
    %(order)s
    %(backend)s

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
    auto = AutoChirp(candidates=candidates, smooth=smooth, order=order)
    plan = plan_for(locals(), chirp_rate=auto, fft_mode=None)
    analysis = plan.prepare(x)
    if _dask.is_dask_array(analysis.x):  # the lazy scan, computed: an ndarray as for any input
        return np.asarray(_dask.rates(analysis).compute(), dtype=np.float64)
    return np.array(analysis.rates, dtype=np.float64)
