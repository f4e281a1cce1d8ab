"""The ``seisem`` command line: ``pairs``, ``synth``, ``build`` (and the training commands)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import re
import sys
import warnings

import chirpstft

from . import cli_ml
from ._cli import Help, chirp_rate, cmap, command, distance, floats, options, positive, scheduler, size
from ._errors import ParameterError, SeisemError
from ._files import atomic_path
from .data import BuildConfig, QCConfig, build_dataset, read_pairs, synthesize
from .data.build import data_files, station_event_pairs
from .data.config import PRESETS
from .data.formats import FORMATS
from .data.synth import PRECURSORS, STORMS, SynthConfig
from .fetch import Http, fetch_catalog, fetch_observatory, stations_for_catalog
from .fetch.catalog import CLIENTS
from .fetch.catalog import SOURCES as CATALOG_SOURCES
from .fetch.observatory import SOURCES as OBSERVATORY_SOURCES
from .fetch.observatory import TYPES as OBSERVATORY_TYPES
from .io import read_catalog, read_stations, stations_from_iaga2002


def _option_of(args, filename):
    """The option whose value is (a folder above) ``filename``, for an error message."""
    if filename is None:
        return None
    name = str(filename)
    for key, value in vars(args).items():
        if isinstance(value, str) and value and (name == value or name.startswith(value.rstrip("/") + "/")):
            return "--" + key.replace("_", "-")
    return None


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
    _add_config_options(p, BuildConfig, group="pairing")


def _read_inputs(args, data_files=None):
    """Station list and catalog from the command-line options (station coordinates from the
    IAGA-2002 headers when no list is given)."""
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
    p = command(sub, "pairs", "station-event pairs (magnitude and distance thresholds) to a CSV", _cmd_pairs)
    _add_inputs(p, build=False)
    p.add_argument("-o", "--output", required=True, help="CSV to write (atomically)")


def _cmd_pairs(args):
    st, cat = _read_inputs(args)
    pairs = station_event_pairs(st, cat, BuildConfig(**_config_values(args, BuildConfig, "pairing")))
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
    p = command(
        sub,
        "synth",
        "write a synthetic AETA-like network (stations, catalog, minute series, dst.txt)",
        _cmd_synth,
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


#: SynthConfig fields set by `seisem synth` options (and the option names in error messages).
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
    try:
        # each field from its option (argparse's dest: the name without "--", "-" read as "_")
        cfg = SynthConfig(**{f: getattr(args, o[2:].replace("-", "_")) for f, o in _SYNTH_OPTIONS.items()})
    except ParameterError as exc:  # name the options, not the config fields
        names = "|".join(sorted(_SYNTH_OPTIONS, key=len, reverse=True))
        msg = re.sub(rf"\b({names})\b(?=\s*(=|>=|<=|must|$))", lambda m: _SYNTH_OPTIONS[m.group(1)], str(exc))
        raise ParameterError(msg) from exc
    paths = synthesize(args.out, cfg)
    print(
        f"synthetic network written to {args.out}: stations {paths['stations']}, catalog {paths['catalog']}, "
        f"series in {paths['data']}, Dst-like index {paths['dst']}"
    )


#: How the command line parses a configuration field's text (``kind`` in its option metadata).
_KINDS = {
    "positive_int": positive(int),
    "positive_float": positive(float),
    "distance": distance,
    "chirp_rate": chirp_rate,
    "size": size,
    "floats": floats,
    "cmap": cmap,
}


def _option_fields(cls, group=None):
    """The fields of configuration dataclass ``cls`` that are command-line options (in ``group``)."""
    return [
        f
        for f in dataclasses.fields(cls)
        if "help" in f.metadata and (group is None or f.metadata["group"] == group)
    ]


def _add_config_options(parser, cls, *, group=None, titles=None):
    """Add ``cls``'s option fields (:func:`seisem._options.option`) to ``parser``: one option per
    field, its default the field's, so that a default is written once (on the field)."""
    defaults = (
        cls.defaults() if hasattr(cls, "defaults") else {f.name: f.default for f in dataclasses.fields(cls)}
    )
    sections = {}
    for f in _option_fields(cls, group):
        meta = f.metadata
        title = (titles or {}).get(meta["group"])
        where = parser
        if title:
            where = sections.setdefault(title, parser.add_argument_group(title))
        flag = meta["flag"] or "--" + f.name.replace("_", "-")
        default = defaults[f.name]
        if isinstance(default, bool):
            where.add_argument(flag, dest=f.name, action="store_true", help=meta["help"])
            continue
        kind = _KINDS[meta["kind"]] if meta["kind"] else _FIELD_TYPES.get(str(f.type).split(" |")[0], str)
        shown = ",".join(map(str, default)) if isinstance(default, tuple) else default
        where.add_argument(
            flag, dest=f.name, type=kind, default=shown, choices=meta["choices"], help=meta["help"]
        )


_FIELD_TYPES = {"int": int, "float": float, "str": str}


def _config_values(args, cls, group=None) -> dict:
    """The values of ``cls``'s option fields from parsed ``args``."""
    return options(args, *(f.name for f in _option_fields(cls, group)))


def _add_build(sub):
    # argparse declarations, alike in shape only to those of cli_ml.py; the options on
    # BuildConfig/QCConfig fields come from their metadata (_add_config_options)
    p = command(sub, "build", "build (or resume) a labelled image dataset", _cmd_build)
    _add_inputs(p, build=True)
    p.add_argument(
        "--pairs",
        default=None,
        help="a station-event pairs CSV made elsewhere (e.g. by `seisem pairs`); then --min-magnitude and "
        "--max-distance-km are not applied",
    )
    p.add_argument("--data", required=True, help="folder or glob of station series files")
    p.add_argument("--out", required=True, help="dataset folder")
    p.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default=None,
        help="a published layout's settings, as defaults of the options below: "
        + "; ".join(f"{k}: {v['says']}" for k, v in sorted(PRESETS.items())),
    )
    _add_config_options(p, BuildConfig, group="inputs")
    _add_config_options(p, BuildConfig, group="")
    p.add_argument(
        "--no-exclude-near", action="store_true", help="keep such days (turns --exclude-near-days off)"
    )
    _add_config_options(
        p, QCConfig, titles={"qc": "quality control (a day failing a rule is dropped and counted)"}
    )
    _add_config_options(p, BuildConfig, group="images")
    p.add_argument(
        "--waveform",
        action="store_true",
        help="add a filled waveform channel (= --image spectrogram+waveform-filled)",
    )
    _add_config_options(p, BuildConfig, group="splits", titles={"splits": "splits"})
    p.add_argument(
        "--scheduler",
        type=scheduler,
        default="threads",
        help="dask scheduler: threads, processes, synchronous, or a distributed address tcp://host:port",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _cmd_build(args):
    values = _config_values(args, BuildConfig)
    if args.preset:  # the preset's values, where the option was left at its default
        defaults = BuildConfig.defaults()
        for k, v in PRESETS[args.preset]["config"].items():
            if values.get(k) == defaults[k]:
                values[k] = v
    values["qc"] = QCConfig(**_config_values(args, QCConfig))
    if args.no_exclude_near:
        values["exclude_near_days"] = None
    values["waveform"] = args.waveform
    cfg = BuildConfig(**values)
    pairs = read_pairs(args.pairs) if args.pairs else None
    fmt = FORMATS[cfg.format]
    if args.stations is None and pairs is None and not fmt.coordinates_in_files:
        raise SeisemError(
            "build needs --stations (or --pairs; with --format iaga2002 the file headers serve)"
        )
    if args.catalog is None and pairs is None:
        raise SeisemError("build needs --catalog (or a pairs table with --pairs)")
    header_files = data_files(args.data) if (fmt.coordinates_in_files and not args.stations) else None
    st, cat = _read_inputs(args, header_files if pairs is None or args.catalog else None)
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
    g = m["geometry"]
    print(
        f"sampling interval {g['interval_s']:g} s ({m['interval']['from']}): {g['samples_per_day']} samples a day; "
        f"STFT n_fft={g['n_fft']}, hop_length={g['hop_length']} ({g['frames']} frames a day)"
    )
    if not c["samples"]:
        raise SeisemError(
            f"{args.out}: no sample was built: --data {args.data!r} read as --format {cfg.format} gave "
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


def _add_fetch(sub):
    p = command(
        sub,
        "fetch",
        "download observatory minute data (IAGA-2002) and earthquake catalogs into the layouts seisem reads",
    )
    kinds = p.add_subparsers(dest="fetch_kind", required=True)

    def polite(q):
        g = q.add_argument_group("politeness and retries")
        g.add_argument(
            "--rate", type=positive(float), default=1.0, help="at most this many requests a second"
        )
        g.add_argument(
            "--retries",
            type=int,
            default=4,
            help="further tries of a request that failed transiently (HTTP 429/5xx, timeout, truncated body)",
        )
        g.add_argument(
            "--backoff",
            type=float,
            default=2.0,
            help="seconds before the first retry, doubled each time (a server's Retry-After wins)",
        )
        g.add_argument("--timeout", type=positive(float), default=60.0, help="seconds to wait for an answer")
        q.add_argument("--no-progress", action="store_true", help="no progress bar")

    o = command(
        kinds,
        "observatory",
        "one-minute IAGA-2002 day files from INTERMAGNET or the USGS, resumably",
        _cmd_fetch_observatory,
    )
    o.add_argument(
        "--source",
        choices=OBSERVATORY_SOURCES,
        default="intermagnet",
        help="INTERMAGNET web service (BGS GIN, any INTERMAGNET observatory) or the USGS geomagnetism web service",
    )
    o.add_argument(
        "--station",
        nargs="+",
        action="extend",
        required=True,
        metavar="CODE",
        help="IAGA observatory codes, e.g. --station KAK MMB KNY (or KAK,MMB,KNY)",
    )
    o.add_argument("--start", required=True, help="first UTC day, YYYY-MM-DD")
    o.add_argument("--end", required=True, help="last UTC day (included), YYYY-MM-DD")
    o.add_argument(
        "--type", choices=OBSERVATORY_TYPES, default="definitive", help="publication state of the data"
    )
    o.add_argument(
        "--elements",
        default="HDZF",
        help="four elements (HDZF, XYZF; seisem build's default element is H) or 'native' (INTERMAGNET only)",
    )
    o.add_argument(
        "--out",
        required=True,
        help="folder of the IAGA-2002 files (seisem build --format iaga2002 --data OUT)",
    )
    o.add_argument("--base-url", default=None, help="a mirror or test server speaking the same protocol")
    polite(o)

    c = command(
        kinds,
        "catalog",
        "an earthquake catalog (CSV that seisem pairs/build read) from USGS ComCat, ISC or EMSC",
        _cmd_fetch_catalog,
    )
    c.add_argument("--source", choices=CATALOG_SOURCES, default="usgs", help="FDSN event service")
    c.add_argument("--start", required=True, help="YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (UTC)")
    c.add_argument("--end", required=True, help="YYYY-MM-DD (the day included) or YYYY-MM-DDTHH:MM:SS (UTC)")
    c.add_argument("--min-magnitude", type=float, default=None, help="smallest magnitude asked for")
    c.add_argument(
        "--box",
        default=None,
        metavar="MINLAT,MAXLAT,MINLON,MAXLON",
        help="a region, e.g. 24,46,122,150 (Japan)",
    )
    c.add_argument(
        "--stations",
        default=None,
        help="a station list (as seisem build reads it) or a folder of IAGA-2002 files: circles of --radius-km "
        "around its stations",
    )
    c.add_argument(
        "--radius-km", type=positive(float), default=None, help="the circles' radius with --stations"
    )
    c.add_argument("--out", required=True, help="the catalog file (ComCat CSV layout), e.g. catalog.csv")
    c.add_argument("--base-url", default=None, help="another FDSN server (<base>/fdsnws/event/1/query)")
    c.add_argument(
        "--client",
        choices=CLIENTS,
        default="auto",
        help="ObsPy's FDSN client (auto: when ObsPy is installed) or urllib with the service's CSV/text format",
    )
    c.add_argument(
        "--window-days",
        type=positive(float),
        default=None,
        help="days per query (default: usgs 365, isc 30, emsc 180); a window over the limit is split",
    )
    c.add_argument(
        "--limit",
        type=positive(int),
        default=None,
        help="events one query may return (default: usgs 20000, emsc 10000, isc none)",
    )
    polite(c)


def _service(args) -> dict:
    """The keyword arguments of a fetch that every source takes: the service and how to ask it."""
    return {
        "source": args.source,
        "base_url": args.base_url,
        "http": Http(rate=args.rate, retries=args.retries, backoff_s=args.backoff, timeout_s=args.timeout),
        "progress": not args.no_progress,
    }


def _cmd_fetch_observatory(args):
    s = fetch_observatory(
        args.out, args.station, args.start, args.end, type=args.type, elements=args.elements, **_service(args)
    )
    print(s.text())
    if s.failed:
        raise SeisemError(
            f"{len(s.failed)} station-day(s) failed (listed above); run the same command again to fetch them "
            "(complete files are kept and skipped)"
        )


def _cmd_fetch_catalog(args):
    stations = stations_for_catalog(args.stations) if args.stations else None
    s = fetch_catalog(
        args.out,
        args.start,
        args.end,
        stations=stations,
        **options(args, "min_magnitude", "box", "radius_km", "client", "window_days", "limit"),
        **_service(args),
    )
    print(s.text())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seisem",
        description="Seismic-EM station series to chirp-STFT images and classifiers",
        formatter_class=Help,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the readers assumed and kept")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_pairs(sub)
    _add_synth(sub)
    _add_build(sub)
    _add_fetch(sub)
    cli_ml.add_commands(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    if args.verbose:
        os.environ["SEISEM_VERBOSE"] = "1"  # TensorFlow's start-up lines too (seisem.models)
    shown: set = set()

    def show(message, category, filename, lineno, file=None, line=None):
        """Each warning once, as one line: what it says (its source line only with --verbose)."""
        text = f"seisem {args.command}: warning: {message}"
        if text not in shown:
            shown.add(text)
            where = f" ({filename}:{lineno})" if args.verbose else ""
            print(text + where, file=sys.stderr)

    before, warnings.showwarning = warnings.showwarning, show
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
    finally:
        warnings.showwarning = before
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
