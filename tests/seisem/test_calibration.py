"""Calibration of the statistics core by simulation: do the tests hold their level and the
intervals their coverage when station-days are dependent, and do they find a real signal?

The simulator draws null datasets: events at stations, each with 14 before- and 14 after-days
at its station; scores autocorrelated in time at each station *and* carrying a network-wide
per-date component (an AR(1) plus storm-like bursts with a sudden onset and a slow decay,
shared by every station on a date), independent of the labels. Two layouts: independent
events (spread out in time, one event per episode), and date-clustered events (three events
at different stations within a few days of each other per cluster: one episode, three event
groups). Everything is seeded: the rates below are deterministic.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from scipy.signal import lfilter

from seisem._errors import ParameterError
from seisem.controls.molchan import molchan
from seisem.controls.skill import fit_logistic, skill_beyond_activity
from seisem.data.splits import episode_of_events, event_groups
from seisem.metrics import NAMES, binary_metrics, group_permutation_null, unit_interval

BEFORE = AFTER = 14
OFFSETS = np.r_[np.arange(-BEFORE, 0), np.arange(1, AFTER + 1)]
N_NULL = 1000  # null datasets per layout
ALPHA = 0.05


def _ar1(rng, shape, phi, burn=60):
    e = rng.standard_normal((*shape[:-1], shape[-1] + burn))
    return lfilter([np.sqrt(1 - phi**2)], [1, -phi], e, axis=-1)[..., burn:]


def _storms(rng, n, rate=1 / 27, scale=1.5, decay=0.6, burn=30):
    """Bursts with a sudden onset and an exponential recovery (not time-reversible)."""
    onset = (rng.random(n + burn) < rate) * rng.exponential(scale, n + burn)
    return lfilter([1], [1, -decay], onset)[burn:] - rate * scale / (1 - decay)


def network(rng, n_days):
    """The network-wide per-date signal: AR(1) plus storms."""
    return _ar1(rng, (n_days,), 0.85) + _storms(rng, n_days)


def simulate(rng, layout, *, n_units=10, per_cluster=3, n_stations=8, signal=0.0):
    """One dataset: per row label ``y``, ``score``, the row's event ``ev``, its ``episode``
    and ``group`` (event group), ``day`` and ``station``.

    ``signal`` > 0 adds a real per-event effect (before-days score higher, by a
    per-event random amount): the positive control.
    """
    if layout == "independent":
        days = np.cumsum(60 + rng.integers(0, 40, n_units))
        sta = rng.integers(0, n_stations, n_units)
    else:
        centres = np.cumsum(70 + rng.integers(0, 40, n_units))
        days = np.repeat(centres, per_cluster) + rng.integers(-4, 5, n_units * per_cluster)
        sta = np.concatenate([rng.choice(n_stations, per_cluster, replace=False) for _ in range(n_units)])
    n_ev = days.size
    n_days = int(days.max()) + AFTER + 5
    net = network(rng, n_days)
    local = _ar1(rng, (n_stations, n_days), 0.7)
    day = (days[:, None] + OFFSETS[None, :]).ravel()
    station = np.repeat(sta, OFFSETS.size)
    y = np.tile((OFFSETS < 0).astype(int), n_ev)
    ev = np.repeat(np.arange(n_ev), OFFSETS.size)
    z = 1.5 * net[day] + 0.7 * local[station, day] + 0.5 * rng.standard_normal(day.size)
    if signal:
        z = z + signal * (2 * y - 1) * (1 + 0.5 * rng.standard_normal(n_ev))[ev]
    ids = np.array([f"ev{i:03d}" for i in range(n_ev)], dtype=object)
    eday = np.datetime64("2020-01-01") + days.astype("timedelta64[D]")
    ep = episode_of_events(ids, eday, before_days=BEFORE, after_days=AFTER)
    return {
        "y": y,
        "score": 1 / (1 + np.exp(-z)),
        "ev": ev,
        "ids": ids,
        "episode": np.array([ep[i] for i in ids], dtype=object)[ev],
        "group": event_groups(ids[ev]),
        "day": day,
        "station": station,
    }


@functools.cache
def null_runs(layout):
    """Over N_NULL null datasets of ``layout`` (10 episodes each): the episode permutation
    p-value, the event-group permutation p-value, the observed balanced accuracy and whether
    the 95 % unit interval of the balanced accuracy covers 0.5."""
    rng = np.random.default_rng({"independent": 11, "clustered": 12}[layout])
    out = {"p": [], "p_group": [], "bacc": [], "covered": [], "n_units": [], "n_groups": []}
    for i in range(N_NULL):
        d = simulate(rng, layout)
        pred = (d["score"] >= 0.5).astype(int)
        perm = group_permutation_null(d["y"], pred, d["episode"], n_perm=1000, seed=i, unit="episode")
        out["p"].append(perm["p_value"])
        out["bacc"].append(perm["observed"])
        out["n_units"].append(perm["n_units"])
        if layout == "clustered":
            by_group = group_permutation_null(d["y"], pred, d["group"], n_perm=1000, seed=i)
            out["p_group"].append(by_group["p_value"])
            out["n_groups"].append(by_group["n_units"])
        lo, hi = unit_interval(d["y"], d["score"], d["episode"])["balanced_accuracy"]
        out["covered"].append(lo <= 0.5 <= hi)
    return {k: np.asarray(v) for k, v in out.items()}


def _check_uniform(p, below=0.06, above=0.03):
    """The empirical CDF of p-values at 0.2, 0.4, 0.6, 0.8 lies in [a - below, a + above]."""
    grid = np.array([0.2, 0.4, 0.6, 0.8])
    cdf = np.array([np.mean(p <= a) for a in grid])
    assert np.all((cdf >= grid - below) & (cdf <= grid + above)), cdf


# ----------------------------------------------------------------------------------------
# the permutation test: identical to the straightforward loop, calibrated, powerful


def _loop_null(y, pred, groups, n_perm, seed):
    """The straightforward implementation: one binary_metrics call per assignment."""
    uniq, inv = np.unique(np.asarray(groups).astype(str), return_inverse=True)
    k = uniq.size
    exact = k <= 20 and 2**k <= n_perm
    if exact:
        flips = ((np.arange(2**k)[:, None] >> np.arange(k)[None, :]) & 1).astype(bool)
    else:
        flips = np.random.default_rng(seed).random((n_perm, k)) < 0.5
    p = np.asarray(pred).astype(float)
    observed = binary_metrics(y, p)["balanced_accuracy"]
    null = np.array([binary_metrics(np.where(f[inv], 1 - y, y), p)["balanced_accuracy"] for f in flips])
    n_ge = int(np.sum(null >= observed - 1e-12))
    pval = n_ge / null.size if exact else (1 + n_ge) / (null.size + 1)
    return observed, null, pval, exact


def test_group_permutation_matches_the_loop():
    rng = np.random.default_rng(0)
    for trial in range(60):
        n, k = int(rng.integers(1, 60)), int(rng.integers(1, 10))
        y, pred, g = rng.integers(0, 2, n), rng.integers(0, 2, n), rng.integers(0, k, n)
        if trial % 7 == 0:
            y[:] = 1  # one class: the swaps change the class mix
        for n_perm in (20, 1000):
            fast = group_permutation_null(y, pred, g, n_perm=n_perm, seed=trial)
            observed, null, pval, exact = _loop_null(y, pred, g, n_perm, trial)
            assert fast["observed"] == observed and fast["p_value"] == pval and fast["exact"] == exact
            assert fast["null_mean"] == float(null.mean()) and fast["null_std"] == float(null.std())
            assert fast["null_95"] == [float(np.percentile(null, 2.5)), float(np.percentile(null, 97.5))]
            assert fast["n_perm"] == null.size and fast["n_units"] == np.unique(g).size
    with pytest.raises(ParameterError, match="labels must be 0 or 1"):
        group_permutation_null([0, 2], [0, 1], [0, 1])


@pytest.mark.parametrize("layout", ["independent", "clustered"])
def test_episode_permutation_holds_its_level(layout):
    r = null_runs(layout)
    assert (r["n_units"] >= 10).all()
    reject = float(np.mean(r["p"] < ALPHA))
    assert 0.03 <= reject <= 0.07, f"{layout}: episode permutation rejects {reject:.3f} at 5 %"
    # the "above chance" statement (p < 0.05 and balanced accuracy > 0.5) is wrong at most 5 %
    above = float(np.mean((r["p"] < ALPHA) & (r["bacc"] > 0.5)))
    assert above <= 0.05
    # p roughly uniform, never anti-conservative: P(p <= a) within [a - 0.06, a + 0.03]
    # (ties of the discrete statistic make the test a little conservative)
    _check_uniform(r["p"])


def test_event_groups_as_units_are_miscalibrated_when_dates_cluster():
    # the negative side: the simulation can see miscalibration. Events of one cluster are
    # separate event groups (different stations) but share the network signal.
    r = null_runs("clustered")
    assert (r["n_groups"] == 3 * r["n_units"]).all()
    reject = float(np.mean(r["p_group"] < ALPHA))
    assert reject > 0.09, f"event-group permutation rejects {reject:.3f} at 5 %"


@pytest.mark.parametrize("layout", ["independent", "clustered"])
def test_unit_interval_covers_under_the_null(layout):
    covered = float(np.mean(null_runs(layout)["covered"]))
    assert covered >= 0.93, f"{layout}: 95 % unit interval covers 0.5 in {covered:.3f} of datasets"


def test_permutation_power_with_a_real_signal():
    rng = np.random.default_rng(21)
    reject, covered_above = [], []
    for i in range(100):
        d = simulate(rng, "independent", signal=1.5)
        pred = (d["score"] >= 0.5).astype(int)
        reject.append(group_permutation_null(d["y"], pred, d["episode"], seed=i)["p_value"] < ALPHA)
        covered_above.append(unit_interval(d["y"], d["score"], d["episode"])["balanced_accuracy"][0] > 0.5)
    assert np.mean(reject) >= 0.8
    assert np.mean(covered_above) >= 0.8


def test_unit_interval_layout_and_small_samples():
    rng = np.random.default_rng(3)
    d = simulate(rng, "independent", n_units=6, signal=1.0)
    ci = unit_interval(d["y"], d["score"], d["episode"])
    assert set(NAMES) <= set(ci) and ci["resampled"] == "units" and ci["n_units"] == 6 and ci["level"] == 0.95
    assert "jackknife" in ci["method"] and "not_estimable" not in ci
    for name in NAMES:
        lo, hi = ci[name]
        assert lo <= hi
        assert (-1 if name == "mcc" else 0) <= lo and hi <= 1
    point = binary_metrics(d["y"], d["score"])
    assert ci["balanced_accuracy"][0] < point["balanced_accuracy"] < ci["balanced_accuracy"][1]
    wider = unit_interval(d["y"], d["score"], d["episode"], level=0.99)["accuracy"]
    assert wider[0] <= ci["accuracy"][0] and wider[1] >= ci["accuracy"][1]
    two = d["episode"] == d["episode"][0]
    two |= d["episode"] == d["episode"][-1]
    small = unit_interval(d["y"][two], d["score"][two], d["episode"][two])
    assert (
        small["n_units"] == 2
        and small["balanced_accuracy"] == [None, None]
        and "fewer than 3" in small["not_estimable"]
    )
    with pytest.raises(ParameterError, match="level"):
        unit_interval(d["y"], d["score"], d["episode"], level=95)
    with pytest.raises(ParameterError, match="units"):
        unit_interval(d["y"], d["score"], d["episode"][:-1])


# ----------------------------------------------------------------------------------------
# skill beyond activity


def skill_data(rng, case, *, n_units=20, layout="independent", strength=1.0, missing=0.05):
    """``confound``: before-days have higher activity (by a per-event amount) and the score is
    a noisy function of activity only. ``variance``: before-days have *more variable*
    activity, the score reads its size. ``precursor``: the score carries the label through
    a per-event effect independent of activity; activity is the uninformative network signal.
    A share ``missing`` of the activity values is NaN."""
    d = simulate(rng, layout, n_units=n_units)
    n = d["y"].size
    act = network(rng, int(d["day"].max()) + 1)[d["day"]]
    sign = 2 * d["y"] - 1
    per_event = 1 + 0.3 * rng.standard_normal(d["ids"].size)
    if case == "confound":
        act = act + strength * sign * per_event[d["ev"]]
        z = 1.5 * (act + 0.7 * rng.standard_normal(n))
    elif case == "variance":
        act = act * (1 + strength * d["y"])
        z = 2 * (np.abs(act + 0.3 * rng.standard_normal(n)) - 0.8)
    else:
        wobble = _ar1(rng, (n // OFFSETS.size, OFFSETS.size), 0.6).ravel()
        z = strength * sign * per_event[d["ev"]] + wobble + 0.5 * rng.standard_normal(n)
    score = 1 / (1 + np.exp(-z))
    act[rng.random(n) < missing] = np.nan
    pred = (score >= 0.5).astype(int)
    model_p = group_permutation_null(d["y"], pred, d["episode"], n_perm=500, seed=0)["p_value"]
    return d, score, act, model_p


def _verdicts(case, n, seed, **kw):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        d, score, act, model_p = skill_data(rng, case, **kw)
        out.append(skill_beyond_activity(d["y"], score, act, d["episode"], model_p=model_p))
    return out


def _share(results, verdict):
    return float(np.mean([r["verdict"] == verdict for r in results]))


CONFOUNDS = [
    ("confound", "independent", 1.0),
    ("confound", "clustered", 1.0),
    ("confound", "independent", 0.5),
    ("variance", "independent", 1.0),
]


@functools.cache
def confound_runs(case, layout, strength):
    return _verdicts(
        case, 150, 31, layout=layout, strength=strength, n_units=20 if layout == "independent" else 12
    )


@pytest.mark.parametrize(("case", "layout", "strength"), CONFOUNDS)
def test_activity_confound_is_not_taken_for_skill(case, layout, strength):
    res = confound_runs(case, layout, strength)
    claimed = _share(res, "skill beyond activity")
    # 150 datasets: 8 % is the 5 % level plus 1.7 standard errors (pooled below)
    assert claimed <= 0.08, f"{case}/{layout}: skill beyond activity claimed in {claimed:.3f}"
    if strength >= 1.0:
        assert _share(res, "explained by activity") >= 0.85
        assert all(r["explains"] is True for r in res if r["verdict"] == "explained by activity")
    # the rows with a missing index are counted and left out of the comparison
    assert all(r["n_activity_imputed"] > 0 and r["n_scored_rows"] < r["n_rows"] for r in res)


def test_activity_confound_claims_pooled():
    res = [r for sc in CONFOUNDS for r in confound_runs(*sc)]
    assert _share(res, "skill beyond activity") <= 0.06


def test_precursor_is_found_beyond_activity():
    res = _verdicts("precursor", 100, 41, strength=0.5)
    assert _share(res, "skill beyond activity") >= 0.8
    r = next(r for r in res if r["verdict"] == "skill beyond activity")
    assert r["explains"] is False and r["p_value"] < 0.05 and r["interval"][0] > 0
    assert r["activity_share"] is not None and abs(r["activity_share"]) < 0.5
    assert "units" in r["why"] and f"{r['balanced_accuracy']['model']:.3f}" in r["why"]


def test_skill_verdict_rules():
    rng = np.random.default_rng(51)
    d, score, act, model_p = skill_data(rng, "confound", n_units=8)
    few = skill_beyond_activity(d["y"], score, act, d["episode"], model_p=model_p)
    assert few["n_units"] == 8 and few["verdict"] == "cannot tell at this size" and few["explains"] is None
    assert "fewer than 10" in few["why"]
    d, score, act, model_p = skill_data(rng, "confound", n_units=20)
    base = skill_beyond_activity(d["y"], score, act, d["episode"], model_p=model_p)
    assert base["verdict"] == "explained by activity" and base["explains"] is True
    assert not skill_beyond_activity(d["y"], score, act, d["episode"], interpretable=False)["explains"]
    no = skill_beyond_activity(d["y"], score, act, d["episode"], model_p=0.4)
    assert no["verdict"] == "no skill to explain" and no["explains"] is False
    # without model_p the model's interval decides
    alone = skill_beyond_activity(d["y"], score, act, d["episode"])
    assert alone["verdict"] == "explained by activity"
    assert set(alone["intervals"]) == {"model", "activity", "model_and_activity"}
    assert alone["folds"] == "10 folds of interleaved units"
    # noise: nothing to explain
    noise = rng.random(d["y"].size)
    assert skill_beyond_activity(d["y"], noise, act, d["episode"])["verdict"] == "no skill to explain"
    with pytest.raises(ParameterError, match="score"):
        skill_beyond_activity(d["y"], score * 2, act, d["episode"])
    with pytest.raises(ParameterError, match="one length"):
        skill_beyond_activity(d["y"], score, act[:-1], d["episode"])
    with pytest.raises(ParameterError, match="min_units"):
        skill_beyond_activity(d["y"], score, act, d["episode"], min_units=0)


def test_fit_logistic_recovers_a_slope():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4000, 1))
    y = (rng.random(4000) < 1 / (1 + np.exp(-(0.3 + 1.2 * x[:, 0])))).astype(int)
    beta = fit_logistic(x, y, ridge=0.0)
    assert abs(beta[1] - 1.2) < 0.15
    sep = fit_logistic(np.r_[-1.0, -2.0, 1.0, 2.0][:, None], np.array([0, 0, 1, 1]))  # separable: finite
    assert np.all(np.isfinite(sep)) and sep[1] > 0


# ----------------------------------------------------------------------------------------
# the Molchan diagram


def _roles(d):
    ids = d["ids"][d["ev"]]
    before = [[e] if yy else [] for e, yy in zip(ids, d["y"], strict=True)]
    after = [[e] if not yy else [] for e, yy in zip(ids, d["y"], strict=True)]
    return before, after


def test_molchan_ties_by_threshold():
    score = np.array([0.9, 0.5, 0.5, 0.1])
    targets = [["a"], [], ["b"], []]
    mo = molchan(score, targets)
    # the two rows at 0.5 are alarmed together: tau jumps from 1/4 to 3/4, both targets hit
    assert mo["tau"] == [0.0, 0.25, 0.75, 1.0] and mo["nu"] == [1.0, 0.5, 0.0, 0.0]
    swapped = molchan(score[[0, 2, 1, 3]], [targets[i] for i in (0, 2, 1, 3)])
    assert swapped["tau"] == mo["tau"] and swapped["nu"] == mo["nu"] and swapped["area"] == mo["area"]
    assert mo["ties"] == "by threshold" and mo["forecast_evaluation"] is False and "labelled" in mo["note"]
    assert mo["unit"] == "station-day" and mo["n_units"] == 4
    # all scores tied: one threshold, the diagonal
    flat = molchan(np.full(4, 0.3), targets)
    assert flat["tau"] == [0.0, 1.0] and flat["area"] == pytest.approx(0.5)


def test_molchan_perfect_alarms_and_units():
    rng = np.random.default_rng(61)
    d = simulate(rng, "clustered", n_units=12)
    before, after = _roles(d)
    perfect = molchan(d["y"] + 0.01 * rng.random(d["y"].size), before, units=d["episode"], after_of_row=after)
    assert perfect["area"] < 0.05 and perfect["p_value"] < 0.01
    assert perfect["n_units"] == 12 and perfect["unit"] == "episode" and perfect["n_targets"] == 36
    assert (
        len(perfect["tau"]) == len(perfect["nu"]) == len(perfect["random_mean"]) == len(perfect["random_lo"])
    )
    # units of one event each: the after-days are inferred
    ind = simulate(rng, "independent", n_units=6)
    b, a = _roles(ind)
    inferred = molchan(ind["score"], b, units=ind["episode"])
    explicit = molchan(ind["score"], b, units=ind["episode"], after_of_row=a)
    assert inferred["p_value"] == explicit["p_value"] and inferred["exact"] and inferred["n_random"] == 64
    with pytest.raises(ParameterError, match="after_of_row"):
        molchan(d["score"], before, units=d["episode"])
    with pytest.raises(ParameterError, match="one unit"):  # weeks split the events
        molchan(d["score"], before, units=d["day"] // 7, after_of_row=after)
    with pytest.raises(ParameterError, match="target_of_row"):
        molchan(d["score"], before[:-1])


def test_molchan_unit_null_is_calibrated_under_dependence():
    p = []
    rng = np.random.default_rng(71)
    for i in range(400):
        d = simulate(rng, "clustered", n_units=12)
        before, after = _roles(d)
        p.append(molchan(d["score"], before, units=d["episode"], after_of_row=after, seed=i)["p_value"])
    p = np.asarray(p)
    assert 0.025 <= np.mean(p < ALPHA) <= 0.08
    _check_uniform(p)
