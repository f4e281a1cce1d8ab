"""Small validators shared by the public API; each names the parameter and the fix."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ._errors import InputTypeError, ParameterError


def positive_int(value: Any, name: str) -> int:
    """Return ``value`` as a Python int if it is a positive integer, else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise InputTypeError(
            f"{name}={value!r} must be a positive integer (got {type(value).__name__}); pass e.g. {name}=256"
        )
    value = int(value)
    if value <= 0:
        raise ParameterError(f"{name}={value} must be a positive integer (>= 1)")
    return value


def positive_finite_float(value: Any, name: str) -> float:
    """Return ``value`` as a float if it is finite and > 0, else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InputTypeError(f"{name}={value!r} must be a positive real number (got {type(value).__name__})")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ParameterError(f"{name}={value} must be a finite number > 0")
    return value


def option(value: Any, name: str, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise a message listing them."""
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ParameterError(f"{name}={value!r} is not supported; choose one of {listed}")
    return value


def real_dtype_of(dtype: np.dtype, name: str = "x") -> np.dtype:
    """Working real precision of an input dtype: float32 stays float32, all else float64.

    The one working-dtype rule: the plan, the streams and every backend kernel (CPU and GPU)
    compute in this precision (complex64 out for float32 in).

    Integers and booleans are promoted to float64, float16 to float32; object,
    string and other non-numeric dtypes raise :class:`InputTypeError`.
    """
    dtype = np.dtype(dtype)
    if dtype in (np.float32, np.complex64, np.float16):
        return np.dtype(np.float32)
    if dtype.kind in "biufc":
        return np.dtype(np.float64)
    raise InputTypeError(
        f"{name} has dtype {dtype} which is not numeric; pass an array of floats "
        f"(float32 or float64) or complex numbers"
    )


def complex_dtype(real: np.dtype) -> np.dtype:
    """complex64 for float32, complex128 for float64."""
    return np.dtype(np.complex64) if np.dtype(real) == np.float32 else np.dtype(np.complex128)


def as_working_array(x: Any, name: str, asarray: Any = np.asarray, *, spectra: bool = False) -> Any:
    """``x`` as an array in its working dtype: the one input rule of every path.

    ``asarray`` turns ``x`` into an array (a backend's: the GPU backend keeps CuPy arrays;
    a Dask array is passed through). Strings and what cannot be converted raise
    :class:`InputTypeError` naming ``name``. Signals keep float32 or complex64 in single
    precision and go to float64 or complex128 otherwise (:func:`real_dtype_of`); with
    ``spectra=True`` the result is always complex (an STFT).
    """
    if isinstance(x, (str, bytes)):
        raise InputTypeError(f"{name} is a {type(x).__name__}; pass a numeric array")
    try:
        arr = asarray(x)
    except Exception as exc:
        raise InputTypeError(f"{name} could not be converted to a numeric array ({exc})") from None
    real = real_dtype_of(arr.dtype, name)
    work = complex_dtype(real) if spectra or np.iscomplexobj(arr) else real
    return arr.astype(work, copy=False)
