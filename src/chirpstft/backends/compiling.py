"""The background compile: one object, :data:`COMPILER`, holds all of it.

A compiled backend's kernel is compiled on its first use with each argument type (10-15 s for
one Numba kernel on a 2-core machine; then it loads from Numba's disk cache in well under a
second). What happens meanwhile depends on who called:

* a call made by the **automatic backend choice** on an in-memory array (the plan asks the
  registry for ``backend_for(None, x, interim=True)``; the registry wraps each entry point with
  :meth:`BackgroundCompile.interim`) runs inside :meth:`BackgroundCompile.answering_now`. Its
  launcher (:func:`chirpstft.backends.numba.launch.launch`) submits the kernel to one background
  worker thread and waits only until the worker either has it (a disk-cache hit) or has started a
  real compile (a cache miss). On a miss it raises :class:`KernelCompiling` -- the one signal for
  "not compiled yet" -- and the wrapper answers that call from the NumPy reference (equal to
  rounding; a ``RuntimeWarning`` says so once per process). ``render`` has no reference backend
  function: its wrapper lets the signal through and :func:`chirpstft.render` renders with the
  NumPy pipeline instead. Later calls use the kernel as soon as it is ready;
* a call that **names its backend**, a **stream** and a **Dask graph** always wait for the kernel
  (compiled in the foreground, as asked).

**At exit.** A compile still running when the interpreter exits is finished first (its result
goes to the disk cache, so the next process starts fast), with a one-line notice on stderr;
Ctrl-C skips it. A one-shot script on an empty cache thus gets its first result at once but exits
only when its kernels are compiled. ``python -m chirpstft warmup`` compiles every kernel ahead of
time (install scripts, containers); ``CHIRPSTFT_BACKGROUND_COMPILE=0`` makes every call wait for
its kernel instead (the test suite does this, so that which backend answered never depends on how
fast a compile ran).

No Numba here: the registry imports this module whether or not the Numba backend can load. The
worker calls ``kernel.compile(signature)``; the Numba side tells the object when a compile really
starts (:meth:`BackgroundCompile.compile_started`). Nothing is started or registered (thread,
``atexit`` hook, fork hook) until the first background compile.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from .._errors import warn_caller

__all__ = ["COMPILER", "BackgroundCompile", "KernelCompiling"]

INTERIM_WARNING = (
    "chirpstft is compiling its Numba kernels in the background (once per install, about 10 s per "
    "kernel); until each is ready, calls answer from the NumPy backend, equal to rounding, and the "
    "process waits for the compile to finish at exit (so that the next run starts fast). Run "
    "`python -m chirpstft warmup` once to compile them ahead of time, or set "
    "CHIRPSTFT_BACKGROUND_COMPILE=0 to wait for them instead"
)


class KernelCompiling(Exception):
    """Internal signal: the kernel this call needs is compiling; answer it another way.

    Never reaches a user: the registry's interim wrappers and :func:`chirpstft.render` catch it.
    """


@dataclass(eq=False)
class _Job:
    kernel: Any
    sig: tuple
    settled: threading.Event = field(default_factory=threading.Event)  # loaded, compiling or failed
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class BackgroundCompile:
    """The worker thread, its queue of kernels, the interim answers and the wait at exit."""

    #: Longest wait for a kernel that is loading from the disk cache before answering another way.
    LOAD_WAIT_S = 3.0

    def __init__(self) -> None:
        self._answer_now: ContextVar[bool] = ContextVar("chirpstft_answer_now", default=False)
        self._warned = False
        self._hooks = False
        self._reset()

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[tuple[int, tuple], _Job] = {}
        self._queue: deque[_Job] = deque()
        self._running: _Job | None = None
        self._worker: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._forked = False  # in a forked child: no worker thread, every call waits for its kernel

    # ------------------------------------------------------------------ who may be answered now
    @staticmethod
    def enabled() -> bool:
        """False when ``CHIRPSTFT_BACKGROUND_COMPILE`` is ``0``/``false``/``no``/``off`` (read at each call)."""
        value = os.environ.get("CHIRPSTFT_BACKGROUND_COMPILE", "1").strip().lower()
        return value not in ("0", "false", "no", "off")

    def wants_answer_now(self) -> bool:
        """True inside :meth:`answering_now`, with background compiles enabled, outside a forked child."""
        return self._answer_now.get() and not self._forked and self.enabled()

    @contextmanager
    def answering_now(self) -> Iterator[None]:
        """Kernel launches in this block may raise :class:`KernelCompiling` instead of compiling."""
        token = self._answer_now.set(True)
        try:
            yield
        finally:
            self._answer_now.reset(token)

    def interim(
        self, fast: Callable[..., Any] | None, reference: Callable[..., Any] | None
    ) -> Callable[..., Any] | None:
        """``fast``, answered by ``reference`` while ``fast``'s kernel compiles.

        With ``reference`` None the :class:`KernelCompiling` signal goes on to the caller (who
        has its own way to answer: :func:`chirpstft.render`'s NumPy pipeline).
        """
        if fast is None:
            return None

        def run(*args: Any, **kwargs: Any) -> Any:
            with self.answering_now():
                try:
                    return fast(*args, **kwargs)
                except KernelCompiling:
                    self._warn_once()
                    if reference is None:
                        raise
            return reference(*args, **kwargs)

        return run

    def _warn_once(self) -> None:
        if not self._warned:
            self._warned = True
            warn_caller(INTERIM_WARNING, RuntimeWarning)

    # ------------------------------------------------------------------ the worker
    def run_when_ready(self, kernel: Any, sig: tuple, call: Callable[[], Any]) -> Any:
        """``call()`` once ``kernel`` is compiled for ``sig``; :class:`KernelCompiling` while it compiles.

        Submits the compile (once per kernel and signature) and waits up to :attr:`LOAD_WAIT_S`
        while it may be a disk-cache load.
        """
        job, first = self._submit(kernel, sig)
        if first:
            job.settled.wait(self.LOAD_WAIT_S)
        if job.done.is_set():  # loaded or compiled (or failed: the call retries and reports why)
            return call()
        raise KernelCompiling(getattr(kernel, "__name__", "kernel"))

    def compile_started(self, kernel: Any) -> None:
        """Called (from the worker thread) when a real compile of ``kernel`` starts: a cache miss."""
        job = self._running
        if job is not None and job.kernel is kernel and threading.current_thread() is self._worker:
            job.settled.set()

    def pending(self) -> int:
        """Kernels compiling or queued in the background."""
        with self._lock:
            return len(self._queue) + (self._running is not None)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no background compile is left; False if ``timeout`` passed first."""
        return self._idle.wait(timeout)

    def _submit(self, kernel: Any, sig: tuple) -> tuple[_Job, bool]:
        """The job compiling ``kernel`` for ``sig`` (started now if new), and whether the worker is
        on it or about to be (nothing queued before it)."""
        key = (id(kernel), sig)
        with self._lock:
            job = self._jobs.get(key)
            if job is None:
                job = self._jobs[key] = _Job(kernel, sig)
                self._queue.append(job)
                if self._idle.is_set():
                    self._start_worker()
            running = self._running
            first = running is job or (running is None and bool(self._queue) and self._queue[0] is job)
        return job, first

    def _start_worker(self) -> None:  # with the lock held
        if not self._hooks:
            self._hooks = True
            atexit.register(self._finish_at_exit)
            os.register_at_fork(after_in_child=self._after_fork_in_child)
        self._idle.clear()
        self._worker = threading.Thread(target=self._work, name="chirpstft-compile", daemon=True)
        self._worker.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._running = None
                    self._idle.set()
                    return
                job = self._running = self._queue.popleft()
            try:
                job.kernel.compile(job.sig)
            except BaseException as exc:  # reported by the foreground call that retries it
                job.error = exc
            finally:
                job.done.set()
                job.settled.set()

    def _finish_at_exit(self) -> None:
        """Let a background compile finish before the interpreter exits, so its result is cached."""
        if self._idle.is_set():
            return
        print(
            f"chirpstft: finishing the compilation of {self.pending()} kernel(s) for later runs "
            "(Ctrl-C skips; `python -m chirpstft warmup` does this ahead of time)",
            file=sys.stderr,
            flush=True,
        )
        try:
            self._idle.wait()
        except KeyboardInterrupt:
            pass

    def _after_fork_in_child(self) -> None:
        """A forked child has no worker thread: forget the jobs; calls there wait for their kernels."""
        self._reset()
        self._forked = True


#: The one background compile of the process.
COMPILER = BackgroundCompile()
