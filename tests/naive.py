"""Independent, deliberately naive oracles (explicit loops and DFT matrices, no FFT).

They follow the written definitions of the README line by line and share no code
with chirpstft.
"""

from __future__ import annotations

import numpy as np
import scipy.signal


def window(spec, win_length: int, n_fft: int) -> np.ndarray:
    if isinstance(spec, (str, tuple)):
        w = scipy.signal.get_window(spec, win_length, fftbins=True).astype(complex)
    else:
        w = np.asarray(spec, dtype=complex)
    out = np.zeros(n_fft, dtype=complex)
    left = (n_fft - win_length) // 2
    out[left : left + win_length] = w
    return out


def n_frames(n: int, n_fft: int, hop: int, center: bool) -> int:
    padded = n + 2 * (n_fft // 2) if center else n
    return 1 + (padded - n_fft) // hop


def stft(x, *, fs, n_fft, hop, win, rates, center, pad_mode="constant"):
    """1-D x, window array ``win`` (n_fft,), per-frame ``rates`` (M,): twosided (n_fft, M)."""
    x = np.asarray(x, dtype=complex)
    xp = np.pad(x, n_fft // 2, mode=pad_mode) if center else x
    m_count = n_frames(x.size, n_fft, hop, center)
    rates = np.broadcast_to(np.asarray(rates, dtype=float), (m_count,))
    k = np.arange(n_fft)
    t = (k - n_fft // 2) / fs
    dft = np.exp(-2j * np.pi * np.outer(k, k) / n_fft)
    out = np.zeros((n_fft, m_count), dtype=complex)
    for m in range(m_count):
        g = win * np.exp(1j * np.pi * rates[m] * t**2)
        frame = xp[m * hop : m * hop + n_fft]
        out[:, m] = dft @ (frame * np.conj(g))
    return out


def ls_envelope(n: int, *, n_fft: int, hop: int, win, center: bool, frames: int | None = None) -> np.ndarray:
    """sum_m |w[j - m*hop]|**2 at each output sample j < n.

    ``frames``: the number of frames (default: those of a length-n signal).
    """
    pad = n_fft // 2 if center else 0
    env = np.zeros(n)
    for m in range(n_frames(n, n_fft, hop, center) if frames is None else frames):
        for k in range(n_fft):
            j = m * hop + k - pad
            if 0 <= j < n:
                env[j] += abs(win[k]) ** 2
    return env
