"""``seisem sweep``: the seed paper's Table 1 (time per run, accuracy and loss at chosen epochs,
for several batch sizes), as Markdown and CSV."""

from __future__ import annotations

import os

from ._errors import ParameterError


def sweep(
    dataset,
    out,
    *,
    batch_sizes=(64, 128, 256, 512),
    epochs: int = 20,
    report_epochs=None,
    model: str = "improved-vgg",
    learning_rate: float = 1e-3,
    seed: int = 0,
    verbose=0,
) -> str:
    """Train one run per batch size (same seed, no early stopping) and tabulate them.

    ``report_epochs`` (default: about five epochs spread up to ``epochs``) are the epochs
    whose train/dev accuracy and loss go into the table; each run's test-split accuracy
    of its final model is added. Writes ``sweep.csv`` and ``sweep.md`` into ``out``.
    """
    import pandas as pd

    from ._files import atomic_path, write_text
    from .evaluate import evaluate
    from .train import train

    if not batch_sizes:
        raise ParameterError("batch_sizes must name at least one batch size")
    if report_epochs is None:
        report_epochs = sorted({max(1, round(epochs * k / 5)) for k in range(1, 6)})
    bad = [e for e in report_epochs if not 1 <= e <= epochs]
    if bad:
        raise ParameterError(f"report_epochs {bad} are outside 1..{epochs}")
    out = os.fspath(out)
    rows = []
    for bs in batch_sizes:
        run = os.path.join(out, f"batch{bs}")
        info = train(
            dataset,
            run,
            model=model,
            epochs=epochs,
            batch_size=int(bs),
            learning_rate=learning_rate,
            seed=seed,
            patience=epochs + 1,
            verbose=verbose,
        )
        hist = pd.read_csv(os.path.join(run, "history.csv")).set_index("epoch")
        m = evaluate(run, n_boot=200, n_perm=200, seed=seed)
        row = {
            "batch_size": int(bs),
            "time_s": info["wall_time_s"],
            "test_accuracy": m["accuracy"],
            "test_balanced_accuracy": m["balanced_accuracy"],
        }
        for e in report_epochs:
            h = hist.loc[e]
            row[f"train_acc@{e}"] = h["binary_accuracy"]
            row[f"train_loss@{e}"] = h["loss"]
            row[f"dev_acc@{e}"] = h["val_binary_accuracy"]
            row[f"dev_loss@{e}"] = h["val_loss"]
        rows.append(row)
    df = pd.DataFrame(rows)
    os.makedirs(out, exist_ok=True)
    with atomic_path(os.path.join(out, "sweep.csv")) as tmp:
        df.to_csv(tmp, index=False, float_format="%.4f")
    cols = list(df.columns)
    md = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        md.append(
            "| " + " | ".join(f"{r[c]:.3f}" if isinstance(r[c], float) else str(r[c]) for c in cols) + " |"
        )
    text = f"# Batch-size sweep ({model}, {epochs} epochs, seed {seed})\n\n" + "\n".join(md) + "\n"
    write_text(os.path.join(out, "sweep.md"), text)
    return text
