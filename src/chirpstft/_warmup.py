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

from ._api import estimate_chirp_rates, istft, spectrogram, stft
from ._errors import ParameterError
from .backends import get_backend
from .render import render

__all__ = ["DTYPES", "KERNELS", "STEPS", "split_steps", "warmup"]

#: Input dtypes of the warm-up and what each compiles.
DTYPES: tuple[str, ...] = ("float32", "float64", "complex64", "complex128")

#: The steps of each dtype, with their relative compile cost (measured on the 2-core machine), by
#: the kernel they compile. ``warmup --jobs`` never splits one kernel's steps over processes:
#: Numba's cache index of a function is rewritten whole by each process that adds an entry, so
#: two processes compiling the same kernel at once would lose one of their entries.
STEPS: dict[str, float] = {
    "stft": 4.0,
    "chirp stft": 0.0,
    "spectrogram": 3.0,
    "istft": 2.0,
    "istft of a chirp stft": 2.0,
    "automatic rates": 2.0,
    "render": 3.0,
}
KERNELS: dict[str, tuple[str, ...]] = {
    "forward": ("stft", "chirp stft", "spectrogram"),
    "inverse": ("istft", "istft of a chirp stft"),
    "scores": ("automatic rates",),
    "render": ("render",),
}


def split_steps(n: int) -> list[list[str]]:
    """The steps in ``n`` groups of about equal compile cost, each kernel's steps in one group
    (for ``warmup --jobs n``)."""
    groups: list[list[str]] = [[] for _ in range(max(1, min(n, len(KERNELS))))]
    cost = [0.0] * len(groups)
    for steps in sorted(KERNELS.values(), key=lambda g: -sum(STEPS[s] for s in g)):
        i = cost.index(min(cost))
        groups[i].extend(steps)
        cost[i] += sum(STEPS[s] for s in steps)
    return [g for g in groups if g]


def _cases(dtype: np.dtype) -> list[tuple[str, Callable[[], object]]]:
    """What one input dtype compiles: each kernel specialisation a call with it can reach."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 512)).astype(dtype)
    if dtype.kind == "c":
        x = x + 1j * rng.standard_normal((2, 512)).astype(dtype)
    kw = dict(n_fft=64, hop_length=16, backend="numba")
    ref = dict(n_fft=64, hop_length=16, backend="numpy")  # inputs of the inverse: no forward kernel
    S = stft(x, **ref)
    S_chirp = stft(x, chirp_rate=0.01, **ref)
    # each step reaches only its own kernel, so that `warmup --jobs` never compiles one twice
    cases: list[tuple[str, Callable[[], object]]] = [
        ("stft", lambda: stft(x, **kw)),
        ("chirp stft", lambda: stft(x, chirp_rate=0.01, **kw)),
        ("spectrogram", lambda: spectrogram(x, **kw)),
        ("istft", lambda: istft(S, length=512, **kw)),
        ("istft of a chirp stft", lambda: istft(S_chirp, chirp_rate=0.01, length=512, **kw)),
        ("automatic rates", lambda: estimate_chirp_rates(x, **kw)),
    ]
    if dtype.kind == "f":
        cases.append(("render", lambda: render(x, size=(16, 16), **kw)))
    return cases


def warmup(
    dtypes: Iterable[str] = DTYPES,
    *,
    steps: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[tuple[str, float]]:
    """Compile (or load) every Numba kernel for the given input dtypes into Numba's disk cache.

    Parameters
    ----------
    dtypes : iterable of {"float32", "float64", "complex64", "complex128"}, default all four
        Input dtypes to compile for.
    steps : iterable of str or None, default None
        Only these steps (keys of :data:`STEPS`); None: all of them.
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
        If a dtype is not one of the four, or a step not one of :data:`STEPS`.
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
    wanted = set(STEPS) if steps is None else set(steps)
    unknown = wanted - set(STEPS)
    if unknown:
        raise ParameterError(
            f"steps contains {sorted(unknown)[0]!r}; choose among {', '.join(map(repr, STEPS))}"
        )
    get_backend("numba")  # a clear error now when Numba cannot load
    done = []
    for dtype in chosen:
        for what, run in _cases(dtype):
            if what not in wanted:
                continue
            t0 = time.perf_counter()
            run()
            done.append((f"{dtype} {what}", time.perf_counter() - t0))
            if progress is not None:
                progress(f"{done[-1][0]:<34} {done[-1][1]:6.1f} s")
    return done
