"""Small validators shared by the public API; each names the parameter and the fix."""

from __future__ import annotations

import numbers
import os
from typing import Any

import numpy as np

try:
    import resource
except ImportError:  # pragma: no cover - Windows has no resource limits
    resource = None

from ._errors import InputTypeError, ParameterError

#: the largest integer size or step accepted (the kernels index in int64)
MAX_INT = 2**62


def positive_int(value: Any, name: str) -> int:
    """Return ``value`` as a Python int if it is a positive integer, else raise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise InputTypeError(
            f"{name}={value!r} must be a positive integer (got {type(value).__name__}); pass e.g. {name}=256"
        )
    value = int(value)
    if value <= 0:
        raise ParameterError(f"{name}={value} must be a positive integer (>= 1)")
    if value > MAX_INT:
        # the kernels index in int64: anything beyond 2**62 would wrap around inside them
        raise ParameterError(f"{name}={value} is too large: it must be at most 2**62 = {MAX_INT}")
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


def numeric_array(
    value: Any, name: str, kinds: str, fix: str, *, what: str = "a numeric array"
) -> np.ndarray:
    """``value`` as a NumPy array whose dtype kind is one of ``kinds`` (``"biufc"`` letters).

    What cannot be converted raises :class:`InputTypeError` "``name`` could not be converted to
    ``what`` (why)"; another dtype "``name`` has dtype ...; ``fix``".
    """
    try:
        arr = np.asarray(value)
    except Exception as exc:
        raise InputTypeError(f"{name} could not be converted to {what} ({exc})") from None
    if arr.dtype.kind not in kinds:
        raise InputTypeError(f"{name} has dtype {arr.dtype}; {fix}")
    return arr


def output_buffer(
    out: Any, shape: tuple[int, ...], dtype: Any, inputs: tuple[Any, ...] = (), *, contiguous: bool = True
) -> Any:
    """``out`` checked as the buffer a result of ``shape`` and ``dtype`` is written into.

    It must be an array (NumPy, or CuPy for a device input) of exactly that shape and dtype,
    writable, C-contiguous (unless ``contiguous=False``: the result is copied in) and not sharing
    memory with any of ``inputs``; otherwise an error naming ``out`` says which and how to make one.
    """
    make = f"np.empty({tuple(shape)}, dtype={np.dtype(dtype).name!r})"
    if not hasattr(out, "shape") or not hasattr(out, "dtype") or not hasattr(out, "flags"):
        raise InputTypeError(f"out is a {type(out).__name__}; pass an array to write the result into: {make}")
    if tuple(out.shape) != tuple(shape):
        raise ParameterError(
            f"out has shape {tuple(out.shape)}, but the result has shape {tuple(shape)}; pass {make}"
        )
    if np.dtype(out.dtype) != np.dtype(dtype):
        raise InputTypeError(
            f"out has dtype {np.dtype(out.dtype)}, but the result is {np.dtype(dtype)}; pass {make}"
        )
    if (contiguous and not out.flags.c_contiguous) or not out.flags.writeable:
        what = "read-only" if not out.flags.writeable else "not C-contiguous"
        raise ParameterError(f"out is {what}; pass a writable C-contiguous array such as {make}")
    if isinstance(out, np.ndarray) and any(
        isinstance(a, np.ndarray) and np.shares_memory(out, a) for a in inputs
    ):
        raise ParameterError("out shares memory with the input; pass a separate array: " + make)
    return out


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


#: Sampling rates accepted everywhere: ``fs**2`` and ``1/fs**2`` (the chirp phase ``pi*a*t**2``
#: with ``t`` in seconds, the default candidate grid ``2*fs**2/n_fft**2``) stay finite and nonzero.
FS_MIN, FS_MAX = 1e-100, 1e100


def sampling_rate(value: Any, name: str = "fs") -> float:
    """``value`` as a float in ``[FS_MIN, FS_MAX]`` Hz, else raise naming ``name``."""
    value = positive_finite_float(value, name)
    if not FS_MIN <= value <= FS_MAX:
        raise ParameterError(
            f"{name}={value!r} is outside the supported range [{FS_MIN:g}, {FS_MAX:g}] Hz "
            f"(fs**2 must stay finite and nonzero); pass the rate in a unit that fits (Hz, kHz, per day ...)"
        )
    return value


def boolean(value: Any, name: str) -> bool:
    """``value`` if it is True or False (NumPy booleans included), else raise."""
    if not isinstance(value, (bool, np.bool_)):
        raise InputTypeError(f"{name}={value!r} must be True or False (got {type(value).__name__})")
    return bool(value)


def real_number(
    value: Any, name: str, *, low: float | None = None, high: float | None = None, strict_low: bool = False
) -> float:
    """``value`` as a finite float within ``[low, high]`` (``(low, high]`` with ``strict_low``)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InputTypeError(f"{name}={value!r} must be a real number (got {type(value).__name__})")
    value = float(value)
    bad = not np.isfinite(value)
    if low is not None:
        bad = bad or (value <= low if strict_low else value < low)
    if high is not None:
        bad = bad or value > high
    if bad:
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        bracket = "(" if strict_low or low is None else "["
        raise ParameterError(f"{name}={value!r} must be a finite number in {bracket}{lo}, {hi}]")
    return value


def tolerance(value: Any, name: str = "tol") -> float:
    """A relative tolerance: a real number in ``[0, 1)``."""
    value = real_number(value, name, low=0.0, high=1.0)
    if value >= 1.0:
        raise ParameterError(f"{name}={value!r} must be a relative tolerance in [0, 1), e.g. {name}=1e-10")
    return value


def _memory_limit() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - platforms without sysconf
        return 1 << 40


#: Largest array (bytes) any entry point allocates: this machine's physical memory.
MAX_BYTES = _memory_limit()


def _address_space_left() -> int | None:
    """Bytes this process may still map under its address-space limit (``ulimit -v``,
    ``RLIMIT_AS``), or None when it has none (or the platform cannot say)."""
    if resource is None:  # pragma: no cover - not on Windows
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft < 0:
        return None
    try:
        with open("/proc/self/statm") as fh:  # Linux: total mapped pages first
            used = int(fh.read().split()[0]) * int(os.sysconf("SC_PAGE_SIZE"))
    except (OSError, ValueError, IndexError):  # pragma: no cover - no /proc: the limit alone
        used = 0
    return max(int(soft) - used, 0)


def memory_budget() -> tuple[int, str]:
    """The most bytes one call may allocate, and what sets it (for messages).

    This machine's physical memory (:data:`MAX_BYTES`), or less when the process has an
    address-space limit: what is left under it now.
    """
    left = _address_space_left()
    if left is not None and left < MAX_BYTES:
        return (
            left,
            f"the {_human(left)} this process may still map under its address-space limit (ulimit -v)",
        )
    return MAX_BYTES, f"this machine's memory ({_human(MAX_BYTES)})"


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if n < 1024 or unit == "EiB":
            return f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} B"  # pragma: no cover


def check_size(n_values: int, itemsize: int, what: str, fix: str) -> None:
    """Refuse, before allocating, ``n_values`` items of ``itemsize`` bytes that cannot fit in memory.

    ``what`` names the parameter(s) that set the size; ``fix`` says what to pass instead. The
    bound is :func:`memory_budget`; callers count the whole working memory of what they
    are about to do (every array alive at once), not only its largest array.
    """
    need = int(n_values) * int(itemsize)
    budget, source = memory_budget()
    if need > budget:
        values = f" ({int(n_values)} values of {int(itemsize)} bytes)" if int(itemsize) > 1 else ""
        raise ParameterError(f"{what} would need {_human(need)}{values}, more than {source}; {fix}")


def finite_phase(max_abs_rate: float, max_t2: float, name: str = "chirp_rate") -> None:
    """Refuse chirp rates whose phase ``pi*a*t**2`` is not finite (the result would be NaN)."""
    with np.errstate(over="ignore", invalid="ignore"):
        phase = np.pi * float(max_abs_rate) * float(max_t2)
    if not np.isfinite(phase) or phase > 1e300:
        raise ParameterError(
            f"{name} reaches |a|={max_abs_rate:g} Hz/s, which with t**2 up to {max_t2:g} s**2 "
            f"(n_fft and fs) makes the chirp phase pi*a*t**2 overflow and the result NaN; pass rates "
            f"with |a| * (n_fft/(2*fs))**2 well below 1e300"
        )
