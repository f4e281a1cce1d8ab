"""The transposed gather of the Numba forward kernel gives the frame-by-frame gather's bits.

``frames.gather`` reads real input through the block's stretch of signal transposed once
(issue 27); ``frames.gather_lanes`` is the frame-by-frame original. Both fill the same lane
scratch; every geometry, padding mode, window kind and slot must give identical bits, and the
same finiteness answer.
"""

from __future__ import annotations

import numpy as np
import pytest

from chirpstft.backends.numba import frames
from chirpstft.backends.rules import PAD_CODES

CASES = [  # n, n_fft, hop, lanes
    (1440, 128, 32, 48),  # the day batch
    (1440, 128, 16, 64),
    (1000, 100, 48, 8),  # hop does not divide n_fft
    (500, 64, 40, 5),
    (300, 64, 64, 4),  # hop == n_fft
    (300, 32, 48, 4),  # hop > n_fft: the frame-by-frame path
    (90, 64, 24, 1),  # one lane: the scratch cannot hold T
    (40, 64, 16, 3),  # frames longer than the signal
]


def _both(x, m0, cnt, hop, pad, mode, gr, gi, per_lane, slot, lanes):
    n_fft = gr.shape[0]
    out = []
    for transposed in (True, False):
        ar = np.full((n_fft, lanes), 7.0, x.real.dtype)
        ai = np.full((n_fft, lanes), 7.0, x.real.dtype)
        tb, sb = np.empty_like(ar), np.empty_like(ar)
        if transposed:
            ok = frames.gather(x, 0, m0, cnt, hop, pad, mode, gr, gi, per_lane, ar, ai, slot, tb, sb)
        else:
            ok = frames.gather_lanes(x, 0, m0, cnt, hop, pad, mode, gr, gi, per_lane, ar, ai, slot)
        out.append((ok, ar.view(np.uint8).copy(), ai.view(np.uint8).copy()))
    return out


@pytest.mark.parametrize(("n", "n_fft", "hop", "lanes"), CASES)
@pytest.mark.parametrize("pad_mode", sorted(PAD_CODES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_transposed_gather_gives_the_same_bits(rng, n, n_fft, hop, lanes, pad_mode, dtype):
    x = rng.standard_normal((1, n)).astype(dtype)
    x[0, rng.integers(0, n, 3)] = [0.0, -0.0, 1e-42]  # zeros of both signs, a denormal (float32)
    pad = n_fft // 2
    n_frames = 1 + (n + 2 * pad - n_fft) // hop if n + 2 * pad >= n_fft else 1
    mode = PAD_CODES[pad_mode]
    w = rng.standard_normal((n_fft, 1)).astype(dtype)
    wi = rng.standard_normal((n_fft, 1)).astype(dtype)
    per = rng.standard_normal((n_fft, lanes)), rng.standard_normal((n_fft, lanes))
    for m0 in sorted({0, max(0, n_frames // 2 - lanes // 2), max(0, n_frames - lanes)}):
        cnt = max(1, min(lanes, n_frames - m0))
        for slot, (gr, gi, per_lane) in [
            (0, (w, wi, False)),
            (1, (w, wi, False)),
            (2, (w, wi, False)),
            (0, (*per, True)),
        ]:
            (ok_t, ar_t, ai_t), (ok_l, ar_l, ai_l) = _both(
                x, m0, cnt, hop, pad, mode, gr, gi, per_lane, slot, lanes
            )
            assert ok_t == ok_l
            assert np.array_equal(ar_t, ar_l) and np.array_equal(ai_t, ai_l), (m0, slot, per_lane)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_sample_is_reported_by_both_paths(rng, bad):
    x = rng.standard_normal((1, 1440)).astype(np.float32)
    x[0, 700] = bad
    w = np.hanning(128).astype(np.float32).reshape(-1, 1)
    for m0 in (0, 16, 40):  # blocks that hold sample 700 or not
        (ok_t, ar_t, ai_t), (ok_l, ar_l, ai_l) = _both(x, m0, 8, 32, 64, 0, w, np.zeros_like(w), False, 1, 48)
        assert ok_t == ok_l
        assert np.array_equal(ar_t, ar_l) and np.array_equal(ai_t, ai_l)
