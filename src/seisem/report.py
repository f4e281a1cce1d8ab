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
    mpl = require("matplotlib", "ml", "figures")
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
    """The last convolution of each stage (names ending ``c_conv``), or of VGG16's blocks
    (:func:`seisem.models.feature_layers`)."""
    from .models import feature_layers

    return feature_layers(model)


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


SOURCE_WORDS = {
    "planetary": "a planetary index file",
    "remote-reference": "the remote reference (stations no labelled window claims that day)",
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
        f"{perm.get('p_value', float('nan')):.4f} (smallest attainable {perm.get('min_attainable_p', float('nan')):.4f}): "
        + ("above chance." if above else "not shown to be above chance.")
        + f" Activity is measured by {src_text}."
    ]
    if conf.get("why"):
        lines += ["", conf["why"][0].upper() + conf["why"][1:] + ("" if conf["why"].endswith(".") else ".")]
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
            f"p-value {perm['p_value']:.4f} ({perm['n_perm']} permutations)."
        )
    kind = "all assignments (exact)" if perm.get("exact") else f"{perm['n_perm']} random assignments"
    return (
        f"Permutation null with the {perm['unit']} as unit ({perm['n_units']} units; labels swapped before/after "
        f"for whole units, {kind}) of the balanced accuracy: mean {perm['null_mean']:.3f}, 95 % range "
        f"{perm['null_95'][0]:.3f}–{perm['null_95'][1]:.3f}; p-value of the observed {perm['observed']:.3f}: "
        f"{perm['p_value']:.4f} (smallest attainable {perm['min_attainable_p']:.4f})."
    )


def plot_superposed_epoch(run, se: dict) -> list:
    """``superposed_epoch.png``: daily features around events, with the pseudo-event envelope."""
    plt = _plt()
    feats = se.get("features") or {}
    if not feats:
        return []
    fig, axes = plt.subplots(1, len(feats), figsize=(4.8 * len(feats), 3.2), squeeze=False)
    off = np.asarray(se["offsets_days"])
    labels = {
        "activity_control": "geomagnetic activity (the control's index)",
        "activity_std": "geomagnetic activity (standardised log range)",
        "band_power_total": "mean log10 band power",
    }
    for ax, (name, e) in zip(axes[0], feats.items(), strict=False):
        real = np.array([np.nan if v is None else v for v in e["real"]], dtype=float)
        if "pseudo_lo" in e:
            ax.fill_between(
                off, e["pseudo_lo"], e["pseudo_hi"], color="0.8", label=f"pseudo-events ({e['envelope']})"
            )
        ax.plot(off, real, "o-", ms=3, label=f"events ({se['n_pairs']} station-event pairs)")
        ax.axvline(0, color="k", lw=0.8, ls="--")
        ax.set_xlabel("days from the event")
        ax.set_ylabel(labels.get(name, name))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("superposed epochs: 14 days before (label 1) and after (label 0)", fontsize=10)
    _save(fig, os.path.join(run, "superposed_epoch.png"))
    return ["superposed_epoch.png"]


def plot_molchan(run, mo: dict) -> list:
    """``molchan.png``: the Molchan error diagram of the model's daily scores as alarms."""
    if "tau" not in mo:
        return []
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.2, 4.0))
    ax.plot([0, 1], [1, 0], color="0.5", lw=0.8, ls=":", label="diagonal")
    ax.plot(mo["tau"], mo["random_mean"], color="0.4", lw=1, label="random alarms (mean)")
    ax.plot(mo["tau"], mo["random_lo"], color="0.4", lw=1, ls="--", label="random alarms (2.5 %)")
    ax.plot(mo["tau"], mo["nu"], "o-", ms=2.5, label=f"model ({mo['n_targets']} target events)")
    ax.set_xlabel("tau: share of station-days alarmed")
    ax.set_ylabel("nu: share of events missed")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
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
            f"Activity index: {src.get('index')} (source `{conf.get('activity_source')}`: {src.get('why')}; it "
            f"covers {_pct(src.get('coverage'))} % of the test station-days).",
            "",
        ]
    sk = conf.get("skill_beyond_activity") or {}
    if sk.get("skill_beyond_activity") is not None:
        ba, iv = sk["balanced_accuracy"], sk.get("intervals") or {}
        md += [
            "What the model adds beyond activity (logistic regressions of the label fitted out of fold over the "
            f"{sk.get('n_units')} test units; balanced accuracies with their intervals):",
            "",
            "| | balanced accuracy | interval |",
            "|---|---|---|",
            f"| activity alone | {_fmt(ba['activity'])} | {_interval(iv.get('activity'))} |",
            f"| activity + model score | {_fmt(ba['model_and_activity'])} | {_interval(iv.get('model_and_activity'))} |",
            f"| model alone | {_fmt(ba['model'])} | {_interval(iv.get('model'))} |",
            f"| skill beyond activity (difference) | {_fmt(sk['skill_beyond_activity'])} | "
            f"{_interval(sk.get('interval'))} (one-sided p = {_fmt(sk.get('p_value'))}) |",
            "",
        ]
    acts = m["baselines"]
    for key, label in (
        ("geomagnetic_activity", "Activity baseline"),
        ("own_series_activity", "Own-series activity"),
    ):
        a = acts.get(key) or {}
        if a.get("skipped"):
            md += [f"{label}: {a['skipped']}.", ""]
        elif a:
            md += [
                f"{label} (logistic regression on {a.get('features')}, fitted on train): balanced accuracy "
                f"{_fmt(a.get('balanced_accuracy'))} against the model's {_fmt(m.get('balanced_accuracy'))}"
                + (f". {a['note'][0].upper() + a['note'][1:]}" if a.get("note") else "")
                + ".",
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
        "| split | test days | test units | test dates also in train | model | band-power baseline | activity baseline |",
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
    md += ["", "(balanced accuracies)", ""]
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
            "Real score against the pseudo-event distribution (balanced accuracy; the real score here comes "
            "from this fast pipeline, so it can differ from the baselines above):",
            "",
            "| fast pipeline | real events | pseudo mean | pseudo 95 % | percentile | p |",
            "|---|---|---|---|---|---|",
        ]
        for k in ("logistic_band_power", "geomagnetic_activity"):
            e = pe[k]
            md.append(
                f"| {k.replace('_', ' ')} | {_fmt(e['real'])} | {_fmt(e['pseudo_mean'])} | "
                f"{_fmt(e['pseudo_95'][0])}–{_fmt(e['pseudo_95'][1])} | {_fmt(e['percentile'])} | {_fmt(e['p_value'])} |"
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
            f"on average; p = {mo['p_value']:.3f} ({mo['n_random']} null draws). "
            + (mo.get("note", "") if not mo.get("forecast_evaluation") else ""),
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
            f"| {int(ci['level'] * 100)} % CI ({ci.get('n_units')} episodes, jackknife-t) | "
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
        _preset_line(info),
        "",
        "## Test-split metrics",
        "",
        *table,
        "",
        f"Chance level (majority share of the test split): {m['chance_accuracy']:.3f}. "
        + permutation_text(perm),
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
        *confound_section(run, m, figs),
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
