"""Chirp rates: constant, per frame, a function of time, or chosen from the data ("auto").

Frame ``m`` uses the analysis window ``g_m[k] = w[k] * exp(1j*pi*a_m*t_k**2)`` with
``t_k = (k - n_fft//2) / fs`` seconds (zero at the window centre) and ``a_m`` the
chirp rate of frame ``m`` in Hz/s. This module is the one place that interprets
``chirp_rate``, in two forms:

* :class:`Rates` -- the user's ``chirp_rate`` validated before any signal is seen, in one of four
  kinds (``"constant"``, ``"per_frame"``, ``"callable"``, ``"auto"``; :func:`check_static`),
  with the questions every path asks: may it chirp, is the analysis complex, the one constant
  rate when there is one, the rates of a whole input (:meth:`Rates.resolve`) or of a range of
  frames (:meth:`Rates.frames`, streams);
* the **resolved** rates that the backends take: one Python float (the same rate for every
  frame of every signal) or a float64 array ``(..., n_frames)``, asked with :func:`is_chirped` and
  :func:`is_per_frame`, and sliced for a block with :func:`block_of`.

An :class:`AutoChirp` is resolved from the signal by :mod:`chirpstft._auto`, since it needs the data.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ._docs import fill_doc
from ._errors import InputTypeError, ParameterError
from ._spec import frame_times
from ._validation import numeric_array, positive_int, real_number, sampling_rate

__all__ = [
    "AutoChirp",
    "Rates",
    "block_of",
    "default_chirp_candidates",
    "frame_times",
    "is_chirped",
    "is_complex_analysis",
    "is_per_frame",
    "renyi_entropy",
]

ChirpRate = float | np.ndarray | Callable[[np.ndarray], Any]
_RATES_ARRAY = "an array of rates in Hz/s"
#: The four kinds of a validated ``chirp_rate``.
RateKind = Literal["constant", "per_frame", "callable", "auto"]

#: What ``chirp_rate="auto"`` cannot do without the signal (the inverse), and the fix.
AUTO_NEEDS_RATES = (
    "chirp_rate='auto' depends on the signal, which istft does not have; pass the rates the "
    "forward transform used: S, rates = chirpstft.stft(x, chirp_rate='auto', return_rates=True) "
    "(or chirpstft.estimate_chirp_rates(x, ...)), then istft(S, chirp_rate=rates, ...)"
)


def default_chirp_candidates(fs: float, n_fft: int) -> np.ndarray:
    """The default grid of candidate chirp rates in Hz/s for ``fs`` and ``n_fft``.

    ``k * 2*fs**2/n_fft**2`` for ``k = -K..K``, ``K = max(1, n_fft // 8)``: spacing such
    that the quadratic phase error to the nearest candidate is at most ``pi/4`` at the
    window edges, range such that the frequency moves by at most ``fs/4`` over a frame
    (see :mod:`chirpstft._auto`).

    Parameters
    ----------
    fs : float > 0
        Sampling rate in Hz.
    n_fft : int >= 1
        Frame length in samples.

    Returns
    -------
    ndarray, shape (2*K + 1,)
        float64 rates in Hz/s, ascending, 0 included.

    Examples
    --------
    >>> import chirpstft
    >>> c = chirpstft.default_chirp_candidates(fs=100.0, n_fft=128)
    >>> c.size, float(c[1] - c[0]), float(c.max())
    (33, 1.220703125, 19.53125)
    """
    fs = sampling_rate(fs, "fs")
    n_fft = positive_int(n_fft, "n_fft")
    half = max(1, n_fft // 8)
    step = 2.0 * fs**2 / n_fft**2
    return np.arange(-half, half + 1, dtype=np.float64) * step


def _check_candidates(candidates: Any) -> tuple[float, ...] | None:
    if candidates is None:
        return None
    if isinstance(candidates, (str, bytes)):
        raise InputTypeError(f"candidates={candidates!r} must be an array of chirp rates in Hz/s")
    arr = numeric_array(
        candidates, "candidates", "iuf", "pass a 1-d array of real chirp rates in Hz/s", what=_RATES_ARRAY
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
@fill_doc
class AutoChirp:
    """Settings of the automatic chirp rate (``chirp_rate="auto"`` is ``AutoChirp()``).

    Pass an instance as ``chirp_rate`` to :func:`chirpstft.stft`, :func:`chirpstft.spectrogram`,
    :func:`chirpstft.render` or :class:`chirpstft.ChirpSTFT` to choose the rate of every frame
    from the data. Get the rates that were used with ``stft(..., return_rates=True)`` (or
    :func:`estimate_chirp_rates`) and pass them to ``istft`` to invert exactly.

    Parameters
    ----------
    %(candidates)s
    %(smooth)s
    %(order)s
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
        """The candidate rates (Hz/s): ``candidates``, or :func:`default_chirp_candidates` when None.

        Parameters
        ----------
        fs : float > 0
            Sampling rate (Hz) of the signal to scan.
        n_fft : int >= 1
            Its frame length in samples.
        """
        if self.candidates is None:
            return default_chirp_candidates(fs, n_fft)
        return np.array(self.candidates, dtype=np.float64)


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
    fix = "pass a real number in Hz/s, an array of per-frame rates, or a callable of the frame times"
    arr = numeric_array(value, name, "iuf", fix, what=_RATES_ARRAY)
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} contains NaN or inf; every chirp rate must be finite (Hz/s)")
    return arr


def check_static(chirp_rate: Any) -> Any:
    """Validate what can be validated of ``chirp_rate`` before any signal is seen."""
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


def _broadcastable(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    for have, want in zip(reversed(shape), reversed(target), strict=False):
        if have not in (1, want):
            return False
    return True


def _collapse(rates: np.ndarray, target: tuple[int, ...]) -> float | np.ndarray:
    """The one rule: rates equal for every frame become one float (one kernel path, the packed
    real analysis when it is 0); others a read-only view of shape ``target``."""
    if rates.size and np.all(rates == rates.flat[0]):
        return float(rates.flat[0])
    return np.broadcast_to(rates, target)


# ---------------------------------------------------------------------------- resolved rates
def is_chirped(rates: float | np.ndarray) -> bool:
    """Whether resolved ``rates`` (a float, or per-frame float64) chirp any frame."""
    return bool(np.ndim(rates)) or rates != 0.0


def is_per_frame(rates: float | np.ndarray) -> bool:
    """Whether resolved ``rates`` are an array of per-frame rates (else one float for all frames)."""
    return bool(np.ndim(rates))


def is_complex_analysis(chirps: bool, complex_input: bool, window_is_real: bool) -> bool:
    """The one rule: an analysis is complex (twosided spectra, no packed real FFT, no onesided
    inverse) when the input is complex, the window is complex, or the rates chirp."""
    return complex_input or not window_is_real or chirps


def block_of(
    rates: float | np.ndarray, batch: tuple[slice, ...], start: int, stop: int
) -> float | np.ndarray:
    """Resolved ``rates`` of the signals ``batch`` (slices of the batch axes) and frames
    ``start`` to ``stop - 1`` (a block of a Dask graph); one float stays one float."""
    if not is_per_frame(rates):
        return rates
    return rates[(*batch, slice(start, stop))]


# ---------------------------------------------------------------------------- validated rates
@dataclass(frozen=True, eq=False)
class Rates:
    """A validated ``chirp_rate`` and the questions every path asks of it.

    Build it with :meth:`of`, which validates (:func:`check_static`).

    Parameters
    ----------
    value : float, ndarray, callable or AutoChirp
        A float (``"constant"``), a read-only float64 array broadcastable to ``(..., n_frames)``
        (``"per_frame"``), a callable of the frame times (``"callable"``) or an
        :class:`AutoChirp` (``"auto"``).
    """

    value: Any

    @classmethod
    def of(cls, chirp_rate: Any) -> Rates:
        """``chirp_rate`` validated (a :class:`Rates` is returned as it is)."""
        return chirp_rate if isinstance(chirp_rate, Rates) else cls(check_static(chirp_rate))

    @property
    def kind(self) -> RateKind:
        if isinstance(self.value, AutoChirp):
            return "auto"
        if isinstance(self.value, float):
            return "constant"
        return "callable" if callable(self.value) else "per_frame"

    @property
    def auto(self) -> AutoChirp | None:
        """The automatic-rate request, or None."""
        return self.value if isinstance(self.value, AutoChirp) else None

    @property
    def may_chirp(self) -> bool:
        """False only when every frame is known to have rate 0 before any signal is seen."""
        return not is_static_zero(self.value)

    @property
    def constant(self) -> float | None:
        """The rate of every frame when one number, known before any signal (a per-frame array
        whose values are all equal counts, by the rule of :meth:`resolve`); else None."""
        if self.kind == "constant":
            return self.value
        if self.kind == "per_frame":
            one = _collapse(self.value, self.value.shape)
            return one if isinstance(one, float) else None
        return None

    def complex_analysis(self, complex_input: bool, window_is_real: bool) -> bool:
        """:func:`is_complex_analysis` before any signal is seen (a callable or ``auto`` may chirp).

        Parameters
        ----------
        complex_input : bool
            Whether the input is complex.
        window_is_real : bool
            Whether the window is real.
        """
        return is_complex_analysis(self.may_chirp, complex_input, window_is_real)

    def static_bound(self, fs: float, n_fft: int) -> float | None:
        """The largest ``|rate|`` known before any signal (the candidate grid of ``auto``), or None
        (a callable, or no rate).

        Parameters
        ----------
        fs : float
            Sampling rate in Hz.
        n_fft : int
            Frame length.
        """
        values = self.value.grid(fs, n_fft) if self.kind == "auto" else self.value
        if self.kind == "callable" or not np.size(values):
            return None
        return float(np.max(np.abs(values)))

    def resolve(
        self, *, batch_shape: tuple[int, ...], n_frames: int, times: np.ndarray
    ) -> float | np.ndarray:
        """The rates of a whole input of ``batch_shape`` signals and ``n_frames`` frames.

        A number applies to every frame; an array must broadcast to ``batch_shape + (n_frames,)``;
        a callable is evaluated on ``times`` (the frame centres in seconds, :func:`frame_times`)
        and must return such an array. Returns a float when every frame of every signal has the
        same rate, otherwise a read-only float64 array ``batch_shape + (n_frames,)``.
        ``"auto"`` raises: its rates come from the samples (:mod:`chirpstft._auto`).

        Parameters
        ----------
        batch_shape : tuple of int
            Leading axes of the input.
        n_frames : int
            Frames of the input.
        times : ndarray, shape (n_frames,)
            Frame centres in seconds.
        """
        chirp_rate = self.value
        source = "chirp_rate"
        if isinstance(chirp_rate, AutoChirp):
            raise ParameterError(AUTO_NEEDS_RATES)
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
        return _collapse(rates, target)

    def frames(
        self,
        *,
        batch_shape: tuple[int, ...],
        start: int,
        stop: int,
        times: np.ndarray,
        n_total: int | None = None,
        given: Any = None,
    ) -> float | np.ndarray:
        """The rates of frames ``start`` to ``stop - 1`` of a signal seen in parts (streams).

        The float when the rate is one number, else a float64 array ``(*batch_shape, stop -
        start)``, never collapsed to a float (so a kernel takes the same per-frame path for every
        part). A per-frame array holds the rates of the whole signal and is sliced (``n_total``,
        when known, is the whole signal's frame count); a callable is evaluated on ``times``, the
        centres of these frames.

        Parameters
        ----------
        batch_shape : tuple of int
            Leading axes of the signal.
        start, stop : int
            The frame range.
        times : ndarray, shape (stop - start,)
            Centres of these frames in seconds.
        n_total : int or None
            Frames of the whole signal, when known.
        given : array_like or None
            Rates passed with the frames to an inverse stream (broadcastable to the target),
            replacing the plan's.
        """
        chirp_rate = self.value
        k = stop - start
        target = (*batch_shape, k)
        source = chirp_rate if given is None else given
        if given is None and isinstance(source, float):
            return source
        if given is None and isinstance(source, AutoChirp):
            raise ParameterError(
                "chirp_rate='auto' depends on the signal, which the inverse stream does not have; pass the "
                "rates of every block of frames: push(S_block, rates=rates_block), as returned by "
                "StreamingSTFT(..., return_rates=True)"
            )
        if given is None and callable(source):
            name = "the chirp_rate callable's result"
            rates = _as_rates(source(times), name)
        else:
            rates = source if isinstance(source, np.ndarray) else _as_rates(source, "rates")
            name = "chirp_rate" if given is None else "rates"
            if given is None and rates.ndim and rates.shape[-1] != 1:
                if n_total is not None and rates.shape[-1] != n_total:
                    raise ParameterError(
                        f"chirp_rate has {rates.shape[-1]} per-frame rates but the stream has {n_total} "
                        f"frames; pass one rate per frame of the whole signal"
                    )
                if rates.shape[-1] < stop:
                    raise ParameterError(
                        f"chirp_rate has {rates.shape[-1]} per-frame rates but the stream has reached frame "
                        f"{stop - 1}; pass one rate per frame of the whole signal (or a callable of time)"
                    )
                rates = rates[..., start:stop]
        if rates.ndim > len(target) or not _broadcastable(rates.shape, target):
            raise ParameterError(
                f"{name} has shape {rates.shape}, which does not broadcast to (..., n_frames) = {target} "
                f"for these frames; pass a scalar, one rate per frame, or one per signal and frame"
            )
        out = np.empty(target, dtype=np.float64)
        out[...] = rates
        return out


def renyi_entropy(S: Any, order: float = 3.0, *, axis: tuple[int, int] = (-2, -1)) -> np.ndarray:
    """Rényi entropy (in bits) of the time-frequency distribution ``|S|**2``.

    ``H = log2(sum P**order) / (1 - order)`` with ``P = |S|**2 / sum |S|**2`` over
    ``axis``. Lower means more concentrated; order 3 is the usual choice for
    time-frequency distributions.

    Parameters
    ----------
    S : array_like, shape (..., n_freqs, n_frames)
        A (complex) STFT or a magnitude spectrogram.
    order : float > 0, != 1, default 3.0
        Entropy order.
    axis : tuple of int, default (-2, -1)
        Axes over which the distribution is normalised.

    Returns
    -------
    ndarray
        One entropy per leading index (a 0-d array for a single spectrogram).
    """
    order = real_number(order, "order", low=0.0, strict_low=True)
    if order == 1:
        raise ParameterError(f"order={order} must be a positive number other than 1")
    S = numeric_array(S, "S", "biufc", "pass a (complex) STFT or a magnitude spectrogram")
    power = np.abs(S).astype(np.float64) ** 2
    total = power.sum(axis=axis, keepdims=True)
    if np.any(total == 0):
        raise ParameterError("S is all zeros over the given axes; its entropy is undefined")
    p = power / total
    return np.log2((p**order).sum(axis=axis)) / (1.0 - order)
