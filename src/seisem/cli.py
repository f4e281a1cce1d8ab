"""The ``seisem`` command line: ``pairs``, ``synth``, ``build`` (and the training commands)."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from ._errors import SeisemError


def _floats(text):
    return tuple(float(v) for v in text.split(","))


def _add_pairs(sub):
    p = sub.add_parser("pairs", help="station-event pairs (magnitude and distance thresholds) to a CSV")
    p.add_argument(
        "--stations", required=True, help="station list (AETA StationInfo.csv layout or seisem columns)"
    )
    p.add_argument("--catalog", required=True, help="catalog (AETA eqlst.csv, USGS ComCat CSV, or QuakeML)")
    p.add_argument("--min-magnitude", type=float, default=3.6)
    p.add_argument("--max-distance-km", type=float, default=75.0)
    p.add_argument("--em-only", action="store_true", help="only stations with electromagnetic data")
    p.add_argument("--distance", choices=("haversine", "geodesic"), default="haversine")
    p.add_argument("-o", "--output", required=True, help="CSV to write (atomically)")
    p.set_defaults(func=_cmd_pairs)


def _cmd_pairs(args):
    from chirpstft._atomic import atomic_path

    from .data import pair_events
    from .io import read_catalog, read_stations

    st = read_stations(args.stations)
    cat = read_catalog(args.catalog)
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
        f"from {len(st)} stations and {len(cat)} events -> {args.output}"
    )


def _add_synth(sub):
    p = sub.add_parser("synth", help="write a synthetic AETA-like network (stations, catalog, minute series)")
    p.add_argument("--out", required=True)
    p.add_argument("--stations", type=int, default=12)
    p.add_argument("--events", type=int, default=24)
    p.add_argument("--days", type=int, default=120)
    p.add_argument("--start", default="2020-01-01")
    p.add_argument("--precursor", choices=("chirp", "none"), default="chirp")
    p.add_argument("--precursor-amplitude", type=float, default=3.0)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_cmd_synth)


def _cmd_synth(args):
    from .data import synthesize

    paths = synthesize(
        args.out,
        stations=args.stations,
        events=args.events,
        days=args.days,
        start=args.start,
        precursor=args.precursor,
        precursor_amplitude=args.precursor_amplitude,
        seed=args.seed,
    )
    print(
        f"synthetic network written to {args.out}: stations {paths['stations']}, catalog {paths['catalog']}, "
        f"series in {paths['data']}"
    )


def _add_build(sub):
    p = sub.add_parser("build", help="build (or resume) a labelled image dataset")
    p.add_argument("--stations", required=True)
    p.add_argument("--catalog", required=True)
    p.add_argument("--data", required=True, help="folder or glob of station series files")
    p.add_argument("--format", choices=("aeta", "iaga2002", "obspy"), required=True)
    p.add_argument("--out", required=True, help="dataset folder")
    p.add_argument(
        "--tz", default=None, help="time zone of calendar days (default: UTC; +08:00 for --format aeta)"
    )
    p.add_argument("--feature", default="abs_mean", help="AETA feature column (magn@<feature>)")
    p.add_argument("--element", default="H", help="IAGA-2002 element")
    p.add_argument("--channel", default=None, help="ObsPy channel selector")
    p.add_argument(
        "--interval-s",
        type=float,
        default=60.0,
        help="sampling interval of the regular series, seconds (600 for 10-minute AETA features)",
    )
    p.add_argument("--min-magnitude", type=float, default=3.6)
    p.add_argument("--max-distance-km", type=float, default=75.0)
    p.add_argument("--em-only", action="store_true")
    p.add_argument("--before-days", type=int, default=14)
    p.add_argument("--after-days", type=int, default=14)
    p.add_argument("--collision", choices=("drop", "before-wins", "nearest-event"), default="drop")
    p.add_argument("--max-missing", type=float, default=0.10)
    p.add_argument("--normalize", choices=("day-minmax", "station-robust"), default="day-minmax")
    p.add_argument("--n-fft", type=int, default=128)
    p.add_argument("--hop-length", type=int, default=16)
    p.add_argument("--chirp-rate", default="3e-7", help="Hz/s, or 'auto' where chirpstft supports it")
    p.add_argument("--size", default="32,32", help="image height,width")
    p.add_argument("--cmap", default="viridis")
    p.add_argument("--waveform", action="store_true", help="add a waveform-image channel")
    p.add_argument("--split-by", choices=("event", "time", "station"), default="event")
    p.add_argument("--fractions", default="0.7,0.15,0.15", help="train,dev,test shares")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--scheduler",
        default="threads",
        help="dask scheduler: threads (default), processes, synchronous, or a distributed address tcp://host:port",
    )
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=_cmd_build)


def _cmd_build(args):
    from .data import BuildConfig, QCConfig, build_dataset
    from .io import read_catalog, read_stations

    try:
        rate = float(args.chirp_rate)
    except ValueError:
        rate = args.chirp_rate
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
        before_days=args.before_days,
        after_days=args.after_days,
        tz=tz,
        collision=args.collision,
        qc=QCConfig(max_missing=args.max_missing),
        normalize=args.normalize,
        n_fft=args.n_fft,
        hop_length=args.hop_length,
        chirp_rate=rate,
        size=tuple(int(v) for v in args.size.split(",")),
        cmap=args.cmap,
        waveform=args.waveform,
        split_by=args.split_by,
        fractions=_floats(args.fractions),
        seed=args.seed,
    )
    st = read_stations(args.stations)
    cat = read_catalog(args.catalog)
    m = build_dataset(
        st,
        cat,
        args.data,
        args.out,
        cfg,
        scheduler=args.scheduler,
        progress=not args.no_progress,
        input_files={"stations": args.stations, "catalog": args.catalog},
    )
    c = m["counts"]
    print(
        f"dataset {args.out}: {c['samples']} samples ({c['label_1_before']} before, {c['label_0_after']} after) "
        f"from {c['pairs']} pairs; rejected {json.dumps(c['rejected'])}; splits {json.dumps(c['splits'])}"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seisem", description="Seismic-EM station series to chirp-STFT images and classifiers"
    )
    parser.add_argument("-v", "--verbose", action="store_true")
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
    try:
        args.func(args)
    except SeisemError as exc:
        print(f"seisem {args.command}: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
