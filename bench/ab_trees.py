"""A/B of two source trees of chirpstft in one run: the same calls, interleaved, on one machine.

Usage: python bench/ab_trees.py OLD_SRC NEW_SRC [--rounds 5] [--repeat 7]

Each round starts one fresh process per tree (``PYTHONPATH=<tree>``, its own Numba cache, warmed
before the first round) and times, after one warm-up call each, the median of ``--repeat`` calls of:
the chirp STFT, plain STFT, power spectrogram, inverse and render of 512 station-days (1440 samples,
float32, n_fft 128, hop 32), and the automatic rates of 64. Trees alternate within every round, so
drift in the machine's load hits both alike. Prints the median over rounds per call and tree, and
the ratio new / old. Made for behaviour-preserving restructurings (issue 26).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

CHILD = r"""
import json, sys, time
import numpy as np
import chirpstft
repeat = int(sys.argv[1])
x = np.random.default_rng(0).standard_normal((512, 1440)).astype(np.float32)
kw = dict(fs=1 / 60, n_fft=128, hop_length=32, backend="numba")
S = chirpstft.stft(x, chirp_rate=2e-8, **kw)
calls = {
    "chirp stft": lambda: chirpstft.stft(x, chirp_rate=2e-8, **kw),
    "plain stft": lambda: chirpstft.stft(x, **kw),
    "power spectrogram": lambda: chirpstft.spectrogram(x, chirp_rate=2e-8, scaling="power", **kw),
    "istft": lambda: chirpstft.istft(S, chirp_rate=2e-8, length=1440, **kw),
    "render": lambda: chirpstft.render(x, chirp_rate=2e-8, size=(32, 32), cmap="viridis", **kw),
    "auto rates (64)": lambda: chirpstft.estimate_chirp_rates(x[:64], **kw),
}
out = {}
for name, call in calls.items():
    call()
    t = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        t.append(time.perf_counter() - t0)
    out[name] = sorted(t)[len(t) // 2]
print(json.dumps(out))
"""


def _run(src: str, cache: str, repeat: int) -> dict:
    env = dict(os.environ, PYTHONPATH=src, NUMBA_CACHE_DIR=cache, CHIRPSTFT_BACKGROUND_COMPILE="0")
    r = subprocess.run([sys.executable, "-c", CHILD, str(repeat)], env=env, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"ab_trees: {src} failed:\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--repeat", type=int, default=7)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as old_cache, tempfile.TemporaryDirectory() as new_cache:
        trees = {"old": (args.old, old_cache), "new": (args.new, new_cache)}
        for src, cache in trees.values():
            _run(src, cache, 1)  # compile into this tree's cache before anything is timed
        rows: dict[str, list[dict]] = {"old": [], "new": []}
        for k in range(args.rounds):
            order = ("old", "new") if k % 2 == 0 else ("new", "old")
            for label in order:
                rows[label].append(_run(*trees[label], args.repeat))
    print(f"{'call':20s} {'old (ms)':>9s} {'new (ms)':>9s} {'new/old':>8s}")
    for name in rows["old"][0]:
        med = {lab: sorted(r[name] for r in rs)[len(rs) // 2] * 1e3 for lab, rs in rows.items()}
        print(f"{name:20s} {med['old']:9.2f} {med['new']:9.2f} {med['new'] / med['old']:8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
