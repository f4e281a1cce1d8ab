"""The Molchan error diagram of daily scores used as alarms, with a null that respects dependence.

Molchan, G. M. (1991), *Tectonophysics* 193, 267-276; Zechar, J. D. & Jordan, T. H. (2008),
*Geophys. J. Int.* 172, 715-724.

Alarms are set by a threshold on the score: every row scoring at least the threshold is
alarmed, so rows with equal scores are alarmed together (never by row order). The curve's
points are the distinct thresholds, from the highest down, after the point ``(0, 1)``
(nothing alarmed): ``tau`` is the share of rows alarmed and ``nu`` the share of target events
none of whose before-days is alarmed. The area under the piecewise-linear curve through
these points is the statistic (a small area: the alarms anticipate the targets).

The reference (the null) is chosen by ``units``:

* with ``units`` (independent units, e.g. episodes), whole units are mirrored: a random half
  of the units swap the roles of their before- and after-days, so each target of a mirrored
  unit is hit when one of its *after*-days is alarmed. The scores and so ``tau`` stay fixed;
  the dependence between days of a unit, and across units on shared dates, is kept intact.
  Under the null that the scores carry no information on before vs after, a unit and its
  mirror image are exchangeable (the design puts ``before_days`` on one side of an event and
  ``after_days`` on the other), and independent units can be mirrored independently: the
  same randomisation as :func:`seisem.metrics.group_permutation_null`. Its calibration under
  network-wide dependence is checked by simulation in ``tests/seisem/test_calibration.py``.
  (Reassigning whole score blocks among units of one size would leave the statistic
  unchanged, since every unit's rows play the same roles; mirroring is what breaks the link
  between scores and targets while keeping each unit's blocks.)
* without ``units`` the rows are the units: the scores are permuted among the rows (random
  alarms). This is valid only for independent rows. With scores autocorrelated in time the
  before-days of a target share one level, while random alarms scatter over the rows and hit
  targets sooner: in 200 simulated null datasets (``tests/seisem/test_calibration.py``
  simulator, date-clustered layout) every p-value was above 0.95. Pass ``units``.
"""

from __future__ import annotations

import numpy as np

from .._errors import ParameterError

NOTE = (
    "rows are the labelled station-days only (before and after days of the target events), not every "
    "station-day of the test period: the diagram compares the alarms on before- and after-days, it is "
    "not a forecast evaluation (set forecast_evaluation=True only when all station-days were scored)"
)


def _lists(name, value, n):
    if value is None:
        return None
    out = [list(v) if not isinstance(v, str) else [v] for v in value]
    if len(out) != n:
        raise ParameterError(f"{name} must hold one list of event ids per row ({n} rows), got {len(out)}")
    return [[str(t) for t in v] for v in out]


def _role_max(s, lists, tindex, n_targets):
    """Per target, the highest score over the rows naming it (``-inf`` when none does)."""
    m = np.full(n_targets, -np.inf)
    rows = [i for i, ts in enumerate(lists) for _ in ts]
    tgts = [tindex[t] for ts in lists for t in ts]
    if rows:
        np.maximum.at(m, np.asarray(tgts, np.int64), s[np.asarray(rows, np.int64)])
    return m


def _curves(m, thr_desc):
    """``nu`` at each point (``(0, 1)`` then each threshold, highest first) for each row of
    ``m`` (shape ``(F, T)``: per null draw, each target's highest score in its target role)."""
    f, t = m.shape
    j = thr_desc.size
    # the index of the threshold at which each target is first hit (j when never)
    asc = thr_desc[::-1]
    pos = np.searchsorted(asc, m, side="left")  # m is a score, so asc[pos] == m when finite
    first_hit = np.where(np.isfinite(m), j - 1 - pos, j)
    flat = (first_hit + (j + 1) * np.arange(f)[:, None]).ravel()
    hits = np.bincount(flat, minlength=f * (j + 1)).reshape(f, j + 1)[:, :j].cumsum(axis=1)
    nu = np.ones((f, j + 1))
    nu[:, 1:] = 1.0 - hits / t
    return nu


def _areas(nu, tau):
    return ((nu[:, 1:] + nu[:, :-1]) * np.diff(tau)[None, :]).sum(axis=1) / 2


def molchan(
    alarm_score,
    target_of_row,
    *,
    units=None,
    after_of_row=None,
    unit: str = "episode",
    n_random: int = 200,
    seed: int = 0,
) -> dict:
    """Molchan error diagram of daily scores used as alarms, and its p-value.

    Parameters
    ----------
    alarm_score : array of float
        One score per row (station-day); rows scoring at least a threshold are alarmed.
    target_of_row : sequence of lists
        Per row, the target events that the row precedes (its *before* day); empty for other rows.
    units : array, optional
        The independent unit of each row (e.g. the episode). Every event's rows must lie in
        one unit. The null then mirrors whole units (see the module docstring). Without it
        the scores are permuted among rows (too narrow for dependent days).
    after_of_row : sequence of lists, optional
        Per row, the events that the row follows (its *after* day); empty for other rows.
        Needed with ``units`` when a unit holds several target events; when every unit holds
        at most one, the unit's rows without a target are taken as that event's after-days.
    unit : str
        What a unit is called in the result (with ``units``).
    n_random : int
        Null draws. With ``units`` and ``2**n_units <= n_random`` (``n_units <= 20``) every
        mirroring is enumerated instead (an exact test).
    seed : int
        Seed of the null draws.

    Returns
    -------
    dict
        ``tau``, ``nu`` (the curve), ``random_mean`` and ``random_lo`` (the null's mean and
        2.5 % quantile of ``nu`` at each ``tau``), ``area``, ``random_area_mean``,
        ``p_value`` (share of null areas at most the observed one: ``(1 + #) / (n + 1)``, or
        ``# / 2**n_units`` when exact), ``n_targets`` (with ``units``: every event with a
        before- or after-day among the rows; one without a before-day is missed at every
        threshold), ``n_rows``, ``n_random`` (null
        draws made), ``exact``, ``unit``, ``n_units``, ``scheme``, ``ties`` (``"by
        threshold"``), ``forecast_evaluation`` (``False``: rows are only the labelled days;
        the caller may set it when all station-days of the test period are scored) and
        ``note``. ``{"skipped": reason}`` when no row precedes a target.

    Raises
    ------
    ParameterError
        Lengths differ, scores are not finite, an event's rows lie in several units, or a
        unit holds several targets and ``after_of_row`` is missing.
    """
    s = np.asarray(alarm_score, dtype=np.float64)
    if s.ndim != 1:
        raise ParameterError(f"alarm_score must be one-dimensional, got shape {s.shape}")
    n = int(s.size)
    before = _lists("target_of_row", target_of_row, n)
    after = _lists("after_of_row", after_of_row, n)
    if not np.all(np.isfinite(s)):
        raise ParameterError(
            f"alarm_score holds {int((~np.isfinite(s)).sum())} non-finite value(s); score every row or drop it"
        )
    if int(n_random) < 1:
        raise ParameterError(f"n_random={n_random!r} must be a positive number of null draws")
    if n == 0 or not any(before):
        return {"skipped": "no target events among the rows"}
    thr = np.unique(s)[::-1]  # distinct thresholds, highest first
    tau = np.r_[0.0, (n - np.searchsorted(np.sort(s), thr, side="left")) / n]
    rng = np.random.default_rng(seed)
    if units is None:
        targets = sorted({t for ts in before for t in ts})
        tindex = {t: i for i, t in enumerate(targets)}
        m_obs = _role_max(s, before, tindex, len(targets))
        rows = np.asarray([i for i, ts in enumerate(before) for _ in ts], np.int64)
        tg = np.asarray([tindex[t] for ts in before for t in ts], np.int64)
        order = np.argsort(tg, kind="stable")
        rows, tg = rows[order], tg[order]
        starts = np.flatnonzero(np.r_[True, tg[1:] != tg[:-1]])
        n_null = int(n_random)
        perm = np.argsort(rng.random((n_null, n)), axis=1)
        m_null = np.maximum.reduceat(s[perm][:, rows], starts, axis=1)
        exact = False
        n_units = n
        unit_name = "station-day"
        scheme = "scores permuted among the rows (random alarms; assumes independent rows)"
    else:
        g = np.asarray(units)
        if g.shape != (n,):
            raise ParameterError(f"units must give one unit per row ({n} rows), got shape {g.shape}")
        uniq, inv = np.unique(g.astype(str), return_inverse=True)
        n_units = int(uniq.size)
        if after is None:
            after = [[] for _ in range(n)]
            tg_of_unit: dict = {}
            for i, ts in enumerate(before):
                tg_of_unit.setdefault(int(inv[i]), set()).update(ts)
            for u, ts in tg_of_unit.items():
                if len(ts) > 1:
                    raise ParameterError(
                        f"after_of_row is needed: unit {uniq[u]!r} holds {len(ts)} target events, and without "
                        "after_of_row (per row, the events it is an after-day of) the null cannot mirror it"
                    )
            for i, ts in enumerate(before):
                if not ts and tg_of_unit.get(int(inv[i])):
                    after[i] = list(tg_of_unit[int(inv[i])])
        targets = sorted({t for ts in before for t in ts} | {t for ts in after for t in ts})
        tindex = {t: i for i, t in enumerate(targets)}
        unit_of_target = np.full(len(targets), -1, np.int64)
        for lists in (before, after):
            for i, ts in enumerate(lists):
                for t in ts:
                    k = tindex[t]
                    if unit_of_target[k] < 0:
                        unit_of_target[k] = inv[i]
                    elif unit_of_target[k] != inv[i]:
                        raise ParameterError(
                            f"units: the rows of event {t!r} lie in units {uniq[unit_of_target[k]]!r} and "
                            f"{uniq[inv[i]]!r}; every event must lie in one unit (use episodes)"
                        )
        m_b = _role_max(s, before, tindex, len(targets))
        m_a = _role_max(s, after, tindex, len(targets))
        m_obs = m_b
        exact = n_units <= 20 and 2**n_units <= int(n_random)
        if exact:
            flips = ((np.arange(2**n_units)[:, None] >> np.arange(n_units)[None, :]) & 1).astype(bool)
        else:
            flips = rng.random((int(n_random), n_units)) < 0.5
        n_null = int(flips.shape[0])
        mirrored = flips[:, unit_of_target]
        m_null = np.where(mirrored, m_a[None, :], m_b[None, :])
        unit_name = unit
        scheme = (
            "whole units mirrored (before- and after-days swap roles) for a random half of the units; "
            "scores fixed"
        )
    nu = _curves(m_obs[None, :], thr)[0]
    rand = _curves(m_null, thr)
    area = float(_areas(nu[None, :], tau)[0])
    areas = _areas(rand, tau)
    n_le = int(np.sum(areas <= area + 1e-12))
    pval = n_le / n_null if exact else (1 + n_le) / (n_null + 1)
    return {
        "tau": tau.tolist(),
        "nu": nu.tolist(),
        "random_mean": rand.mean(axis=0).tolist(),
        "random_lo": np.percentile(rand, 2.5, axis=0).tolist(),
        "area": area,
        "random_area_mean": float(areas.mean()),
        "p_value": float(pval),
        "n_targets": len(targets),
        "n_rows": n,
        "n_random": n_null,
        "exact": bool(exact),
        "unit": unit_name,
        "n_units": n_units,
        "scheme": scheme,
        "ties": "by threshold",
        "forecast_evaluation": False,
        "note": NOTE,
    }
