"""Answering while kernels compile: the launcher, the registry's interim answers, the warm-up.

The launcher is tested with small kernels of our own whose compile is held until the test lets
it go (a listener on Numba's ``numba:compile`` event), so no assertion depends on how fast a
compile runs.
"""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np
import pytest
from numba import njit
from numba.core import event

import chirpstft
from chirpstft.backends import COMPILER, KernelCompiling, backend_for
from chirpstft.backends.numba import backend as numba_cpu
from chirpstft.backends.numba.launch import launch

answering_now = COMPILER.answering_now
wants_answer_now = COMPILER.wants_answer_now


@pytest.fixture
def background(monkeypatch):
    monkeypatch.setenv("CHIRPSTFT_BACKGROUND_COMPILE", "1")
    monkeypatch.setattr(COMPILER, "_warned", False)


class _Hold(event.Listener):
    """Holds the compile of one dispatcher (in the worker thread) until released."""

    def __init__(self, dispatcher):
        self.dispatcher = dispatcher
        self.release = threading.Event()

    def on_start(self, ev):
        if (ev.data or {}).get("dispatcher") is self.dispatcher:
            assert self.release.wait(120), "the test never released the compile"

    def on_end(self, ev):
        pass


def _held(kernel):
    hold = _Hold(kernel)
    event.register("numba:compile", hold)
    return hold


def _drain():
    assert COMPILER.wait(300), "the background compile did not finish"


def test_a_call_that_may_wait_runs_the_kernel(background):
    total = njit(lambda a: a.sum())
    a = np.arange(5.0)
    assert not wants_answer_now()
    assert launch(total, a) == 10.0  # compiled in the foreground: no background job
    assert COMPILER.pending() == 0


def test_answer_now_raises_while_compiling_then_runs_the_kernel(background):
    total = njit(lambda a: a.sum() * 2)
    a = np.arange(4.0)
    hold = _held(total)
    try:
        with answering_now():
            assert wants_answer_now()
            with pytest.raises(KernelCompiling):
                launch(total, a)
            assert COMPILER.pending() == 1
            with pytest.raises(KernelCompiling):  # still compiling: no second job, no wait
                launch(total, a)
            assert COMPILER.pending() == 1
        hold.release.set()
        _drain()
        assert len(total.overloads) == 1
        with answering_now():
            assert launch(total, a) == 12.0
    finally:
        hold.release.set()
        event.unregister("numba:compile", hold)


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("CHIRPSTFT_BACKGROUND_COMPILE", "0")
    total = njit(lambda a: a.sum() + 1)
    with answering_now():
        assert not wants_answer_now()
        assert launch(total, np.ones(3)) == 4.0
    assert COMPILER.pending() == 0


def test_a_kernel_that_fails_to_compile_reports_in_the_foreground(background):
    bad = njit(lambda a: a.no_such_attribute)
    hold = _held(bad)
    try:
        with answering_now():
            with pytest.raises(KernelCompiling):
                launch(bad, np.ones(2))
            hold.release.set()
            _drain()
            with pytest.raises(Exception, match="no_such_attribute"):  # Numba's typing error, not swallowed
                launch(bad, np.ones(2))
    finally:
        hold.release.set()
        event.unregister("numba:compile", hold)


def _compiling(*args, **kwargs):
    raise KernelCompiling("test")


@pytest.mark.parametrize("what", ["stft", "spectrogram", "istft", "render", "auto"])
def test_interim_answers_equal_the_numpy_backend(background, monkeypatch, rng, what):
    """Every in-memory entry point: while the kernel compiles, the NumPy backend answers (with a
    warning saying so); a named backend never does."""
    for name in ("stft", "spectrogram", "istft", "render", "chirp_scores"):
        monkeypatch.setattr(numba_cpu, name, _compiling)
    x = rng.standard_normal((2, 300)).astype(np.float32)
    kw = dict(n_fft=64, hop_length=16)
    run = {
        "stft": lambda **b: chirpstft.stft(x, chirp_rate=0.01, **kw, **b),
        "spectrogram": lambda **b: chirpstft.spectrogram(x, **kw, **b),
        "istft": lambda **b: chirpstft.istft(chirpstft.stft(x, **kw, backend="numpy"), length=300, **kw, **b),
        "render": lambda **b: chirpstft.render(x, size=(16, 16), **kw, **b),
        "auto": lambda **b: chirpstft.stft(x, chirp_rate="auto", **kw, **b),
    }[what]
    with pytest.warns(RuntimeWarning, match="compiling its Numba kernels in the background"):
        got = run()
    want = run(backend="numpy")
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    with pytest.raises(KernelCompiling):  # named: never an interim answer (here the stub raises)
        with answering_now():
            run(backend="numba")


def test_streams_and_named_backends_never_take_interim_answers(background):
    assert backend_for("numba", np.ones(4), interim=True).stft is numba_cpu.stft
    assert backend_for(None, np.ones(4), interim=False).stft is numba_cpu.stft
    assert backend_for(None, np.ones(4), interim=True).stft is not numba_cpu.stft
    plan = chirpstft.ChirpSTFT(n_fft=16, hop_length=4)
    stream = chirpstft.StreamingSTFT(plan)
    stream.push(np.ones(40))
    assert stream._analysis.backend.stft is numba_cpu.stft
    inverse = chirpstft.StreamingISTFT(plan)
    inverse.push(chirpstft.stft(np.ones(40), n_fft=16, hop_length=4, backend="numpy")[..., :3])
    assert inverse._inverse.backend.istft is numba_cpu.istft


def test_warmup_bad_dtype_names_the_parameter():
    from chirpstft._warmup import warmup

    with pytest.raises(chirpstft.ParameterError, match="dtypes contains 'int8'"):
        warmup(["int8"])


def test_warmup_command_compiles_and_reports(tmp_path):
    """``python -m chirpstft warmup``: one line per step and the total (kernels cached by earlier
    tests load in well under a second, so this stays quick in a warm run)."""
    r = subprocess.run(
        [sys.executable, "-m", "chirpstft", "warmup", "--dtypes", "float64"],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("float64 stft") and lines[-1].startswith("chirpstft warmup: 7 steps")
    bad = subprocess.run(
        [sys.executable, "-m", "chirpstft", "warmup", "--dtypes", "float16"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "dtypes contains 'float16'" in bad.stderr
