"""Launching Numba kernels: now when ready, through the background compile when a call cannot wait.

Every parallel kernel of the Numba backend is started through :func:`launch`. A call that may
wait (a named backend, a stream, a Dask graph, or ``CHIRPSTFT_BACKGROUND_COMPILE=0``) calls the
kernel, which loads it from Numba's disk cache or compiles it first. A call made by the automatic
backend choice whose kernel is not loaded yet goes to :data:`..compiling.COMPILER` (the one
object that holds the background compile; its docstring says what a user sees). This module adds
only what needs Numba: the argument types of a call, and a listener on Numba's ``numba:compile``
event that tells the compiler when a real compile starts (registered on the first background
compile, not at import). Why a background compile rather than faster compiles: one kernel
specialisation takes 10-15 s to compile on a 2-core machine (type inference of the parallel loop
and LLVM optimisation of the whole fused kernel); making that ten times smaller would mean giving
up the fusion that makes the kernels fast.
"""

from __future__ import annotations

import threading
from typing import Any

import numba
import numpy as np
from numba.core import event

from ..compiling import COMPILER

__all__ = ["launch", "readonly"]


class _CompileStarted(event.Listener):
    """Tells :data:`COMPILER` when Numba starts a real compile (a cache miss) of a dispatcher."""

    def on_start(self, ev: event.Event) -> None:
        COMPILER.compile_started((ev.data or {}).get("dispatcher"))

    def on_end(self, ev: event.Event) -> None:
        pass


_listening = threading.Lock()
_listener: _CompileStarted | None = None


def _listen() -> None:
    global _listener
    with _listening:
        if _listener is None:
            _listener = _CompileStarted()
            event.register("numba:compile", _listener)


def launch(kernel: Any, *args: Any) -> Any:
    """Run ``kernel(*args)``, or raise :class:`..compiling.KernelCompiling` when the call cannot wait."""
    overloads = getattr(kernel, "overloads", None)
    if overloads is None or not COMPILER.wants_answer_now():  # JIT off, or the call may wait
        return kernel(*args)
    sig = tuple(numba.typeof(a) for a in args)
    if sig in overloads:
        return kernel(*args)
    _listen()
    return COMPILER.run_when_ready(kernel, sig, lambda: kernel(*args))


def readonly(a: Any, dtype: Any) -> np.ndarray:
    """``a`` as a C-contiguous read-only array of ``dtype`` (a view when it already is one).

    Every input-only array of a kernel is passed read-only: Numba compiles one kernel per
    argument type, and an array's writeability is part of its type, so an input that arrives
    sometimes writable and sometimes not (a user's read-only array, the plan's rates, a cached
    colour table) would compile each kernel twice.
    """
    view = np.ascontiguousarray(a, dtype=dtype).view()
    view.setflags(write=False)
    return view
