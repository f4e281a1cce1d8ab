"""Pictures for people: spectrograms with real axes, and grids of image tensors.

Needs matplotlib (``pip install matplotlib``, or the ``demo`` extra); importing
:mod:`chirpstft` does not.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ._atomic import atomic_path
from ._errors import InputTypeError, ParameterError
from ._spec import FFTMode, bin_frequencies, n_fft_for, n_freqs_for
from ._validation import positive_finite_float, positive_int
from .render import Layout, to_db

__all__ = ["save_png", "specshow"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("chirpstft.plot needs matplotlib: pip install matplotlib") from None
    return plt


def _frequency_unit(f_max: float) -> tuple[float, str]:
    """A readable unit for frequencies up to ``f_max`` Hz (mHz for minute data)."""
    if f_max < 1.0:
        return 1e3, "mHz"
    if f_max >= 10_000:
        return 1e-3, "kHz"
    return 1.0, "Hz"


_FFT_MODES = ("onesided", "twosided", "centered")


def _spec_frequencies(n_freqs: int, fs: float, n_fft: int | None, fft_mode: FFTMode | None) -> np.ndarray:
    """Row frequencies (Hz, in row order) of an STFT with ``n_freqs`` rows, or a clear error."""
    if fft_mode is not None and fft_mode not in _FFT_MODES:
        raise ParameterError(f"fft_mode={fft_mode!r} is not supported; choose one of {_FFT_MODES}")
    if fft_mode is None:
        if n_fft is not None:
            if n_freqs == n_fft // 2 + 1 and n_freqs != n_fft:
                fft_mode = "onesided"
            elif n_freqs == n_fft:
                raise ParameterError(
                    f"S has {n_freqs} rows = n_fft: twosided (0..fs/2, then negative frequencies) or centered "
                    "(ascending from -fs/2)? Pass fft_mode='twosided' or 'centered' (or plan=, the ChirpSTFT "
                    "that made S)"
                )
            else:
                raise ParameterError(
                    f"S has {n_freqs} rows but n_fft={n_fft} gives {n_fft // 2 + 1} (onesided) or {n_fft} "
                    "(twosided/centered); pass the n_fft that made S, fft_mode=, or plan="
                )
        elif n_freqs % 2 == 1:
            fft_mode, n_fft = "onesided", n_fft_for("onesided", n_freqs)  # the usual case: even n_fft
        else:
            raise ParameterError(
                f"S has {n_freqs} rows: twosided output of n_fft={n_freqs} (a chirped STFT) or onesided output "
                f"of n_fft={2 * n_freqs - 2} or {2 * n_freqs - 1}? Pass fft_mode= and n_fft=, plan= (the "
                "ChirpSTFT that made S) or freqs="
            )
    if n_fft is None:
        n_fft = n_fft_for(fft_mode, n_freqs)
    expected = n_freqs_for(fft_mode, n_fft)
    if expected != n_freqs:
        raise ParameterError(
            f"S has {n_freqs} rows but fft_mode={fft_mode!r} with n_fft={n_fft} gives {expected}; pass the "
            "n_fft and fft_mode that made S, or plan="
        )
    return bin_frequencies(fft_mode, n_fft, fs)


def specshow(
    S: Any,
    *,
    fs: float | None = None,
    hop_length: int | None = None,
    n_fft: int | None = None,
    freqs: Any = None,
    fft_mode: FFTMode | None = None,
    plan: Any = None,
    center: bool | None = None,
    start: _dt.datetime | np.datetime64 | None = None,
    kind: Literal["auto", "power", "magnitude"] = "auto",
    top_db: float | None = 80.0,
    cmap: str = "magma",
    ax: Any = None,
    colorbar: bool = True,
):
    """Show one spectrogram with time and frequency axes and a dB colour bar.

    The frequency axis is read from what ``S`` is: onesided (``0..fs/2``), twosided (``0..fs/2``
    then the negative frequencies, the default output of a chirped STFT) or centred
    (ascending from ``-fs/2``). Say which with ``plan=`` (the :class:`~chirpstft.ChirpSTFT`
    that made ``S``: its ``fs``, ``hop_length``, ``n_fft``, ``center`` and ``fft_mode`` are
    used), with ``fft_mode=`` and ``n_fft=``, or with ``freqs=``. Twosided rows are drawn in
    ascending frequency order, negative frequencies below zero. Without any of these, an
    odd number of rows is read as the onesided output of an even ``n_fft``; anything else
    that cannot be told apart is an error saying what to pass.

    Parameters
    ----------
    S : array_like, shape (n_freqs, n_frames)
        A complex STFT, a magnitude or a power spectrogram (see ``kind``).
    fs : float
        Sampling rate in Hz (``1/60`` for minute data: the axis is then in mHz); default:
        the plan's, else 1.
    hop_length : int
        Hop of the transform, in samples (default: the plan's; required without a plan).
    n_fft : int, optional
        Frame length; sets the frame centres when ``center=False`` and, with ``fft_mode``,
        the frequencies of the rows.
    freqs : array_like, optional
        Frequency of each row in Hz, in row order (any order; rows are sorted for drawing).
    fft_mode : {"onesided", "twosided", "centered"}, optional
        How the rows of ``S`` are laid out (as for :func:`chirpstft.stft`).
    plan : ChirpSTFT, optional
        The plan that made ``S``.
    center : bool
        As for the transform: frame ``m`` is centred on sample ``m*hop_length`` (else on
        ``m*hop_length + n_fft//2``). Default: the plan's, else True.
    start : datetime or numpy.datetime64, optional
        Time of the first sample: the time axis then shows dates and times; otherwise
        seconds.
    kind : {"auto", "power", "magnitude"}
        How to read ``S`` for the decibel scale; "auto" takes complex ``S`` as an STFT
        (power = ``|S|**2``) and real ``S`` as a magnitude.
    top_db : float or None
        Dynamic range shown below the maximum.
    cmap : str
        Matplotlib colormap.
    ax : matplotlib Axes, optional
        Where to draw; default: a new figure.
    colorbar : bool
        Add a colour bar labelled dB.

    Returns
    -------
    matplotlib.collections.QuadMesh
    """
    plt = _pyplot()
    S = np.asarray(S)
    if S.ndim != 2:
        raise ParameterError(f"S has shape {S.shape}; specshow draws one (n_freqs, n_frames) spectrogram")
    if plan is not None:
        fs = plan.fs if fs is None else fs
        hop_length = plan.hop_length if hop_length is None else hop_length
        n_fft = plan.n_fft if n_fft is None else n_fft
        center = plan.center if center is None else center
        if fft_mode is None and freqs is None:
            mode = plan.fft_mode
            rows = n_fft // 2 + 1 if mode == "onesided" else n_fft
            # a plan without an explicit fft_mode gives twosided output for complex analyses
            fft_mode = mode if rows == S.shape[0] else ("twosided" if S.shape[0] == n_fft else mode)
    fs = positive_finite_float(1.0 if fs is None else fs, "fs")
    if hop_length is None:
        raise ParameterError("hop_length is required (or pass plan=, the ChirpSTFT that made S)")
    hop_length = positive_int(hop_length, "hop_length")
    center = True if center is None else bool(center)
    if kind == "auto":
        kind = "power" if np.iscomplexobj(S) else "magnitude"
    P = np.abs(S) ** 2 if (np.iscomplexobj(S) and kind == "power") else np.abs(S)
    db = to_db(P, kind=kind, ref="max", top_db=top_db)
    n_freqs, n_frames = S.shape
    if freqs is None:
        freqs = _spec_frequencies(n_freqs, fs, n_fft, fft_mode)
    freqs = np.asarray(freqs, dtype=np.float64)
    if freqs.shape != (n_freqs,):
        raise ParameterError(f"freqs has shape {freqs.shape}; S has {n_freqs} rows")
    order = np.argsort(freqs, kind="stable")
    freqs, db = freqs[order], db[order]
    offset = 0 if center else (n_fft or 0) // 2
    seconds = (np.arange(n_frames) * hop_length + offset) / fs
    scale, unit = _frequency_unit(float(np.abs(freqs).max()) or fs / 2)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5), constrained_layout=True)
    if start is not None:
        t0 = np.datetime64(start, "ns")
        times = t0 + (seconds * 1e9).astype("timedelta64[ns]")
        x_axis: Any = times.astype("datetime64[ms]").astype(_dt.datetime)
        ax.set_xlabel("time (UTC)")
    else:
        x_axis = seconds
        ax.set_xlabel("time (s)")
    mesh = ax.pcolormesh(x_axis, freqs * scale, db, shading="nearest", cmap=cmap)
    ax.set_ylabel(f"frequency ({unit})")
    if start is not None:
        ax.figure.autofmt_xdate()
    if colorbar:
        ax.figure.colorbar(mesh, ax=ax, label="dB re max")
    return mesh


def save_png(
    images: Any,
    path: str | os.PathLike,
    *,
    columns: int | None = None,
    scale: int = 4,
    layout: Layout = "NHWC",
) -> Path:
    """Write a grid of image tensors to a PNG file (atomically) and return its path.

    Parameters
    ----------
    images : array_like, shape (n, H, W, C) or (n, C, H, W) with ``layout="NCHW"``
        uint8 (0..255) or floats in [0, 1]; 1 or 3 channels; a single image is allowed.
    path : str or os.PathLike
        The PNG file to write (replaced atomically).
    columns : int >= 1 or None, default None
        Images per row; None: about square.
    scale : int >= 1, default 4
        Each pixel becomes ``scale x scale`` pixels, so 32x32 tensors stay visible.
    layout : {"NHWC", "NCHW"}, default "NHWC"
        Channels last or first in ``images``.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    plt = _pyplot()
    arr = np.asarray(images)
    if arr.dtype.kind not in "uif":
        raise InputTypeError(f"images have dtype {arr.dtype}; pass uint8 or float images")
    if layout not in ("NHWC", "NCHW"):
        raise ParameterError(f"layout={layout!r} is not supported; choose one of 'NHWC', 'NCHW'")
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4:
        raise ParameterError(f"images have shape {np.shape(images)}; pass (n, H, W, C) or (n, C, H, W)")
    if layout == "NCHW":
        arr = np.moveaxis(arr, 1, -1)
    if arr.shape[-1] not in (1, 3):
        raise ParameterError(f"images have {arr.shape[-1]} channels; 1 or 3 are supported")
    scale = positive_int(scale, "scale")
    n, h, w, c = arr.shape
    columns = positive_int(columns, "columns") if columns is not None else int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / columns))
    floats = (
        arr.astype(np.float64) / 255.0 if arr.dtype == np.uint8 else np.clip(arr.astype(np.float64), 0, 1)
    )
    gap = 1
    canvas = np.ones((rows * (h + gap) - gap, columns * (w + gap) - gap, 3))
    for i in range(n):
        r, col = divmod(i, columns)
        tile = floats[i] if c == 3 else np.repeat(floats[i], 3, axis=-1)
        canvas[r * (h + gap) : r * (h + gap) + h, col * (w + gap) : col * (w + gap) + w] = tile
    canvas = np.repeat(np.repeat(canvas, scale, axis=0), scale, axis=1)
    with atomic_path(path) as tmp:
        plt.imsave(tmp, canvas, format="png")
    return Path(path)
