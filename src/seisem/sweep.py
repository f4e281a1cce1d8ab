"""``seisem sweep``: the seed paper's Table 1 (time per run, accuracy and loss at chosen epochs,
for several batch sizes and heads), with several seeds per configuration, the configuration
chosen on dev only, and the test split scored for the chosen one alone."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd

from ._errors import ParameterError
from ._files import atomic_path, write_json, write_text
from .evaluate import evaluate
from .train import train

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
    head="compact",
    dropout: float = 0.5,
    learning_rate: float = 1e-3,
    seeds=(0, 1, 2),
    seed: int | None = None,
    n_perm: int = 200,
    verbose=0,
) -> str:
    """Train each head and batch size with each seed (no early stopping), choose on dev, test the choice.

    ``head``: one head or several (a sequence, or names joined by ","): the heads are then
    compared like the batch sizes, on dev.

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
    heads = tuple(h.strip() for h in head.split(",")) if isinstance(head, str) else tuple(head)
    if not heads or len(set(heads)) != len(heads):
        raise ParameterError(
            f"head={head!r} must name one head or several different ones (--heads compact,paper)"
        )
    out = os.fspath(out)
    rows = []
    for hd in heads:
        for bs, s in ((bs, s) for bs in batch_sizes for s in seeds):
            base = out if len(heads) == 1 else os.path.join(out, f"head-{hd}")
            run = os.path.join(base, f"batch{bs}", f"seed{s}")
            info = train(
                dataset,
                run,
                model=model,
                head=hd,
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
                "head": hd,
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
    by_cfg = df.groupby(["head", "batch_size"])["best_dev_loss"].mean()
    order = {h: i for i, h in enumerate(heads)}
    chosen_head, chosen = min(by_cfg.index, key=lambda k: (round(float(by_cfg[k]), 12), k[1], order[k[0]]))
    chosen = int(chosen)
    by_bs = by_cfg.loc[chosen_head]
    test = []
    for r in rows:
        if r["batch_size"] != chosen or r["head"] != chosen_head:
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
        "head": chosen_head,
        "heads": list(heads),
        "dev_loss_by_head_and_batch_size": {f"{h}/{int(b)}": float(v) for (h, b), v in by_cfg.items()},
        "dropout": float(dropout),
        "epochs": int(epochs),
        "seeds": list(seeds),
        "selection": "lowest mean best-epoch dev loss over the seeds (ties: smaller batch size, then the first "
        "head given); test not used",
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
    several = len(heads) > 1
    md = [
        f"# {'Head and batch-size' if several else 'Batch-size'} sweep ({model}, head "
        f"{', '.join(heads)}, dropout {dropout:g}, {epochs} epochs, seeds {', '.join(map(str, seeds))})",
        "",
        f"Mean ± standard deviation over {len(seeds)} seeds per configuration. The configuration is chosen "
        "on dev only (lowest mean best-epoch dev loss); the test split is scored for the chosen one alone.",
        "",
        ("| head | batch_size | " if several else "| batch_size | ") + " | ".join(cols) + " |",
        "|" + "---|" * ((2 if several else 1) + len(cols)),
    ]
    for hd in heads:
        for bs in batch_sizes:
            sub = df[(df["batch_size"] == int(bs)) & (df["head"] == hd)]
            mark = " (chosen)" if int(bs) == chosen and hd == chosen_head else ""
            lead = f"| {hd}{mark} | {int(bs)} | " if several else f"| {int(bs)}{mark} | "
            md.append(lead + " | ".join(_pm(sub[c]) for c in cols) + " |")
    acc, bal = summary["test_of_chosen"]["accuracy"], summary["test_of_chosen"]["balanced_accuracy"]
    md += [
        "",
        f"Chosen on dev: {'head ' + chosen_head + ', ' if several else ''}batch size {chosen}. Test split ({len(test)} seeds, best-on-dev models): accuracy "
        f"{acc[0]:.3f} ± {acc[1]:.3f}, balanced accuracy {bal[0]:.3f} ± {bal[1]:.3f} "
        f"(per seed: {json.dumps({t['seed']: round(t['balanced_accuracy'], 3) for t in test})}).",
    ]
    text = "\n".join(md) + "\n"
    write_text(os.path.join(out, "sweep.md"), text)
    return text
