"""Figures and a report for a run: loss and accuracy curves, filter-response images, metrics."""

from __future__ import annotations

import html
import json
import os

import numpy as np

from ._errors import ParameterError, ReadError, require
from ._files import write_text
from ._progress import progress_bar
from .models import _keras


def _plt():
    mpl = require("matplotlib", "demo", "figures")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path):
    from ._files import atomic_path

    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight")
    _plt().close(fig)


def plot_curves(run) -> list:
    """``loss.png`` and ``accuracy.png`` (train and dev per epoch; the paper's Figures 4 and 6)."""
    import pandas as pd

    plt = _plt()
    hist = pd.read_csv(os.path.join(run, "history.csv"))
    paths = []
    for metric, label in (("loss", "loss (binary cross-entropy)"), ("binary_accuracy", "binary accuracy")):
        fig, ax = plt.subplots(figsize=(5, 3.2))
        ax.plot(hist["epoch"], hist[metric], "o-", label="train")
        if f"val_{metric}" in hist:
            ax.plot(hist["epoch"], hist[f"val_{metric}"], "s-", label="dev")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
        name = "loss.png" if metric == "loss" else "accuracy.png"
        _save(fig, os.path.join(run, name))
        paths.append(name)
    return paths


def filter_responses(
    model, layer_name: str, *, filters=8, steps: int = 40, step_size: float = 10.0, seed: int = 0
) -> np.ndarray:
    """Inputs that maximise the mean activation of ``filters`` channels of ``layer_name``.

    Gradient ascent on the input image (the paper's section 5.2), starting from grey plus
    a little noise, with the gradient normalised each step; images in [0, 255],
    ``(n, H, W, C)``. TensorFlow backend.
    """
    keras = _keras()
    if keras.backend.backend() != "tensorflow":
        raise ParameterError("filter_responses needs the TensorFlow backend (KERAS_BACKEND=tensorflow)")
    import tensorflow as tf

    try:
        layer = model.get_layer(layer_name)
    except ValueError as exc:
        names = [ly.name for ly in model.layers]
        raise ParameterError(f"layer {layer_name!r} is not in the model; layers: {names}") from exc
    feat = keras.Model(model.inputs, layer.output)
    n_ch = int(layer.output.shape[-1])
    chans = list(range(min(filters, n_ch))) if isinstance(filters, int) else list(filters)
    rng = np.random.default_rng(seed)
    shape = tuple(int(v) for v in model.inputs[0].shape[1:])
    out = []
    for ch in chans:
        img = tf.Variable((128.0 + 8.0 * rng.standard_normal((1, *shape))).astype(np.float32))
        for _ in range(int(steps)):
            with tf.GradientTape() as tape:
                act = feat(img, training=False)
                loss = tf.reduce_mean(act[..., ch])
            g = tape.gradient(loss, img)
            g = g / (tf.math.reduce_std(g) + 1e-8)
            img.assign(tf.clip_by_value(img + step_size * g, 0.0, 255.0))
        out.append(img.numpy()[0])
    return np.stack(out)


def default_layers(model) -> list:
    """The last convolution of each stage (names ending ``c_conv``), or of VGG16's blocks."""
    names = [ly.name for ly in model.layers]
    picks = [n for n in names if n.endswith("c_conv")]
    return picks or [n for n in names if "conv" in n][-3:]


def plot_filters(run, model=None, layers=None, filters: int = 8, *, progress: bool = True) -> list:
    """``filters_<layer>.png``: filter-response maximisation images of chosen layers (a few
    seconds per filter on a CPU: progress is shown per filter)."""
    keras = _keras()
    plt = _plt()
    model = model or keras.models.load_model(os.path.join(run, "model.keras"))
    paths = []
    names = list(layers or default_layers(model))
    bar = progress_bar(len(names), "filter images", "layer", enable=progress)
    for name in names:
        imgs = filter_responses(model, name, filters=filters)
        bar.update(1)
        ncol = min(len(imgs), 4)
        nrow = int(np.ceil(len(imgs) / ncol))
        fig, axes = plt.subplots(nrow, ncol, figsize=(2.0 * ncol, 2.0 * nrow + 0.5), squeeze=False)
        for k, ax in enumerate(axes.ravel()):
            ax.axis("off")
            if k >= len(imgs):
                continue
            im = imgs[k]
            show = im[..., :3] if im.shape[-1] >= 3 else im[..., 0]
            ax.imshow(show.astype(np.uint8), origin="lower", cmap=None if show.ndim == 3 else "gray")
            ax.set_title(f"filter {k}", fontsize=11)
        fig.suptitle(f"inputs that excite filters of layer {name}", fontsize=12)
        fname = f"filters_{name}.png"
        _save(fig, os.path.join(run, fname))
        paths.append(fname)
    bar.close()
    return paths


def _fmt(v):
    if v is None:
        return "–"
    if isinstance(v, float):
        return "nan" if not np.isfinite(v) else f"{v:.3f}"
    return str(v)


def verdict(m: dict) -> list:
    """Plain-language lines on what a metrics dict can and cannot say (first in the report)."""
    rel = m.get("reliability") or {"interpretable": True, "reasons": []}
    if not rel["interpretable"]:
        lines = [
            "**This result cannot be interpreted.** The numbers below are printed for completeness; they "
            "do not show that the model can, or cannot, tell days before an earthquake from days after one:"
        ]
        lines += [f"- {r}" for r in rel["reasons"]]
        return lines
    ci = m["ci"]
    lo, hi = ci["balanced_accuracy"]
    beats = lo is not None and lo > 0.5
    return [
        f"The test split ({m['n_test']} station-days, {rel.get('n_test_groups', '?')} independent event groups) "
        "is large enough to read. "
        + (
            f"Balanced accuracy {m['balanced_accuracy']:.3f} with a {int(ci['level'] * 100)} % interval "
            f"{lo:.3f}–{hi:.3f}: "
            + (
                "above chance (0.5)."
                if beats
                else "the interval includes chance (0.5): no evidence of skill."
            )
            if lo is not None
            else "No interval could be computed."
        )
    ]


def write_report(run, *, filters: bool = True, progress: bool = True) -> dict:
    """``report.md`` and ``report.html`` in the run folder, with the figures and tables.

    The report opens with the verdict (:func:`verdict`): whether the test split can support
    a conclusion and, if not, why, in plain words.
    """

    run = os.fspath(run)
    mpath = os.path.join(run, "metrics.json")
    if not os.path.exists(mpath):
        raise ReadError(f"{run}: no metrics.json; run `seisem evaluate {run}` first")
    with open(mpath) as fh:
        m = json.load(fh)
    with open(os.path.join(run, "run.json")) as fh:
        info = json.load(fh)
    figs = plot_curves(run)
    if filters:
        figs += plot_filters(run, progress=progress)
    ci = m["ci"]
    rows = [("model (test split)", m)] + [
        (f"baseline: {k.replace('_', ' ')}", v) for k, v in m["baselines"].items() if "accuracy" in v
    ]
    names = ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "mcc", "roc_auc")
    table = ["| | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for label, v in rows:
        table.append(f"| {label} | " + " | ".join(_fmt(v.get(n)) for n in names) + " |")
    if ci.get("not_estimable"):
        table.append(
            f"| {int(ci['level'] * 100)} % CI | not estimable: {ci['not_estimable']} |"
            + " |" * (len(names) - 1)
        )
    else:
        table.append(
            f"| {int(ci['level'] * 100)} % CI ({ci['resampled']} bootstrap, {ci['n_units']} units) | "
            + " | ".join(f"{_fmt(ci[n][0])}–{_fmt(ci[n][1])}" for n in names)
            + " |"
        )
    maj = m["baselines"]["majority_class"]

    def _row(k, v):
        if v.get("not_scored"):
            return f"| {k} | {v['n']} | not scored: {v['not_scored']} | – |"
        return f"| {k} | {v['n']} | {_fmt(v['accuracy'])} | {_fmt(v['balanced_accuracy'])} |"

    perm = m["permutation"]
    (tn, fp), (fn, tp) = m["confusion_matrix"]
    md = [
        f"# seisem run report: {info['model']}",
        "",
        "## What this result can say",
        "",
        *verdict(m),
        "",
        f"Dataset `{m['dataset']}` (split by {m['split_by']}); {info['train_samples']} train, "
        f"{info['dev_samples']} dev, {m['n_test']} test station-days. Trained {info['epochs_run']} epochs "
        f"(best dev loss at epoch {info['best_epoch']}), batch {info['batch_size']}, learning rate "
        f"{info['learning_rate']}, seed {info['seed']}, {info['wall_time_s']:.1f} s on {info['backend']}.",
        "",
        "## Test-split metrics",
        "",
        *table,
        "",
        f"Chance level (majority share of the test split): {m['chance_accuracy']:.3f}. Label-permutation null "
        f"of the accuracy: mean {perm['null_mean']:.3f}, 95 % range {perm['null_95'][0]:.3f}–"
        f"{perm['null_95'][1]:.3f}; p-value of the observed {perm['observed_accuracy']:.3f}: "
        f"{perm['p_value']:.4f} ({perm['n_perm']} permutations).",
        "",
        f"Confusion matrix (label 1 = before the event): TN {tn}, FP {fp}, FN {fn}, TP {tp}.",
        "",
        f"Majority-class baseline: predicts label {maj.get('predicts')} ({maj.get('rule', 'majority of train')})."
        + (
            " The training split was tied, so this baseline's score is an accident of the test split's class "
            "mix; compare with the chance level instead."
            if maj.get("tie")
            else ""
        ),
        "",
        "## Per magnitude",
        "",
        "| magnitude | n | accuracy | balanced accuracy |",
        "|---|---|---|---|",
        *[_row(k, v) for k, v in m["per_magnitude"].items()],
        "",
        "## Per station",
        "",
        "| station | n | accuracy | balanced accuracy |",
        "|---|---|---|---|",
        *[_row(k, v) for k, v in m["per_station"].items()],
        "",
        "## Figures",
        "",
        *[f"![{f}]({f})" for f in figs],
        "",
    ]
    text = "\n".join(md)
    write_text(os.path.join(run, "report.md"), text)
    write_text(os.path.join(run, "report.html"), _html(text))
    return {
        "markdown": os.path.join(run, "report.md"),
        "html": os.path.join(run, "report.html"),
        "figures": figs,
    }


def _html(md: str) -> str:
    """A small Markdown-to-HTML conversion for the report's own constructs."""
    out = [
        "<!doctype html><html><head><meta charset='utf-8'><title>seisem report</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}img{max-width:100%}</style></head><body>",
    ]
    lines = md.splitlines()
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                if not set(lines[i]) <= set("|-"):
                    rows.append([html.escape(c.strip()) for c in lines[i].strip("|").split("|")])
                i += 1
            out.append(
                "<table>"
                + "".join(
                    "<tr>"
                    + "".join(f"<{'th' if r == 0 else 'td'}>{c}</{'th' if r == 0 else 'td'}>" for c in row)
                    + "</tr>"
                    for r, row in enumerate(rows)
                )
                + "</table>"
            )
            continue
        if ln.startswith("## "):
            out.append(f"<h2>{html.escape(ln[3:])}</h2>")
        elif ln.startswith("# "):
            out.append(f"<h1>{html.escape(ln[2:])}</h1>")
        elif ln.startswith("!["):
            src = ln[ln.index("(") + 1 : -1]
            out.append(f"<img src='{html.escape(src)}' alt='{html.escape(src)}'>")
        elif ln.startswith("- "):
            out.append(f"<ul><li>{html.escape(ln[2:])}</li></ul>")
        elif ln.strip():
            text = html.escape(ln).replace("`", "")
            while text.count("**") >= 2:
                text = text.replace("**", "<strong>", 1).replace("**", "</strong>", 1)
            out.append(f"<p>{text}</p>")
        i += 1
    out.append("</body></html>")
    return "\n".join(out)
