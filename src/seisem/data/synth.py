"""A synthetic AETA-like network: station list, catalog and per-station minute series, as files.

The series look like real low-frequency magnetic records: a diurnal variation whose
amplitude wanders from day to day, 1/f noise, drift, spikes, gaps (missing rows),
duplicated rows, saturation episodes (clipped at the station's rail) and a different gain
and offset per station. Before each event, stations within ``precursor_max_distance_km``
get ULF chirp bursts (a Gaussian-tapered sweep from about 1 to 5 mHz over a few hours) on
most of the ``before_days`` calendar days before the event day, with an amplitude that
decays with distance and grows with magnitude. ``precursor="none"`` writes the same
network without them: a null set, on which any classifier must be at chance level.

``storms`` adds network-wide geomagnetic storms (:func:`storm_signal`: a sudden
commencement, a main-phase depression recovering over about a day, and irregular Pc5-band
fluctuations, the same at every station up to a latitude factor): ``"random"`` at random
times (``storm_rate`` onsets per day), ``"before-events"`` with the onset rate multiplied by
``storm_before_factor`` on the ``before_days`` calendar days before any event and divided
by it on the days after any event (unchanged on days that are both, or neither; capped at
one onset per day). Storms are network-wide while labels are per station, so a day after
one event is often a day before another: without the division the before/after contrast
of a dense catalog would be weak. With ``precursor="none"`` this is a
confounded network with no earthquake precursor at all: anything a classifier learns is
geomagnetic activity, which the activity controls of :mod:`seisem.controls` must reveal.
The storms drawn are listed in ``storms.csv``. Storms use their own random stream, so
``storms="none"`` leaves the files exactly as before. ``storm_strength`` grades the confound:
every storm's amplitude is multiplied by it (0: storms are drawn and listed, with amplitude 0,
and leave the series exactly as ``storms="none"`` does; 1: as before).

``interval_s`` (default 60) sets the spacing of the files' rows: 600 writes 10-minute rows as the
AETA competition's feature files have (the minute series sampled every tenth minute).

``dst.txt`` is always written: an hourly Dst-like index of the storms planted, in the WDC
Kyoto format :func:`seisem.geomag.read_dst` reads, one line per UTC day of the span. Each
storm contributes its main-phase depression (the ``main`` term of :func:`storm_signal`,
without the sudden commencement, the Pc5 fluctuations and the latitude factor) at
``DST_NT_PER_UNIT`` nT per noise unit of amplitude, on top of a quiet-time variation of a
few nT (its own random stream, within +-15 nT). With ``storms="none"`` it is the quiet-time
variation only: an activity index from outside the station series, as a real planetary index.

``spacing_days`` places the events' origin times at least that many days apart (uniformly
among all such placements; epicentres and magnitudes as without it): with ``spacing_days >=
before_days + after_days + 3`` no two events' labelled windows (the event day and the days
before and after it, in local calendar days) overlap anywhere in the network, so every
station-day belongs to one event's episode at most.

``precursor="power-matched"``: the same chirp bursts before events as ``"chirp"`` (the same
draws, so the days before events are those of the ``"chirp"`` network), and on the
``after_days`` calendar days after the event day (same stations, same amplitude rule, same
day probability) a phase-randomised surrogate of a burst: the burst's Fourier amplitudes
over the whole day with random phases, i.e. the same periodogram, but no sweep and no time
localisation. Band powers of a day (Welch) then carry little before/after information,
while a spectrogram still shows a sweep before and none after: a control that a model
reading the time-frequency structure passes and a band-power model cannot. ``truth.csv``
then has a ``kind`` column (``"chirp"`` before, ``"surrogate"`` after); the surrogates use
their own random stream.

Files are written in the layouts the readers take: ``stations.csv`` (AETA
``StationInfo.csv``, UTF-8 with BOM), ``catalog.csv`` (AETA ``eqlst.csv``: local time
UTC+8 in ``Time``, Unix seconds in ``Timestamp``), ``data/<StationID>_magn.csv`` (one row
per minute), plus ``truth.csv`` (the precursor bursts actually injected), ``storms.csv``,
``dst.txt`` and ``synth.json`` (the parameters and the files). Same seed, same bytes.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

import numpy as np

from .._errors import ParameterError, check_choice, require
from .._files import atomic_path, write_json
from .pairing import haversine_km

PRECURSORS = ("chirp", "none", "power-matched")
STORMS = ("none", "random", "before-events")
LOCAL_TZ_HOURS = 8  # the AETA network's local time, UTC+8
DST_NT_PER_UNIT = 20.0  # nT of Dst per noise unit of storm amplitude (dst.txt)
DST_QUIET_NT = 3.0  # standard deviation of the quiet-time Dst variation, nT


@dataclass(frozen=True)
class SynthConfig:
    r"""The parameters of a synthetic network written by :func:`synthesize`.

    What each part of the signal is, the docstring of :mod:`seisem.data.synth` says. Same
    parameters, same files, byte for byte.

    Invalid values raise :class:`~seisem.ParameterError` on construction.

    Parameters
    ----------
    stations : int, default 12
        Number of stations (codes ``"101"``, ``"102"``, ...), placed uniformly in ``region``.
    events : int, default 24
        Number of earthquakes in the catalog.
    days : int, default 120
        Length of the series in days from ``start``: at least ``before_days`` plus the days
        after plus 5, and with a ``spacing_days`` also ``events - 1`` spacings more.
    start : str, default "2020-01-01"
        The first day (``YYYY-MM-DD``); the series start at its 00:00 UTC.
    precursor : {"chirp", "none", "power-matched"}, default "chirp"
        ULF chirp bursts on the days before events, nothing (a null network), or bursts
        before and phase-randomised surrogates of the same periodogram after (no sweep).
    seed : int, default 0
        Seed of every random draw.
    region : tuple of 4 floats, default (28.0, 31.0, 101.0, 104.0)
        ``(lat_min, lat_max, lon_min, lon_max)`` of the stations, degrees.
    min_magnitude : float, default 3.3
        Smallest magnitude of the catalog: magnitudes follow the Gutenberg-Richter law above
        it, capped at 7.0 and rounded to 0.1.
    b_value : float, default 1.0
        The Gutenberg-Richter :math:`b` value (magnitudes above ``min_magnitude`` are
        exponential with mean :math:`1 / (b \ln 10)`).
    clusters : int, default 3
        Number of epicentre clusters, each centred on a station drawn at random (at most
        ``stations``).
    cluster_km : float, default 25.0
        Standard deviation of the epicentres around their cluster's centre, km (per
        coordinate).
    precursor_amplitude : float, default 3.0
        Burst amplitude relative to the station's noise level for an M3.6 event at 0 km;
        it decays as :math:`e^{-d / 50\,\mathrm{km}}` with distance and grows as
        :math:`10^{0.5 (M - 3.6)}` with magnitude.
    precursor_min_magnitude : float, default 3.6
        Smallest magnitude of an event whose stations get bursts.
    precursor_max_distance_km : float, default 75.0
        Stations closer than this to an event (km) get its bursts.
    precursor_day_probability : float, default 0.85
        Probability that a given day before an event carries bursts (one or more).
    before_days : int, default 14
        Calendar days (UTC+8) before the event day with bursts; also the "before" window of
        the ``"before-events"`` storms.
    after_days : int, optional
        Calendar days after the event day of the storms' "after" window and of the
        power-matched surrogates; default ``before_days``.
    spacing_days : int, optional
        The least spacing of consecutive events' origin times, days; default none (origin
        times uniform over the span).
    storms : {"none", "random", "before-events"}, default "none"
        Network-wide geomagnetic storms: none, at random times, or more often before events
        and less often after them (``storm_before_factor``).
    storm_rate : float, default 0.15
        Storm onsets per day, in [0, 1] (the baseline of ``"before-events"``).
    storm_before_factor : float, default 6.0
        ``"before-events"``: the onset rate is multiplied by this on the days before events
        and divided by it on the days after (at least 1).
    storm_amplitude : float, default 6.0
        Main-phase depression of a storm in noise units (each storm drawn within
        0.6 to 1.4 times it).
    storm_strength : float, default 1.0
        Multiplies every storm's amplitude: 0 draws and lists the storms with no effect on the
        series, 1 is full strength (finite, at least 0).
    interval_s : int, default 60
        Seconds between the rows of the data files: a whole number of minutes that divides a
        day (600: the AETA feature files' 10 minutes).
    """

    stations: int = 12
    events: int = 24
    days: int = 120
    start: str = "2020-01-01"
    precursor: str = "chirp"
    seed: int = 0
    region: tuple = (28.0, 31.0, 101.0, 104.0)  # lat_min, lat_max, lon_min, lon_max
    min_magnitude: float = 3.3  # Gutenberg-Richter lower bound of the catalog
    b_value: float = 1.0
    clusters: int = 3
    cluster_km: float = 25.0
    precursor_amplitude: float = 3.0  # relative to the station's noise level, at 0 km and M 3.6
    precursor_min_magnitude: float = 3.6
    precursor_max_distance_km: float = 75.0
    precursor_day_probability: float = 0.85
    before_days: int = 14
    after_days: int | None = None  # days after events (storms' "after", power-matched); None: before_days
    spacing_days: int | None = None  # None: origin times uniform; else consecutive events >= this apart
    storms: str = "none"
    storm_rate: float = 0.15  # storm onsets per day (random; the baseline of before-events)
    storm_before_factor: float = 6.0  # before-events: rate x factor before events, / factor after
    storm_amplitude: float = 6.0  # main-phase depression in noise units
    storm_strength: float = 1.0  # multiplies every storm's amplitude: 0 = storms have no effect
    interval_s: int = 60  # rows of the files every interval_s (a multiple of 60 dividing a day; 600: AETA)

    def __post_init__(self):
        check_choice("precursor", self.precursor, PRECURSORS)
        check_choice("storms", self.storms, STORMS)
        if not (0 <= self.storm_rate <= 1):
            raise ParameterError(f"storm_rate={self.storm_rate!r} must be between 0 and 1 onsets per day")
        if not self.storm_before_factor >= 1:
            raise ParameterError(f"storm_before_factor={self.storm_before_factor!r} must be >= 1")
        try:
            strength = float(self.storm_strength)
        except (TypeError, ValueError):
            strength = float("nan")
        if not (np.isfinite(strength) and strength >= 0):
            raise ParameterError(
                f"storm_strength={self.storm_strength!r} must be a finite number >= 0 "
                "(0: storms have no effect, 1: full storm amplitude)"
            )
        if (
            isinstance(self.interval_s, bool)
            or not isinstance(self.interval_s, (int, np.integer))
            or self.interval_s < 60
            or self.interval_s % 60
            or 86400 % self.interval_s
        ):
            raise ParameterError(
                f"interval_s={self.interval_s!r} must be a whole number of minutes in seconds that divides a day "
                "(60, 300, 600, ...)"
            )
        for name in ("stations", "events", "days"):
            if int(getattr(self, name)) < 1:
                raise ParameterError(f"{name}={getattr(self, name)!r} must be a positive integer")
        for name in ("before_days", "after_days", "spacing_days"):
            v = getattr(self, name)
            if name != "before_days" and v is None:
                continue
            if (
                isinstance(v, bool)
                or not isinstance(v, (int, np.integer))
                or v < (1 if name == "spacing_days" else 0)
            ):
                what = "a positive integer" if name == "spacing_days" else "an integer >= 0"
                raise ParameterError(f"{name}={v!r} must be {what} (days)")
        need = self.min_days()
        if self.days < need:
            if self.spacing_days is None:
                raise ParameterError(
                    f"days={self.days} is too short: events need {self.before_days} days before and "
                    f"{self.after} after them; use days >= {need}"
                )
            raise ParameterError(
                f"days={self.days} is too short for events={self.events} at spacing_days="
                f"{self.spacing_days} ({self.before_days} days before the first event, {self.after} after "
                f"the last): use days >= {need}, fewer events or a smaller spacing_days"
            )

    @property
    def after(self) -> int:
        """Days after events: ``after_days``, or ``before_days`` when that is None."""
        return int(self.before_days if self.after_days is None else self.after_days)

    def min_days(self) -> int:
        """The smallest ``days`` that holds the events with their margins (and spacing)."""
        base = int(self.before_days) + self.after + 5
        if self.spacing_days is None:
            return base
        return base + (int(self.events) - 1) * int(self.spacing_days)


def _one_over_f(rng, n, alpha=1.0):
    spec = rng.standard_normal(n // 2 + 1) + 1j * rng.standard_normal(n // 2 + 1)
    f = np.arange(n // 2 + 1, dtype=np.float64)
    f[0] = 1.0
    spec /= f ** (alpha / 2)
    spec[0] = 0.0
    x = np.fft.irfft(spec, n)
    return x / x.std()


def _station_series(rng, n_days, minutes):
    n = n_days * 1440
    t = np.arange(n) / 1440.0  # days
    phase = rng.uniform(0, 2 * np.pi)
    day_amp = np.repeat(
        np.exp(0.3 * np.cumsum(rng.standard_normal(n_days)) / np.sqrt(np.arange(1, n_days + 1))), 1440
    )
    diurnal = day_amp * (np.sin(2 * np.pi * t + phase) + 0.3 * np.sin(4 * np.pi * t + 2 * phase))
    noise = 0.35 * _one_over_f(rng, n) + 0.15 * rng.standard_normal(n)
    drift = rng.uniform(-1, 1) * t / n_days + 0.5 * _one_over_f(rng, n, alpha=2.0)
    x = diurnal + noise + drift
    for i in rng.integers(0, n, rng.poisson(0.5 * n_days)):
        x[i] += rng.choice([-1, 1]) * rng.uniform(4, 12)
    return x


def _chirp_burst(rng, minutes_in_day):
    dur = rng.uniform(90, 240)  # minutes
    t0 = rng.uniform(dur / 2, minutes_in_day - dur / 2)
    f0, f1 = rng.uniform(0.8e-3, 1.5e-3), rng.uniform(3.5e-3, 5.5e-3)  # Hz; Nyquist is 8.3 mHz
    tt = (np.arange(minutes_in_day) - t0) * 60.0  # s, relative to the burst centre
    d = dur * 60.0
    rate = (f1 - f0) / d
    fc = 0.5 * (f0 + f1)
    env = np.exp(-0.5 * (tt / (d / 4)) ** 2)
    return env * np.sin(2 * np.pi * (fc * tt + 0.5 * rate * tt**2) + rng.uniform(0, 2 * np.pi))


def _phase_randomised(rng, x: np.ndarray) -> np.ndarray:
    """A surrogate of ``x`` with the same Fourier amplitudes (the same periodogram over the
    whole length) and uniformly random phases: stationary, no sweep, no time localisation."""
    spec = np.fft.rfft(x)
    phase = np.exp(1j * rng.uniform(0, 2 * np.pi, spec.size))
    phase[0] = 1.0  # the mean stays real (and zero for a burst)
    if x.size % 2 == 0:
        phase[-1] = 1.0  # so does the Nyquist bin
    return np.fft.irfft(spec * phase, x.size)


def storm_signal(n_minutes: int, onset_min: float, amplitude: float, rng) -> np.ndarray:
    """One storm as seen at a station, ``n_minutes`` long: a sudden commencement (+0.3 A over
    minutes), a main-phase depression of ``amplitude`` reached in about 3 h and recovering with
    an e-folding time of about 12 h (the shape of a Dst storm), and irregular fluctuations in
    the Pc5 band (2-7 mHz) whose envelope decays over about 8 h."""
    t = (np.arange(n_minutes) - onset_min) / 60.0  # hours since onset
    on = t >= 0
    tt = np.where(on, t, 0.0)
    sc = 0.3 * amplitude * np.exp(-tt / 1.0) * (1 - np.exp(-tt * 6.0))
    main = -amplitude * (1 - np.exp(-tt / 1.5)) * np.exp(-tt / rng.uniform(8.0, 16.0))
    white = rng.standard_normal(n_minutes)
    spec = np.fft.rfft(white)
    f = np.fft.rfftfreq(n_minutes, d=60.0)
    spec[(f < 2e-3) | (f > 7e-3)] = 0.0
    pc5 = np.fft.irfft(spec, n_minutes)
    pc5 /= pc5.std() + 1e-12
    fluct = 0.35 * amplitude * pc5 * np.exp(-tt / 8.0)
    return np.where(on, sc + main + fluct, 0.0)


def storm_schedule(cfg: SynthConfig, event_days: np.ndarray, first_utc_minute: int) -> list:
    """Storm onsets as ``(utc_minute_from_start, amplitude)``, network-wide (see the module
    docstring); ``event_days`` are the events' local calendar-day indices."""
    if cfg.storms == "none":
        return []
    rng = np.random.default_rng([int(cfg.seed), 0x5707])
    rate = np.full(cfg.days, float(cfg.storm_rate))
    if cfg.storms == "before-events":
        before = np.zeros(cfg.days, bool)
        after = np.zeros(cfg.days, bool)
        for e in event_days:
            before[max(0, e - cfg.before_days) : max(0, e)] = True
            after[max(0, e + 1) : max(0, e + 1 + cfg.after)] = True
        rate = rate * cfg.storm_before_factor ** (before.astype(float) - after.astype(float))
    rate = np.minimum(rate, 1.0)
    out = []
    for d in np.flatnonzero(rng.random(cfg.days) < rate):
        minute = first_utc_minute + d * 1440 + rng.uniform(0, 1440)
        amplitude = cfg.storm_amplitude * cfg.storm_strength  # strength 1: exactly storm_amplitude
        out.append((float(minute), float(amplitude * rng.uniform(0.6, 1.4))))
    return out


def _storm_main(t_hours: np.ndarray, amplitude: float, tau_h: float) -> np.ndarray:
    """The main-phase depression of :func:`storm_signal` (``t_hours`` since onset; 0 before)."""
    tt = np.where(t_hours >= 0, t_hours, 0.0)
    return np.where(t_hours >= 0, -amplitude * (1 - np.exp(-tt / 1.5)) * np.exp(-tt / tau_h), 0.0)


def dst_series(cfg: SynthConfig, storms: list, first_minute: int, n_days: int) -> np.ndarray:
    """Hourly Dst-like values in nT, ``(n_days, 24)``, of ``n_days`` UTC days from the UTC
    midnight ``first_minute`` minutes after ``cfg.start`` (storm onsets count minutes from
    ``cfg.start`` as well): the storms' main-phase depressions at
    ``DST_NT_PER_UNIT`` nT per unit of amplitude (hourly means) plus a quiet-time variation
    (an AR(1) of hourly values, standard deviation ``DST_QUIET_NT``, within +-15 nT) from its
    own random stream."""
    rng = np.random.default_rng([int(cfg.seed), 0xD57])
    n_hours = n_days * 24
    eps = rng.standard_normal(n_hours)
    q = np.empty(n_hours)
    phi = 0.95
    q[0] = eps[0]
    for i in range(1, n_hours):
        q[i] = phi * q[i - 1] + np.sqrt(1 - phi**2) * eps[i]
    minutes = np.zeros(n_days * 1440)
    for onset, amp in storms:
        tau = rng.uniform(8.0, 16.0)  # recovery e-folding time of this storm, hours
        i0 = max(0, int(np.floor(onset)) - first_minute)
        i1 = min(minutes.size, i0 + 10 * 1440)
        if i1 <= i0:
            continue
        t_h = (first_minute + np.arange(i0, i1) - onset) / 60.0
        minutes[i0:i1] += _storm_main(t_h, DST_NT_PER_UNIT * amp, tau)
    hourly = minutes.reshape(n_hours, 60).mean(axis=1)
    return (np.clip(DST_QUIET_NT * q, -15.0, 15.0) + hourly).reshape(n_days, 24)


def _dst_line(day: np.datetime64, values: np.ndarray) -> str:
    """One WDC Kyoto Dst line (120 columns) of a UTC day from 24 hourly values in nT."""
    v = np.round(values).astype(np.int64)
    base = 0 if v.min() >= -999 else int(np.floor(v.min() / 100.0))  # base value, in units of 100 nT
    rel = np.minimum(v - 100 * base, 9998)
    mean = round(float(values.mean())) - 100 * base
    d = day.astype(object)
    head = f"DST{d.year % 100:02d}{d.month:02d}*{d.day:02d}  X0{d.year // 100:02d}{base:4d}"
    return head + "".join(f"{x:4d}" for x in rel) + (f"{mean:4d}" if -999 <= mean <= 9998 else "9999")


def synthesize(out: str | os.PathLike, config: SynthConfig | None = None, **kwargs) -> dict:
    """Write a synthetic network to ``out``; returns the paths written.

    The files, in the layouts seisem's readers take: ``stations.csv`` (AETA station list),
    ``catalog.csv`` (AETA earthquake list), ``data/<StationID>_magn.csv`` (AETA feature
    files), ``truth.csv`` (the precursor bursts injected), ``storms.csv`` (the storms
    drawn), ``dst.txt`` (a Dst-like index of them, WDC Kyoto format) and ``synth.json`` (the
    parameters), each written atomically. The docstring of :mod:`seisem.data.synth` describes
    the signal.

    Parameters
    ----------
    out : str or path-like
        The folder (created if needed; files there are replaced).
    config : SynthConfig, optional
        The network's parameters; default ``SynthConfig(**kwargs)``, so the keyword
        arguments (the fields of :class:`SynthConfig`) are used only without ``config``.

    Returns
    -------
    dict
        ``"stations"``, ``"catalog"``, ``"data"`` (the folder of station files),
        ``"truth"``, ``"storms"``, ``"dst"`` and ``"config"`` (``synth.json``) -> their paths
        under ``out``.
    """
    pd = require("pandas", "seisem", "the synthetic generator")

    cfg = config or SynthConfig(**kwargs)
    rng = np.random.default_rng(cfg.seed)
    out = os.fspath(out)
    os.makedirs(os.path.join(out, "data"), exist_ok=True)
    lat0, lat1, lon0, lon1 = cfg.region
    ns, ne = int(cfg.stations), int(cfg.events)
    codes = [str(101 + i) for i in range(ns)]
    slat = np.round(rng.uniform(lat0, lat1, ns), 4)
    slon = np.round(rng.uniform(lon0, lon1, ns), 4)
    # catalog: clustered epicentres near stations, Gutenberg-Richter magnitudes
    centres = rng.choice(ns, size=min(cfg.clusters, ns), replace=False)
    which = rng.integers(0, centres.size, ne)
    km_per_deg = 111.19
    elat = slat[centres][which] + rng.normal(0, cfg.cluster_km / km_per_deg, ne)
    elon = slon[centres][which] + rng.normal(0, cfg.cluster_km / km_per_deg, ne) / np.cos(np.radians(elat))
    mags = np.round(
        np.minimum(cfg.min_magnitude + rng.exponential(1.0 / (cfg.b_value * np.log(10)), ne), 7.0), 1
    )
    start = np.datetime64(cfg.start, "s")
    margin = (cfg.before_days + 2) * 86400
    span = cfg.days * 86400 - margin - (cfg.after + 2) * 86400
    if cfg.spacing_days is None:
        offsets = np.sort(rng.integers(margin, margin + span, ne))
    else:  # uniform among placements whose consecutive gaps are all >= spacing_days
        gap = int(cfg.spacing_days) * 86400
        offsets = margin + np.sort(rng.integers(0, span - (ne - 1) * gap, ne)) + gap * np.arange(ne)
    etimes = start + offsets.astype("timedelta64[s]")
    unix = etimes.astype("datetime64[s]").astype(np.int64)
    local = etimes + np.timedelta64(LOCAL_TZ_HOURS, "h")
    local_txt = [f"{d.day:02d}/{d.month:02d}/{d.year} {d.hour}:{d.minute:02d}" for d in local.astype(object)]
    stations = pd.DataFrame(
        {
            "Title": [f"SYN{c}" for c in codes],
            "StationID": codes,
            "Longitude": slon,
            "Latitude": slat,
            "MagnData": "True",
            "MagnUpdate": "True",
            "SoundData": "False",
            "SoundUpdate": "False",
        }
    )
    catalog = pd.DataFrame(
        {
            "Longitude": np.round(elon, 3),
            "Latitude": np.round(elat, 3),
            "Magnitude": mags,
            "Time": local_txt,
            "Timestamp": unix,
            "Week": 0,
            "Location": "synthetic",
        }
    )
    paths = {
        "stations": os.path.join(out, "stations.csv"),
        "catalog": os.path.join(out, "catalog.csv"),
        "data": os.path.join(out, "data"),
        "truth": os.path.join(out, "truth.csv"),
        "config": os.path.join(out, "synth.json"),
        "storms": os.path.join(out, "storms.csv"),
        "dst": os.path.join(out, "dst.txt"),
    }
    with atomic_path(paths["stations"]) as tmp:
        stations.to_csv(tmp, index=False, encoding="utf-8-sig")
    with atomic_path(paths["catalog"]) as tmp:
        catalog.to_csv(tmp, index=False, encoding="utf-8-sig")
    dist = haversine_km(slat[:, None], slon[:, None], elat[None, :], elon[None, :])
    # local (UTC+8) calendar day index of each event, relative to the first local day
    local_day0 = (start + np.timedelta64(LOCAL_TZ_HOURS, "h")).astype("datetime64[D]")
    eday = (local.astype("datetime64[D]") - local_day0).astype(int)
    first_utc_minute = int(
        (local_day0 - np.timedelta64(LOCAL_TZ_HOURS, "h") - start.astype("datetime64[m]"))
        .astype("timedelta64[m]")
        .astype(int)
    )
    truth = []
    storms = storm_schedule(cfg, eday, first_utc_minute)
    seeds = np.random.SeedSequence(cfg.seed).spawn(ns)
    n_days = cfg.days
    for s in range(ns):
        srng = np.random.default_rng(seeds[s])
        x = _station_series(srng, n_days + 1, 1440)  # one spare day for the UTC+8 shift
        noise_level = 1.0
        if storms:
            strng = np.random.default_rng([int(cfg.seed), 0x5707, s])
            lat_factor = 1.0 + 0.1 * (slat[s] - lat0) / max(lat1 - lat0, 1e-9)  # a little stronger poleward
            for minute, amp in storms:
                i0 = max(0, int(minute) - 60)
                i1 = min(x.size, int(minute) + 4 * 1440)
                if i1 > i0:
                    x[i0:i1] += storm_signal(i1 - i0, minute - i0, amp * lat_factor, strng)
        surrogates = np.zeros_like(x) if cfg.precursor == "power-matched" else None
        if cfg.precursor in ("chirp", "power-matched"):
            prng = np.random.default_rng([int(cfg.seed), 0x5A77, s])  # the surrogates' own stream
            for e in np.flatnonzero(
                (dist[s] < cfg.precursor_max_distance_km) & (mags >= cfg.precursor_min_magnitude)
            ):
                amp = (
                    cfg.precursor_amplitude
                    * noise_level
                    * np.exp(-dist[s, e] / 50.0)
                    * 10 ** (0.5 * (mags[e] - 3.6))
                )
                for k in range(1, cfg.before_days + 1):
                    if srng.random() > cfg.precursor_day_probability:
                        continue
                    d = eday[e] - k
                    lo = first_utc_minute + d * 1440
                    if lo < 0 or lo + 1440 > x.size:
                        continue
                    nb = 1 + srng.poisson(1.0)
                    for _ in range(nb):
                        x[lo : lo + 1440] += amp * _chirp_burst(srng, 1440)
                    truth.append(
                        (codes[s], f"aeta{unix[e]}", str(local_day0 + d), nb, round(float(amp), 4), "chirp")
                    )
                if cfg.precursor != "power-matched":
                    continue
                for k in range(1, cfg.after + 1):  # after the event day: same power, no sweep
                    if prng.random() > cfg.precursor_day_probability:
                        continue
                    d = eday[e] + k
                    lo = first_utc_minute + d * 1440
                    if lo < 0 or lo + 1440 > x.size:
                        continue
                    nb = 1 + prng.poisson(1.0)
                    for _ in range(nb):
                        surrogates[lo : lo + 1440] += amp * _phase_randomised(prng, _chirp_burst(prng, 1440))
                    truth.append(
                        (
                            codes[s],
                            f"aeta{unix[e]}",
                            str(local_day0 + d),
                            nb,
                            round(float(amp), 4),
                            "surrogate",
                        )
                    )
        gain = 10 ** srng.uniform(-0.5, 0.5)
        offset = srng.uniform(100, 1000)
        # the rail from the series without the surrogates: a power-matched network is the chirp
        # network plus the surrogates on the days after events, the rest identical
        rail = offset + gain * (np.percentile(x, 99.5) + 1.0)
        if surrogates is not None:
            x = x + surrogates
        y = offset + gain * x
        for _ in range(srng.poisson(n_days / 30)):  # saturation episodes: a strong disturbance, clipped
            i = srng.integers(0, y.size - 600)
            L = srng.integers(60, 600)
            y[i : i + L] = np.minimum(y[i : i + L] + gain * srng.uniform(5, 15), rail)
        keep = np.ones(y.size, bool)
        for _ in range(srng.poisson(n_days / 15)):  # gaps: missing rows, minutes to two days long
            i = srng.integers(0, y.size)
            keep[i : i + int(np.exp(srng.uniform(np.log(3), np.log(2880))))] = False
        idx = np.flatnonzero(keep)
        idx = idx[idx % (int(cfg.interval_s) // 60) == 0]  # the minute series sampled every interval_s
        dups = srng.choice(idx, size=3, replace=False)  # a few rows sent twice
        idx = np.sort(np.r_[idx, dups])
        ts = start.astype(np.int64) + 60 * idx
        df = pd.DataFrame(
            {
                "StationID": codes[s],
                "TimeStamp": ts,
                "magn@abs_mean": np.round(y[idx], 4),
                "magn@var": np.round((gain * 0.1 * np.abs(x[idx])) ** 2, 5),
            }
        )
        df = df[df["TimeStamp"] < start.astype(np.int64) + 86400 * n_days]
        with atomic_path(os.path.join(paths["data"], f"{codes[s]}_magn.csv")) as tmp:
            df.to_csv(tmp, index=False)
    truth_cols = ["station_code", "source_id", "day_local", "bursts", "amplitude", "kind"]
    if cfg.precursor != "power-matched":  # the kind column only where there are two kinds
        truth = [row[:-1] for row in truth]
        truth_cols = truth_cols[:-1]
    with atomic_path(paths["truth"]) as tmp:
        pd.DataFrame(truth, columns=truth_cols).to_csv(tmp, index=False)
    start_unix = int(start.astype(np.int64))
    with atomic_path(paths["storms"]) as tmp:
        pd.DataFrame(
            {
                "onset_utc": [str(np.datetime64(start_unix + int(60 * m), "s")) + "Z" for m, _ in storms],
                "amplitude": [round(a, 3) for _, a in storms],
            }
        ).to_csv(tmp, index=False)
    # dst.txt: every UTC day from the one holding the first local day's start to the last data day
    first_day = (start + np.timedelta64(first_utc_minute, "m")).astype("datetime64[D]")
    last_day = (start + np.timedelta64(cfg.days * 86400 - 1, "s")).astype("datetime64[D]")
    n_utc = int((last_day - first_day).astype(int)) + 1
    first_minute = int((first_day.astype("datetime64[m]") - start.astype("datetime64[m]")).astype(int))
    hourly = dst_series(cfg, storms, first_minute, n_utc)
    with atomic_path(paths["dst"]) as tmp, open(tmp, "w", encoding="ascii", newline="\n") as fh:
        for i in range(n_utc):
            fh.write(_dst_line(first_day + np.timedelta64(i, "D"), hourly[i]) + "\n")
    files = {k: os.path.relpath(v, out) for k, v in paths.items() if k != "config"}
    write_json(paths["config"], {"generator": "seisem.data.synth", **asdict(cfg), "files": files})
    return paths
