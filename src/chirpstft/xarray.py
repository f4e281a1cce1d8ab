"""xarray integration: a DataArray with a time dimension in, a labelled spectrogram out.

``import chirpstft.xarray`` (which imports xarray; ``import chirpstft`` never does) gives
:func:`stft` and :func:`spectrogram` and registers the DataArray accessor ``.chirpstft``::

    S = chirpstft.xarray.stft(da, n_fft=128, hop_length=32, chirp_rate="auto")
    P = da.chirpstft.spectrogram(n_fft=128, scaling="psd")

The output has the input's other dimensions (with their coordinates), then ``frequency``
(Hz) and the time dimension (frame centres: datetimes when the input's time coordinate holds
datetimes, else its numbers plus seconds), the chirp rate of every frame as the coordinate
``chirp_rate`` (``stft``), and the transform's parameters in ``attrs``. ``fs`` is read from a
regularly spaced time coordinate when not given. A Dask-backed DataArray gives a lazy result.
"""

from __future__ import annotations

from typing import Any, Unpack

import numpy as np
import xarray as xr

from ._docs import fill_doc
from ._errors import InputTypeError, ParameterError
from ._plan import AnalysisParams, cached_plan
from ._spec import FFTMode, Scaling

__all__ = ["ChirpSTFTAccessor", "spectrogram", "stft"]


def _sampling_rate(da: xr.DataArray, dim: str, fs: float | None) -> float:
    if fs is not None:
        return fs
    if dim not in da.coords:
        raise ParameterError(
            f"the DataArray has no {dim!r} coordinate to read the sampling rate from; pass fs (Hz)"
        )
    t = np.asarray(da.coords[dim].values)
    if t.size < 2:
        raise ParameterError(f"the {dim!r} coordinate has fewer than 2 values; pass fs (Hz)")
    if np.issubdtype(t.dtype, np.datetime64):
        step = np.diff(t).astype("timedelta64[ns]").astype(np.float64) / 1e9
    elif np.issubdtype(t.dtype, np.number):
        step = np.diff(t.astype(np.float64))
    else:
        raise InputTypeError(f"the {dim!r} coordinate has dtype {t.dtype}; pass fs (Hz)")
    if step[0] <= 0 or not np.allclose(step, step[0], rtol=1e-6, atol=0):
        raise ParameterError(
            f"the {dim!r} coordinate is not regularly increasing, so it gives no sampling rate; "
            f"resample to a regular grid, or pass fs (Hz)"
        )
    return 1.0 / float(step[0])


def _frame_coord(da: xr.DataArray, dim: str, seconds: np.ndarray):
    """Frame-centre times: datetimes, numbers (t0 + seconds), or seconds without a coordinate."""
    if dim not in da.coords:
        return seconds
    t0 = np.asarray(da.coords[dim].values)[0]
    if np.issubdtype(np.asarray(t0).dtype, np.datetime64):
        return t0 + np.round(seconds * 1e9).astype(np.int64).astype("timedelta64[ns]")
    return t0 + seconds


def _attrs(plan, fft_mode: FFTMode, **extra) -> dict[str, Any]:
    kind = plan.chirp.kind
    rate = {"constant": plan.chirp_rate, "auto": "auto", "callable": "callable"}.get(
        kind, "per frame (see the chirp_rate coordinate)"
    )
    window = plan.window_spec if isinstance(plan.window_spec, str) else repr(plan.window_spec)
    attrs = {
        "fs": plan.fs,
        "n_fft": plan.n_fft,
        "hop_length": plan.hop_length,
        "win_length": plan.win_length,
        "window": window if isinstance(window, str) else "array",
        "center": int(plan.center),
        "pad_mode": plan.pad_mode,
        "fft_mode": fft_mode,
        "chirp_rate": rate,
        "transform": "chirpstft chirp-window STFT",
    }
    attrs.update(extra)
    return attrs


def _transform(da, dim, fs, kind, scaling, params):
    if not isinstance(da, xr.DataArray):
        raise InputTypeError(f"da must be an xarray.DataArray, not {type(da).__name__}")
    if dim not in da.dims:
        raise ParameterError(f"dim={dim!r} is not a dimension of the DataArray (dims {da.dims}); pass dim=")
    fs = _sampling_rate(da, dim, fs)
    da = da.transpose(..., dim)
    plan = cached_plan(fs=fs, **params)
    analysis = plan.prepare(da.data, scaling=None if kind == "stft" else scaling)
    if kind == "stft":
        out, rates = plan.run(analysis, return_rates=True)
    else:
        out, rates = plan.run(analysis), None
    fft_mode = analysis.fft_mode
    other = da.dims[:-1]
    coords: dict[str, Any] = {name: c for name, c in da.coords.items() if dim not in c.dims}
    coords["frequency"] = ("frequency", plan.frequencies(fft_mode), {"units": "Hz"})
    coords[dim] = (dim, _frame_coord(da, dim, plan.times(da.sizes[dim])))
    if rates is not None:
        coords["chirp_rate"] = ((*other, dim), rates, {"units": "Hz/s"})
    extra = {"scaling": scaling} if kind == "spectrogram" else {}
    name = f"{kind}({da.name})" if da.name is not None else kind
    return xr.DataArray(
        out, dims=(*other, "frequency", dim), coords=coords, attrs=_attrs(plan, fft_mode, **extra), name=name
    )


# stft's signature and docstring head have the shape of ChirpSTFT.istft's (a kept pair, shape only).
@fill_doc
def stft(
    da: xr.DataArray,
    *,
    dim: str = "time",
    fs: float | None = None,
    **kwargs: Unpack[AnalysisParams],
) -> xr.DataArray:
    """Chirp STFT of a DataArray along ``dim``.

    Parameters
    ----------
    %(xarray_analysis)s
    **kwargs
        The plan's parameters above (besides ``fs``), by name.

    Returns
    -------
    xarray.DataArray, dims (..., "frequency", dim)
        Complex; coordinates ``frequency`` (Hz), ``dim`` (frame centres) and ``chirp_rate``
        (Hz/s, per frame: what :func:`chirpstft.istft` needs, also for ``"auto"``); the
        parameters in ``attrs``.

    Examples
    --------
    >>> import numpy as np, xarray as xr, chirpstft.xarray
    >>> time = np.datetime64("2020-01-01") + np.arange(1440) * np.timedelta64(1, "m")
    >>> da = xr.DataArray(np.random.default_rng(0).standard_normal(1440), dims="time",
    ...                   coords={"time": time}, name="Hz_component")
    >>> S = chirpstft.xarray.stft(da, n_fft=128, hop_length=32, chirp_rate="auto")
    >>> S.dims, S.sizes["frequency"], str(S.time.values[1])
    (('frequency', 'time'), 128, '2020-01-01T00:32:00.000000000')
    >>> round(S.attrs["fs"] * 60, 6), S.attrs["chirp_rate"], S.chirp_rate.dims
    (1.0, 'auto', ('time',))
    """
    return _transform(da, dim, fs, "stft", None, kwargs)


# stft and spectrogram of a DataArray share their docstring's layout (a kept pair): the work is _transform.
@fill_doc
def spectrogram(
    da: xr.DataArray,
    *,
    dim: str = "time",
    fs: float | None = None,
    scaling: Scaling = "magnitude",
    **kwargs: Unpack[AnalysisParams],
) -> xr.DataArray:
    """Magnitude, power or PSD spectrogram of a DataArray along ``dim`` (see :func:`stft`).

    Parameters
    ----------
    %(dataarray)s
    %(scaling)s
    %(framing)s
    %(fft_mode)s
    %(backend)s
    **kwargs
        The plan's parameters above (besides ``fs``), by name.

    Returns
    -------
    xarray.DataArray, dims (..., "frequency", dim)
        Real; coordinates ``frequency`` (Hz) and ``dim`` (frame centres); the parameters and
        ``scaling`` in ``attrs``.
    """
    return _transform(da, dim, fs, "spectrogram", scaling, kwargs)


@xr.register_dataarray_accessor("chirpstft")
class ChirpSTFTAccessor:
    """``da.chirpstft.stft(...)`` and ``da.chirpstft.spectrogram(...)``: :func:`stft`, :func:`spectrogram`."""

    def __init__(self, da: xr.DataArray) -> None:
        self._da = da

    def stft(self, **kwargs: Any) -> xr.DataArray:
        """:func:`chirpstft.xarray.stft` of this DataArray."""
        return stft(self._da, **kwargs)

    def spectrogram(self, **kwargs: Any) -> xr.DataArray:
        """:func:`chirpstft.xarray.spectrogram` of this DataArray."""
        return spectrogram(self._da, **kwargs)
