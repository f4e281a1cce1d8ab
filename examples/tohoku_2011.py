"""seisem end to end on real observatory data: MMB and CBI, March 2011, the Tohoku earthquake.

    python examples/tohoku_2011.py --out out/tohoku            # the whole pipeline
    python examples/tohoku_2011.py --out out/tohoku --figures docs   # also the docs figures

Inputs (not part of the project; see ../shared/data/README.md): the IAGA-2002 definitive
one-minute files of Memambetsu (MMB) and Chichijima (CBI) for March 2011, and a catalog of
Japan for the first half of 2011 (``id,time,longitude,latitude,magnitude,x,y``, UTC without
a zone suffix). Station coordinates come from the IAGA-2002 headers; events are paired with
the Dobrovolsky radius 10^(0.43 M) km; each day's linear trend is removed before the
transform (data preparation; the transform stays invertible). The dataset, the trained
model, ``metrics.json`` and the report are written under ``--out``, and the script prints
what the result can and cannot say.

One month at two stations is far too little to train or test a classifier: the Tohoku
sequence links almost every event into one group, and the test split cannot hold the five
independent event groups an evaluation needs. The example is here to show the pipeline on
real data and the verdict it then gives, not to claim a result.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "real"
MAIN_SHOCK = np.datetime64("2011-03-11T05:46:24")
DISTURBED = ("2011-03-01", "2011-03-10", "2011-03-11")


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--out", required=True, help="output folder (dataset/, run/)")
    p.add_argument("--data", default=str(SHARED), help="the shared real-data folder")
    p.add_argument("--element", default="H", help="IAGA-2002 element")
    p.add_argument("--epochs", type=int, default=10, help="training epochs")
    p.add_argument("--size", default="32,32", help="image height,width")
    p.add_argument(
        "--min-magnitude", type=float, default=4.0, help="smallest magnitude paired"
    )
    p.add_argument(
        "--figures",
        default=None,
        help="folder for the spectrogram figures (e.g. docs); none if omitted",
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


def spectrogram_figures(files: dict, element: str, out_dir: Path) -> list:
    """The two stations' chirp spectrograms around the main shock (03-08 to 03-14) and on the
    disturbed days, with real axes (UTC dates, mHz), after removing each record's line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import chirpstft
    from chirpstft import plot
    from seisem.data import regularize
    from seisem.data.qc import detrend_days
    from seisem.io import read_iaga2002

    out_dir.mkdir(parents=True, exist_ok=True)
    # the first and last frames reach past the window: reflected samples there, not zeros (a
    # step from the detrended record to zero would light the edges up across every frequency)
    plan = chirpstft.ChirpSTFT(
        fs=1 / 60, n_fft=256, hop_length=32, chirp_rate=3e-9, pad_mode="reflect"
    )
    written = []
    windows = {
        "mainshock": (
            "2011-03-08",
            "2011-03-15",
            "around the main shock (03-08 to 03-14)",
        ),
        "disturbed": ("2011-03-01", "2011-03-02", "disturbed day 03-01"),
    }
    for tag, (d0, d1, title) in windows.items():
        fig, axes = plt.subplots(
            2, 1, figsize=(10, 6.5), constrained_layout=True, sharex=True
        )
        for ax, (code, path) in zip(
            axes, sorted(files.items(), reverse=True), strict=True
        ):
            r = read_iaga2002(path)
            reg = regularize(r.times, r.values[element])
            t = reg.times
            sel = (t >= np.datetime64(d0)) & (t < np.datetime64(d1))
            x = reg.values[sel]
            x = np.where(np.isfinite(x), x, np.nanmean(x))
            x = detrend_days(x[None, :], "linear")[0]
            S = plan.stft(x)
            # each frequency relative to its own median over the window: the lowest bins hold most
            # of the power, and on one scale with them every change above 1 mHz sits 40-60 dB down
            level = np.sqrt(np.median(np.abs(S) ** 2, axis=1, keepdims=True))
            plot.specshow(np.abs(S) / np.maximum(level, 1e-30), plan=plan, start=t[sel][0], ax=ax, top_db=30,
                          cmap="magma")  # fmt: skip
            fig.axes[-1].set_ylabel("power / band median, dB re its max")
            # mHz: where the record has power (the band above is noise)
            ax.set_ylim(0, 5)
            if tag == "mainshock":
                ax.axvline(
                    MAIN_SHOCK.astype("datetime64[ms]").astype(object),
                    color="cyan",
                    lw=1.2,
                    ls="--",
                )
            ax.set_title(
                f"{code} {element}, linear trend removed: chirp STFT {title}",
                fontsize=11,
            )
        name = out_dir / f"tohoku_2011_{tag}.png"
        fig.savefig(name, dpi=100)
        plt.close(fig)
        written.append(str(name))
    return written


def main(argv=None) -> dict:
    args = parse_args(argv)
    real = Path(args.data)
    iaga = {c.upper(): real / "iaga2002" / f"{c}201103dmin.min" for c in ("mmb", "cbi")}
    catalog_path = real / "catalogs" / "japan_2011_h1.csv"
    for p in [*iaga.values(), catalog_path]:
        if not p.exists():
            sys.exit(
                f"tohoku_2011: {p} is missing; this example needs the shared real data (--data)"
            )
    from seisem.data import BuildConfig, build_dataset, pair_events
    from seisem.evaluate import evaluate
    from seisem.io import read_catalog, stations_from_iaga2002
    from seisem.report import verdict, write_report
    from seisem.train import train

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stations = stations_from_iaga2002(list(iaga.values()))
    catalog = read_catalog(catalog_path)
    print(catalog.attrs["report"].summary())
    for note in catalog.attrs["report"].notes:
        print(f"  catalog: {note}")
    print(
        f"stations from the IAGA-2002 headers: {stations[['station_code', 'station_latitude_deg', 'station_longitude_deg']].to_dict('records')}"
    )
    fixed = pair_events(
        stations, catalog, min_magnitude=args.min_magnitude, max_distance_km=75.0
    )
    pairs = pair_events(
        stations,
        catalog,
        min_magnitude=args.min_magnitude,
        max_distance_km="dobrovolsky",
    )
    march = pairs["source_origin_time"].dt.month == 3
    print(
        f"pairs: {len(fixed)} with the paper's 75 km; {len(pairs)} with the Dobrovolsky radius "
        f"({pairs['source_id'].nunique()} events; by station {pairs['station_code'].value_counts().to_dict()}; "
        f"{int(march.sum())} in March)"
    )
    cfg = BuildConfig.preset(
        "iaga2002",
        element=args.element,
        min_magnitude=args.min_magnitude,
        max_distance_km="dobrovolsky",
        detrend="linear",
        size=tuple(int(v) for v in args.size.split(",")),
        # the sequence links nearly every event into one group: split by 3-day blocks instead, so that
        # the pipeline can run at all (blocks of one sequence are not independent: the verdict says so)
        split_by="time",
        block_days=3,
        fractions=(0.5, 0.25, 0.25),
        on_bad_split="warn",  # one month cannot give an honest split: build anyway, the verdict says so
    )
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # reported below from the manifest
        manifest = build_dataset(
            stations,
            catalog,
            [str(p) for p in iaga.values()],
            out / "dataset",
            cfg,
            scheduler="synchronous",
            progress=False,
            input_files={"catalog": str(catalog_path)},
        )
    c = manifest["counts"]
    lab = c["labelling"]
    print(
        f"dataset: {c['samples']} station-days ({c['label_1_before']} before, {c['label_0_after']} after); "
        f"{c['outside_data']} claimed days outside March 2011; {lab['conflicts_dropped']} days claimed as both "
        f"before and after dropped; {lab['excluded_near_other_event']} left out near other reaching events; QC "
        f"rejected {c['rejected'] or 'none'}; splits {c['splits']} in groups {c['groups']}"
    )
    for prob in manifest["split_problems"]:
        print(f"WARNING: {prob}")
    result = {
        "manifest": manifest,
        "pairs_dobrovolsky": len(pairs),
        "pairs_75km": len(fixed),
    }
    ds_splits = c["splits"]
    if not all(sum(ds_splits[s].values()) for s in ("train", "dev", "test")):
        print(
            "No model can be trained and tested: a split is empty. This month of data cannot say anything."
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
            f"test: {m['n_test']} station-days, accuracy {m['accuracy']:.3f}, balanced accuracy "
            f"{m['balanced_accuracy']:.3f}, chance {m['chance_accuracy']:.3f}"
        )
        result["metrics"] = m
        result["verdict"] = verdict(m)
    print("\nWhat this result can and cannot say:")
    for line in result["verdict"]:
        print("  " + line.replace("**", ""))
    print(
        "  Whatever the numbers, one month at two observatories, with geomagnetically disturbed days (03-01, "
        "03-10/11) inside the Tohoku sequence, cannot separate a seismic precursor from space weather."
    )
    if args.figures:
        for f in spectrogram_figures(iaga, args.element, Path(args.figures)):
            print(f"figure: {f}")
    with open(out / "summary.json", "w") as fh:
        json.dump(
            {k: v for k, v in result.items() if k != "manifest"},
            fh,
            indent=2,
            default=str,
        )
    return result


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
