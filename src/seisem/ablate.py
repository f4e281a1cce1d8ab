"""``seisem ablate``: does the image pipeline matter? The same model, the same splits, several
image pipelines and seeds, paired differences with group-bootstrap intervals and a verdict.

Every pipeline is rendered from the *same* stored station-day series of one dataset
(:func:`seisem.data.build.rerender_dataset`), so samples, labels and splits are identical and
the comparison is paired: each pipeline is trained with the same seeds (same weight
initialisation and batch order for a seed) and scored on the same test station-days.

The interval of a difference resamples what varies between repetitions of the experiment:
the test split's episodes (events whose labelled windows overlap anywhere in the network
are one unit: station-days of one episode are dependent; resampling them whole is the
cluster bootstrap) and, jointly, the seeds (training variability); the same
resample is applied to both pipelines of a pair. A difference whose 95 % interval holds 0
is reported as "no detectable difference at this size".
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np
from scipy.stats import rankdata

from ._errors import ParameterError
from ._files import write_json, write_text
from ._progress import progress_bar
from .data.build import rerender_dataset
from .data.splits import split_groups
from .data.store import SeisemDataset
from .evaluate import predict
from .models import load_keras
from .train import train

#: Pipeline name -> image options of :func:`seisem.data.build.rerender_dataset`. ``chirp``'s
#: rate is the ``constant_rate`` argument.
PIPELINES = {
    "plain": {"image": "spectrogram", "chirp_rate": 0.0},
    "chirp": {"image": "spectrogram", "chirp_rate": None},
    "auto": {"image": "spectrogram", "chirp_rate": "auto"},
    "waveform-filled": {"image": "waveform-filled"},
    "waveform-binary": {"image": "waveform-binary"},
    "auto+waveform-binary": {"image": "spectrogram+waveform-binary", "chirp_rate": "auto"},
}
DEFAULT_PIPELINES = ("plain", "chirp", "auto", "waveform-filled", "waveform-binary")
METRICS = ("balanced_accuracy", "roc_auc")
#: Fewer independent test units (episodes) than this: no interval (as :mod:`seisem.evaluate`).
MIN_GROUPS = 10


def _balanced_accuracy(y, pred):
    """Per row of ``pred`` (k, n) for labels ``y`` (k, n); classes absent from a row count as
    missing (the mean of the recalls present)."""
    pos, neg = y == 1, y == 0
    npos, nneg = pos.sum(-1), neg.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        tpr = np.where(npos > 0, (pred & pos).sum(-1) / np.maximum(npos, 1), np.nan)
        tnr = np.where(nneg > 0, (~pred & neg).sum(-1) / np.maximum(nneg, 1), np.nan)
    return np.nanmean(np.stack([tpr, tnr]), axis=0)


def _roc_auc(y, s):
    """Rank (Mann-Whitney) AUC per row, ties counted half; NaN with one class."""

    r = rankdata(s, axis=-1)
    pos = y == 1
    n1, n0 = pos.sum(-1), (~pos).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = ((r * pos).sum(-1) - n1 * (n1 + 1) / 2) / (n1 * n0)
    return np.where((n1 > 0) & (n0 > 0), auc, np.nan)


def _metric(name, y, s):
    return _balanced_accuracy(y, s >= 0.5) if name == "balanced_accuracy" else _roc_auc(y, s)


def paired_comparison(
    y, groups, scores: dict, *, reference: str, n_boot: int = 1000, seed: int = 0, level: float = 0.95
) -> dict:
    """Metrics per pipeline and paired differences against ``reference``.

    Parameters
    ----------
    y : (n,) labels of the test split; groups : (n,) its episode (independent unit) per station-day
    scores : {pipeline: (n_seeds, n) probabilities of "before"}, the same seeds in each

    Returns
    -------
    dict
        ``metrics`` (per pipeline and metric: per-seed values, mean, sd) and ``differences`` (per
        pipeline other than the reference and metric: mean difference, per-seed sd,
        interval, verdict).
    """
    y = np.asarray(y).astype(int)
    groups = np.asarray(groups).astype(str)
    names = list(scores)
    if reference not in scores:
        raise ParameterError(f"reference={reference!r} is not among the pipelines {names} (--reference)")
    S = np.stack([np.asarray(scores[p], dtype=np.float64) for p in names])  # (P, K, n)
    P, K, n = S.shape
    if y.shape != (n,) or groups.shape != (n,):
        raise ParameterError(f"labels {y.shape}, groups {groups.shape} and scores (.., {n}) disagree")
    uniq, inv = np.unique(groups, return_inverse=True)
    G = uniq.size
    members = [np.flatnonzero(inv == g) for g in range(G)]
    point = {m: _metric(m, np.broadcast_to(y, S.shape), S) for m in METRICS}  # (P, K)
    out = {"metrics": {}, "differences": {}, "n_test": int(n), "n_groups": int(G), "n_seeds": int(K)}
    for i, p in enumerate(names):
        out["metrics"][p] = {
            m: {
                "per_seed": [float(v) for v in point[m][i]],
                "mean": float(np.nanmean(point[m][i])),
                "sd": float(np.nanstd(point[m][i], ddof=1)) if K > 1 else 0.0,
            }
            for m in METRICS
        }
    rng = np.random.default_rng(seed)
    boot = {m: np.full((n_boot, P), np.nan) for m in METRICS}
    if G >= MIN_GROUPS:
        for b in range(n_boot):
            idx = np.concatenate([members[g] for g in rng.integers(0, G, G)])
            ks = rng.integers(0, K, K)
            yb = np.broadcast_to(y[idx], (P, K, idx.size))
            Sb = S[:, ks][:, :, idx]
            for m in METRICS:
                boot[m][b] = np.nanmean(_metric(m, yb, Sb), axis=1)
    alpha = (1 - level) / 2
    r = names.index(reference)
    for i, p in enumerate(names):
        if i == r:
            continue
        out["differences"][p] = {}
        for m in METRICS:
            per_seed = point[m][i] - point[m][r]
            d = float(np.nanmean(per_seed))
            entry = {
                "minus": reference,
                "difference": d,
                "per_seed": [float(v) for v in per_seed],
                "seed_sd": float(np.nanstd(per_seed, ddof=1)) if K > 1 else 0.0,
            }
            if G < MIN_GROUPS:
                entry["interval"] = [None, None]
                entry["verdict"] = (
                    f"not estimable: the test split holds {G} independent group(s), fewer than {MIN_GROUPS}; "
                    "no conclusion about the pipelines at this size"
                )
            else:
                diffs = boot[m][:, i] - boot[m][:, r]
                diffs = diffs[np.isfinite(diffs)]
                lo, hi = (float(v) for v in np.quantile(diffs, [alpha, 1 - alpha]))
                entry["interval"] = [lo, hi]
                entry["verdict"] = _verdict(p, reference, m, d, lo, hi, G, K)
            out["differences"][p][m] = entry
    out["level"] = level
    out["n_boot"] = int(n_boot)
    return out


def _verdict(p, ref, metric, d, lo, hi, groups, seeds) -> str:
    what = metric.replace("_", " ")
    size = f"{groups} test episodes, {seeds} seeds"
    if lo <= 0.0 <= hi:
        return (
            f"no detectable difference at this size ({what} {p} - {ref} = {d:+.3f}, 95 % interval "
            f"{lo:+.3f} to {hi:+.3f}; {size})"
        )
    better = p if d > 0 else ref
    return (
        f"{better} scores higher ({what} {p} - {ref} = {d:+.3f}, 95 % interval {lo:+.3f} to {hi:+.3f}, "
        f"excludes 0; {size})"
    )


def ablate(
    dataset,
    out,
    *,
    pipelines=DEFAULT_PIPELINES,
    seeds=(0, 1, 2),
    reference: str = "plain",
    constant_rate="8bins",
    size=None,
    # train()'s parameters, spelled out on purpose (like train's signature): the public API keeps
    # its own documented defaults (8 epochs, batches of 64, patience 3) rather than **kwargs
    model: str = "improved-vgg",
    head: str = "compact",
    dropout: float = 0.5,
    epochs: int = 8,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    patience: int = 3,
    n_boot: int = 1000,
    seed: int = 0,
    progress: bool = True,
) -> dict:
    """Train ``model`` on each image pipeline of ``dataset`` with each seed, and compare.

    Parameters
    ----------
    dataset : path
        A built dataset (``seisem build``); its stored series are rendered again per pipeline
        (:data:`PIPELINES`: ``plain`` = chirp rate 0, ``chirp`` = ``constant_rate``,
        ``auto`` = per frame from the data, ``waveform-filled``/``waveform-binary``, and
        ``auto+waveform-binary`` stacked), into ``out/datasets/<pipeline>``.
    constant_rate : number (Hz/s) or ``"<c>bins"``
        The constant chirp of the ``chirp`` pipeline (default 8 bins swept per frame: a fixed
        rate of the paper's kind, in the unit that keeps its meaning at any fs and n_fft).
    reference : str
        The pipeline the others are compared with (default ``plain``: alpha = 0).
    size : (height, width), optional
        Render every pipeline at this image size (default: the dataset's own), e.g. (16, 16)
        for a quick ablation on a CPU.

    Writes ``ablation.json`` and ``ablation.md`` into ``out`` (runs under ``out/runs``) and
    returns the JSON content.
    """

    pipelines = list(dict.fromkeys(pipelines))
    bad = [p for p in pipelines if p not in PIPELINES]
    if bad:
        raise ParameterError(
            f"pipelines {bad} are not known; choose from {', '.join(PIPELINES)} (--pipelines)"
        )
    if len(pipelines) < 2:
        raise ParameterError("an ablation needs at least two pipelines (--pipelines plain,auto)")
    if reference not in pipelines:
        raise ParameterError(
            f"reference={reference!r} must be one of the pipelines {pipelines} (--reference)"
        )
    seeds = [int(s) for s in dict.fromkeys(seeds)]
    if not seeds:
        raise ParameterError("seeds must name at least one seed (--seeds 0,1,2)")
    out = os.fspath(out)
    src = SeisemDataset(dataset)
    if len(src.test()) == 0:
        raise ParameterError(f"{src.path}: the test split is empty; nothing to compare on")
    keras = load_keras()
    t0 = time.perf_counter()
    datasets, seconds = {}, {}
    for p in pipelines:
        opts = dict(PIPELINES[p])
        if opts.get("chirp_rate", 0) is None:
            opts["chirp_rate"] = constant_rate
        if size is not None:
            opts["size"] = tuple(int(v) for v in size)
        t = time.perf_counter()
        path = os.path.join(out, "datasets", p)
        man = rerender_dataset(src.path, path, **opts)
        datasets[p] = (path, man)
        seconds[f"render {p}"] = round(time.perf_counter() - t, 1)
    ref_meta = SeisemDataset(datasets[pipelines[0]][0]).metadata[["trace_name", "split"]]
    for p in pipelines[1:]:  # by construction; checked because the comparison rests on it
        if not SeisemDataset(datasets[p][0]).metadata[["trace_name", "split"]].equals(ref_meta):
            raise ParameterError(f"pipeline {p}: its samples or splits differ from {pipelines[0]}'s")
    scores = {p: [] for p in pipelines}
    runs = {p: [] for p in pipelines}
    bar = progress_bar(len(pipelines) * len(seeds), "ablation runs", "run", enable=progress)
    test = None
    for p in pipelines:
        path = datasets[p][0]
        t = time.perf_counter()
        for s in seeds:
            run = os.path.join(out, "runs", p, f"seed{s}")
            keras.backend.clear_session()  # one graph per run: no retracing of old models' functions
            info = train(
                path,
                run,
                model=model,
                head=head,
                dropout=dropout,
                epochs=epochs,
                batch_size=batch_size,
                learning_rate=learning_rate,
                seed=s,
                patience=patience,
                verbose=0,
            )
            ds = SeisemDataset(path)
            test = ds.test()
            net = keras.models.load_model(os.path.join(run, "model.keras"))
            scores[p].append(predict(net, test))
            runs[p].append(
                {"seed": s, "run": run, "best_epoch": info["best_epoch"], "train_s": info["wall_time_s"]}
            )
            bar.update(1)
        seconds[f"train {p}"] = round(time.perf_counter() - t, 1)
    bar.close()
    meta = test.metadata
    cfg = ds.manifest["config"]
    groups = split_groups(
        meta,
        "episode",
        before_days=int(cfg.get("before_days", 14)),
        after_days=int(cfg.get("after_days", 14)),
    )
    cmp = paired_comparison(
        test.labels,
        groups,
        {p: np.stack(scores[p]) for p in pipelines},
        reference=reference,
        n_boot=n_boot,
        seed=seed,
    )
    total = time.perf_counter() - t0
    result = {
        "dataset": os.path.abspath(src.path),
        "model": model,
        "head": head,
        "dropout": float(dropout),
        "epochs": int(epochs),
        "batch_size": int(batch_size),
        "seeds": seeds,
        "reference": reference,
        "split_by": src.manifest["config"].get("split_by"),
        "image_size": list(datasets[pipelines[0]][1]["config"]["size"]),
        "pipelines": {
            p: {
                "image": datasets[p][1]["config"]["image"],
                "chirp": datasets[p][1]["chirp"]
                if "spectrogram" in datasets[p][1]["config"]["image"]
                else None,
                "runs": runs[p],
            }
            for p in pipelines
        },
        **cmp,
        "seconds": {**seconds, "total": round(total, 1)},
        "machine": _machine(),
    }
    write_json(os.path.join(out, "ablation.json"), result)
    write_text(os.path.join(out, "ablation.md"), ablation_markdown(result))
    return result


def _machine() -> dict:

    return {
        "cpu_count": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
    }


def _fmt(v, digits=3):
    return "n/a" if v is None or not np.isfinite(v) else f"{v:.{digits}f}"


def ablation_markdown(r: dict) -> str:
    """The ablation as a Markdown table (per pipeline: mean ± sd over seeds, difference to the
    reference with its interval, verdict in words)."""
    lines = [
        f"# Ablation: image pipelines ({r['model']}, head {r['head']}, dropout {r['dropout']:g}, "
        f"{r['epochs']} epochs, batch {r['batch_size']}, seeds {', '.join(map(str, r['seeds']))}, "
        f"images {'x'.join(map(str, r.get('image_size', [])))})",
        "",
        f"Test split: {r['n_test']} station-days in {r['n_groups']} independent episodes "
        f"(split by {r['split_by']}). Differences are paired against `{r['reference']}`; 95 % intervals from "
        f"{r['n_boot']} bootstrap resamples of those episodes and the seeds together.",
        "",
        "| pipeline | chirp rate | balanced accuracy | ROC-AUC | Δ balanced accuracy [95 % CI] | Δ ROC-AUC [95 % CI] |",
        "|---|---|---|---|---|---|",
    ]
    order = [r["reference"]] + [p for p in r["pipelines"] if p != r["reference"]]
    for p in order:
        info = r["pipelines"][p]
        ch = info.get("chirp")
        if ch is None:
            rate = "—"
        elif ch["hz_per_s"] == "auto":
            rate = "auto (per frame)"
        else:
            rate = f"{ch['hz_per_s']:.3g} Hz/s ({ch['bins_per_frame']:.3g} bins/frame)"
        m = r["metrics"][p]
        cells = [f"{_fmt(m[k]['mean'])} ± {_fmt(m[k]['sd'])}" for k in METRICS]
        if p == r["reference"]:
            deltas = ["(reference)", "(reference)"]
        else:
            deltas = []
            for k in METRICS:
                d = r["differences"][p][k]
                lo, hi = d["interval"]
                ci = "not estimable" if lo is None else f"[{lo:+.3f}, {hi:+.3f}]"
                deltas.append(f"{d['difference']:+.3f} {ci}")
        lines.append(f"| {p} | {rate} | {cells[0]} | {cells[1]} | {deltas[0]} | {deltas[1]} |")
    lines += ["", "Verdicts (balanced accuracy):", ""]
    for p, d in r["differences"].items():
        lines.append(f"- {p} vs {r['reference']}: {d['balanced_accuracy']['verdict']}")
    lines += ["", "Verdicts (ROC-AUC):", ""]
    for p, d in r["differences"].items():
        lines.append(f"- {p} vs {r['reference']}: {d['roc_auc']['verdict']}")
    sec = r.get("seconds", {})
    mach = r.get("machine", {})
    lines += [
        "",
        f"Time: {sec.get('total', float('nan')):.0f} s in all on {mach.get('affinity') or mach.get('cpu_count')} "
        f"CPU core(s) ({mach.get('processor', '')}).",
    ]
    return "\n".join(lines) + "\n"


__all__ = ["DEFAULT_PIPELINES", "PIPELINES", "ablate", "ablation_markdown", "paired_comparison"]
