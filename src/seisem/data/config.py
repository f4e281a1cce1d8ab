"""What a dataset is built with: :class:`BuildConfig`, its presets and the STFT geometry rule.

Every field of :class:`BuildConfig` carries its command-line help in its metadata
(:func:`option`); ``seisem build`` derives its options from these fields, so a default is
written once, here.

The sampling interval and the STFT geometry
-------------------------------------------
``interval_s=None`` (the default) means "as the files say": :func:`seisem.data.build_dataset`
reads the interval from the station files' time stamps (:mod:`seisem.data.formats`) and a
given ``interval_s`` that disagrees stops the build with both values named. ``n_fft=None`` and
``hop_length=None`` follow the samples per day (:func:`stft_geometry`): a frame spans the same
share of the day as the seed paper's 128 of 1440 one-minute samples (2 h 8 min), rounded to a
power of two, and the hop is an eighth of the frame. The paper's 1440-sample days keep
``n_fft=128, hop_length=16``; 10-minute AETA features (144 a day) get ``n_fft=16,
hop_length=2``; one-second data (86,400 a day) ``n_fft=8192, hop_length=1024``.
:meth:`BuildConfig.resolve` fills these in; the manifest records the resolved values and where
the interval came from.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import MISSING, asdict, dataclass, field, fields, replace

import numpy as np

from .._errors import ParameterError, check_choice
from .._options import option
from .formats import FORMATS
from .pairing import COLLISIONS, CONTRASTS, METHODS, distance_rule
from .qc import DETREND, NORMALIZE, QCConfig
from .series import DUPLICATES
from .splits import SPLIT_BY

__all__ = [
    "IMAGE_FIELDS",
    "IMAGE_KINDS",
    "ON_BAD_SPLIT",
    "PAPER_GEOMETRY",
    "BuildConfig",
    "bins_per_frame",
    "chirp_rate_hz",
    "parse_chirp_rate",
    "parse_image",
    "stft_geometry",
]

ON_BAD_SPLIT = ("raise", "warn")
#: Image inputs: a chirp-STFT spectrogram (colormap channels), the filled waveform or the
#: binarized waveform of the paper's abstract (one channel each). Stack them with "+".
IMAGE_KINDS = ("spectrogram", "waveform-filled", "waveform-binary")
#: BuildConfig fields that only change how the stored series become images (see
#: :func:`seisem.data.build.rerender_dataset`): everything else (inputs, labels, QC,
#: normalisation, splits) stays.
IMAGE_FIELDS = (
    "chirp_rate",
    "image",
    "waveform",
    "n_fft",
    "hop_length",
    "window",
    "size",
    "cmap",
    "top_db",
    "detrend",
)
#: The seed paper's geometry: 1440 one-minute samples a day, frames of 128, hop 16.
PAPER_GEOMETRY = {"samples_per_day": 1440, "n_fft": 128, "hop_length": 16}


def stft_geometry(samples_per_day: int) -> tuple[int, int]:
    r"""Default ``(n_fft, hop_length)`` for days of ``samples_per_day`` samples.

    A frame spans the share of the day of the paper's 128 of 1440 samples, rounded to the
    nearest power of two (at least 8, at most the largest power of two within the day), and
    the hop is an eighth of it (at least 1): 1440 -> (128, 16), 144 -> (16, 2),
    288 -> (32, 4), 86400 -> (8192, 1024).

    Parameters
    ----------
    samples_per_day : int
        Samples in one station-day: :math:`86400 / \Delta t` for a sampling interval of
        :math:`\Delta t` seconds (1440 for one-minute data, 144 for 10-minute AETA features).

    Returns
    -------
    n_fft, hop_length : int
        The STFT frame length and hop, in samples.

    Raises
    ------
    ParameterError
        Fewer than 8 samples a day.
    """
    spd = int(samples_per_day)
    if spd < 8:
        raise ParameterError(
            f"{spd} samples a day are too few for an STFT image (at least 8); the interval is "
            f"{86400 / max(spd, 1):g} s: pass a finer interval_s, or n_fft and hop_length yourself"
        )
    span = spd * PAPER_GEOMETRY["n_fft"] / PAPER_GEOMETRY["samples_per_day"]
    n_fft = max(8, 2 ** round(math.log2(span)))
    n_fft = min(n_fft, 2 ** int(math.log2(spd)))  # a frame never longer than the day
    return n_fft, max(1, n_fft // 8)


@dataclass(frozen=True)
class BuildConfig:
    """Every parameter that changes a dataset's content (hashed into the manifest and shards).

    ``interval_s``, ``n_fft`` and ``hop_length`` may be None: the build reads the interval
    from the files and derives the geometry (see the module docstring and :meth:`resolve`).
    Each field that is an option of ``seisem build`` carries its help text, from which this
    page's parameter list is made (one text for both). The two fields that are not options:
    ``qc`` holds the day-screening thresholds (a :class:`QCConfig`, whose fields are the
    ``--max-missing``, ... options), and ``waveform=True`` is the older spelling of
    ``image="spectrogram+waveform-filled"`` (it adds a filled-waveform channel and is then
    reset to False). Invalid values raise :class:`~seisem.ParameterError` on construction.
    """

    format: str = field(
        default="aeta", metadata=option("station file format", choices=tuple(FORMATS), group="inputs")
    )
    feature: str = field(
        default="abs_mean", metadata=option("AETA feature column (magn@<feature>)", group="inputs")
    )
    element: str = field(
        default="H", metadata=option("IAGA-2002 element (e.g. H, D, Z, F, X, Y)", group="inputs")
    )
    channel: str | None = field(
        default=None, metadata=option("ObsPy channel selector (e.g. 'LF?')", group="inputs")
    )
    min_magnitude: float = field(default=3.6, metadata=option("smallest magnitude paired", group="pairing"))
    max_distance_km: float | str = field(
        default=75.0,
        metadata=option(
            "pairing radius: a number of km (the seed paper: 75) or 'dobrovolsky' for the earthquake-preparation "
            "radius of Dobrovolsky et al. 1979, which grows tenfold per 2.3 magnitudes (52 km at M4, 380 km at M6, "
            "1,023 km at M7)",
            kind="distance",
            group="pairing",
        ),
    )
    em_only: bool = field(
        default=False, metadata=option("only stations with electromagnetic data", group="pairing")
    )
    distance_method: str = field(
        default="haversine",
        metadata=option(
            "great circle on a 6371 km sphere, or the WGS84 geodesic (needs obspy)",
            choices=METHODS,
            flag="--distance",
            group="pairing",
        ),
    )
    before_days: int = field(default=14, metadata=option("days before an event labelled 1 (before)"))
    after_days: int = field(default=14, metadata=option("days after an event labelled 0 (after)"))
    contrast: str = field(
        default="before-after",
        metadata=option(
            "what the before-days are set against: the after-days (the paper's design), or event-free "
            "background days at least --background-days from any paired event (a forecasting design: "
            "after-days may carry the earthquake's own effects)",
            choices=CONTRASTS,
        ),
    )
    background_days: int = field(
        default=30, metadata=option("before-background: a negative's least distance to any event")
    )
    background_ratio: float | None = field(
        default=1.0, metadata=option("before-background: background days drawn per before-day (seeded)")
    )
    tz: str | None = field(
        default=None,
        metadata=option(
            "time zone of the calendar days that become samples (default: the format's: UTC, +08:00 for "
            "aeta). Not the catalog's time zone (that is --catalog-tz)",
            group="inputs",
        ),
    )
    collision: str = field(
        default="drop", metadata=option("a day claimed as both before and after", choices=COLLISIONS)
    )
    exclude_near_days: int | None = field(
        default=3,
        metadata=option(
            "leave out days within this many days of an event that reaches the station by "
            "--exclude-distance-km (its own rule) but does not label the day (e.g. the Tohoku M9.1 day at "
            "MMB, 640 km away); counted in the labelling report"
        ),
    )
    exclude_distance_km: float | str = field(
        default="dobrovolsky",
        metadata=option("the distance rule for --exclude-near-days: km or 'dobrovolsky'", kind="distance"),
    )
    interval_s: float | None = field(
        default=None,
        metadata=option(
            "sampling interval of the series, seconds; default: read from the files' time stamps (a given "
            "value that disagrees with them stops the build)",
            kind="positive_float",
            group="inputs",
        ),
    )
    duplicates: str = field(
        default="mean",
        metadata=option(
            "samples on one grid point: merged by mean, first or last, or raise", choices=DUPLICATES
        ),
    )
    qc: QCConfig = field(default_factory=QCConfig)
    normalize: str = field(
        default="day-minmax",
        metadata=option(
            "scaling of each day to (0, 1): day-minmax (the seed paper: each day stretched, amplitude lost) "
            "or station-robust (station median and IQR; images in a fixed decibel range, so amplitude is kept)",
            choices=NORMALIZE,
            group="images",
        ),
    )
    detrend: str = field(
        default="none",
        metadata=option(
            "remove each day's mean or line before the transform (data preparation; the transform itself "
            "stays exactly invertible)",
            choices=DETREND,
            group="images",
        ),
    )
    n_fft: int | None = field(
        default=None,
        metadata=option(
            "STFT frame length, samples; default: from the samples per day (128 for 1440, 16 for 144)",
            kind="positive_int",
            group="images",
        ),
    )
    hop_length: int | None = field(
        default=None,
        metadata=option("STFT hop, samples; default: n_fft/8", kind="positive_int", group="images"),
    )
    window: str = field(
        default="hann", metadata=option("STFT window (scipy.signal.get_window name)", group="images")
    )
    chirp_rate: float | str = field(
        default="auto",
        metadata=option(
            "chirp rate of the STFT window: 'auto' (chosen per frame from the data), '<c>bins' (c frequency "
            "bins, each fs/n_fft wide, swept in one frame of n_fft/fs seconds: the same meaning at any "
            "interval and n_fft), or a number in Hz/s; 0 is the plain STFT",
            kind="chirp_rate",
            group="images",
        ),
    )
    size: tuple = field(
        default=(32, 32), metadata=option("image height,width in pixels", kind="size", group="images")
    )
    cmap: str = field(
        default="viridis",
        metadata=option("matplotlib colormap of the images (3 channels)", kind="cmap", group="images"),
    )
    top_db: float = field(
        default=80.0, metadata=option("dynamic range of the images, dB below the peak", group="images")
    )
    waveform: bool = False  # older spelling of image="spectrogram+waveform-filled"
    image: str = field(
        default="spectrogram",
        metadata=option(
            "image input: spectrogram, waveform-filled, waveform-binary, or several stacked as channels with "
            "'+' (e.g. spectrogram+waveform-binary)",
            group="images",
        ),
    )
    split_by: str = field(
        default="episode",
        metadata=option(
            "what is never shared between train, dev and test: episodes (events whose labelled windows "
            "overlap anywhere in the network, merged: the independent units), forward (episodes in time "
            "order, train first, with a gap of before-days + 3 days between splits), event groups (events "
            "sharing a station-day; not independent across the network), time blocks, or stations",
            choices=SPLIT_BY,
            group="splits",
        ),
    )
    fractions: tuple = field(
        default=(0.7, 0.15, 0.15), metadata=option("train,dev,test shares", kind="floats", group="splits")
    )
    block_days: int = field(
        default=30, metadata=option("length of the time blocks of --split-by time", group="splits")
    )
    seed: int = field(default=0, metadata=option("seed of the split assignment", group="splits"))
    min_split_groups: int = field(
        default=2, metadata=option("fewest groups (units) the test split may hold", group="splits")
    )
    on_bad_split: str = field(
        default="raise",
        metadata=option(
            "an empty split, one with too few groups or one class: stop (raise) or build anyway with a "
            "loud warning (warn)",
            choices=ON_BAD_SPLIT,
            group="splits",
        ),
    )

    def __post_init__(self):
        check_choice("format", self.format, tuple(FORMATS))
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
        if self.tz is None:
            object.__setattr__(self, "tz", FORMATS[self.format].tz)
        if self.interval_s is not None:
            if isinstance(self.interval_s, bool) or not (
                isinstance(self.interval_s, (int, float, np.integer, np.floating))
                and np.isfinite(self.interval_s)
                and self.interval_s > 0
            ):
                raise ParameterError(
                    f"interval_s={self.interval_s!r} must be a positive number of seconds, or None (read from "
                    "the files' time stamps)"
                )
            if abs(86400.0 / self.interval_s - round(86400.0 / self.interval_s)) > 1e-9:
                raise ParameterError(f"interval_s={self.interval_s} must divide a day (86400 s)")
            object.__setattr__(self, "interval_s", float(self.interval_s))
        for name in ("n_fft", "hop_length"):
            val = getattr(self, name)
            if val is not None and (
                isinstance(val, bool) or not isinstance(val, (int, np.integer)) or val < 1
            ):
                raise ParameterError(
                    f"{name}={val!r} must be a positive integer, or None (from the samples per day)"
                )
        kinds = parse_image(self.image)
        if self.waveform:  # the older flag: one filled-waveform channel after the others
            if not any(k.startswith("waveform") for k in kinds):
                kinds = (*kinds, "waveform-filled")
            object.__setattr__(self, "waveform", False)
        object.__setattr__(self, "image", "+".join(kinds))
        parse_chirp_rate(self.chirp_rate)  # validates the spelling (the scale needs the geometry)
        if self.interval_s is not None:
            self._fill_geometry()

    def _fill_geometry(self) -> None:
        if self.n_fft is None:
            object.__setattr__(self, "n_fft", stft_geometry(self.samples_per_day)[0])
        if self.hop_length is None:
            object.__setattr__(self, "hop_length", max(1, int(self.n_fft) // 8))

    @property
    def resolved(self) -> bool:
        """Whether the interval (and so the geometry) is known."""
        return self.interval_s is not None

    def resolve(self, interval_s: float) -> BuildConfig:
        """This config with the interval read from the files (``interval_s``, seconds).

        A config that already names an interval keeps it when the two agree (within 0.1 %)
        and raises :class:`~seisem.ParameterError` naming both values when they differ.
        """
        if self.interval_s is not None:
            if abs(self.interval_s - interval_s) > 1e-3 * interval_s:
                raise ParameterError(
                    f"interval_s={self.interval_s:g} (--interval-s) disagrees with the files' time stamps, "
                    f"which are {interval_s:g} s apart; leave --interval-s out to use the files' interval"
                )
            return self
        return replace(self, interval_s=float(interval_s))

    def for_days(self, samples_per_day: int) -> BuildConfig:
        """This config resolved from the width of day arrays (``86400/samples_per_day`` seconds)."""
        return self.resolve(86400.0 / int(samples_per_day))

    def require_resolved(self, what: str) -> None:
        if self.interval_s is None:
            raise ParameterError(
                f"{what} needs the sampling interval: interval_s is None (read from the files by build_dataset); "
                "call config.resolve(interval_s=...) or pass interval_s"
            )

    @classmethod
    def preset(cls, name: str, **overrides) -> BuildConfig:
        """A config for a layout the field publishes (see :data:`PRESETS`), with ``overrides``."""
        if name not in PRESETS:
            raise ParameterError(f"preset={name!r} is not known; choose one of {sorted(PRESETS)}")
        return cls(**{**PRESETS[name]["config"], **overrides})

    def to_dict(self) -> dict:
        d = asdict(self)
        d["size"] = list(self.size)
        d["fractions"] = list(self.fractions)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> BuildConfig:
        """The config of a manifest (``manifest["config"]``); keys it does not know are refused."""
        d = dict(d)
        unknown = sorted(set(d) - {f.name for f in fields(cls)})
        if unknown:
            raise ParameterError(f"config keys {unknown} are not BuildConfig fields")
        if isinstance(d.get("qc"), dict):
            d["qc"] = QCConfig(**d["qc"])
        for k in ("size", "fractions"):
            if k in d:
                d[k] = tuple(d[k])
        return cls(**d)

    @classmethod
    def defaults(cls) -> dict:
        """Each field's default value (the command line shows these)."""
        out = {}
        for f in fields(cls):
            out[f.name] = f.default if f.default is not MISSING else f.default_factory()
        return out

    @property
    def image_kinds(self) -> tuple:
        return tuple(self.image.split("+"))

    @property
    def chirp_rate_hz(self) -> float | str:
        """The chirp rate in Hz/s handed to chirpstft (or ``"auto"``)."""
        if parse_chirp_rate(self.chirp_rate)[0] == "bins":
            self.require_resolved(f"chirp_rate={self.chirp_rate!r} in Hz/s")
            return chirp_rate_hz(self.chirp_rate, 1.0 / self.interval_s, self.n_fft)
        return chirp_rate_hz(self.chirp_rate, 1.0, 8)

    def content_hash(self) -> str:
        """Hash of the parameters that shape a shard (split parameters excluded)."""
        self.require_resolved("the content hash")
        d = self.to_dict()
        for k in ("split_by", "fractions", "block_days", "seed", "min_split_groups", "on_bad_split"):
            d.pop(k)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]

    @property
    def samples_per_day(self) -> int:
        self.require_resolved("samples_per_day")
        return round(86400.0 / self.interval_s)


#: Configurations of layouts the field publishes, each with what it stands for.
PRESETS = {
    "aeta": {
        "config": {"format": "aeta", "feature": "abs_mean", "tz": "+08:00"},
        "says": (
            "the AETA competition's per-station feature files (<StationID>_magn.csv, one row every 10 minutes, "
            "Unix time stamps): the magn@abs_mean feature (the mean absolute amplitude of each 10-minute "
            "window), calendar days in China time (UTC+8) as in the paper, the interval read from the time "
            "stamps (600 s: 144 samples a day, STFT frames of 16 with hop 2)"
        ),
    },
    "iaga2002": {
        "config": {"format": "iaga2002"},
        "says": "IAGA-2002 observatory files (INTERMAGNET): element H, UTC days, the interval from the time stamps",
    },
    "obspy": {
        "config": {"format": "obspy"},
        "says": "any waveform file ObsPy reads (miniSEED, SAC, ...): UTC days, the interval from the traces",
    },
}


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
    unit, value = parse_chirp_rate(chirp_rate)
    if unit == "auto":
        return "auto"
    return value * fs**2 / n_fft**2 if unit == "bins" else value


def parse_chirp_rate(chirp_rate) -> tuple[str, float]:
    """The one reading of a chirp rate's spellings (see :func:`chirp_rate_hz`), from a value or
    from the user's text: ``("auto", nan)``, ``("bins", c)`` for ``c`` frequency bins swept per
    frame, or ``("hz", rate)``. Anything else raises :class:`~seisem.ParameterError`."""
    if isinstance(chirp_rate, str):
        text = chirp_rate.strip().lower()
        if text == "auto":
            return "auto", math.nan
        if text.endswith("bins"):
            try:
                c = float(text[:-4])
            except ValueError:
                c = float("nan")
            if not np.isfinite(c):
                raise ParameterError(
                    f"chirp_rate={chirp_rate!r}: write bins per frame as e.g. '4bins' or '-2.5bins'"
                )
            return "bins", c
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
    return "hz", float(chirp_rate)


def bins_per_frame(rate_hz: float, fs: float, n_fft: int) -> float:
    """The dimensionless chirp rate: frequency bins swept per frame (see :func:`chirp_rate_hz`)."""
    return float(rate_hz) * n_fft**2 / fs**2
