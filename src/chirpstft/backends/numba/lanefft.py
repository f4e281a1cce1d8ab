"""Batched FFT with frames in SIMD lanes, for the Numba kernels.

Arrays have shape ``(n, lanes)``: row ``k`` holds sample ``k`` of up to ``lanes``
frames side by side (split real/imaginary arrays). Every butterfly then runs as one
vector operation across frames, and the result rows are frequency bins with frames
contiguous, which is exactly the memory order of chirpstft's output
``(..., n_freqs, n_frames)``. For power-of-two ``n`` a Stockham autosort FFT
(radix 4, one radix-2 pass when ``log2 n`` is odd) is used; measured on the project's
2-core machine it runs a 128-point complex64 FFT in 0.22 us per frame and core, against
0.43-0.56 us for pocketfft through rocket-fft. Other sizes go through rocket-fft
(pocketfft, any size) one lane at a time.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numba import njit


@lru_cache(maxsize=64)
def twiddles(n: int, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """Twiddle factors of every radix-4 stage, concatenated; empty for non powers of two."""
    parts = []
    if n >= 1 and n & (n - 1) == 0:
        length = n
        while length >= 4:
            p = np.arange(length // 4)
            for k in (1, 2, 3):
                parts.append(np.exp(-2j * np.pi * k * p / length))
            length //= 4
    table = np.concatenate(parts) if parts else np.zeros(0, dtype=np.complex128)
    re = np.ascontiguousarray(table.real, dtype=dtype)
    im = np.ascontiguousarray(table.imag, dtype=dtype)
    re.setflags(write=False)
    im.setflags(write=False)
    return re, im


@njit(cache=True, nogil=True)
def _stockham(xr, xi, yr, yi, cnt, twr, twi):
    n = xr.shape[0]
    length = n
    s = 1
    toff = 0
    in_x = True
    while length >= 4:
        m = length // 4
        if in_x:
            sr, si, dr, di = xr, xi, yr, yi
        else:
            sr, si, dr, di = yr, yi, xr, xi
        for p in range(m):
            w1r = twr[toff + p]
            w1i = twi[toff + p]
            w2r = twr[toff + m + p]
            w2i = twi[toff + m + p]
            w3r = twr[toff + 2 * m + p]
            w3i = twi[toff + 2 * m + p]
            for q in range(s):
                ia = q + s * p
                ib = ia + s * m
                ic = ib + s * m
                id_ = ic + s * m
                o0 = q + s * 4 * p
                o1 = o0 + s
                o2 = o1 + s
                o3 = o2 + s
                for lane in range(cnt):
                    apcr = sr[ia, lane] + sr[ic, lane]
                    apci = si[ia, lane] + si[ic, lane]
                    amcr = sr[ia, lane] - sr[ic, lane]
                    amci = si[ia, lane] - si[ic, lane]
                    bpdr = sr[ib, lane] + sr[id_, lane]
                    bpdi = si[ib, lane] + si[id_, lane]
                    jr = si[id_, lane] - si[ib, lane]  # j * (b - d)
                    ji = sr[ib, lane] - sr[id_, lane]
                    dr[o0, lane] = apcr + bpdr
                    di[o0, lane] = apci + bpdi
                    tr = amcr - jr
                    ti = amci - ji
                    dr[o1, lane] = w1r * tr - w1i * ti
                    di[o1, lane] = w1r * ti + w1i * tr
                    tr = apcr - bpdr
                    ti = apci - bpdi
                    dr[o2, lane] = w2r * tr - w2i * ti
                    di[o2, lane] = w2r * ti + w2i * tr
                    tr = amcr + jr
                    ti = amci + ji
                    dr[o3, lane] = w3r * tr - w3i * ti
                    di[o3, lane] = w3r * ti + w3i * tr
        toff += 3 * m
        length = m
        s *= 4
        in_x = not in_x
    if length == 2:
        if in_x:
            sr, si, dr, di = xr, xi, yr, yi
        else:
            sr, si, dr, di = yr, yi, xr, xi
        for q in range(s):
            for lane in range(cnt):
                ar = sr[q, lane]
                ai = si[q, lane]
                br = sr[q + s, lane]
                bi = si[q + s, lane]
                dr[q, lane] = ar + br
                di[q, lane] = ai + bi
                dr[q + s, lane] = ar - br
                di[q + s, lane] = ai - bi
        in_x = not in_x
    return in_x


@njit(cache=True, nogil=True)
def _pocketfft_lanes(xr, xi, cnt):
    n = xr.shape[0]
    buf = np.empty(n, dtype=np.complex128)
    for lane in range(cnt):
        for k in range(n):
            buf[k] = complex(xr[k, lane], xi[k, lane])
        res = np.fft.fft(buf)
        for k in range(n):
            xr[k, lane] = res[k].real
            xi[k, lane] = res[k].imag


@njit(cache=True, nogil=True)
def fft_lanes(xr, xi, yr, yi, cnt, twr, twi):
    """Forward FFT along axis 0 of lanes ``[:cnt]`` of ``xr + 1j*xi``.

    ``yr, yi`` are scratch of the same shape. Returns True when the result is in
    ``(xr, xi)``, False when it is in ``(yr, yi)``.
    """
    n = xr.shape[0]
    if n & (n - 1) == 0:
        return _stockham(xr, xi, yr, yi, cnt, twr, twi)
    _pocketfft_lanes(xr, xi, cnt)
    return True
