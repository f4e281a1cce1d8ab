"""Case 6: peak memory of the batch chirp STFT beyond its input and output.

Each implementation runs in a fresh subprocess: warm up on a small input (compilation,
FFT plans), allocate the input, reset the kernel's peak-RSS mark (``/proc/self/clear_refs``),
read the current RSS, run once, and read the peak (``VmHWM``). The growth minus the
output size is the working memory the implementation needed. Linux only.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self (Linux)")

SCRIPT = r"""
import json, sys
import numpy as np, scipy.fft, scipy.signal
import chirpstft
from chirpstft._benchmark import CASES
impl = sys.argv[1]
c = CASES["day"]
B, N, NFFT, HOP, FS, RATE = c.batch, c.n_samples, c.n_fft, c.hop, c.fs, c.chirp_rate
plan = chirpstft.ChirpSTFT(fs=FS, n_fft=NFFT, hop_length=HOP, chirp_rate=RATE, backend="numba")
t = (np.arange(NFFT) - NFFT // 2) / FS
g = plan.window * np.exp(1j * np.pi * RATE * t**2)
h = np.conj(g).astype(np.complex64)
sft = scipy.signal.ShortTimeFFT(g, HOP, FS, fft_mode="twosided", mfft=NFFT)
def run(x):
    if impl == "chirpstft-numba":
        return plan.stft(x)
    if impl == "scipy-ShortTimeFFT":
        return sft.stft(x)
    xp = np.pad(x, [(0, 0), (NFFT // 2, NFFT // 2)])
    fr = np.lib.stride_tricks.sliding_window_view(xp, NFFT, axis=-1)[:, ::HOP][:, : plan.n_frames(N)]
    return scipy.fft.fft(fr * h, axis=-1, workers=-1)
run(np.ones((2, N), np.float32))
x = np.random.default_rng(0).standard_normal((B, N)).astype(np.float32)
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset the peak RSS to the current RSS
before = status("VmRSS")
out = run(x)
after = status("VmHWM")
print(json.dumps({"growth": after - before, "output": out.nbytes, "input": x.nbytes}))
"""


@pytest.mark.parametrize("impl", ["chirpstft-numba", "numpy-naive-floor", "scipy-ShortTimeFFT"])
def test_6_peak_memory(benchmark, impl):
    def measure():
        res = subprocess.run([sys.executable, "-c", SCRIPT, impl], capture_output=True, text=True, check=True)
        return json.loads(res.stdout.strip().splitlines()[-1])

    r = benchmark.pedantic(measure, rounds=1, iterations=1)
    extra = r["growth"] - r["output"]
    benchmark.extra_info.update(
        {"output_MB": r["output"] / 1e6, "extra_MB": extra / 1e6, "extra_over_output": extra / r["output"]}
    )
    print(
        f"\n[peak memory] {impl}: output {r['output'] / 1e6:.0f} MB, working memory beyond input and output "
        f"{extra / 1e6:.1f} MB = {extra / r['output']:.2f} x output"
    )
    if impl == "chirpstft-numba":
        assert extra <= 0.5 * r["output"], "target: at most half the output size"
