"""Launching Numba kernels: now when ready, in the background when a call cannot wait.

Every parallel kernel of the Numba backend is started through :func:`launch`. A call that
may wait (a named backend, a stream, a Dask graph, or ``CHIRPSTFT_BACKGROUND_COMPILE=0``) calls
the kernel, which loads it from Numba's disk cache or compiles it first. A call made by the
automatic backend choice (inside :func:`._compiling.answering_now`) whose kernel is not loaded
yet submits it to one background thread and waits only until that thread either has it (a disk
cache hit, well under a second) or has started a real compile (a cache miss: Numba's
``numba:compile`` event). On a miss it raises :class:`._compiling.KernelCompiling`, and the
registry answers that call from the NumPy reference; later calls use the kernel as soon as it is
compiled. Why a background compile rather than faster compiles: one kernel specialisation takes
10-15 s to compile on a 2-core machine (type inference of the parallel loop and LLVM
optimisation of the whole fused kernel); making that ten times smaller would mean giving up the
fusion that makes the kernels fast.

At interpreter exit, a compile that is still running is finished (its result goes to the disk
cache, so the next process starts fast), with a one-line notice on stderr; Ctrl-C skips it.
``python -m chirpstft warmup`` compiles every kernel ahead of time.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np
from numba.core import event

from ._compiling import KernelCompiling, wants_answer_now

__all__ = ["launch", "pending", "readonly"]

#: Longest wait for a kernel that is loading from the disk cache before answering another way.
_LOAD_WAIT_S = 3.0


@dataclass(eq=False)
class _Job:
    kernel: Any
    sig: tuple
    settled: threading.Event = field(default_factory=threading.Event)  # loaded, compiling or failed
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


_lock = threading.Lock()
_jobs: dict[tuple[int, tuple], _Job] = {}
_queue: deque[_Job] = deque()
_running: list[_Job] = []  # the job the worker is on (0 or 1 entries)
_worker: threading.Thread | None = None
_idle = threading.Event()
_idle.set()
_forked = False  # in a forked child: no worker thread, every call waits for its kernel


class _CompileStarted(event.Listener):
    """Marks the worker's job as settled when Numba starts a real compile (a cache miss)."""

    def on_start(self, ev: event.Event) -> None:
        job = _running[0] if _running else None
        data = ev.data or {}
        if job is not None and data.get("dispatcher") is job.kernel and threading.current_thread() is _worker:
            job.settled.set()

    def on_end(self, ev: event.Event) -> None:
        pass


event.register("numba:compile", _CompileStarted())


def _work() -> None:
    while True:
        with _lock:
            if not _queue:
                _running.clear()
                _idle.set()
                return
            job = _queue.popleft()
            _running[:] = [job]
        try:
            job.kernel.compile(job.sig)
        except BaseException as exc:  # reported by the foreground call that retries it
            job.error = exc
        finally:
            job.done.set()
            job.settled.set()


def _submit(kernel: Any, sig: tuple) -> tuple[_Job, bool]:
    """The job compiling ``kernel`` for ``sig`` (started now if new), and whether the worker is on
    it or about to be (nothing queued before it)."""
    global _worker
    key = (id(kernel), sig)
    with _lock:
        job = _jobs.get(key)
        if job is None:
            job = _jobs[key] = _Job(kernel, sig)
            _queue.append(job)
            if _idle.is_set():
                _idle.clear()
                _worker = threading.Thread(target=_work, name="chirpstft-compile", daemon=True)
                _worker.start()
        first = (bool(_running) and _running[0] is job) or (
            not _running and bool(_queue) and _queue[0] is job
        )
    return job, first


def launch(kernel: Any, *args: Any) -> None:
    """Run ``kernel(*args)``, or raise :class:`KernelCompiling` when the call cannot wait for it."""
    overloads = getattr(kernel, "overloads", None)
    if overloads is None or _forked or not wants_answer_now():  # JIT off, or the call may wait
        return kernel(*args)
    sig = tuple(numba.typeof(a) for a in args)
    if sig in overloads:
        return kernel(*args)
    job, first = _submit(kernel, sig)
    if first:
        job.settled.wait(_LOAD_WAIT_S)
    if job.done.is_set():  # loaded or compiled (or failed: the foreground call reports why)
        return kernel(*args)
    raise KernelCompiling(getattr(kernel, "__name__", "kernel"))


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


def pending() -> int:
    """Kernels compiling or queued in the background."""
    with _lock:
        return len(_queue) + len(_running)


def _finish_at_exit() -> None:
    """Let a background compile finish before the interpreter exits, so its result is cached."""
    if _idle.is_set():
        return
    print(
        f"chirpstft: finishing the compilation of {pending()} kernel(s) for later runs "
        "(Ctrl-C skips; `python -m chirpstft warmup` does this ahead of time)",
        file=sys.stderr,
        flush=True,
    )
    try:
        _idle.wait()
    except KeyboardInterrupt:
        pass


def _after_fork_in_child() -> None:
    """A forked child has no worker thread: forget its jobs; calls there wait for their kernels."""
    global _worker, _lock, _idle, _forked
    _lock = threading.Lock()
    _idle = threading.Event()
    _idle.set()
    _jobs.clear()
    _queue.clear()
    _running.clear()
    _worker = None
    _forked = True


atexit.register(_finish_at_exit)
os.register_at_fork(after_in_child=_after_fork_in_child)
