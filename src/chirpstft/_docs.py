"""Parameter descriptions written once, substituted into every public docstring that takes them.

A docstring names a shared parameter as ``%(name)s`` on a line of its own (indented as the
other entries of its Parameters section) and the function is decorated with :func:`fill_doc`,
which replaces each placeholder by the entry below, re-indented; nothing else of the docstring
changes. The entries follow numpydoc: name, type, constraint and default on the first line,
the effect below.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from typing import TypeVar

__all__ = ["DOCS", "fill_doc"]

F = TypeVar("F", bound=Callable)

DOCS: dict[str, str] = {
    "x": """
x : array_like, shape (..., n_samples)
    Signal(s), real or complex, time on the last axis. float32 and complex64 are computed in
    single precision (complex64 out), everything else in double (integers and booleans as
    float64). A Dask array gives a lazy Dask result, a CuPy array a CuPy result (GPU backend).
""",
    "fs": """
fs : float > 0, default 1.0
    Sampling rate in Hz (``1/60`` for one sample per minute). Sets the units of the window
    time ``t_k = (k - n_fft//2)/fs``, of the chirp rates (Hz/s), of the bin frequencies and of
    the frame times.
""",
    "n_fft": """
n_fft : int >= 1, default 256
    Frame length in samples and FFT size (any positive integer, odd included; powers of two
    are fastest).
""",
    "hop_length": """
hop_length : int >= 1 or None, default None
    Samples between the starts of consecutive frames; None means ``max(n_fft // 4, 1)``.
""",
    "win_length": """
win_length : int, 1 <= win_length <= n_fft, or None, default None
    Length of the window before it is zero-padded, centred, to ``n_fft``; None means ``n_fft``.
""",
    "window": """
window : str, tuple or array_like, default "hann"
    A name or ``(name, parameter)`` tuple for :func:`scipy.signal.get_window` (periodic), or
    ``win_length`` window values (real or complex). A complex window makes the analysis
    complex (twosided by default).
""",
    "chirp_rate": """
chirp_rate : float, array_like, callable, "auto" or AutoChirp, default 0.0
    Chirp rate ``a`` in Hz/s of the analysis window ``g_m[k] = w[k] * exp(1j*pi*a_m*t_k**2)``:
    one finite number for every frame; an array broadcastable to ``(..., n_frames)`` (one rate
    per frame, or per signal and frame); a callable of the frame-centre times in seconds
    ``(n_frames,)`` returning such an array; or ``"auto"`` / :class:`~chirpstft.AutoChirp`, which
    chooses every frame's rate from the signal (:func:`~chirpstft.estimate_chirp_rates`).
    0 everywhere is the ordinary STFT; any other rate (and any callable) makes the analysis
    complex (twosided by default).
""",
    "center": """
center : bool, default True
    If True, the signal is padded by ``n_fft // 2`` samples on both sides (see ``pad_mode``) so
    that frame ``m`` is centred on sample ``m * hop_length``; if False, frame ``m`` covers
    samples ``[m*hop_length, m*hop_length + n_fft)`` and the signal needs at least ``n_fft``
    samples.
""",
    "pad_mode": """
pad_mode : {"constant", "edge", "reflect", "symmetric", "wrap"}, default "constant"
    :func:`numpy.pad` mode of the padding with ``center=True`` (``"constant"`` pads zeros);
    ignored with ``center=False``.
""",
    "fft_mode": """
fft_mode : {"onesided", "twosided", "centered"} or None, default None
    Output bins: ``"onesided"`` bins ``0..n_fft//2`` (lossless only for a real analysis),
    ``"twosided"`` bins ``0..n_fft-1``, ``"centered"`` twosided with the frequencies ascending
    from negative. None: onesided for a real analysis (real input, real window, all rates 0),
    twosided otherwise.
""",
    "backend": """
backend : {"numba", "numpy", "cupy"} or None, default None
    Implementation. None chooses automatically (``"cupy"`` for CuPy arrays, else ``"numba"``,
    else ``"numpy"``); a named backend that cannot run here raises
    :class:`~chirpstft.BackendUnavailableError` (never a silent fallback).
""",
    "return_rates": """
return_rates : bool, default False
    Also return the chirp rate of every frame, float64 ``(..., n_frames)``: with ``"auto"``
    the rates chosen from the data. Pass them as ``chirp_rate`` to :func:`~chirpstft.istft`
    to invert exactly.
""",
    "out": """
out : ndarray or None, default None
    An array to write the result into, in place: exactly the result's shape and dtype,
    C-contiguous and writable (``np.empty_like`` of an earlier result). Repeated calls then pay
    no allocation and no page faults; the array is returned. Not for Dask input.
""",
    "scaling": """
scaling : {"magnitude", "power", "psd"}, default "magnitude"
    ``|S|``, ``|S|**2``, or the power spectral density ``|S|**2 / (fs * sum|w|**2)`` in
    units²/Hz (doubled for the onesided bins that stand for two frequencies, as
    :func:`scipy.signal.spectrogram` with ``scaling="density"``).
""",
    "S": """
S : array_like, shape (..., n_freqs, n_frames)
    An STFT computed with the same parameters (complex; complex64 is inverted in single
    precision).
""",
    "length": """
length : int >= 1 or None, default None
    Output length: the result is trimmed or zero-padded to it (as librosa). None means
    ``(n_frames - 1) * hop_length + n_fft - 2 * (n_fft // 2 if center else 0)``.
""",
    "method": """
method : {"ls", "ola"}, default "ls"
    ``"ls"``: least-squares overlap-add with the canonical dual window ``g_m / sum_m |w|**2``,
    exact whenever the window is NOLA at this hop. ``"ola"``: de-chirp each frame and
    overlap-add with no synthesis window, divided by ``sum_m w``; exact when the window is
    COLA at this hop.
""",
    "real": """
real : bool or None, default None
    True returns the real part (a real signal analysed with a chirp or a complex window has a
    real inverse up to rounding); False returns complex output; None: real for onesided ``S``,
    complex otherwise.
""",
    "candidates": """
candidates : array_like, shape (n_candidates,), or None, default None
    Candidate chirp rates in Hz/s (finite, non-empty); None: the default grid
    :func:`~chirpstft.default_chirp_candidates` ``(fs, n_fft)``.
""",
    "smooth": """
smooth : int >= 1, odd, default 1
    Number of frames over which the candidate entropies are averaged (centred) before each
    frame's choice; 1 scores every frame on its own.
""",
    "order": """
order : float > 0, != 1, default 3.0
    Rényi entropy order of the concentration score; 2 is the ``l4/l2`` concentration ratio.
""",
    "ref": """
ref : "max", float > 0 or callable, default "max"
    Decibel reference: the maximum of each image, a fixed positive value, or a function of
    the image (as librosa's ``ref=np.max``; a callable uses the NumPy pipeline).
""",
    "amin": """
amin : float > 0 or None, default None
    Floor before the logarithm; None means 1e-10 for power and 1e-5 for magnitude.
""",
    "top_db": """
top_db : float >= 0 or None, default 80.0
    Dynamic range kept below each image's maximum (dB); None keeps everything.
""",
    "db_range": """
db_range : (float, float) or None, default None
    Fixed decibel values mapped to 0 and 1 (finite, low < high; values outside are clipped),
    so that every image of a dataset shares one scale. None: each image's own finite min and
    max (a constant image becomes 0).
""",
    "fmin": """
fmin : float or None, default None
    Lowest frequency (Hz) of the band kept; None keeps from the lowest bin (from 0 Hz for a
    real signal).
""",
    "fmax": """
fmax : float or None, default None
    Highest frequency (Hz) of the band kept; None keeps up to the highest bin.
""",
    "size": """
size : (int, int), default (32, 32)
    ``(height, width)`` of each image, positive integers. Each axis is area-averaged when it
    shrinks and bilinearly interpolated (half-pixel centres) when it grows.
""",
    "cmap": """
cmap : str or None, default None
    Colormap name: one of :data:`~chirpstft.render.COLORMAPS` (shipped, no matplotlib needed)
    or any matplotlib colormap; a colormap, ``"gray"`` included, gives 3 channels. None
    renders grey levels with ``channels`` channels.
""",
    "channels": """
channels : {1, 3} or None, default None
    Channels of a grey image (``cmap=None``); None means 3 with a colormap and 1 without. A
    colormap with ``channels=1`` is an error.
""",
    "dtype": """
dtype : {"uint8", "float32"}, default "uint8"
    uint8 levels 0..255, or float32 values in [0, 1].
""",
    "layout": """
layout : {"NHWC", "NCHW"}, default "NHWC"
    Channels last ``(..., H, W, C)`` (Keras) or first ``(..., C, H, W)`` (PyTorch).
""",
    "dataarray": """
da : xarray.DataArray
    The signal(s), with the time dimension ``dim`` (moved last); other dimensions and their
    coordinates are kept. Dask-backed data gives a lazy result.
dim : str, default "time"
    Name of the time dimension.
fs : float > 0 or None, default None
    Sampling rate in Hz; None reads it from a regularly spaced ``dim`` coordinate (datetimes
    or seconds).
""",
    "window_check": """
window : str, tuple or array_like
    A name or ``(name, parameter)`` tuple for :func:`scipy.signal.get_window` (periodic), or
    the window values (real or complex), as for :func:`chirpstft.stft`.
hop_length : int >= 1
    Hop between frames, in samples.
n_fft : int >= 1 or None, default None
    Frame length; the window is zero-padded, centred, to it. For a named window at least one
    of ``n_fft`` and ``win_length`` is required.
win_length : int >= 1 or None, default None
    Window length before padding; None means ``n_fft`` (or the length of an array window).
tol : float >= 0, default 1e-10
    Relative tolerance.
""",
}

#: Groups of entries that always travel together, in signature order.
GROUPS: dict[str, tuple[str, ...]] = {
    "framing": ("n_fft", "hop_length", "win_length", "window", "chirp_rate", "center", "pad_mode"),
    "image": (
        "ref",
        "amin",
        "top_db",
        "db_range",
        "fmin",
        "fmax",
        "size",
        "cmap",
        "channels",
        "dtype",
        "layout",
    ),
}
DOCS["framing"] = "".join(DOCS[name] for name in GROUPS["framing"])
DOCS["analysis"] = DOCS["fs"] + DOCS["framing"]
#: A DataArray transform's parameters (:func:`chirpstft.xarray.stft`).
DOCS["xarray_analysis"] = DOCS["dataarray"] + DOCS["framing"] + DOCS["fft_mode"] + DOCS["backend"]
DOCS["image"] = "".join(DOCS[name] for name in GROUPS["image"])


def _entry(name: str, indent: str) -> str:
    return textwrap.indent(re.sub(r"\n+", "\n", DOCS[name].strip("\n")), indent).lstrip()


def fill_doc(obj: F) -> F:
    """Replace each ``%(name)s`` line of ``obj.__doc__`` by the entry ``DOCS[name]``."""
    doc = obj.__doc__
    if doc:
        lines = doc.split("\n")
        out = []
        for line in lines:
            stripped = line.strip()
            if stripped.startswith("%(") and stripped.endswith(")s") and stripped[2:-2] in DOCS:
                indent = line[: len(line) - len(line.lstrip())]
                out.append(indent + _entry(stripped[2:-2], indent))
            else:
                out.append(line)
        obj.__doc__ = "\n".join(out)
    return obj
