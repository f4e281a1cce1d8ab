"""``seisem null-catalogs``: the CNN itself under the pseudo-catalog null.

The fast pseudo-event control (:mod:`seisem.controls.pseudo`) refits two logistic baselines;
this one retrains the model. The whole catalog is shifted in time (one random whole number of
days per pseudo catalog, circularly within the data's span, so the catalog keeps its
clustering and any dependence between events), the dataset is built again from the same
station files with the shifted station-event pairs, the same model is trained with the run's
settings and seed, and evaluated on its own test split. The real run's balanced accuracy is
placed among the pseudo ones: ``p = (1 + #{pseudo >= real}) / (n + 1)``. With ``n`` pseudo
catalogs the smallest attainable p is ``1 / (n + 1)``: three catalogs place the real score,
they are no test at 5 % (19 are needed for that), and the result says so.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from ._errors import ParameterError, ReadError
from ._files import read_json, write_json
from .controls.pseudo import place_among_nulls, pseudo_catalogs
from .data import BuildConfig, build_dataset
from .data.daily import load_daily, utc_naive
from .data.store import SeisemDataset
from .evaluate import evaluate
from .io import read_catalog
from .train import train


def _shift_catalog(catalog, shift_days: int, lo, span_days: int):
    """The catalog with its origin times shifted like the pairs (circularly within the span)."""
    c = catalog.copy()
    t = utc_naive(c["source_origin_time"])
    lo_s = np.datetime64(lo, "s")
    rel = ((t - lo_s).astype(np.int64) + shift_days * 86400) % (span_days * 86400)
    c["source_origin_time"] = pd.to_datetime(lo_s + rel.astype("timedelta64[s]"), utc=True)
    return c


def null_catalogs(
    run,
    out,
    *,
    n: int = 3,
    data=None,
    seed: int = 0,
    epochs: int | None = None,
    scheduler: str = "threads",
    progress: bool = True,
) -> dict:
    """Retrain the run's model on ``n`` shifted catalogs and place the real score among them.

    Parameters
    ----------
    run : folder
        An evaluated run (``seisem train`` then ``seisem evaluate``: its ``metrics.json`` holds
        the real balanced accuracy).
    out : folder
        Where each pseudo catalog's dataset and run go (``shift<+k>d/dataset`` and
        ``shift<+k>d/run``), and ``null_catalogs.json``.
    n : int, default 3
        Number of shifted catalogs (positive). The smallest attainable p is
        :math:`1 / (n + 1)`: 19 are needed for a test at 5 %.
    data : folder, glob or list, optional
        The station files the dataset was built from (default: the folder recorded in its
        manifest).
    seed : int, default 0
        Seed of the shifts and of each evaluation (the retraining uses the run's own seed).
    epochs : int, optional
        Most epochs per retraining (default: the run's).
    scheduler : str, default "threads"
        The Dask scheduler of each dataset build (as for
        :func:`seisem.data.build_dataset`).
    progress : bool, default True
        Progress bars of the dataset builds.

    Returns
    -------
    dict
        ``real``, ``pseudo`` (one entry per catalog: shift, balanced accuracy, test units,
        interpretable), ``p_value``, ``min_attainable_p``, ``statement``.
    """
    if int(n) < 1:
        raise ParameterError(f"n={n!r} must be a positive number of pseudo catalogs (--n)")
    run, out = os.fspath(run), os.fspath(out)
    info, real = (
        read_json(
            os.path.join(run, f),
            f"{run}: no {f}; train and evaluate the run first (seisem train, seisem evaluate)",
        )
        for f in ("run.json", "metrics.json")
    )
    ds = SeisemDataset(info["dataset"])
    man = ds.manifest
    cfg = BuildConfig.from_dict(man["config"])
    data = data if data is not None else man.get("data_source")
    if data is None:
        raise ParameterError(
            f"{ds.path}: its manifest does not record the station files' folder; pass data= (--data)"
        )
    daily, pairs = load_daily(ds.path)
    if daily is None or pairs is None:
        raise ReadError(f"{ds.path}: no daily.csv/pairs.csv; rebuild the dataset with `seisem build`")
    cat_path = ((man.get("inputs") or {}).get("catalog") or {}).get("path")
    catalog = read_catalog(cat_path) if cat_path and os.path.exists(cat_path) else None
    cats = pseudo_catalogs(pairs, daily, man["config"], n=n, seed=seed, method="shift")
    days = np.asarray(daily["day"].astype(str).unique(), dtype="datetime64[D]")
    lo = days.min() + np.timedelta64(int(cfg.before_days) + 1, "D")
    span = int((days.max() - np.timedelta64(int(cfg.after_days), "D") - lo).astype(np.int64))
    rows = []
    for k, p in enumerate(cats):
        shift = int(p["pseudo_shift_days"].iloc[0])
        base = os.path.join(out, f"shift{shift:+d}d")
        cat_k = _shift_catalog(catalog, shift, lo, span) if catalog is not None else None
        build_dataset(
            None,
            cat_k,
            data,
            os.path.join(base, "dataset"),
            BuildConfig.from_dict({**cfg.to_dict(), "on_bad_split": "warn"}),
            scheduler=scheduler,
            progress=progress,
            pairs=p.drop(columns=["pseudo_shift_days"]).assign(
                source_origin_time=pd.to_datetime(p["source_origin_time"], utc=True)
            ),
        )
        train(
            os.path.join(base, "dataset"),
            os.path.join(base, "run"),
            model=info["model"],
            head=info.get("head", "compact"),
            dropout=info.get("dropout", 0.5),
            epochs=int(epochs or info["epochs"]),
            batch_size=info["batch_size"],
            learning_rate=info["learning_rate"],
            seed=info["seed"],
            patience=info.get("patience", 5),
            verbose=0,
        )
        m = evaluate(os.path.join(base, "run"), seed=seed, pseudo_events=0)
        rows.append(
            {
                "catalog": k,
                "shift_days": shift,
                "balanced_accuracy": m["balanced_accuracy"],
                "test_units": m["permutation"]["n_units"],
                "interpretable": m["reliability"]["interpretable"],
                "run": os.path.join(base, "run"),
            }
        )
    r = float(real["balanced_accuracy"])
    placed = place_among_nulls(r, [row["balanced_accuracy"] for row in rows])
    result = {
        "run": os.path.abspath(run),
        "metric": "balanced_accuracy",
        "real": r,
        "real_interpretable": real["reliability"]["interpretable"],
        "method": "the whole catalog shifted in time by a random whole number of days (circularly within the "
        "data's span, clustering kept); dataset rebuilt, model retrained with the run's settings and seed",
        "pseudo": rows,
        **placed,
    }
    os.makedirs(out, exist_ok=True)
    write_json(os.path.join(out, "null_catalogs.json"), result)
    return result
