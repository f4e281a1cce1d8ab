"""``seisem sweep``: the seed paper's Table 1 (time per run, accuracy and loss at chosen epochs,
for several batch sizes), with several seeds per batch size, the batch size chosen on dev only,
and the test split scored for the chosen batch size alone."""

from __future__ import annotations

import json
import os

import numpy as np

from ._errors import ParameterError

#: Fewest seeds per batch size: one seed cannot separate a batch size from its initialisation.
MIN_SEEDS = 3


def _mean_sd(values) -> tuple:
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=np.float64)
    if v.size == 0:
        return (float("nan"), float("nan"))
    return (float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0)


def _pm(values, digits: int = 3) -> str:
    m, s = _mean_sd(values)
    return "n/a" if not np.isfinite(m) else f"{m:.{digits}f} ± {s:.{digits}f}"


def sweep(
    dataset,
    out,
    *,
    batch_sizes=(64, 128, 256, 512),
    epochs: int = 20,
    report_epochs=None,
    model: str = "improved-vgg",
    head: str = "compact",
    dropout: float = 0.5,
    learning_rate: float = 1e-3,
    seeds=(0, 1, 2),
    seed: int | None = None,
    n_perm: int = 200,
    verbose=0,
) -> str:
    """Train each batch size with each seed (no early stopping), choose on dev, test the choice.

    Table 1 lists, per batch size, the wall time per run and train/dev accuracy and loss at
    ``report_epochs`` (default: about five epochs spread up to ``epochs``) as mean ± standard
    deviation over the seeds (at least :data:`MIN_SEEDS`). The batch size with the lowest mean
    best dev loss is chosen (ties: the smaller batch size); only its runs are then evaluated on
    the test split (each seed's best-on-dev model; accuracy and balanced accuracy, mean ±
    standard deviation). No other configuration's test score is computed, so the choice cannot
    lean on test. Writes ``sweep.csv`` (one row per run), ``sweep.json`` (the selection and
    the chosen configuration's test scores) and ``sweep.md``; returns the Markdown.

    ``seed`` (one number) is an older spelling: the seeds become ``seed, seed+1, seed+2``.
    """
    import pandas as pd

    from ._files import atomic_path, write_json, write_text
    from .evaluate import evaluate
    from .train import train

    if seed is not None:
        seeds = tuple(int(seed) + k for k in range(MIN_SEEDS))
    seeds = tuple(int(s) for s in seeds)
    if len(set(seeds)) < MIN_SEEDS:
        raise ParameterError(
            f"seeds={list(seeds)}: give at least {MIN_SEEDS} different seeds per batch size (--seeds 0,1,2): "
            "with one seed a batch size cannot be told from its initialisation"
        )
    if not batch_sizes:
        raise ParameterError("batch_sizes must name at least one batch size (--batch-sizes 64,128)")
    if report_epochs is None:
        report_epochs = sorted({max(1, round(epochs * k / 5)) for k in range(1, 6)})
    bad = [e for e in report_epochs if not 1 <= e <= epochs]
    if bad:
        raise ParameterError(f"report_epochs {bad} are outside 1..{epochs} (--report-epochs)")
    out = os.fspath(out)
    rows = []
    for bs in batch_sizes:
        for s in seeds:
            run = os.path.join(out, f"batch{bs}", f"seed{s}")
            info = train(
                dataset,
                run,
                model=model,
                head=head,
                dropout=dropout,
                epochs=epochs,
                batch_size=int(bs),
                learning_rate=learning_rate,
                seed=s,
                patience=epochs + 1,
                verbose=verbose,
            )
            hist = pd.read_csv(os.path.join(run, "history.csv")).set_index("epoch")
            best = int(info["best_epoch"]) if info["best_epoch"] else int(hist.index[-1])
            row = {
                "batch_size": int(bs),
                "seed": s,
                "run": run,
                "time_s": info["wall_time_s"],
                "best_epoch": best,
                "best_dev_loss": float(hist.loc[best, "val_loss"]),
                "dev_acc@best": float(hist.loc[best, "val_binary_accuracy"]),
            }
            for e in report_epochs:
                h = hist.loc[e]
                row[f"train_acc@{e}"] = float(h["binary_accuracy"])
                row[f"train_loss@{e}"] = float(h["loss"])
                row[f"dev_acc@{e}"] = float(h["val_binary_accuracy"])
                row[f"dev_loss@{e}"] = float(h["val_loss"])
            rows.append(row)
    df = pd.DataFrame(rows)
    by_bs = df.groupby("batch_size")["best_dev_loss"].mean()
    chosen = int(min(by_bs.index, key=lambda b: (round(float(by_bs[b]), 12), b)))
    test = []
    for r in rows:
        if r["batch_size"] != chosen:
            continue
        m = evaluate(r["run"], n_perm=n_perm, seed=r["seed"], model_file="best.keras")
        test.append(
            {"seed": r["seed"], "accuracy": m["accuracy"], "balanced_accuracy": m["balanced_accuracy"]}
        )
    os.makedirs(out, exist_ok=True)
    with atomic_path(os.path.join(out, "sweep.csv")) as tmp:
        df.to_csv(tmp, index=False, float_format="%.4f")
    summary = {
        "model": model,
        "head": head,
        "dropout": float(dropout),
        "epochs": int(epochs),
        "seeds": list(seeds),
        "selection": "lowest mean best-epoch dev loss over the seeds (ties: smaller batch size); test not used",
        "dev_loss_by_batch_size": {str(int(b)): float(v) for b, v in by_bs.items()},
        "chosen_batch_size": chosen,
        "test_of_chosen": {
            "runs": test,
            "accuracy": _mean_sd([t["accuracy"] for t in test]),
            "balanced_accuracy": _mean_sd([t["balanced_accuracy"] for t in test]),
        },
    }
    write_json(os.path.join(out, "sweep.json"), summary)
    cols = ["time_s", "best_dev_loss", "dev_acc@best"] + [
        f"{k}@{e}" for e in report_epochs for k in ("train_acc", "train_loss", "dev_acc", "dev_loss")
    ]
    md = [
        f"# Batch-size sweep ({model}, head {head}, dropout {dropout:g}, {epochs} epochs, seeds "
        f"{', '.join(map(str, seeds))})",
        "",
        f"Mean ± standard deviation over {len(seeds)} seeds per batch size. The batch size is chosen on "
        "dev only (lowest mean best-epoch dev loss); the test split is scored for the chosen one alone.",
        "",
        "| batch_size | " + " | ".join(cols) + " |",
        "|---|" + "---|" * len(cols),
    ]
    for bs in batch_sizes:
        sub = df[df["batch_size"] == int(bs)]
        mark = " (chosen)" if int(bs) == chosen else ""
        md.append(f"| {int(bs)}{mark} | " + " | ".join(_pm(sub[c]) for c in cols) + " |")
    acc, bal = summary["test_of_chosen"]["accuracy"], summary["test_of_chosen"]["balanced_accuracy"]
    md += [
        "",
        f"Chosen on dev: batch size {chosen}. Test split ({len(test)} seeds, best-on-dev models): accuracy "
        f"{acc[0]:.3f} ± {acc[1]:.3f}, balanced accuracy {bal[0]:.3f} ± {bal[1]:.3f} "
        f"(per seed: {json.dumps({t['seed']: round(t['balanced_accuracy'], 3) for t in test})}).",
    ]
    text = "\n".join(md) + "\n"
    write_text(os.path.join(out, "sweep.md"), text)
    return text
