"""The GPU backend's orchestration, generic over the array module ``xp``.

:class:`DeviceBackend` implements the backend interface of
:mod:`chirpstft.backends.numpy_ref` (``stft``, ``spectrogram``, ``istft``, plus ``render``
and ``asarray``) with three ingredients:

- the Numba CUDA kernels of :mod:`chirpstft.backends.cuda.kernels` (framing + window + chirp
  written straight into the FFT input buffer; bin selection + transpose (+ magnitude); the
  race-free overlap-add of the inverse; the fused per-image rendering);
- ``xp.fft`` for the FFTs (cuFFT, with CuPy's plan cache, when ``xp`` is CuPy);
- a ``launch`` hook that starts a kernel on the array module's current stream.

With ``xp = cupy`` (:mod:`chirpstft.backends.cuda`) everything stays on the device. With
``xp = numpy`` and ``NUMBA_ENABLE_CUDASIM=1`` the very same code runs on the CPU: that is how
the test suite executes the GPU backend without a GPU. Only the two CuPy-specific hooks of
:mod:`chirpstft.backends.cuda` (the stream handed to Numba, and zero-copy wrapping of CuPy arrays for Numba)
cannot run here.

Small host tables (window, chirp phases, rates, inverse envelope, resampling matrices) are
computed with NumPy in float64, as the reference does, and uploaded; the window tables are
cached per plan.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from ..._spec import FrameSpec
from ..._validation import complex_dtype
from ..._validation import real_dtype_of as _real_of
from ...chirp import is_chirped, is_complex_analysis, is_per_frame
from ..rules import PAD_CODES
from . import fused as FK
from . import kernels as K
from . import tiles as FP

__all__ = ["DeviceBackend"]


def _rate_table(rates: float | np.ndarray, n_frames: int) -> tuple[np.ndarray, bool]:
    """Per-frame rates as a float64 (1 or B, 1 or M) table, and whether they are per frame."""
    if not is_per_frame(rates):
        return np.zeros((1, 1)), False
    r = np.asarray(rates, dtype=np.float64)
    flat = r.reshape(-1, n_frames)
    if flat.shape[0] > 1 and r.strides[: r.ndim - 1] == (0,) * (r.ndim - 1):
        flat = flat[:1]  # the same rates for every signal (a broadcast view): one row
    return np.ascontiguousarray(flat), True


def _bin_sources(fft_mode: str, n_fft: int, from_rfft: bool) -> np.ndarray:
    """For each output bin, the FFT bin it reads (``-s-1``: conjugate of bin ``s``)."""
    n_out = n_fft // 2 + 1 if fft_mode == "onesided" else n_fft
    q = np.arange(n_out)
    if fft_mode == "centered":
        q = (q - n_fft // 2) % n_fft  # numpy.fft.fftshift
    if from_rfft:
        q = np.where(q <= n_fft // 2, q, -(n_fft - q) - 1)
    return q.astype(np.int64)


def _inverse_sources(fft_mode: str, n_fft: int) -> np.ndarray:
    """For each FFT bin of an inverse transform, the input row it reads (``-s-1``: the conjugate
    of row ``s``): ``ifftshift`` for centered spectra, Hermitian symmetry for onesided ones."""
    k = np.arange(n_fft)
    if fft_mode == "centered":
        k = (k + n_fft // 2) % n_fft  # numpy.fft.ifftshift
    elif fft_mode == "onesided":
        k = np.where(k <= n_fft // 2, k, -(n_fft - k) - 1)
    return k.astype(np.int64)


def _host_launch(kernel, blocks: int, threads: int, *args) -> None:
    """Launch on host (NumPy) arrays, as the simulator does.

    Numba copies every array argument back after the launch, which fails for read-only
    inputs (a user's read-only signal, broadcast rate tables): those are passed as copies.
    """
    args = tuple(a.copy() if isinstance(a, np.ndarray) and not a.flags.writeable else a for a in args)
    kernel[blocks, threads](*args)


class DeviceBackend:
    """Backend module interface on an array module ``xp`` (CuPy, or NumPy under the simulator).

    Parameters
    ----------
    xp : module
        ``cupy``, or ``numpy`` standing in for it.
    name : str
        Backend name reported as ``NAME``.
    launch : callable, optional
        ``launch(kernel, blocks, threads, *args)`` starts a kernel; default
        ``kernel[blocks, threads](*args)`` (the simulator). CuPy's passes CuPy's current
        stream to Numba.
    """

    def __init__(self, xp: Any, *, name: str = "cupy", launch: Callable[..., None] | None = None) -> None:
        self.xp = xp
        self.NAME = name
        self._launch_fn = launch or _host_launch
        self._tables: weakref.WeakKeyDictionary[FrameSpec, dict] = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        return f"<chirpstft DeviceBackend {self.NAME!r} on {self.xp.__name__}>"

    # ------------------------------------------------------------------ helpers
    def asarray(self, x: Any) -> Any:
        """The input as an array of ``xp`` (a host array is copied to the device)."""
        return self.xp.asarray(x)

    def _launch(self, kernel, n_units: int, threads: int, *args) -> None:
        """Start ``kernel`` on ``min(n_units, MAX_BLOCKS)`` blocks (grid-stride over the units)."""
        if n_units > 0:
            self._launch_fn(kernel, K.blocks(n_units), threads, *args)

    def _launch_reorder(self, F, out, src, power, scale) -> None:
        """:func:`.kernels.reorder`, one transpose tile per unit of work."""
        tiles = K.reorder_tiles(F.shape[0], src.shape[0], F.shape[1])
        self._launch(K.reorder, tiles, K.THREADS_PER_BLOCK, F, out, src, power, scale)

    def _table(self, spec: FrameSpec, key: tuple, make: Callable[[], np.ndarray]) -> Any:
        """A host table uploaded once per plan and key (a few per plan)."""
        cache = self._tables.setdefault(spec, {})
        if key not in cache:
            if len(cache) > 32:
                cache.clear()
            cache[key] = self.xp.array(make())  # a copy: writable, owned by the cache
        return cache[key]

    def _weights(self, spec: FrameSpec, rates, real: np.dtype, sign: int, base: str):
        """``(re, im, t2, per_frame)``: a window times its chirp phase, on the device.

        ``base``: ``"conj"`` (analysis ``conj(w)``), ``"window"`` (ls synthesis ``w``) or
        ``"ones"`` (ola synthesis). A constant rate is folded into the table in float64 and
        rounded to the working precision, as the reference does; per-frame rates are applied
        by the kernel in float64.
        """
        per_frame = is_per_frame(rates)
        rate = 0.0 if per_frame else float(rates)

        def make_complex() -> np.ndarray:
            w = {"conj": np.conj(spec.window), "window": spec.window, "ones": np.ones(spec.n_fft)}[base]
            if rate != 0.0:
                w = w * spec.chirp_phase(rate, sign)
            if not per_frame:  # rounded to the working precision, as the reference does
                w = w.astype(complex_dtype(real) if np.iscomplexobj(w) else real)
            return np.asarray(w, dtype=np.complex128)

        key = (base, sign, rate, per_frame, real.name)
        hr = self._table(spec, (*key, "re"), lambda: np.ascontiguousarray(make_complex().real))
        hi = self._table(spec, (*key, "im"), lambda: np.ascontiguousarray(make_complex().imag))
        t2 = self._table(spec, ("t2",), lambda: spec.t2)
        return hr, hi, t2, per_frame

    def _scale(self, scale, n_bins: int):
        """``scale`` (a scalar or one value per output bin) as ``n_bins`` float64 values on the device."""
        return self.xp.asarray(np.broadcast_to(np.asarray(scale, np.float64).reshape(-1), (n_bins,)).copy())

    def _as_real_view(self, a):
        """Interleaved real view of a C-contiguous complex array (no copy)."""
        return a.view(_real_of(a.dtype)) if a.dtype.kind == "c" else a

    # ------------------------------------------------------------------ fused forward
    def fused(self, spec: FrameSpec, dtype) -> bool:
        """Whether this plan and working precision take the fused shared-memory kernels."""
        return FP.fused_size(spec.n_fft, _real_of(np.dtype(dtype)).itemsize)

    def _twiddles(self, spec: FrameSpec, real: np.dtype, sign: int = -1):
        """``exp(sign*2j*pi*k/n_fft)``, ``k < n_fft/2`` (at least one entry), in the working precision
        (``sign`` -1: forward FFT, +1: inverse)."""

        def make() -> np.ndarray:
            n = spec.n_fft
            return np.exp(sign * 2j * np.pi * np.arange(max(1, n // 2)) / n).astype(complex_dtype(real))

        twr = self._table(spec, ("twr", sign, real.name), lambda: np.ascontiguousarray(make().real))
        twi = self._table(spec, ("twi", sign, real.name), lambda: np.ascontiguousarray(make().imag))
        return twr, twi

    def _fused_args(self, x, spec: FrameSpec, rates, n_frames: int, render: bool = False):
        """The signal as (B, n) rows and the leading arguments every fused kernel shares."""
        xp = self.xp
        real = _real_of(x.dtype)
        x2 = xp.ascontiguousarray(x.reshape(-1, x.shape[-1]))
        hr, hi, t2, per_frame = self._weights(spec, rates, real, -1, "conj")
        table, _ = _rate_table(rates, n_frames)
        twr, twi = self._twiddles(spec, real)
        tf = FP.frames_per_tile(spec.n_fft, real.itemsize, n_frames, FP.MAX_TILE_FRAMES, render)
        log2tf = tf.bit_length() - 1
        args = (
            self._as_real_view(x2),
            hr,
            hi,
            t2,
            xp.asarray(table),
            per_frame,
            n_frames,
            spec.hop_length,
            spec.pad,
            PAD_CODES[spec.pad_mode],
            x2.dtype.kind == "c",
            twr,
            twi,
            log2tf,
        )
        return x2, real, args

    def _fused_forward(self, x, spec: FrameSpec, rates, fft_mode, n_frames: int, power: int, scale, src=None):
        """stft (``power == 0``) or ``|S|**power * scale`` by :mod:`.fused` ``stft_tiles``
        (output bin ``q`` is FFT bin ``src[q]``, by default the bins of ``fft_mode``)."""
        xp = self.xp
        x2, real, args = self._fused_args(x, spec, rates, n_frames)
        if src is None:
            src = self._table(
                spec, ("src", fft_mode, False), lambda: _bin_sources(fft_mode, spec.n_fft, False)
            )
        n_batch, n_bins = x2.shape[0], src.shape[0]
        out = xp.empty((n_batch, n_bins, n_frames), dtype=complex_dtype(real) if power == 0 else real)
        scale_dev = self._scale(scale, n_bins)
        tiles = n_batch * -(-n_frames // (1 << args[-1]))
        x_view, rest = args[0], args[1:]
        stft_tiles, _ = FK.kernels(real.itemsize)
        self._launch(
            stft_tiles,
            tiles,
            K.THREADS_PER_BLOCK,
            x_view,
            self._as_real_view(out),
            *rest,
            src,
            power,
            scale_dev,
        )
        return x.shape[:-1], out

    # ------------------------------------------------------------------ forward
    def _spectra(self, x, spec: FrameSpec, rates, n_frames: int):
        """Per-frame spectra ``(B, M, C)`` and whether they come from a real FFT."""
        xp = self.xp
        real = _real_of(x.dtype)
        batch = x.shape[:-1]
        x2 = xp.ascontiguousarray(x.reshape(-1, x.shape[-1]))
        n_batch = x2.shape[0]
        real_analysis = not is_complex_analysis(is_chirped(rates), x2.dtype.kind == "c", spec.window_is_real)
        hr, hi, t2, per_frame = self._weights(spec, rates, real, -1, "conj")
        table, _ = _rate_table(rates, n_frames)
        rate_dev = xp.asarray(table)
        n_fft = spec.n_fft
        buf = xp.empty((n_batch, n_frames, n_fft), dtype=real if real_analysis else complex_dtype(real))
        self._launch(
            K.gather_frames,
            n_batch * n_frames,
            K.frame_threads(n_fft),
            self._as_real_view(x2),
            self._as_real_view(buf),
            hr,
            hi,
            t2,
            rate_dev,
            per_frame,
            n_frames,
            n_fft,
            spec.hop_length,
            spec.pad,
            PAD_CODES[spec.pad_mode],
            x2.dtype.kind == "c",
        )
        if n_batch == 0:
            F = xp.empty((0, n_frames, n_fft // 2 + 1 if real_analysis else n_fft), complex_dtype(real))
        elif real_analysis:
            F = xp.fft.rfft(buf, axis=-1)
        else:
            F = xp.fft.fft(buf, axis=-1)
        F = xp.ascontiguousarray(F.astype(complex_dtype(real), copy=False))
        return batch, F, real_analysis

    def _reordered(self, F, spec, fft_mode, from_rfft, power, scale, out_dtype):
        xp = self.xp
        src = self._table(
            spec, ("src", fft_mode, from_rfft), lambda: _bin_sources(fft_mode, spec.n_fft, from_rfft)
        )
        n_batch, n_frames = F.shape[:2]
        out = xp.empty((n_batch, src.shape[0], n_frames), dtype=out_dtype)
        scale_dev = self._scale(scale, src.shape[0])
        self._launch_reorder(self._as_real_view(F), self._as_real_view(out), src, power, scale_dev)
        return out

    def stft(self, x, spec: FrameSpec, rates, fft_mode: str, n_frames: int):
        """Chirp STFT ``(..., n) -> (..., n_freqs, n_frames)`` on the device (see numpy_ref.stft)."""
        if self.fused(spec, x.dtype):
            batch, out = self._fused_forward(x, spec, rates, fft_mode, n_frames, 0, 1.0)
            return out.reshape(*batch, *out.shape[1:])
        batch, F, from_rfft = self._spectra(x, spec, rates, n_frames)
        out = self._reordered(F, spec, fft_mode, from_rfft, 0, 1.0, F.dtype)
        return out.reshape(*batch, *out.shape[1:])

    def spectrogram(self, x, spec: FrameSpec, rates, fft_mode: str, n_frames: int, power: int, scale):
        """``|S|**power * scale`` without a complex ``(..., n_freqs, n_frames)`` intermediate."""
        if self.fused(spec, x.dtype):
            batch, out = self._fused_forward(x, spec, rates, fft_mode, n_frames, power, scale)
            return out.reshape(*batch, *out.shape[1:])
        batch, F, from_rfft = self._spectra(x, spec, rates, n_frames)
        out = self._reordered(F, spec, fft_mode, from_rfft, power, scale, _real_of(F.dtype))
        return out.reshape(*batch, *out.shape[1:])

    # ------------------------------------------------------------------ inverse
    def _inverse_args(self, spec: FrameSpec, rates, real, n_frames, method, inv_env, start):
        """The arguments both inverse kernels take after ``out``: the synthesis weights, the rate
        table, the inverse envelope (``er + 1j*ei``), ``hop`` and ``start``."""
        xp = self.xp
        sr, si, t2, per_frame = self._weights(spec, rates, real, +1, "window" if method == "ls" else "ones")
        table, _ = _rate_table(rates, n_frames)
        env = np.asarray(inv_env, dtype=np.complex128)
        er = xp.asarray(np.ascontiguousarray(env.real))
        ei = xp.asarray(np.ascontiguousarray(env.imag))
        return sr, si, t2, xp.asarray(table), per_frame, er, ei, spec.hop_length, start

    def _inverse_out(self, n_batch: int, length: int, real, fft_mode, real_output):
        """The inverse's output ``(B, L)``: complex unless ``fft_mode`` is onesided or ``real_output``."""
        out_complex = fft_mode != "onesided" and not real_output
        return self.xp.empty((n_batch, length), dtype=complex_dtype(real) if out_complex else real)

    def istft(self, S, spec: FrameSpec, rates, fft_mode, method, inv_env, start, length, real_output):
        """Inverse chirp STFT on the device (see numpy_ref.istft). Power-of-two ``n_fft`` that
        fit the FFT tile: the fused ``istft_tiles``; otherwise inverse FFTs (cuFFT), then a
        gather overlap-add (one thread per output sample) with the inverse envelope."""
        xp = self.xp
        real = _real_of(S.dtype)
        if FP.fused_size(spec.n_fft, real.itemsize):
            return self._fused_istft(S, spec, rates, fft_mode, method, inv_env, start, length, real_output)
        batch = S.shape[:-2]
        n_freqs, n_frames = S.shape[-2:]
        Z = xp.ascontiguousarray(xp.swapaxes(S.reshape(-1, n_freqs, n_frames), -1, -2))
        n_batch = Z.shape[0]
        if fft_mode == "centered":
            Z = xp.fft.ifftshift(Z, axes=-1)
        if n_batch == 0:
            y = xp.empty((0, n_frames, spec.n_fft), dtype=real if fft_mode == "onesided" else S.dtype)
        elif fft_mode == "onesided":
            y = xp.fft.irfft(Z, n=spec.n_fft, axis=-1)
        else:
            y = xp.fft.ifft(Z, axis=-1)
        y = xp.ascontiguousarray(y.astype(complex_dtype(real) if y.dtype.kind == "c" else real, copy=False))
        out = self._inverse_out(n_batch, length, real, fft_mode, real_output)
        args = self._inverse_args(spec, rates, real, n_frames, method, inv_env, start)
        tpb = K.THREADS_PER_BLOCK
        tiles = n_batch * -(-length // tpb)
        y_view, out_view = self._as_real_view(y), self._as_real_view(out)
        self._launch(K.overlap_add, tiles, tpb, y_view, out_view, *args, y.dtype.kind == "c")
        return out.reshape(*batch, length)

    def _fused_istft(self, S, spec: FrameSpec, rates, fft_mode, method, inv_env, start, length, real_output):
        """Inverse by :func:`.fused.inverse_kernel` (``istft_tiles``): one block per tile of
        output samples; frames are read, inverse-transformed, weighted and overlap-added in
        shared memory, and each output sample is written once."""
        xp = self.xp
        real = _real_of(S.dtype)
        batch = S.shape[:-2]
        n_freqs, n_frames = S.shape[-2:]
        n_fft = spec.n_fft
        S3 = xp.ascontiguousarray(S.reshape(-1, n_freqs, n_frames).astype(complex_dtype(real), copy=False))
        n_batch = S3.shape[0]
        src = self._table(spec, ("isrc", fft_mode), lambda: _inverse_sources(fft_mode, n_fft))
        out = self._inverse_out(n_batch, length, real, fft_mode, real_output)
        args = self._inverse_args(spec, rates, real, n_frames, method, inv_env, start)
        twr, twi = self._twiddles(spec, real, +1)
        g = FP.frames_per_tile(n_fft, real.itemsize, n_frames)
        tile_len = FP.istft_tile_samples(spec.hop_length)
        tiles = n_batch * -(-length // tile_len)
        self._launch(
            FK.inverse_kernel(real.itemsize),
            tiles,
            K.THREADS_PER_BLOCK,
            self._as_real_view(S3),
            self._as_real_view(out),
            *args,
            src,
            fft_mode == "onesided",
            twr,
            twi,
            g.bit_length() - 1,
            tile_len,
        )
        return out.reshape(*batch, length)

    # ------------------------------------------------------------------ images
    def render(
        self, x, spec: FrameSpec, rates, fft_mode, n_frames, fft_rows, tables, *, lut, channels, out_dtype
    ):
        """Signals -> images (NHWC) on the device; see chirpstft.render for each step.

        Power of the image's rows only (bin selection fused into the transpose), then one
        block per image: dB, normalisation, banded resize, colormap and output type.
        """
        xp = self.xp
        rows = np.asarray(fft_rows, dtype=np.int64)
        real = _real_of(x.dtype)
        height, width = tables.height, tables.width
        *levels, h_tables, w_tables = tables
        resize = (xp.asarray(a) for a in (*h_tables, *w_tables))
        lut_dev = xp.asarray(np.ascontiguousarray(lut, dtype=np.float64))
        finish = (*levels, *resize, lut_dev, np.dtype(out_dtype) == np.uint8)  # render_images' tail
        if FP.fused_render_size(spec.n_fft, real.itemsize, rows.shape[0], n_frames):
            # one block per image: the power rows never leave shared memory
            x2, real, args = self._fused_args(x, spec, rates, n_frames, render=True)
            out = xp.empty((x2.shape[0], height, width, channels), dtype=out_dtype)
            if x2.shape[0]:
                _, render_fused = FK.kernels(real.itemsize)
                self._launch_fn(
                    render_fused,
                    K.blocks(x2.shape[0]),
                    min(K.THREADS_PER_BLOCK, FP.FUSED_THREADS),
                    args[0],
                    out,
                    *args[1:],
                    xp.asarray(rows),
                    *finish,
                )
            return out.reshape(*x.shape[:-1], height, width, channels)
        if self.fused(spec, x.dtype):  # power rows through global memory, then one block per image
            batch, P = self._fused_forward(x, spec, rates, None, n_frames, 2, 1.0, src=xp.asarray(rows))
            n_batch = P.shape[0]
        else:
            batch, F, from_rfft = self._spectra(x, spec, rates, n_frames)
            src = rows if not from_rfft else np.where(rows <= spec.n_fft // 2, rows, -(spec.n_fft - rows) - 1)
            n_batch = F.shape[0]
            P = xp.empty((n_batch, rows.shape[0], n_frames), dtype=_real_of(F.dtype))
            self._launch_reorder(self._as_real_view(F), P, xp.asarray(src), 2, xp.ones(rows.shape[0]))
        out = xp.empty((n_batch, height, width, channels), dtype=out_dtype)
        if n_batch:
            self._launch_fn(
                K.render_images, K.blocks(n_batch), min(K.THREADS_PER_BLOCK, K.SHARED), P, out, *finish
            )
        return out.reshape(*batch, height, width, channels)
