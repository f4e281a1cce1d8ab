"""Why the first calls of a fresh process are slower than the steady state (issue 27, item 4).

Usage: python bench/warmup_calls.py [--repeats 3] [--calls 12]

Each variant runs in fresh processes (the kernels already in Numba's disk cache: run
``python -m chirpstft warmup`` first) and times the first ``--calls`` calls of the chirp STFT of
case 1 at 2048 x 1440 float32 (n_fft 128, hop 32), with the kernel load (the first call) reported
apart. Variants: the default (all threads, Numba's default threading layer), one thread, the same
with a reused ``out=`` buffer (no allocation, no page faults of a fresh output), OpenMP's passive
and active wait policies, and Numba's own workqueue layer. Prints the median of each call index.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import json, sys, time
import numpy as np
import numba
import chirpstft
calls, reuse = int(sys.argv[1]), sys.argv[2] == "out"
x = np.random.default_rng(0).standard_normal((2048, 1440)).astype(np.float32)
kw = dict(fs=1 / 60, n_fft=128, hop_length=32, chirp_rate=2e-8, backend="numba")
t = []
out = None
for i in range(calls):
    t0 = time.perf_counter()
    S = chirpstft.stft(x, out=out, **kw)
    t.append(time.perf_counter() - t0)
    if reuse:
        out = S
print(json.dumps({"layer": numba.threading_layer(), "threads": numba.get_num_threads(), "times": t}))
"""

VARIANTS = {
    "default": ({}, "new"),
    "1 thread": ({"NUMBA_NUM_THREADS": "1"}, "new"),
    "out= reused": ({}, "out"),
    "1 thread + out=": ({"NUMBA_NUM_THREADS": "1"}, "out"),
    "OMP_WAIT_POLICY=passive": ({"OMP_WAIT_POLICY": "passive"}, "new"),
    "OMP_WAIT_POLICY=active": ({"OMP_WAIT_POLICY": "active"}, "new"),
    "workqueue layer": ({"NUMBA_THREADING_LAYER": "workqueue"}, "new"),
    "workqueue + out=": ({"NUMBA_THREADING_LAYER": "workqueue"}, "out"),
    "no hugepage madvise": ({"NUMPY_MADVISE_HUGEPAGE": "0"}, "new"),
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--calls", type=int, default=12)
    p.add_argument("--variants", default=";".join(VARIANTS), help="';'-separated names of VARIANTS")
    args = p.parse_args(argv)
    for name in args.variants.split(";"):
        env_extra, mode = VARIANTS[name]
        runs = []
        for _ in range(args.repeats):
            env = dict(os.environ, **env_extra)
            r = subprocess.run(
                [sys.executable, "-c", CHILD, str(args.calls), mode], env=env, capture_output=True, text=True
            )
            if r.returncode:
                print(f"{name}: failed: {r.stderr.strip().splitlines()[-1]}")
                break
            runs.append(json.loads(r.stdout.strip().splitlines()[-1]))
        if not runs:
            continue
        med = [sorted(run["times"][i] for run in runs)[len(runs) // 2] * 1e3 for i in range(args.calls)]
        steady = sorted(med[len(med) // 2 :])[len(med[len(med) // 2 :]) // 2]
        print(
            f"{name:26s} layer={runs[0]['layer']:9s} threads={runs[0]['threads']}  first {med[0]:6.0f} ms | "
            + " ".join(f"{m:5.0f}" for m in med[1:])
            + f" | steady {steady:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
