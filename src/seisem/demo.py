"""``seisem demo``: the whole experiment on synthetic data, from files to a report."""

from __future__ import annotations

import os
import time

#: Sizes of the default demo (about 3 minutes on a 2-core CPU) and of the tiny one used in tests.
SIZES = {
    "default": {"stations": 24, "events": 60, "days": 365, "epochs": 8, "batch_size": 64},
    "tiny": {"stations": 8, "events": 30, "days": 120, "epochs": 2, "batch_size": 32},
    # the confound checks (tests pin --storms before-events / random at this size): events spread
    # over 6 clusters, so that the test split holds several event groups
    "small": {"stations": 12, "events": 24, "days": 300, "clusters": 6, "epochs": 6, "batch_size": 32},
}


def run_demo(
    out="out/seisem-demo",
    *,
    precursor: str = "chirp",
    storms: str = "none",
    seed: int = 0,
    size: str = "default",
    scheduler: str = "threads",
    progress: bool = True,
    filters: bool = True,
    pseudo_events: int = 20,
) -> dict:
    """Synthesize a network (files), build the dataset, train the improved VGG, evaluate, report.

    ``storms``: ``"none"``, ``"random"`` or ``"before-events"`` (network-wide geomagnetic
    storms, see :mod:`seisem.data.synth`); with ``precursor="none", storms="before-events"``
    the network is confounded with no precursor at all, and the report must say that the
    geomagnetic-activity baseline explains the model's score. ``pseudo_events``: catalogs of
    random event times for the pseudo-event control (0 to skip).

    Returns the summary dict, and prints the headline numbers and where the report is.
    """
    from .data import BuildConfig, build_dataset, synthesize
    from .evaluate import evaluate
    from .io import read_catalog, read_stations
    from .report import write_report
    from .train import train

    if size not in SIZES:
        from ._errors import ParameterError

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
        seed=seed,
        **({"clusters": sz["clusters"]} if "clusters" in sz else {}),
    )
    t_synth = time.perf_counter() - t0
    # the tiny network is a smoke test: too few events for an honest test split (its verdict says so)
    cfg = BuildConfig.preset("aeta", seed=seed, on_bad_split="raise" if size == "default" else "warn")
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
    metrics = evaluate(run, seed=seed, pseudo_events=pseudo_events)
    rep = write_report(run, filters=filters)
    total = time.perf_counter() - t0
    c = manifest["counts"]
    summary = {
        "precursor": precursor,
        "seed": seed,
        "samples": c["samples"],
        "splits": c["splits"],
        "test_accuracy": metrics["accuracy"],
        "test_balanced_accuracy": metrics["balanced_accuracy"],
        "test_mcc": metrics["mcc"],
        "test_roc_auc": metrics["roc_auc"],
        "chance_accuracy": metrics["chance_accuracy"],
        "accuracy_ci": metrics["ci"]["accuracy"],
        "reliability": metrics["reliability"],
        "permutation_p": metrics["permutation"]["p_value"],
        "permutation_unit": metrics["permutation"].get("unit"),
        "baseline_logistic_accuracy": metrics["baselines"]["logistic_band_power"].get("accuracy"),
        "storms": storms,
        "baseline_activity_balanced_accuracy": metrics["baselines"]["geomagnetic_activity"].get(
            "balanced_accuracy"
        ),
        "confound": metrics.get("confound"),
        "date_overlap": metrics.get("date_overlap", {}).get("share"),
        "seconds": {
            "synth": round(t_synth, 1),
            "build": round(t_build, 1),
            "train": info["wall_time_s"],
            "total": round(total, 1),
        },
        "report": rep["html"],
    }
    from ._files import write_json

    write_json(os.path.join(out, "summary.json"), summary)
    lo, hi = summary["accuracy_ci"]
    print(
        f"seisem demo ({precursor} precursor, storms {storms}, seed {seed}): {c['samples']} station-days, test split "
        f"{metrics['n_test']}"
    )
    ci_text = (
        f"95 % CI {lo:.3f}-{hi:.3f}"
        if lo is not None
        else f"interval not estimable: {metrics['ci'].get('not_estimable')}"
    )
    rel = metrics["reliability"]
    if not rel["interpretable"]:
        print("  NOT INTERPRETABLE: " + "; ".join(rel["reasons"]))
    print(
        f"  test accuracy {metrics['accuracy']:.3f} ({ci_text}), balanced "
        f"{metrics['balanced_accuracy']:.3f}, MCC {metrics['mcc']:.3f}, ROC-AUC {metrics['roc_auc']:.3f}"
    )
    print(
        f"  chance {metrics['chance_accuracy']:.3f}; permutation p = {metrics['permutation']['p_value']:.4f}; "
        f"logistic regression on band powers: accuracy "
        f"{summary['baseline_logistic_accuracy'] if summary['baseline_logistic_accuracy'] is None else round(summary['baseline_logistic_accuracy'], 3)}"
    )
    act = summary["baseline_activity_balanced_accuracy"]
    perm = metrics["permutation"]
    print(
        f"  permutation unit {perm.get('unit')}: p = {perm['p_value']:.4f} ({perm.get('n_units')} units); "
        f"geomagnetic-activity baseline: balanced accuracy {'–' if act is None else f'{act:.3f}'}; "
        f"test dates also in train: {summary['date_overlap']:.0%}"
    )
    conf = metrics.get("confound") or {}
    if conf.get("why"):
        print(f"  confound check: {conf['why']}")
    print(f"  {total:.0f} s in all; report: {rep['html']} (and {rep['markdown']})")
    return summary
