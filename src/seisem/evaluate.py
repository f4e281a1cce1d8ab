"""``seisem evaluate``: the test split, with intervals, baselines and a permutation null."""

from __future__ import annotations

import json
import os

import numpy as np

from ._errors import ParameterError, ReadError, require
from ._files import write_json
from .confounds import (
    UNIT_NAMES,
    activity_baseline,
    activity_strata,
    band_powers,
    date_overlap,
    explains,
    feature_baseline,
    load_daily,
    split_side_by_side,
    superposed_epoch,
)
from .confounds import pseudo_events as run_pseudo
from .data.store import SeisemDataset
from .metrics import (
    binary_metrics,
    bootstrap_ci,
    confusion,
    group_permutation_null,
    molchan,
    permutation_null,
)
from .models import _keras

MAG_BINS = (3.6, 4.0, 4.5, 5.0, np.inf)
#: What a test split needs before its numbers mean something (see :func:`reliability`).
MIN_TEST_GROUPS = 5
MIN_TEST_DAYS = 30
MAX_CLASS_SHARE = 0.80
#: A per-station / per-magnitude row is scored only with this many days and both classes.
MIN_ROW_DAYS = 10


def reliability(y, groups, *, problems=()) -> dict:
    """Whether a test split can support a conclusion, with the reasons when it cannot.

    Not interpretable when the test split has fewer than :data:`MIN_TEST_GROUPS` event
    groups (the cluster bootstrap and any generalisation need several independent events),
    fewer than :data:`MIN_TEST_DAYS` days, a class share above :data:`MAX_CLASS_SHARE`
    (accuracy then mostly measures the class mix), or when the dataset was built despite
    split problems (``problems``, from the manifest).
    """
    y = np.asarray(y)
    n = int(y.size)
    n_groups = int(np.unique(np.asarray(groups).astype(str)).size) if groups is not None else n
    reasons = []
    if n_groups < MIN_TEST_GROUPS:
        reasons.append(
            f"the test split holds {n_groups} independent group(s) (events, time blocks or stations), fewer than "
            f"{MIN_TEST_GROUPS}: "
            "the result cannot be generalised and its interval cannot be estimated"
        )
    if n < MIN_TEST_DAYS:
        reasons.append(f"the test split holds {n} station-days, fewer than {MIN_TEST_DAYS}")
    if n:
        share = float(max(y.mean(), 1 - y.mean()))
        if share > MAX_CLASS_SHARE:
            reasons.append(
                f"one class makes up {share:.0%} of the test split (more than {MAX_CLASS_SHARE:.0%}): "
                "accuracy mostly measures the class mix"
            )
    reasons += [f"dataset built despite: {p}" for p in problems]
    return {"interpretable": not reasons, "reasons": reasons, "n_test_groups": n_groups, "n_test_days": n}


def _logistic_baseline(train: SeisemDataset, test: SeisemDataset, fs: float) -> dict:
    sk = require("sklearn.linear_model", "ml", "the logistic-regression baseline")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    xtr, xte = band_powers(train.series(), fs=fs), band_powers(test.series(), fs=fs)
    ytr = train.labels
    if np.unique(ytr).size < 2:
        return {"skipped": "the train split has one class only"}
    clf = make_pipeline(StandardScaler(), sk.LogisticRegression(max_iter=1000))
    clf.fit(xtr, ytr)
    return binary_metrics(test.labels, clf.predict_proba(xte)[:, 1])


def predict(model, dataset: SeisemDataset, batch_size: int = 256) -> np.ndarray:
    from .feed import make_sequence

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
        n = int(sel.sum())
        row = {"n": n, "before_share": float(y[sel].mean())}
        if n < MIN_ROW_DAYS or np.unique(y[sel]).size < 2:
            row["not_scored"] = (
                f"one class only ({'before' if y[sel][0] == 1 else 'after'})"
                if np.unique(y[sel]).size < 2
                else f"{n} days (fewer than {MIN_ROW_DAYS})"
            )
            row["accuracy"] = row["balanced_accuracy"] = None
        else:
            m = binary_metrics(y[sel], score[sel])
            row["accuracy"] = m["accuracy"]
            row["balanced_accuracy"] = m["balanced_accuracy"]
        rows[k] = row
    return rows


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
    n_boot: int = 1000,
    n_perm: int = 1000,
    seed: int = 0,
    model_file: str = "model.keras",
    pseudo_events: int = 20,
    activity_file=None,
) -> dict:
    """Evaluate a run folder's model on the test split and write ``metrics.json`` there.

    Top level of the result: ``reliability`` (``interpretable`` and the ``reasons`` when not,
    see :func:`reliability`), the test-split ``accuracy``, ``balanced_accuracy``, ``mcc``,
    ``roc_auc`` (and ``precision``, ``recall``, ``f1``), ``n_test``, ``chance_accuracy`` (the
    majority-class share of the test split); ``ci`` (cluster-bootstrap intervals over the
    split groups), ``confusion_matrix`` (``[[tn, fp], [fn, tp]]``, label 1 = before),
    ``baselines`` (majority class of train; logistic regression on band powers of the day
    series), ``permutation`` (label-permutation null and p-value), ``per_station``,
    ``per_magnitude`` (rows with fewer than :data:`MIN_ROW_DAYS` days or one class carry
    ``not_scored`` instead of scores). With fewer than :data:`MIN_TEST_GROUPS` groups the
    interval is not estimated (``ci["not_estimable"]``). Predictions go to ``predictions.csv``.

    ``permutation`` permutes labels between the split's groups (event groups, time blocks
    or stations: ``permutation["unit"]``; :func:`seisem.metrics.group_permutation_null`);
    the old station-day permutation, too optimistic for dependent days, is kept as
    ``permutation_station_days``. Confound controls (:mod:`seisem.confounds`, from the
    dataset's ``daily.csv``): ``baselines.geomagnetic_activity`` (and
    ``baselines.planetary_activity`` with ``activity_file``, a GFZ Kp or WDC Kyoto Dst file),
    ``per_activity_level``, ``date_overlap``, ``splits`` (event and time-block splits side by
    side), ``pseudo_events`` (``pseudo_events`` random catalogs, 0 to skip),
    ``superposed_epoch``, ``molchan`` and ``confound`` (whether activity explains the score).
    """
    keras = _keras()
    from ._files import atomic_path

    run = os.fspath(run)
    info_path = os.path.join(run, "run.json")
    if not os.path.exists(info_path):
        raise ReadError(f"{run}: no run.json; pass the folder that `seisem train` wrote")
    with open(info_path) as fh:
        info = json.load(fh)
    ds = SeisemDataset(dataset or info["dataset"])
    test, train = ds.test(), ds.train()
    if len(test) == 0:
        raise ParameterError(f"{ds.path}: the test split is empty")
    net = keras.models.load_model(os.path.join(run, model_file))
    score = predict(net, test)
    y = test.labels
    pred = (score >= 0.5).astype(int)
    meta = test.metadata
    metrics = binary_metrics(y, score)
    dev = ds.dev()
    maj = majority_baseline(train.labels, dev.labels)
    majority = maj["predicts"]
    fs = 1.0 / float(ds.manifest["config"]["interval_s"])
    groups = meta["split_group"].to_numpy() if "split_group" in meta else None
    rel = reliability(y, groups, problems=ds.manifest.get("split_problems", []))
    ci = bootstrap_ci(y, score, groups=groups, n_boot=n_boot, seed=seed)
    if groups is not None and ci["n_units"] < MIN_TEST_GROUPS:
        ci = {
            **{k: [None, None] for k in ci if k not in ("level", "n_boot", "resampled", "n_units")},
            **{k: ci[k] for k in ("level", "n_boot", "resampled", "n_units")},
            "not_estimable": f"{ci['n_units']} event group(s) in the test split, fewer than {MIN_TEST_GROUPS}",
        }
    result = {
        "reliability": rel,
        **metrics,
        "n_test": int(y.size),
        "test_before_share": float(y.mean()),
        "chance_accuracy": float(max(y.mean(), 1 - y.mean())),
        "ci": ci,
        "confusion_matrix": confusion(y, pred).tolist(),
        "baselines": {
            "majority_class": {**maj, **binary_metrics(y, np.full(y.size, float(majority)))},
            "logistic_band_power": _logistic_baseline(train, test, fs),
        },
        "permutation": group_permutation_null(
            y,
            pred,
            groups if groups is not None else np.arange(y.size),
            n_perm=n_perm,
            seed=seed,
            unit=UNIT_NAMES.get(ds.manifest["config"].get("split_by"), "group")
            if groups is not None
            else "station-day",
        ),
        "permutation_station_days": {
            **permutation_null(y, pred, n_perm=n_perm, seed=seed),
            "unit": "station-day",
            "note": "days of one event are dependent: this null is too narrow, use `permutation`",
        },
        "per_station": _breakdown(meta, y, score, "station_code"),
        "per_magnitude": _breakdown(meta, y, score, "source_magnitude", MAG_BINS),
        "model": info["model"],
        "split_by": ds.manifest["config"].get("split_by"),
        "dataset": os.path.abspath(ds.path),
    }
    result.update(
        confound_controls(
            ds, train, test, y, score, seed=seed, pseudo_events=pseudo_events, activity_file=activity_file
        )
    )
    act = result.pop("_activity_baselines", {})
    result["baselines"].update(act)
    result["confound"] = explains(result["balanced_accuracy"], act.get("geomagnetic_activity"))
    with atomic_path(os.path.join(run, "predictions.csv")) as tmp:
        meta.assign(score=score, predicted=pred)[
            ["trace_name", "station_code", "source_id", "trace_start_time", "label", "score", "predicted"]
        ].to_csv(tmp, index=False)
    write_json(os.path.join(run, "metrics.json"), result)
    return result


def _targets_of_rows(meta) -> list:
    """Per test row, the events it is a *before* day of (empty for after days)."""
    ids = meta["source_ids"].astype(str) if "source_ids" in meta else meta["source_id"].astype(str)
    lab = meta["label"].to_numpy(int)
    return [s.split(";") if lab[i] == 1 else [] for i, s in enumerate(ids)]


def confound_controls(ds, train, test, y, score, *, seed=0, pseudo_events=20, activity_file=None) -> dict:
    """The confound-control entries of ``metrics.json`` (see :func:`evaluate`)."""
    out: dict = {"date_overlap": date_overlap(train.metadata, test.metadata)}
    out["molchan"] = molchan(score, _targets_of_rows(test.metadata), seed=seed)
    daily, pairs = load_daily(ds.path)
    missing = (
        "the dataset has no daily.csv (built before the confound controls existed): rebuild it with "
        "`seisem build` to get the activity index, pseudo-events and superposed epochs"
    )
    acts: dict = {}
    if daily is None:
        acts["geomagnetic_activity"] = {"skipped": missing}
        out["per_activity_level"] = {"skipped": missing}
    else:
        acts["geomagnetic_activity"] = activity_baseline(train.metadata, test.metadata, daily)
        out["per_activity_level"] = activity_strata(test.metadata, y, score, daily)
    if activity_file is not None:
        acts["planetary_activity"] = _planetary_baseline(
            train.metadata, test.metadata, activity_file, feature_baseline
        )
    out["_activity_baselines"] = acts
    out["splits"] = split_side_by_side(ds, daily, seed=seed)
    cfg = ds.manifest["config"]
    if daily is None or pairs is None:
        out["pseudo_events"] = {"skipped": missing}
        out["superposed_epoch"] = {"skipped": missing}
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


def _planetary_baseline(train_meta, test_meta, path, feature_baseline) -> dict:
    """The activity baseline on a planetary index (Kp or Dst file) matched to each station-day
    by the UTC date of the day's middle (a local day spans two UTC dates)."""
    import pandas as pd

    from .geomag import read_planetary_index

    kind, table = read_planetary_index(path)
    m = dict(zip(table["date"].astype(str), table["planetary_activity"].to_numpy(float), strict=True))

    def feat(meta):
        mid = pd.to_datetime(meta["trace_start_time"], utc=True) + pd.Timedelta(hours=12)
        return np.array([m.get(d, np.nan) for d in mid.dt.strftime("%Y-%m-%d")], dtype=np.float64)

    xtr, xte = feat(train_meta), feat(test_meta)
    if not np.isfinite(xte).any():
        return {"skipped": f"{path}: no {kind} values on the test split's dates"}
    out = feature_baseline(
        xtr,
        train_meta["label"].to_numpy(int),
        xte,
        test_meta["label"].to_numpy(int),
        what=f"planetary {kind}",
    )
    out["index"] = kind
    out["file"] = os.path.abspath(path)
    return out
