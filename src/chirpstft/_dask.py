"""Dask arrays in, lazy Dask arrays out, equal to the in-memory result.

:func:`chirpstft.stft`, :func:`chirpstft.spectrogram` and :func:`chirpstft.render` (and the
plan's methods) accept a Dask array ``(..., n_samples)``; Dask is imported only then, never
by ``import chirpstft``.

* **Batch chunks** (the time axis in one chunk): ``map_blocks`` runs the backend on each
  block of signals, exactly as on the whole batch (every signal's frames are computed the
  same way whatever the other signals are), so the result is the in-memory one bit for bit.
* **Time chunks**: the signal is padded lazily (``dask.array.pad``, the same ``pad_mode``),
  and the frames are cut into blocks of about one input chunk each; block ``j`` takes the
  padded samples its frames need, ``[m_a*hop, (m_b - 1)*hop + n_fft)``, i.e. its chunk
  plus an overlap of ``n_fft - hop`` samples from the next chunk, and runs the backend's
  kernel with no further padding and the rates of its frames. The frames are the same
  samples, window and rates as in memory: bit for bit equal. (The numba backend's real
  unchirped analysis packs two frames per FFT with a pairing that depends on
  the block: there the frame blocks follow that kernel's packed blocks of 128 frames, so
  the pairs and the rounding are the in-memory ones.
* ``chirp_rate="auto"`` scores every frame on its own samples, so it works in any chunking
  with ``smooth=1``; ``smooth > 1`` needs the time axis in one chunk (else
  :class:`~chirpstft.ParameterError`). With ``return_rates=True`` the rates are a second
  lazy array (for ``"auto"`` computing them repeats the candidate scan).
* :func:`chirpstft.render` normalises each image over its whole spectrogram, so it maps
  over batch chunks with the time axis rechunked to one chunk (:func:`map_images`).

The plan prepares the transform (:class:`~chirpstft._prepared.Analysis`: backend, working
dtype, frames, rates or the ``auto`` request, fft mode) exactly as for an in-memory input;
this module only decides which samples each block reads and runs that prepared analysis on
them. ``dask`` itself is imported inside the functions that build graphs, the only imports of
this package inside functions besides those of the other optional dependencies.

Examples
--------
>>> import dask.array as da, numpy as np, chirpstft
>>> x = np.random.default_rng(0).standard_normal((8, 20_000))
>>> lazy = chirpstft.stft(da.from_array(x, chunks=(4, 3000)), fs=1 / 60, n_fft=128, chirp_rate="auto")
>>> type(lazy).__name__, lazy.shape, lazy.numblocks
('Array', (8, 128, 626), (2, 1, 7))
>>> bool(np.array_equal(lazy.compute(), chirpstft.stft(x, fs=1 / 60, n_fft=128, chirp_rate="auto")))
True
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from ._errors import ParameterError
from ._prepared import Analysis
from .chirp import block_of, is_per_frame

__all__ = ["is_dask_array", "map_images", "rates", "transform"]


def is_dask_array(x: Any) -> bool:
    """True for a Dask array, detected without importing Dask."""
    da = sys.modules.get("dask.array")
    return da is not None and isinstance(x, da.Array)


def _frame_blocks(x, analysis: Analysis, granule: int) -> list[tuple[int, int]]:
    """Frame ranges ``[m_a, m_b)`` of about one input chunk each (one range if time is one chunk).

    With a ``granule`` > 1 (the backend computes that many frames together, see
    :class:`~chirpstft.backends.Capabilities`) the ranges start at multiples of it and hold at
    least one granule, so the frames round as in memory; when this signal's granule is not the
    long-signal one, a part would be packed differently, so the signal is one block.
    """
    n_frames = analysis.n_frames
    chunks = x.chunks[-1]
    if len(chunks) == 1:
        return [(0, n_frames)]
    per = max(1, int(np.median(chunks)) // analysis.spec.hop_length)
    if granule > 1:
        if (
            granule != analysis.granule(analysis.rates, None) or n_frames < 2 * granule
        ):  # short signal: one block
            return [(0, n_frames)]
        per = max(granule, per // granule * granule)
    blocks = [(m, min(m + per, n_frames)) for m in range(0, n_frames, per)]
    if len(blocks) > 1 and blocks[-1][1] - blocks[-1][0] < granule:
        blocks[-2:] = [(blocks[-2][0], n_frames)]
    return blocks


def _run(analysis: Analysis, kind: str):
    import dask.array as da

    x = analysis.x
    spec = analysis.spec
    auto = analysis.auto
    if auto is not None and auto.smooth != 1 and len(x.chunks[-1]) > 1:
        raise ParameterError(
            f"chirp_rate='auto' with smooth={auto.smooth} averages over neighbouring frames and needs "
            f"the time axis in one chunk; rechunk x with x.rechunk({{-1: -1}}) or use smooth=1"
        )
    rates = analysis.rates
    if rates is not None and is_per_frame(rates):
        rates = np.ascontiguousarray(np.broadcast_to(rates, (*x.shape[:-1], analysis.n_frames)))
    d = x.ndim
    granule = analysis.granule(rates, analysis.n_frames)
    blocks = _frame_blocks(x, analysis, granule)
    whole = len(x.chunks[-1]) == 1
    block_spec = spec if whole else spec.unpadded()
    padded = x
    if not whole and spec.pad:
        padded = da.pad(x, [(0, 0)] * (d - 1) + [(spec.pad, spec.pad)], mode=spec.pad_mode)

    def block_rates(seg, loc, m_a, m_b):
        if auto is not None:
            return analysis.chosen_rates(seg, block_spec, m_b - m_a)
        return block_of(rates, tuple(slice(a, b) for a, b in loc[:-1]), m_a, m_b)

    def compute(seg, m_a, m_b, block_info=None):
        loc = block_info[0]["array-location"]
        r = block_rates(seg, loc, m_a, m_b)
        if kind == "rates":
            out = np.empty((*seg.shape[:-1], m_b - m_a))
            out[...] = r
            return out
        return analysis.run_frames(seg, block_spec, r, m_b - m_a)

    parts = []
    for m_a, m_b in blocks:
        if whole:
            seg = x
        else:
            lo = m_a * spec.hop_length
            seg = padded[..., lo : (m_b - 1) * spec.hop_length + spec.n_fft].rechunk({d - 1: -1})
        if kind == "rates":
            out_chunks = (*seg.chunks[:-1], (m_b - m_a,))
            dtype, new_axis = np.dtype(np.float64), [d - 1]
        else:
            out_chunks = (*seg.chunks[:-1], (analysis.n_freqs,), (m_b - m_a,))
            dtype, new_axis = analysis.out_dtype, [d - 1, d]
        parts.append(
            da.map_blocks(
                compute,
                seg,
                m_a,
                m_b,
                chunks=out_chunks,
                drop_axis=[d - 1],
                new_axis=new_axis,
                dtype=dtype,
                meta=np.empty((0,) * len(out_chunks), dtype=dtype),
            )
        )
    return parts[0] if len(parts) == 1 else da.concatenate(parts, axis=-1)


def transform(analysis: Analysis):
    """The prepared STFT or spectrogram of a Dask array, lazily: ``(..., n_freqs, n_frames)``."""
    return _run(analysis, "transform")


def rates(analysis: Analysis):
    """The chirp rate of every frame, lazily, float64 ``(..., n_frames)`` (``auto`` repeats the scan)."""
    return _run(analysis, "rates")


def map_images(x, image: Callable[[np.ndarray], np.ndarray], trailing: tuple[int, int, int], dtype: Any):
    """Lazy ``image(block)`` over batch chunks of signals ``x`` (the time axis in one chunk).

    ``image`` maps signals ``(..., n_samples)`` to images ``(..., *trailing)`` of ``dtype``.
    """
    import dask.array as da

    d = x.ndim
    if d < 1 or x.size == 0:
        raise ParameterError(f"x has shape {x.shape}; pass signals of shape (..., n_samples)")
    x = x.rechunk({d - 1: -1})
    dtype = np.dtype(dtype)
    return da.map_blocks(
        image,
        x,
        chunks=(*x.chunks[:-1], *((n,) for n in trailing)),
        drop_axis=[d - 1],
        new_axis=list(range(d - 1, d + 2)),
        dtype=dtype,
        meta=np.empty((0,) * (d + 2), dtype=dtype),
    )
