"""The :class:`ChirpSTFT` plan: validate once, cache derived arrays, prepare every transform.

The plan is the one place that reads its parameters: :meth:`ChirpSTFT.prepare` turns a signal
into a validated :class:`~chirpstft._prepared.Analysis` and :meth:`ChirpSTFT.prepare_inverse`
an STFT into an :class:`~chirpstft._prepared.Inverse`, which the in-memory path
(:meth:`ChirpSTFT.stft`, ...), the Dask adapter (:mod:`chirpstft._dask`), the streams
(:mod:`chirpstft._stream`) and the xarray adapter all execute.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypedDict

import numpy as np

from . import _dask
from ._docs import fill_doc
from ._errors import ParameterError
from ._prepared import Analysis, Inverse, covered, resolve, window_envelope
from ._spec import (
    ENVELOPE_TOL,
    FFT_MODES,
    METHODS,
    PAD_MODES,
    SCALINGS,
    FFTMode,
    FrameSpec,
    Method,
    PadMode,
    Scaling,
    bin_frequencies,
    default_fft_mode,
    n_freqs_for,
)
from ._stream import StreamingISTFT, StreamingSTFT
from ._validation import (
    as_working_array,
    boolean,
    check_size,
    finite_phase,
    option,
    positive_int,
    real_dtype_of,
    sampling_rate,
)
from .backends import Capabilities, backend_for, get_backend
from .chirp import Rates, is_chirped, is_complex_analysis
from .windows import cola_holds, get_window, nola_holds

__all__ = [
    "PLAN_PARAMS",
    "AnalysisParams",
    "ChirpSTFT",
    "PlanParams",
    "cached_plan",
    "clear_plan_cache",
    "plan_for",
    "plan_from",
]


class _Memo:
    """A bounded least-recently-used memo, safe under threads (a plan is shared by the threads of a
    stream, a Dask graph or a user's pool). A value is made outside the lock; when two threads make
    the same key at once, the first stored wins, so a key always gives one object."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: tuple, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            value = self._items.setdefault(key, value)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


#: Plans of the functional interface, by parameters (see :func:`cached_plan`).
_PLAN_CACHE = _Memo(32)


@fill_doc
class ChirpSTFT:
    """A chirp-window short-time Fourier transform plan.

    Holds the parameters of the transform, validates them once, and caches what
    derives from them (the window, the chirp phase table ``t_k**2``, the inverse
    envelopes). :func:`chirpstft.stft`, :func:`chirpstft.istft` and
    :func:`chirpstft.spectrogram` are thin wrappers around it.

    Frame ``m`` uses the analysis window ``g_m[k] = w[k] * exp(1j*pi*a_m*t_k**2)``,
    ``t_k = (k - n_fft//2)/fs`` seconds, and the transform is
    ``S[..., q, m] = sum_k frame_m[k] * conj(g_m[k]) * exp(-2j*pi*q*k/n_fft)``.
    With all rates 0 and a real window it equals ``librosa.stft``.

    Parameters
    ----------
    %(analysis)s
    %(fft_mode)s
    %(backend)s

    Raises
    ------
    ParameterError, InputTypeError
        For a parameter out of range or of the wrong type (the message names it).
    BackendUnavailableError
        If the requested backend cannot run here (checked now, not at the first call).

    Examples
    --------
    >>> import numpy as np, chirpstft
    >>> fs = 100.0
    >>> t = np.arange(1000) / fs
    >>> x = np.cos(2 * np.pi * (5 * t + 0.5 * 3.0 * t**2))   # 5 Hz rising at 3 Hz/s
    >>> plan = chirpstft.ChirpSTFT(fs=fs, n_fft=128, hop_length=16, chirp_rate=3.0)
    >>> S = plan.stft(x)
    >>> S.shape
    (128, 63)
    >>> bool(np.allclose(plan.istft(S, length=x.size, real=True), x))
    True
    """

    def __init__(
        self,
        *,
        fs: float = 1.0,
        n_fft: int = 256,
        hop_length: int | None = None,
        win_length: int | None = None,
        window: Any = "hann",
        chirp_rate: Any = 0.0,
        center: bool = True,
        pad_mode: PadMode = "constant",
        fft_mode: FFTMode | None = None,
        backend: str | None = None,
    ) -> None:
        self._fs = sampling_rate(fs, "fs")
        self._n_fft = positive_int(n_fft, "n_fft")
        self._hop = max(self._n_fft // 4, 1) if hop_length is None else positive_int(hop_length, "hop_length")
        self._win_length = self._n_fft if win_length is None else positive_int(win_length, "win_length")
        if self._win_length > self._n_fft:
            raise ParameterError(
                f"win_length={self._win_length} must not exceed n_fft={self._n_fft}; "
                f"pass a win_length <= n_fft or a larger n_fft"
            )
        self._center = boolean(center, "center")
        self._pad_mode = option(pad_mode, "pad_mode", PAD_MODES)
        self._fft_mode = None if fft_mode is None else option(fft_mode, "fft_mode", FFT_MODES)
        self._chirp = Rates.of(chirp_rate)
        self._backend = backend
        if backend is not None:
            get_backend(backend)  # unknown or unavailable: fail now, not at first call
        self._window_spec = window
        w = get_window(window, self._win_length, self._n_fft)
        self._spec = FrameSpec(
            n_fft=self._n_fft,
            hop_length=self._hop,
            center=self._center,
            pad_mode=self._pad_mode,
            window=w,
            fs=self._fs,
        )
        self._max_t2 = float(self._spec.t2.max())
        bound = self._chirp.static_bound(self._fs, self._n_fft)
        if bound is not None:
            finite_phase(bound, self._max_t2, "chirp_rate")
        self._unpadded = self._spec.unpadded()
        self._envelopes = _Memo(16)  # inverse envelopes by (n_frames, method, start, length)
        self._conditions: dict[str, bool] = {}

    # ------------------------------------------------------------------ properties
    fs = property(lambda self: self._fs, doc="Sampling rate in Hz.")
    n_fft = property(lambda self: self._n_fft, doc="Frame length and FFT size.")
    hop_length = property(lambda self: self._hop, doc="Samples between frames.")
    win_length = property(lambda self: self._win_length, doc="Window length before zero padding.")
    center = property(lambda self: self._center, doc="Whether frames are centred on samples.")
    pad_mode = property(lambda self: self._pad_mode, doc="Padding mode for center=True.")
    chirp_rate = property(
        lambda self: self._chirp.value,
        doc="Chirp rate(s) as validated: a float, a read-only float64 array, a callable or an AutoChirp.",
    )
    chirp = property(
        lambda self: self._chirp,
        doc="The validated chirp rate with its kind and the questions asked of it (Rates).",
    )
    backend = property(lambda self: self._backend, doc="Requested backend (None: automatic).")
    window_spec = property(lambda self: self._window_spec, doc="The window as given (name, tuple or array).")

    @property
    def window(self) -> np.ndarray:
        """The analysis window ``w``, zero-padded to ``n_fft`` (a copy)."""
        return self._spec.window.copy()

    @property
    def fft_mode(self) -> str:
        """FFT mode used for real input (the default when ``fft_mode=None``)."""
        return self._fft_mode or default_fft_mode(self._complex_analysis(False))

    @property
    def n_freqs(self) -> int:
        """Number of frequency bins for real input."""
        return n_freqs_for(self.fft_mode, self._n_fft)

    @property
    def freqs(self) -> np.ndarray:
        """Bin frequencies in Hz, in output order, for real input (see :attr:`fft_mode`)."""
        return self.frequencies(self.fft_mode)

    def frequencies(self, fft_mode: FFTMode) -> np.ndarray:
        """Bin frequencies in Hz for a given ``fft_mode``.

        Parameters
        ----------
        fft_mode : {"onesided", "twosided", "centered"}
            The bins' order and count (see :attr:`fft_mode`).
        """
        return bin_frequencies(option(fft_mode, "fft_mode", FFT_MODES), self._n_fft, self._fs)

    def n_frames(self, n_samples: int) -> int:
        """Number of frames for a signal of ``n_samples`` samples (as ``librosa.stft``).

        Parameters
        ----------
        n_samples : int >= 1
            Signal length; with ``center=False`` at least ``n_fft``.
        """
        n = positive_int(n_samples, "n_samples")
        if self._center:
            return 1 + (n + 2 * (self._n_fft // 2) - self._n_fft) // self._hop
        if n < self._n_fft:
            raise ParameterError(
                f"x has {n} samples, fewer than n_fft={self._n_fft}; with center=False "
                f"every frame needs n_fft samples: pass a longer signal, a smaller n_fft, "
                f"or center=True"
            )
        return 1 + (n - self._n_fft) // self._hop

    def times(self, n_samples: int) -> np.ndarray:
        """Frame-centre times in seconds (sample 0 at ``t = 0``) for ``n_samples`` samples.

        Parameters
        ----------
        n_samples : int >= 1
            Signal length (see :meth:`n_frames`).
        """
        return self._spec.frame_times(self.n_frames(n_samples))

    def _complex_analysis(self, complex_input: bool) -> bool:
        return self._chirp.complex_analysis(complex_input, self._spec.window_is_real)

    def __repr__(self) -> str:
        window = self._window_spec if isinstance(self._window_spec, (str, tuple)) else "<array>"
        value = self._chirp.value
        rate = value if self._chirp.kind == "constant" else type(value).__name__
        return (
            f"ChirpSTFT(fs={self._fs}, n_fft={self._n_fft}, hop_length={self._hop}, "
            f"win_length={self._win_length}, window={window!r}, chirp_rate={rate}, "
            f"center={self._center}, pad_mode={self._pad_mode!r}, fft_mode={self._fft_mode!r}, "
            f"backend={self._backend!r})"
        )

    # ------------------------------------------------------------------ preparation
    @fill_doc
    def prepare(
        self,
        x: Any,
        *,
        scaling: Scaling | None = None,
        fft_mode: FFTMode | None = None,
        whole: bool = True,
        name: str = "x",
    ) -> Analysis:
        """Validate ``x`` against this plan: the prepared forward transform every path executes.

        Parameters
        ----------
        %(x)s
        scaling : {"magnitude", "power", "psd"} or None, default None
            None prepares the complex STFT, otherwise that spectrogram (see :meth:`spectrogram`).
        fft_mode : {"onesided", "twosided", "centered"} or None, default None
            Overrides the plan's ``fft_mode`` (None: the plan's, or the default for the input).
        whole : bool, default True
            False prepares the first chunk of a stream: no frame count, no rates (those depend
            on the whole signal), and an empty chunk is allowed.
        name : str, default "x"
            The input's name in error messages.

        Returns
        -------
        Analysis
            Backend, input in its working dtype, frame geometry, resolved rates (or the
            ``auto`` request), fft mode and number of frames.
        """
        lazy = _dask.is_dask_array(x)
        backend = self._backend_for(x, whole)
        x = as_working_array(x, name, (lambda a: a) if lazy else backend.asarray)
        if x.ndim == 0:
            raise ParameterError(
                f"{name} is a 0-d array (a single number); pass a signal of shape (..., n_samples)"
            )
        is_complex = np.iscomplexobj(x)
        if fft_mode is None:
            fft_mode = self._fft_mode or default_fft_mode(self._complex_analysis(is_complex))
        power, scale = (0, 1.0) if scaling is None else self._scaling(scaling, fft_mode)
        auto = self._chirp.auto
        n_frames, rates = 0, None
        if whole:
            if x.size == 0:
                raise ParameterError(
                    f"{name} is empty (shape {x.shape}); pass at least one sample per signal"
                )
            n_frames = self.n_frames(x.shape[-1])
            batch = int(np.prod(x.shape[:-1], dtype=np.int64)) if x.ndim > 1 else 1
            check_size(
                batch * n_freqs_for(fft_mode, self._n_fft) * n_frames,
                2 * x.dtype.itemsize,
                f"the STFT of {name} with shape {x.shape}, n_fft={self._n_fft} and hop_length={self._hop}",
                "pass a shorter signal, a smaller n_fft or a larger hop_length",
            )
            if auto is None:
                rates = self._checked(resolve(self._chirp, self._spec, x.shape[:-1], n_frames))
        shared = self._prepared_fields(backend, fft_mode, rates)
        analysis = Analysis(**shared, x=x, n_frames=n_frames, power=power, scale=scale)
        if whole and auto is not None and not lazy:  # chosen from the samples, once
            analysis = replace(analysis, rates=analysis.chosen_rates(x, self._spec, n_frames))
        return analysis

    def _prepared_fields(self, backend: Capabilities, fft_mode: FFTMode, rates: Any) -> dict[str, Any]:
        """The fields every prepared transform takes from the plan (:class:`Analysis`, :class:`Inverse`)."""
        return {
            "backend": backend,
            "spec": self._spec,
            "fft_mode": fft_mode,
            "rates": rates,
            "chirp": self._chirp,
        }

    def _checked(self, rates: Any) -> Any:
        """``rates`` after refusing those whose chirp phase overflows (NaN results)."""
        if np.size(rates):
            finite_phase(float(np.max(np.abs(rates))), self._max_t2, "chirp_rate")
        return rates

    @property
    def segment_spec(self) -> FrameSpec:
        """The plan's framing without padding: frames of a segment that is already padded."""
        return self._unpadded

    # ------------------------------------------------------------------ forward
    @fill_doc
    def stft(
        self, x: Any, *, return_rates: bool = False, out: np.ndarray | None = None
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Chirp STFT.

        Parameters
        ----------
        %(x)s
        %(return_rates)s
        %(out)s

        Returns
        -------
        ndarray, shape (..., n_freqs, n_frames)
            complex64 for float32/complex64 input, complex128 otherwise. A NaN or inf
            in ``x`` makes exactly the frames whose support (padding included)
            contains it non-finite; all other frames are unaffected (bit for bit with
            the NumPy backend, to rounding with Numba).
        ndarray, shape (..., n_frames)
            The rates, only with ``return_rates=True``.
        """
        return self.run(self.prepare(x), return_rates=boolean(return_rates, "return_rates"), out=out)

    @fill_doc
    def spectrogram(
        self, x: Any, scaling: Scaling = "magnitude", *, out: np.ndarray | None = None
    ) -> np.ndarray:
        """Magnitude, power or power spectral density of the chirp STFT.

        Parameters
        ----------
        %(x)s
        %(scaling)s
        %(out)s

        Returns
        -------
        ndarray, shape (..., n_freqs, n_frames)
            float32 for float32 input, float64 otherwise.
        """
        scaling = option(scaling, "scaling", SCALINGS)
        return self.run(self.prepare(x, scaling=scaling), out=out)

    @fill_doc
    def run(self, analysis: Analysis, *, return_rates: bool = False, out: np.ndarray | None = None) -> Any:
        """Execute a prepared analysis: in memory, or lazily for a Dask array.

        Parameters
        ----------
        analysis : Analysis
            From :meth:`prepare`.
        return_rates : bool, default False
            Also return the rate of every frame, float64 ``(..., n_frames)``.
        %(out)s
        """
        return_rates = boolean(return_rates, "return_rates")
        if _dask.is_dask_array(analysis.x):
            if out is not None:
                raise ParameterError(
                    "out= writes into an in-memory array; a Dask input gives a lazy result: drop out="
                )
            result = _dask.transform(analysis)
            return (result, _dask.rates(analysis)) if return_rates else result
        result = analysis.run(None if out is None else analysis.output_for(out))
        return (result, analysis.full_rates()) if return_rates else result

    def _scaling(self, scaling: Scaling, fft_mode: FFTMode) -> tuple[int, float | np.ndarray]:
        """``(power, scale)`` of a spectrogram ``scaling`` in ``fft_mode`` (backend arguments)."""
        scaling = option(scaling, "scaling", SCALINGS)
        power = 1 if scaling == "magnitude" else 2
        scale: float | np.ndarray = 1.0
        if scaling == "psd":
            column = np.full(
                n_freqs_for(fft_mode, self._n_fft), 1.0 / (self._fs * np.sum(np.abs(self._spec.window) ** 2))
            )
            if fft_mode == "onesided":
                column[1 : (self._n_fft + 1) // 2] *= 2.0
            scale = column[:, None]
        return power, scale

    # ------------------------------------------------------------------ inverse
    @fill_doc
    def istft(
        self,
        S: Any,
        length: int | None = None,
        *,
        method: Method = "ls",
        real: bool | None = None,
    ) -> np.ndarray:
        """Exact inverse of :meth:`stft`.

        Parameters
        ----------
        %(S)s
        %(length)s
        %(method)s
        %(real)s

        Notes
        -----
        With ``fft_mode=None`` the mode is read from ``S``: onesided when the
        analysis is real (real window, all rates 0) and ``S`` has ``n_fft//2 + 1``
        bins, twosided otherwise. Onesided output of a *complex signal* (allowed by
        :meth:`stft` for display) has lost the negative frequencies; its inverse is
        the real part of the signal.

        Returns
        -------
        ndarray, shape (..., length)
            float32/complex64 for complex64 ``S``, float64/complex128 otherwise.

        Raises
        ------
        ParameterError
            If the window violates NOLA (``"ls"``) or COLA (``"ola"``) at this hop, or
            if ``S`` is onesided output of a complex analysis. Output samples that no
            window covers (envelope below ``1e-10`` of its peak, e.g. sample 0 with
            ``center=False`` and a periodic Hann window) are returned as 0 with an
            :class:`~chirpstft.UnrecoverableSamplesWarning`.
        """
        return self.prepare_inverse(S, length=length, method=method, real=real).run(stacklevel=2)

    # prepare_inverse takes istft's options (a kept pair: the one is the other's public form).
    def prepare_inverse(
        self,
        S: Any,
        *,
        length: int | None = None,
        method: Method = "ls",
        real: bool | None = None,
        whole: bool = True,
    ) -> Inverse:
        """Validate ``S`` against this plan: the prepared inverse every path executes.

        Parameters
        ----------
        S : array_like, shape (..., n_freqs, n_frames)
            An STFT computed with this plan's parameters (or the first block of frames of one).
        length : int or None, default None
            Output length (see :meth:`istft`); None: the default for the frames of ``S``, or,
            with ``whole=False``, not known yet.
        method : {"ls", "ola"}, default "ls"
            Synthesis (see :meth:`istft`).
        real : bool or None, default None
            Real output (see :meth:`istft`).
        whole : bool, default True
            False prepares the first block of an inverse stream: no frame count check, no
            rates (each block brings or slices its own), and the block wording in errors.

        Returns
        -------
        Inverse
            Backend, ``S`` in its working dtype, fft mode, method, rates, output type and
            length, and the plan's memoised inverse envelope.

        Raises
        ------
        ParameterError
            As :meth:`istft`.
        """
        method = option(method, "method", METHODS)
        backend = self._backend_for(S, whole)
        S = as_working_array(S, "S", backend.asarray, spectra=True)
        if S.ndim < 2:
            what = (
                "an STFT has shape (..., n_freqs, n_frames)"
                if whole
                else "a block of frames has shape (..., n_freqs, k)"
            )
            raise ParameterError(f"S has shape {S.shape}; {what}")
        n_freqs, n_frames = S.shape[-2:]
        if whole and n_frames == 0:
            raise ParameterError(f"S has no frames (shape {S.shape}); pass at least one frame")
        fft_mode = self._fft_mode or self._infer_fft_mode(n_freqs)
        expected = n_freqs_for(fft_mode, self._n_fft)
        if n_freqs != expected and self._fft_mode is None and whole:
            onesided = "" if self._complex_analysis(False) else f"{self._n_fft // 2 + 1} (onesided) or "
            raise ParameterError(
                f"S has {n_freqs} frequency bins but n_fft={self._n_fft} gives {onesided}"
                f"{self._n_fft} (twosided); pass the n_fft and fft_mode used for the forward transform"
            )
        if n_freqs != expected:
            raise ParameterError(
                f"S has {n_freqs} frequency bins but fft_mode={fft_mode!r} with "
                f"n_fft={self._n_fft} gives {expected}; pass the n_fft and fft_mode used "
                f"for the forward transform"
            )
        rates = None
        if whole:
            rates = self._checked(resolve(self._chirp, self._spec, S.shape[:-2], n_frames))
            complex_analysis = is_complex_analysis(is_chirped(rates), False, self._spec.window_is_real)
        else:
            complex_analysis = self._complex_analysis(False)
        if fft_mode == "onesided" and complex_analysis:
            raise ParameterError(
                "istft cannot invert fft_mode='onesided' output of a complex analysis "
                "(chirp_rate != 0 or a complex window): the negative-frequency bins it "
                "dropped are needed. Compute the STFT with fft_mode='twosided'"
            )
        self.check_inverse(method)
        if length is not None:
            length = positive_int(length, "length")
        elif whole:
            length = (n_frames - 1) * self._hop + self._n_fft - 2 * self._spec.pad
        if length is not None:
            batch = int(np.prod(S.shape[:-2], dtype=np.int64)) if S.ndim > 2 else 1
            check_size(
                batch * (length + self._n_fft + self._hop * max(n_frames - 1, 0)),
                S.dtype.itemsize,
                f"the inverse of S with shape {S.shape}, hop_length={self._hop} and length={length}",
                "pass the hop_length and length of the forward transform",
            )
        real_output = fft_mode == "onesided" if real is None else boolean(real, "real")
        real_dt = real_dtype_of(S.dtype, "S")
        out_dtype = real_dt if real_output else S.dtype
        return Inverse(
            **self._prepared_fields(backend, fft_mode, rates),
            S=S,
            method=method,
            real_output=real_output,
            out_dtype=out_dtype,
            length=length,
            envelope=lambda n, start, size: self._inverse_envelope(n, method, start, size),
        )

    @fill_doc
    def check_inverse(self, method: Method = "ls") -> None:
        """Raise :class:`~chirpstft.ParameterError` if no inverse exists for this window and hop.

        ``method="ls"`` needs NOLA (every sample under some window weight), ``"ola"`` needs
        COLA (the overlapping windows sum to a constant); see :func:`chirpstft.check_nola`.

        Parameters
        ----------
        %(method)s
        """
        method = option(method, "method", METHODS)
        if method not in self._conditions:
            holds = nola_holds if method == "ls" else cola_holds
            self._conditions[method] = holds(self._spec.window, self._hop, ENVELOPE_TOL)
        if self._conditions[method]:
            return
        if method == "ls":
            raise ParameterError(
                f"the window does not satisfy NOLA at hop_length={self._hop} (some "
                f"samples get no window weight), so no inverse exists; use a smaller "
                f"hop_length or a window without zeros inside its support "
                f"(check with chirpstft.check_nola)"
            )
        raise ParameterError(
            f"method='ola' needs a window that is COLA at hop_length={self._hop} "
            f"(overlapping windows summing to a constant) and this one is not; use "
            f"method='ls', which is exact under NOLA, or a COLA hop "
            f"(check with chirpstft.check_cola)"
        )

    # ------------------------------------------------------------------ streaming
    @fill_doc
    def stream(self, chunks: Any, *, return_rates: bool = False):
        """Generator of the STFT frames of a signal given as an iterable of chunks.

        Yields ``(..., n_freqs, k)`` blocks (``k >= 1``; with ``return_rates=True``,
        ``(block, rates)`` pairs) whose concatenation along the last axis is
        :meth:`stft` of the concatenated chunks; memory stays bounded whatever the
        total length. See :class:`chirpstft.StreamingSTFT`.

        Parameters
        ----------
        chunks : iterable of array_like, each shape (..., n_chunk)
            The signal in consecutive chunks (any sizes; same batch shape and dtype).
        %(return_rates)s
        """
        stream = StreamingSTFT(self, return_rates=return_rates)
        for chunk in chunks:
            out = stream.push(chunk)
            if (out[0] if return_rates else out).shape[-1]:
                yield out
        out = stream.finish()
        if (out[0] if return_rates else out).shape[-1]:
            yield out

    @fill_doc
    def istream(
        self, blocks: Any, *, length: int | None = None, method: Method = "ls", real: bool | None = None
    ):
        """Generator of the inverse's output samples from an iterable of frame blocks.

        Each item is ``S_block`` ``(..., n_freqs, k)`` or a pair ``(S_block, rates)`` (needed
        with ``chirp_rate="auto"``). Yields ``(..., n)`` sample blocks whose concatenation is
        :meth:`istft` of the concatenated frames. See :class:`chirpstft.StreamingISTFT`.

        Parameters
        ----------
        blocks : iterable of array_like or of (array_like, array_like)
            Consecutive blocks of frames ``(..., n_freqs, k)``, or ``(block, rates)`` pairs.
        %(length)s
        %(method)s
        %(real)s
        """
        inverse = StreamingISTFT(self, method=method, real=real, length=length)
        for item in blocks:
            out = inverse.push(*item) if isinstance(item, tuple) else inverse.push(item)
            if out.shape[-1]:
                yield out
        out = inverse.finish()
        if out.shape[-1]:
            yield out

    def _infer_fft_mode(self, n_freqs: int) -> str:
        """Default ``fft_mode`` of the inverse, from the bin count of ``S``.

        Onesided only for a real analysis whose ``S`` has ``n_fft//2 + 1`` bins and
        ``n_fft > 2``; otherwise twosided (for ``n_fft <= 2`` both have the same bin
        count, and the twosided reading is the lossless one).
        """
        onesided_bins = self._n_fft // 2 + 1
        if self._complex_analysis(False) or self._n_fft <= 2 or n_freqs != onesided_bins:
            return "twosided"
        return "onesided"

    def _backend_for(self, a: Any, whole: bool) -> Capabilities:
        """The backend for input ``a``, and the one rule for interim answers while a kernel compiles
        (:mod:`chirpstft.backends.compiling`): a whole in-memory input (a one-shot call) answers at
        once; a stream's chunk and a Dask graph wait for the kernel."""
        lazy = _dask.is_dask_array(a)
        return backend_for(self._backend, None if lazy else a, interim=whole and not lazy)

    def _inverse_envelope(
        self, n_frames: int, method: Method, start: int, length: int
    ) -> tuple[np.ndarray, int]:
        """Reciprocal overlap-added window envelope on output samples, and uncovered count."""
        return self._envelopes.get_or_make(
            (n_frames, method, start, length), lambda: self._make_envelope(n_frames, method, start, length)
        )

    def _make_envelope(
        self, n_frames: int, method: Method, start: int, length: int
    ) -> tuple[np.ndarray, int]:
        self.check_inverse(method)
        full = window_envelope(self._spec.window, method, n_frames, self._hop)
        env = np.zeros(length, dtype=full.dtype)
        stop = min(start + length, full.shape[-1])
        env[: max(stop - start, 0)] = full[start:stop]
        good = covered(env, np.abs(full).max())
        inv = np.zeros_like(env)
        inv[good] = 1.0 / env[good]
        inv.setflags(write=False)
        return inv, int(length - np.count_nonzero(good))


def cached_plan(**params: Any) -> ChirpSTFT:
    """A plan for ``params``, memoised when every parameter is hashable (no arrays).

    The functional interface (:func:`chirpstft.stft`, ...), :func:`chirpstft.render` and the
    xarray adapter share this cache; :func:`clear_plan_cache` empties it.
    """
    try:
        key = tuple(sorted((k, (type(v), v)) for k, v in params.items()))
        hash(key)
    except TypeError:
        return ChirpSTFT(**params)
    return _PLAN_CACHE.get_or_make(key, lambda: ChirpSTFT(**params))


class AnalysisParams(TypedDict, total=False):
    """The keyword parameters of a plan besides ``fs`` (:class:`ChirpSTFT` gives their defaults),
    as adapters take them with ``**params`` (:mod:`chirpstft.xarray`)."""

    n_fft: int
    hop_length: int | None
    win_length: int | None
    window: Any
    chirp_rate: Any
    center: bool
    pad_mode: PadMode
    fft_mode: FFTMode | None
    backend: str | None


class PlanParams(AnalysisParams, total=False):
    """All keyword parameters of a plan (:class:`ChirpSTFT`), as the functional interface takes
    them with ``**kwargs`` (:func:`chirpstft.stft`, :func:`chirpstft.spectrogram`,
    :func:`chirpstft.render`): written once, with their defaults in :class:`ChirpSTFT`."""

    fs: float


#: The parameters of a plan, by the names the functional interface takes them.
PLAN_PARAMS: tuple[str, ...] = ("fs", *AnalysisParams.__annotations__)


def plan_from(function: str, kwargs: dict[str, Any], **fixed: Any) -> ChirpSTFT:
    """The memoised plan of a functional call that takes the plan's parameters as ``**kwargs``.

    A name that is not a plan parameter raises ``TypeError`` (as Python does for an unknown
    keyword) naming ``function`` and listing the parameters it takes.
    """
    unknown = sorted(set(kwargs) - set(PLAN_PARAMS))
    if unknown:
        raise TypeError(
            f"{function}() got an unexpected keyword argument {unknown[0]!r}; the plan's parameters are "
            + ", ".join(PLAN_PARAMS)
        )
    return cached_plan(**kwargs, **fixed)


def plan_for(args: dict[str, Any], **fixed: Any) -> ChirpSTFT:
    """The memoised plan of a functional call (:func:`cached_plan`).

    ``args`` is the caller's ``locals()``: the functions write their keyword signatures out in
    full (for help and IDEs) and hand them on here by name, so that the list of plan parameters
    is written once (:data:`PLAN_PARAMS`); ``fixed`` sets or overrides some (``fft_mode`` of an
    image, ``pad_mode`` of an inverse).
    """
    params = {name: args[name] for name in PLAN_PARAMS if name in args}
    params.update(fixed)
    return cached_plan(**params)


def clear_plan_cache() -> None:
    """Forget the plans memoised by :func:`stft`, :func:`istft`, :func:`spectrogram` and :func:`render`."""
    _PLAN_CACHE.clear()
