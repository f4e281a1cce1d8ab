"""The inverse kernel: race-free overlap-add of the chirp STFT, two real frames per complex FFT."""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange, types
from numba.extending import overload

from ..._spec import FrameSpec
from ..._validation import complex_dtype, real_dtype_of
from ...chirp import is_chirped, is_per_frame
from .frames import chirp_lanes, framing, rate_table
from .lanefft import fft_lanes, twiddles
from .launch import launch, readonly


def _add(out, b, j, vr, vi):
    """out[b, j] += vr + j*vi (complex out) or vr (real out).

    The Python body runs with ``NUMBA_DISABLE_JIT=1``; compiled code uses the overload below.
    """
    if out.dtype.kind == "c":
        out[b, j] += complex(vr, vi)
    else:
        out[b, j] += vr


@overload(_add, jit_options={"cache": True})
def _add_impl(out, b, j, vr, vi):
    if isinstance(out.dtype, types.Complex):

        def impl(out, b, j, vr, vi):
            out[b, j] += complex(vr, vi)

    else:

        def impl(out, b, j, vr, vi):
            out[b, j] += vr

    return impl


@njit(cache=True, nogil=True)
def _load_spectrum(S, b, m0, cnt, mode_code, ar, ai):
    """Conjugated full spectra of frames ``m0..m0+cnt-1`` into lanes (the inverse FFT is
    done as a forward FFT of the conjugate). Onesided rows are extended by Hermitian
    symmetry, with real DC and Nyquist bins as irfft. Returns False on NaN or inf."""
    n_fft = ar.shape[0]
    n_freqs = S.shape[1]
    finite = True
    for k in range(n_fft):
        flip = False
        if mode_code == 0:
            src = k
            if k >= n_freqs:
                src = n_fft - k
                flip = True
        elif mode_code == 2:
            src = (k + n_fft // 2) % n_fft
        else:
            src = k
        real_bin = mode_code == 0 and (src == 0 or 2 * src == n_fft)
        acc = 0.0
        for lane in range(cnt):
            v = S[b, src, m0 + lane]
            vr = v.real
            vi = v.imag
            if flip:
                vi = -vi
            if real_bin:
                vi = 0.0 * vi  # keeps NaN
            acc += vr + vi
            ar[k, lane] = vr
            ai[k, lane] = -vi
        if acc - acc != 0:
            finite = False
    return finite


@njit(cache=True, nogil=True)
def _inverse_block(S, b, m0, n_frames, f, twr, twi, ar, ai, br, bi):
    """Inverse FFTs of one block (conjugated result; see _accumulate).

    Returns (in_a, cnt_a, cnt_b, paired): with ``pair`` the next ``cnt_b`` frames ride in
    the imaginary slots (``x_a + j*x_b = ifft(X_a + j*X_b)`` for real frames), unless a
    value is non-finite, in which case they are left for a second pass.
    """
    lanes = ar.shape[1]
    n_fft = ar.shape[0]
    cnt_a = min(lanes, n_frames - m0)
    finite = _load_spectrum(S, b, m0, cnt_a, f.fft_mode, ar, ai)
    cnt_b = min(lanes, n_frames - m0 - cnt_a) if f.pair else 0
    paired = False
    if cnt_b > 0 and finite:
        if _load_spectrum(S, b, m0 + cnt_a, cnt_b, f.fft_mode, br, bi):
            # conj(X_a + j*X_b) = conj(X_a) - j*conj(X_b): add (Im conj X_b, -Re conj X_b)
            for k in range(n_fft):
                for lane in range(cnt_b):
                    ar[k, lane] += bi[k, lane]
                    ai[k, lane] -= br[k, lane]
            paired = True
    if not paired:
        cnt_b = 0
    in_a = fft_lanes(ar, ai, br, bi, cnt_a, twr, twi)
    return in_a, cnt_a, cnt_b, paired


@njit(cache=True, nogil=True)
def _accumulate(out, yr, yi, b, m0, cnt, f, start, sr_, si_, rates, inv_env, which, zr, zi):
    """Add ``synth_m * ifft_m * inv_env`` of lanes (frames ``m0 + lane``) into ``out[b]``.

    ``y`` holds the forward FFT of the conjugated spectra, so ``ifft = conj(y) / n_fft``.
    ``which``: 0 a complex frame; 1 the real-slot frame of a packed real pair (real
    part); 2 the imaginary-slot frame (imaginary part).
    """
    n_fft = yr.shape[0]
    length = out.shape[1]
    inv_n = 1.0 / n_fft
    hop, per_frame = f.hop, f.per_frame
    if per_frame:
        chirp_lanes(rates, b, m0, 1, cnt, f.alpha_unit, n_fft // 2, 1.0, zr, zi)
    for lane in range(cnt):
        base = (m0 + lane) * hop - start
        k_lo = max(0, -base)
        k_hi = min(n_fft, length - base)
        for k in range(k_lo, k_hi):
            if which == 0:
                vr = yr[k, lane] * inv_n
                vi = -yi[k, lane] * inv_n
            elif which == 1:
                vr = yr[k, lane] * inv_n
                vi = 0.0 * vr
            else:
                vr = -yi[k, lane] * inv_n
                vi = 0.0 * vr
            gr = sr_[k]
            gi = si_[k]
            if per_frame:
                tr = gr * zr[k, lane] - gi * zi[k, lane]
                gi = gr * zi[k, lane] + gi * zr[k, lane]
                gr = tr
            e = inv_env[base + k]  # real, or complex for a complex COLA window
            er = e.real
            ei = e.imag
            pr = vr * gr - vi * gi
            pi_ = vr * gi + vi * gr
            _add(out, b, base + k, pr * er - pi_ * ei, pr * ei + pi_ * er)


@njit(parallel=True, cache=True)
def _istft_kernel(S, out, f, sr_, si_, rates, twr, twi, inv_env, start, seg_len, n_threads):
    """Overlap-add ``out[b, j] = inv_env[j] * sum_m synth_m * ifft(S[b, :, m])``, race free.

    The frames of each signal are cut into segments of ``seg_len >= ceil(n_fft/hop)``
    consecutive frames; segments two apart never touch the same output sample, so the
    even segments of every signal run in parallel, then the odd ones. A task processes
    its segment sequentially, in blocks of ``lanes`` (pairs: ``2*lanes``) frames.
    """
    n_batch = S.shape[0]
    n_frames = S.shape[2]
    n_fft = sr_.shape[0]
    lanes, per_frame = f.lanes, f.per_frame
    n_seg = (n_frames + seg_len - 1) // seg_len
    for parity in range(2):
        count = (n_seg - parity + 1) // 2
        n_tasks = n_batch * count
        if n_tasks == 0:
            continue
        n_chunks = min(n_tasks, 8 * n_threads)
        for chunk in prange(n_chunks):
            ar = np.empty((n_fft, lanes), dtype=sr_.dtype)
            ai = np.empty((n_fft, lanes), dtype=sr_.dtype)
            br = np.empty((n_fft, lanes), dtype=sr_.dtype)
            bi = np.empty((n_fft, lanes), dtype=sr_.dtype)
            zr = np.empty((n_fft, lanes if per_frame else 1), dtype=np.float64)
            zi = np.empty((n_fft, lanes if per_frame else 1), dtype=np.float64)
            t_lo = chunk * n_tasks // n_chunks
            t_hi = (chunk + 1) * n_tasks // n_chunks
            for task in range(t_lo, t_hi):
                b = task // count
                seg = parity + 2 * (task % count)
                seg_end = min(n_frames, (seg + 1) * seg_len)
                m0 = seg * seg_len
                while m0 < seg_end:
                    in_a, cnt_a, cnt_b, paired = _inverse_block(
                        S, b, m0, seg_end, f, twr, twi, ar, ai, br, bi
                    )
                    if in_a:
                        yr, yi = ar, ai
                    else:
                        yr, yi = br, bi
                    _accumulate(
                        out,
                        yr,
                        yi,
                        b,
                        m0,
                        cnt_a,
                        f,
                        start,
                        sr_,
                        si_,
                        rates,
                        inv_env,
                        1 if paired else 0,
                        zr,
                        zi,
                    )
                    if paired:
                        _accumulate(
                            out, yr, yi, b, m0 + cnt_a, cnt_b, f, start, sr_, si_, rates, inv_env, 2, zr, zi
                        )
                        m0 += cnt_a + cnt_b
                    else:
                        m0 += cnt_a


def istft(S, spec: FrameSpec, rates, fft_mode, method, inv_env, start, length, real_output):
    """Inverse chirp STFT; same contract as numpy_ref.istft."""
    real = real_dtype_of(S.dtype)
    batch = S.shape[:-2]
    S2 = readonly(S.reshape(-1, *S.shape[-2:]), S.dtype)
    n_frames = S2.shape[-1]
    chirps, per_frame = is_chirped(rates), is_per_frame(rates)
    synth = spec.window.astype(np.complex128) if method == "ls" else np.ones(spec.n_fft, dtype=np.complex128)
    if chirps and not per_frame:
        synth = synth * spec.chirp_phase(rates, +1)
    # onesided S comes from a real analysis (the plan refuses anything else): real
    # synthesis, real output, and two frames per complex FFT
    pair = fft_mode == "onesided"
    f = framing(spec, fft_mode, per_frame, pair, n_frames)
    env_complex = np.iscomplexobj(inv_env)
    # a real output accumulates Re(y * synth) * env, valid when the envelope is real
    out_real = real_output and not env_complex
    out = np.zeros((S2.shape[0], length), dtype=real if out_real else complex_dtype(real))
    twr, twi = twiddles(spec.n_fft, real.name)
    env_arr = readonly(inv_env, out.dtype if env_complex else real)
    # a segment of at least ceil(n_fft/hop) frames keeps segments two apart from overlapping
    min_seg = -(-spec.n_fft // spec.hop_length)
    seg_len = max(min_seg, 2 * f.lanes if pair else f.lanes)
    sr_ = np.ascontiguousarray(synth.real, dtype=real)
    si_ = np.ascontiguousarray(synth.imag, dtype=real)
    # the thread count is not read inside the kernel: that would defeat cache=True
    launch(
        _istft_kernel,
        S2,
        out,
        f,
        sr_,
        si_,
        rate_table(rates),
        twr,
        twi,
        env_arr,
        start,
        seg_len,
        numba.get_num_threads(),
    )
    if real_output and np.iscomplexobj(out):
        out = np.ascontiguousarray(out.real)
    return out.reshape(*batch, length)
