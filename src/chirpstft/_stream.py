"""Streaming chirp STFT and inverse for unbounded signals, in bounded memory.

:class:`StreamingSTFT` takes chunks of any size (``push``) and returns the frames that the
samples so far complete; ``finish`` returns the last frames (those reaching into the right
padding). The concatenation along the frame axis is the one-shot
:meth:`ChirpSTFT.stft` of the whole signal. :class:`StreamingISTFT` takes blocks of frames
and returns the output samples that no later frame can change; ``finish`` returns the rest.
:meth:`ChirpSTFT.stream` and :meth:`ChirpSTFT.istream` wrap both as generators.

How it stays equal to the one-shot transform: every finished frame is computed by the same
backend kernel on the same samples, with the same window and the same per-frame rates
(a callable is evaluated on the frame-centre times of the frames being computed, a
per-frame array is sliced, ``"auto"`` scores each frame on its own samples). Padding values
with ``center=True`` depend only on the first and last ``n_fft//2 + 1`` samples (all modes
except ``"wrap"``, whose first frames need the end of the signal and which streaming
therefore refuses). The memory held is the last ``n_fft + hop`` samples (forward) or the
overlap-add of the last ``n_fft`` samples (inverse), whatever the total length.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ._docs import fill_doc
from ._errors import InputTypeError, ParameterError
from ._prepared import Analysis, Inverse, PlanLike, covered, warn_uncovered, window_envelope
from ._spec import Method
from ._validation import as_working_array, complex_dtype, option, positive_int, real_dtype_of

__all__ = ["StreamingISTFT", "StreamingSTFT"]


class StreamingSTFT:
    """Chirp STFT of a signal that arrives in chunks, in bounded memory.

    Parameters
    ----------
    plan : ChirpSTFT
        The transform's parameters. Every ``chirp_rate`` form works: a number; an array of
        per-frame rates for the whole signal ``(..., n_frames)``; a callable of the
        frame-centre times (evaluated on the frames as they complete); ``"auto"`` /
        :class:`AutoChirp` with ``smooth=1`` (every frame chooses its rate on its own).
        ``pad_mode="wrap"`` with ``center=True`` is refused: its first frames need the end
        of the signal.
    return_rates : bool
        :meth:`push` and :meth:`finish` return ``(frames, rates)``, the rates float64
        ``(..., k)``: what :class:`StreamingISTFT` needs for ``"auto"``.

    Notes
    -----
    The first chunk fixes the batch shape ``chunk.shape[:-1]`` and the working dtype (as
    :meth:`ChirpSTFT.stft`: float32 stays float32, complex input is twosided); later chunks
    must match. The concatenation of every returned block along the last axis equals
    ``plan.stft(whole_signal)`` bit for bit. (The numba backend's real unchirped analysis
    packs two frames per FFT; the stream then returns whole packed blocks of 128 frames and
    holds one back until :meth:`finish`, so the pairs, and the rounding, are the one-shot's.)
    One exception: a *callable* that returns the same rate for every frame of the whole
    signal. The one-shot transform then takes its constant-rate path, while the stream,
    which cannot know that the rate will stay constant, takes the per-frame path; the two
    agree to rounding (relative 1e-12 or better).

    Examples
    --------
    >>> import numpy as np, chirpstft
    >>> plan = chirpstft.ChirpSTFT(fs=100.0, n_fft=64, hop_length=16, chirp_rate=2.0)
    >>> x = np.random.default_rng(0).standard_normal(1000)
    >>> stream = chirpstft.StreamingSTFT(plan)
    >>> blocks = [stream.push(chunk) for chunk in np.array_split(x, 7)]
    >>> S = np.concatenate([*blocks, stream.finish()], axis=-1)
    >>> bool(np.array_equal(S, plan.stft(x)))
    True
    """

    def __init__(self, plan, *, return_rates: bool = False) -> None:
        if not isinstance(plan, PlanLike):
            raise InputTypeError(f"plan must be a chirpstft.ChirpSTFT, not {type(plan).__name__}")
        auto = plan.chirp.auto
        if auto is not None and auto.smooth != 1:
            raise ParameterError(
                f"streaming chirp_rate='auto' needs smooth=1 (got smooth={auto.smooth}): a smoothed "
                f"choice depends on later frames; estimate the rates with smooth=1, or run "
                f"estimate_chirp_rates on the whole signal"
            )
        if plan.center and plan.pad_mode == "wrap":
            raise ParameterError(
                "pad_mode='wrap' with center=True cannot stream: the first frames are padded with the "
                "end of the signal; use another pad_mode or center=False"
            )
        self._plan = plan
        self._auto = auto
        self._return_rates = bool(return_rates)
        self._spec_nc = plan.segment_spec
        self._pad = 0  # set by the first chunk, from the prepared analysis
        # below this many samples nothing is emitted before finish(), and finish() runs the
        # one-shot transform on what it kept: short signals need no special padding logic
        self._safe = 2 * plan.n_fft + 2 + plan.hop_length
        self._batch: tuple[int, ...] | None = None
        self._dtype: np.dtype | None = None
        self._analysis: Analysis | None = None
        self._buf: np.ndarray | None = None
        self._buf_start = 0
        self._n_seen = 0
        self._next = 0
        self._granule = 1
        # the plan's rate as the one-shot transform resolves it (same kernel path): one float
        # when every frame has it; None when it varies or is a callable
        self._rate = plan.chirp.constant
        self._closed = False

    plan = property(lambda self: self._plan, doc="The plan whose transform is streamed.")
    n_samples = property(lambda self: self._n_seen, doc="Samples received so far.")
    n_frames_out = property(lambda self: self._next, doc="Frames returned so far.")

    @property
    def n_freqs(self) -> int | None:
        """Frequency bins of every block (known after the first chunk)."""
        return None if self._analysis is None else self._analysis.n_freqs

    def _take(self, chunk: Any) -> np.ndarray:
        if self._closed:
            raise ParameterError("this stream is finished; start a new StreamingSTFT for another signal")
        if self._analysis is None:  # the first chunk fixes backend, working dtype, fft mode
            analysis = self._plan.prepare(chunk, whole=False, name="chunk")
            chunk = analysis.x
            # keep no samples in the prepared analysis: the stream holds its own buffer
            self._analysis = replace(analysis, x=chunk[..., :0])
            self._batch = chunk.shape[:-1]
            self._dtype = chunk.dtype
            self._pad = analysis.spec.pad
            self._buf = np.empty((*self._batch, 0), dtype=self._dtype)
            self._granule = analysis.granule(self._rate)
            return chunk
        chunk = as_working_array(chunk, "chunk")
        dtype = chunk.dtype
        if chunk.ndim == 0:
            raise ParameterError(
                "chunk is a 0-d array (a single number); pass samples of shape (..., n_chunk)"
            )
        if chunk.shape[:-1] != self._batch:
            raise ParameterError(
                f"chunk has batch shape {chunk.shape[:-1]} but the stream started with {self._batch}; "
                f"every chunk must have shape (*{self._batch}, n_chunk)"
            )
        if np.dtype(dtype) != self._dtype:
            raise ParameterError(
                f"chunk has working dtype {np.dtype(dtype)} but the stream started with {self._dtype}; "
                f"pass every chunk with the same dtype (cast them, e.g. chunk.astype({str(self._dtype)!r}))"
            )
        return chunk.astype(self._dtype, copy=False)

    def push(self, chunk: Any):
        """Add samples; return the frames they complete.

        Parameters
        ----------
        chunk : array_like, shape (..., n_chunk)
            The next samples (any number, 0 included) of every signal.

        Returns
        -------
        ndarray, shape (..., n_freqs, k)
            The ``k >= 0`` frames completed by this chunk (and ``(..., k)`` rates with
            ``return_rates=True``).
        """
        chunk = self._take(chunk)
        if chunk.shape[-1]:
            self._buf = np.concatenate([self._buf, chunk], axis=-1)
            self._n_seen += chunk.shape[-1]
        ready = 0
        if self._n_seen >= self._safe:
            ready = max(0, (self._n_seen + self._pad - self._plan.n_fft) // self._plan.hop_length + 1)
        g = self._granule
        if g > 1:  # whole blocks of the backend's frame granule, one kept back for finish()
            ready = self._next + max(0, (ready - self._next - g) // g * g)
        return self._emit(ready, None)

    def finish(self):
        """Return the last frames (those reaching into the right padding) and close the stream."""
        if self._closed:
            raise ParameterError("this stream is already finished")
        if self._n_seen == 0:
            self._closed = True
            raise ParameterError("the stream received no samples; push at least one sample before finish()")
        plan = self._plan
        n_total = plan.n_frames(self._n_seen)
        if self._buf_start == 0 and self._next == 0:  # short signal: the one-shot transform
            self._closed = True
            S, rates = self._oneshot(self._buf)
            return (S, rates) if self._return_rates else S
        out = self._emit(n_total, n_total)
        self._closed = True
        return out

    def _oneshot(self, x):
        plan = self._plan
        S, rates = plan.stft(x, return_rates=True)
        if plan.chirp.kind == "per_frame" and plan.chirp_rate.shape[-1] not in (1, S.shape[-1]):
            raise ParameterError(
                f"chirp_rate has {plan.chirp_rate.shape[-1]} per-frame rates but the stream has "
                f"{S.shape[-1]} frames; pass one rate per frame of the whole signal"
            )
        return S, rates

    def _emit(self, m_end: int, n_total: int | None):
        plan = self._plan
        m_a = self._next
        k = max(0, m_end - m_a)
        if k == 0:
            empty = np.empty((*self._batch, self.n_freqs, 0), dtype=self._analysis.out_dtype)
            return (empty, np.empty((*self._batch, 0))) if self._return_rates else empty
        seg = self._segment(m_a, m_end, final=n_total is not None)
        analysis = self._analysis
        if self._auto is not None:
            rates = analysis.chosen_rates(seg, self._spec_nc, k)
        else:  # validates a per-frame array's length as the one-shot transform does
            rates = analysis.rates_of_frames(m_a, m_end, n_total)
            if self._rate is not None:
                rates = self._rate
        S = analysis.run_frames(seg, self._spec_nc, rates, k)
        self._next = m_end
        # keep the samples of the next frame and the last pad+1 (the right padding's source)
        keep = max(0, min(m_end * plan.hop_length - self._pad, self._n_seen - (self._pad + 1)))
        if keep > self._buf_start:
            self._buf = self._buf[..., keep - self._buf_start :].copy()
            self._buf_start = keep
        if self._return_rates:
            full = np.empty((*self._batch, k), dtype=np.float64)
            full[...] = rates
            return S, full
        return S

    def _segment(self, m_a: int, m_b: int, final: bool) -> np.ndarray:
        """Padded samples of frames ``m_a .. m_b-1``: original indices ``[o_lo, o_hi)``."""
        plan, pad, n = self._plan, self._pad, self._n_seen
        o_lo = m_a * plan.hop_length - pad
        o_hi = (m_b - 1) * plan.hop_length + plan.n_fft - pad
        seg = np.empty((*self._batch, o_hi - o_lo), dtype=self._dtype)
        widths = [(0, 0)] * len(self._batch)
        if o_lo < 0:  # left padding: depends only on the first pad+1 samples (kept: buf_start == 0)
            assert self._buf_start == 0
            left = np.pad(self._buf[..., : pad + 1], [*widths, (pad, 0)], mode=plan.pad_mode)
            seg[..., :-o_lo] = left[..., pad + o_lo : pad]
        lo, hi = max(o_lo, 0), min(o_hi, n)
        seg[..., lo - o_lo : hi - o_lo] = self._buf[..., lo - self._buf_start : hi - self._buf_start]
        if o_hi > n:  # right padding (finish only): depends only on the last pad+1 samples
            assert final
            last = self._buf[..., n - (pad + 1) - self._buf_start :]
            right = np.pad(last, [*widths, (0, pad)], mode=plan.pad_mode)[..., pad + 1 :]
            seg[..., n - o_lo :] = right[..., : o_hi - n]
        return seg


@fill_doc
class StreamingISTFT:
    """Inverse chirp STFT of frames that arrive in blocks, in bounded memory.

    Parameters
    ----------
    plan : ChirpSTFT
        The forward transform's parameters.
    %(method)s
    %(real)s
    %(length)s
        Known in advance here, or given to :meth:`finish`.

    Notes
    -----
    A sample is returned once no later frame overlaps it. The concatenation of the
    returned blocks equals ``plan.istft(S_whole, length)`` to rounding: the overlapping
    frames are summed in arrival order, the one-shot kernels sum them in their own order.
    Samples that no window covers are returned as 0, with one
    :class:`~chirpstft.UnrecoverableSamplesWarning` from :meth:`finish` (as the one-shot).

    Examples
    --------
    >>> import numpy as np, chirpstft
    >>> x = np.random.default_rng(1).standard_normal(1500)
    >>> S = chirpstft.stft(x, fs=50.0, n_fft=128, hop_length=32, chirp_rate=0.5)
    >>> plan = chirpstft.ChirpSTFT(fs=50.0, n_fft=128, hop_length=32, chirp_rate=0.5)
    >>> inv = chirpstft.StreamingISTFT(plan, real=True)
    >>> parts = [inv.push(block) for block in np.array_split(S, 5, axis=-1)]
    >>> parts.append(inv.finish(length=1500))
    >>> bool(np.allclose(np.concatenate(parts), x))
    True
    """

    def __init__(
        self, plan: PlanLike, *, method: Method = "ls", real: bool | None = None, length: int | None = None
    ):
        if not isinstance(plan, PlanLike):
            raise InputTypeError(f"plan must be a chirpstft.ChirpSTFT, not {type(plan).__name__}")
        self._plan = plan
        self._method = option(method, "method", ("ls", "ola"))
        self._real = real
        self._length = None if length is None else positive_int(length, "length")
        plan.check_inverse(self._method)  # the plan's NOLA/COLA error, now rather than at the first block
        self._spec_nc = plan.segment_spec
        self._pad = 0  # set by the first block, from the prepared inverse
        n_fft, hop = plan.n_fft, plan.hop_length
        self._c = -(-n_fft // hop)  # frames after which the envelope peak is the steady one
        self._steady_peak = float(np.abs(self._envelope(self._c + 1)).max())
        self._batch: tuple[int, ...] | None = None
        self._inverse: Inverse | None = None
        self._acc = None  # overlap-add of padded positions [acc_start, ...)
        self._env = None
        self._acc_start = 0
        self._m = 0  # frames received
        self._emitted = 0  # output samples returned
        self._n_bad = 0
        self._closed = False

    n_frames_in = property(lambda self: self._m, doc="Frames received so far.")

    def _envelope(self, n_frames: int) -> np.ndarray:
        return window_envelope(self._spec_nc.window, self._method, n_frames, self._plan.hop_length)

    n_samples_out = property(lambda self: self._emitted, doc="Output samples returned so far.")

    def _start(self, S: Any) -> np.ndarray:
        """Prepare the inverse from the first block (fft mode, dtypes); return the block as prepared."""
        inverse = self._plan.prepare_inverse(
            S, length=self._length, method=self._method, real=self._real, whole=False
        )
        S = inverse.S
        # keep no frames in the prepared inverse: the stream holds its own accumulator
        self._inverse = replace(inverse, S=S[..., :0])
        self._batch = S.shape[:-2]
        self._pad = inverse.spec.pad
        real_dt = real_dtype_of(S.dtype, "S")
        work = real_dt if inverse.fft_mode == "onesided" else S.dtype  # what run_frames returns
        self._acc = np.zeros((*self._batch, 0), dtype=work)
        self._env = np.zeros(0, dtype=self._envelope(1).dtype)
        return S

    @property
    def _out_dtype(self) -> np.dtype:
        return self._inverse.out_dtype

    def push(self, S: Any, rates: Any = None) -> np.ndarray:
        """Add frames; return the output samples that no later frame can change.

        Parameters
        ----------
        S : array_like, shape (..., n_freqs, k)
            The next ``k`` frames.
        rates : array_like, optional
            Their chirp rates, broadcastable to ``(..., k)``; required when the plan's
            ``chirp_rate`` is ``"auto"``. When omitted the plan's rates are used; when
            given they are used instead.

        Returns
        -------
        ndarray, shape (..., n_out)
        """
        if self._closed:
            raise ParameterError("this stream is finished; start a new StreamingISTFT for another signal")
        if self._inverse is None:
            S = self._start(S)
        else:
            S = as_working_array(S, "S", spectra=True)
        if S.shape[:-1] != (*self._batch, self.n_freqs) or S.dtype != self._inverse.S.dtype:
            raise ParameterError(
                f"S has shape {S.shape} and dtype {S.dtype} but the stream started with frames of shape "
                f"(*{self._batch}, {self.n_freqs}, k); every block must match"
            )
        k = S.shape[-1]
        if k:
            self._add(S, rates)
        if self._m < self._c:
            return np.empty((*self._batch, 0), dtype=self._out_dtype)
        final_end = self._m * self._plan.hop_length - self._pad  # no later frame reaches below
        if self._length is not None:
            final_end = min(final_end, self._length)
        return self._release(final_end, self._steady_peak)

    @property
    def n_freqs(self) -> int | None:
        """Frequency bins of every block (known after the first block)."""
        return None if self._inverse is None else self._inverse.n_freqs

    def _add(self, S: np.ndarray, rates: Any) -> None:
        plan = self._plan
        hop, n_fft = plan.hop_length, plan.n_fft
        k = S.shape[-1]
        m_a = self._m
        inverse = self._inverse
        r = inverse.rates_of_frames(m_a, m_a + k, given=rates)
        length = (k - 1) * hop + n_fft
        y = inverse.run_frames(S, self._spec_nc, r, np.ones(length), 0, length)
        env = self._envelope(k)
        p0 = m_a * hop - self._acc_start  # block start within the accumulator
        need = p0 + length
        if need > self._acc.shape[-1]:
            grow = need - self._acc.shape[-1]
            self._acc = np.concatenate([self._acc, np.zeros((*self._batch, grow), self._acc.dtype)], axis=-1)
            self._env = np.concatenate([self._env, np.zeros(grow, self._env.dtype)])
        self._acc[..., p0:need] += y
        self._env[p0:need] += env
        self._m += k

    def _release(self, end: int, peak: float) -> np.ndarray:
        """Output samples ``[emitted, end)`` (original indices), normalised; drop them."""
        start = self._emitted
        if end <= start:
            return np.empty((*self._batch, 0), dtype=self._out_dtype)
        p_lo = start + self._pad - self._acc_start
        p_hi = end + self._pad - self._acc_start
        have = self._acc.shape[-1]
        out = np.zeros((*self._batch, end - start), dtype=self._acc.dtype)
        env = np.zeros(end - start, dtype=self._env.dtype)
        top = min(p_hi, have)
        if top > p_lo:
            out[..., : top - p_lo] = self._acc[..., p_lo:top]
            env[: top - p_lo] = self._env[p_lo:top]
        good = covered(env, peak)
        inv = np.zeros_like(env)
        inv[good] = 1.0 / env[good]
        self._n_bad += int(env.size - np.count_nonzero(good))
        real_dt = real_dtype_of(self._out_dtype)
        out *= inv.astype(complex_dtype(real_dt) if np.iscomplexobj(inv) else real_dt, copy=False)
        if self._inverse.real_output and np.iscomplexobj(out):
            out = out.real
        self._emitted = end
        drop = min(p_hi, have)
        if drop > 0:
            self._acc = self._acc[..., drop:].copy()
            self._env = self._env[drop:].copy()
            self._acc_start += drop
        return np.ascontiguousarray(out, dtype=self._out_dtype)

    def finish(self, length: int | None = None) -> np.ndarray:
        """Return the remaining samples up to ``length`` and close the stream.

        Parameters
        ----------
        length : int >= 1 or None, default None
            Output length in all (at least the samples already returned); None means the
            constructor's, else the one-shot default
            ``(n_frames - 1)*hop + n_fft - 2*(n_fft//2 if center else 0)``.
        """
        if self._closed:
            raise ParameterError("this stream is already finished")
        self._closed = True
        if self._m == 0:
            raise ParameterError("the stream received no frames; push at least one frame before finish()")
        plan = self._plan
        if length is None:
            length = self._length
        if length is None:
            length = (self._m - 1) * plan.hop_length + plan.n_fft - 2 * self._pad
        length = positive_int(length, "length")
        if length < self._emitted:
            raise ParameterError(
                f"length={length} is shorter than the {self._emitted} samples already returned; pass the "
                f"length to StreamingISTFT(..., length=...) so no sample beyond it is returned"
            )
        if self._m >= self._c:
            peak = self._steady_peak
        else:
            peak = float(np.abs(self._envelope(self._m)).max())
        out = self._release(length, peak)
        if self._n_bad:
            warn_uncovered(self._n_bad, length, stacklevel=2)
        return out
