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
  over batch chunks with the time axis rechunked to one chunk.

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
from typing import Any

import numpy as np

from ._errors import ParameterError
from ._validation import complex_dtype, real_dtype_of

__all__ = ["is_dask_array", "render", "spectrogram", "stft"]


def is_dask_array(x: Any) -> bool:
    """True for a Dask array, detected without importing Dask."""
    da = sys.modules.get("dask.array")
    return da is not None and isinstance(x, da.Array)


def _prepare(plan, x):
    from . import _auto
    from ._plan import default_fft_mode
    from .backends import get_backend

    real = real_dtype_of(x.dtype, "x")
    work = complex_dtype(real) if np.iscomplexobj(x) else real
    x = x.astype(work)
    if x.ndim == 0:
        raise ParameterError("x is a 0-d array (a single number); pass a signal of shape (..., n_samples)")
    if x.size == 0:
        raise ParameterError(f"x is empty (shape {x.shape}); pass at least one sample per signal")
    n_frames = plan.n_frames(x.shape[-1])
    backend = get_backend(plan.backend)
    fft_mode = plan._fft_mode or default_fft_mode(plan._complex_analysis(np.iscomplexobj(x)))
    auto = plan.chirp_rate if isinstance(plan.chirp_rate, _auto.AutoChirp) else None
    if auto is not None:
        rates = None
        if auto.smooth != 1 and len(x.chunks[-1]) > 1:
            raise ParameterError(
                f"chirp_rate='auto' with smooth={auto.smooth} averages over neighbouring frames and needs "
                f"the time axis in one chunk; rechunk x with x.rechunk({{-1: -1}}) or use smooth=1"
            )
    else:
        rates = plan._rates(x.shape[:-1], n_frames)
        if not isinstance(rates, float):
            rates = np.ascontiguousarray(np.broadcast_to(rates, (*x.shape[:-1], n_frames)))
    return x, backend, fft_mode, n_frames, auto, rates


def _frame_blocks(x, plan, n_frames: int, granule: int) -> list[tuple[int, int]]:
    """Frame ranges ``[m_a, m_b)`` of about one input chunk each (one range if time is one chunk).

    With a ``granule`` > 1 (numba's packed real analysis, see ``_stream.pair_granule``) the
    ranges start at multiples of it and hold at least one granule, so the packed pairs are the
    in-memory ones.
    """
    chunks = x.chunks[-1]
    if len(chunks) == 1:
        return [(0, n_frames)]
    per = max(1, int(np.median(chunks)) // plan.hop_length)
    if granule > 1:
        if granule < 128 or n_frames < 2 * granule:  # short signal: one block
            return [(0, n_frames)]
        per = max(granule, per // granule * granule)
    blocks = [(m, min(m + per, n_frames)) for m in range(0, n_frames, per)]
    if len(blocks) > 1 and blocks[-1][1] - blocks[-1][0] < granule:
        blocks[-2:] = [(blocks[-2][0], n_frames)]
    return blocks


def _run(plan, x, kind: str, power: int = 0, scale: Any = 1.0, want_rates: bool = False):
    import dask.array as da

    from . import _auto
    from ._stream import _frame_spec, pair_granule

    x, backend, fft_mode, n_frames, auto, rates = _prepare(plan, x)
    n_freqs = plan.n_fft // 2 + 1 if fft_mode == "onesided" else plan.n_fft
    real = real_dtype_of(x.dtype, "x")
    d = x.ndim
    granule = pair_granule(backend, plan, rates, np.iscomplexobj(x), n_frames)
    blocks = _frame_blocks(x, plan, n_frames, granule)
    whole = len(x.chunks[-1]) == 1
    spec = plan._spec if whole else _frame_spec(plan)
    padded = x
    if not whole and plan._spec.pad:
        padded = da.pad(x, [(0, 0)] * (d - 1) + [(plan._spec.pad, plan._spec.pad)], mode=plan.pad_mode)

    def block_rates(seg, loc, m_a, m_b):
        if auto is not None:
            return _auto.rates_for(auto, backend, seg, spec, m_b - m_a)
        if isinstance(rates, float):
            return rates
        return rates[tuple(slice(a, b) for a, b in loc[:-1])][..., m_a:m_b]

    def compute(seg, m_a, m_b, block_info=None):
        loc = block_info[0]["array-location"]
        r = block_rates(seg, loc, m_a, m_b)
        if kind == "rates":
            out = np.empty((*seg.shape[:-1], m_b - m_a))
            out[...] = r
            return out
        if kind == "stft":
            return backend.stft(seg, spec, r, fft_mode, m_b - m_a)
        return backend.spectrogram(seg, spec, r, fft_mode, m_b - m_a, power, scale)

    parts = []
    for m_a, m_b in blocks:
        if whole:
            seg = x
        else:
            lo = m_a * plan.hop_length
            seg = padded[..., lo : (m_b - 1) * plan.hop_length + plan.n_fft].rechunk({d - 1: -1})
        if kind == "rates":
            out_chunks = (*seg.chunks[:-1], (m_b - m_a,))
            dtype, new_axis = np.float64, [d - 1]
        else:
            out_chunks = (*seg.chunks[:-1], (n_freqs,), (m_b - m_a,))
            dtype = complex_dtype(real) if kind == "stft" else real
            new_axis = [d - 1, d]
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


def stft(plan, x, *, return_rates: bool = False):
    """Lazy chirp STFT of a Dask array (``(S, rates)`` with ``return_rates``)."""
    S = _run(plan, x, "stft")
    if not return_rates:
        return S
    return S, _run(plan, x, "rates")


def spectrogram(plan, x, *, scaling: str):
    """Lazy spectrogram of a Dask array."""
    from ._plan import default_fft_mode

    fft_mode = plan._fft_mode or default_fft_mode(plan._complex_analysis(np.iscomplexobj(x)))
    power, scale = plan._scaling(scaling, fft_mode)
    return _run(plan, x, "spectrogram", power=power, scale=scale)


def render(x, *, size, layout, cmap, channels, dtype, **kwargs):
    """Lazy :func:`chirpstft.render` of a Dask array: one image per signal, mapped over batch chunks."""
    import dask.array as da

    from .render import _output_options, _size
    from .render import render as render_numpy

    height, width = _size(size)
    n_channels, out_dtype, layout = _output_options(cmap, channels, dtype, layout)
    d = x.ndim
    if d < 1 or x.size == 0:
        raise ParameterError(f"x has shape {x.shape}; pass signals of shape (..., n_samples)")
    x = x.rechunk({d - 1: -1})
    trailing = (height, width, n_channels) if layout == "NHWC" else (n_channels, height, width)
    np_dtype = np.uint8 if out_dtype == "uint8" else np.float32

    def compute(block):
        return render_numpy(
            block, size=size, layout=layout, cmap=cmap, channels=channels, dtype=dtype, **kwargs
        )

    return da.map_blocks(
        compute, x, chunks=(*x.chunks[:-1], *((n,) for n in trailing)), drop_axis=[d - 1],
        new_axis=list(range(d - 1, d + 2)), dtype=np_dtype, meta=np.empty((0,) * (d + 2), dtype=np_dtype),
    )  # fmt: skip
