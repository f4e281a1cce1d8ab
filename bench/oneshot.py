"""A user's one-shot script on an empty Numba cache: time to the first result, and time to exit.

Usage: python bench/oneshot.py [--runs 3] [--calls stft|four]

Each run starts a fresh interpreter with an empty ``NUMBA_CACHE_DIR`` and the default automatic
backend (background compile on), which runs ``chirpstft.stft`` on 64 station-days (and, with
``--calls four``, istft, render and a float64 stft). The child prints when its last result arrived;
the parent measures the whole process, which includes the wait at exit while the background
compile finishes (see :mod:`chirpstft.backends.compiling`). The same script is then run again on
the cache the first run filled at its exit (what every later run of it sees). Prints one JSON line
per run and a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import sys, time, json
t0 = time.perf_counter()
import numpy as np
import chirpstft
x = np.random.default_rng(0).standard_normal((64, 1440)).astype(np.float32)
kw = dict(fs=1 / 60, n_fft=128, hop_length=32, chirp_rate=2e-8)
S = chirpstft.stft(x, **kw)
t1 = time.perf_counter()
if sys.argv[1] == "four":
    chirpstft.istft(S, length=1440, **kw)
    chirpstft.render(x, size=(32, 32), cmap="viridis", **kw)
    chirpstft.stft(x.astype(np.float64), **kw)
t2 = time.perf_counter()
print(json.dumps({"first_result_s": t1 - t0, "last_result_s": t2 - t0}), flush=True)
"""


def run_once(calls: str, cache: str) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    env.pop("CHIRPSTFT_BACKGROUND_COMPILE", None)
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", CHILD, calls], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"oneshot: the child failed:\n{r.stderr}")
    row = json.loads(r.stdout.strip().splitlines()[-1])
    row["process_s"] = wall
    return row


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--calls", choices=("stft", "four"), default="stft")
    args = p.parse_args(argv)
    rows = {"empty cache": [], "second run": []}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as cache:
            rows["empty cache"].append(run_once(args.calls, cache))
            print(json.dumps({"cache": "empty", **rows["empty cache"][-1]}), flush=True)
            rows["second run"].append(run_once(args.calls, cache))
            print(json.dumps({"cache": "warm", **rows["second run"][-1]}), flush=True)
    for label, rs in rows.items():
        med = {
            k: sorted(r[k] for r in rs)[len(rs) // 2]
            for k in ("first_result_s", "last_result_s", "process_s")
        }
        print(
            f"{args.calls}, {label}: first result {med['first_result_s']:.2f} s, last result "
            f"{med['last_result_s']:.2f} s, process {med['process_s']:.2f} s (median of {len(rs)})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
