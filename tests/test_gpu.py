"""The CuPy GPU backend: its errors, its dispatch, its code under the CUDA simulator, and
(where a GPU is present) the real thing.

The kernels and the orchestration run here without a GPU: ``tests/gpu_sim_cases.py`` runs in a
subprocess with ``NUMBA_ENABLE_CUDASIM=1`` and NumPy standing in for CuPy (see its docstring).
A subprocess is the robust way to get the simulator: ``NUMBA_ENABLE_CUDASIM`` is read when
Numba is first imported, which has happened long before any test here runs, and a process
cannot switch ``numba.cuda`` between the simulator and the driver.
"""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import chirpstft
from chirpstft import backends

ROOT = Path(__file__).resolve().parents[1]
X = np.random.default_rng(0).standard_normal((2, 300))


def _cupy_importable() -> bool:
    try:
        import cupy  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture
def fresh_registry(monkeypatch):
    """Forget loaded/failed backends so that a fake ``cupy`` module is really imported."""
    monkeypatch.setattr(backends, "_failed", {})
    monkeypatch.setattr(backends, "_loaded", {k: v for k, v in backends._loaded.items() if k != "cupy"})
    monkeypatch.delitem(sys.modules, "chirpstft.backends.cupy_gpu", raising=False)


def fake_cupy(monkeypatch, device_count):
    """A stand-in ``cupy`` module whose runtime reports ``device_count`` (or raises it)."""
    fake = types.ModuleType("cupy")

    class ndarray:
        pass

    def get_device_count():
        if isinstance(device_count, Exception):
            raise device_count
        return device_count

    fake.ndarray = ndarray
    fake.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=get_device_count))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    return fake


# --------------------------------------------------------------------------- no GPU here
def test_importing_chirpstft_imports_neither_cupy_nor_numba_cuda():
    code = (
        "import sys, numpy as np, chirpstft; chirpstft.stft(np.ones(64), n_fft=16); "
        "chirpstft.render(np.ones((2, 64)), n_fft=16, size=(4, 4)); "
        "print('cupy' in sys.modules, 'numba.cuda' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.skipif(_cupy_importable(), reason="CuPy is installed here")
def test_asking_for_the_gpu_without_cupy_says_so():
    with pytest.raises(
        chirpstft.BackendUnavailableError,
        match=r"backend='cupy' is not available here: CuPy is not installed .*pip install 'chirpstft\[gpu\]'",
    ):
        chirpstft.ChirpSTFT(backend="cupy")
    with pytest.raises(chirpstft.BackendUnavailableError, match=r"CuPy is not installed"):
        chirpstft.stft(X, backend="cupy")
    with pytest.raises(chirpstft.BackendUnavailableError, match=r"CuPy is not installed"):
        chirpstft.render(X, backend="cupy")
    assert "cupy" not in chirpstft.available_backends()


def test_cupy_without_a_device_says_so(monkeypatch, fresh_registry):
    fake_cupy(monkeypatch, 0)
    with pytest.raises(
        chirpstft.BackendUnavailableError,
        match=r"backend='cupy' is not available here: no CUDA device is visible to CuPy",
    ):
        chirpstft.stft(X, backend="cupy")


def test_cupy_without_a_driver_says_so(monkeypatch, fresh_registry):
    fake_cupy(monkeypatch, RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected"))
    with pytest.raises(
        chirpstft.BackendUnavailableError,
        match=r"no CUDA device is usable by CuPy \(RuntimeError: cudaErrorNoDevice",
    ):
        chirpstft.ChirpSTFT(backend="cupy")


def test_cuda_simulator_with_cupy_is_refused(monkeypatch, fresh_registry):
    fake_cupy(monkeypatch, 1)
    monkeypatch.setenv("NUMBA_ENABLE_CUDASIM", "1")
    with pytest.raises(chirpstft.BackendUnavailableError, match=r"NUMBA_ENABLE_CUDASIM is set"):
        chirpstft.ChirpSTFT(backend="cupy")


def test_numba_cuda_without_a_driver_says_so(monkeypatch, fresh_registry):
    from numba import cuda

    if cuda.is_available():
        pytest.skip("numba.cuda works here")
    fake_cupy(monkeypatch, 1)
    monkeypatch.delenv("NUMBA_ENABLE_CUDASIM", raising=False)
    with pytest.raises(
        chirpstft.BackendUnavailableError, match=r"numba.cuda is unavailable: Numba cannot use"
    ):
        chirpstft.ChirpSTFT(backend="cupy")


def test_cupy_arrays_go_to_the_gpu_backend_and_nowhere_else(monkeypatch):
    fake = fake_cupy(monkeypatch, 1)
    sentinel = types.SimpleNamespace(NAME="cupy")
    monkeypatch.setitem(backends._loaded, "cupy", sentinel)
    assert backends.get_backend(None, fake.ndarray()) is sentinel
    assert backends.get_backend("cupy", fake.ndarray()) is sentinel
    assert backends.get_backend(None, X).NAME != "cupy"  # host arrays stay on the CPU by default
    with pytest.raises(chirpstft.InputTypeError, match=r"backend='numba' cannot read"):
        backends.get_backend("numba", fake.ndarray())


def test_render_of_a_device_array_with_a_callable_ref_is_refused(monkeypatch):
    fake = fake_cupy(monkeypatch, 1)
    monkeypatch.setitem(backends._loaded, "cupy", types.SimpleNamespace(NAME="cupy", render=object()))
    with pytest.raises(
        chirpstft.InputTypeError, match=r"render of a CuPy array runs on the device, where ref"
    ):
        chirpstft.render(fake.ndarray(), ref=np.max)


def test_gpu_benchmark_without_a_gpu_says_so():
    if _cupy_importable():
        pytest.skip("CuPy is installed here")
    run = subprocess.run([sys.executable, "bench/gpu_bench.py"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 2
    assert "gpu_bench: CuPy is not installed" in run.stdout


# --------------------------------------------------------------------------- the simulator
def test_gpu_backend_under_the_cuda_simulator():
    """Kernels + orchestration of the GPU backend, against the reference (gpu_sim_cases.py)."""
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1"}
    cmd = [sys.executable, "-m", "pytest", "tests/gpu_sim_cases.py", "-q", "-p", "no:cacheprovider", "-x"]
    run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500)
    tail = "\n".join((run.stdout + run.stderr).splitlines()[-40:])
    assert run.returncode == 0, tail
    assert " passed" in tail and "skipped" not in tail, tail


def test_kernels_compile_for_a_real_gpu():
    """What the simulator cannot check: Numba's CUDA compiler accepts every kernel (PTX, sm_90)."""
    run = subprocess.run(
        [sys.executable, "tests/gpu_ptx_check.py"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    if run.returncode == 3:
        pytest.skip(f"no NVVM here (pip install nvidia-cuda-nvcc-cu12, part of the dev extra): {run.stdout}")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("ok ") == 10


# --------------------------------------------------------------------------- a real GPU
def _gpu():
    cp = pytest.importorskip("cupy")
    try:
        backends.get_backend("cupy")
    except chirpstft.BackendUnavailableError as exc:
        pytest.skip(f"no usable GPU: {exc}")
    return cp


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rate", [0.0, 1e-3, "per-frame"])
def test_real_gpu_matches_the_reference(dtype, rate):
    cp = _gpu()
    x = np.random.default_rng(1).standard_normal((3, 2, 1000)).astype(dtype)
    kw = dict(n_fft=64, hop_length=16)
    rates = np.random.default_rng(2).uniform(-1e-3, 1e-3, 63) if rate == "per-frame" else rate
    stream = cp.cuda.Stream(non_blocking=True)
    with stream:  # CuPy's current stream is respected: results are ordered on it
        S = chirpstft.stft(cp.asarray(x), chirp_rate=rates, **kw)
        y = chirpstft.istft(S, chirp_rate=rates, length=1000, real=True, **kw)
        img = chirpstft.render(cp.asarray(x), chirp_rate=rates, size=(16, 16), **kw)
    stream.synchronize()
    assert isinstance(S, cp.ndarray) and isinstance(y, cp.ndarray) and isinstance(img, cp.ndarray)
    tol = 1e-5 if dtype == np.float32 else 1e-10
    ref = chirpstft.stft(x.astype(np.float64), backend="numpy", chirp_rate=rates, **kw)
    np.testing.assert_allclose(S.get(), ref, atol=tol * np.abs(ref).max(), rtol=0)
    np.testing.assert_allclose(y.get(), x, atol=tol * 10, rtol=0)
    ref_img = chirpstft.render(x, backend="numpy", chirp_rate=rates, size=(16, 16), **kw)
    assert np.abs(img.get().astype(int) - ref_img).max() <= 1


def test_real_gpu_benchmark_check_passes():
    cp = _gpu()
    sys.path.insert(0, str(ROOT))
    from bench import gpu_bench

    rows = gpu_bench.check_correctness(cp)
    assert all(err <= tol for _, err, tol in rows), rows
