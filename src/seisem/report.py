"""Figures and a report for a run: loss and accuracy curves, filter-response images, metrics."""

from __future__ import annotations

import html
import os
import re

import numpy as np
import pandas as pd

from ._errors import ParameterError, require
from ._files import atomic_path, read_json, write_text
from ._progress import progress_bar
from .models import feature_layers, load_keras


def _plt():
    mpl = require("matplotlib", "ml", "figures")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path):

    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight")
    _plt().close(fig)


def plot_curves(run) -> list:
    """``loss.png`` and ``accuracy.png`` (train and dev per epoch; the paper's Figures 4 and 6)."""

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
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False, fontsize=9)
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
    keras = load_keras()
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
    """The last convolution of each stage (names ending ``c_conv``), or of VGG16's blocks
    (:func:`seisem.models.feature_layers`)."""

    return feature_layers(model)


def plot_filters(run, model=None, layers=None, filters: int = 8, *, progress: bool = True) -> list:
    """``filters_<layer>.png``: filter-response maximisation images of chosen layers (a few
    seconds per filter on a CPU: progress is shown per filter)."""
    keras = load_keras()
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
        fig, axes = plt.subplots(nrow, ncol, figsize=(2.0 * ncol, 2.0 * nrow), squeeze=False)
        for k, ax in enumerate(axes.ravel()):
            ax.axis("off")
            if k >= len(imgs):
                continue
            im = imgs[k]
            show = im[..., :3] if im.shape[-1] >= 3 else im[..., 0]
            ax.imshow(show.astype(np.uint8), origin="lower", cmap=None if show.ndim == 3 else "gray")
            ax.set_title(f"filter {k}", fontsize=11)
        fname = f"filters_{name}.png"
        _save(fig, os.path.join(run, fname))
        paths.append(fname)
    bar.close()
    return paths


def _fmt(v):
    """A score or other number for a reader: three decimals, "–" for none, "n/a" for NaN."""
    if v is None:
        return "–"
    if isinstance(v, float):
        return "n/a" if not np.isfinite(v) else f"{v:.3f}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def _p(v) -> str:
    """A p-value for a reader: three decimals, "< 0.001" below that."""
    if v is None or not np.isfinite(v):
        return "–"
    return "< 0.001" if v < 0.001 else f"{v:.3f}"


def _sentence(text: str) -> str:
    """``text`` with a capital first letter and a full stop."""
    text = text.strip()
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


# one name per metric, in every table and sentence of the report
METRICS = {
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "precision": "precision",
    "recall": "recall",
    "f1": "F1",
    "mcc": "MCC",
    "roc_auc": "ROC AUC",
}
# one name per baseline (the metrics table, the splits table and the pseudo-event table)
BASELINES = {
    "logistic_band_power": "band-power baseline",
    "geomagnetic_activity": "activity baseline",
    "own_series_activity": "own-series activity baseline",
    "majority_class": "majority-class baseline",
}
FEATURES = {
    "activity_std (own series)": "the station's own activity index (standardised log range)",
    "activity_std": "the station's own activity index (standardised log range)",
}


SOURCE_WORDS = {
    "planetary": "a planetary index file",
    "remote-reference": "the remote reference",
    "own-series": "the station's own series (which cannot separate a local precursor from activity)",
}


def verdict(m: dict) -> list:
    """The report's first paragraph: the verdict, the number of independent units, the
    activity source, and what the result can and cannot mean, in plain words."""
    rel = m.get("reliability") or {"interpretable": True, "reasons": []}
    conf = m.get("confound") or {}
    perm = m.get("permutation") or {}
    n_units = rel.get("n_test_units", perm.get("n_units", "?"))
    unit = rel.get("unit", perm.get("unit", "unit"))
    src = conf.get("activity_source")
    src_text = SOURCE_WORDS.get(src, "no activity index (the dataset has no daily.csv)")
    act = conf.get("activity") or {}
    if src == "planetary":
        src_text = f"a planetary index file ({act.get('index', 'planetary')}, {os.path.basename(act.get('file', ''))})"
    if not rel["interpretable"]:
        lines = [
            f"**Verdict: cannot tell at this size.** The test split holds {m['n_test']} station-days in "
            f"{n_units} independent {unit}s. The numbers below are printed for completeness; they do not show "
            "that the model can, or cannot, tell days before an earthquake from days after one:"
        ]
        lines += [f"- {r}" for r in rel["reasons"]]
        return lines
    ci = m["ci"]
    lo, hi = ci["balanced_accuracy"]
    above = (m.get("above_chance") or {}).get("value")
    v = conf.get("verdict")
    headline = {
        "skill beyond activity": "the model has skill beyond geomagnetic activity",
        "explained by activity": "geomagnetic activity explains the model's score",
        "no skill to explain": "the model is not above chance",
        "cannot tell at this size": "cannot tell whether activity explains the score at this size",
    }.get(v, "no confound verdict")
    interval = f"{int(ci['level'] * 100)} % interval {lo:.3f}–{hi:.3f}" if lo is not None else "no interval"
    lines = [
        f"**Verdict: {headline}.** Test split: {m['n_test']} station-days in {n_units} independent {unit}s "
        f"(events whose labelled windows overlap anywhere in the network count once). Balanced accuracy "
        f"{m['balanced_accuracy']:.3f} ({interval}); permutation p over whole {unit}s "
        f"{_p(perm.get('p_value'))} (smallest attainable {_p(perm.get('min_attainable_p'))}): "
        + ("above chance." if above else "not shown to be above chance.")
        + f" Activity is measured by {src_text} (details under Confound controls)."
    ]
    if conf.get("why"):
        lines += ["", _sentence(conf["why"])]
    can = {
        "skill beyond activity": "It can mean that the images carry before/after information that the activity "
        "index does not; it cannot rule out other confounds (a seasonal or instrumental change), and the "
        "before-vs-after design lets after-days carry the earthquake's own effects.",
        "explained by activity": "It means that this score is no evidence of a seismic precursor: an index of "
        "geomagnetic activity alone does as well.",
        "no skill to explain": "It means no evidence of skill; with this many units a small effect could still "
        "be missed.",
    }.get(v, "It cannot separate skill from geomagnetic activity at this size.")
    return [*lines, "", can]


def _pct(share) -> str:
    return "–" if share is None or share != share else f"{100 * share:.0f}"


def permutation_text(perm: dict) -> str:
    """One sentence on the permutation null, naming its unit."""
    if "unit" not in perm:  # metrics.json written before the group-unit null
        return (
            f"Label-permutation null of the accuracy (station-days): mean {perm['null_mean']:.3f}; "
            f"p-value {_p(perm['p_value'])} ({perm['n_perm']:,} permutations)."
        )
    kind = "all assignments (exact)" if perm.get("exact") else f"{perm['n_perm']:,} random assignments"
    return (
        f"Permutation null with the {perm['unit']} as unit ({perm['n_units']} units; labels swapped before/after "
        f"for whole units, {kind}) of the balanced accuracy: mean {perm['null_mean']:.3f}, 95 % range "
        f"{perm['null_95'][0]:.3f}–{perm['null_95'][1]:.3f}; p-value of the observed {perm['observed']:.3f}: "
        f"{_p(perm['p_value'])} (smallest attainable {_p(perm['min_attainable_p'])})."
    )


SE_LABELS = {
    "activity_control": "geomagnetic activity\n(the control's index)",
    "activity_std": "geomagnetic activity\n(standardised log range)",
    "band_power_total": "mean log10 band power",
}


def plot_superposed_epoch(run, se: dict) -> list:
    """``superposed_epoch.png``: daily features around events, with the pseudo-event envelope.

    One panel per feature, stacked (readable on a phone), with one legend below the panels
    so that it covers no data."""
    plt = _plt()
    feats = se.get("features") or {}
    if not feats:
        return []
    n = len(feats)
    fig, axes = plt.subplots(n, 1, figsize=(6.4, 2.6 * n + 0.9), squeeze=False, sharex=True)
    off = np.asarray(se["offsets_days"])
    handles = {}
    for ax, (name, e) in zip(axes[:, 0], feats.items(), strict=False):
        real = np.array([np.nan if v is None else v for v in e["real"]], dtype=float)
        if "pseudo_lo" in e:
            lo = np.array([np.nan if v is None else v for v in e["pseudo_lo"]], dtype=float)
            hi = np.array([np.nan if v is None else v for v in e["pseudo_hi"]], dtype=float)
            h = ax.fill_between(off, lo, hi, color="0.82", lw=0)
            handles.setdefault(f"pseudo-events ({e['envelope']})", h)
        (h,) = ax.plot(off, real, "o-", ms=3, color="C0")
        handles.setdefault(f"real events ({se['n_pairs']} station-event pairs)", h)
        ax.axvline(0, color="k", lw=0.8, ls="--")
        ax.set_ylabel(SE_LABELS.get(name, name.replace("_", " ")), fontsize=9)
        ax.tick_params(labelsize=9)
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("days from the event (before: label 1, after: label 0)")
    fig.align_ylabels(axes[:, 0])
    fig.tight_layout(rect=(0, 0.1 / n, 1, 1))
    fig.legend(
        list(handles.values()),
        list(handles),
        loc="lower center",
        ncol=2,
        fontsize=9,
        frameon=False,
        bbox_to_anchor=(0.5, 0.0),
    )
    _save(fig, os.path.join(run, "superposed_epoch.png"))
    return ["superposed_epoch.png"]


def plot_molchan(run, mo: dict) -> list:
    """``molchan.png``: the Molchan error diagram of the model's daily scores as alarms.

    The alarm fraction is on a log axis (from the smallest alarmed share to 1), where a
    curve of few target events carries its information; the legend sits below the axes."""
    if "tau" not in mo:
        return []
    plt = _plt()
    tau = np.asarray(mo["tau"], dtype=float)
    pos = tau[tau > 0]
    lo = float(pos.min()) if pos.size else 1e-3
    lo = 10 ** np.floor(np.log10(lo))
    fig, ax = plt.subplots(figsize=(5.2, 4.6))
    grid = np.geomspace(lo, 1, 200)
    ax.plot(grid, 1 - grid, color="0.5", lw=0.8, ls=":", label="diagonal (no skill)")
    ax.plot(
        tau[tau > 0], np.asarray(mo["random_mean"])[tau > 0], color="0.4", lw=1, label="random alarms (mean)"
    )
    ax.plot(
        tau[tau > 0],
        np.asarray(mo["random_lo"])[tau > 0],
        color="0.4",
        lw=1,
        ls="--",
        label="random alarms (2.5 %)",
    )
    ax.plot(
        tau[tau > 0],
        np.asarray(mo["nu"])[tau > 0],
        "o-",
        ms=3,
        label=f"model ({mo['n_targets']} target events)",
    )
    ax.set_xscale("log")
    ax.set_xlim(lo, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("τ: share of station-days alarmed (log scale)")
    ax.set_ylabel("ν: share of events missed")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    _save(fig, os.path.join(run, "molchan.png"))
    return ["molchan.png"]


def _offset(key: str) -> int:
    """A day-offset key of ``per_day_offset`` (``"-14"`` .. ``"+14"``) as a number (``background``: 0)."""
    try:
        return int(key)
    except ValueError:
        return 0


def _interval(iv) -> str:
    if not iv or iv[0] is None:
        return "–"
    return f"{_fmt(iv[0])}–{_fmt(iv[1])}"


def confound_section(run, m: dict, figs: list) -> list:
    """The report's "Confound controls" section (and its figures, appended to ``figs``)."""
    if "splits" not in m:  # metrics.json written before the confound controls
        return []
    md = ["## Confound controls", ""]
    conf = m.get("confound") or {}
    src = conf.get("activity") or {}
    if src:
        md += [
            f"Activity index: {src.get('index')}, from "
            f"{SOURCE_WORDS.get(conf.get('activity_source'), conf.get('activity_source'))}; it covers "
            f"{_pct(src.get('coverage'))} % of the test station-days. {_sentence(src.get('why') or '')}",
            "",
        ]
    sk = conf.get("skill_beyond_activity") or {}
    if sk.get("skill_beyond_activity") is not None:
        ba, iv = sk["balanced_accuracy"], sk.get("intervals") or {}
        md += [
            "What the model adds beyond activity: logistic regressions of the label fitted out of fold over the "
            f"{sk.get('n_units')} test units (a computation of its own, not the baselines fitted on the train "
            "split below); balanced accuracies with their intervals:",
            "",
            "| logistic regression on | balanced accuracy | interval |",
            "|---|---|---|",
            f"| activity alone | {_fmt(ba['activity'])} | {_interval(iv.get('activity'))} |",
            f"| activity + model score | {_fmt(ba['model_and_activity'])} | {_interval(iv.get('model_and_activity'))} |",
            f"| model alone | {_fmt(ba['model'])} | {_interval(iv.get('model'))} |",
            f"| skill beyond activity (difference) | {_fmt(sk['skill_beyond_activity'])} | "
            f"{_interval(sk.get('interval'))} |",
            "",
            f"One-sided p of the skill beyond activity: {_p(sk.get('p_value'))}.",
            "",
        ]
    acts = m["baselines"]
    for key, label in (
        ("geomagnetic_activity", "Activity baseline"),
        ("own_series_activity", "Own-series activity baseline"),
    ):
        a = acts.get(key) or {}
        if a.get("skipped"):
            md += [f"{label}: {a['skipped']}.", ""]
        elif a:
            md += [
                f"{label} (logistic regression on {FEATURES.get(a.get('features'), a.get('features'))}, fitted on "
                f"the train split, scored on the test split, as in the metrics table): balanced accuracy "
                f"{_fmt(a.get('balanced_accuracy'))} against the model's {_fmt(m.get('balanced_accuracy'))}."
                + (f" {_sentence(a['note'])}" if a.get("note") else ""),
                "",
            ]
    od = m.get("date_overlap") or {}
    if od:
        md += [
            f"{_pct(od.get('share'))} % of the test station-days "
            "share their calendar date with a training day (a network-wide disturbance on such a date is "
            "seen in training with its label).",
            "",
        ]
    pal = m.get("per_activity_level") or {}
    if pal.get("levels"):
        md += [
            "| activity level (tertiles of all station-days) | n | accuracy | balanced accuracy |",
            "|---|---|---|---|",
        ]
        order = ("quiet", "moderate", "disturbed", "unknown")
        for k, v in sorted(pal["levels"].items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 9):
            if v.get("not_scored"):
                md.append(f"| {k} | {v['n']} | not scored: {v['not_scored']} | – |")
            else:
                md.append(f"| {k} | {v['n']} | {_fmt(v['accuracy'])} | {_fmt(v['balanced_accuracy'])} |")
        md.append("")
    sp = m["splits"]
    md += [
        "The dataset's split and the other of episode / time-block over the same station-days (the model was "
        "trained on the dataset's own split only; on the other, the fast baselines are refitted):",
        "",
        "| split | test days | test units | test dates also in train | model | band-power baseline "
        "| activity baseline |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, e in sp.items():
        model = (
            _fmt(m.get("balanced_accuracy")) if e.get("model_trained_on_this_split") else "not trained on it"
        )
        bp = _fmt((e.get("logistic_band_power") or {}).get("balanced_accuracy"))
        ab = _fmt((e.get("geomagnetic_activity") or {}).get("balanced_accuracy"))
        ov = e["date_overlap"]["share"]
        md.append(
            f"| {name}{' (' + str(e['block_days']) + ' d blocks)' if e.get('block_days') else ''} | {e['n_test']} | "
            f"{e.get('n_test_units', e.get('n_test_groups'))} | {_pct(ov)} % | {model} | {bp} | {ab} |"
        )
    md += [
        "",
        "Balanced accuracies; on the dataset's own split they are the numbers of the metrics table.",
        "",
    ]
    po = m.get("per_day_offset") or {}
    if po:
        md += [
            "Per day offset from the event day (each offset holds one class: the share classified correctly):",
            "",
            "| day | n | label | accuracy | mean score |",
            "|---|---|---|---|---|",
            *[
                f"| {k} | {v['n']} | {'before' if v['label'] == 1 else 'after'} | {_fmt(v['accuracy'])} | "
                f"{_fmt(v['mean_score'])} |"
                for k, v in sorted(po.items(), key=lambda kv: (kv[0] == "background", _offset(kv[0])))
            ],
            "",
        ]
    pe = m.get("pseudo_events") or {}
    if pe.get("skipped"):
        md += [f"Pseudo-events: {pe['skipped']}.", ""]
    elif pe:
        how = (
            "the whole catalog shifted in time (clustering kept)"
            if pe.get("method", "random") == "shift"
            else "every event moved to a random time"
        )
        md += [
            f"Pseudo-events: {pe['n']} catalogs, {how}, seed {pe['seed']}; refitted in each: {pe['refitted']}. "
            "Balanced accuracies. Each baseline has two numbers on the real catalog, from two computations: "
            "*dataset's split* is the same baseline as in the metrics table (fitted on the dataset's train "
            "split, scored on its test split); *fast pipeline* is this control's own refit (its own seeded "
            "episode split, days near other events kept), the number compared with the pseudo-catalogs.",
            "",
            "| baseline | dataset's split | fast pipeline | pseudo mean | pseudo 95 % | percentile | p |",
            "|---|---|---|---|---|---|---|",
        ]
        for k in ("logistic_band_power", "geomagnetic_activity"):
            e = pe[k]
            own = (m.get("baselines", {}).get(k) or {}).get("balanced_accuracy")
            pct = "–" if e.get("percentile") is None else f"{e['percentile']:.0f}"
            md.append(
                f"| {BASELINES[k]} | {_fmt(own)} | {_fmt(e['real'])} | {_fmt(e['pseudo_mean'])} | "
                f"{_fmt(e['pseudo_95'][0])}–{_fmt(e['pseudo_95'][1])} | {pct} | {_p(e['p_value'])} |"
            )
        md.append("")
    se = m.get("superposed_epoch") or {}
    if se.get("features"):
        figs += plot_superposed_epoch(run, se)
    mo = m.get("molchan") or {}
    if "tau" in mo:
        figs += plot_molchan(run, mo)
        md += [
            f"Molchan diagram of the model's daily scores as alarms ({mo['n_targets']} target events, "
            f"{mo['n_rows']} test station-days, null over {mo.get('n_units', mo['n_rows'])} whole "
            f"{mo.get('unit', 'row')}s): area under the curve {mo['area']:.3f}, null {mo['random_area_mean']:.3f} "
            f"on average; p = {_p(mo['p_value'])} ({mo['n_random']:,} null draws). "
            + (_sentence(mo.get("note", "")) if not mo.get("forecast_evaluation") else ""),
            "",
        ]
    elif mo.get("skipped"):
        md += [f"Molchan diagram: {mo['skipped']}.", ""]
    return md


def _preset_line(info: dict) -> str:
    """Head, dropout, image input and chirp rate of a run (issue 14 presets; older runs: defaults)."""
    chirp = info.get("chirp") or {}
    rate = chirp.get("hz_per_s", "not recorded")
    if isinstance(rate, float):
        rate = f"{rate:.3g} Hz/s ({chirp.get('bins_per_frame', float('nan')):.3g} bins per frame)"
    return (
        f"Head {info.get('head', 'compact')}, dropout {info.get('dropout', 0.5):g}; image input "
        f"{info.get('image', 'spectrogram')}; chirp rate {rate}; augmentation "
        f"{', '.join(info.get('augment') or []) or 'none'}."
    )


# figures: a heading, alt text (what the picture shows) and a caption (what to look for)
FIGURES = {
    "loss.png": (
        "Loss per epoch",
        "Line chart of the binary cross-entropy loss per training epoch, train and dev.",
        "Look for the dev curve turning up while the train curve still falls: from there on the model "
        "learns the training days, not the task.",
    ),
    "accuracy.png": (
        "Accuracy per epoch",
        "Line chart of the binary accuracy per training epoch, train and dev.",
        "Look for the gap between train and dev: a wide gap means over-fitting; dev at the chance level "
        "means nothing was learned that carries to new days.",
    ),
    "superposed_epoch.png": (
        "Superposed epochs around the events",
        "Daily geomagnetic activity and band power averaged over station-event pairs from 14 days before "
        "to 14 days after the events, with the grey range of the same averages around pseudo-events.",
        "Look for the blue curve leaving the grey pseudo-event range on one side of day 0 only: a "
        "before/after difference in activity is a confound the model can learn.",
    ),
    "molchan.png": (
        "Molchan error diagram",
        "Molchan diagram: the share of events missed against the share of station-days alarmed (log "
        "scale), for the model and for random alarms.",
        "Look for the model's curve below the dashed 2.5 % line of random alarms: only there do its "
        "alarms beat chance.",
    ),
}


def figure_text(name: str) -> tuple:
    """The heading, the alt text and the caption of the report's figure ``name``."""
    if name in FIGURES:
        return FIGURES[name]
    if name.startswith("filters_"):
        layer = name[len("filters_") : -len(".png")]
        return (
            f"What excites layer {layer}",
            f"Grid of synthetic input images that maximise the mean activation of filters of layer {layer}.",
            "Look for stripes or chirps in the time-frequency images: patterns the layer responds to; "
            "uniform noise means the filter found nothing to respond to.",
        )
    return (name, f"Figure {name}", "")


def _figure_md(name: str) -> list:
    head, alt, caption = figure_text(name)
    return [f"### {head}", "", f"![{alt}]({name})", *([f"*{caption}*"] if caption else []), ""]


def write_report(run, *, filters: bool = True, progress: bool = True) -> dict:
    """``report.md`` and ``report.html`` in the run folder, with the figures and tables.

    The report opens with the verdict (:func:`verdict`): whether the test split can support
    a conclusion and, if not, why, in plain words. The HTML page has a viewport for phones;
    its tables scroll inside their own box; each figure has a heading, alt text and a caption.
    """

    run = os.fspath(run)
    m = read_json(
        os.path.join(run, "metrics.json"), f"{run}: no metrics.json; run `seisem evaluate {run}` first"
    )
    info = read_json(
        os.path.join(run, "run.json"), f"{run}: no run.json; pass the folder that `seisem train` wrote"
    )
    figs = plot_curves(run)
    if filters:
        figs += plot_filters(run, progress=progress)
    ci = m["ci"]
    rows = [("model", m)] + [
        (BASELINES.get(k, k.replace("_", " ")), v) for k, v in m["baselines"].items() if "accuracy" in v
    ]
    names = tuple(METRICS)
    table = [
        "| test split | " + " | ".join(METRICS[n] for n in names) + " |",
        "|---" * (len(names) + 1) + "|",
    ]
    for label, v in rows:
        table.append(f"| {label} | " + " | ".join(_fmt(v.get(n)) for n in names) + " |")
    level = int(ci["level"] * 100)
    if ci.get("not_estimable"):
        ci_line = f"{level} % intervals of the model's metrics: not estimable ({ci['not_estimable']})."
    else:
        unit = (m.get("reliability") or {}).get("unit", "episode")
        table.append(
            f"| model, {level} % interval | "
            + " | ".join(f"{_fmt(ci[n][0])}–{_fmt(ci[n][1])}" for n in names)
            + " |"
        )
        ci_line = (
            f"The interval row: {ci.get('method', 'jackknife-t')} over {ci.get('n_units')} independent {unit}s "
            f"of the test split."
        )
    maj = m["baselines"]["majority_class"]

    def _row(k, v):
        if v.get("not_scored"):
            return f"| {k} | {v['n']:,} | not scored: {v['not_scored']} | – |"
        return f"| {k} | {v['n']:,} | {_fmt(v['accuracy'])} | {_fmt(v['balanced_accuracy'])} |"

    perm = m["permutation"]
    (tn, fp), (fn, tp) = m["confusion_matrix"]
    md = [
        f"# seisem run report: {info['model']}",
        "",
        "## What this result can say",
        "",
        *verdict(m),
        "",
        f"Dataset `{m['dataset']}` (split by {m['split_by']}); {info['train_samples']:,} train, "
        f"{info['dev_samples']:,} dev, {m['n_test']:,} test station-days. Trained {info['epochs_run']} epochs "
        f"(best dev loss at epoch {info['best_epoch']}), batch {info['batch_size']}, learning rate "
        f"{info['learning_rate']:g}, seed {info['seed']}, {info['wall_time_s']:.1f} s on {info['backend']}.",
        "",
        _preset_line(info),
        "",
        "## Test-split metrics",
        "",
        "The model and the baselines on the dataset's test split (each baseline fitted on its train split).",
        "",
        *table,
        "",
        ci_line,
        "",
        f"Chance level (majority share of the test split): {m['chance_accuracy']:.3f}. "
        + permutation_text(perm),
        "",
        f"Confusion matrix (label 1 = before the event): TN {tn:,}, FP {fp:,}, FN {fn:,}, TP {tp:,}.",
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
        *confound_section(run, m, figs),
        "## Figures",
        "",
        *[ln for f in figs for ln in _figure_md(f)],
    ]
    text = "\n".join(md)
    write_text(os.path.join(run, "report.md"), text)
    write_text(os.path.join(run, "report.html"), _html(text))
    return {
        "markdown": os.path.join(run, "report.md"),
        "html": os.path.join(run, "report.html"),
        "figures": figs,
    }


CSS = """
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;max-width:56em;
 margin:0 auto;padding:1em 1rem 3em}
h1{font-size:1.6em;line-height:1.25;margin:.4em 0 .6em}
h2{font-size:1.3em;margin:1.8em 0 .5em;border-bottom:1px solid #ddd;padding-bottom:.2em}
h3{font-size:1.05em;margin:1.4em 0 .4em}
p,li{overflow-wrap:break-word}
code{font-size:.9em;background:#f3f3f3;padding:0 .2em;border-radius:3px;overflow-wrap:anywhere}
.table-wrap{overflow-x:auto;margin:.6em 0 1em;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;font-size:.92em}
th,td{border:1px solid #ccc;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#f4f4f4;font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody th{background:#fff;font-weight:normal}
@media (min-width:700px){tbody th{white-space:nowrap}}
figure{margin:.5em 0 1.5em}
figure img{display:block;max-width:100%;height:auto}
figcaption{font-size:.92em;color:#444;margin-top:.4em}
@media (max-width:600px){body{font-size:15px;padding:.6em .8rem 2em}h1{font-size:1.35em}}
"""

_NUM = re.compile(r"^(?:[-+−]?[\d,]*\.?\d+(?:\s*[–-]\s*[-+−]?[\d,]*\.?\d+)?\s*%?|[<>]\s*[\d.]+|–|n/a|nan)$")


def _inline(text: str) -> str:
    """Escaped text with the report's inline Markdown: ``code``, **strong**, *emphasis*."""
    parts = re.split(r"(`[^`]*`)", text)
    out = []
    for k, part in enumerate(parts):
        if k % 2:
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
            continue
        t = html.escape(part, quote=False)
        t = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", t)
        t = re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])", r"<em>\1</em>", t)
        out.append(t)
    return "".join(out)


def _table(rows: list) -> str:
    """An HTML table from Markdown rows (the first is the header): row labels (the first column)
    as row headers, left-aligned; columns whose cells are all numbers right-aligned; wrapped in
    a box that scrolls sideways on a narrow screen."""
    head, body = rows[0], rows[1:]
    ncol = max(len(r) for r in rows)
    numeric = [
        k > 0 and bool(body) and all(_NUM.match(r[k]) for r in body if k < len(r) and r[k])
        for k in range(ncol)
    ]

    def cls(k):
        return " class='num'" if k < ncol and numeric[k] else ""

    th = "".join(f"<th scope='col'{cls(k)}>{_inline(c)}</th>" for k, c in enumerate(head))
    trs = []
    for r in body:
        cells = [f"<th scope='row'>{_inline(r[0])}</th>"] + [
            f"<td{cls(k)}>{_inline(c)}</td>" for k, c in enumerate(r) if k > 0
        ]
        trs.append("<tr>" + "".join(cells) + "</tr>")
    return (
        "<div class='table-wrap'><table><thead><tr>"
        + th
        + "</tr></thead><tbody>"
        + "".join(trs)
        + "</tbody></table></div>"
    )


def _html(md: str) -> str:
    """The report's Markdown as a page that reads on a desktop and on a phone (only the report's own
    constructs: headings, paragraphs, lists, pipe tables, figures with a caption line ``*...*``)."""
    lines = md.splitlines()
    title = next((ln[2:] for ln in lines if ln.startswith("# ")), "seisem report")
    out = [
        "<!doctype html>",
        "<html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{html.escape(title)}</title>",
        f"<style>{CSS}</style></head><body>",
    ]
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                if not set(lines[i].strip()) <= set("|-: "):
                    rows.append([c.strip() for c in lines[i].strip().strip("|").split("|")])
                i += 1
            out.append(_table(rows))
            continue
        if ln.startswith("- "):
            items = []
            while i < len(lines) and lines[i].startswith("- "):
                items.append(f"<li>{_inline(lines[i][2:])}</li>")
                i += 1
            out.append("<ul>" + "".join(items) + "</ul>")
            continue
        if ln.startswith("!["):
            alt, src = re.match(r"!\[(.*)\]\((.*)\)$", ln).groups()
            cap = ""
            if i + 1 < len(lines) and re.fullmatch(r"\*[^*].*\*", lines[i + 1]):
                cap = f"<figcaption>{_inline(lines[i + 1][1:-1])}</figcaption>"
                i += 1
            out.append(f"<figure><img src='{html.escape(src)}' alt='{html.escape(alt)}'>{cap}</figure>")
        elif ln.startswith("### "):
            out.append(f"<h3>{_inline(ln[4:])}</h3>")
        elif ln.startswith("## "):
            out.append(f"<h2>{_inline(ln[3:])}</h2>")
        elif ln.startswith("# "):
            out.append(f"<h1>{_inline(ln[2:])}</h1>")
        elif ln.strip():
            out.append(f"<p>{_inline(ln)}</p>")
        i += 1
    out.append("</body></html>")
    return "\n".join(out)
