"""Backend registry: the one place that decides which implementation runs.

A backend is a module exposing ``NAME``, ``stft``, ``spectrogram`` and ``istft``
with the signatures of :mod:`chirpstft.backends.numpy_ref` (the reference, and
the oracle every faster backend is tested against). Optional: ``render`` (a fused
signals -> images path) and ``asarray`` (how the plan turns inputs into arrays; the GPU
backend keeps CuPy arrays on the device). CuPy arrays always go to ``"cupy"``.

``backend=None`` chooses automatically: the first *available* backend in
:data:`PREFERENCE` that accepts the input's array type; if a preferred backend cannot be
loaded, a ``RuntimeWarning`` says which one and why (once per process). A named backend that is
unknown raises :class:`~chirpstft.ParameterError`; a known one that cannot run
here raises :class:`~chirpstft.BackendUnavailableError` naming what is missing.
There is never a silent fallback from a requested backend to another one.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from types import ModuleType
from typing import Any

from .._errors import BackendUnavailableError, InputTypeError, ParameterError

__all__ = ["PREFERENCE", "available_backends", "get_backend", "is_device_array"]

#: Known backends and the module implementing each.
_MODULES: dict[str, str] = {
    "numba": "chirpstft.backends.numba_cpu",
    "numpy": "chirpstft.backends.numpy_ref",
    "cupy": "chirpstft.backends.cupy_gpu",
}

#: Order of preference of the automatic choice for host (NumPy) arrays.
PREFERENCE: tuple[str, ...] = ("numba", "numpy")

_loaded: dict[str, ModuleType] = {}
_warned: set[str] = set()
_failed: dict[tuple[str, str], BackendUnavailableError] = {}


def _load(name: str) -> ModuleType:
    if name in _loaded:
        return _loaded[name]
    module_name = _MODULES[name]
    if (name, module_name) in _failed:  # don't retry a failed import on every call
        raise _failed[name, module_name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        error = BackendUnavailableError(
            f"backend={name!r} is not available here: {exc}. Install what it needs "
            f"(see the README) or pass backend=None to choose automatically"
        )
        error.__cause__ = exc
        _failed[name, module_name] = error
        raise error from exc
    _loaded[name] = module
    return module


def available_backends() -> list[str]:
    """Names of the backends that can run in this process."""
    names = []
    for name in _MODULES:
        try:
            _load(name)
        except BackendUnavailableError:
            continue
        names.append(name)
    return names


def is_device_array(x: Any) -> bool:
    """True for a CuPy array, detected without importing CuPy."""
    cp = sys.modules.get("cupy")
    return cp is not None and isinstance(x, cp.ndarray)


def get_backend(name: str | None, x: Any = None) -> ModuleType:
    """Return the backend module for ``name`` (``None``: automatic) and input ``x``."""
    if name is not None and (not isinstance(name, str) or name not in _MODULES):
        listed = ", ".join(repr(n) for n in _MODULES)
        raise ParameterError(
            f"backend={name!r} is not a known backend; choose one of {listed}, or None "
            f"to choose automatically"
        )
    if is_device_array(x):
        if "cupy" not in _MODULES or name not in (None, "cupy"):
            raise InputTypeError(
                "the input is a CuPy (GPU) array, which "
                + (f"backend={name!r} cannot read" if name else "no installed backend accepts")
                + "; copy it to the host with cupy.asnumpy(x) first"
            )
    if name is not None:
        return _load(name)
    if is_device_array(x):  # CuPy in, CuPy out: the device backend or a clear error
        return _load("cupy")
    skipped = []
    for candidate in PREFERENCE:
        try:
            module = _load(candidate)
        except BackendUnavailableError as exc:
            skipped.append(f"{candidate!r} ({exc.__cause__ or exc})")
            continue
        if skipped and candidate not in _warned:
            _warned.add(candidate)
            warnings.warn(
                f"chirpstft is using backend {candidate!r} because {', '.join(skipped)} could not "
                f"be loaded; reinstall chirpstft's dependencies for the fast path, or pass "
                f"backend={candidate!r} to silence this",
                RuntimeWarning,
                stacklevel=4,
            )
        return module
    raise BackendUnavailableError("no chirpstft backend can run here")  # pragma: no cover
