"""Prepared transforms: what a :class:`~chirpstft.ChirpSTFT` plan hands to every execution path.

:meth:`ChirpSTFT.prepare` validates a signal against the plan's parameters once and returns an
:class:`Analysis`; :meth:`ChirpSTFT.prepare_inverse` does the same for an STFT and returns an
:class:`Inverse`. The in-memory path runs them whole (:meth:`Analysis.run`,
:meth:`Inverse.run`); the Dask adapter runs an :class:`Analysis` block by block, the streams
frame range by frame range (:meth:`Analysis.run_frames`, :meth:`Inverse.run_frames`), all with
the same backend, working dtype, frame geometry, rates and fft mode. Nothing here validates
user input: that is the plan's job, done before these objects exist.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from . import _auto
from ._errors import UnrecoverableSamplesWarning
from ._spec import ENVELOPE_TOL, FFTMode, FrameSpec, Method, n_freqs_for
from ._validation import complex_dtype, output_buffer, real_dtype_of
from .backends import Capabilities
from .backends.numpy_ref import overlap_add
from .chirp import AutoChirp, Rates

__all__ = ["Analysis", "Inverse", "PlanLike"]


@runtime_checkable
class PlanLike(Protocol):
    """What the streams need of a plan (:class:`~chirpstft.ChirpSTFT` is the one implementation)."""

    def prepare(self, x: Any, **kwargs: Any) -> Analysis: ...

    def prepare_inverse(self, S: Any, **kwargs: Any) -> Inverse: ...


@dataclass(frozen=True, eq=False)
class _Prepared:
    """What a prepared forward and inverse transform share (their fields are documented there)."""

    backend: Capabilities
    spec: FrameSpec
    fft_mode: FFTMode
    rates: float | np.ndarray | None
    chirp: Rates

    @property
    def n_freqs(self) -> int:
        """Frequency bins of the spectra (the output of an analysis, ``S`` of an inverse)."""
        return n_freqs_for(self.fft_mode, self.spec.n_fft)


@dataclass(frozen=True, eq=False)
class Analysis(_Prepared):
    """One validated forward transform (STFT or spectrogram) of one input.

    What :meth:`ChirpSTFT.prepare` returns and every path executes: :meth:`run` for the whole
    input, the streams and Dask for frame ranges (:meth:`run_frames`). Immutable; build it with
    the plan, which validates everything it holds.

    Parameters
    ----------
    backend : Capabilities
        The backend that runs it, and what that backend can do.
    x : array, shape (..., n_samples)
        The input in its working dtype (float32, float64, complex64 or complex128): a NumPy,
        CuPy or Dask array.
    spec : FrameSpec
        Frame geometry, window and padding of the plan.
    fft_mode : {"onesided", "twosided", "centered"}
        Bins of the output.
    n_frames : int
        Frames of the whole input (0 for a stream's first chunk, whose length says nothing).
    rates : float, ndarray or None
        The resolved chirp rates: one float for every frame, or float64 ``(..., n_frames)``;
        None when they are chosen from the samples (``auto``, before :meth:`chosen_rates`) or
        not yet known (a stream).
    chirp : Rates
        The plan's validated ``chirp_rate`` (:class:`chirpstft.chirp.Rates`): its kind, the
        ``auto`` request, the rates of a range of frames (:meth:`rates_of_frames`).
    power : int
        0 for the complex STFT, 1 or 2 for ``|S|**power * scale``.
    scale : float or ndarray, shape (n_freqs, 1)
        Scale of each spectrogram row.
    """

    x: np.ndarray  # or a CuPy or Dask array
    n_frames: int
    power: int = 0
    scale: float | np.ndarray = 1.0

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Leading axes of the input."""
        return tuple(self.x.shape[:-1])

    @property
    def is_complex(self) -> bool:
        """Whether the input is complex."""
        return np.iscomplexobj(self.x)

    @property
    def out_dtype(self) -> np.dtype:
        """dtype of the output: complex (STFT) or real (spectrogram), in the working precision."""
        real = real_dtype_of(self.x.dtype)
        return complex_dtype(real) if self.power == 0 else real

    def granule(self, rates: Any = None, n_frames: int | None = None) -> int:
        """The backend's frame granule: parts computed in blocks of it give the whole's bits.

        Parameters
        ----------
        rates : float, ndarray or None
            Resolved rates (None: this analysis's).
        n_frames : int or None
            Frames of the signal (None: a long one).
        """
        rates = self.rates if rates is None else rates
        return self.backend.frame_granule(self.spec, rates, self.is_complex, n_frames)

    @property
    def auto(self) -> AutoChirp | None:
        """The automatic-rate request, if any."""
        return self.chirp.auto

    def chosen_rates(self, x: Any, spec: FrameSpec, n_frames: int) -> np.ndarray:
        """``chirp_rate="auto"``: the rates chosen on the samples.

        Parameters
        ----------
        x : array, shape (..., n_samples)
            The whole input, or a part of it (already padded).
        spec : FrameSpec
            How ``x`` is framed (the plan's, or its unpadded form for a part).
        n_frames : int
            Frames of ``x``.
        """
        return _auto.rates_for(self.chirp.auto, self.backend, x, spec, n_frames)

    def rates_of_frames(
        self, start: int, stop: int, n_total: int | None = None, given: Any = None
    ) -> float | np.ndarray:
        """The plan's rates of frames ``start`` to ``stop - 1`` (see :meth:`chirpstft.Rates.frames`).

        Parameters
        ----------
        start, stop : int
            The frame range.
        n_total : int or None
            Frames of the whole signal, when known (a per-frame array must match it).
        given : array_like or None
            Rates passed with the frames, replacing the plan's.
        """
        times = self.spec.frame_times(stop - start, first=start)
        return self.chirp.frames(
            batch_shape=self.batch_shape, start=start, stop=stop, times=times, n_total=n_total, given=given
        )

    def run_frames(self, x: Any, spec: FrameSpec, rates: Any, n_frames: int, out: Any = None) -> Any:
        """The transform of frames of ``x`` (a whole input or a padded part).

        Parameters
        ----------
        x : array, shape (..., n_samples)
            The samples, in the working dtype.
        spec : FrameSpec
            How ``x`` is framed.
        rates : float or ndarray
            Resolved rates of these frames.
        n_frames : int
            Frames to compute.
        out : ndarray or None
            Buffer of the result, filled in place (checked by :meth:`output_for`).
        """
        if out is not None and not self.backend.writes_out:
            out[...] = self.run_frames(x, spec, rates, n_frames)
            return out
        kw = {} if out is None else {"out": out}
        if self.power == 0:
            return self.backend.stft(x, spec, rates, self.fft_mode, n_frames, **kw)
        return self.backend.spectrogram(x, spec, rates, self.fft_mode, n_frames, self.power, self.scale, **kw)

    def run(self, out: Any = None) -> Any:
        """The transform of the whole (in-memory) input.

        Parameters
        ----------
        out : ndarray or None
            Buffer of the result, filled in place (checked by :meth:`output_for`).
        """
        return self.run_frames(self.x, self.spec, self.rates, self.n_frames, out)

    def output_for(self, out: Any) -> Any:
        """``out`` checked as the buffer of this transform's whole result.

        Parameters
        ----------
        out : ndarray
            Must have the result's shape and dtype, be C-contiguous, writable and apart from ``x``.
        """
        shape = (*self.batch_shape, self.n_freqs, self.n_frames)
        return output_buffer(out, shape, self.out_dtype, inputs=(self.x,))

    def full_rates(self, rates: Any = None, n_frames: int | None = None) -> np.ndarray:
        """Rates as a float64 array ``(..., n_frames)``.

        Parameters
        ----------
        rates : float, ndarray or None
            Resolved rates (None: this analysis's).
        n_frames : int or None
            Frames (None: this analysis's).
        """
        n_frames = self.n_frames if n_frames is None else n_frames
        out = np.empty((*self.batch_shape, n_frames), dtype=np.float64)
        out[...] = self.rates if rates is None else rates
        return out


@dataclass(frozen=True, eq=False)
class Inverse(_Prepared):
    """One validated inverse transform.

    What :meth:`ChirpSTFT.prepare_inverse` returns: :meth:`run` inverts the whole ``S``, the
    inverse stream overlap-adds blocks of frames (:meth:`run_frames`). Immutable; build it with
    the plan, which validates everything it holds.

    Parameters
    ----------
    backend : Capabilities
        The backend that runs it.
    S : array, shape (..., n_freqs, n_frames)
        The STFT in its working dtype (complex64 or complex128).
    spec : FrameSpec
        Frame geometry and window of the plan.
    fft_mode : {"onesided", "twosided", "centered"}
        Bins of ``S``.
    method : {"ls", "ola"}
        Least-squares or overlap-add synthesis.
    rates : float, ndarray or None
        Chirp rates of the frames of ``S`` (None for a stream, whose blocks bring their own).
    chirp : Rates
        The plan's validated ``chirp_rate`` (:class:`chirpstft.chirp.Rates`).
    real_output : bool
        Whether the result is real.
    out_dtype : dtype
        dtype of the result.
    length : int or None
        Output length (None: a stream that has not been told).
    envelope : callable
        ``envelope(n_frames, start, length) -> (inverse envelope, uncovered count)``, memoised
        by the plan.
    """

    S: np.ndarray  # or a CuPy or Dask array
    method: Method
    real_output: bool
    out_dtype: np.dtype
    length: int | None
    envelope: Callable[[int, int, int], tuple[np.ndarray, int]]

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Leading axes of ``S``."""
        return tuple(self.S.shape[:-2])

    def rates_of_frames(self, start: int, stop: int, given: Any = None) -> float | np.ndarray:
        """Rates of frames ``start`` to ``stop - 1``.

        Parameters
        ----------
        start, stop : int
            The frame range.
        given : array_like or None
            The block's own rates, replacing the plan's.
        """
        times = self.spec.frame_times(stop - start, first=start)
        return self.chirp.frames(
            batch_shape=self.batch_shape, start=start, stop=stop, times=times, given=given
        )

    def run_frames(self, S: Any, spec: FrameSpec, rates: Any, inv_env: Any, start: int, length: int) -> Any:
        """Overlap-add of the frames of ``S`` times ``inv_env``.

        Real for onesided ``S`` (a real analysis), complex otherwise, whatever ``real_output``:
        a stream normalises and takes the real part only once the overlap is complete.

        Parameters
        ----------
        S : array, shape (..., n_freqs, k)
            Frames, in the working dtype.
        spec : FrameSpec
            Their framing.
        rates : float or ndarray
            Their resolved rates.
        inv_env : ndarray, shape (length,)
            Reciprocal envelope of the output samples.
        start, length : int
            The output samples ``[start, start + length)`` of the overlap-add (padded coordinates).
        """
        return self.backend.istft(
            S, spec, rates, self.fft_mode, self.method, inv_env, start, length, self.fft_mode == "onesided"
        )

    def run(self, stacklevel: int = 2) -> Any:
        """The inverse of the whole ``S``, with a warning for the samples no window covers.

        Parameters
        ----------
        stacklevel : int
            Where that warning points (the user's call).
        """
        n_frames = self.S.shape[-1]
        inv_env, n_bad = self.envelope(n_frames, self.spec.pad, self.length)
        if n_bad:
            warn_uncovered(n_bad, self.length, stacklevel + 1)
        out = self.backend.istft(
            self.S,
            self.spec,
            self.rates,
            self.fft_mode,
            self.method,
            inv_env,
            self.spec.pad,
            self.length,
            self.real_output,
        )
        if out.dtype != self.out_dtype:
            out = out.astype(self.out_dtype)
        return out


def window_envelope(window: np.ndarray, method: Method, n_frames: int, hop: int) -> np.ndarray:
    """The overlap-added synthesis envelope of ``n_frames`` frames: ``sum_m |w|**2`` (``"ls"``)
    or ``sum_m conj(w)`` (``"ola"``), on padded samples ``0 .. (n_frames - 1) * hop + n_fft - 1``.
    The one rule behind the plan's inverse envelopes and the inverse stream's."""
    frame = np.abs(window) ** 2 if method == "ls" else np.conj(window)
    return overlap_add(np.broadcast_to(frame, (n_frames, window.shape[-1])), hop)


def covered(env: np.ndarray, peak: float) -> np.ndarray:
    """Output samples that some window covers: envelope above ``ENVELOPE_TOL`` of its peak."""
    return np.abs(env) > ENVELOPE_TOL * peak


def warn_uncovered(n_bad: int, length: int, stacklevel: int) -> None:
    """The one warning for output samples that no analysis window covers."""
    warnings.warn(
        f"{n_bad} of {length} output samples are covered by no analysis window "
        f"(window envelope below {ENVELOPE_TOL:g} of its peak) and are returned as 0; "
        f"the STFT holds no information about them (use center=True, a window "
        f"without zero end points, or a smaller length)",
        UnrecoverableSamplesWarning,
        stacklevel=stacklevel + 1,
    )


def resolve(chirp: Rates, spec: FrameSpec, batch_shape: tuple[int, ...], n_frames: int) -> float | np.ndarray:
    """The plan's rates for a whole input (see :meth:`chirpstft.chirp.Rates.resolve`)."""
    return chirp.resolve(batch_shape=batch_shape, n_frames=n_frames, times=spec.frame_times(n_frames))
