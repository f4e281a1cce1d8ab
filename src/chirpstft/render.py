"""Spectrograms and waveforms rendered to image tensors for classifiers.

The pipeline of :func:`render`, one step per public function:

1. :func:`chirpstft.spectrogram` (power) of a batch of signals;
2. :func:`to_db`: decibels, ``ref``/``amin``/``top_db`` as ``librosa.power_to_db``, per image;
3. an optional band ``fmin <= f <= fmax`` (rows in ascending frequency);
4. :func:`normalize` to [0, 1]: per-image min-max, or a fixed dB range shared by a dataset;
5. :func:`resize` to ``(height, width)``: area averaging when shrinking, bilinear (half-pixel
   centres) when enlarging, each axis on its own;
6. :func:`colorize` with a colormap, or gray;
7. uint8 (0..255) or float32 in [0, 1], 1 or 3 channels, NHWC (Keras) or NCHW.

Images have low frequencies in the bottom row and time running left to right. Non-finite
spectrogram values (from NaN or inf samples) are ignored by the per-image scaling and
rendered as 0, the bottom of the scale.

The functions here are the NumPy reference of the rendering path; :func:`render` uses a
backend's fused kernel when it has one (numba), tested against this reference.
"""

from __future__ import annotations

import functools
import numbers
import operator
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, Unpack, get_args

import numpy as np

from . import _dask
from ._docs import fill_doc
from ._errors import InputTypeError, ParameterError
from ._plan import PlanParams, plan_from
from ._validation import check_size, numeric_array, option, output_buffer, positive_int, real_number
from .backends import KernelCompiling, is_device_array
from .backends.rules import render_tables

__all__ = [
    "COLORMAPS",
    "colorize",
    "normalize",
    "render",
    "render_shape",
    "resize",
    "spectrogram_image",
    "to_db",
    "waveform_image",
]

Layout = Literal["NHWC", "NCHW"]
OutDtype = Literal["uint8", "float32"]
WaveMode = Literal["line", "filled", "binary"]
Kind = Literal["power", "magnitude"]
LAYOUTS: tuple[str, ...] = get_args(Layout)
OUT_DTYPES: tuple[str, ...] = get_args(OutDtype)
WAVE_MODES: tuple[str, ...] = get_args(WaveMode)

#: Colormaps available without matplotlib (tables shipped with chirpstft, see
#: ``tools/export_colormaps.py``); any other matplotlib colormap name works when
#: matplotlib is installed.
COLORMAPS: tuple[str, ...] = ("gray", "viridis", "magma", "inferno", "plasma", "cividis")


# ----------------------------------------------------------------------------- helpers
def _size(size: Any) -> tuple[int, int]:
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise ParameterError(f"size={size!r} must be a (height, width) pair of positive integers")
    h, w = positive_int(size[0], "size[0] (height)"), positive_int(size[1], "size[1] (width)")
    # per image: the float64 working image, its resampling matrices and up to 3 uint8/float32 channels
    check_size(h * w * 5 + h * h + w * w, 8, f"size={size!r}", "pass a smaller (height, width)")
    return h, w


def _real_array(a: Any, name: str) -> np.ndarray:
    arr = numeric_array(a, name, "biufc", "pass a numeric array")
    if arr.ndim < 2:
        raise ParameterError(f"{name} has shape {arr.shape}; an image batch has shape (..., height, width)")
    if arr.dtype.kind == "c":
        arr = np.abs(arr)
    return arr.astype(np.float64, copy=False)


# ----------------------------------------------------------------------------- steps
@fill_doc
def to_db(
    P: Any,
    *,
    kind: Kind = "power",
    ref: Any = "max",
    amin: float | None = None,
    top_db: float | None = 80.0,
) -> np.ndarray:
    """Decibels of a power or magnitude spectrogram, image by image.

    ``10*log10(max(amin, P)) - 10*log10(max(amin, ref))`` for power (``20*log10`` for
    magnitude), then floored at ``max - top_db`` of each image: ``librosa.power_to_db``
    (or ``amplitude_to_db``) applied to every image (last two axes) separately.

    Parameters
    ----------
    P : array_like, shape (..., n_freqs, n_frames)
        Power (``kind="power"``) or magnitude (``kind="magnitude"``), at least 2-d; complex
        input is replaced by its modulus.
    kind : {"power", "magnitude"}, default "power"
        What ``P`` holds: ``10*log10`` for power, ``20*log10`` for magnitude.
    %(ref)s
    %(amin)s
    %(top_db)s

    Returns
    -------
    ndarray, shape (..., n_freqs, n_frames)
        float64 decibels.
    """
    kind = option(kind, "kind", ("power", "magnitude"))
    ref, amin, top_db = _db_params(kind, ref, amin, top_db)
    P = _real_array(P, "P")
    factor = 10.0 if kind == "power" else 20.0
    mag = np.abs(P)
    if ref == "max":
        ref_value = _image_max(mag)
    elif callable(ref):
        ref_value = np.asarray([ref(img) for img in mag.reshape(-1, *mag.shape[-2:])], dtype=np.float64)
        ref_value = ref_value.reshape(*mag.shape[:-2], 1, 1)
    else:
        ref_value = ref
    with np.errstate(invalid="ignore"):
        db = factor * np.log10(np.maximum(amin, mag)) - factor * np.log10(np.maximum(amin, ref_value))
        if top_db is not None:
            db = np.maximum(db, _image_max(db) - float(top_db))
    return db


def _real(value: Any, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InputTypeError(f"{name}={value!r} must be a real number (got {type(value).__name__})")
    return float(value)


def _db_params(kind: Kind, ref: Any, amin: float | None, top_db: float | None):
    """Validated ``(ref, amin, top_db)``: ref is "max", a positive float or a callable."""
    if amin is None:
        amin = 1e-10 if kind == "power" else 1e-5
    else:
        value = _real(amin, "amin")
        if not (np.isfinite(value) and value > 0):
            raise ParameterError(f"amin={amin} must be a finite number > 0")
        amin = value
    if top_db is not None:
        value = _real(top_db, "top_db")
        if not (np.isfinite(value) and value >= 0):
            raise ParameterError(f"top_db={top_db} must be >= 0 or None")
        top_db = value
    if isinstance(ref, str):
        option(ref, "ref", ("max",))
    elif not callable(ref):
        if isinstance(ref, (bool, np.bool_)) or not isinstance(ref, numbers.Real):
            raise InputTypeError(f"ref={ref!r} must be 'max', a positive number, or a callable")
        ref = real_number(ref, "ref", low=0.0, strict_low=True)
    return ref, amin, top_db


def _db_range(db_range: Any) -> tuple[float, float]:
    """Validated fixed normalisation range ``(low, high)``."""
    if not isinstance(db_range, (tuple, list)) or len(db_range) != 2:
        raise ParameterError(f"db_range={db_range!r} must be a (low, high) pair")
    lo, hi = real_number(db_range[0], "db_range[0]"), real_number(db_range[1], "db_range[1]")
    if not hi > lo:
        raise ParameterError(f"db_range={db_range!r} must be finite with low < high")
    return lo, hi


def _image_max(a: np.ndarray) -> np.ndarray:
    """Max over the last two axes ignoring non-finite values (-inf for none), kept as (..., 1, 1)."""
    finite = np.where(np.isfinite(a), a, -np.inf)
    return finite.max(axis=(-2, -1), keepdims=True)


@fill_doc
def normalize(D: Any, *, db_range: tuple[float, float] | None = None) -> np.ndarray:
    """Scale images to [0, 1]: per image min-max, or a fixed range shared by a dataset.

    Parameters
    ----------
    D : array_like, shape (..., height, width)
        Images (decibels, usually), at least 2-d; complex values are replaced by their modulus.
    %(db_range)s

    Returns
    -------
    ndarray, shape (..., height, width)
        float64 in [0, 1]; non-finite values become 0.
    """
    D = _real_array(D, "D")
    finite = np.isfinite(D)
    if db_range is None:
        lo = np.where(finite, D, np.inf).min(axis=(-2, -1), keepdims=True)
        hi = np.where(finite, D, -np.inf).max(axis=(-2, -1), keepdims=True)
    else:
        lo, hi = _db_range(db_range)
    span = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(span > 0, (D - lo) / np.where(span > 0, span, 1.0), 0.0)
    out = np.clip(out, 0.0, 1.0)
    return np.where(finite, out, 0.0)


@lru_cache(maxsize=64)
def _resample_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights: area averaging to shrink, bilinear (half-pixel) to enlarge."""
    if n_out == n_in:
        m = np.eye(n_in)
    elif n_out < n_in:
        m = np.zeros((n_out, n_in))
        scale = n_in / n_out
        for i in range(n_out):
            lo, hi = i * scale, (i + 1) * scale
            for j in range(int(np.floor(lo)), min(int(np.ceil(hi)), n_in)):
                m[i, j] = (min(hi, j + 1) - max(lo, j)) / scale
    else:
        m = np.zeros((n_out, n_in))
        pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        left = np.floor(pos).astype(int)
        right = np.minimum(left + 1, n_in - 1)
        frac = pos - left
        m[np.arange(n_out), left] += 1 - frac
        m[np.arange(n_out), right] += frac
    m.setflags(write=False)
    return m


@fill_doc
def resize(images: Any, size: tuple[int, int]) -> np.ndarray:
    """Resize the last two axes to ``size = (height, width)``.

    Each axis separately: area averaging when it shrinks (the mean is preserved),
    bilinear interpolation with half-pixel centres when it grows, unchanged when equal.

    Parameters
    ----------
    images : array_like, shape (..., h, w)
        Images, at least 2-d; complex values are replaced by their modulus.
    size : (int, int)
        ``(height, width)`` of the result, positive integers.

    Returns
    -------
    ndarray, shape (..., height, width)
        float64.
    """
    images = _real_array(images, "images")
    height, width = _size(size)
    rows = _resample_matrix(images.shape[-2], height)
    cols = _resample_matrix(images.shape[-1], width)
    return np.matmul(np.matmul(rows, images), cols.T)


@lru_cache(maxsize=32)
def _lut(cmap: str) -> np.ndarray:
    if cmap == "gray":
        lut = np.repeat(np.linspace(0.0, 1.0, 256)[:, None], 3, axis=1)
    elif cmap in COLORMAPS:
        with resources.files("chirpstft").joinpath("_colormaps.npz").open("rb") as fh:
            lut = np.load(fh)[cmap]
    else:
        try:
            import matplotlib
        except ImportError:
            raise ParameterError(
                f"cmap={cmap!r} is not one of chirpstft's colormaps {COLORMAPS}; other names "
                f"need matplotlib (pip install matplotlib)"
            ) from None
        if cmap not in matplotlib.colormaps:
            raise ParameterError(
                f"cmap={cmap!r} is not a known colormap; choose one of {COLORMAPS} or a "
                f"matplotlib colormap name"
            )
        lut = matplotlib.colormaps[cmap](np.linspace(0.0, 1.0, 256))[:, :3]
    lut = np.ascontiguousarray(lut, dtype=np.float64)
    lut.setflags(write=False)
    return lut


@fill_doc
def colorize(values: Any, cmap: str = "viridis") -> np.ndarray:
    """Map values in [0, 1] through a 256-entry colormap: shape (..., 3), floats in [0, 1].

    A value ``v`` takes entry ``round(v * 255)`` (values are clipped to [0, 1] first).

    Parameters
    ----------
    values : array_like
        Values in [0, 1] (others are clipped), any shape.
    cmap : str, default "viridis"
        Colormap name: one of :data:`COLORMAPS` (shipped) or any matplotlib colormap name
        (needs matplotlib).

    Returns
    -------
    ndarray, shape ``values.shape + (3,)``
        float64 RGB in [0, 1].
    """
    if not isinstance(cmap, str):
        raise ParameterError(f"cmap={cmap!r} must be a colormap name such as 'viridis'")
    lut = _lut(cmap)
    v = np.clip(
        _real_array(values, "values") if np.ndim(values) >= 2 else np.asarray(values, float), 0.0, 1.0
    )
    return lut[np.rint(v * 255).astype(np.intp)]


def _finish(
    v: np.ndarray, *, cmap: str | None, channels: int | None, dtype: OutDtype, layout: Layout
) -> np.ndarray:
    """Images (..., H, W) in [0, 1] -> (..., H, W, C) or (..., C, H, W), uint8 or float32."""
    channels, dtype, layout = _output_options(cmap, channels, dtype, layout)
    if cmap is not None:
        img = colorize(v, cmap)
    else:
        img = np.repeat(v[..., None], channels, axis=-1)
    if layout == "NCHW":
        img = np.moveaxis(img, -1, -3)
    if dtype == "uint8":
        return np.rint(np.clip(img, 0.0, 1.0) * 255.0).astype(np.uint8)
    return np.clip(img, 0.0, 1.0).astype(np.float32)


def _band(freqs: Any, n_rows: int, fmin: float | None, fmax: float | None) -> np.ndarray | None:
    """Rows with ``fmin <= f <= fmax`` (None: all rows)."""
    if fmin is None and fmax is None:
        return None
    if freqs is None:
        raise ParameterError("fmin/fmax need freqs= (the frequency of each row, in Hz)")
    freqs = np.asarray(freqs, dtype=np.float64)
    if freqs.shape != (n_rows,):
        raise ParameterError(f"freqs has shape {freqs.shape}; P has {n_rows} rows")
    lo = -np.inf if fmin is None else real_number(fmin, "fmin", low=0.0)
    hi = np.inf if fmax is None else real_number(fmax, "fmax", low=0.0, strict_low=True)
    if not lo < hi:
        raise ParameterError(f"fmin={fmin} must be less than fmax={fmax}")
    keep = (freqs >= lo) & (freqs <= hi)
    if not keep.any():
        raise ParameterError(f"no frequency bin lies in [fmin, fmax] = [{fmin}, {fmax}] Hz")
    return keep


def _output_options(cmap, channels, dtype, layout) -> tuple[int, str, str]:
    """Validated (channels, dtype, layout) for :func:`_finish` and the fused kernels."""
    dtype = option(dtype, "dtype", OUT_DTYPES)
    layout = option(layout, "layout", LAYOUTS)
    if channels is None:
        channels = 3 if cmap is not None else 1
    if isinstance(channels, (bool, np.bool_)) or not isinstance(channels, numbers.Integral):
        raise InputTypeError(
            f"channels={channels!r} must be the integer 1 or 3 (got {type(channels).__name__})"
        )
    channels = int(channels)
    if channels not in (1, 3):
        raise ParameterError(f"channels={channels!r} must be 1 or 3")
    if cmap is not None and channels == 1:
        raise ParameterError("a colormap gives 3 channels: pass channels=3 (or cmap=None for gray)")
    if cmap is not None and not isinstance(cmap, str):
        raise ParameterError(f"cmap={cmap!r} must be a colormap name such as 'viridis'")
    return channels, dtype, layout


# ----------------------------------------------------------------------------- entry points
@fill_doc
def render_shape(
    *,
    size: tuple[int, int] = (32, 32),
    cmap: str | None = None,
    channels: int | None = None,
    layout: Layout = "NHWC",
    batch_shape: tuple[int, ...] = (),
) -> tuple[int, ...]:
    """The shape of the images that :func:`render` and :func:`spectrogram_image` return.

    The one rule for the number of channels and their axis, so that callers (dataset
    writers, model builders) need not copy it: a colormap (``"gray"`` included) gives 3
    channels, ``cmap=None`` gives ``channels`` (default 1).

    Parameters
    ----------
    %(size)s
    %(cmap)s
    %(channels)s
    %(layout)s
    batch_shape : tuple of int, default ()
        Leading axes (the shape of the signal batch, ``x.shape[:-1]``) prepended to the result.

    Returns
    -------
    shape : tuple of int
        ``(*batch_shape, height, width, channels)`` (NHWC) or ``(*batch_shape, channels,
        height, width)`` (NCHW).

    Raises
    ------
    ParameterError
        If ``size``, ``channels``, ``layout``, ``cmap`` or ``batch_shape`` is invalid.

    Examples
    --------
    >>> import chirpstft
    >>> chirpstft.render_shape(size=(64, 32), cmap="gray")
    (64, 32, 3)
    >>> chirpstft.render_shape(size=(64, 32), layout="NCHW", batch_shape=(5,))
    (5, 1, 64, 32)
    """
    height, width = _size(size)
    channels, _, layout = _output_options(cmap, channels, "uint8", layout)
    try:
        lead = tuple(operator.index(n) for n in batch_shape)
    except TypeError:
        raise ParameterError(
            f"batch_shape={batch_shape!r} must be a tuple of non-negative integers"
        ) from None
    if any(n < 0 for n in lead):
        raise ParameterError(f"batch_shape={batch_shape!r} must be a tuple of non-negative integers")
    image = (height, width, channels) if layout == "NHWC" else (channels, height, width)
    return lead + image


# spectrogram_image and render spell out the same image parameters: both are public entry points whose
# keyword signatures are the documentation a user reads first (a kept pair; the rules are _finish & co.).
@fill_doc
def spectrogram_image(
    P: Any,
    *,
    freqs: Any = None,
    kind: Kind = "power",
    ref: Any = "max",
    amin: float | None = None,
    top_db: float | None = 80.0,
    db_range: tuple[float, float] | None = None,
    fmin: float | None = None,
    fmax: float | None = None,
    size: tuple[int, int] = (32, 32),
    cmap: str | None = None,
    channels: int | None = None,
    dtype: OutDtype = "uint8",
    layout: Layout = "NHWC",
) -> np.ndarray:
    """Render a power (or magnitude) spectrogram batch ``(..., n_freqs, n_frames)`` to images.

    Decibels (:func:`to_db`), an optional band, :func:`normalize`, :func:`resize`, low
    frequencies at the bottom, then :func:`colorize` or grey channels.

    Parameters
    ----------
    P : array_like, shape (..., n_freqs, n_frames)
        Power or magnitude spectrograms, rows in ascending frequency.
    freqs : array_like, shape (n_freqs,), or None, default None
        Frequency of each row in Hz (ascending); needed for ``fmin``/``fmax``.
    kind : {"power", "magnitude"}, default "power"
        What ``P`` holds (see :func:`to_db`).
    %(image)s

    Returns
    -------
    ndarray
        ``(..., height, width, channels)`` (NHWC) or ``(..., channels, height, width)``
        (NCHW): :func:`render_shape` gives it.
    """
    P = _real_array(P, "P")
    height, width = _size(size)
    keep = _band(freqs, P.shape[-2], fmin, fmax)
    if keep is not None:
        P = P[..., keep, :]
    db = to_db(P, kind=kind, ref=ref, amin=amin, top_db=top_db)
    v = resize(normalize(db, db_range=db_range), (height, width))
    v = v[..., ::-1, :]  # low frequencies in the bottom row
    return _finish(v, cmap=cmap, channels=channels, dtype=dtype, layout=layout)


@fill_doc
def render(
    x: Any,
    *,
    ref: Any = "max",
    amin: float | None = None,
    top_db: float | None = 80.0,
    db_range: tuple[float, float] | None = None,
    fmin: float | None = None,
    fmax: float | None = None,
    size: tuple[int, int] = (32, 32),
    cmap: str | None = None,
    channels: int | None = None,
    dtype: OutDtype = "uint8",
    layout: Layout = "NHWC",
    out: np.ndarray | None = None,
    **kwargs: Unpack[PlanParams],
) -> np.ndarray:
    """Signals ``(..., n_samples)`` straight to spectrogram images.

    The chirp STFT power, in decibels, normalised, band-limited, resized and coloured (see
    :func:`spectrogram_image`). Rows run in ascending frequency, low at the bottom; a real
    signal shows ``0 .. fs/2`` by default (also when the chirped analysis is twosided), a
    complex one ``-fs/2 .. fs/2``. A Dask array gives a lazy result (one image per signal).

    On a backend with a fused kernel (numba) the whole chain runs in one task per signal
    without materialising the complex STFT; the result equals the NumPy pipeline up to the
    rounding of values within ~1e-6 of a grey level. A callable ``ref`` uses the NumPy
    pipeline.

    Parameters
    ----------
    %(x)s
    %(analysis)s
    %(image)s
    %(backend)s
    %(out)s
    **kwargs
        The plan's parameters above, from ``fs`` to ``backend``, by name (as :func:`stft`);
        ``fft_mode`` is not one of them: images always show the centred (ascending) frequencies.

    Returns
    -------
    ndarray
        uint8 or float32 images, ``(..., height, width, channels)`` (NHWC) or
        ``(..., channels, height, width)`` (NCHW): :func:`render_shape` gives it.

    Examples
    --------
    >>> import numpy as np, chirpstft
    >>> x = np.random.default_rng(0).standard_normal((8, 1440)).astype(np.float32)
    >>> imgs = chirpstft.render(x, fs=1/60, n_fft=128, hop_length=32, size=(32, 32),
    ...                         cmap="viridis")
    >>> imgs.shape, imgs.dtype
    ((8, 32, 32, 3), dtype('uint8'))
    """
    if "fft_mode" in kwargs:
        raise ParameterError(
            f"render got fft_mode={kwargs['fft_mode']!r}; images always show the centred (ascending) "
            "frequencies: leave fft_mode out (fmin/fmax choose the band)"
        )
    if _dask.is_dask_array(x):  # lazy: one image per signal, mapped over the batch chunks
        if out is not None:
            raise ParameterError(
                "out= writes into an in-memory array; a Dask input gives a lazy result: drop out="
            )
        args = dict(locals())  # the arguments of this call (nothing else is bound yet), for every block
        del args["x"], args["kwargs"], args["out"]
        trailing = render_shape(size=size, cmap=cmap, channels=channels, layout=layout)
        _output_options(cmap, channels, dtype, layout)
        image = functools.partial(render, **args, **kwargs)
        return _dask.map_images(x, image, trailing, np.uint8 if dtype == "uint8" else np.float32)
    plan = plan_from("render", kwargs, fft_mode="centered")
    if is_device_array(x) and callable(ref):  # the device backend always has a fused render
        raise InputTypeError(
            "render of a CuPy array runs on the device, where ref must be 'max' or a number (a "
            "callable ref needs the NumPy pipeline): pass ref='max', or copy x to the host "
            "with cupy.asnumpy(x)"
        )
    analysis = plan.prepare(x, scaling="power")  # CuPy arrays stay on the device
    fused = analysis.backend.render
    freqs = plan.frequencies("centered")
    if fmin is None and not analysis.is_complex:
        fmin = 0.0
    if out is not None:
        shape = render_shape(
            size=size, cmap=cmap, channels=channels, layout=layout, batch_shape=analysis.batch_shape
        )
        out_dtype = np.uint8 if dtype == "uint8" else np.float32
        out = output_buffer(out, shape, out_dtype, inputs=(analysis.x,), contiguous=False)
    # the image options, the same for the fused kernel and the NumPy pipeline
    image = dict(
        ref=ref,
        amin=amin,
        top_db=top_db,
        db_range=db_range,
        fmin=fmin,
        fmax=fmax,
        size=size,
        cmap=cmap,
        channels=channels,
        dtype=dtype,
        layout=layout,
    )
    if fused is not None and not callable(ref):
        # the kernel writes NHWC images: into out itself when it can
        writable = out is not None and out.flags.c_contiguous and analysis.backend.writes_out
        direct = out if layout == "NHWC" and writable else None
        try:
            images = _render_fused(analysis, freqs, out=direct, **image)
            return images if out is None or images is out else _copy_into(out, images)
        except KernelCompiling:  # the kernel is compiling: the NumPy pipeline answers
            pass
    images = spectrogram_image(analysis.run(), freqs=freqs, kind="power", **image)
    return images if out is None else _copy_into(out, images)


def _copy_into(out: np.ndarray, images: np.ndarray) -> np.ndarray:
    out[...] = images
    return out


def _render_fused(
    analysis, freqs, *, ref, amin, top_db, db_range, fmin, fmax, size, cmap, channels, dtype, layout, out=None
):
    """The backend's one-pass signals -> images kernel, with the reference's validation."""
    height, width = _size(size)
    channels, dtype, layout = _output_options(cmap, channels, dtype, layout)
    keep = _band(freqs, freqs.shape[0], fmin, fmax)
    rows = np.arange(freqs.shape[0]) if keep is None else np.flatnonzero(keep)
    n = analysis.spec.n_fft
    fft_rows = (rows + (n + 1) // 2) % n  # centred (ascending) row -> FFT bin
    ref, amin, top_db = _db_params("power", ref, amin, top_db)
    ref_value = -1.0 if ref == "max" else ref  # the kernel's code for "per-image maximum"
    if db_range is not None:
        db_range = _db_range(db_range)
    lut = np.zeros((0, 3)) if cmap is None else _lut(cmap)
    tables = render_tables(
        amin,
        ref_value,
        top_db,
        db_range,
        _resample_matrix(rows.shape[0], height),
        _resample_matrix(analysis.n_frames, width),
    )
    kw = {} if out is None else {"out": out}
    a = analysis
    images = a.backend.render(
        a.x,
        a.spec,
        a.rates,
        a.fft_mode,
        a.n_frames,
        fft_rows,
        tables,
        lut=lut,
        channels=channels,
        out_dtype=np.uint8 if dtype == "uint8" else np.float32,
        **kw,
    )
    return np.moveaxis(images, -1, -3) if layout == "NCHW" else images


@fill_doc
def waveform_image(
    x: Any,
    *,
    size: tuple[int, int] = (32, 32),
    mode: WaveMode = "filled",
    dtype: OutDtype = "uint8",
    layout: Layout = "NHWC",
    channels: int = 1,
) -> np.ndarray:
    """The time-amplitude curve of each segment as an image (the paper's waveform images).

    Each segment ``(..., n_samples)`` is normalised to [0, 1] (min-max; a constant
    segment sits at 0.5) and drawn with amplitude upwards (0 at the bottom row) and time to
    the right, column ``c`` covering the time interval ``[c, c+1) * n/width`` of the
    piecewise-linear curve through the samples.

    Parameters
    ----------
    x : array_like, shape (..., n_samples)
        Real, finite segments (at least one sample each).
    %(size)s
    mode : {"line", "filled", "binary"}, default "filled"
        ``"line"`` lights the pixels that the curve passes through in each column (the
        rasterised polyline); ``"filled"`` fills from the bottom up to the column's mean
        height, the top pixel with its fractional coverage (grey levels); ``"binary"`` is
        ``"filled"`` with coverage rounded to 0 or 1.
    %(dtype)s
    %(layout)s
    channels : {1, 3}, default 1
        Grey channels of each image.

    Returns
    -------
    ndarray
        ``(..., height, width, channels)`` (NHWC) or ``(..., channels, height, width)``.
    """
    mode = option(mode, "mode", WAVE_MODES)
    height, width = _size(size)
    _output_options(None, channels, dtype, layout)
    x = numeric_array(x, "x", "biuf", "pass real-valued segments")
    if x.ndim < 1 or x.size == 0:
        raise ParameterError(
            f"x has shape {x.shape} (no samples or no segments); pass at least one segment of "
            f"shape (..., n_samples) with n_samples >= 1"
        )
    check_size(
        (x.size // x.shape[-1]) * height * (width + 1) * 4,
        8,
        f"waveform images of x {x.shape} at size={size!r}",
        "pass fewer segments or a smaller size",
    )
    if not np.all(np.isfinite(x)):
        raise ParameterError("x contains NaN or inf; fill or drop the gaps before drawing waveforms")
    x = x.astype(np.float64)
    lo = x.min(axis=-1, keepdims=True)
    span = x.max(axis=-1, keepdims=True) - lo
    u = np.where(span > 0, (x - lo) / np.where(span > 0, span, 1.0), 0.5)
    n = u.shape[-1]
    # the curve through the samples at times (j + 0.5)/n, held flat beyond the ends
    t_samples = (np.arange(n) + 0.5) / n
    edges = np.arange(width + 1) / width
    at_edges = np.stack([np.interp(edges, t_samples, row) for row in u.reshape(-1, n)])
    at_edges = at_edges.reshape(*u.shape[:-1], width + 1)
    # extent of the curve over each column: its values at both column edges and at the
    # samples inside the column (a contiguous index range)
    col_lo = np.minimum(at_edges[..., :-1], at_edges[..., 1:])
    col_hi = np.maximum(at_edges[..., :-1], at_edges[..., 1:])
    first = np.searchsorted(t_samples, edges, side="left")
    for c in range(width):
        if first[c + 1] > first[c]:
            inner = u[..., first[c] : first[c + 1]]
            col_lo[..., c] = np.minimum(col_lo[..., c], inner.min(axis=-1))
            col_hi[..., c] = np.maximum(col_hi[..., c], inner.max(axis=-1))
    rows = np.arange(height)  # 0 = bottom
    if mode == "line":
        # pixel row r covers amplitudes [r, r+1)/height; the top pixel is the one holding col_hi
        y_lo = np.minimum(np.floor(col_lo * height), height - 1)
        y_hi = np.maximum(y_lo, np.minimum(np.ceil(col_hi * height) - 1, height - 1))
        img = (rows[:, None] >= y_lo[..., None, :]) & (rows[:, None] <= y_hi[..., None, :])
        img = img.astype(np.float64)
    else:
        mean = _column_means(u, t_samples, edges, at_edges)
        level = mean * height
        img = np.clip(level[..., None, :] - rows[:, None], 0.0, 1.0)
        if mode == "binary":
            img = (img >= 0.5).astype(np.float64)
    img = img[..., ::-1, :]  # bottom row last
    return _finish(img, cmap=None, channels=channels, dtype=dtype, layout=layout)


def _column_means(u, t_samples, edges, at_edges):
    """Mean of the piecewise-linear curve over each column (exact, by trapezoids)."""
    knots = np.concatenate([edges, t_samples])
    order = np.argsort(knots, kind="stable")
    knots = knots[order]
    values = np.concatenate([at_edges, u], axis=-1)[..., order]
    areas = 0.5 * (values[..., 1:] + values[..., :-1]) * np.diff(knots)
    cumulative = np.concatenate([np.zeros((*u.shape[:-1], 1)), np.cumsum(areas, axis=-1)], axis=-1)
    at_edge = cumulative[..., np.searchsorted(knots, edges, side="left")]
    return np.diff(at_edge, axis=-1) * (len(edges) - 1)
