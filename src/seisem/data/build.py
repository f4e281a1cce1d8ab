"""Build a labelled image dataset from station files and a catalog: resumable, atomic, parallel.

Layout of a dataset folder::

    manifest.json        written last: parameters, input hashes, versions, counts
    metadata.csv         one row per sample (SeisBench-style columns), with ``split``
    rejected.csv         station-days dropped by QC or without data, with the reason
    shards/<station>.h5  ``images`` (n, H, W, C) uint8, ``series`` (n, samples_per_day) float32
    shards/<station>.csv that station's rows (``trace_index`` = row in the shard)

Every file is written to a temporary name and renamed, so a reader never sees a partial
file; a shard is only trusted when its recorded parameter hash matches, so a killed build
run again skips finished stations and ends with identical content.
"""

from __future__ import annotations

import glob
import hashlib
import json
import logging
import os
import threading
from dataclasses import asdict, dataclass, field

import numpy as np

from .._errors import ParameterError, ReadError, SplitError, check_choice, require
from .._files import atomic_path, write_json
from ..io.aeta import FILE_PATTERN
from .daily import station_daily_rows, write_daily_table
from .pairing import (
    COLLISIONS,
    CONTRASTS,
    METHODS,
    background_days,
    distance_rule,
    exclude_near_events,
    label_days,
    pair_events,
)
from .qc import DETREND, NORMALIZE, QCConfig, detrend_days, normalize_days, screen_days
from .series import DUPLICATES, day_matrix, day_starts_utc, regularize
from .splits import SPLIT_BY, assign_splits, check_splits, forward_splits, split_groups
from .station import read_station

log = logging.getLogger("seisem.build")
#: One rendering at a time per process: chirpstft's kernels are themselves parallel, and
#: Numba's "workqueue" threading layer (used where no OpenMP/TBB runtime exists) must not be
#: entered from several threads at once.
_RENDER_LOCK = threading.Lock()
FORMATS = ("aeta", "iaga2002", "obspy")
ON_BAD_SPLIT = ("raise", "warn")
#: Image inputs: a chirp-STFT spectrogram (colormap channels), the filled waveform or the
#: binarized waveform of the paper's abstract (one channel each). Stack them with "+".
IMAGE_KINDS = ("spectrogram", "waveform-filled", "waveform-binary")
#: BuildConfig fields that only change how the stored series become images (see
#: :func:`rerender_dataset`): everything else (inputs, labels, QC, normalisation, splits) stays.
IMAGE_FIELDS = ("chirp_rate", "image", "waveform", "n_fft", "hop_length", "window", "size", "cmap", "top_db",
                "detrend")  # fmt: skip
#: Row statuses that are not QC failures: the station has no data file at all, or the day
#: lies outside the span its data cover.
NOT_QC = ("no_data", "outside_data")
DATASET_VERSION = 1
META_COLUMNS = [
    "trace_name",
    "station_code",
    "station_latitude_deg",
    "station_longitude_deg",
    "source_id",
    "source_ids",
    "source_magnitude",
    "source_origin_time",
    "path_distance_km",
    "trace_start_time",
    "trace_day_local",
    "day_offset",
    "label",
    "qc_status",
    "qc_missing_fraction",
    "qc_longest_flat",
    "qc_saturated_samples",
    "qc_interpolated_samples",
    "qc_median_filled_samples",
    "shard",
    "trace_index",
    "split",
]


@dataclass(frozen=True)
class BuildConfig:
    """Every parameter that changes a dataset's content (hashed into the manifest and shards)."""

    format: str = "aeta"
    feature: str = "abs_mean"  # AETA feature column
    element: str = "H"  # IAGA-2002 element
    channel: str | None = None  # ObsPy channel selector
    min_magnitude: float = 3.6
    max_distance_km: float | str = 75.0  # km, or "dobrovolsky"
    em_only: bool = False
    distance_method: str = "haversine"
    before_days: int = 14
    after_days: int = 14
    contrast: str = "before-after"  # or "before-background": event-free days as negatives
    background_days: int = 30  # before-background: negatives at least this many days from any paired event
    background_ratio: float | None = 1.0  # background days drawn per before-day (None: all)
    tz: str = "UTC"
    collision: str = "drop"
    exclude_near_days: int | None = 3  # None: keep days near other events that reach the station
    exclude_distance_km: float | str = "dobrovolsky"
    interval_s: float = 60.0
    duplicates: str = "mean"
    qc: QCConfig = field(default_factory=QCConfig)
    normalize: str = "day-minmax"
    detrend: str = "none"
    n_fft: int = 128
    hop_length: int = 16
    window: str = "hann"
    chirp_rate: float | str = (
        "auto"  # Hz/s, "auto" (per frame, from the data) or "<c>bins" (see chirp_rate_hz)
    )
    size: tuple = (32, 32)
    cmap: str = "viridis"
    top_db: float = 80.0
    waveform: bool = False  # older spelling of image="spectrogram+waveform-filled"
    image: str = "spectrogram"  # IMAGE_KINDS joined by "+" (stacked channels, in that order)
    split_by: str = "episode"  # independent units: events whose windows overlap anywhere merged
    fractions: tuple = (0.7, 0.15, 0.15)
    block_days: int = 30
    seed: int = 0
    min_split_groups: int = 2
    on_bad_split: str = "raise"

    def __post_init__(self):
        check_choice("format", self.format, FORMATS)
        check_choice("distance_method", self.distance_method, METHODS)
        check_choice("collision", self.collision, COLLISIONS)
        check_choice("contrast", self.contrast, CONTRASTS)
        if self.contrast == "before-background" and not (
            isinstance(self.background_days, (int, np.integer))
            and self.background_days > max(self.before_days, self.after_days)
        ):
            raise ParameterError(
                f"background_days={self.background_days!r} must be an integer above before_days and after_days "
                f"({max(self.before_days, self.after_days)}): background days are event-free (--background-days)"
            )
        check_choice("duplicates", self.duplicates, DUPLICATES)
        check_choice("normalize", self.normalize, NORMALIZE)
        check_choice("split_by", self.split_by, SPLIT_BY)
        check_choice("detrend", self.detrend, DETREND)
        check_choice("on_bad_split", self.on_bad_split, ON_BAD_SPLIT)
        for name in ("max_distance_km", "exclude_distance_km"):
            val = getattr(self, name)
            if callable(val):
                raise ParameterError(
                    f"{name}= in BuildConfig must be a number of km or 'dobrovolsky' (it is stored in the "
                    "manifest); for another function of magnitude make the pairs with "
                    "seisem.data.pair_events(max_distance_km=f) and pass build_dataset(pairs=...)"
                )
            distance_rule(val)  # validates
        if self.exclude_near_days is not None and not (
            isinstance(self.exclude_near_days, (int, np.integer)) and self.exclude_near_days >= 0
        ):
            raise ParameterError(
                f"exclude_near_days={self.exclude_near_days!r} must be a non-negative integer or None"
            )
        if int(self.block_days) < 1:
            raise ParameterError(f"block_days={self.block_days!r} must be a positive number of days")
        if int(self.min_split_groups) < 1:
            raise ParameterError(f"min_split_groups={self.min_split_groups!r} must be a positive integer")
        if len(self.size) != 2 or min(self.size) < 1:
            raise ParameterError(f"size={self.size!r} must be (height, width) in pixels")
        if abs(86400.0 / self.interval_s - round(86400.0 / self.interval_s)) > 1e-9:
            raise ParameterError(f"interval_s={self.interval_s} must divide a day (86400 s)")
        kinds = parse_image(self.image)
        if self.waveform:  # the older flag: one filled-waveform channel after the others
            if not any(k.startswith("waveform") for k in kinds):
                kinds = (*kinds, "waveform-filled")
            object.__setattr__(self, "waveform", False)
        object.__setattr__(self, "image", "+".join(kinds))
        chirp_rate_hz(self.chirp_rate, 1.0 / self.interval_s, self.n_fft)  # validates

    @classmethod
    def preset(cls, name: str, **overrides) -> BuildConfig:
        """``"aeta"``: AETA feature files, days in local time UTC+8; ``"iaga2002"``; ``"obspy"``."""
        base = {
            "aeta": {"format": "aeta", "tz": "+08:00"},
            "iaga2002": {"format": "iaga2002"},
            "obspy": {"format": "obspy"},
        }
        if name not in base:
            raise ParameterError(f"preset={name!r} is not known; choose one of {sorted(base)}")
        return cls(**{**base[name], **overrides})

    def to_dict(self) -> dict:
        d = asdict(self)
        d["size"] = list(self.size)
        d["fractions"] = list(self.fractions)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> BuildConfig:
        """The config of a manifest (``manifest["config"]``); keys it does not know are refused."""
        d = dict(d)
        unknown = sorted(set(d) - {f for f in cls.__dataclass_fields__})
        if unknown:
            raise ParameterError(f"config keys {unknown} are not BuildConfig fields")
        if isinstance(d.get("qc"), dict):
            d["qc"] = QCConfig(**d["qc"])
        for k in ("size", "fractions"):
            if k in d:
                d[k] = tuple(d[k])
        return cls(**d)

    @property
    def image_kinds(self) -> tuple:
        return tuple(self.image.split("+"))

    @property
    def chirp_rate_hz(self) -> float | str:
        """The chirp rate in Hz/s handed to chirpstft (or ``"auto"``)."""
        return chirp_rate_hz(self.chirp_rate, 1.0 / self.interval_s, self.n_fft)

    def content_hash(self) -> str:
        """Hash of the parameters that shape a shard (split parameters excluded)."""
        d = self.to_dict()
        for k in ("split_by", "fractions", "block_days", "seed", "min_split_groups", "on_bad_split"):
            d.pop(k)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]

    @property
    def samples_per_day(self) -> int:
        return round(86400.0 / self.interval_s)


def parse_image(image) -> tuple:
    """``"spectrogram"``, ``"waveform-filled"``, ``"waveform-binary"`` or several joined by ``"+"``
    (stacked channels in that order) -> tuple of kinds."""
    if not isinstance(image, str) or not image.strip():
        raise ParameterError(f"image={image!r} must name one or more of {IMAGE_KINDS} joined by '+'")
    kinds = tuple(k.strip() for k in image.split("+"))
    bad = [k for k in kinds if k not in IMAGE_KINDS]
    if bad:
        raise ParameterError(
            f"image={image!r}: {bad} not known; choose from {', '.join(IMAGE_KINDS)}, stacked with '+' "
            "(e.g. 'spectrogram+waveform-binary')"
        )
    if len(set(kinds)) != len(kinds):
        raise ParameterError(f"image={image!r} names a kind twice")
    return kinds


def chirp_rate_hz(chirp_rate, fs: float, n_fft: int) -> float | str:
    """A chirp rate in Hz/s from one of three spellings.

    * a number: Hz/s, as given;
    * ``"auto"``: chosen per frame from the data by chirpstft (returned as ``"auto"``);
    * ``"<c>bins"`` (e.g. ``"4bins"``): dimensionless, ``c`` frequency bins swept per frame,
      i.e. ``rate = c * fs**2 / n_fft**2`` Hz/s. Over one frame (``n_fft/fs`` seconds) a chirp
      of rate ``r`` moves ``r * n_fft/fs`` Hz, and a bin is ``fs/n_fft`` Hz wide, so
      ``c = r * n_fft**2 / fs**2``. The same ``c`` keeps the same meaning at any sampling
      interval and frame length (chirpstft's automatic candidates are spaced 2 bins apart in
      this unit and span +-n_fft/4 bins).
    """
    if isinstance(chirp_rate, str):
        text = chirp_rate.strip().lower()
        if text == "auto":
            return "auto"
        if text.endswith("bins"):
            try:
                c = float(text[:-4])
            except ValueError:
                c = float("nan")
            if not np.isfinite(c):
                raise ParameterError(
                    f"chirp_rate={chirp_rate!r}: write bins per frame as e.g. '4bins' or '-2.5bins'"
                )
            return c * fs**2 / n_fft**2
        try:
            chirp_rate = float(text)
        except ValueError:
            raise ParameterError(
                f"chirp_rate={chirp_rate!r} must be a number (Hz/s), 'auto' (per frame, from the data) or "
                "'<c>bins' (c frequency bins swept per frame, e.g. '4bins')"
            ) from None
    if isinstance(chirp_rate, bool) or not isinstance(chirp_rate, (int, float, np.integer, np.floating)):
        raise ParameterError(f"chirp_rate={chirp_rate!r} must be a number (Hz/s), 'auto' or '<c>bins'")
    if not np.isfinite(chirp_rate):
        raise ParameterError(f"chirp_rate={chirp_rate!r} must be finite")
    return float(chirp_rate)


def bins_per_frame(rate_hz: float, fs: float, n_fft: int) -> float:
    """The dimensionless chirp rate: frequency bins swept per frame (see :func:`chirp_rate_hz`)."""
    return float(rate_hz) * n_fft**2 / fs**2


def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _data_files(data) -> list:
    if isinstance(data, (list, tuple)):
        files = [os.fspath(p) for p in data]
    else:
        data = os.fspath(data)
        files = sorted(glob.glob(os.path.join(data, "*"))) if os.path.isdir(data) else sorted(glob.glob(data))
    files = [f for f in files if os.path.isfile(f) and not os.path.basename(f).startswith(".")]
    if not files:
        raise ReadError(
            f"data={data!r} matched no files; give a folder, a glob such as 'data/*_magn.csv', or a "
            "list of paths"
        )
    return files


def _file_stations(path: str, fmt: str) -> set:
    """The station codes that the data file ``path`` holds when read as ``fmt`` (none: not such a file)."""
    if fmt == "aeta":
        m = FILE_PATTERN.match(os.path.basename(path))
        return {m.group("station")} if m else set()
    if fmt == "iaga2002":
        with open(path, encoding="ascii", errors="replace") as fh:
            for _, line in zip(range(40), fh, strict=False):
                if line.lower().startswith(" iaga code"):
                    return {line[24:].rstrip().rstrip("|").strip()}
        return set()
    obspy = require("obspy", "obspy", "the obspy format")
    try:
        st = obspy.read(path, headonly=True)
    except Exception:
        log.warning("skipping %s: ObsPy cannot read it", path)
        return set()
    return {tr.stats.station for tr in st}


def _stations_by_file(data, fmt: str) -> dict:
    """Each file of ``data`` -> the station codes it holds in format ``fmt``."""
    return {f: _file_stations(f, fmt) for f in _data_files(data)}


def _files_of(by_file: dict, stations) -> dict:
    wanted = set(stations)
    out: dict = {}
    for f, found in by_file.items():
        for code in sorted(found & wanted):
            out.setdefault(code, []).append(f)
    return out


def station_files(data, fmt: str, stations) -> dict:
    """Map each station code to its data files (only stations in ``stations``)."""
    return _files_of(_stations_by_file(data, fmt), stations)


#: What a station file of each format looks like (for the message of a build that finds none).
_FORMAT_LOOKS = {
    "aeta": "AETA files are named <station>_magn.csv",
    "iaga2002": "IAGA-2002 files have an 'IAGA Code' header line",
    "obspy": "any waveform file ObsPy reads, with the station code in its headers",
}


def _few(items, n: int = 3) -> str:
    items = sorted(map(str, items))
    return ", ".join(items[:n]) + (f" and {len(items) - n} more" if len(items) > n else "")


def no_station_files_message(data, fmt: str, codes, by_file: dict) -> str:
    """Why ``data`` read as ``fmt`` gives no file of the paired stations ``codes``: what it found instead."""
    other = [f for f, found in by_file.items() if found]
    foreign = [os.path.basename(f) for f, found in by_file.items() if not found]
    parts = []
    if other:
        unpaired = {c for f in other for c in by_file[f]}
        parts.append(f"{len(other)} {fmt} file(s) of unpaired station(s) {_few(unpaired)}")
    if foreign:
        parts.append(f"{len(foreign)} not {fmt} station file(s) ({_few(foreign)})")
    return (
        f"data={data!r} (--data) read as format={fmt!r} (--format) holds no file of the {len(codes)} paired "
        f"station(s) ({_few(codes)}): of its {len(by_file)} file(s), {' and '.join(parts)}. Nothing "
        f"was written. Point --data at the station series files (a folder or glob) and pass the --format "
        f"they are in ({_FORMAT_LOOKS.get(fmt, fmt)})"
    )


def channel_layout(cfg: BuildConfig) -> list:
    """The image channels of a dataset, in order: ``[{"kind", "index": [first, stop]}, ...]``
    (recorded in the manifest as ``"channels"``; :func:`seisem.feed.augmentations_for` reads it)."""
    import chirpstft

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
    import chirpstft

    w = chirpstft.get_window(cfg.window, cfg.n_fft)
    hi = float(10.0 * np.log10(float(np.abs(w).sum()) ** 2 / 4.0))
    return (hi - float(cfg.top_db), hi)


def waveform_fixed_range(u: np.ndarray, size, mode: str) -> np.ndarray:
    """Waveform images of series already on a fixed [0, 1] scale (``station-robust``), drawn
    without chirpstft.waveform_image's per-segment min-max (which would erase the amplitude):
    each column filled from the bottom to the series' mean over the column (area averaging
    by :func:`chirpstft.resize`), the top pixel with its fractional coverage (``"filled"``)
    or rounded to 0/1 (``"binary"``); amplitude upwards, uint8 ``(n, H, W, 1)``."""
    import chirpstft

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
    import chirpstft

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


def process_days(days_raw: np.ndarray, cfg: BuildConfig):
    """QC, fill, normalise and render a station's days; returns (qc dict, ok mask, series, images)."""
    filled, qc = screen_days(days_raw, cfg.qc)
    ok = qc["qc_status"] == "ok"
    norm = normalize_days(filled[ok], method=cfg.normalize) if ok.any() else np.empty((0, days_raw.shape[1]))
    norm = norm.astype(np.float32)
    return qc, ok, norm, make_images(norm, cfg)


def _shard_paths(out, code):
    """The station's shard files: images and series (.h5), rows (.csv), daily confound rows (.daily.csv)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(code))
    base = os.path.join(out, "shards", safe)
    return f"{base}.h5", f"{base}.csv", f"{base}.daily.csv"


def _station_daily(code, files, rec, reg, cfg, daily_path):
    """The station's rows of the daily confound table, from the series already read and
    regularised (``rec``, ``reg``; None: read the files), written to ``daily_path``;
    ``(rows or None, error or None)``. A failure is returned, never raised: the controls are
    extra, the dataset itself is fine."""
    import pandas as pd

    try:
        if rec is None:
            rec = read_station(code, files, cfg, missing_element="skip")
        rows = station_daily_rows(code, rec, cfg, reg=reg)
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"
    with atomic_path(daily_path) as tmp:
        (rows if rows is not None else pd.DataFrame(columns=["station_code", "day"])).to_csv(tmp, index=False)
    return rows, None


def _read_daily_shard(daily_path):
    import pandas as pd

    rows = pd.read_csv(daily_path, dtype={"station_code": str, "day": str}, float_precision="round_trip")
    return rows if len(rows) else None


def _shard_valid(h5path, csvpath, cfg_hash) -> bool:
    if not (os.path.exists(h5path) and os.path.exists(csvpath)):
        return False
    import h5py

    try:
        with h5py.File(h5path, "r") as f:
            return f.attrs.get("config_hash") == cfg_hash
    except OSError:
        return False


def build_station(code: str, files: list, samples, cfg: BuildConfig, out: str):
    """Process one station's samples and write its shard (skipped when already valid).

    Returns the station's rows (kept and rejected) as a DataFrame, and its rows of the daily
    confound table as ``(DataFrame or None, error or None)`` (from the series read once for both).
    """
    import h5py
    import pandas as pd

    h5path, csvpath, dailypath = _shard_paths(out, code)
    cfg_hash = cfg.content_hash()
    if _shard_valid(h5path, csvpath, cfg_hash):
        rows = pd.read_csv(
            csvpath,
            dtype={"station_code": str, "source_id": str, "source_ids": str},
            keep_default_na=False,
            na_values=[""],
        )
        if os.path.exists(dailypath):
            return rows, (_read_daily_shard(dailypath), None)
        return rows, (_station_daily(code, files, None, None, cfg, dailypath) if files else (None, None))
    samples = samples.sort_values("day", kind="stable").reset_index(drop=True)
    spd = cfg.samples_per_day
    days = samples["day"].to_numpy().astype("datetime64[D]")
    inside = np.zeros(len(days), bool)
    raw = np.full((len(days), spd), np.nan)
    daily = (None, None)
    if files:
        rec = read_station(code, files, cfg)
        reg = regularize(rec.times, rec.values, interval_s=cfg.interval_s, duplicates=cfg.duplicates)
        daily = _station_daily(code, files, rec, reg, cfg, dailypath)
        if reg.values.size:
            # the calendar days (in cfg.tz) that the data touch, first to last finite sample
            good = np.flatnonzero(np.isfinite(reg.values))
            if good.size:
                from .pairing import event_day

                span = event_day(reg.times[[good[0], good[-1]]], cfg.tz)
                inside = (days >= span[0]) & (days <= span[1])
            if inside.any():
                raw[inside] = day_matrix(reg, days[inside], tz=cfg.tz)
    qc_in, ok_in, series, images = process_days(raw[inside], cfg)
    ok = np.zeros(len(days), bool)
    ok[inside] = ok_in
    qc = {}
    for k, val in qc_in.items():
        full = np.zeros(len(days), dtype=val.dtype if k != "qc_status" else object)
        if k == "qc_missing_fraction":
            full[:] = 1.0
        full[inside] = val
        if k == "qc_status":
            full[~inside] = "outside_data"
            full = full.astype(str)
        qc[k] = full

    rows = samples.copy()
    rows["trace_start_time"] = (
        pd.DatetimeIndex(day_starts_utc(days, cfg.tz)).tz_localize("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    rows["trace_day_local"] = [str(d) for d in days]
    rows["source_origin_time"] = (
        pd.DatetimeIndex(rows["source_origin_time"]).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    for k, val in qc.items():
        rows[k] = val
    if not files:
        rows["qc_status"] = "no_data"
    if "qc_status" not in qc:
        rows["qc_status"] = "outside_data" if files else "no_data"
    rows["shard"] = os.path.basename(h5path)
    idx = np.full(len(rows), -1, np.int64)
    idx[ok] = np.arange(int(ok.sum()))
    rows["trace_index"] = idx
    rows["trace_name"] = [f"{code}${i}" if i >= 0 else "" for i in idx]
    rows = rows.drop(columns=["day"])
    with atomic_path(csvpath) as tmp:
        rows.to_csv(tmp, index=False, float_format="%.6g")
    with atomic_path(h5path) as tmp:
        with h5py.File(tmp, "w", track_order=False) as f:
            f.attrs["config_hash"] = cfg_hash
            f.attrs["station_code"] = str(code)
            f.create_dataset(
                "images",
                data=images,
                chunks=(max(1, min(256, len(images))), *images.shape[1:]) if len(images) else None,
                track_times=False,
            )
            f.create_dataset(
                "series",
                data=series,
                chunks=(max(1, min(256, len(series))), spd) if len(series) else None,
                track_times=False,
            )
    return rows, daily


def by_file_codes(by_file: dict) -> list:
    """Every station code found in the data files."""
    return sorted({c for found in by_file.values() for c in found})


def reference_station_daily(code: str, files: list, cfg: BuildConfig, out: str):
    """The daily rows of a station that no event pairs with (no images), as ``(rows or None,
    error or None)``; kept in ``shards/<code>.ref-<config hash>.daily.csv`` so that a resumed
    build reads them back."""
    base = _shard_paths(out, code)[2]
    path = base[: -len(".daily.csv")] + f".ref-{cfg.content_hash()}.daily.csv"
    if os.path.exists(path):
        return _read_daily_shard(path), None
    return _station_daily(code, files, None, None, cfg, path)


def _run_tasks(tasks, scheduler, progress):
    """Compute dask delayed tasks with a progress bar; ``scheduler`` is a dask scheduler name
    (``"processes"``, ``"threads"``, ``"synchronous"``) or a distributed scheduler address."""
    dask = require("dask", "seisem", "the parallel dataset build")
    if scheduler not in ("processes", "threads", "synchronous", "sync"):
        distributed = require("distributed", "seisem", "a distributed scheduler")
        with distributed.Client(scheduler) as client:
            futures = client.compute(tasks)
            bar = _bar(len(futures), progress)
            results = {}
            for fut in distributed.as_completed(futures):
                results[fut.key] = fut.result()
                bar.update(1)
            bar.close()
            return [results[f.key] for f in futures]
    from dask.callbacks import Callback

    bar = _bar(len(tasks), progress)
    names = {t.key for t in tasks}

    class _Progress(Callback):
        def _posttask(self, key, result, dsk, state, id):
            if key in names:
                bar.update(1)

    with _Progress():
        out = dask.compute(*tasks, scheduler=scheduler)
    bar.close()
    return list(out)


def _bar(total, progress):
    from .._progress import progress_bar

    return progress_bar(total, "stations", "station", enable=progress)


def _write_daily(out, files, cfg, pairs, stations) -> dict:
    """``daily.csv`` and ``pairs.csv`` for the controls (see :mod:`seisem.data.daily`), from
    the stations' daily rows computed while building (``stations``: one (rows, error) each)."""
    return write_daily_table(out, files, cfg, pairs, stations=stations)


def build_dataset(
    stations,
    catalog,
    data,
    out,
    config: BuildConfig | None = None,
    *,
    scheduler: str = "threads",
    progress: bool = True,
    input_files: dict | None = None,
    pairs=None,
) -> dict:
    """Build (or resume building) a dataset in folder ``out``.

    Samples are made only for days inside the span each station's data cover (other
    claimed days are counted as ``outside_data``, not as QC failures); days within
    ``config.exclude_near_days`` of an event that reaches the station by
    ``config.exclude_distance_km`` but does not label the day are left out and counted
    (``counts["labelling"]["excluded_near_other_event"]``). The split is checked: an empty
    split, one with fewer than ``config.min_split_groups`` groups or with one class stops
    the build with :class:`~seisem.SplitError` (``config.on_bad_split="warn"``: a warning,
    and the problems are listed in ``manifest["split_problems"]``).

    Parameters
    ----------
    stations, catalog : DataFrame
        From :func:`seisem.io.read_stations` / :func:`seisem.io.read_catalog`. ``stations``
        may be None when ``pairs`` are given (their station columns are used).
    data : folder, glob or list of paths
        The station series files, in ``config.format``.
    out : path
        The dataset folder; an unfinished build there is resumed.
    scheduler : str
        ``"threads"`` (default), ``"processes"``, ``"synchronous"``, or the address of a
        Dask distributed scheduler (``"tcp://host:8786"``).
    input_files : dict, optional
        Names -> paths of the station list and catalog, hashed into the manifest.
    pairs : DataFrame, optional
        Station-event pairs made elsewhere (:func:`seisem.data.read_pairs`, or
        :func:`~seisem.data.pair_events` with any distance function); then
        ``config.min_magnitude`` and ``config.max_distance_km`` are not applied.

    Returns
    -------
    dict
        The manifest.
    """
    import pandas as pd

    dask = require("dask", "seisem", "the parallel dataset build")
    cfg = config or BuildConfig()
    out = os.fspath(out)
    pairs_given = pairs is not None
    if pairs is None:
        pairs = pair_events(
            stations,
            catalog,
            min_magnitude=cfg.min_magnitude,
            max_distance_km=cfg.max_distance_km,
            em_only=cfg.em_only,
            method=cfg.distance_method,
        )
    samples, label_report = label_days(
        pairs, before_days=cfg.before_days, after_days=cfg.after_days, tz=cfg.tz, collision=cfg.collision
    )
    if cfg.contrast == "before-background":  # a forecasting design: before-days against event-free days
        before = samples[samples["label"] == 1]
        background = background_days(
            pairs,
            min_days=int(cfg.background_days),
            ratio=cfg.background_ratio,
            n_before=len(before),
            tz=cfg.tz,
            seed=cfg.seed,
        )
        samples = pd.concat([before, background], ignore_index=True)
        label_report.extra["contrast"] = "before-background"
        label_report.extra["background_days_drawn"] = len(background)
        label_report.samples_after = 0
    near_info = {"excluded": 0, "skipped": "exclude_near_days=None"}
    if cfg.exclude_near_days is not None:
        if catalog is None:
            near_info = {"excluded": 0, "skipped": "no catalog given"}
            log.warning("no catalog given: days near other events that reach a station are not left out")
        else:
            st = stations
            if st is None:
                st = pairs[["station_code", "station_latitude_deg", "station_longitude_deg"]].drop_duplicates(
                    "station_code"
                )
            samples, near_info = exclude_near_events(
                samples,
                st,
                catalog,
                days=int(cfg.exclude_near_days),
                max_distance_km=cfg.exclude_distance_km,
                min_magnitude=cfg.min_magnitude,
                tz=cfg.tz,
                method=cfg.distance_method,
            )
    label_report.excluded_near_other_event = int(near_info["excluded"])
    label_report.extra["near_other_events"] = near_info
    if label_report.excluded_near_other_event:
        label_report.samples_before = int((samples["label"] == 1).sum())
        label_report.samples_after = int((samples["label"] == 0).sum())
    codes = sorted(samples["station_code"].unique()) if len(samples) else []
    by_file = _stations_by_file(data, cfg.format)
    files = _files_of(by_file, codes)
    if codes and not files:  # a wrong --data or --format: stop before anything is written
        raise ReadError(no_station_files_message(data, cfg.format, codes, by_file))
    os.makedirs(os.path.join(out, "shards"), exist_ok=True)
    for stale in glob.glob(os.path.join(out, "shards", ".*.tmp")) + glob.glob(os.path.join(out, ".*.tmp")):
        os.remove(stale)  # temporary files of a build that was killed
    manifest_path = os.path.join(out, "manifest.json")
    if os.path.exists(manifest_path):
        os.remove(manifest_path)  # the dataset is being rebuilt: not valid until the new manifest lands
    build = dask.delayed(build_station, pure=True)
    tasks = [
        build(code, sorted(files.get(code, [])), samples[samples["station_code"] == code], cfg, out)
        for code in codes
    ]
    # stations with data that no event pairs with: only their daily rows, the remote reference
    # of the activity control (a network-wide disturbance reaches them, a local precursor not)
    listed = set(by_file_codes(by_file)) if stations is None else set(stations["station_code"].astype(str))
    ref_files = _files_of(by_file, sorted(listed - set(codes)))
    reference = dask.delayed(reference_station_daily, pure=True)
    ref_codes = sorted(ref_files)
    tasks += [reference(code, sorted(ref_files[code]), cfg, out) for code in ref_codes]
    results = _run_tasks(tasks, scheduler, progress) if tasks else []
    results, ref_results = results[: len(codes)], results[len(codes) :]
    daily_parts = [daily for code, (_rows, daily) in zip(codes, results, strict=True) if code in files]
    daily_parts += ref_results
    results = [r for r, _daily in results]
    rows = pd.concat(results, ignore_index=True) if results else pd.DataFrame(columns=META_COLUMNS)
    rows["station_code"] = rows["station_code"].astype(str)
    kept = rows[rows["qc_status"] == "ok"].reset_index(drop=True)
    rejected = rows[rows["qc_status"] != "ok"].reset_index(drop=True)
    in_gap = 0
    if len(kept):
        groups = split_groups(
            kept,
            cfg.split_by,
            block_days=cfg.block_days,
            before_days=cfg.before_days,
            after_days=cfg.after_days,
        )
        if cfg.split_by == "forward":  # in time order, with a gap: rows in the gaps are left out
            try:
                split = forward_splits(
                    kept, cfg.fractions, before_days=cfg.before_days, after_days=cfg.after_days
                )
            except ParameterError as exc:
                raise SplitError(
                    f"{out}: --split-by forward cannot make the splits: {exc}. What to change: more data or "
                    "events, other --fractions, or --split-by episode"
                ) from exc
        else:
            split = assign_splits(groups, kept["label"].to_numpy(), fractions=cfg.fractions, seed=cfg.seed)
        kept["split"] = split
        kept["split_group"] = groups
        in_gap = int((split == "gap").sum())
        kept = kept[split != "gap"].reset_index(drop=True)
    else:
        kept["split"] = []
        kept["split_group"] = []
    kept = kept[[*META_COLUMNS, "split_group"]]
    problems = check_splits(kept, cfg.fractions, min_groups=cfg.min_split_groups)
    if problems:
        n_groups = int(kept["split_group"].astype(str).nunique()) if len(kept) else 0
        msg = (
            f"{out}: the split cannot support an honest evaluation: {'; '.join(problems)}. The dataset has "
            f"{len(kept)} samples in {n_groups} {cfg.split_by} group(s) (labels: "
            f"{int((kept['label'] == 1).sum())} before, {int((kept['label'] == 0).sum())} after). What to change: "
            "more data or events (a longer period, more stations, a lower --min-magnitude, a larger "
            "--max-distance-km), other --fractions (e.g. 0.5,0.25,0.25), --split-by time with a smaller "
            "--block-days, or a lower --min-split-groups; or pass --on-bad-split warn to build it anyway "
            "(its metrics will then be marked as not interpretable)"
        )
        if cfg.on_bad_split == "raise":
            raise SplitError(msg)
        import warnings

        log.warning("WARNING: %s", msg)
        warnings.warn(msg, UserWarning, stacklevel=2)
    with atomic_path(os.path.join(out, "metadata.csv")) as tmp:
        kept.to_csv(tmp, index=False, float_format="%.6g")
    rej_cols = [c for c in META_COLUMNS if c not in ("split", "trace_name", "trace_index")]
    with atomic_path(os.path.join(out, "rejected.csv")) as tmp:
        rejected.reindex(columns=rej_cols).to_csv(tmp, index=False, float_format="%.6g")
    versions = {}
    for mod in ("chirpstft", "seisem", "numpy", "scipy", "numba", "pandas", "h5py", "dask"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:  # pragma: no cover
            versions[mod] = None
    split_counts = {
        s: {
            str(lab): int(n)
            for lab, n in kept[kept["split"] == s]["label"].value_counts().sort_index().items()
        }
        for s in ("train", "dev", "test")
    }
    all_files = sorted({f for fl in files.values() for f in fl})
    manifest = {
        "dataset_version": DATASET_VERSION,
        "config": cfg.to_dict(),
        "config_hash": cfg.content_hash(),
        "inputs": {
            **{
                k: {"path": os.path.abspath(v), "sha256": file_sha256(v)}
                for k, v in (input_files or {}).items()
                if v
            },
            "data": {os.path.basename(f): file_sha256(f) for f in all_files},
        },
        "versions": versions,
        "counts": {
            "pairs": len(pairs),
            "stations_paired": len(codes),
            "stations_with_data": len(files),
            "stations_without_data": sorted(set(codes) - set(files)),
            "samples": len(kept),
            "label_1_before": int((kept["label"] == 1).sum()),
            "label_0_after": int((kept["label"] == 0).sum()),
            "rejected": {
                str(k): int(v)
                for k, v in rejected["qc_status"].value_counts().sort_index().items()
                if k not in NOT_QC
            },
            "outside_data": int((rejected["qc_status"] == "outside_data").sum()),
            "no_data": int((rejected["qc_status"] == "no_data").sum()),
            "groups": {
                s: int(kept.loc[kept["split"] == s, "split_group"].astype(str).nunique())
                for s in ("train", "dev", "test")
            },
            "splits": split_counts,
            "left_out_in_forward_gaps": in_gap,
            "labelling": label_report.to_dict(),
        },
        "image_shape": list(image_shape(cfg)),
        **image_record(cfg),
        "samples_per_day": cfg.samples_per_day,
        "data_source": os.path.abspath(data) if isinstance(data, (str, os.PathLike)) else None,
        "split_problems": problems,
        "pairs_given": bool(pairs_given),
        # the controls (seisem.controls): daily activity index and band powers, pairs
        "daily": _write_daily(out, files, cfg, pairs, daily_parts),
    }
    write_json(manifest_path, manifest)
    return manifest


def image_record(cfg: BuildConfig) -> dict:
    """What the manifest says about the images: channel layout, chirp rate in Hz/s and in bins
    per frame, and the fixed decibel range of ``station-robust`` images."""
    fs = 1.0 / cfg.interval_s
    rate = cfg.chirp_rate_hz
    rec = {
        "channels": channel_layout(cfg),
        "chirp": {
            "given": cfg.chirp_rate,
            "hz_per_s": rate,
            "bins_per_frame": None if rate == "auto" else bins_per_frame(rate, fs, cfg.n_fft),
        },
        "db_range": list(station_db_range(cfg)) if cfg.normalize == "station-robust" else "per image",
    }
    return rec


def rerender_dataset(source, out, *, progress: bool = False, **image_options) -> dict:
    """The same dataset (samples, labels, splits, stored series) with other images.

    Reads each shard's stored series (QC'd and normalised as ``source`` was built) and renders
    them again with ``image_options`` (only :data:`IMAGE_FIELDS`: chirp rate, image kinds, STFT
    and image size options, detrend); metadata and splits are copied unchanged, so models
    trained on ``source`` and on ``out`` see exactly the same station-days in each split.
    The manifest records ``"rerendered_from"``. Returns the new manifest.
    """
    import shutil

    import h5py

    bad = sorted(set(image_options) - set(IMAGE_FIELDS))
    if bad:
        raise ParameterError(
            f"rerender_dataset options {bad} would change more than the images; it accepts {IMAGE_FIELDS} "
            "(rebuild with seisem build for anything else)"
        )
    source, out = os.fspath(source), os.fspath(out)
    mpath = os.path.join(source, "manifest.json")
    if not os.path.exists(mpath):
        raise ReadError(f"{source}: no manifest.json: not a finished dataset (seisem build)")
    with open(mpath) as fh:
        src = json.load(fh)
    cfg = BuildConfig.from_dict({**src["config"], **image_options})
    os.makedirs(os.path.join(out, "shards"), exist_ok=True)
    manifest_path = os.path.join(out, "manifest.json")
    if os.path.exists(manifest_path):
        os.remove(manifest_path)
    cfg_hash = cfg.content_hash()
    shards = sorted(glob.glob(os.path.join(source, "shards", "*.h5")))
    bar = _bar(len(shards), progress)
    for h5 in shards:
        name = os.path.basename(h5)
        dst = os.path.join(out, "shards", name)
        csv_src = h5[:-3] + ".csv"
        if _shard_valid(dst, dst[:-3] + ".csv", cfg_hash):
            bar.update(1)
            continue
        with h5py.File(h5, "r") as f:
            series = f["series"][...]
            attrs = dict(f.attrs)
        images = make_images(series, cfg)
        shutil.copyfile(csv_src, dst[:-3] + ".csv")
        with atomic_path(dst) as tmp, h5py.File(tmp, "w", track_order=False) as f:
            f.attrs.update({**attrs, "config_hash": cfg_hash})
            f.create_dataset(
                "images",
                data=images,
                chunks=(max(1, min(256, len(images))), *images.shape[1:]) if len(images) else None,
                track_times=False,
            )
            f.create_dataset(
                "series",
                data=series,
                chunks=(max(1, min(256, len(series))), series.shape[1]) if len(series) else None,
                track_times=False,
            )
        bar.update(1)
    bar.close()
    for name in ("metadata.csv", "rejected.csv", "daily.csv", "pairs.csv"):
        if os.path.exists(os.path.join(source, name)):
            with atomic_path(os.path.join(out, name)) as tmp:
                shutil.copyfile(os.path.join(source, name), tmp)
    manifest = {
        **src,
        "config": cfg.to_dict(),
        "config_hash": cfg_hash,
        "image_shape": list(image_shape(cfg)),
        **image_record(cfg),
        "rerendered_from": {"path": os.path.abspath(source), "config_hash": src.get("config_hash")},
    }
    write_json(manifest_path, manifest)
    return manifest
