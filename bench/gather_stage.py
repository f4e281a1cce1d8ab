"""The gather stage of the Numba forward kernel alone: the transposed gather against the frame-by-frame one.

Usage: python bench/gather_stage.py [--batch 4096] [--rounds 7]

Calls the package's own ``frames.gather`` (real input: the transposed path) and ``frames.gather_lanes``
(the frame-by-frame path it replaced, still used for complex input) over every lane block of the day
batch (1440 samples a day, float32, n_fft 128, hop 32, chirp 2e-8), on all Numba threads, for the
chirped analysis (slot 0) and the packed real pair (slots 1 and 2); both variants interleaved in
every round, medians printed. Issue 27, item 3 (bench/RESULTS.md, 2026-12-05); what else was tried
there (an 8 x 8 ``shufflevector`` tile transpose, float32 window products, tiles written straight
into the lanes) is recorded in that section.
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np
from numba import njit, prange

import chirpstft
from chirpstft.backends.numba import frames


@njit(parallel=True, cache=True)
def _stage(x, f, hr, hi, n_frames, pair, transposed):
    n_fft, lanes = hr.shape[0], f.lanes
    per_task = 2 * lanes if pair else lanes
    ok = 0
    for b in prange(x.shape[0]):
        ar = np.empty((n_fft, lanes), dtype=hr.dtype)
        ai = np.empty((n_fft, lanes), dtype=hr.dtype)
        tb = np.empty((n_fft, lanes), dtype=hr.dtype)
        sb = np.empty((n_fft, lanes), dtype=hr.dtype)
        for m0 in range(0, n_frames, per_task):
            parts = ((m0, 1), (m0 + lanes, 2)) if pair else ((m0, 0), (m0, 0))
            for k in range(2 if pair else 1):
                m, slot = parts[k]
                cnt = min(lanes, n_frames - m)
                if cnt <= 0:
                    continue
                if transposed:
                    good = frames.gather(
                        x, b, m, cnt, f.hop, f.pad, f.pad_mode, hr, hi, False, ar, ai, slot, tb, sb
                    )
                else:
                    good = frames.gather_lanes(
                        x, b, m, cnt, f.hop, f.pad, f.pad_mode, hr, hi, False, ar, ai, slot
                    )
                ok += good
    return ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=4096)
    p.add_argument("--rounds", type=int, default=7)
    args = p.parse_args(argv)
    x = np.random.default_rng(0).standard_normal((args.batch, 1440)).astype(np.float32)
    print(
        f"{args.batch} x 1440 float32, n_fft 128, hop 32, {numba.get_num_threads()} threads (ms, median / min)"
    )
    for label, rate in (("chirped", 2e-8), ("packed real pair", 0.0)):
        plan = chirpstft.ChirpSTFT(fs=1 / 60, n_fft=128, hop_length=32, chirp_rate=rate, backend="numba")
        a = plan.prepare(x)
        _, x2, hr, hi, _, f = frames.prepare(
            a.x, a.spec, a.rates, np.dtype(np.float32), a.fft_mode, a.n_frames
        )
        times: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(args.rounds + 1):  # the first round compiles or loads, and is not counted
            for transposed in (False, True):
                t0 = time.perf_counter()
                _stage(x2, f, hr, hi, a.n_frames, f.pair, transposed)
                times[transposed].append(time.perf_counter() - t0)
        med = {k: (np.median(v[1:]) * 1e3, np.min(v[1:]) * 1e3) for k, v in times.items()}
        print(
            f"  {label:17s} frame by frame {med[False][0]:6.2f} / {med[False][1]:6.2f}   "
            f"transposed {med[True][0]:6.2f} / {med[True][1]:6.2f}   x{med[False][0] / med[True][0]:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
