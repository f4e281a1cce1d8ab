"""``seisem evaluate``: the test split, with intervals, baselines, nulls and the confound verdict.

Every statement about the test split counts independent units, *episodes*: events whose
labelled windows overlap anywhere in the network are one unit (a storm, or any network-wide
signal, reaches every station of those dates). The permutation null swaps whole episodes,
the intervals resample them (leave-one-episode-out jackknife, t on G-1 df), and
:func:`reliability` asks for at least :data:`MIN_TEST_UNITS` of them.
"""

from __future__ import annotations

import os

import numpy as np

from ._errors import ParameterError
from ._files import atomic_path, read_json, write_json
from .controls.activity import activity_baseline, activity_source, activity_strata
from .controls.baselines import feature_baseline
from .controls.dependence import date_overlap, split_side_by_side
from .controls.epochs import superposed_epoch
from .controls.molchan import molchan
from .controls.pseudo import pseudo_events as run_pseudo
from .controls.skill import skill_beyond_activity
from .data.daily import band_powers, load_daily, lookup
from .data.splits import BACKGROUND, split_groups
from .data.store import SeisemDataset
from .feed import make_sequence
from .metrics import (
    binary_metrics,
    confusion,
    group_permutation_null,
    permutation_null,
    subset_row,
    unit_interval,
)
from .models import load_keras

MAG_BINS = (3.6, 4.0, 4.5, 5.0, np.inf)
#: What a test split needs before its numbers mean something (see :func:`reliability`).
MIN_TEST_UNITS = 10
MIN_TEST_DAYS = 30
MAX_CLASS_SHARE = 0.80
#: The 95 % interval of the balanced accuracy must be narrower than this.
MAX_INTERVAL_WIDTH = 0.40
#: A per-station / per-magnitude / per-offset row is scored only with this many days and both classes.
MIN_ROW_DAYS = 10
ALPHA = 0.05


def reliability(y, units, *, interval=None, problems=(), unit: str = "episode") -> dict:
    """Whether a test split can support a conclusion, with the reasons when it cannot.

    Not interpretable when the test split has fewer than :data:`MIN_TEST_UNITS` independent
    units (``units``: the episode of each row), fewer than :data:`MIN_TEST_DAYS` days, one
    class only or a class share above :data:`MAX_CLASS_SHARE` (accuracy then mostly measures
    the class mix), a balanced-accuracy interval (``interval``, ``[lo, hi]``) wider than
    :data:`MAX_INTERVAL_WIDTH` or not estimable, or when the dataset was built despite split
    problems (``problems``, from the manifest).
    """
    y = np.asarray(y)
    n = int(y.size)
    n_units = int(np.unique(np.asarray(units).astype(str)).size) if units is not None else n
    reasons = []
    if n_units < MIN_TEST_UNITS:
        reasons.append(
            f"the test split holds {n_units} independent {unit}(s), fewer than {MIN_TEST_UNITS}: "
            "the result cannot be generalised and no test at 5 % can be trusted"
        )
    if n < MIN_TEST_DAYS:
        reasons.append(f"the test split holds {n} station-days, fewer than {MIN_TEST_DAYS}")
    if n:
        if np.unique(y).size < 2:
            reasons.append("the test split holds one class only")
        share = float(max(y.mean(), 1 - y.mean()))
        if share > MAX_CLASS_SHARE:
            reasons.append(
                f"one class makes up {share:.0%} of the test split (more than {MAX_CLASS_SHARE:.0%}): "
                "accuracy mostly measures the class mix"
            )
    width = None
    if interval is not None:
        lo, hi = interval
        if lo is None or hi is None:
            if n_units >= MIN_TEST_UNITS:
                reasons.append("the interval of the balanced accuracy cannot be estimated")
        else:
            width = float(hi - lo)
            if width > MAX_INTERVAL_WIDTH:
                reasons.append(
                    f"the 95 % interval of the balanced accuracy is {width:.2f} wide (more than "
                    f"{MAX_INTERVAL_WIDTH:.2f}): too uncertain to conclude"
                )
    reasons += [f"dataset built despite: {p}" for p in problems]
    return {
        "interpretable": not reasons,
        "reasons": reasons,
        "unit": unit,
        "n_test_units": n_units,
        "n_test_days": n,
        "interval_width": width,
        "requires": {
            "min_test_units": MIN_TEST_UNITS,
            "min_test_days": MIN_TEST_DAYS,
            "max_class_share": MAX_CLASS_SHARE,
            "max_interval_width": MAX_INTERVAL_WIDTH,
        },
    }


def units_of_rows(meta, cfg) -> np.ndarray:
    """The independent unit (episode) of each test row, whatever the dataset's split."""
    return split_groups(
        meta,
        "episode",
        before_days=int(cfg.get("before_days", 14)),
        after_days=int(cfg.get("after_days", 14)),
    ).astype(str)


def _logistic_baseline(train: SeisemDataset, test: SeisemDataset, fs: float) -> dict:
    xtr, xte = band_powers(train.series(), fs=fs), band_powers(test.series(), fs=fs)
    return feature_baseline(xtr, train.labels, xte, test.labels, what="band powers of the day series")


def predict(model, dataset: SeisemDataset, batch_size: int = 256) -> np.ndarray:

    seq = make_sequence(dataset, batch_size=batch_size)
    return np.asarray(model.predict(seq, verbose=0)).reshape(-1).astype(np.float64)


def _breakdown(meta, y, score, column, bins=None):
    rows = {}
    key = meta[column].to_numpy()
    if bins is not None:
        idx = np.digitize(key.astype(float), bins) - 1
        labels = [f"[{bins[i]:g}, {bins[i + 1]:g})" for i in range(len(bins) - 1)]
        key = np.array([labels[i] if 0 <= i < len(labels) else "other" for i in idx])
    for k in sorted(set(key.astype(str))):
        sel = key.astype(str) == k
        rows[k] = subset_row(y[sel], score[sel], min_days=MIN_ROW_DAYS)
    return rows


def per_day_offset(meta, y, score) -> dict:
    """Per day offset from the event day (-14..-1 before, +1..+14 after; background days of the
    before-background contrast together): the station-days, the share classified correctly and
    the mean score. Each offset holds one class, so this is
    where in the window the model is right, not a balanced accuracy; a precursor that grows
    towards the event shows as accuracy rising towards -1."""
    bg = meta["source_id"].astype(str).to_numpy() == BACKGROUND
    off = np.where(bg, 0, meta["day_offset"].to_numpy(dtype=np.float64)).astype(np.int64)
    key = np.where(bg, "background", np.array([f"{int(o):+d}" for o in off], dtype=object))
    correct = (np.asarray(score) >= 0.5).astype(int) == np.asarray(y)
    out = {}
    for k in sorted(set(key), key=lambda k: (k == "background", int(k) if k != "background" else 0)):
        sel = key == k
        out[k] = {
            "n": int(sel.sum()),
            "label": int(y[sel][0]),
            "accuracy": float(correct[sel].mean()),
            "mean_score": float(np.mean(score[sel])),
        }
    return out


def majority_baseline(train_labels, dev_labels) -> dict:
    """The majority class of the train split, decided without the test split.

    A tie in train is broken by train and dev together, then (still tied) by predicting
    label 1 ("before"), and the result says so: the baseline's test accuracy is then an
    accident of the test split's class mix, and the chance level is the comparison.
    """
    c_train = np.bincount(np.asarray(train_labels, dtype=int), minlength=2)
    if c_train[0] != c_train[1]:
        return {"predicts": int(c_train.argmax()), "rule": "majority class of the train split", "tie": False}
    c_all = c_train + np.bincount(np.asarray(dev_labels, dtype=int), minlength=2)
    if c_all[0] != c_all[1]:
        return {
            "predicts": int(c_all.argmax()),
            "rule": f"train split tied ({c_train[0]}:{c_train[1]}); majority of train and dev",
            "tie": True,
        }
    return {
        "predicts": 1,
        "rule": f"train and dev tied ({c_all[0]}:{c_all[1]}); label 1 (before) by convention, not chosen on test",
        "tie": True,
    }


def evaluate(
    run,
    *,
    dataset=None,
    n_perm: int = 1000,
    seed: int = 0,
    model_file: str = "model.keras",
    pseudo_events: int = 20,
    activity_file=None,
) -> dict:
    r"""Evaluate a run folder's model on the test split and write ``metrics.json`` there.

    Top level of the result: ``reliability`` (``interpretable`` and the ``reasons`` when not,
    see :func:`reliability`), the test-split ``accuracy``, ``balanced_accuracy``, ``mcc``,
    ``roc_auc`` (and ``precision``, ``recall``, ``f1``), ``n_test``, ``chance_accuracy`` (the
    majority-class share of the test split); ``ci`` (intervals over the test episodes:
    leave-one-episode-out jackknife with t quantiles, :func:`seisem.metrics.unit_interval`),
    ``above_chance`` (the unit permutation p below 0.05 with a balanced accuracy above 0.5),
    ``confusion_matrix`` (``[[tn, fp], [fn, tp]]``, label 1 = before), ``baselines``
    (majority class of train; logistic regression on band powers; on the activity index of
    the control's source, and on the station's own index), ``permutation`` (whole episodes
    swapped before <-> after; exact when every assignment can be enumerated; ``unit``,
    ``n_units``, ``min_attainable_p``), ``per_station``, ``per_magnitude``,
    ``per_day_offset`` (rows with fewer than :data:`MIN_ROW_DAYS` days or one class carry
    ``not_scored``). Predictions go to ``predictions.csv``.

    Controls (:mod:`seisem.controls`, from the dataset's ``daily.csv`` and ``pairs.csv``):
    ``confound`` (``activity_source`` — ``"planetary"`` with ``activity_file``, a GFZ Kp or
    WDC Kyoto Dst file, else ``"remote-reference"``, else ``"own-series"`` —,
    ``skill_beyond_activity`` with its interval and p, ``verdict``, ``explains``, ``why``),
    ``per_activity_level``, ``date_overlap``, ``splits``, ``pseudo_events``
    (``pseudo_events`` shifted catalogs, 0 to skip), ``superposed_epoch`` and ``molchan``.

    Parameters
    ----------
    run : str or path-like
        A run folder written by :func:`seisem.train.train` (``run.json`` and the model).
        ``metrics.json`` and ``predictions.csv`` are written there.
    dataset : str or path-like, optional
        The dataset folder; default the one recorded in ``run.json``. Its test split must not
        be empty.
    n_perm : int, default 1000
        Random permutations of the permutation tests (the episode test enumerates every
        swap instead, an exact test, when :math:`2^k \le` ``n_perm`` for its :math:`k \le 20`
        test units).
    seed : int, default 0
        Seed of the random permutations, the Molchan diagram's null, the pseudo catalogs
        and the splits compared side by side.
    model_file : str, default "model.keras"
        The model file in ``run`` (``"best.keras"``: the best dev epoch's checkpoint).
    pseudo_events : int, default 20
        Shifted catalogs of the pseudo-event control; 0 skips it.
    activity_file : str or path-like, optional
        A planetary activity index file (GFZ Kp or WDC Kyoto Dst), the activity control's
        preferred source (:func:`seisem.controls.activity.activity_source`); default the
        remote reference of the dataset's own stations.

    Returns
    -------
    dict
        The content of ``metrics.json`` (described above).

    Raises
    ------
    ParameterError
        An empty test split.
    ReadError
        No ``run.json`` in ``run``, or a dataset that cannot be read.
    """
    keras = load_keras()
    run = os.fspath(run)
    info = read_json(
        os.path.join(run, "run.json"), f"{run}: no run.json; pass the folder that `seisem train` wrote"
    )
    ds = SeisemDataset(dataset or info["dataset"])
    test, train = ds.test(), ds.train()
    if len(test) == 0:
        raise ParameterError(f"{ds.path}: the test split is empty")
    cfg = ds.manifest["config"]
    net = keras.models.load_model(os.path.join(run, model_file))
    score = predict(net, test)
    y = test.labels
    pred = (score >= 0.5).astype(int)
    meta = test.metadata
    metrics = binary_metrics(y, score)
    maj = majority_baseline(train.labels, ds.dev().labels)
    majority = maj["predicts"]
    fs = 1.0 / float(cfg["interval_s"])
    units = units_of_rows(meta, cfg)
    ci = unit_interval(y, score, units)
    perm = group_permutation_null(y, pred, units, n_perm=n_perm, seed=seed, unit="episode")
    rel = reliability(
        y, units, interval=ci.get("balanced_accuracy"), problems=ds.manifest.get("split_problems", [])
    )
    above = bool(perm["p_value"] < ALPHA and metrics["balanced_accuracy"] > 0.5)
    result = {
        "reliability": rel,
        **metrics,
        "n_test": int(y.size),
        "test_before_share": float(y.mean()),
        "chance_accuracy": float(max(y.mean(), 1 - y.mean())),
        "ci": ci,
        "above_chance": {
            "value": above if rel["interpretable"] else None,
            "rule": f"unit permutation p < {ALPHA} and balanced accuracy > 0.5, on an interpretable split",
            "p_value": perm["p_value"],
        },
        "confusion_matrix": confusion(y, pred).tolist(),
        "baselines": {
            "majority_class": {**maj, **binary_metrics(y, np.full(y.size, float(majority)))},
            "logistic_band_power": _logistic_baseline(train, test, fs),
        },
        "permutation": perm,
        "permutation_station_days": {
            **permutation_null(y, pred, n_perm=n_perm, seed=seed),
            "unit": "station-day",
            "note": "days of one episode are dependent: this null is too narrow, use `permutation`",
        },
        "per_station": _breakdown(meta, y, score, "station_code"),
        "per_magnitude": _breakdown(meta, y, score, "source_magnitude", MAG_BINS),
        "per_day_offset": per_day_offset(meta, y, score),
        "model": info["model"],
        "split_by": cfg.get("split_by"),
        "dataset": os.path.abspath(ds.path),
    }
    result.update(
        confound_controls(
            ds,
            train,
            test,
            y,
            score,
            units=units,
            model_p=perm["p_value"],
            interpretable=rel["interpretable"],
            seed=seed,
            pseudo_events=pseudo_events,
            activity_file=activity_file,
        )
    )
    result["baselines"].update(result.pop("_activity_baselines", {}))
    with atomic_path(os.path.join(run, "predictions.csv")) as tmp:
        meta.assign(score=score, predicted=pred, unit=units)[
            [
                "trace_name",
                "station_code",
                "source_id",
                "trace_start_time",
                "day_offset",
                "unit",
                "label",
                "score",
                "predicted",
            ]
        ].to_csv(tmp, index=False)
    write_json(os.path.join(run, "metrics.json"), result)
    return result


def _events_of_rows(meta, label: int) -> list:
    """Per test row, the events it is a day of with ``label`` (1: before, 0: after), else empty."""
    ids = meta["source_ids"].astype(str) if "source_ids" in meta else meta["source_id"].astype(str)
    lab = meta["label"].to_numpy(int)
    return [s.split(";") if lab[i] == label and s != BACKGROUND else [] for i, s in enumerate(ids)]


def confound_controls(
    ds,
    train,
    test,
    y,
    score,
    *,
    units,
    model_p=None,
    interpretable=True,
    seed=0,
    pseudo_events=20,
    activity_file=None,
) -> dict:
    """The control entries of ``metrics.json`` (see :func:`evaluate`)."""
    cfg = ds.manifest["config"]
    out: dict = {"date_overlap": date_overlap(train.metadata, test.metadata)}
    out["molchan"] = molchan(
        score,
        _events_of_rows(test.metadata, 1),
        after_of_row=_events_of_rows(test.metadata, 0),
        units=units,
        seed=seed,
    )
    daily, pairs = load_daily(ds.path)
    missing = (
        "the dataset has no daily.csv (built before the confound controls existed): rebuild it with "
        "`seisem build` to get the activity index, pseudo-events and superposed epochs"
    )
    acts: dict = {}
    if daily is None:
        acts["geomagnetic_activity"] = {"skipped": missing}
        out["per_activity_level"] = {"skipped": missing}
        out["confound"] = {
            "activity_source": None,
            "explains": None,
            "verdict": "cannot tell",
            "why": missing,
        }
        out["splits"] = split_side_by_side(ds, None, seed=seed)
        out["pseudo_events"] = out["superposed_epoch"] = {"skipped": missing}
        out["_activity_baselines"] = acts
        return out
    src = activity_source(daily, pairs, cfg, activity_file=activity_file, rows=test.metadata)
    daily = src.pop("daily")
    acts["geomagnetic_activity"] = {
        **activity_baseline(train.metadata, test.metadata, daily, what=src["index"]),
        "source": src["source"],
    }
    if src["source"] != "own-series":
        acts["own_series_activity"] = {
            **activity_baseline(
                train.metadata, test.metadata, daily, column="activity_std", what="activity_std (own series)"
            ),
            "note": "the station's own index counts a local precursor as activity: shown for comparison, "
            "not used for the verdict",
        }
    out["per_activity_level"] = activity_strata(test.metadata, y, score, daily)
    activity = lookup(test.metadata, daily, "activity_control")
    skill = skill_beyond_activity(
        y, score, activity, units, model_p=model_p, interpretable=interpretable, alpha=ALPHA
    )
    out["confound"] = {
        "activity_source": src["source"],
        "activity": src,
        "skill_beyond_activity": skill,
        "explains": skill["explains"],
        "verdict": skill["verdict"],
        "why": skill["why"],
    }
    out["_activity_baselines"] = acts
    out["splits"] = split_side_by_side(ds, daily, seed=seed)
    if pairs is None:
        out["pseudo_events"] = {"skipped": "the dataset has no pairs.csv"}
        out["superposed_epoch"] = {"skipped": "the dataset has no pairs.csv"}
    elif pseudo_events:
        try:
            pe = run_pseudo(pairs, daily, cfg, n=pseudo_events, seed=seed)
            cats = pe.pop("_catalogs")
            out["pseudo_events"] = pe
            out["superposed_epoch"] = superposed_epoch(pairs, daily, cfg, cats)
        except ParameterError as exc:
            out["pseudo_events"] = {"skipped": str(exc)}
            out["superposed_epoch"] = superposed_epoch(pairs, daily, cfg)
    else:
        out["pseudo_events"] = {"skipped": "pseudo_events=0"}
        out["superposed_epoch"] = superposed_epoch(pairs, daily, cfg)
    return out
