"""Compile every Numba kernel into Numba's disk cache ahead of time (``python -m chirpstft warmup``).

A fresh install compiles each kernel on its first use with each input type (10-15 s each on a
2-core machine). Until then the automatic backend answers from the NumPy reference while the
kernel compiles in the background. Install scripts, containers and CI images run this once
instead, so that every later process loads the kernels from the cache in well under a second.
It runs the public API on small inputs with ``backend="numba"``: exactly the specialisations that
real calls use, no list of type signatures to keep in step with the kernels.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import numpy as np

from ._api import istft, spectrogram, stft
from ._errors import ParameterError
from .backends import get_backend
from .render import render

__all__ = ["warmup"]

#: Input dtypes of the warm-up and what each compiles.
DTYPES: tuple[str, ...] = ("float32", "float64", "complex64", "complex128")


def _cases(dtype: np.dtype) -> list[tuple[str, Callable[[], object]]]:
    """What one input dtype compiles: each kernel specialisation a call with it can reach."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 512)).astype(dtype)
    if dtype.kind == "c":
        x = x + 1j * rng.standard_normal((2, 512)).astype(dtype)
    kw = dict(n_fft=64, hop_length=16, backend="numba")
    cases: list[tuple[str, Callable[[], object]]] = [
        ("stft", lambda: stft(x, **kw)),
        ("chirp stft", lambda: stft(x, chirp_rate=0.01, **kw)),
        ("spectrogram", lambda: spectrogram(x, **kw)),
        ("istft", lambda: istft(stft(x, **kw), length=512, **kw)),
        (
            "istft of a chirp stft",
            lambda: istft(stft(x, chirp_rate=0.01, **kw), chirp_rate=0.01, length=512, **kw),
        ),
        ("automatic rates", lambda: stft(x, chirp_rate="auto", **kw)),
    ]
    if dtype.kind == "f":
        cases.append(("render", lambda: render(x, size=(16, 16), **kw)))
    return cases


def warmup(
    dtypes: Iterable[str] = DTYPES, *, progress: Callable[[str], None] | None = None
) -> list[tuple[str, float]]:
    """Compile (or load) every Numba kernel for the given input dtypes into Numba's disk cache.

    Parameters
    ----------
    dtypes : iterable of {"float32", "float64", "complex64", "complex128"}, default all four
        Input dtypes to compile for.
    progress : callable or None, default None
        Called with one line per kernel group as it finishes (e.g. ``print``).

    Returns
    -------
    list of (str, float)
        ``(what, seconds)`` for each step: a few seconds each on a fresh install, well under
        a second each once cached.

    Raises
    ------
    ParameterError
        If a dtype is not one of the four.
    BackendUnavailableError
        If the Numba backend cannot load here.

    Examples
    --------
    >>> import chirpstft._warmup as w
    >>> [what for what, _ in w.warmup(["float32"])][:2]
    ['float32 stft', 'float32 chirp stft']
    """
    chosen = []
    for d in dtypes:
        if d not in DTYPES:
            raise ParameterError(f"dtypes contains {d!r}; choose among {', '.join(map(repr, DTYPES))}")
        chosen.append(np.dtype(d))
    get_backend("numba")  # a clear error now when Numba cannot load
    steps = []
    for dtype in chosen:
        for what, run in _cases(dtype):
            t0 = time.perf_counter()
            run()
            steps.append((f"{dtype} {what}", time.perf_counter() - t0))
            if progress is not None:
                progress(f"{steps[-1][0]:<34} {steps[-1][1]:6.1f} s")
    return steps
