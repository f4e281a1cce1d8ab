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
    monkeypatch.delitem(sys.modules, "chirpstft.backends.cuda.backend", raising=False)


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
    """What the simulator cannot check: Numba's CUDA compiler accepts every kernel, the fused ones
    included, for sm_80 and sm_90 (PTX)."""
    run = subprocess.run(
        [sys.executable, "tests/gpu_ptx_check.py"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    if run.returncode == 3:
        pytest.skip(f"no NVVM here (pip install nvidia-cuda-nvcc-cu12, part of the dev extra): {run.stdout}")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("ok ") == 36, run.stdout
    assert run.stdout.count("ok sm_80 ") == run.stdout.count("ok sm_90 ") == 18
    assert run.stdout.count(" istft_tiles ") == 4, run.stdout  # the fused inverse, both precisions
    # the fused kernels' static shared memory is what _fused_plan accounts for (under 48 KiB)
    from chirpstft.backends.cuda import tiles as FP

    assert "stft_tiles (array(float32, 2d, C), array(float32, 3d, C)): " in run.stdout
    for line in run.stdout.splitlines():
        if " stft_tiles " in line:
            assert line.endswith(f"{FP.SHARED_FFT_BYTES} bytes of static shared memory"), line
        if " istft_tiles " in line:  # FFT tile + float64 accumulator
            assert line.endswith(
                f"{FP.occupancy(16, 4, inverse=True)['shared_bytes']} bytes of static shared memory"
            )
        if " render_fused " in line:
            assert line.endswith(
                f"{FP.occupancy(16, 4, image=True)['shared_bytes']} bytes of static shared memory"
            ), line


# --------------------------------------------------------------------------- fused kernels: plan + traffic
def test_fused_plan_geometry():
    """Which sizes are fused, how many frames a tile holds: checked on the CPU."""
    from chirpstft.backends.cuda import tiles as FP

    assert FP.fused_size(1024, 4) and FP.fused_size(1024, 8) and FP.fused_size(2048, 4)
    assert not FP.fused_size(2048, 8) and not FP.fused_size(12, 4) and not FP.fused_size(4096, 4)
    for itemsize in (4, 8):
        for n_fft in (1, 2, 8, 128, 1024):
            for n_frames in (1, 3, 46, 1000):
                tf = FP.frames_per_tile(n_fft, itemsize, n_frames)
                assert tf & (tf - 1) == 0 and tf * n_fft <= FP.fft_elems(itemsize)
                assert tf < 2 * n_frames and tf <= FP.MAX_TILE_FRAMES
                tr = FP.frames_per_tile(n_fft, itemsize, n_frames, render=True)
                assert n_fft > FP.fft_elems(itemsize, True) or tr * n_fft <= FP.fft_elems(itemsize, True)
    # the day batch's image fits one block; an image too large goes through global memory
    assert FP.fused_render_size(128, 4, 128, 46) and not FP.fused_render_size(128, 4, 128, 400)
    assert FP.occupancy(128, 4)["shared_bytes"] + 1024 <= 48 * 1024
    assert FP.occupancy(128, 4, image=True)["shared_bytes"] <= 48 * 1024  # static shared-memory limit


def test_traffic_of_the_cufft_path_is_what_the_issue_counted():
    from chirpstft.backends.cuda import tiles as FP

    moved, io = FP.traffic_stft(4096, 1440, 46, 128, 32, 128, fused=False)
    assert 210e6 < io < 225e6 and 4.3 < moved / io < 5.2  # the issue: ~990 MB for 217 MB (4.6x)
    moved, io = FP.traffic_stft(4096, 1440, 46, 128, 32, 128)
    assert moved / io < 1.1


def test_traffic_of_the_fused_inverse_counts_its_reads():
    """istft_tiles reads, per tile of output samples, every frame overlapping it (brute force here)
    and writes each output sample once; a frame overlapping two tiles is counted twice."""
    from chirpstft.backends.cuda import tiles as FP

    for n_fft, hop, length, start, n_frames in [
        (128, 32, 1440, 64, 46),
        (16, 3, 100, 0, 29),
        (8, 8, 50, 4, 7),
        (1024, 1000, 5000, 512, 6),
        (2048, 2048, 9000, 0, 5),
    ]:
        tile = FP.istft_tile_samples(hop)
        assert 0 < tile <= FP.ISTFT_ACC_ELEMS and (tile % hop == 0 or hop > FP.ISTFT_ACC_ELEMS)
        brute = sum(
            sum(
                1
                for m in range(n_frames)
                if m * hop < start + j0 + min(tile, length - j0) and m * hop + n_fft > start + j0
            )
            for j0 in range(0, length, tile)
        )
        assert FP.istft_frames_read(length, n_frames, n_fft, hop, start) == brute
        moved, io = FP.traffic_istft(3, length, n_frames, n_fft, hop, n_fft, start=start, fused=True)
        assert io == 3 * n_fft * n_frames * 8 + 3 * length * 4
        assert moved - (3 * brute * n_fft * 8 + 3 * length * 4) == n_fft * 40 + length * 16 + n_frames * 8
    # the day batch: each tile re-reads ceil(n_fft / hop) - 1 = 3 frames of the previous one
    assert FP.istft_frames_read(1440, 46, 128, 32, 64) == 46 + 3
    moved, io = FP.traffic_istft(4096, 1440, 46, 128, 32, 128, start=64)
    assert moved / io < 1.1
    moved, io = FP.traffic_istft(4096, 1440, 46, 128, 32, 128, start=64, fused=False)
    assert moved / io > 4


def test_gpu_benchmark_traffic_mode_meets_the_targets():
    """``gpu_bench.py --traffic`` runs without a GPU and prints ratios within the issue's targets."""
    import re

    run = subprocess.run(
        [sys.executable, "bench/gpu_bench.py", "--traffic"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    ratios = dict(re.findall(r"^(.+?): traffic (\d+\.\d\d) x", run.stdout, flags=re.M))
    assert float(ratios["chirp stft"]) <= 1.3
    assert float(ratios["images (uint8)"]) <= 1.5
    assert float(ratios["plain stft"]) <= 1.3 and float(ratios["power spectrogram"]) <= 1.3
    assert float(ratios["istft (ls)"]) <= 1.3  # the fused inverse
    assert float(ratios["istft (ls), cuFFT path (before)"]) > 4
    assert "GPU timings unmeasured" in run.stdout
    assert "| istft_tiles | float64 | 1024 |" in run.stdout
    assert "| stft_tiles | float32 | 1024 |" in run.stdout  # shared memory / occupancy per n_fft


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
