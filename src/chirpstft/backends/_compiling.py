"""The contract between the registry and a compiled backend whose kernels may still be compiling.

No Numba here: the registry imports this module whether or not the Numba backend can load.

A call made by the automatic backend choice runs inside :func:`answering_now`. A compiled
backend's launcher (:mod:`._jit`) then either runs a kernel that is ready, or starts compiling it
in the background and raises :class:`KernelCompiling`; the registry answers that call from the
NumPy reference instead. A call that names its backend (``backend="numba"``) never sees this: it
compiles the kernel in the foreground, as asked.

The environment variable ``CHIRPSTFT_BACKGROUND_COMPILE=0`` turns the interim answers off: every
call then waits for its kernel (the test suite does this, so that which backend answered never
depends on how fast a compile ran).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["KernelCompiling", "answering_now", "background_enabled", "wants_answer_now"]

_ANSWER_NOW: ContextVar[bool] = ContextVar("chirpstft_answer_now", default=False)


class KernelCompiling(Exception):
    """Internal signal: the kernel this call needs is compiling; answer it another way.

    Never reaches a user: the registry catches it (see :func:`chirpstft.backends.backend_for`).
    """


def background_enabled() -> bool:
    """False when ``CHIRPSTFT_BACKGROUND_COMPILE`` is ``0``/``false``/``no`` (read at each call)."""
    return os.environ.get("CHIRPSTFT_BACKGROUND_COMPILE", "1").strip().lower() not in (
        "0",
        "false",
        "no",
        "off",
    )


def wants_answer_now() -> bool:
    """True inside :func:`answering_now` with background compilation enabled."""
    return _ANSWER_NOW.get() and background_enabled()


@contextmanager
def answering_now() -> Iterator[None]:
    """Kernel launches in this block may raise :class:`KernelCompiling` instead of compiling."""
    token = _ANSWER_NOW.set(True)
    try:
        yield
    finally:
        _ANSWER_NOW.reset(token)
