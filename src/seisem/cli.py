"""The ``seisem`` command line: ``pairs``, ``synth``, ``build`` (and the training commands)."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from ._errors import SeisemError


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Shows every option's default (``(default: ...)``) after its help text."""


def _floats(text):
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not comma-separated numbers, e.g. 0.6,0.2,0.2"
        ) from None


def _positive(kind):
    """argparse type: a positive int or float (the message says what to pass)."""

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not value > 0 or value != value or value == float("inf"):
            word = "a positive integer, e.g. 128" if kind is int else "a positive number, e.g. 600"
            raise argparse.ArgumentTypeError(f"{text!r} is not {word}")
        return value

    parse.__name__ = f"positive_{kind.__name__}"
    return parse


def _size(text):
    """argparse type: 'height,width' in pixels."""
    parts = text.split(",")
    try:
        h, w = (int(v) for v in parts)
    except ValueError:
        h = w = 0
    if len(parts) != 2 or h <= 0 or w <= 0 or h * w > 1 << 24:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not height,width in pixels (two positive integers, at most 16 Mpixel), e.g. 32,32"
        )
    return f"{h},{w}"


def _scheduler(text):
    """argparse type: a dask scheduler name or a distributed address."""
    if text in ("threads", "processes", "synchronous", "single-threaded", "sync") or text.startswith(
        ("tcp://", "tls://", "inproc://", "ucx://")
    ):
        return text
    raise argparse.ArgumentTypeError(
        f"{text!r} is not a dask scheduler: pass threads, processes, synchronous or an address tcp://host:port"
    )


def _cmap(text):
    """argparse type: a colormap chirpstft can use."""
    import numpy as np

    import chirpstft

    try:
        chirpstft.colorize(np.zeros((1, 1)), text)
    except chirpstft.ChirpSTFTError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _chirp_rate(text):
    """argparse type: 'auto', '<c>bins' or a finite number of Hz/s."""
    t = text.strip()
    if t == "auto":
        return t
    try:
        value = float(t[:-4] if t.endswith("bins") else t)
    except ValueError:
        value = float("nan")
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a chirp rate: pass 'auto', '<c>bins' (e.g. 4bins) or a number in Hz/s (0: plain STFT)"
        )
    return t


def _option_of(args, filename):
    """The option whose value is (a folder above) ``filename``, for an error message."""
    if filename is None:
        return None
    name = str(filename)
    for key, value in vars(args).items():
        if isinstance(value, str) and value and (name == value or name.startswith(value.rstrip("/") + "/")):
            return "--" + key.replace("_", "-")
    return None


def _distance(text):
    """A number of km or 'dobrovolsky'."""
    from .data.pairing import distance_rule

    if text.strip().lower() == "dobrovolsky":
        return "dobrovolsky"
    try:
        distance_rule(text)
    except SeisemError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return float(text)


_DISTANCE_HELP = (
    "pairing radius: a number of km (the seed paper: 75) or 'dobrovolsky' for the earthquake-preparation "
    "radius 10^(0.43*M) km (Dobrovolsky et al. 1979: 52 km at M4, 380 km at M6, 1,023 km at M7)"
)


def _add_inputs(p, *, build: bool):
    need = "" if not build else " (optional with --format iaga2002: coordinates from the file headers; "
    need += "" if not build else "not needed with --pairs)"
    p.add_argument(
        "--stations",
        required=not build,
        default=None,
        help="station list: AETA StationInfo.csv, or a CSV with common column names "
        "(code/station/name, lat/latitude, lon/long/longitude)" + need,
    )
    p.add_argument(
        "--stations-columns",
        default=None,
        metavar="KEY=COLUMN,...",
        help="name the station list's columns where the common names do not fit, e.g. "
        "'code=Kennung,lat=Breite,lon=Laenge' (keys: code, lat, lon, name, has_em)",
    )
    p.add_argument(
        "--catalog",
        required=not build,
        default=None,
        help="catalog: AETA eqlst.csv, USGS ComCat CSV, QuakeML, the CENC quick-report list "
        "(eqList-day.xls, SpreadsheetML; Beijing time converted to UTC), or a CSV with common column names "
        "(id, time/origin_time, lat/latitude, lon/longitude, mag/magnitude, depth)",
    )
    p.add_argument(
        "--catalog-columns",
        default=None,
        metavar="KEY=COLUMN,...",
        help="name the catalog's columns where the common names do not fit, e.g. 'time=OriginTime,mag=ML' "
        "(keys: time, lat, lon, mag, depth, id, mag_type, place)",
    )
    p.add_argument(
        "--catalog-tz",
        default="UTC",
        help="time zone of catalog times written without one (a generic CSV): UTC, an offset such as +08:00, "
        "or a name such as Asia/Shanghai. Not the time zone of calendar days (that is build's --tz)",
    )
    p.add_argument(
        "--errors",
        choices=("raise", "skip"),
        default="raise",
        help="a bad row in the station list or catalog: stop naming file and row (raise), or drop it and "
        "report it (skip)",
    )
    p.add_argument("--min-magnitude", type=float, default=3.6, help="smallest magnitude paired")
    p.add_argument("--max-distance-km", type=_distance, default=75.0, help=_DISTANCE_HELP)
    p.add_argument("--em-only", action="store_true", help="only stations with electromagnetic data")
    p.add_argument(
        "--distance",
        choices=("haversine", "geodesic"),
        default="haversine",
        help="great circle on a 6371 km sphere, or the WGS84 geodesic (needs obspy)",
    )


def _read_inputs(args, data_files=None):
    """Station list and catalog from the command-line options (station coordinates from the
    IAGA-2002 headers when no list is given)."""
    from .io import read_catalog, read_stations, stations_from_iaga2002

    cat = None
    if args.catalog:
        cat = read_catalog(args.catalog, columns=args.catalog_columns, tz=args.catalog_tz, errors=args.errors)
        print(cat.attrs["report"].summary())
        for note in cat.attrs["report"].notes:
            print(f"  {args.catalog}: {note}")
    if args.stations:
        st = read_stations(args.stations, columns=args.stations_columns, errors=args.errors)
    elif data_files is not None:
        st = stations_from_iaga2002(data_files, errors=args.errors)
    else:
        st = None
    if st is not None:
        print(st.attrs["report"].summary())
        for note in st.attrs["report"].notes:
            print(f"  stations: {note}")
    return st, cat


def _add_pairs(sub):
    p = sub.add_parser(
        "pairs",
        help="station-event pairs (magnitude and distance thresholds) to a CSV",
        formatter_class=_Help,
    )
    _add_inputs(p, build=False)
    p.add_argument("-o", "--output", required=True, help="CSV to write (atomically)")
    p.set_defaults(func=_cmd_pairs)


def _cmd_pairs(args):
    from ._files import atomic_path
    from .data import pair_events

    st, cat = _read_inputs(args)
    pairs = pair_events(
        st,
        cat,
        min_magnitude=args.min_magnitude,
        max_distance_km=args.max_distance_km,
        em_only=args.em_only,
        method=args.distance,
    )
    out = pairs.copy()
    out["source_origin_time"] = out["source_origin_time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    with atomic_path(args.output) as tmp:
        out.to_csv(tmp, index=False, float_format="%.4f")
    print(
        f"{len(pairs)} pairs ({pairs['source_id'].nunique()} events, {pairs['station_code'].nunique()} stations) "
        f"from {len(st)} stations and {len(cat)} events (M >= {args.min_magnitude:g}, radius "
        f"{args.max_distance_km if isinstance(args.max_distance_km, str) else f'{args.max_distance_km:g} km'}) "
        f"-> {args.output}"
    )


def _add_synth(sub):
    from .data.synth import PRECURSORS, STORMS

    p = sub.add_parser(
        "synth",
        help="write a synthetic AETA-like network (stations, catalog, minute series, dst.txt)",
        formatter_class=_Help,
    )
    p.add_argument("--out", required=True, help="folder to write")
    p.add_argument("--stations", type=int, default=12, help="number of stations")
    p.add_argument("--events", type=int, default=24, help="number of catalog events")
    p.add_argument("--days", type=int, default=120, help="days of data")
    p.add_argument("--start", default="2020-01-01", help="first day (UTC+8 calendar day)")
    p.add_argument(
        "--spacing-days",
        type=int,
        default=None,
        help="place consecutive events at least this many days apart (each event its own episode; "
        ">= 31 keeps every event's 14-day before/after windows apart from every other's); "
        "without it, origin times are uniform over the span",
    )
    p.add_argument(
        "--precursor",
        choices=PRECURSORS,
        default="chirp",
        help="planted precursor: chirp (ULF chirp bursts on the days before events), none (a null "
        "network), power-matched (the same bursts before events and, on the days after, surrogates "
        "with the bursts' power spectrum but random phases: no sweep, so band powers cannot tell "
        "before from after while a spectrogram can)",
    )
    p.add_argument("--precursor-amplitude", type=float, default=3.0, help="precursor amplitude (noise units)")
    p.add_argument(
        "--storms",
        choices=STORMS,
        default="none",
        help="network-wide geomagnetic storms: none, at random times, or more frequent before events (a confound)",
    )
    p.add_argument(
        "--storm-strength",
        type=float,
        default=1.0,
        help="multiplies every storm's amplitude (>= 0): 0 = storms have no effect on the series or "
        "on dst.txt, 1 = full strength; grades the confound",
    )
    p.add_argument(
        "--storm-contrast",
        type=float,
        default=6.0,
        help="--storms before-events: onsets this many times more often on days before an event and this many "
        "times less often after one (>= 1; 1: no association with events)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.set_defaults(func=_cmd_synth)


#: SynthConfig fields set by `seisem synth` options, for naming the option in error messages.
_SYNTH_OPTIONS = {
    "stations": "--stations",
    "events": "--events",
    "days": "--days",
    "start": "--start",
    "spacing_days": "--spacing-days",
    "precursor": "--precursor",
    "precursor_amplitude": "--precursor-amplitude",
    "storms": "--storms",
    "storm_strength": "--storm-strength",
    "storm_before_factor": "--storm-contrast",
    "seed": "--seed",
}


def _cmd_synth(args):
    import re

    from ._errors import ParameterError
    from .data import synthesize
    from .data.synth import SynthConfig

    try:
        cfg = SynthConfig(
            stations=args.stations,
            events=args.events,
            days=args.days,
            start=args.start,
            spacing_days=args.spacing_days,
            precursor=args.precursor,
            precursor_amplitude=args.precursor_amplitude,
            storms=args.storms,
            storm_strength=args.storm_strength,
            storm_before_factor=args.storm_contrast,
            seed=args.seed,
        )
    except ParameterError as exc:  # name the options, not the config fields
        names = "|".join(sorted(_SYNTH_OPTIONS, key=len, reverse=True))
        msg = re.sub(rf"\b({names})\b(?=\s*(=|>=|<=|must|$))", lambda m: _SYNTH_OPTIONS[m.group(1)], str(exc))
        raise ParameterError(msg) from exc
    paths = synthesize(args.out, cfg)
    print(
        f"synthetic network written to {args.out}: stations {paths['stations']}, catalog {paths['catalog']}, "
        f"series in {paths['data']}, Dst-like index {paths['dst']}"
    )


def _add_build(sub):
    from .data import QCConfig

    q = QCConfig()
    p = sub.add_parser("build", help="build (or resume) a labelled image dataset", formatter_class=_Help)
    _add_inputs(p, build=True)
    p.add_argument(
        "--pairs",
        default=None,
        help="a station-event pairs CSV made elsewhere (e.g. by `seisem pairs`); then --min-magnitude and "
        "--max-distance-km are not applied",
    )
    p.add_argument("--data", required=True, help="folder or glob of station series files")
    p.add_argument(
        "--format", choices=("aeta", "iaga2002", "obspy"), required=True, help="station file format"
    )
    p.add_argument("--out", required=True, help="dataset folder")
    p.add_argument(
        "--tz",
        default=None,
        help="time zone of the calendar days that become samples (default: UTC; +08:00 for --format aeta). "
        "Not the catalog's time zone (that is --catalog-tz)",
    )
    p.add_argument("--feature", default="abs_mean", help="AETA feature column (magn@<feature>)")
    p.add_argument("--element", default="H", help="IAGA-2002 element (e.g. H, D, Z, F, X, Y)")
    p.add_argument("--channel", default=None, help="ObsPy channel selector (e.g. 'LF?')")
    p.add_argument(
        "--interval-s",
        type=_positive(float),
        default=60.0,
        help="sampling interval of the regular series, seconds (600 for 10-minute AETA features)",
    )
    p.add_argument("--before-days", type=int, default=14, help="days before an event labelled 1 (before)")
    p.add_argument("--after-days", type=int, default=14, help="days after an event labelled 0 (after)")
    p.add_argument(
        "--contrast",
        choices=("before-after", "before-background"),
        default="before-after",
        help="what the before-days are set against: the after-days (the paper's design), or event-free "
        "background days at least --background-days from any paired event (a forecasting design: after-days "
        "may carry the earthquake's own effects)",
    )
    p.add_argument(
        "--background-days",
        type=int,
        default=30,
        help="before-background: a negative's least distance to any event",
    )
    p.add_argument(
        "--background-ratio",
        type=float,
        default=1.0,
        help="before-background: background days drawn per before-day (seeded)",
    )
    p.add_argument(
        "--collision",
        choices=("drop", "before-wins", "nearest-event"),
        default="drop",
        help="a day claimed as both before and after",
    )
    p.add_argument(
        "--exclude-near-days",
        type=int,
        default=3,
        help="leave out days within this many days of an event that reaches the station by "
        "--exclude-distance-km (its own rule) but does not label the day (e.g. the Tohoku M9.1 day at MMB, "
        "640 km away); counted in the labelling report",
    )
    p.add_argument("--no-exclude-near", action="store_true", help="keep such days (turns the rule above off)")
    p.add_argument(
        "--exclude-distance-km",
        type=_distance,
        default="dobrovolsky",
        help="the distance rule for --exclude-near-days: km or 'dobrovolsky'",
    )
    qc = p.add_argument_group("quality control (a day failing a rule is dropped and counted)")
    qc.add_argument(
        "--max-missing", type=float, default=q.max_missing, help="largest share of missing samples"
    )
    qc.add_argument(
        "--max-flat-samples",
        type=int,
        default=q.max_flat_samples,
        help="a run of this many identical values (a stuck sensor) drops the day",
    )
    qc.add_argument(
        "--saturation-min-samples",
        type=int,
        default=q.saturation_min_samples,
        help="samples on a clipped plateau at the day's extreme that drop the day",
    )
    qc.add_argument(
        "--saturation-run",
        type=int,
        default=q.saturation_run,
        help="shortest run of identical extreme values counted as plateau",
    )
    qc.add_argument(
        "--saturation-factor",
        type=float,
        default=q.saturation_factor,
        help="a plateau is clipping only when this many times longer than the longest run of identical "
        "values elsewhere in the day (a smooth extreme at 0.1 nT resolution is not clipping)",
    )
    qc.add_argument(
        "--full-scale",
        type=float,
        default=None,
        help="the sensor's stated full scale: samples with |x| >= it count as clipped",
    )
    qc.add_argument(
        "--fill-max-gap",
        type=int,
        default=q.fill_max_gap,
        help="gaps up to this many samples are interpolated, longer ones filled with the day's median",
    )
    p.add_argument(
        "--normalize",
        choices=("day-minmax", "station-robust"),
        default="day-minmax",
        help="scaling of each day to (0, 1): day-minmax (the seed paper: each day stretched, amplitude lost) or "
        "station-robust (station median and IQR; images in a fixed decibel range, so amplitude is kept)",
    )
    p.add_argument(
        "--detrend",
        choices=("none", "mean", "linear"),
        default="none",
        help="remove each day's mean or line before the transform (data preparation; the transform itself "
        "stays exactly invertible)",
    )
    p.add_argument("--n-fft", type=_positive(int), default=128, help="STFT frame length, samples")
    p.add_argument("--hop-length", type=_positive(int), default=16, help="STFT hop, samples")
    p.add_argument(
        "--chirp-rate",
        type=_chirp_rate,
        default="auto",
        help="chirp rate of the STFT window: 'auto' (chosen per frame from the data), '<c>bins' (c frequency "
        "bins swept per frame, rate = c*fs^2/n_fft^2: the same meaning at any --interval-s and --n-fft), "
        "or a number in Hz/s; 0 is the plain STFT",
    )
    p.add_argument("--size", type=_size, default="32,32", help="image height,width in pixels")
    p.add_argument(
        "--cmap", type=_cmap, default="viridis", help="matplotlib colormap of the images (3 channels)"
    )
    p.add_argument(
        "--image",
        default="spectrogram",
        help="image input: spectrogram, waveform-filled, waveform-binary, or several stacked as channels with "
        "'+' (e.g. spectrogram+waveform-binary)",
    )
    p.add_argument(
        "--waveform",
        action="store_true",
        help="add a filled waveform channel (= --image spectrogram+waveform-filled)",
    )
    sp = p.add_argument_group("splits")
    sp.add_argument(
        "--split-by",
        choices=("episode", "forward", "event", "time", "station"),
        default="episode",
        help="what is never shared between train, dev and test: episodes (events whose labelled windows "
        "overlap anywhere in the network, merged: the independent units), forward (episodes in time order, "
        "train first, with a gap of before-days + 3 days between splits), event groups (events sharing a "
        "station-day; not independent across the network), time blocks, or stations",
    )
    sp.add_argument("--fractions", type=_floats, default="0.7,0.15,0.15", help="train,dev,test shares")
    sp.add_argument("--block-days", type=int, default=30, help="length of the time blocks of --split-by time")
    sp.add_argument(
        "--min-split-groups",
        type=int,
        default=2,
        help="fewest groups (events, blocks or stations) the test split may hold",
    )
    sp.add_argument(
        "--on-bad-split",
        choices=("raise", "warn"),
        default="raise",
        help="an empty split, one with too few groups or one class: stop (raise) or build anyway with a "
        "loud warning (warn)",
    )
    sp.add_argument("--seed", type=int, default=0, help="seed of the split assignment")
    p.add_argument(
        "--scheduler",
        type=_scheduler,
        default="threads",
        help="dask scheduler: threads, processes, synchronous, or a distributed address tcp://host:port",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_build)


def _cmd_build(args):
    from .data import BuildConfig, QCConfig, build_dataset, read_pairs
    from .data.build import _data_files

    try:
        rate = float(args.chirp_rate)  # Hz/s
    except ValueError:
        rate = args.chirp_rate  # "auto" or "<c>bins" (checked by BuildConfig)
    tz = args.tz or ("+08:00" if args.format == "aeta" else "UTC")
    cfg = BuildConfig(
        format=args.format,
        feature=args.feature,
        element=args.element,
        channel=args.channel,
        interval_s=args.interval_s,
        min_magnitude=args.min_magnitude,
        max_distance_km=args.max_distance_km,
        em_only=args.em_only,
        distance_method=args.distance,
        before_days=args.before_days,
        after_days=args.after_days,
        contrast=args.contrast,
        background_days=args.background_days,
        background_ratio=args.background_ratio,
        tz=tz,
        collision=args.collision,
        exclude_near_days=None if args.no_exclude_near else args.exclude_near_days,
        exclude_distance_km=args.exclude_distance_km,
        qc=QCConfig(
            max_missing=args.max_missing,
            max_flat_samples=args.max_flat_samples,
            saturation_min_samples=args.saturation_min_samples,
            saturation_run=args.saturation_run,
            saturation_factor=args.saturation_factor,
            full_scale=args.full_scale,
            fill_max_gap=args.fill_max_gap,
        ),
        normalize=args.normalize,
        detrend=args.detrend,
        n_fft=args.n_fft,
        hop_length=args.hop_length,
        chirp_rate=rate,
        size=tuple(int(v) for v in args.size.split(",")),
        cmap=args.cmap,
        waveform=args.waveform,
        image=args.image,
        split_by=args.split_by,
        fractions=args.fractions if isinstance(args.fractions, tuple) else _floats(args.fractions),
        block_days=args.block_days,
        min_split_groups=args.min_split_groups,
        on_bad_split=args.on_bad_split,
        seed=args.seed,
    )
    pairs = read_pairs(args.pairs) if args.pairs else None
    if args.stations is None and pairs is None and args.format != "iaga2002":
        raise SeisemError(
            "build needs --stations (or --pairs; with --format iaga2002 the file headers serve)"
        )
    if args.catalog is None and pairs is None:
        raise SeisemError("build needs --catalog (or a pairs table with --pairs)")
    iaga_files = _data_files(args.data) if (args.format == "iaga2002" and not args.stations) else None
    st, cat = _read_inputs(args, iaga_files if pairs is None or args.catalog else None)
    m = build_dataset(
        st,
        cat,
        args.data,
        args.out,
        cfg,
        scheduler=args.scheduler,
        progress=not args.no_progress,
        input_files={"stations": args.stations, "catalog": args.catalog, "pairs": args.pairs},
        pairs=pairs,
    )
    c = m["counts"]
    if not c["samples"]:
        raise SeisemError(
            f"{args.out}: no sample was built: --data {args.data!r} read as --format {args.format} gave "
            f"{c['pairs']} station-event pairs and {c['outside_data']} labelled days outside the data; QC "
            f"rejected {json.dumps(c['rejected'])}. Check that --data points at the station series files "
            f"(a folder or glob) and that --format matches them"
        )
    lab = c["labelling"]
    print(
        f"dataset {args.out}: {c['samples']} samples ({c['label_1_before']} before, {c['label_0_after']} after) "
        f"from {c['pairs']} pairs; {c['outside_data']} claimed days outside the data, "
        f"{lab['excluded_near_other_event']} left out near other events; QC rejected {json.dumps(c['rejected'])}; "
        f"splits {json.dumps(c['splits'])} in groups {json.dumps(c['groups'])}"
    )
    for prob in m.get("split_problems", []):
        print(f"WARNING: {prob}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seisem",
        description="Seismic-EM station series to chirp-STFT images and classifiers",
        formatter_class=_Help,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the readers assumed and kept")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_pairs(sub)
    _add_synth(sub)
    _add_build(sub)
    try:
        from . import cli_ml
    except ImportError:  # pragma: no cover - the training commands arrive with seisem.train
        cli_ml = None
    if cli_ml is not None:
        cli_ml.add_commands(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    import chirpstft

    try:
        args.func(args)
    except (SeisemError, chirpstft.ChirpSTFTError) as exc:
        print(f"seisem {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a path that cannot be read or written: name it and the option it came from
        where = exc.filename if exc.filename is not None else ""
        option = _option_of(args, exc.filename)
        fix = f"pass another {option}" if option else "check the paths given"
        what = exc.strerror or type(exc).__name__
        print(f"seisem {args.command}: error: {where}: {what}; {fix}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
