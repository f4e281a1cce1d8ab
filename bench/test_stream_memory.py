"""Case 8: peak memory of the streaming STFT -> ISTFT round trip, 2^24 to 2^28 samples.

Each length runs in a fresh subprocess: warm up on a short stream (compilation), reset the
kernel's peak-RSS mark (``/proc/self/clear_refs``), read the current RSS, then generate the
signal chunk by chunk (never materialised), stream it through :class:`StreamingSTFT`, feed the
frames to :class:`StreamingISTFT`, and compare every returned sample with the generated one
(the round trip is the correctness check). The peak (``VmHWM``) minus the starting RSS is the
memory the whole pipeline needed; flat in the length means bounded. Linux only.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self (Linux)")

SCRIPT = r"""
import json, sys, time
from collections import deque
import numpy as np
import chirpstft
from chirpstft._benchmark import CASES

log2n = int(sys.argv[1])
c = CASES["stream"]
CHUNK, NFFT, HOP, FS = 2**16, c.n_fft, c.hop, c.fs
plan = chirpstft.ChirpSTFT(fs=FS, n_fft=NFFT, hop_length=HOP, chirp_rate=c.chirp_rate, backend="numba")

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024

def run(n_total, seed):
    rng = np.random.default_rng(seed)
    fwd = chirpstft.StreamingSTFT(plan)
    inv = chirpstft.StreamingISTFT(plan, real=True, length=n_total)
    pending, pos_in, pos_out, err, frames = deque(), 0, 0, 0.0, 0
    def check(y):
        nonlocal pos_out, err
        while y.size:
            start, x = pending[0]
            lo = pos_out - start
            k = min(y.size, x.size - lo)
            err = max(err, float(np.abs(y[:k] - x[lo : lo + k]).max()))
            y, pos_out = y[k:], pos_out + k
            if pos_out - start == x.size:
                pending.popleft()
    while pos_in < n_total:
        x = rng.standard_normal(min(CHUNK, n_total - pos_in), dtype=np.float32)
        pending.append((pos_in, x))
        pos_in += x.size
        S = fwd.push(x)
        frames += S.shape[-1]
        check(inv.push(S))
    S = fwd.finish()
    frames += S.shape[-1]
    check(inv.push(S))
    check(inv.finish())
    assert pos_out == n_total and frames == plan.n_frames(n_total)
    return err

run(2**18, 0)  # warm up: compile and load every kernel
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset the peak RSS to the current RSS
before = status("VmRSS")
t0 = time.perf_counter()
err = run(2**log2n, 1)
seconds = time.perf_counter() - t0
after = status("VmHWM")
print(json.dumps({"growth": after - before, "signal_bytes": 4 * 2**log2n, "max_error": err, "seconds": seconds}))
"""


@pytest.mark.parametrize("log2n", [24, 26, 28])
def test_8_streaming_peak_memory(benchmark, log2n):
    def measure():
        res = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(log2n)], capture_output=True, text=True, check=True
        )
        return json.loads(res.stdout.strip().splitlines()[-1])

    r = benchmark.pedantic(measure, rounds=1, iterations=1)
    benchmark.extra_info.update(
        {"growth_MB": r["growth"] / 1e6, "signal_MB": r["signal_bytes"] / 1e6, "max_error": r["max_error"]}
    )
    print(
        f"\n[stream memory] 2^{log2n} samples ({r['signal_bytes'] / 1e6:.0f} MB as float32): peak RSS growth "
        f"{r['growth'] / 1e6:.1f} MB, round-trip max error {r['max_error']:.2e}, {r['seconds']:.1f} s"
    )
    assert r["max_error"] < 1e-5  # float32 round trip
    assert r["growth"] < 32e6, "streaming must not grow with the length (2^24 float32 samples are 67 MB)"
