"""GPU backend on CuPy: CuPy arrays in, CuPy arrays out, computed on the device.

Chosen automatically for CuPy inputs and explicitly with ``backend="cupy"``. The result lives
where the input lived: CuPy in, CuPy out (no host round trip); a NumPy input with
``backend="cupy"`` is copied to the device, computed there, and copied back (which lets the
whole CPU test suite run on the GPU backend where a GPU is present). The work is done by
:class:`chirpstft.backends.cuda.device.DeviceBackend` with ``xp = cupy``: Numba CUDA kernels
for framing + window + chirp (written straight into the FFT input buffer), bin selection +
transpose (+ magnitude), the race-free overlap-add of the inverse and the fused rendering;
cuFFT through :mod:`cupy.fft` with CuPy's plan cache; every kernel on CuPy's current stream.

Importing this module fails with an :class:`ImportError` that names what is missing (CuPy,
a CUDA device, or Numba's CUDA target); the registry turns it into a
:class:`~chirpstft.BackendUnavailableError`. It never falls back to the CPU.

The only code here that the simulator-based tests cannot execute is this module's glue:
the availability checks, :func:`_launch` / :func:`_device_view` / :func:`_numba_stream`
(handing CuPy's stream and arrays to Numba) and :func:`_follow_input`.
"""

from __future__ import annotations

import functools
import os
import warnings

import numpy as np

try:
    import cupy
except ImportError as exc:
    raise ImportError(f"CuPy is not installed ({exc}); pip install 'chirpstft[gpu]'") from exc


def _check_device() -> None:
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDARuntimeError without a driver, AttributeError on a broken install
        raise ImportError(f"no CUDA device is usable by CuPy ({type(exc).__name__}: {exc})") from exc
    if count < 1:
        raise ImportError("no CUDA device is visible to CuPy (cupy.cuda.runtime.getDeviceCount() == 0)")


_check_device()

if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0"):
    raise ImportError(
        "NUMBA_ENABLE_CUDASIM is set, so numba.cuda is the CPU simulator, which cannot run on "
        "CuPy device arrays; unset it to use the GPU"
    )

try:
    from numba import cuda
    from numba.core.errors import NumbaPerformanceWarning
except ImportError as exc:  # pragma: no cover - numba ships numba.cuda or numba-cuda provides it
    raise ImportError(f"numba.cuda is unavailable ({exc}); pip install 'chirpstft[gpu]'") from exc
if not cuda.is_available():
    raise ImportError(
        "numba.cuda is unavailable: Numba cannot use the CUDA driver or find NVVM/libdevice "
        "(pip install 'chirpstft[gpu]', which brings numba-cuda[cu12]; numba.cuda.detect() says more)"
    )

from .device import DeviceBackend  # noqa: E402 - imports numba.cuda kernels: only once the checks passed

NAME = "cupy"

_streams: dict[int, object] = {}


def _numba_stream():
    """Numba's handle on CuPy's current stream (so kernels and cuFFT calls stay ordered)."""
    ptr = cupy.cuda.get_current_stream().ptr
    stream = _streams.get(ptr)
    if stream is None:
        stream = cuda.default_stream() if ptr == 0 else cuda.external_stream(ptr)
        if len(_streams) > 64:
            _streams.clear()
        _streams[ptr] = stream
    return stream


def _device_view(a):
    # sync=False: the kernel runs on the same stream as the CuPy work that produced ``a``
    return cuda.as_cuda_array(a, sync=False) if isinstance(a, cupy.ndarray) else a


def _launch(kernel, blocks: int, threads: int, *args) -> None:
    views = [_device_view(a) for a in args]
    with warnings.catch_warnings():
        # small batches give small grids; that is the input's size, not something to fix
        warnings.simplefilter("ignore", NumbaPerformanceWarning)
        kernel[blocks, threads, _numba_stream()](*views)


_backend = DeviceBackend(cupy, name=NAME, launch=_launch)


def asarray(x):
    """CuPy arrays stay on the device; anything else becomes a NumPy array (see :func:`_follow_input`)."""
    return x if isinstance(x, cupy.ndarray) else np.asarray(x)


def _follow_input(method):
    """The result lives where the input lived: a CuPy input gives a CuPy result, a host input
    (``backend="cupy"`` with NumPy arrays) is computed on the device and copied back."""

    @functools.wraps(method)
    def run(x, *args, **kwargs):
        if isinstance(x, cupy.ndarray):
            return method(x, *args, **kwargs)
        return cupy.asnumpy(method(cupy.asarray(x), *args, **kwargs))

    return run


stft = _follow_input(_backend.stft)
spectrogram = _follow_input(_backend.spectrogram)
istft = _follow_input(_backend.istft)
render = _follow_input(_backend.render)

__all__ = ["NAME", "asarray", "istft", "render", "spectrogram", "stft"]
