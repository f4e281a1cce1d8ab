"""seisem end to end on real AETA competition files: December 2020, three stations, the CENC list.

    python examples/aeta_dec2020.py --out out/aeta_dec2020

Inputs (not part of the project; see ../shared/data/README.md): the AETA competition's feature
files ``<StationID>_magn.csv`` for December 2020 as published (one row every 10 minutes, Unix
time stamps, 51 ``magn@...`` features), the AETA station list ``StationInfo.csv`` and the China
Earthquake Networks Center quick-report list for 2020-11 .. 2021-01 (SpreadsheetML named
``.xls``, Beijing time). The build uses the ``aeta`` preset (the ``magn@abs_mean`` feature,
calendar days in China time) and reads the 600 s interval from the time stamps; the STFT
geometry follows the 144 samples a day (frames of 16 samples, hop 2).

A month at three stations cannot test a precursor claim: every labelled window of the month
overlaps the others, so the month is one independent episode, and the split below (3-day time
blocks) is made only so that the pipeline runs. No planetary index is given, so the activity
control falls back to the stations' own series, which cannot separate a local precursor from
geomagnetic activity. The example shows the chain on real files and the verdict it then gives.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "real"


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--out", required=True, help="output folder (dataset/, run/)")
    p.add_argument("--data", default=str(SHARED), help="the shared real-data folder")
    p.add_argument("--epochs", type=int, default=10, help="training epochs")
    p.add_argument("--size", default="32,32", help="image height,width")
    p.add_argument(
        "--min-magnitude", type=float, default=3.0, help="smallest magnitude paired"
    )
    p.add_argument(
        "--no-filters", action="store_true", help="skip the report's filter images"
    )
    p.add_argument(
        "--n-perm",
        type=int,
        default=500,
        help="random assignments of the unit permutation null",
    )
    return p.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    real = Path(args.data)
    folder = real / "aeta" / "dec2020"
    stations_path = real / "aeta" / "StationInfo.csv"
    catalog_path = real / "catalogs" / "cenc_eqList-day_2020-11_2021-01.xls"
    for p in (folder, stations_path, catalog_path):
        if not p.exists():
            sys.exit(
                f"aeta_dec2020: {p} is missing; this example needs the shared real data (--data)"
            )
    from seisem.data import BuildConfig, build_dataset
    from seisem.evaluate import evaluate
    from seisem.io import read_catalog, read_stations
    from seisem.report import verdict, write_report
    from seisem.train import train

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stations, catalog = read_stations(stations_path), read_catalog(catalog_path)
    for table in (stations, catalog):
        print(table.attrs["report"].summary())
        for note in table.attrs["report"].notes:
            print(f"  {note}")
    cfg = BuildConfig.preset(
        "aeta",
        min_magnitude=args.min_magnitude,
        max_distance_km="dobrovolsky",
        size=tuple(int(v) for v in args.size.split(",")),
        # the month is one episode: 3-day blocks only so that the pipeline can run (not independent)
        split_by="time",
        block_days=3,
        fractions=(0.5, 0.25, 0.25),
        on_bad_split="warn",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # reported below from the manifest
        manifest = build_dataset(
            stations,
            catalog,
            folder,
            out / "dataset",
            cfg,
            scheduler="threads",
            progress=False,
        )
    c, g = manifest["counts"], manifest["geometry"]
    print(
        f"sampling interval {g['interval_s']:g} s ({manifest['interval']['from']}), {g['samples_per_day']} samples "
        f"a day, STFT n_fft={g['n_fft']} hop_length={g['hop_length']}"
    )
    print(
        f"dataset: {c['samples']} station-days ({c['label_1_before']} before, {c['label_0_after']} after) from "
        f"{c['pairs']} station-event pairs at {c['stations_with_data']} stations with data; "
        f"{c['outside_data']} claimed days outside the month; QC rejected {c['rejected'] or 'none'}; "
        f"splits {c['splits']}"
    )
    for prob in manifest["split_problems"]:
        print(f"split problem: {prob}")
    result = {"counts": c, "geometry": g}
    if not all(sum(c["splits"][s].values()) for s in ("train", "dev", "test")):
        print(
            "No model can be trained and tested: a split is empty. This month cannot say anything."
        )
        result["verdict"] = ["a split is empty"]
    else:
        info = train(
            out / "dataset",
            out / "run",
            epochs=args.epochs,
            batch_size=16,
            seed=0,
            patience=args.epochs,
        )
        print(
            f"trained {info['epochs_run']} epochs, best dev loss at epoch {info['best_epoch']}"
        )
        m = evaluate(out / "run", n_perm=args.n_perm)
        rep = write_report(out / "run", filters=not args.no_filters, progress=False)
        print(f"report: {rep['html']}")
        print(
            f"test: {m['n_test']} station-days, balanced accuracy {m['balanced_accuracy']:.3f}; activity source: "
            f"{m['confound']['activity_source']}"
        )
        result["metrics"] = {
            k: m[k] for k in ("n_test", "balanced_accuracy", "reliability")
        }
        result["verdict"] = verdict(m)
    print("\nWhat this result can and cannot say:")
    for line in result["verdict"]:
        print("  " + line.replace("**", ""))
    print(
        "  Whatever the numbers, one month at three stations is one episode of space weather and seismicity: "
        "it cannot separate a seismic precursor from geomagnetic activity or from chance. A test needs years "
        "of the network (the competition's 2016-2020 files) and a planetary index (seisem evaluate --activity-file)."
    )
    with open(out / "summary.json", "w") as fh:
        json.dump(result, fh, indent=2, default=str)
    return result


if __name__ == "__main__":
    main()
