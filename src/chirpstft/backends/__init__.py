"""Backend registry: the one place that decides which implementation runs, and what it can do.

A backend is a module declaring, by name, the functions it implements:

* required: ``NAME``, ``stft``, ``spectrogram`` and ``istft``, with the signatures of
  :mod:`chirpstft.backends.numpy_ref` (the reference, and the oracle every faster backend is
  tested against);
* optional, each with a default here (:class:`Capabilities`): ``chirp_scores`` (the candidate
  scan of ``chirp_rate="auto"``; default: none, an error that says which backends have one),
  ``render`` (a fused signals -> images path; default: none, the NumPy pipeline renders),
  ``frame_granule`` (how many consecutive frames a kernel computes together, so that a part of
  a signal computed on its own rounds as the whole; default 1) and ``asarray`` (how inputs
  become arrays; default :func:`numpy.asarray`; the GPU backend keeps CuPy arrays on the device).

Code outside ``backends/`` asks :func:`capabilities` (or :func:`backend_for`) and never looks at
a backend's name or attributes. CuPy arrays always go to ``"cupy"``.

``backend=None`` chooses automatically: the first *available* backend in
:data:`PREFERENCE` that accepts the input's array type; if a preferred backend cannot be
loaded, a ``RuntimeWarning`` says which one and why (once per process). A named backend that is
unknown raises :class:`~chirpstft.ParameterError`; a known one that cannot run
here raises :class:`~chirpstft.BackendUnavailableError` naming what is missing.
There is never a silent fallback from a requested backend to another one.

**While kernels compile.** A compiled backend's kernel is compiled on its first use with each
input type (10-15 s for a Numba kernel; then it is loaded from Numba's disk cache in well under a
second). ``backend_for(None, x, interim=True)`` (what the in-memory calls ask for) returns the
automatic choice with one difference: a call whose kernel is not compiled yet answers from the
NumPy reference (equal to rounding) while the kernel compiles in the background, instead of
waiting. A named backend, a stream and a Dask graph always wait. All of that, and what happens at
exit, is one object: :data:`COMPILER` (:mod:`.compiling`).
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

import numpy as np

from .._errors import BackendUnavailableError, InputTypeError, ParameterError
from .compiling import COMPILER, KernelCompiling

__all__ = [
    "COMPILER",
    "PREFERENCE",
    "Capabilities",
    "KernelCompiling",
    "available_backends",
    "backend_for",
    "capabilities",
    "get_backend",
    "is_device_array",
]

#: Known backends and the module implementing each.
_MODULES: dict[str, str] = {
    "numba": "chirpstft.backends.numba.backend",
    "numpy": "chirpstft.backends.numpy_ref",
    "cupy": "chirpstft.backends.cuda.backend",
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


# ----------------------------------------------------------------------------- capabilities
def _single_frames(spec: Any, rates: Any, is_complex: bool, n_frames: int | None = None) -> int:
    """Default frame granule: every frame is computed on its own."""
    return 1


@dataclass(frozen=True, eq=False)
class Capabilities:
    """What one backend can do: its required functions and its optional ones (or their defaults).

    Attributes
    ----------
    name : str
        The backend's name (``"numba"``, ``"numpy"``, ``"cupy"``).
    stft, spectrogram, istft : callable
        Required, with the signatures of :mod:`chirpstft.backends.numpy_ref`.
    chirp_scores : callable or None
        ``chirp_scores(x, spec, candidates, n_frames, n_bins, order, frames=None, bounded=False)``:
        entropies ``(..., n_frames, n_candidates)`` of every frame and candidate rate, in float64
        (``frames``: only those flat frame indices; ``bounded=True``: ``(scores, errors)``, where
        the scores may be computed in lower precision and ``errors`` bounds, per frame, their
        distance to the float64 ones; see :func:`chirpstft._auto.rates_for`). None: the backend
        has no scan, and ``chirp_rate="auto"`` raises :class:`~chirpstft.BackendUnavailableError`.
    render : callable or None
        The fused signals -> images kernel (see :func:`chirpstft.render`). None: render uses
        the backend's spectrogram and the NumPy image pipeline; so does a call whose kernel is
        still compiling (it raises :class:`KernelCompiling`).
    writes_out : bool
        Whether ``stft``, ``spectrogram`` (and ``render``, if any) take ``out=``: a caller's
        C-contiguous array of the result's shape and dtype, filled in place (module attribute
        ``WRITES_OUT``; default False: the plan copies the result into ``out``).
    frame_granule : callable
        ``frame_granule(spec, rates, is_complex, n_frames=None) -> int``: a part of a signal
        computed on its own gives bit-for-bit the frames of the whole when its frame blocks start
        at multiples of the granule and hold at least one granule; ``n_frames`` None means a long
        signal. Default: 1 (frames are independent).
    asarray : callable
        How an input becomes an array this backend reads (default :func:`numpy.asarray`).
    """

    name: str
    stft: Callable[..., Any]
    spectrogram: Callable[..., Any]
    istft: Callable[..., Any]
    chirp_scores: Callable[..., Any] | None = None
    render: Callable[..., Any] | None = None
    frame_granule: Callable[..., int] = _single_frames
    asarray: Callable[[Any], Any] = np.asarray
    writes_out: bool = False

    def scores(
        self, x: Any, spec: Any, candidates: Any, n_frames: int, n_bins: int, order: float, **options: Any
    ) -> Any:
        """The candidate scan, or a clear error for a backend without one."""
        if self.chirp_scores is None:
            raise BackendUnavailableError(
                f"backend {self.name!r} has no automatic chirp-rate scan; pass backend='numba' or 'numpy', "
                f"or estimate the rates on the host with chirpstft.estimate_chirp_rates and pass them as "
                f"chirp_rate"
            )
        return self.chirp_scores(x, spec, candidates, n_frames, n_bins, order, **options)


def _missing(name: str, what: str) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        raise BackendUnavailableError(f"backend {name!r} does not implement {what}")

    return run


def capabilities(backend: Any) -> Capabilities:
    """The :class:`Capabilities` that a backend module declares, defaults filled in."""
    name = getattr(backend, "NAME", "?")
    declared = {
        field: getattr(backend, field, None)
        for field in ("chirp_scores", "render", "frame_granule", "asarray")
        if getattr(backend, field, None) is not None
    }
    required = {
        field: getattr(backend, field, None) or _missing(name, field)
        for field in ("stft", "spectrogram", "istft")
    }
    writes_out = bool(getattr(backend, "WRITES_OUT", False))
    return Capabilities(name=name, **required, **declared, writes_out=writes_out)


def backend_for(name: str | None, x: Any = None, *, interim: bool = False) -> Capabilities:
    """:func:`get_backend` then :func:`capabilities`: what the chosen backend can do.

    ``interim=True`` with ``name=None``: calls whose compiled kernel is not ready yet answer from
    the NumPy reference while it compiles in the background (see the module's docstring).
    """
    chosen = capabilities(get_backend(name, x))
    if not interim or name is not None or chosen.name == "numpy" or is_device_array(x):
        return chosen
    reference = capabilities(_load("numpy"))
    return replace(
        chosen,
        **{
            f: COMPILER.interim(getattr(chosen, f), getattr(reference, f))
            for f in ("stft", "spectrogram", "istft")
        },
        chirp_scores=COMPILER.interim(chosen.chirp_scores, reference.chirp_scores),
        render=COMPILER.interim(chosen.render, None),  # KernelCompiling goes on: render answers
    )
