"""The training commands of the ``seisem`` CLI: train, evaluate, report, sweep, ablate, demo."""

from __future__ import annotations

import json

from ._cli import chirp_rate, command, options, size
from .ablate import ablate, ablation_markdown
from .cnn_null import null_catalogs
from .demo import run_demo
from .evaluate import evaluate
from .report import write_report
from .sweep import sweep
from .train import train

_MODELS = ("improved-vgg", "vgg16")
#: The options of :func:`_add_model_options`, handed on to parameters of the same names.
_MODEL = ("model", "head", "dropout")


def _add_model_options(p):
    """--model, --head and --dropout (train, sweep, ablate)."""
    p.add_argument("--model", choices=_MODELS, default="improved-vgg", help="architecture")
    p.add_argument(
        "--head",
        choices=("compact", "paper"),
        default="compact",
        help="classifier head: compact (dense 128 -> 1 sigmoid; VGG16 dense 256) or paper (dense 4096 -> 2 "
        "softmax, as the paper's text); see the README for the measured comparison",
    )
    p.add_argument(
        "--dropout",
        type=float,
        default=0.5,
        help="dropout rate before the dense layers; 0 builds the model without dropout (the paper's Fig. 4: "
        "the original VGG16 without dropout)",
    )


def _ints(text, option):
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise SystemExit(f"seisem: {option} {text!r} must be comma-separated integers, e.g. 0,1,2") from None


def _add_confound_options(p):
    """Options of the confound controls (seisem evaluate)."""
    p.add_argument(
        "--pseudo-events",
        type=int,
        default=20,
        help="pseudo-event catalogs (the whole catalog shifted in time) for the fast baselines (0: skip)",
    )
    p.add_argument(
        "--activity-file",
        default=None,
        help="a planetary index file (GFZ Kp text or WDC Kyoto Dst) as the activity control; without it the "
        "remote reference (unclaimed stations of the same day) is used, and only when that is not available "
        "the station's own series (which cannot separate a local precursor from activity)",
    )


def add_commands(sub):
    # argparse declarations alike in shape only (a command, then its options): each option is
    # declared once; the ones commands share are in _add_model_options and _add_confound_options
    p = command(sub, "train", "train a model on a dataset's train split (dev picks the epoch)", _train)
    p.add_argument("dataset", help="dataset folder (seisem build)")
    _add_model_options(p)
    p.add_argument("--epochs", type=int, default=20, help="most epochs")
    p.add_argument("--batch-size", type=int, default=128, help="images per batch")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate")
    p.add_argument("--seed", type=int, default=0, help="random seed (weights, shuffling, augmentation)")
    p.add_argument("--patience", type=int, default=5, help="early stopping on the dev loss, epochs")
    p.add_argument("--no-augment", action="store_true", help="no time-axis augmentation")
    p.add_argument("--out", required=True, help="run folder")

    p = command(
        sub, "evaluate", "test-split metrics with intervals, baselines and a permutation null", _evaluate
    )
    p.add_argument("run", help="run folder (seisem train)")
    p.add_argument("--n-perm", type=int, default=1000, help="label permutations of the null")
    p.add_argument("--seed", type=int, default=0, help="seed of bootstrap and permutations")
    _add_confound_options(p)

    p = command(
        sub, "report", "curves, filter images and report.md/report.html for an evaluated run", _report
    )
    p.add_argument("run", help="run folder (seisem evaluate)")
    p.add_argument(
        "--no-filters", action="store_true", help="skip the filter images (about a minute on a CPU)"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress lines for the filter images")

    p = command(sub, "sweep", "the paper's Table 1: one run per batch size", _sweep)
    p.add_argument("dataset", help="dataset folder")
    p.add_argument("--batch-sizes", default="64,128,256,512", help="comma-separated batch sizes")
    p.add_argument("--epochs", type=int, default=20, help="epochs per run")
    p.add_argument(
        "--report-epochs",
        default=None,
        help="comma-separated epochs for the table (default: about five, spread up to --epochs)",
    )
    _add_model_options(p)
    p.add_argument(
        "--heads",
        default=None,
        help="comma-separated heads to compare on dev like the batch sizes (e.g. compact,paper); default: --head",
    )
    p.add_argument(
        "--seeds", default="0,1,2", help="comma-separated seeds, at least 3: each batch size runs with each"
    )
    p.add_argument("--out", required=True, help="folder of the runs and sweep.csv")

    p = command(
        sub,
        "ablate",
        "the same model on the same splits with several image pipelines and seeds: paired differences, "
        "group-bootstrap intervals, a verdict",
        _ablate,
    )
    p.add_argument(
        "dataset", help="dataset folder (seisem build): its stored series are rendered per pipeline"
    )
    p.add_argument(
        "--pipelines",
        default="plain,chirp,auto,waveform-filled,waveform-binary",
        help="comma-separated: plain (chirp rate 0), chirp (--constant-rate), auto (per frame from the data), "
        "waveform-filled, waveform-binary, auto+waveform-binary",
    )
    p.add_argument("--reference", default="plain", help="the pipeline the others are compared with")
    p.add_argument(
        "--constant-rate",
        type=chirp_rate,
        default="8bins",
        help="chirp rate of the 'chirp' pipeline: '<c>bins' (bins swept per frame) or Hz/s",
    )
    p.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (each pipeline runs with each)")
    p.add_argument(
        "--size",
        type=size,
        default=None,
        help="image height,width of every pipeline (default: the dataset's)",
    )
    _add_model_options(p)
    p.add_argument("--epochs", type=int, default=8, help="most epochs per run")
    p.add_argument("--batch-size", type=int, default=64, help="images per batch")
    p.add_argument("--patience", type=int, default=3, help="early stopping on the dev loss, epochs")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples of test episodes and seeds")
    p.add_argument("--no-progress", action="store_true", help="no progress lines")
    p.add_argument("--out", required=True, help="folder of the rendered datasets, runs, ablation.json/.md")

    p = command(
        sub,
        "null-catalogs",
        "the CNN under the pseudo-catalog null: the whole catalog shifted in time, the dataset rebuilt and "
        "the model retrained per shift; the real score placed among them",
        _null_catalogs,
    )
    p.add_argument("run", help="an evaluated run folder (seisem train, seisem evaluate)")
    p.add_argument("--n", type=int, default=3, help="shifted catalogs (19 for a test at 5 %%)")
    p.add_argument(
        "--data", default=None, help="the station files (default: the folder in the dataset's manifest)"
    )
    p.add_argument("--epochs", type=int, default=None, help="most epochs per retraining (default: the run's)")
    p.add_argument("--seed", type=int, default=0, help="seed of the shifts")
    p.add_argument("--scheduler", default="threads", help="dask scheduler of the builds")
    p.add_argument("--no-progress", action="store_true", help="no progress output")
    p.add_argument("--out", required=True, help="folder of the shifted datasets and runs, null_catalogs.json")

    p = command(sub, "demo", "synthetic data -> dataset -> training -> evaluation -> report", _demo)
    p.add_argument("--out", default="out/seisem-demo", help="output folder")
    p.add_argument(
        "--precursor",
        choices=("chirp", "power-matched", "none"),
        default="chirp",
        help="planted precursor: chirp bursts before events; power-matched (chirps before, a surrogate of equal "
        "band power after: band powers cannot see it); none (a null)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument(
        "--storms",
        choices=("none", "random", "before-events"),
        default="none",
        help="network-wide geomagnetic storms: none, random, or more frequent before events (a confound)",
    )
    p.add_argument(
        "--storm-strength",
        type=float,
        default=1.0,
        help="graded strength of the storms (their amplitude; 0: no effect, 1: the generator's default)",
    )
    p.add_argument(
        "--storm-contrast",
        type=float,
        default=6.0,
        help="--storms before-events: onsets this many times more often on days before an event (and this "
        "many times less often after one); 6 makes activity alone separate before from after, 2 is weaker",
    )
    p.add_argument(
        "--size", choices=("default", "small", "tiny"), default="default", help="network size and epochs"
    )
    p.add_argument("--pseudo-events", type=int, default=20, help="pseudo-event catalogs (0: skip)")
    p.add_argument("--scheduler", default="threads", help="dask scheduler of the build")
    p.add_argument("--no-progress", action="store_true", help="no progress output")


def _train(a):
    info = train(
        a.dataset,
        a.out,
        learning_rate=a.lr,
        augment=not a.no_augment,
        **options(a, *_MODEL, "epochs", "batch_size", "seed", "patience"),
    )
    print(
        f"trained {info['model']} (head {info['head']}, dropout {info['dropout']:g}) for {info['epochs_run']} epochs in {info['wall_time_s']:.1f} s; best dev loss "
        f"{info['best_val_loss']:.4f} at epoch {info['best_epoch']}; run folder {a.out}"
    )


def _evaluate(a):
    m = evaluate(a.run, **options(a, "n_perm", "seed", "pseudo_events", "activity_file"))
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
    print(
        f"permutation p = {m['permutation']['p_value']:.4f} ({m['permutation'].get('unit', 'station-day')} unit); "
        f"geomagnetic-activity baseline balanced accuracy "
        f"{m['baselines'].get('geomagnetic_activity', {}).get('balanced_accuracy', '–')}; "
        f"full metrics in {a.run}/metrics.json"
    )
    if (m.get("confound") or {}).get("why"):
        print(f"confound check: {m['confound']['why']}")


def _report(a):
    r = write_report(a.run, filters=not a.no_filters, progress=not a.no_progress)
    print(f"report: {r['html']} and {r['markdown']}")


def _sweep(a):
    print(
        sweep(
            a.dataset,
            a.out,
            batch_sizes=_ints(a.batch_sizes, "--batch-sizes"),
            report_epochs=_ints(a.report_epochs, "--report-epochs") if a.report_epochs else None,
            head=a.heads or a.head,
            seeds=_ints(a.seeds, "--seeds"),
            **options(a, "epochs", "model", "dropout"),
        )
    )


def _ablate(a):
    r = ablate(
        a.dataset,
        a.out,
        pipelines=[v.strip() for v in a.pipelines.split(",") if v.strip()],
        seeds=_ints(a.seeds, "--seeds"),
        progress=not a.no_progress,
        **options(
            a, "reference", "constant_rate", "size", *_MODEL, "epochs", "batch_size", "patience", "n_boot"
        ),
    )
    print(ablation_markdown(r))
    print(f"ablation.json and ablation.md in {a.out}")


def _null_catalogs(a):
    r = null_catalogs(
        a.run, a.out, progress=not a.no_progress, **options(a, "n", "data", "seed", "epochs", "scheduler")
    )
    print(f"null catalogs: {r['statement']}; null_catalogs.json in {a.out}")


def _demo(a):
    run_demo(
        a.out,
        progress=not a.no_progress,
        **options(
            a,
            "precursor",
            "storms",
            "storm_strength",
            "storm_contrast",
            "seed",
            "size",
            "pseudo_events",
            "scheduler",
        ),
    )
