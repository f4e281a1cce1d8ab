"""The training commands of the ``seisem`` CLI: train, evaluate, report, sweep, demo."""

from __future__ import annotations

import argparse
import json


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Shows every option's default after its help text."""


def add_commands(sub):
    p = sub.add_parser(
        "train", help="train a model on a dataset's train split (dev picks the epoch)", formatter_class=_Help
    )
    p.add_argument("dataset", help="dataset folder (seisem build)")
    p.add_argument("--model", choices=("improved-vgg", "vgg16"), default="improved-vgg", help="architecture")
    p.add_argument("--epochs", type=int, default=20, help="most epochs")
    p.add_argument("--batch-size", type=int, default=128, help="images per batch")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate")
    p.add_argument("--seed", type=int, default=0, help="random seed (weights, shuffling, augmentation)")
    p.add_argument("--patience", type=int, default=5, help="early stopping on the dev loss, epochs")
    p.add_argument("--no-augment", action="store_true", help="no time-axis augmentation")
    p.add_argument("--out", required=True, help="run folder")
    p.set_defaults(func=_train)

    p = sub.add_parser(
        "evaluate",
        help="test-split metrics with intervals, baselines and a permutation null",
        formatter_class=_Help,
    )
    p.add_argument("run", help="run folder (seisem train)")
    p.add_argument("--n-boot", type=int, default=1000, help="cluster-bootstrap resamples")
    p.add_argument("--n-perm", type=int, default=1000, help="label permutations of the null")
    p.add_argument("--seed", type=int, default=0, help="seed of bootstrap and permutations")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser(
        "report",
        help="curves, filter images and report.md/report.html for an evaluated run",
        formatter_class=_Help,
    )
    p.add_argument("run", help="run folder (seisem evaluate)")
    p.add_argument(
        "--no-filters", action="store_true", help="skip the filter images (about a minute on a CPU)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress lines for the filter images")
    p.set_defaults(func=_report)

    p = sub.add_parser("sweep", help="the paper's Table 1: one run per batch size", formatter_class=_Help)
    p.add_argument("dataset", help="dataset folder")
    p.add_argument("--batch-sizes", default="64,128,256,512", help="comma-separated batch sizes")
    p.add_argument("--epochs", type=int, default=20, help="epochs per run")
    p.add_argument("--report-epochs", default=None, help="comma-separated epochs for the table")
    p.add_argument("--model", choices=("improved-vgg", "vgg16"), default="improved-vgg", help="architecture")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--out", required=True, help="folder of the runs and sweep.csv")
    p.set_defaults(func=_sweep)

    p = sub.add_parser(
        "demo", help="synthetic data -> dataset -> training -> evaluation -> report", formatter_class=_Help
    )
    p.add_argument("--out", default="out/seisem-demo", help="output folder")
    p.add_argument(
        "--precursor", choices=("chirp", "none"), default="chirp", help="planted precursor (none: null)"
    )
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--size", choices=("default", "tiny"), default="default", help="network size and epochs")
    p.add_argument("--scheduler", default="threads", help="dask scheduler of the build")
    p.add_argument("--no-progress", action="store_true", help="no progress output")
    p.set_defaults(func=_demo)


def _train(a):
    from .train import train

    info = train(
        a.dataset,
        a.out,
        model=a.model,
        epochs=a.epochs,
        batch_size=a.batch_size,
        learning_rate=a.lr,
        seed=a.seed,
        patience=a.patience,
        augment=not a.no_augment,
    )
    print(
        f"trained {info['model']} for {info['epochs_run']} epochs in {info['wall_time_s']:.1f} s; best dev loss "
        f"{info['best_val_loss']:.4f} at epoch {info['best_epoch']}; run folder {a.out}"
    )


def _evaluate(a):
    from .evaluate import evaluate

    m = evaluate(a.run, n_boot=a.n_boot, n_perm=a.n_perm, seed=a.seed)
    rel = m["reliability"]
    if not rel["interpretable"]:
        print("NOT INTERPRETABLE: " + "; ".join(rel["reasons"]))
    print(
        json.dumps(
            {
                k: m[k]
                for k in ("accuracy", "balanced_accuracy", "mcc", "roc_auc", "chance_accuracy", "n_test")
            },
            indent=1,
        )
    )
    print(f"permutation p = {m['permutation']['p_value']:.4f}; full metrics in {a.run}/metrics.json")


def _report(a):
    from .report import write_report

    r = write_report(a.run, filters=not a.no_filters, progress=not a.no_progress)
    print(f"report: {r['html']} and {r['markdown']}")


def _sweep(a):
    from .sweep import sweep

    eps = [int(v) for v in a.report_epochs.split(",")] if a.report_epochs else None
    print(
        sweep(
            a.dataset,
            a.out,
            batch_sizes=[int(v) for v in a.batch_sizes.split(",")],
            epochs=a.epochs,
            report_epochs=eps,
            model=a.model,
            seed=a.seed,
        )
    )


def _demo(a):
    from .demo import run_demo

    run_demo(
        a.out,
        precursor=a.precursor,
        seed=a.seed,
        size=a.size,
        scheduler=a.scheduler,
        progress=not a.no_progress,
    )
