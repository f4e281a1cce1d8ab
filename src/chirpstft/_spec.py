"""Frame geometry and the rules every layer shares: fft modes, frame times, tolerances.

The lowest layer of chirpstft above the validators: what a backend kernel needs
(:class:`FrameSpec`) and the small rules that the plan, the streams and the adapters would
otherwise each restate.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal, get_args

import numpy as np

from ._validation import check_size

__all__ = [
    "ENVELOPE_TOL",
    "FFT_MODES",
    "FRAME_WORK_BYTES",
    "METHODS",
    "PAD_MODES",
    "SCALINGS",
    "FFTMode",
    "FrameSpec",
    "Method",
    "PadMode",
    "Scaling",
    "default_fft_mode",
    "frame_times",
    "n_freqs_for",
]

FFTMode = Literal["onesided", "twosided", "centered"]
PadMode = Literal["constant", "edge", "reflect", "symmetric", "wrap"]
Scaling = Literal["magnitude", "power", "psd"]
Method = Literal["ls", "ola"]

FFT_MODES: tuple[str, ...] = get_args(FFTMode)
PAD_MODES: tuple[str, ...] = get_args(PadMode)
SCALINGS: tuple[str, ...] = get_args(Scaling)
METHODS: tuple[str, ...] = get_args(Method)

#: Relative envelope level under which an output sample of the inverse counts as uncovered.
ENVELOPE_TOL = 1e-10

#: Working memory of a transform per sample of ``n_fft`` (bytes), refused up front by
#: :class:`FrameSpec` when it cannot fit: the window and chirp tables, the padded signal, a
#: frame, its spectrum and the backends' scratch. Measured peaks for one frame of a short
#: signal: 40-190 bytes (NumPy reference: stft, istft, render), 330-480 (Numba: its scratch of
#: ``n_fft x lanes`` values); 1024 is 64 complex128 values.
FRAME_WORK_BYTES = 1024


def default_fft_mode(complex_analysis: bool) -> str:
    """``"twosided"`` for a complex analysis, ``"onesided"`` for a real one."""
    return "twosided" if complex_analysis else "onesided"


def n_freqs_for(fft_mode: FFTMode, n_fft: int) -> int:
    """Number of frequency bins of an STFT in ``fft_mode``."""
    return n_fft // 2 + 1 if fft_mode == "onesided" else n_fft


def n_fft_for(fft_mode: FFTMode, n_freqs: int) -> int:
    """The ``n_fft`` of an STFT with ``n_freqs`` bins in ``fft_mode`` (the inverse of
    :func:`n_freqs_for`; onesided bins are read as an even ``n_fft``)."""
    return 2 * (n_freqs - 1) if fft_mode == "onesided" else n_freqs


def bin_frequencies(fft_mode: FFTMode, n_fft: int, fs: float) -> np.ndarray:
    """Frequency in Hz of each bin, in the order of ``fft_mode``'s rows."""
    if fft_mode == "onesided":
        return np.fft.rfftfreq(n_fft, 1.0 / fs)
    f = np.fft.fftfreq(n_fft, 1.0 / fs)
    return np.fft.fftshift(f) if fft_mode == "centered" else f


def frame_times(
    n_frames: int, *, hop_length: int, n_fft: int, fs: float, center: bool, first: int = 0
) -> np.ndarray:
    """Times in seconds of the centres of frames ``first .. first + n_frames - 1``.

    ``t = 0`` at the first original sample. The centre of frame ``m`` is the sample at window
    index ``n_fft // 2``: original sample ``m*hop_length`` when ``center=True``,
    ``m*hop_length + n_fft//2`` otherwise.
    """
    offset = 0 if center else n_fft // 2
    return (np.arange(first, first + n_frames, dtype=np.float64) * hop_length + offset) / fs


@dataclass(frozen=True, eq=False)
class FrameSpec:
    """Framing of one plan, as every backend sees it.

    Attributes
    ----------
    n_fft : int
        Frame length (samples) and FFT size.
    hop_length : int
        Samples between consecutive frame starts.
    center : bool
        Whether the signal is padded by ``n_fft // 2`` on both sides.
    pad_mode : str
        ``numpy.pad`` mode used when ``center`` is true.
    window : ndarray, shape (n_fft,)
        The zero-padded window ``w`` (float64, or complex128 for complex windows).
    fs : float
        Sampling rate in Hz.
    """

    n_fft: int
    hop_length: int
    center: bool
    pad_mode: PadMode
    window: np.ndarray
    fs: float
    t2: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        check_size(
            self.n_fft,
            FRAME_WORK_BYTES,
            f"n_fft={self.n_fft} ({FRAME_WORK_BYTES} bytes of working memory per frame sample)",
            "pass a smaller n_fft (frame length in samples)",
        )
        t = (np.arange(self.n_fft, dtype=np.float64) - self.n_fft // 2) / self.fs
        t2 = t * t
        t2.setflags(write=False)
        self.window.setflags(write=False)
        object.__setattr__(self, "t2", t2)

    @property
    def pad(self) -> int:
        """Samples of padding on each side of the signal."""
        return self.n_fft // 2 if self.center else 0

    @property
    def window_is_real(self) -> bool:
        """Whether the window is real (a real analysis when the input is real and unchirped)."""
        return not np.iscomplexobj(self.window)

    def frame_times(self, n_frames: int, first: int = 0) -> np.ndarray:
        """Centre times in seconds of frames ``first .. first + n_frames - 1`` (see :func:`frame_times`)."""
        return frame_times(
            n_frames,
            hop_length=self.hop_length,
            n_fft=self.n_fft,
            fs=self.fs,
            center=self.center,
            first=first,
        )

    def unpadded(self) -> FrameSpec:
        """The same framing without padding: frames of a segment that is already padded."""
        if not self.center:
            return self
        return replace(self, center=False, pad_mode="constant")

    def chirp_phase(self, rates: float | np.ndarray, sign: int) -> np.ndarray:
        """``exp(sign * 1j*pi*a*t**2)``: shape (n_fft,) for a scalar rate, else (..., M, n_fft)."""
        a = np.asarray(rates, dtype=np.float64)[..., None]
        return np.exp((sign * np.pi) * 1j * a * self.t2)
