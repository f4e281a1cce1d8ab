"""``seisem demo``: the whole experiment on synthetic data, from files to a report."""

from __future__ import annotations

import os
import time

from ._errors import ParameterError
from ._files import write_json
from .data import BuildConfig, build_dataset, synthesize
from .evaluate import evaluate
from .io import read_catalog, read_stations
from .report import write_report
from .train import train

#: Sizes of the default demo and of the small one the controls' tests run. Events are spaced
#: ``spacing_days`` apart (no two labelled windows overlap anywhere in the network), so each event
#: is its own independent unit (episode), every event reaches the catalog's M 3.6 threshold, and
#: the test split (``fractions[2]``) holds at least 10 of them; ``tiny`` is a smoke test, too small for any conclusion (its verdict says so).
SIZES = {
    "default": {
        "stations": 8,
        "events": 40,
        "days": 1320,
        "spacing_days": 32,
        "min_magnitude": 3.6,
        "fractions": (0.5, 0.15, 0.35),
        "epochs": 8,
        "batch_size": 64,
    },
    "small": {
        "stations": 6,
        "events": 30,
        "days": 1000,
        "spacing_days": 32,
        "min_magnitude": 3.6,
        "fractions": (0.45, 0.15, 0.4),
        "epochs": 6,
        "batch_size": 32,
    },
    "tiny": {
        "stations": 4,
        "events": 6,
        "days": 200,
        "spacing_days": 32,
        "min_magnitude": 3.6,
        "fractions": (0.5, 0.25, 0.25),
        "epochs": 2,
        "batch_size": 32,
    },
}


def run_demo(
    out="out/seisem-demo",
    *,
    precursor: str = "chirp",
    storms: str = "none",
    storm_strength: float = 1.0,
    storm_contrast: float = 6.0,
    seed: int = 0,
    size: str = "default",
    scheduler: str = "threads",
    progress: bool = True,
    filters: bool = True,
    pseudo_events: int = 20,
) -> dict:
    """Synthesize a network (files), build the dataset, train the improved VGG, evaluate, report.

    ``precursor``: ``"chirp"``, ``"power-matched"`` (chirps before events, a surrogate of equal
    band power after them: band powers cannot see it) or ``"none"``. ``storms``: ``"none"``,
    ``"random"`` or ``"before-events"`` (network-wide geomagnetic storms, see
    :mod:`seisem.data.synth`), ``storm_strength`` their graded amplitude and ``storm_contrast``
    how much more often they start before events (and less often after) with
    ``"before-events"`` (6: nearly every before-window holds a storm, so an activity index
    alone separates before from after; 2: a weaker confound). The evaluation's
    activity index is the Dst-like file of the storms the generator planted (``dst.txt``), the
    route a real run takes with ``--activity-file``: with ``precursor="none",
    storms="before-events"`` the verdict must be "explained by activity", with
    ``precursor="chirp", storms="none"`` "skill beyond activity". ``pseudo_events``: shifted
    catalogs for the pseudo-event control (0 to skip).

    Returns the summary dict, and prints the headline numbers and where the report is.
    """
    if size not in SIZES:
        raise ParameterError(f"size={size!r} is not known; choose one of {sorted(SIZES)}")
    sz = SIZES[size]
    out = os.fspath(out)
    t0 = time.perf_counter()
    net = synthesize(
        os.path.join(out, "network"),
        stations=sz["stations"],
        events=sz["events"],
        days=sz["days"],
        precursor=precursor,
        storms=storms,
        storm_strength=storm_strength,
        storm_before_factor=storm_contrast,
        seed=seed,
        **{k: sz[k] for k in ("clusters", "spacing_days", "min_magnitude") if k in sz},
    )
    t_synth = time.perf_counter() - t0
    # the tiny network is a smoke test: too few events for an honest test split (its verdict says so)
    cfg = BuildConfig.preset(
        "aeta",
        seed=seed,
        on_bad_split="raise" if size == "default" else "warn",
        **({"fractions": sz["fractions"]} if "fractions" in sz else {}),
    )
    ds_path = os.path.join(out, "dataset")
    manifest = build_dataset(
        read_stations(net["stations"]),
        read_catalog(net["catalog"]),
        net["data"],
        ds_path,
        cfg,
        scheduler=scheduler,
        progress=progress,
        input_files={"stations": net["stations"], "catalog": net["catalog"]},
    )
    t_build = time.perf_counter() - t0 - t_synth
    run = os.path.join(out, "run")
    info = train(
        ds_path,
        run,
        model="improved-vgg",
        epochs=sz["epochs"],
        batch_size=sz["batch_size"],
        seed=seed,
        patience=3,
        verbose=2 if progress else 0,
    )
    metrics = evaluate(run, seed=seed, pseudo_events=pseudo_events, activity_file=net["dst"])
    rep = write_report(run, filters=filters)
    total = time.perf_counter() - t0
    c = manifest["counts"]
    conf = metrics.get("confound") or {}
    perm = metrics["permutation"]
    summary = {
        "precursor": precursor,
        "storms": storms,
        "storm_strength": storm_strength,
        "storm_contrast": storm_contrast,
        "seed": seed,
        "size": size,
        "samples": c["samples"],
        "splits": c["splits"],
        "test_accuracy": metrics["accuracy"],
        "test_balanced_accuracy": metrics["balanced_accuracy"],
        "test_mcc": metrics["mcc"],
        "test_roc_auc": metrics["roc_auc"],
        "chance_accuracy": metrics["chance_accuracy"],
        "accuracy_ci": metrics["ci"]["accuracy"],
        "balanced_accuracy_ci": metrics["ci"]["balanced_accuracy"],
        "reliability": metrics["reliability"],
        "permutation_p": perm["p_value"],
        "permutation_unit": perm.get("unit"),
        "test_units": perm.get("n_units"),
        "baseline_logistic_balanced_accuracy": metrics["baselines"]["logistic_band_power"].get(
            "balanced_accuracy"
        ),
        "baseline_activity_balanced_accuracy": metrics["baselines"]["geomagnetic_activity"].get(
            "balanced_accuracy"
        ),
        "activity_source": conf.get("activity_source"),
        "confound": {k: conf.get(k) for k in ("activity_source", "explains", "verdict", "why")},
        "date_overlap": metrics.get("date_overlap", {}).get("share"),
        "seconds": {
            "synth": round(t_synth, 1),
            "build": round(t_build, 1),
            "train": info["wall_time_s"],
            "total": round(total, 1),
        },
        "report": rep["html"],
    }
    write_json(os.path.join(out, "summary.json"), summary)
    print(
        f"seisem demo ({precursor} precursor, storms {storms}, seed {seed}): {c['samples']} station-days, "
        f"test split {metrics['n_test']} in {perm.get('n_units')} independent episodes"
    )
    rel = metrics["reliability"]
    if not rel["interpretable"]:
        print("  NOT INTERPRETABLE: " + "; ".join(rel["reasons"]))
    lo, hi = summary["balanced_accuracy_ci"]
    ci_text = f"95 % CI {lo:.3f}-{hi:.3f}" if lo is not None else "interval not estimable"
    print(
        f"  test balanced accuracy {metrics['balanced_accuracy']:.3f} ({ci_text}), accuracy "
        f"{metrics['accuracy']:.3f}, MCC {metrics['mcc']:.3f}, ROC-AUC {metrics['roc_auc']:.3f}; "
        f"chance {metrics['chance_accuracy']:.3f}"
    )
    act, bp = summary["baseline_activity_balanced_accuracy"], summary["baseline_logistic_balanced_accuracy"]
    print(
        f"  permutation over {perm.get('n_units')} episodes: p = {perm['p_value']:.4f} (smallest attainable "
        f"{perm.get('min_attainable_p', float('nan')):.4f}); band-power baseline "
        f"{'–' if bp is None else f'{bp:.3f}'}; activity baseline ({conf.get('activity_source')}) "
        f"{'–' if act is None else f'{act:.3f}'}"
    )
    if conf.get("why"):
        print(f"  confound verdict: {conf.get('verdict')}: {conf['why']}")
    print(f"  {total:.0f} s in all; report: {rep['html']} (and {rep['markdown']})")
    return summary
