"""Exception and warning classes of chirpstft.

Every error raised for bad input is a :class:`ParameterError` (a ``ValueError``)
or an :class:`InputTypeError` (a ``TypeError``), so callers can catch either the
standard Python class or chirpstft's own base class :class:`ChirpSTFTError`.
"""

from __future__ import annotations

import sys
import warnings

__all__ = [
    "BackendUnavailableError",
    "ChirpSTFTError",
    "InputTypeError",
    "ParameterError",
    "UnrecoverableSamplesWarning",
    "warn_caller",
]


def warn_caller(message: str, category: type[Warning]) -> None:
    """``warnings.warn`` attributed to the first caller outside chirpstft (however deep the call)."""
    level, frame = 2, sys._getframe(1)  # stacklevel 2 is the frame that called warn_caller
    while frame is not None and frame.f_globals.get("__name__", "").partition(".")[0] == "chirpstft":
        level, frame = level + 1, frame.f_back
    warnings.warn(message, category, stacklevel=level)


class ChirpSTFTError(Exception):
    """Base class of every exception chirpstft raises on purpose."""


class ParameterError(ChirpSTFTError, ValueError):
    """A parameter or input has an invalid value; the message names it and the fix."""


class InputTypeError(ChirpSTFTError, TypeError):
    """A parameter or input has an unsupported type; the message names it and the fix."""


class BackendUnavailableError(ChirpSTFTError, RuntimeError):
    """A known backend was requested but cannot run here (missing package or device)."""


class UnrecoverableSamplesWarning(UserWarning):
    """``istft`` returned zeros for samples that no analysis window covers.

    Such samples carry no information in the STFT (for example sample 0 with
    ``center=False`` and a periodic Hann window, whose first value is 0, or samples
    past the last frame when ``length`` asks for more than the frames cover).
    """
