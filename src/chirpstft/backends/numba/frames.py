"""The frame side every Numba CPU kernel shares: lanes of frames, the chirp recurrence, the gather
from the (virtually padded) signal, the forward block (gather + FFT) and the stores of its rows.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit, types
from numba.extending import overload

from ..._spec import FrameSpec
from ...chirp import is_chirped, is_complex_analysis, is_per_frame
from ..rules import PAD_CODES
from ..rules import pad_index as _pad_index_py
from .lanefft import fft_lanes
from .launch import readonly

#: :func:`..rules.pad_index` compiled (with ``NUMBA_DISABLE_JIT=1``, the Python function itself).
pad_index = njit(cache=True, nogil=True)(_pad_index_py)

MODE_CODES = {"onesided": 0, "twosided": 1, "centered": 2}
_RESEED = 256


class Framing(NamedTuple):
    """The per-call geometry of a kernel launch, as one typed record (Numba passes a tuple of
    scalars by value: reading a field inside a loop costs nothing)."""

    hop: int  # samples between frames
    pad: int  # virtual padding before the first sample (the gather maps it with pad_mode)
    pad_mode: int  # rules.PAD_CODES
    fft_mode: int  # MODE_CODES
    per_frame: bool  # one rate per frame, applied in the kernel (else folded into the window)
    alpha_unit: float  # pi / fs**2, the chirp phase per squared sample
    pair: bool  # two real frames per complex FFT (the real unchirped analysis)
    lanes: int  # frames per lane block (:func:`lanes`)


def framing(spec: FrameSpec, fft_mode: str, per_frame: bool, pair: bool, n_frames: int) -> Framing:
    """The :class:`Framing` of a launch (the types fixed, so that one kernel specialisation serves)."""
    return Framing(
        int(spec.hop_length),
        int(spec.pad),
        PAD_CODES[spec.pad_mode],
        MODE_CODES[fft_mode],
        bool(per_frame),
        float(math.pi / spec.fs**2),
        bool(pair),
        lanes(spec.n_fft, n_frames, pair),
    )


def lanes(n_fft: int, n_frames: int, pair: bool) -> int:
    """Frames per FFT lane block: up to 64 (measured best for n_fft 128 and 1024 on the
    2-core reference machine), no idle lanes when a signal has few frames (a packed pair
    block holds two frames per lane), and whole 8-wide vectors."""
    lanes = 64
    per_signal = -(-n_frames // 2) if pair else n_frames
    per_signal = -(-per_signal // 8) * 8  # whole vectors: no scalar remainder per row
    return max(1, min(lanes, per_signal))


def frame_granule(spec: FrameSpec, rates, is_complex: bool, n_frames: int | None = None) -> int:
    """Frames per packed block of the real unchirped analysis, else 1 (see the registry).

    That analysis packs two real frames into one complex FFT: frames ``m0 .. m0+L-1`` with
    ``m0+L .. m0+2L-1`` for blocks starting at multiples of ``2L`` (``L`` from :func:`lanes`:
    64 for 113 frames or more). Computing a part of the signal in blocks that start at
    multiples of ``2L`` and hold at least ``2L`` frames reproduces the same pairs, hence the
    same rounding. ``rates`` is the resolved rate (a float when the same for every frame);
    ``n_frames`` None means a long signal.
    """
    if is_complex_analysis(is_chirped(rates), is_complex, spec.window_is_real):
        return 1
    return 2 * lanes(spec.n_fft, 1 << 30 if n_frames is None else n_frames, True)


# --------------------------------------------------------------------------- helpers
@njit(cache=True, nogil=True)
def chirp_lanes(rates, b, m_first, m_step, cnt, alpha_unit, center, sign, zr, zi):
    """``zr + j*zi = exp(sign*j*pi*a_m*t_k**2)`` for lanes of frames ``m_first + l*m_step``.

    ``alpha_unit = pi / fs**2``; ``t_k = (k - center)/fs``; float64 throughout. With
    ``u = k - center`` the phase ``alpha*u**2`` advances by ``alpha*(2u+1)``, whose own
    factor advances by ``exp(2j*alpha)``: two complex products per sample, run across
    lanes (vectorised), re-seeded exactly from cos/sin every ``_RESEED`` samples (the
    recurrence's relative error stays below ``_RESEED**2/2 * eps``, about 4e-12).
    """
    n = zr.shape[0]
    cr = np.empty(cnt)
    ci = np.empty(cnt)
    dr = np.empty(cnt)
    di = np.empty(cnt)
    rr = np.empty(cnt)
    ri = np.empty(cnt)
    alpha = np.empty(cnt)
    for lane in range(cnt):
        alpha[lane] = sign * alpha_unit * rates[b, m_first + lane * m_step]
        rr[lane] = math.cos(2.0 * alpha[lane])
        ri[lane] = math.sin(2.0 * alpha[lane])
    for k in range(n):
        if k % _RESEED == 0:
            u = k - center
            for lane in range(cnt):
                ph = alpha[lane] * u * u
                cr[lane] = math.cos(ph)
                ci[lane] = math.sin(ph)
                ph = alpha[lane] * (2 * u + 1)
                dr[lane] = math.cos(ph)
                di[lane] = math.sin(ph)
        else:
            for lane in range(cnt):
                tr = cr[lane] * dr[lane] - ci[lane] * di[lane]
                ci[lane] = cr[lane] * di[lane] + ci[lane] * dr[lane]
                cr[lane] = tr
                tr = dr[lane] * rr[lane] - di[lane] * ri[lane]
                di[lane] = dr[lane] * ri[lane] + di[lane] * rr[lane]
                dr[lane] = tr
        for lane in range(cnt):
            zr[k, lane] = cr[lane]
            zi[k, lane] = ci[lane]


@njit(cache=True, nogil=True)
def gather_lanes(x, b, m0, cnt, hop, pad, mode, gr, gi, per_lane, ar, ai, slot):
    """Frames ``m0 .. m0+cnt-1`` of signal ``b``, times the analysis window, into lanes, frame by
    frame (strided stores; the path of complex input, of ``hop > n_fft`` and of small scratch).

    ``g = gr + j*gi`` has shape (n_fft, lanes) when ``per_lane`` (per-frame chirp), else
    (n_fft, 1). ``slot``: 0 complex product into (ar, ai); 1 real part times ``gr``
    into ``ar`` with ``ai = 0``; 2 real part times ``gr`` into ``ai`` (the second
    frame of a packed real pair). Reads are contiguous per frame; only frames that
    reach into the padding map indices. Returns False if a sample is NaN or inf.
    """
    n = x.shape[1]
    n_fft = ar.shape[0]
    finite = True
    for lane in range(cnt):
        p0 = (m0 + lane) * hop - pad
        col = lane if per_lane else 0
        acc = 0.0
        interior = p0 >= 0 and p0 + n_fft <= n
        for k in range(n_fft):
            if interior:
                v = x[b, p0 + k]
                vr = v.real
                vi = v.imag
            else:
                p = pad_index(p0 + k, n, mode)
                if p >= 0:
                    v = x[b, p]
                    vr = v.real
                    vi = v.imag
                else:
                    vr = 0.0
                    vi = 0.0
            acc += vr + vi
            wr = gr[k, col]
            if slot == 0:
                wi = gi[k, col]
                ar[k, lane] = vr * wr - vi * wi
                ai[k, lane] = vr * wi + vi * wr
            elif slot == 1:
                ar[k, lane] = vr * wr
                ai[k, lane] = 0.0
            else:
                ai[k, lane] = vr * wr
        if acc - acc != 0:
            finite = False
    return finite


def gather(x, b, m0, cnt, hop, pad, mode, gr, gi, per_lane, ar, ai, slot, tb, sb):
    """Frames ``m0 .. m0+cnt-1`` of signal ``b``, times the analysis window, into lanes.

    ``g = gr + j*gi`` has shape (n_fft, lanes) when ``per_lane`` (per-frame chirp), else
    (n_fft, 1). ``slot``: 0 complex product into (ar, ai); 1 real part times ``gr`` into ``ar``
    with ``ai = 0``; 2 real part times ``gr`` into ``ai`` (the second frame of a packed real pair).
    ``tb, sb``: free scratch of the block (the FFT's second buffers). Returns False if a sample
    is NaN or inf.

    Real input takes the transposed path (:func:`gather_transposed`): with ``k = q*hop + r``,
    sample ``k`` of lane ``l`` is ``T[r, l + q]`` where ``T`` is the block's stretch of signal
    seen as columns of ``hop`` samples, transposed once; every row of ``ar`` is then a
    contiguous run of ``T`` times one window value, which vectorises (measured on the day batch,
    2 threads: the chirped gather 24.7 -> 8.0 ms, bench/gather_stage.py). Complex
    input, ``hop > n_fft`` and scratch too small for ``T`` take :func:`gather_lanes`. Both give
    the same bits.
    """
    if np.iscomplexobj(x) or not fits(ar.shape[0], hop, cnt, tb, sb):
        return gather_lanes(x, b, m0, cnt, hop, pad, mode, gr, gi, per_lane, ar, ai, slot)
    return gather_transposed(x, b, m0, cnt, hop, pad, mode, gr, gi, per_lane, ar, ai, slot, tb, sb)


@overload(gather, jit_options={"cache": True})
def _gather_impl(x, b, m0, cnt, hop, pad, mode, gr, gi, per_lane, ar, ai, slot, tb, sb):
    if isinstance(x.dtype, types.Complex):  # typed apart: the transposed path reads real samples

        def impl(x, b, m0, cnt, hop, pad, mode, gr, gi, per_lane, ar, ai, slot, tb, sb):
            return gather_lanes(x, b, m0, cnt, hop, pad, mode, gr, gi, per_lane, ar, ai, slot)

    else:

        def impl(x, b, m0, cnt, hop, pad, mode, gr, gi, per_lane, ar, ai, slot, tb, sb):
            if not fits(ar.shape[0], hop, cnt, tb, sb):
                return gather_lanes(x, b, m0, cnt, hop, pad, mode, gr, gi, per_lane, ar, ai, slot)
            return gather_transposed(x, b, m0, cnt, hop, pad, mode, gr, gi, per_lane, ar, ai, slot, tb, sb)

    return impl


@njit(cache=True, nogil=True)
def _columns(n_fft, hop, cnt):
    """``(ncols8, hop)``: hop-long columns the block's frames cover, rounded up to whole 8-wide vectors."""
    ncols = cnt + (n_fft - 1) // hop
    return (ncols + 7) // 8 * 8


@njit(cache=True, nogil=True)
def fits(n_fft, hop, cnt, tb, sb):
    """Whether the transposed gather applies: frames overlap (``hop <= n_fft``; else the transpose
    moves samples no frame uses) and ``T`` and the block's stretch fit in the scratch."""
    ncols8 = _columns(n_fft, hop, cnt)
    return hop <= n_fft and hop * ncols8 <= tb.size and ncols8 * hop + 8 <= sb.size


@njit(cache=True, nogil=True)
def _fill_stretch(x, b, lo, span, mode, s, length):
    """``s[:length]``: padded positions ``lo ..`` of signal ``b`` (zeros past the frames' ``span``);
    returns whether the ``span`` samples are finite. Contiguous: the copy and the check vectorise
    (unsigned indices: no wraparound selects)."""
    n = x.shape[1]
    a = min(max(lo, 0), n)
    e = max(min(lo + span, n), a)
    bad = False
    xb = x[b]
    d = np.uint64(a - lo)
    for i in range(e - a):
        v = xb[np.uint64(a) + np.uint64(i)]
        bad |= not math.isfinite(v)
        s[d + np.uint64(i)] = v
    left, right = a - lo, e - lo
    for i in range(left + span - right):  # the padding, either side of the signal
        j = i if i < left else right + i - left
        p = pad_index(lo + j, n, mode)
        if p >= 0:
            v = x[b, p]
            bad |= not math.isfinite(v)
            s[j] = v
        else:
            s[j] = 0
    for j in range(span, length):
        s[j] = 0
    return not bad


@njit(cache=True, nogil=True)
def _window_rows(t, stride, hop, gr, gi, per_lane, ar, ai, slot, cnt):
    """``ar/ai[k, :cnt]`` from row ``k % hop`` of ``T`` shifted by ``k // hop``, with
    :func:`gather_lanes`' expressions and types (a float64 sample, a float64 zero imaginary part):
    the same bits. ``T`` is read at unsigned indices (signed ones make LLVM emit gathers)."""
    n_fft = ar.shape[0]
    vi = 0.0
    for k in range(n_fft):
        q = k // hop
        off = np.uint64((k - q * hop) * stride + q)
        if per_lane:  # a window per lane (per-frame chirp): always the complex product
            for lane in range(cnt):
                vr = np.float64(t[off + np.uint64(lane)])
                ar[k, lane] = vr * gr[k, lane] - vi * gi[k, lane]
                ai[k, lane] = vr * gi[k, lane] + vi * gr[k, lane]
            continue
        wr = gr[k, 0]
        wi = gi[k, 0]
        if slot == 0:
            for lane in range(cnt):
                vr = np.float64(t[off + np.uint64(lane)])
                ar[k, lane] = vr * wr - vi * wi
                ai[k, lane] = vr * wi + vi * wr
        elif slot == 1:
            for lane in range(cnt):
                ar[k, lane] = np.float64(t[off + np.uint64(lane)]) * wr
                ai[k, lane] = 0.0
        else:
            for lane in range(cnt):
                ai[k, lane] = np.float64(t[off + np.uint64(lane)]) * wr


@njit(cache=True, nogil=True)
def gather_transposed(x, b, m0, cnt, hop, pad, mode, gr, gi, per_lane, ar, ai, slot, tb, sb):
    """:func:`gather` of real input through the transposed stretch ``T`` (see there)."""
    n_fft = ar.shape[0]
    ncols8 = _columns(n_fft, hop, cnt)
    t = tb.reshape(tb.size)
    s = sb.reshape(sb.size)
    finite = _fill_stretch(x, b, m0 * hop - pad, (cnt - 1) * hop + n_fft, mode, s, ncols8 * hop + 8)
    for r in range(hop):  # T[r, c] = s[c*hop + r]
        for c in range(ncols8):
            t[r * ncols8 + c] = s[c * hop + r]
    _window_rows(t, ncols8, hop, gr, gi, per_lane, ar, ai, slot, cnt)
    return finite


@njit(cache=True, nogil=True)
def row_of(q, n_fft, mode_code):
    """FFT row of output bin ``q`` (``centered`` is fftshifted)."""
    if mode_code == 2:
        return (q + (n_fft + 1) // 2) % n_fft
    return q


@njit(cache=True, nogil=True)
def forward_block(x, b, m0, n_frames, f, pair, hr, hi, rates, twr, twi, ar, ai, br, bi, zr, zi):
    """Gather, window and FFT one task's frames. Returns (yr, yi, cnt_a, cnt_b, paired): the
    spectra (``ar, ai`` or ``br, bi``, wherever the FFT left them), the frame counts, and whether
    the block was packed.

    ``f``: the launch's :class:`Framing`; ``pair`` overrides ``f.pair`` (False for a remainder).
    ``hr, hi``: the analysis window ``conj(w)`` (times the chirp for a constant rate),
    shape (n_fft, 1). With ``f.per_frame`` the per-lane window ``conj(w) * chirp_m`` is
    built in ``zr, zi``. With ``pair`` (a real analysis) frames ``m0..m0+cnt_a-1`` go to
    the real slots and the next ``cnt_b`` frames to the imaginary slots of the same
    lanes; a block with a non-finite sample is left unpacked (``paired`` False).
    """
    lanes = ar.shape[1]
    n_fft = ar.shape[0]
    cnt_a = min(lanes, n_frames - m0)
    cnt_b = 0
    paired = False
    hop, pad, pad_mode = f.hop, f.pad, f.pad_mode
    if f.per_frame:
        chirp_lanes(rates, b, m0, 1, cnt_a, f.alpha_unit, n_fft // 2, -1.0, zr, zi)
        for k in range(n_fft):
            for lane in range(cnt_a):
                cr = zr[k, lane]
                ci = zi[k, lane]
                zr[k, lane] = hr[k, 0] * cr - hi[k, 0] * ci
                zi[k, lane] = hr[k, 0] * ci + hi[k, 0] * cr
        gather(x, b, m0, cnt_a, hop, pad, pad_mode, zr, zi, True, ar, ai, 0, br, bi)
    elif pair:
        finite = gather(x, b, m0, cnt_a, hop, pad, pad_mode, hr, hi, False, ar, ai, 1, br, bi)
        cnt_b = min(lanes, n_frames - m0 - cnt_a)
        paired = True
        if cnt_b > 0:
            finite_b = gather(x, b, m0 + cnt_a, cnt_b, hop, pad, pad_mode, hr, hi, False, ar, ai, 2, br, bi)
            if not (finite and finite_b):  # keep non-finite values in their own frames
                for k in range(n_fft):
                    for lane in range(cnt_b):
                        ai[k, lane] = 0.0
                cnt_b = 0
                paired = False
    else:
        gather(x, b, m0, cnt_a, hop, pad, pad_mode, hr, hi, False, ar, ai, 0, br, bi)
    if fft_lanes(ar, ai, br, bi, cnt_a, twr, twi):
        return ar, ai, cnt_a, cnt_b, paired
    return br, bi, cnt_a, cnt_b, paired


@njit(cache=True, nogil=True)
def real_slot(yr, yi, row, mirror, lane):
    """Spectrum at ``row`` of the frame packed in the real slot of ``lane`` (``mirror`` is
    ``(n_fft - row) % n_fft``): ``(Y[row] + conj(Y[mirror])) / 2``."""
    return 0.5 * (yr[row, lane] + yr[mirror, lane]), 0.5 * (yi[row, lane] - yi[mirror, lane])


@njit(cache=True, nogil=True)
def imag_slot(yr, yi, row, mirror, lane):
    """Spectrum at ``row`` of the frame packed in the imaginary slot of ``lane``:
    ``(Y[row] - conj(Y[mirror])) / 2j``. (Two functions rather than one with a slot argument,
    and the mirror row computed once per row: that keeps the loops over lanes vectorised.)"""
    return 0.5 * (yi[row, lane] + yi[mirror, lane]), -0.5 * (yr[row, lane] - yr[mirror, lane])


def store(out, b, q, m, vr, vi, power, scale):
    """out[b, q, m] = vr + j*vi (complex out) or |v|**power * scale[q] (real out).

    The Python body runs with ``NUMBA_DISABLE_JIT=1``; compiled code uses the overload below.
    """
    if out.dtype.kind == "c":
        out[b, q, m] = complex(vr, vi)
    else:
        mag2 = vr * vr + vi * vi
        out[b, q, m] = (mag2 if power == 2 else math.sqrt(mag2)) * scale[q]


@overload(store, jit_options={"cache": True})
def _store_impl(out, b, q, m, vr, vi, power, scale):
    if isinstance(out.dtype, types.Complex):

        def impl(out, b, q, m, vr, vi, power, scale):
            out[b, q, m] = complex(vr, vi)

    else:

        def impl(out, b, q, m, vr, vi, power, scale):
            mag2 = vr * vr + vi * vi
            out[b, q, m] = (mag2 if power == 2 else math.sqrt(mag2)) * scale[q]

    return impl


@njit(cache=True, nogil=True)
def store_block(out, b, m0, yr, yi, cnt, rows, power, scale):
    """Store an unpacked block (see :func:`store`): output row ``q`` of frames ``m0 .. m0+cnt-1``
    from FFT row ``rows[q]``."""
    for q in range(rows.shape[0]):
        row = rows[q]
        for lane in range(cnt):
            store(out, b, q, m0 + lane, yr[row, lane], yi[row, lane], power, scale)


@njit(cache=True, nogil=True)
def store_pair(out, b, m0, yr, yi, cnt_a, cnt_b, rows, power, scale):
    """Store a packed pair block (see :func:`store`): output row ``q`` of frames
    ``m0 .. m0+cnt_a-1`` from FFT row ``rows[q]`` of the real slots, of the next ``cnt_b``
    frames from the imaginary ones; one vectorised loop over lanes per output row (unpacking
    with the slot as an argument, per value, kept it scalar: 16 of the 58 ms of a 4096-image
    render)."""
    n_fft = yr.shape[0]
    for q in range(rows.shape[0]):
        row = rows[q]
        mirror = (n_fft - row) % n_fft
        for lane in range(cnt_a):
            vr, vi = real_slot(yr, yi, row, mirror, lane)
            store(out, b, q, m0 + lane, vr, vi, power, scale)
        for lane in range(cnt_b):
            vr, vi = imag_slot(yr, yi, row, mirror, lane)
            store(out, b, q, m0 + cnt_a + lane, vr, vi, power, scale)


def prepare(x: np.ndarray, spec: FrameSpec, rates, real_dtype, fft_mode: str, n_frames: int):
    """The arrays and the :class:`Framing` of a forward launch: ``(batch, x2, hr, hi, r2, f)``."""
    batch = x.shape[:-1]
    # one memory layout, one compiled specialisation: strided input is copied once
    x2 = readonly(x.reshape(-1, x.shape[-1]), x.dtype)
    chirps, per_frame = is_chirped(rates), is_per_frame(rates)
    h = np.conj(spec.window).astype(np.complex128)
    if chirps and not per_frame:
        h = h * spec.chirp_phase(rates, -1)
    pair = not is_complex_analysis(chirps, np.iscomplexobj(x), spec.window_is_real)
    hr = np.ascontiguousarray(h.real.reshape(-1, 1), dtype=real_dtype)
    hi = np.ascontiguousarray(h.imag.reshape(-1, 1), dtype=real_dtype)
    return batch, x2, hr, hi, rate_table(rates), framing(spec, fft_mode, per_frame, pair, n_frames)


def rate_table(rates) -> np.ndarray:
    """Per-frame rates as the kernels read them: read-only float64 ``(B, n_frames)``; a dummy
    ``(1, 1)`` for one rate (folded into the window)."""
    if is_per_frame(rates):
        return readonly(rates.reshape(-1, rates.shape[-1]), np.float64)
    return readonly(np.zeros((1, 1)), np.float64)
