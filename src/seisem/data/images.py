"""Station-days to images: the chirp-STFT spectrogram and the waveform images of a dataset.

:func:`process_days` is a station's days from raw samples to stored series and images (QC,
fill, normalise, render); :func:`make_images` renders normalised days as ``cfg.image`` says;
:func:`channel_layout`, :func:`image_shape` and :func:`image_record` describe the images in
the manifest.
"""

from __future__ import annotations

import contextlib
import threading
import time

import numpy as np

import chirpstft

from .config import BuildConfig, bins_per_frame
from .qc import detrend_days, normalize_days, screen_days

__all__ = [
    "Stages",
    "channel_layout",
    "image_record",
    "image_shape",
    "make_images",
    "process_days",
    "station_db_range",
    "waveform_fixed_range",
]

#: One rendering at a time per process: chirpstft's kernels are themselves parallel, and
#: Numba's "workqueue" threading layer (used where no OpenMP/TBB runtime exists) must not be
#: entered from several threads at once.
_RENDER_LOCK = threading.Lock()


def channel_layout(cfg: BuildConfig) -> list:
    """The image channels of a dataset, in order: ``[{"kind", "index": [first, stop]}, ...]``
    (recorded in the manifest as ``"channels"``; :func:`seisem.feed.augmentations_for` reads it)."""
    out, at = [], 0
    for kind in cfg.image_kinds:
        n = (
            int(chirpstft.render_shape(size=tuple(cfg.size), cmap=cfg.cmap)[-1])
            if kind == "spectrogram"
            else 1
        )
        out.append({"kind": kind, "index": [at, at + n]})
        at += n
    return out


def image_shape(cfg: BuildConfig) -> tuple:
    """``(H, W, C)`` of the images of a dataset: chirpstft's own rule for the spectrogram
    (:func:`chirpstft.render_shape`; any colormap, ``"gray"`` included, gives 3 channels), plus
    one channel per waveform image."""
    h, w = (int(v) for v in cfg.size)
    return (h, w, channel_layout(cfg)[-1]["index"][1])


def station_db_range(cfg: BuildConfig) -> tuple:
    """The fixed decibel range of ``normalize="station-robust"`` images, the same for every day
    of every station: ``(hi - top_db, hi)`` with ``hi = 10*log10((sum w)**2 / 4)``, the power
    of the largest component a series in [0, 1] can have (its mean at 0.5 under the window
    ``w``; a chirped window cannot exceed it). Images rendered in this range keep the days'
    amplitudes relative to each other (per-image scaling, as with ``day-minmax``, would make
    a quiet day and a storm day equally bright)."""
    cfg.require_resolved("the fixed decibel range")
    w = chirpstft.get_window(cfg.window, cfg.n_fft)
    hi = float(10.0 * np.log10(float(np.abs(w).sum()) ** 2 / 4.0))
    return (hi - float(cfg.top_db), hi)


def waveform_fixed_range(u: np.ndarray, size, mode: str) -> np.ndarray:
    """Waveform images of series already on a fixed [0, 1] scale (``station-robust``), drawn
    without chirpstft.waveform_image's per-segment min-max (which would erase the amplitude):
    each column filled from the bottom to the series' mean over the column (area averaging
    by :func:`chirpstft.resize`), the top pixel with its fractional coverage (``"filled"``)
    or rounded to 0/1 (``"binary"``); amplitude upwards, uint8 ``(n, H, W, 1)``."""
    h, w = (int(v) for v in size)
    m = np.clip(chirpstft.resize(np.asarray(u, np.float64)[:, None, :], (1, w))[:, 0, :], 0.0, 1.0)
    img = np.clip(m[:, None, :] * h - np.arange(h)[None, :, None], 0.0, 1.0)
    if mode == "binary":
        img = (img >= 0.5).astype(np.float64)
    img = img[:, ::-1, :]
    return np.rint(img * 255.0).astype(np.uint8)[..., None]


def make_images(norm: np.ndarray, cfg: BuildConfig) -> np.ndarray:
    """Normalised station-days ``(n, samples_per_day)`` to uint8 images ``(n, H, W, C)``.

    Channels as ``cfg.image`` (:func:`channel_layout`): the chirp-STFT spectrogram (rate
    ``cfg.chirp_rate_hz``: Hz/s, or per frame from the data with ``"auto"``) and/or waveform
    images (filled or binarized). With ``cfg.detrend`` ``"mean"``/``"linear"``, each day's mean
    or line is removed before the transform (see :func:`seisem.data.qc.detrend_days`); the
    stored series and the waveform images stay as they were. With ``normalize="station-robust"``
    the spectrogram is rendered in the fixed range :func:`station_db_range` and the waveform on
    the fixed [0, 1] scale, so that absolute amplitude reaches the network.
    """
    if not cfg.resolved:  # the interval from the width of the days
        cfg = cfg.for_days(norm.shape[-1])
    if norm.shape[0] == 0:
        return np.empty((0, *image_shape(cfg)), np.uint8)
    fixed = cfg.normalize == "station-robust"
    parts = []
    with _RENDER_LOCK:
        for kind in cfg.image_kinds:
            if kind == "spectrogram":
                x = detrend_days(norm, cfg.detrend).astype(norm.dtype) if cfg.detrend != "none" else norm
                level = {"ref": 1.0, "top_db": None, "db_range": station_db_range(cfg)} if fixed else {}
                parts.append(
                    chirpstft.render(
                        x,
                        fs=1.0 / cfg.interval_s,
                        n_fft=cfg.n_fft,
                        hop_length=cfg.hop_length,
                        window=cfg.window,
                        chirp_rate=cfg.chirp_rate_hz,
                        size=tuple(cfg.size),
                        cmap=cfg.cmap,
                        top_db=level.pop("top_db", cfg.top_db),
                        # named, not automatic: the bytes of a build never depend on whether
                        # chirpstft's kernels were compiled yet (automatic calls answer from
                        # the NumPy backend, equal to rounding, while they compile)
                        backend="numba",
                        **level,
                    )
                )
            else:
                mode = kind.split("-")[1]
                if fixed:
                    parts.append(waveform_fixed_range(norm, cfg.size, mode))
                else:
                    parts.append(chirpstft.waveform_image(norm, size=tuple(cfg.size), mode=mode))
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=-1)


def process_days(days_raw: np.ndarray, cfg: BuildConfig, stages: Stages | None = None):
    """QC, fill, normalise and render a station's days; returns (qc dict, ok mask, series, images).
    ``stages``: a :class:`Stages` that the seconds of "qc" and "images" are added to."""
    stages = stages if stages is not None else Stages()
    with stages("qc"):
        filled, qc = screen_days(days_raw, cfg.qc)
        ok = qc["qc_status"] == "ok"
        norm = (
            normalize_days(filled[ok], method=cfg.normalize) if ok.any() else np.empty((0, days_raw.shape[1]))
        )
        norm = norm.astype(np.float32)
    with stages("images"):
        images = make_images(norm, cfg)
    return qc, ok, norm, images


class Stages:
    """Seconds spent per stage of a station's build (``with stages("read"): ...``), summed by
    the build into ``timings.json``."""

    def __init__(self):
        self.seconds: dict = {}

    @contextlib.contextmanager
    def __call__(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - t0


def image_record(cfg: BuildConfig) -> dict:
    """What the manifest says about the images: channel layout, chirp rate in Hz/s and in bins
    per frame, and the fixed decibel range of ``station-robust`` images."""
    fs = 1.0 / cfg.interval_s
    rate = cfg.chirp_rate_hz
    spd = cfg.samples_per_day
    rec = {
        "geometry": {
            "interval_s": cfg.interval_s,
            "samples_per_day": spd,
            "n_fft": cfg.n_fft,
            "hop_length": cfg.hop_length,
            "frames": 1 + spd // cfg.hop_length,  # centred frames (chirpstft.render's default)
            "rule": "n_fft = the power of two nearest samples_per_day*128/1440 (at least 8), hop = n_fft/8, "
            "unless given",
        },
        "channels": channel_layout(cfg),
        "chirp": {
            "given": cfg.chirp_rate,
            "hz_per_s": rate,
            "bins_per_frame": None if rate == "auto" else bins_per_frame(rate, fs, cfg.n_fft),
        },
        "db_range": list(station_db_range(cfg)) if cfg.normalize == "station-robust" else "per image",
    }
    return rec
