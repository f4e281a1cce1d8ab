"""NumPy reference backend: slow, direct, obviously correct.

It follows the definitions literally (pad, frame, multiply by ``conj(g_m)``, FFT)
and is the oracle every faster backend is tested against. It computes in the
precision of its input: float32 / complex64 stay single precision (scipy.fft
keeps it), float64 / complex128 double. Chirp phases are always evaluated in
float64 before being rounded to the working precision.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from .._spec import FrameSpec
from .._validation import complex_dtype, real_dtype_of
from ..chirp import is_chirped

__all__ = ["NAME", "chirp_scores", "istft", "overlap_add", "spectrogram", "stft"]

NAME = "numpy"
#: ``stft`` and ``spectrogram`` take ``out=`` (here the result is copied into it).
WRITES_OUT = True


def _frames(x: np.ndarray, spec: FrameSpec, n_frames: int) -> np.ndarray:
    """View of shape (..., n_frames, n_fft) on the (padded) signal."""
    if spec.pad:
        widths = [(0, 0)] * (x.ndim - 1) + [(spec.pad, spec.pad)]
        x = np.pad(x, widths, mode=spec.pad_mode)
    view = np.lib.stride_tricks.sliding_window_view(x, spec.n_fft, axis=-1)
    return view[..., :: spec.hop_length, :][..., :n_frames, :]


def chirp_scores(
    x: np.ndarray,
    spec: FrameSpec,
    candidates,
    n_frames: int,
    n_bins: int,
    order: float,
    frames=None,
    bounded=False,
):
    """NumPy reference of the candidate scan: entropies ``(..., n_frames, n_candidates)``.

    Frame, window, multiply by each candidate's chirp, FFT, and the Rényi entropy of the
    normalised power over bins ``0..n_bins-1``, all in float64; NaN for frames with a
    non-finite sample or no energy. Processes a bounded number of frames at a time.
    ``frames`` (flat indices ``b*n_frames + m``) scores only those frames, shape
    ``(len(frames), n_candidates)``; ``bounded=True`` returns ``(scores, errors)`` with
    ``errors`` 0 (every score is computed in float64), as the capability's contract asks.
    """
    work = np.complex128 if np.iscomplexobj(x) else np.float64
    view = _frames(np.asarray(x, dtype=work), spec, n_frames)  # (..., M, n_fft) view
    if frames is None:
        batch_shape = view.shape[:-2]
        blocks = [(b, view[b]) for b in np.ndindex(batch_shape)]
        shape = (*batch_shape, n_frames, len(candidates))
    else:
        flat = view.reshape(-1, n_frames, spec.n_fft) if view.size else view.reshape(0, n_frames, spec.n_fft)
        idx = np.asarray(frames, dtype=np.int64)
        blocks = [((), flat[idx // n_frames, idx % n_frames])] if idx.size else []
        shape = (idx.size, len(candidates))
    g = np.conj(spec.window)[None, :] * np.exp(-1j * np.pi * np.outer(candidates, spec.t2))  # (C, n_fft)
    out = np.empty(shape, dtype=np.float64)
    # frames per pass: at most 8192 spectra and 2**22 values (64 MiB of complex128) at a time
    step = max(1, min(8192 // len(candidates), (1 << 22) // (len(candidates) * spec.n_fft)))
    for b, fr in blocks:
        for m0 in range(0, fr.shape[0], step):
            f = fr[m0 : m0 + step, None, :]  # (m, 1, n_fft)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # inf samples: NaN scores
                power = np.abs(scipy.fft.fft(f * g, axis=-1)[..., :n_bins]) ** 2
                total = power.sum(axis=-1, keepdims=True)
                p = power / total
                h = np.log2((p**order).sum(axis=-1)) / (1.0 - order)
            bad = ~np.all(np.isfinite(f), axis=(-2, -1))[..., None] | (total[..., 0] <= 0)
            out[b][m0 : m0 + step, :] = np.where(bad, np.nan, h)
    return (out, np.zeros(out.shape[:-1])) if bounded else out


def _analysis_window(spec: FrameSpec, rates: float | np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``conj(g_m)`` in the working precision: (n_fft,) or (..., n_frames, n_fft)."""
    h = np.conj(spec.window)
    if is_chirped(rates):
        h = h * spec.chirp_phase(rates, -1)
    if np.iscomplexobj(h):
        return h.astype(complex_dtype(dtype))
    return h.astype(dtype)


def _spectrum(frames: np.ndarray, fft_mode: str, n_fft: int) -> np.ndarray:
    if fft_mode == "onesided":
        if np.iscomplexobj(frames):
            return scipy.fft.fft(frames, axis=-1)[..., : n_fft // 2 + 1]
        return scipy.fft.rfft(frames, axis=-1)
    spec = scipy.fft.fft(frames, axis=-1)
    if fft_mode == "centered":
        spec = scipy.fft.fftshift(spec, axes=-1)
    return spec


def stft(
    x: np.ndarray,
    spec: FrameSpec,
    rates: float | np.ndarray,
    fft_mode: str,
    n_frames: int,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Chirp STFT of ``x`` (..., n) -> (..., n_freqs, n_frames), into ``out`` when given (a
    C-contiguous array of that shape and dtype, checked by the plan)."""
    real = real_dtype_of(x.dtype)
    weighted = _frames(x, spec, n_frames) * _analysis_window(spec, rates, real)
    S = np.swapaxes(_spectrum(weighted, fft_mode, spec.n_fft), -1, -2)
    # C-contiguous (..., n_freqs, n_frames), like every backend's output
    return _written(np.ascontiguousarray(S, dtype=complex_dtype(real)), out)


def _written(result: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """``result``, or ``out`` filled with it."""
    if out is None:
        return result
    out[...] = result
    return out


def spectrogram(x, spec, rates, fft_mode, n_frames, power: int, scale, out=None) -> np.ndarray:
    """``|S|**power * scale`` (``scale``: a float or per bin, shape (n_freqs, 1)), into ``out`` when
    given; the other arguments as :func:`stft`'s."""
    mag = np.abs(stft(x, spec, rates, fft_mode, n_frames))
    P = mag**power if power != 1 else mag
    return _written((P * scale).astype(mag.dtype, copy=False), out)


def _inverse_spectrum(S: np.ndarray, fft_mode: str, n_fft: int) -> np.ndarray:
    """(..., n_freqs, n_frames) -> per-frame signals (..., n_frames, n_fft)."""
    Z = np.swapaxes(S, -1, -2)
    if fft_mode == "onesided":
        return scipy.fft.irfft(Z, n=n_fft, axis=-1)
    if fft_mode == "centered":
        Z = scipy.fft.ifftshift(Z, axes=-1)
    return scipy.fft.ifft(Z, axis=-1)


def overlap_add(frames: np.ndarray, hop: int) -> np.ndarray:
    """Overlap-add (..., M, N) frames at ``hop`` into (..., (M-1)*hop + N)."""
    *batch, m, n = frames.shape
    k = -(-n // hop)
    blocks = np.zeros((*batch, m, k * hop), dtype=frames.dtype)
    blocks[..., :n] = frames
    blocks = blocks.reshape(*batch, m, k, hop)
    out = np.zeros((*batch, m + k - 1, hop), dtype=frames.dtype)
    for j in range(k):
        out[..., j : j + m, :] += blocks[..., :, j, :]
    return out.reshape(*batch, (m + k - 1) * hop)[..., : (m - 1) * hop + n]


def istft(
    S: np.ndarray,
    spec: FrameSpec,
    rates: float | np.ndarray,
    fft_mode: str,
    method: str,
    inv_env: np.ndarray,
    start: int,
    length: int,
    real_output: bool,
) -> np.ndarray:
    """Inverse chirp STFT, normalised by the reciprocal envelope ``inv_env`` (length,).

    ``method="ls"`` weights each de-transformed frame by the synthesis window
    ``g_m = w * exp(+1j*pi*a_m*t**2)``; ``method="ola"`` only de-chirps it.
    Output samples ``[start, start + length)`` of the overlap-added (padded) signal
    are returned, zero beyond the last frame, times ``inv_env``.
    """
    real = real_dtype_of(S.dtype)
    y = _inverse_spectrum(S, fft_mode, spec.n_fft)
    synth = spec.window if method == "ls" else np.ones(1)
    if is_chirped(rates):
        synth = synth * spec.chirp_phase(rates, +1)
    if np.iscomplexobj(synth):
        synth = synth.astype(complex_dtype(real))
    else:
        synth = synth.astype(real)
    full = overlap_add(y * synth, spec.hop_length)
    out = np.zeros((*full.shape[:-1], length), dtype=full.dtype)
    stop = min(start + length, full.shape[-1])
    out[..., : stop - start] = full[..., start:stop]
    out *= inv_env.astype(out.dtype, copy=False)
    if real_output and np.iscomplexobj(out):
        out = out.real
    return np.ascontiguousarray(out)
