"""The resolved, validated parameters that a backend kernel needs."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


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
    pad_mode: str
    window: np.ndarray
    fs: float
    t2: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
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
        return not np.iscomplexobj(self.window)

    def chirp_phase(self, rates: float | np.ndarray, sign: int) -> np.ndarray:
        """``exp(sign * 1j*pi*a*t**2)``: shape (n_fft,) for a scalar rate, else (..., M, n_fft)."""
        a = np.asarray(rates, dtype=np.float64)[..., None]
        return np.exp((sign * np.pi) * 1j * a * self.t2)
