"""Fast baselines: logistic regression on a few daily features, scored like the model."""

from __future__ import annotations

import numpy as np

from .._errors import require
from ..metrics import binary_metrics


def fit_predict(xtr, ytr, xte) -> np.ndarray:
    """Probabilities of label 1 for ``xte`` from a standardised, class-balanced logistic
    regression fitted on ``(xtr, ytr)`` (scikit-learn, the ``ml`` extra)."""
    sk = require("sklearn.linear_model", "ml", "the baselines")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clf = make_pipeline(StandardScaler(), sk.LogisticRegression(max_iter=1000, class_weight="balanced"))
    clf.fit(xtr, ytr)
    return clf.predict_proba(xte)[:, 1]


def feature_baseline(xtr, ytr, xte, yte, *, what: str) -> dict:
    """Logistic regression on features ``x`` fitted on train, scored on test like the model.
    Missing values are set to the train median (their number is reported)."""
    xtr = np.asarray(xtr, dtype=np.float64).reshape(len(ytr), -1)
    xte = np.asarray(xte, dtype=np.float64).reshape(len(yte), -1)
    if np.unique(ytr).size < 2:
        return {"skipped": "the train split has one class only"}
    n_missing = int((~np.isfinite(xte).all(axis=1)).sum() + (~np.isfinite(xtr).all(axis=1)).sum())
    if not np.isfinite(xtr).any(axis=0).all():
        return {"skipped": f"no train value of {what}", "features": what}
    med = np.nanmedian(np.where(np.isfinite(xtr), xtr, np.nan), axis=0)
    xtr = np.where(np.isfinite(xtr), xtr, med)
    xte = np.where(np.isfinite(xte), xte, med)
    out = binary_metrics(np.asarray(yte), fit_predict(xtr, ytr, xte))
    out["features"] = what
    out["rows_missing_features"] = n_missing
    return out
