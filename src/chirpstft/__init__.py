"""chirpstft: the chirp-window short-time Fourier transform, exact inverse included.

Frame ``m`` of a signal is analysed with the chirp window
``g_m[k] = w[k] * exp(1j*pi*a_m*t_k**2)``, ``t_k = (k - n_fft//2)/fs`` seconds,
``a_m`` the chirp rate (Hz/s) of that frame:
``S[..., q, m] = sum_k frame_m[k] * conj(g_m[k]) * exp(-2j*pi*q*k/n_fft)``.

Public names: :func:`stft`, :func:`istft`, :func:`spectrogram`, :class:`ChirpSTFT` (and the
prepared transforms its ``prepare`` methods return, :class:`Analysis` and :class:`Inverse`),
:class:`Rates` (a validated ``chirp_rate``),
:func:`check_cola`, :func:`check_nola`, :func:`get_window`, :func:`renyi_entropy`,
:func:`render`, :func:`render_shape` and the other image functions, the streams,
:func:`available_backends`, and the exception classes (see ``__all__``).
"""

from __future__ import annotations

from ._api import clear_plan_cache, estimate_chirp_rates, istft, spectrogram, stft
from ._errors import (
    BackendUnavailableError,
    ChirpSTFTError,
    InputTypeError,
    ParameterError,
    UnrecoverableSamplesWarning,
)
from ._plan import ChirpSTFT
from ._prepared import Analysis, Inverse
from ._stream import StreamingISTFT, StreamingSTFT
from .backends import available_backends
from .chirp import AutoChirp, Rates, default_chirp_candidates, renyi_entropy
from .render import (
    colorize,
    normalize,
    render,
    render_shape,
    resize,
    spectrogram_image,
    to_db,
    waveform_image,
)
from .windows import check_cola, check_nola, get_window

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "AutoChirp",
    "BackendUnavailableError",
    "ChirpSTFT",
    "ChirpSTFTError",
    "InputTypeError",
    "Inverse",
    "ParameterError",
    "Rates",
    "StreamingISTFT",
    "StreamingSTFT",
    "UnrecoverableSamplesWarning",
    "__version__",
    "available_backends",
    "check_cola",
    "check_nola",
    "clear_plan_cache",
    "colorize",
    "default_chirp_candidates",
    "estimate_chirp_rates",
    "get_window",
    "istft",
    "normalize",
    "render",
    "render_shape",
    "renyi_entropy",
    "resize",
    "spectrogram",
    "spectrogram_image",
    "stft",
    "to_db",
    "waveform_image",
]
