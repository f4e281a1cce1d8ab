"""``python -m chirpstft bench``: chirpstft's backends beside the peers installed here, on your shapes.

Every implementation is called once (the *first call*: compile or load, plan set-up, first touch of
fresh memory), its answer is checked against chirpstft's float64 NumPy reference, and only then is it
timed (``rounds`` calls, median). Peers are used when importable: scipy's ``ShortTimeFFT`` (it takes
the complex chirp window, so it computes the chirp STFT too), ``librosa.stft``/``istft``,
``torch.stft``/``istft`` and ``cupyx.scipy.signal.stft``/``istft`` (plain STFTs only: they run at chirp
rate 0 and are compared with the unchirped reference, beside chirpstft at rate 0). Peers' conventions
(phase origin, extra edge frames, scaling) are converted to chirpstft's after the clock, never inside it.

:data:`CASES` is the one definition of the benchmark cases; the repository's ``bench/`` suites import
it. Only chirpstft's public API is used here.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import importlib.util
import json
import math
import os
import platform
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import chirpstft

__all__ = [
    "CASES",
    "IMAGE_CMAP",
    "IMAGE_SIZE",
    "PEERS",
    "WHATS",
    "Case",
    "add_arguments",
    "copy_seconds",
    "machine_info",
    "main",
    "run",
    "signals",
    "write_json",
]


@dataclass(frozen=True)
class Case:
    """One benchmark case: ``batch`` signals of ``n_samples`` (``batch=None``: one 1-D signal) and the
    transform's parameters (``chirp_rate`` in Hz/s at sampling rate ``fs``)."""

    batch: int | None
    n_samples: int
    n_fft: int
    hop: int
    fs: float = 1.0
    chirp_rate: float = 0.0
    dtype: str = "float32"
    description: str = ""

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.n_samples,) if self.batch is None else (self.batch, self.n_samples)


#: The benchmark cases, by name: the only copy (bench/conftest.py and the suites import it).
CASES: dict[str, Case] = {
    # 1 sample/min; 2e-8 Hz/s matters at this scale: pi * a * t**2 = 4.6 rad at the frame edge
    "day": Case(4096, 1440, 128, 32, 1 / 60, 2e-8, description="4096 station-days at 1 sample/min"),
    "long": Case(None, 2**24, 1024, 256, 1.0, 1e-6, description="one long signal of 2^24 samples"),
    "auto": Case(64, 1440, 128, 32, 1 / 60, 2e-8, description="64 station-days (automatic rate scan)"),
    "coldstart": Case(4, 1440, 128, 32, 1 / 60, 2e-8, description="a new user's first calls"),
    "stream": Case(None, 2**24, 256, 64, 100.0, 3.0, description="a stream of 2^24 samples or more"),
    "quick": Case(64, 1440, 128, 32, 1 / 60, 2e-8, description="--quick: 64 station-days, 3 rounds"),
}
#: Images of the render case: 32x32 viridis.
IMAGE_SIZE: tuple[int, int] = (32, 32)
IMAGE_CMAP = "viridis"

#: What ``--what`` can time.
WHATS: tuple[str, ...] = ("stft", "istft", "spectrogram", "render")
#: Relative tolerance against the float64 reference (max error / max reference magnitude).
TOLERANCE = {"float32": 1e-4, "float64": 1e-9}
#: render: the largest fraction of image values (uint8) more than one level from the reference's.
RENDER_TOLERANCE = 1e-3
QUICK_ROUNDS, DEFAULT_ROUNDS = 3, 10
PROG = "python -m chirpstft bench"


@dataclass(frozen=True)
class Peer:
    """A library that computes an STFT, used when ``module`` is importable."""

    label: str  # in the table
    module: str  # imported to use it (and to tell whether it is installed)
    whats: tuple[str, ...]
    chirp: bool  # computes the chirp STFT (at the requested rate), not only the plain one
    gpu: bool
    convention: str  # how its answer is brought to chirpstft's (after the clock), for the notes


PEERS: dict[str, Peer] = {
    "scipy": Peer(
        "scipy ShortTimeFFT",
        "scipy.signal",
        ("stft", "istft", "spectrogram"),
        True,
        False,
        "given the complex chirp window; phase referenced to the window centre and extra edge "
        "slices (rephased and trimmed after the clock); computes in float64",
    ),
    "librosa": Peer(
        "librosa",
        "librosa",
        ("stft", "istft", "spectrogram"),
        False,
        False,
        "same conventions (centred frames, zero padding, the same window, no scaling); "
        "spectrogram = abs(librosa.stft)",
    ),
    "torch": Peer(
        "torch",
        "torch",
        ("stft", "istft", "spectrogram"),
        False,
        False,
        "same conventions (center=True, pad_mode='constant', the same window); "
        "spectrogram = torch.stft(...).abs()",
    ),
    "cupyx": Peer(
        "cupyx.scipy.signal",
        "cupyx.scipy.signal",
        ("stft", "istft", "spectrogram"),
        False,
        True,
        "scipy.signal.stft conventions: scaled by 1/sum(window) and padded to whole frames "
        "(rescaled and trimmed after the clock)",
    ),
}


def signals(case: Case, seed: int = 0, dtype: str | None = None) -> np.ndarray:
    """Standard normal signals of the case's shape and dtype (reproducible by ``seed``)."""
    return np.random.default_rng(seed).standard_normal(case.shape).astype(dtype or case.dtype)


# ---------------------------------------------------------------------------------------------------
# what runs: a Runner is one implementation of one transform, with its input bound


def _noop() -> None:
    return None


def _host(a: Any) -> np.ndarray:
    """A NumPy array of a NumPy, CuPy or torch result."""
    if isinstance(a, np.ndarray):
        return a
    if hasattr(a, "get"):  # CuPy
        return a.get()
    if hasattr(a, "detach"):  # torch
        return a.detach().cpu().numpy()
    return np.asarray(a)


@dataclass
class Runner:
    """One implementation of one transform, its input bound: ``call()`` is what the clock times."""

    name: str
    what: str
    transform: str  # "chirp" or "plain"
    device: str  # "cpu" or "gpu"
    call: Callable[[], Any]
    reference: Callable[[], np.ndarray]
    convert: Callable[[Any], np.ndarray] = _host  # to the reference's layout, outside the clock
    sync: Callable[[], None] = _noop
    nbytes: int = 0  # bytes in + bytes out, for the GPU bandwidth


@dataclass
class Result:
    """One row of the table: the first call, the timed calls, and the check against the reference."""

    what: str
    implementation: str
    transform: str
    device: str
    status: str  # "ok", "WRONG", "error"
    first_call_s: float | None = None
    times_s: list[float] = field(default_factory=list)
    error: float | None = None
    tolerance: float | None = None
    message: str = ""
    nbytes: int = 0
    gbps: float | None = None
    copy_gbps: float | None = None

    @property
    def median_s(self) -> float | None:
        return float(np.median(self.times_s)) if self.times_s else None


class Setup:
    """The signals, the parameters, and the float64 references (computed once each, on demand)."""

    def __init__(self, x: np.ndarray, n_fft: int, hop: int, fs: float, rate: float):
        self.x, self.n_fft, self.hop, self.fs, self.rate = x, n_fft, hop, fs, rate
        self.x64 = x.astype(np.float64)
        self.n = x.shape[-1]
        self.cdtype = np.complex64 if x.dtype == np.float32 else np.complex128
        self._plans: dict[tuple[float, str], chirpstft.ChirpSTFT] = {}
        self._refs: dict[tuple[str, float], np.ndarray] = {}
        self._device: dict[str, Any] = {}
        ref = self.plan(0.0, "numpy")
        self.window = np.asarray(ref.window, dtype=np.float64)
        self.n_frames = ref.n_frames(self.n)

    def kw(self, rate: float) -> dict[str, Any]:
        return dict(fs=self.fs, n_fft=self.n_fft, hop_length=self.hop, chirp_rate=rate)

    def plan(self, rate: float, backend: str) -> chirpstft.ChirpSTFT:
        key = (rate, backend)
        if key not in self._plans:
            self._plans[key] = chirpstft.ChirpSTFT(**self.kw(rate), backend=backend)
        return self._plans[key]

    def spectrum(self, rate: float) -> np.ndarray:
        """The istft input: the reference STFT in the working precision."""
        return self.reference("stft", rate).astype(self.cdtype)

    def reference(self, what: str, rate: float) -> np.ndarray:
        key = (what, rate)
        if key not in self._refs:
            plan = self.plan(rate, "numpy")
            if what == "stft":
                ref = plan.stft(self.x64)
            elif what == "istft":
                S = self.spectrum(rate).astype(np.complex128)  # the float64 inverse of the same input
                ref = plan.istft(S, length=self.n, real=True)
            elif what == "spectrogram":
                ref = plan.spectrogram(self.x64)
            else:
                ref = chirpstft.render(
                    self.x64, **self.kw(rate), size=IMAGE_SIZE, cmap=IMAGE_CMAP, backend="numpy"
                )
            self._refs[key] = ref
        return self._refs[key]

    def device(self, name: str, make: Callable[[], Any]) -> Any:
        """A device copy of an input, made once (outside the clock)."""
        if name not in self._device:
            self._device[name] = make()
        return self._device[name]

    def free(self) -> None:
        self._refs.clear()
        self._device.clear()


def _gpu_sync() -> Callable[[], None]:
    import cupy

    return cupy.cuda.runtime.deviceSynchronize


def _chirpstft_runner(s: Setup, what: str, rate: float, backend: str) -> Runner:
    plan = s.plan(rate, backend)
    gpu = backend == "cupy"
    kw = s.kw(rate)
    if gpu:
        import cupy

        x = s.device("x", lambda: cupy.asarray(s.x))
    else:
        x = s.x
    if what == "stft":
        call, inp = (lambda: plan.stft(x)), x.nbytes
    elif what == "spectrogram":
        call, inp = (lambda: plan.spectrogram(x)), x.nbytes
    elif what == "render":

        def call():
            return chirpstft.render(x, **kw, size=IMAGE_SIZE, cmap=IMAGE_CMAP, backend=backend)

        inp = x.nbytes
    else:
        host = s.spectrum(rate)
        S = s.device(f"S {rate}", lambda: cupy.asarray(host)) if gpu else host

        def call():
            return plan.istft(S, length=s.n, real=True)

        inp = S.nbytes
    out_nbytes = _out_nbytes(s, what, rate)
    return Runner(
        f"chirpstft {backend}",
        what,
        "chirp" if rate else "plain",
        "gpu" if gpu else "cpu",
        call,
        lambda: s.reference(what, rate),
        sync=_gpu_sync() if gpu else _noop,
        nbytes=inp + out_nbytes,
    )


def _out_nbytes(s: Setup, what: str, rate: float) -> int:
    """Bytes of the output in the working precision."""
    real = np.dtype(s.x.dtype).itemsize
    if what == "istft":
        return int(np.prod(s.x.shape)) * real
    if what == "render":
        return int(np.prod(s.x.shape[:-1])) * IMAGE_SIZE[0] * IMAGE_SIZE[1] * 3
    n_freqs = s.n_fft if rate else s.n_fft // 2 + 1
    per = 2 * real if what == "stft" else real
    return int(np.prod(s.x.shape[:-1])) * n_freqs * s.n_frames * per


def _scipy_runners(s: Setup, what: str, rate: float, mod: Any) -> list[Runner]:
    t = (np.arange(s.n_fft) - s.n_fft // 2) / s.fs
    win = s.window * np.exp(1j * np.pi * rate * t**2) if rate else s.window
    sft = mod.ShortTimeFFT(win, s.hop, s.fs, fft_mode="twosided" if rate else "onesided", mfft=s.n_fft)
    first, m, x = -sft.p_min, s.n_frames, s.x
    ref = lambda: s.reference(what, rate)  # noqa: E731
    runner = functools.partial(Runner, "scipy ShortTimeFFT", what, "chirp" if rate else "plain", "cpu")
    if what == "istft":
        S = sft.stft(x)  # its own slice layout, made outside the clock
        return [runner(lambda: sft.istft(S, k1=s.n), ref)]
    if what == "spectrogram":
        return [runner(lambda: np.abs(sft.stft(x)[..., first : first + m]), ref)]
    q = np.arange(s.n_fft if rate else s.n_fft // 2 + 1)[:, None]
    phase = np.exp(-2j * np.pi * q * (s.n_fft // 2) / s.n_fft)  # its phase origin is the window centre
    return [runner(lambda: sft.stft(x), ref, convert=lambda out: out[..., first : first + m] * phase)]


def _librosa_runners(s: Setup, what: str, rate: float, librosa: Any) -> list[Runner]:
    x, w = s.x, s.window
    kw = dict(n_fft=s.n_fft, hop_length=s.hop, window=w, center=True)
    ref = lambda: s.reference(what, 0.0)  # noqa: E731
    if what == "stft":
        call = lambda: librosa.stft(x, pad_mode="constant", **kw)  # noqa: E731
    elif what == "spectrogram":
        call = lambda: np.abs(librosa.stft(x, pad_mode="constant", **kw))  # noqa: E731
    else:
        S = s.spectrum(0.0)
        call = lambda: librosa.istft(S, length=s.n, **kw)  # noqa: E731
    return [Runner("librosa", what, "plain", "cpu", call, ref)]


def _torch_runners(s: Setup, what: str, rate: float, torch: Any) -> list[Runner]:
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    out = []
    for dev in devices:
        x = torch.from_numpy(s.x).to(dev)
        w = torch.from_numpy(s.window.astype(s.x.dtype)).to(dev)
        kw = dict(n_fft=s.n_fft, hop_length=s.hop, window=w, center=True)
        if what == "stft":
            call = lambda x=x, kw=kw: torch.stft(x, pad_mode="constant", return_complex=True, **kw)  # noqa: E731
        elif what == "spectrogram":
            call = lambda x=x, kw=kw: torch.stft(x, pad_mode="constant", return_complex=True, **kw).abs()  # noqa: E731
        else:
            S = torch.from_numpy(s.spectrum(0.0)).to(dev)
            call = lambda S=S, kw=kw: torch.istft(S, length=s.n, **kw)  # noqa: E731
        gpu = dev == "cuda"
        out.append(
            Runner(
                "torch (cuda)" if gpu else "torch",
                what,
                "plain",
                "gpu" if gpu else "cpu",
                call,
                lambda: s.reference(what, 0.0),
                sync=torch.cuda.synchronize if gpu else _noop,
                nbytes=(s.x.nbytes if what != "istft" else S.numel() * S.element_size())
                + _out_nbytes(s, what, 0.0),
            )
        )
    return out


def _cupyx_runners(s: Setup, what: str, rate: float, signal: Any) -> list[Runner]:
    import cupy

    x = s.device("x", lambda: cupy.asarray(s.x))
    w = cupy.asarray(s.window.astype(s.x.dtype))
    scale = float(s.window.sum())  # scaling="spectrum" divides by sum(window)
    kw = dict(fs=s.fs, window=w, nperseg=s.n_fft, noverlap=s.n_fft - s.hop)
    m = s.n_frames
    if what == "stft":
        call = lambda: signal.stft(x, **kw)[2]  # noqa: E731
        convert = lambda out: _host(out)[..., :m] * scale  # noqa: E731
        inp = x.nbytes
    elif what == "spectrogram":
        call = lambda: cupy.abs(signal.stft(x, **kw)[2])  # noqa: E731
        convert = lambda out: _host(out)[..., :m] * scale  # noqa: E731
        inp = x.nbytes
    else:
        S = s.device("S cupyx", lambda: signal.stft(x, **kw)[2])  # its own layout, outside the clock
        call = lambda: signal.istft(S, **kw)[1]  # noqa: E731
        convert = lambda out: _host(out)[..., : s.n]  # noqa: E731
        inp = S.nbytes
    return [
        Runner(
            "cupyx.scipy.signal",
            what,
            "plain",
            "gpu",
            call,
            lambda: s.reference(what, 0.0),
            convert=convert,
            sync=_gpu_sync(),
            nbytes=inp + _out_nbytes(s, what, 0.0),
        )
    ]


_BUILDERS: dict[str, Callable[[Setup, str, float, Any], list[Runner]]] = {
    "scipy": _scipy_runners,
    "librosa": _librosa_runners,
    "torch": _torch_runners,
    "cupyx": _cupyx_runners,
}


def peer_status(names: Sequence[str], gpu: bool) -> dict[str, tuple[Any, str]]:
    """``{peer: (module or None, status)}``: the module when usable, else why not."""
    out: dict[str, tuple[Any, str]] = {}
    for name in names:
        peer = PEERS[name]
        top = peer.module.split(".")[0]
        if importlib.util.find_spec(top) is None:
            out[name] = (None, "skipped (not installed)")
            continue
        if peer.gpu and not gpu:
            out[name] = (None, "skipped (no GPU: chirpstft's cupy backend is unavailable)")
            continue
        try:
            module = importlib.import_module(peer.module)
        except Exception as exc:  # an installed peer that fails to import is skipped, with the reason
            out[name] = (None, f"skipped (import failed: {type(exc).__name__}: {exc})")
            continue
        version = getattr(sys.modules[top], "__version__", "?")
        out[name] = (module, f"{top} {version}")
    return out


# ---------------------------------------------------------------------------------------------------
# timing and checking


def _error(runner: Runner, out: Any, tolerance: float) -> tuple[float, float, str]:
    """(error, tolerance, what is wrong if the error is above the tolerance) of a result."""
    ref = runner.reference()
    got = runner.convert(out)
    if got.shape != ref.shape:
        return math.inf, tolerance, f"its shape is {got.shape}, the reference's {ref.shape}"
    if runner.what == "render":  # float32 vs float64 moves a few values across a grey level (and the
        # colormap can turn one level into 2-3): count the values off by more than one level
        off = float((np.abs(got.astype(np.int64) - ref.astype(np.int64)) > 1).mean()) if ref.size else 0.0
        return (
            off,
            RENDER_TOLERANCE,
            (
                f"{off:.3g} of the image values are more than one level off the reference's "
                f"(tolerance {RENDER_TOLERANCE:g})"
            ),
        )
    if ref.size == 0:
        return 0.0, tolerance, ""
    scale = float(np.abs(ref).max())
    err = float(np.abs(got - ref).max()) / (scale if scale > 0 else 1.0)
    err = err if math.isfinite(err) else math.inf
    return (
        err,
        tolerance,
        (f"max error {err:.3g} of the reference's largest magnitude (tolerance {tolerance:g})"),
    )


def measure(
    runner: Runner, rounds: int, tolerance: float, clock: Callable[[], float] = time.perf_counter
) -> Result:
    """The first call (timed, checked), then ``rounds`` timed calls if the answer was right.

    ``tolerance``: of the relative error, for the working precision (every implementation is held to
    the precision of its input, also a peer that computes in float64). A wrong answer or an exception
    is recorded in the result (status ``"WRONG"`` or ``"error"``), never timed."""
    res = Result(runner.what, runner.name, runner.transform, runner.device, "ok", nbytes=runner.nbytes)
    try:
        t0 = clock()
        out = runner.call()
        runner.sync()
        res.first_call_s = clock() - t0
        res.error, res.tolerance, wrong = _error(runner, out, tolerance)
    except Exception as exc:  # reported in the table and the exit status, not raised
        res.status, res.message = "error", f"{type(exc).__name__}: {exc}"
        return res
    del out
    if not res.error <= res.tolerance:
        res.status, res.message = "WRONG", wrong
        return res
    for _ in range(rounds):
        t0 = clock()
        runner.call()
        runner.sync()
        res.times_s.append(clock() - t0)
    return res


def copy_seconds(
    nbytes: int,
    xp: Any,
    sync: Callable[[], None],
    rounds: int,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Median seconds of a device-to-device copy of ``nbytes`` bytes (``xp``: cupy; NumPy in tests)."""
    src = xp.zeros(max(int(nbytes), 1), dtype=xp.uint8)
    dst = xp.empty_like(src)
    xp.copyto(dst, src)  # first touch
    sync()
    times = []
    for _ in range(max(rounds, 3)):
        t0 = clock()
        xp.copyto(dst, src)
        sync()
        times.append(clock() - t0)
    return float(np.median(times))


def add_bandwidth(results: list[Result], copy: Callable[[int], float]) -> None:
    """Achieved bandwidth ``(bytes in + out) / median`` of the GPU results, against a copy that moves
    the same bytes (reads half, writes half): ``copy(nbytes)`` gives that copy's median seconds."""
    for r in results:
        if r.device == "gpu" and r.median_s and r.nbytes:
            r.gbps = r.nbytes / r.median_s / 1e9
            r.copy_gbps = 2 * (r.nbytes // 2) / copy(r.nbytes // 2) / 1e9


# ---------------------------------------------------------------------------------------------------
# the machine


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine_info(peers: dict[str, tuple[Any, str]] | None = None) -> dict[str, Any]:
    """CPU model, cores and affinity, Numba's threads, the GPU (via CuPy) and library versions."""
    info: dict[str, Any] = {
        "cpu": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    numba = sys.modules.get("numba")
    info["numba_threads"] = (
        numba.get_num_threads() if numba is not None else os.environ.get("NUMBA_NUM_THREADS", "default")
    )
    info["gpu"] = None
    cupy = sys.modules.get("cupy")
    if cupy is not None:
        try:
            dev = cupy.cuda.Device()
            props = cupy.cuda.runtime.getDeviceProperties(dev.id)
            name = props["name"]
            info["gpu"] = name.decode() if isinstance(name, bytes) else str(name)
        except Exception as exc:  # no usable device: say so instead of failing the benchmark
            info["gpu"] = f"none ({type(exc).__name__})"
    versions = {"chirpstft": chirpstft.__version__}
    for mod in ("numpy", "scipy", "numba", "rocket_fft", "cupy"):
        m = sys.modules.get(mod)
        if m is not None:
            versions[mod] = getattr(m, "__version__", "?")
    for name, (module, status) in (peers or {}).items():
        if module is not None:
            versions.setdefault(PEERS[name].module.split(".")[0], status.split(" ", 1)[1])
    info["versions"] = versions
    return info


# ---------------------------------------------------------------------------------------------------
# the command


class UsageError(ValueError):
    """A bad command-line value: the message names the option and the fix (exit status 2)."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    cases = ", ".join(f"{k} ({'x'.join(map(str, c.shape))})" for k, c in CASES.items())
    p.add_argument("--case", default=None, help=f"start from a named case: {cases} (default: day)")
    p.add_argument("--shape", help="B,N: B signals of N samples each (default: the case's)")
    p.add_argument("--n-fft", help="frame length and FFT size (default: the case's)")
    p.add_argument("--hop", help="samples between frames (default: the case's)")
    p.add_argument("--fs", help="sampling rate in Hz, the unit of --chirp-rate (default: the case's)")
    p.add_argument("--chirp-rate", help="chirp rate in Hz/s; 0 for a plain STFT (default: the case's)")
    p.add_argument("--dtype", help="float32 or float64 (default: float32)")
    p.add_argument(
        "--what", default=",".join(WHATS), help=f"comma-separated, of {','.join(WHATS)} (default: all)"
    )
    p.add_argument("--backends", help="comma-separated chirpstft backends (default: all available here)")
    p.add_argument(
        "--peers",
        default=",".join(PEERS),
        help=f"comma-separated peers, of {','.join(PEERS)}, or none (default: all)",
    )
    p.add_argument(
        "--rounds", help=f"timed calls after the first (default: {DEFAULT_ROUNDS}; --quick: {QUICK_ROUNDS})"
    )
    p.add_argument("--quick", action="store_true", help="small shapes and few rounds: about 30 s on 2 cores")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH (atomically)")


def _ints(option: str, text: str, count: int, example: str) -> list[int]:
    parts = text.split(",")
    try:
        values = [int(v) for v in parts]
    except ValueError:
        values = []
    if len(values) != count or any(v < 1 for v in values):
        what = (
            "two positive integers B,N (signals, samples per signal)" if count == 2 else "a positive integer"
        )
        raise UsageError(f"{option} is {text!r}; pass {what}, e.g. {option} {example}")
    return values


def _float(option: str, text: str, example: str, positive: bool = False) -> float:
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not math.isfinite(v) or (positive and v <= 0):
        kind = "a positive number" if positive else "a finite number"
        raise UsageError(f"{option} is {text!r}; pass {kind}, e.g. {option} {example}")
    return v


def _names(option: str, text: str, allowed: Sequence[str], example: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    bad = [n for n in names if n not in allowed]
    if bad or not names:
        raise UsageError(
            f"{option} is {text!r}; pass a comma-separated list of {', '.join(allowed)}, e.g. {option} {example}"
        )
    return list(dict.fromkeys(names))


@dataclass
class Options:
    shape: tuple[int, int]
    n_fft: int
    hop: int
    fs: float
    chirp_rate: float
    dtype: str
    whats: list[str]
    backends: list[str]
    peers: list[str]
    rounds: int
    json: str | None
    case: str


def parse_options(args: argparse.Namespace, available: Sequence[str]) -> Options:
    """Check every option; a bad one raises :class:`UsageError` naming it and the fix."""
    name = args.case or ("quick" if args.quick else "day")
    if name not in CASES:
        raise UsageError(f"--case is {name!r}; pass one of {', '.join(CASES)}, e.g. --case day")
    case = CASES[name]
    shape = (
        tuple(_ints("--shape", args.shape, 2, "64,1440")) if args.shape else (case.batch or 1, case.n_samples)
    )
    n_fft = _ints("--n-fft", args.n_fft, 1, "128")[0] if args.n_fft else case.n_fft
    hop = _ints("--hop", args.hop, 1, "32")[0] if args.hop else case.hop
    fs = _float("--fs", args.fs, "100", positive=True) if args.fs else case.fs
    rate = _float("--chirp-rate", args.chirp_rate, "2e-8") if args.chirp_rate else case.chirp_rate
    dtype = args.dtype or case.dtype
    if dtype not in TOLERANCE:
        raise UsageError(f"--dtype is {dtype!r}; pass float32 or float64, e.g. --dtype float32")
    whats = _names("--what", args.what, WHATS, "stft,istft")
    if args.backends:
        backends = _names("--backends", args.backends, ("numba", "numpy", "cupy"), "numba,numpy")
        missing = [b for b in backends if b not in available]
        if missing:
            fix = " (pip install 'chirpstft[gpu]' on a machine with a CUDA GPU)" if "cupy" in missing else ""
            raise UsageError(
                f"--backends names {', '.join(missing)}, not available here{fix}; "
                f"available: {', '.join(available)}, e.g. --backends {','.join(available)}"
            )
    else:
        backends = list(available)
    peers = (
        [] if args.peers.strip() == "none" else _names("--peers", args.peers, tuple(PEERS), "scipy,librosa")
    )
    rounds = (
        _ints("--rounds", args.rounds, 1, "5")[0]
        if args.rounds
        else (QUICK_ROUNDS if args.quick else DEFAULT_ROUNDS)
    )
    return Options(shape, n_fft, hop, fs, rate, dtype, whats, backends, peers, rounds, args.json, name)  # type: ignore[arg-type]


def _groups(rate: float) -> list[float]:
    """The chirp group (the requested rate) and the plain one (rate 0), or only the plain one."""
    return [rate, 0.0] if rate else [0.0]


def runners(
    setup: Setup, opts: Options, peers: dict[str, tuple[Any, str]], what: str
) -> list[Runner | Result]:
    """Every implementation of ``what``: the chirp group (at the requested rate), then the plain group
    (rate 0: chirpstft's fast backends and the peers that compute only a plain STFT). An implementation
    that fails to set up comes as an ``"error"`` :class:`Result`."""
    out: list[Runner | Result] = []
    rate = opts.chirp_rate
    for r in _groups(rate):
        transform = "chirp" if r else "plain"
        builds: list[tuple[str, Callable[[], list[Runner]]]] = [
            (f"chirpstft {b}", lambda b=b, r=r: [_chirpstft_runner(setup, what, r, b)])
            for b in (opts.backends if r == rate else [b for b in opts.backends if b != "numpy"])
        ]
        for name in opts.peers:
            module, peer = peers[name][0], PEERS[name]
            in_group = peer.chirp == (r == rate) or not rate
            if module is not None and what in peer.whats and in_group:
                builds.append(
                    (
                        peer.label,
                        lambda name=name, module=module, r=r: _BUILDERS[name](setup, what, r, module),
                    )
                )
        for label, build in builds:
            try:
                out += build()
            except Exception as exc:  # reported like a failed call
                out.append(
                    Result(what, label, transform, "cpu", "error", message=f"{type(exc).__name__}: {exc}")
                )
    return out


def check_parameters(opts: Options) -> None:
    """Compute every reference on one short signal, so that parameters chirpstft refuses (or with which
    no inverse exists) stop the command before anything runs: :class:`UsageError`."""
    n = min(opts.shape[1], 4 * opts.n_fft + 1)
    probe = Setup(
        np.random.default_rng(0).standard_normal((1, n)), opts.n_fft, opts.hop, opts.fs, opts.chirp_rate
    )
    for what in opts.whats:
        for r in _groups(opts.chirp_rate):
            try:
                probe.reference(what, r)
            except chirpstft.ParameterError as exc:
                raise UsageError(
                    f"{what} with --n-fft {opts.n_fft} --hop {opts.hop}: {exc} (or leave {what} out of --what)"
                ) from None


def _fmt_s(s: float | None) -> str:
    if s is None:
        return "-"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} µs"


def ratios(results: list[Result]) -> dict[int, tuple[float | None, float | None]]:
    """``{index: (median / fastest, median / chirpstft numba)}`` within each (what, transform) group."""
    out: dict[int, tuple[float | None, float | None]] = {}
    for i, r in enumerate(results):
        group = [g for g in results if (g.what, g.transform) == (r.what, r.transform) and g.median_s]
        if not r.median_s or not group:
            out[i] = (None, None)
            continue
        best = min(g.median_s for g in group)  # type: ignore[type-var]
        numba = next((g.median_s for g in group if g.implementation == "chirpstft numba"), None)
        out[i] = (r.median_s / best, r.median_s / numba if numba else None)
    return out


def table(results: list[Result], opts: Options) -> list[str]:
    rs = ratios(results)
    head = [
        "what",
        "implementation",
        "transform",
        "first call",
        "median",
        "min - max",
        "÷ fastest",
        "÷ numba",
        "check",
    ]
    rows = []
    for i, r in enumerate(results):
        best, numba = rs[i]
        if r.status == "ok":
            check = f"{r.error:.1e}" + (" off>1" if r.what == "render" else "")
        elif r.status == "WRONG":  # the whole message goes to stderr and the JSON
            check = "WRONG: " + ("shape" if r.error == math.inf else f"{r.error:.1e}")
        else:
            check = "error: " + r.message.split(":")[0]
        transform = f"chirp {opts.chirp_rate:g}" if r.transform == "chirp" else "plain*"
        span = f"{_fmt_s(min(r.times_s))} - {_fmt_s(max(r.times_s))}" if r.times_s else "-"
        rows.append(
            [
                r.what,
                r.implementation,
                transform,
                _fmt_s(r.first_call_s),
                _fmt_s(r.median_s),
                span,
                "-" if best is None else f"{best:.2f}",
                "-" if numba is None else f"{numba:.2f}",
                check,
            ]
        )
    widths = [max(len(h), *(len(row[j]) for row in rows)) if rows else len(h) for j, h in enumerate(head)]
    right = {3, 4, 5, 6, 7}

    def line(cells: list[str]) -> str:
        cells = [
            c.rjust(w) if j in right else c.ljust(w)
            for j, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    return [line(head), "  ".join("-" * w for w in widths), *(line(row) for row in rows)]


def write_json(path: str | os.PathLike, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` atomically: readers see the old file or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=2)
            f.write("\n")
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def run(opts: Options, out: Callable[[str], None] = print) -> tuple[int, dict[str, Any]]:
    """Run the benchmark; print the table; return (exit status, the JSON document)."""
    t_start = time.perf_counter()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    gpu = "cupy" in chirpstft.available_backends()
    peers = peer_status(opts.peers, gpu)
    x = np.random.default_rng(0).standard_normal(opts.shape).astype(opts.dtype)
    setup = Setup(x, opts.n_fft, opts.hop, opts.fs, opts.chirp_rate)
    check_parameters(opts)
    results: list[Result] = []
    B, N = opts.shape
    out(
        f"chirpstft bench: {B} x {N} {opts.dtype}, n_fft {opts.n_fft}, hop {opts.hop}, fs {opts.fs:g} Hz, "
        f"chirp rate {opts.chirp_rate:g} Hz/s; {opts.rounds} timed calls after the first"
    )
    for what in opts.whats:
        for runner in runners(setup, opts, peers, what):
            if isinstance(runner, Result):
                results.append(runner)
                continue
            print(f"  {what}: {runner.name} ({runner.transform}) ...", file=sys.stderr, flush=True)
            results.append(measure(runner, opts.rounds, TOLERANCE[opts.dtype]))
        setup.free()  # this what's references and device copies
    if gpu and any(r.device == "gpu" for r in results):
        import cupy

        add_bandwidth(results, lambda n: copy_seconds(n, cupy, _gpu_sync(), opts.rounds))
    info = machine_info(peers)
    note = lambda text: out(textwrap.fill(text, 104, subsequent_indent="  "))  # noqa: E731
    out("")
    out(
        f"machine: {info['cpu']}; {info['logical_cores']} logical cores, affinity {info['affinity']}, "
        f"numba threads {info['numba_threads']}; GPU: {info['gpu'] or 'none'}"
    )
    out("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()))
    if load >= 0.5 * cores:
        note(
            f"warning: the load average was {load:.1f} on {cores} cores when the benchmark started: other "
            "processes are using the CPUs, so the timings are noisy (a parallel kernel waits for any of its "
            "threads that is descheduled). Rerun on a quiet machine, or compare with NUMBA_NUM_THREADS=1."
        )
    out("")
    out("\n".join(table(results, opts)))
    out("")
    note(
        "first call: compile or cache load, plan set-up and first touch of fresh memory (the warm-up a "
        "short script pays); median, min - max: the timed calls after it. ÷ fastest, ÷ numba: median over "
        "the fastest / over chirpstft numba in the same what and transform. check: max error over the "
        f"largest magnitude of the float64 reference (tolerance {TOLERANCE[opts.dtype]:g}; render: the "
        f"fraction of image values more than one level off, tolerance {RENDER_TOLERANCE:g})."
    )
    if opts.chirp_rate:
        note(
            "plain*: a plain STFT (chirp rate 0), compared with the unchirped reference; these peers "
            "compute no chirp, so they are timed beside chirpstft at rate 0."
        )
    else:
        note("plain*: chirp rate 0 (a plain STFT) for every implementation.")
    gpu_rows = [r for r in results if r.gbps]
    if gpu_rows:
        out("")
        out("GPU bandwidth: (bytes in + out) / median, against a device-to-device copy of the same bytes")
        for r in gpu_rows:
            out(
                f"  {r.what}: {r.implementation}: {r.gbps:.0f} GB/s = {100 * r.gbps / r.copy_gbps:.0f} % of "
                f"the copy's {r.copy_gbps:.0f} GB/s"
            )
    out("")
    used = [n for n in opts.peers if peers[n][0] is not None]
    for name in used:
        note(f"peer {PEERS[name].label} ({peers[name][1]}): {PEERS[name].convention}")
    for name in opts.peers:
        if peers[name][0] is None:
            out(f"peer {PEERS[name].label}: {peers[name][1]}")
    if "render" in opts.whats:
        note(
            "render: no peer makes the same images (librosa + Pillow + matplotlib has its own dB and "
            "resize conventions), chirpstft's backends only."
        )
    bad = [r for r in results if r.status != "ok"]
    wall = time.perf_counter() - t_start
    rs = ratios(results)
    for r in bad:
        print(f"{PROG}: {r.what} by {r.implementation} {r.status}: {r.message}", file=sys.stderr)
    if bad:
        print(
            f"{PROG}: {len(bad)} result(s) failed the check against the float64 reference or raised; "
            "they were not timed (see the table)",
            file=sys.stderr,
        )
    first = sum(r.first_call_s or 0.0 for r in results)
    out(f"bench: {len(results)} results in {wall:.1f} s ({first:.1f} s of it first calls)")
    doc = {
        "chirpstft": chirpstft.__version__,
        "parameters": {
            "case": opts.case,
            "shape": list(opts.shape),
            "n_fft": opts.n_fft,
            "hop": opts.hop,
            "fs": opts.fs,
            "chirp_rate": opts.chirp_rate,
            "dtype": opts.dtype,
            "what": opts.whats,
            "backends": opts.backends,
            "peers": opts.peers,
            "rounds": opts.rounds,
        },
        "machine": info,
        "peers": {n: peers[n][1] for n in opts.peers},
        "results": [
            {
                "what": r.what,
                "implementation": r.implementation,
                "transform": r.transform,
                "chirp_rate": opts.chirp_rate if r.transform == "chirp" else 0.0,
                "device": r.device,
                "status": r.status,
                "message": r.message,
                "first_call_s": r.first_call_s,
                "median_s": r.median_s,
                "times_s": r.times_s,
                "error": None if r.error is None or math.isinf(r.error) else r.error,
                "tolerance": r.tolerance,
                "vs_fastest": rs[i][0],
                "vs_numba": rs[i][1],
                "bytes": r.nbytes,
                "gbps": r.gbps,
                "copy_gbps": r.copy_gbps,
            }
            for i, r in enumerate(results)
        ],
        "wall_s": wall,
    }
    return (1 if bad else 0), doc


def main(args: argparse.Namespace) -> int:
    """``python -m chirpstft bench`` with parsed ``args``: 0 all checked and timed, 1 a result was wrong
    or raised, 2 a bad option."""
    try:
        opts = parse_options(args, chirpstft.available_backends())
        status, doc = run(opts)
    except (UsageError, chirpstft.ParameterError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    if opts.json:
        write_json(opts.json, doc)
        print(f"bench: results written to {opts.json}")
    return status
