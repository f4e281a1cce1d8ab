"""Positive and negative controls with the CNN, pinned over seeds (issue 23).

On ``seisem demo --size small`` (6 stations, 30 events spaced 32 days apart: each event its
own episode; the test split holds at least 10 of them) with the planted Dst-like index as the
activity source:

* a chirp precursor and no storms is *not* explained by activity and shows skill beyond it;
* no precursor and storms before events *is* explained by activity;
* a chirp precursor and storms before events (``storm_contrast=2``) shows skill beyond activity;
* no precursor and random storms is at chance, with a unit permutation p >= 0.05.

Every case must be interpretable with at least 10 test units and an activity source other than
the station's own series. The seeds are not those of the docs' runs.
"""

from __future__ import annotations

import json

import pytest

SEEDS = (11, 12, 13)


def _demo(tmp_path, precursor, storms, seed, **kw):
    from seisem.demo import run_demo

    out = tmp_path / f"{precursor}-{storms}-{seed}"
    run_demo(
        out,
        precursor=precursor,
        storms=storms,
        seed=seed,
        **kw,
        size="small",
        scheduler="synchronous",
        progress=False,
        filters=False,
        pseudo_events=3,
    )
    return json.loads((out / "run" / "metrics.json").read_text())


def _common(m):
    rel = m["reliability"]
    assert rel["interpretable"], rel["reasons"]
    assert m["permutation"]["n_units"] >= 10 and m["permutation"]["unit"] == "episode"
    assert m["confound"]["activity_source"] != "own-series"


@pytest.mark.parametrize("seed", SEEDS)
def test_precursor_without_storms_is_not_explained(tmp_path, seed):
    m = _demo(tmp_path, "chirp", "none", seed)
    _common(m)
    assert m["confound"]["explains"] is False, m["confound"]["why"]
    assert m["confound"]["verdict"] == "skill beyond activity", m["confound"]["why"]
    assert m["above_chance"]["value"] is True


@pytest.mark.parametrize("seed", SEEDS)
def test_storms_without_precursor_are_explained(tmp_path, seed):
    m = _demo(tmp_path, "none", "before-events", seed)
    _common(m)
    assert m["confound"]["explains"] is True, m["confound"]["why"]
    assert m["confound"]["verdict"] == "explained by activity"


@pytest.mark.parametrize("seed", SEEDS)
def test_precursor_with_storms_shows_skill_beyond_activity(tmp_path, seed):
    # a confound of moderate contrast: at --storm-contrast 6 activity alone reaches 0.96 and the CNN
    # learns the storms' shortcut, so "explained by activity" is then the right verdict about it
    m = _demo(tmp_path, "chirp", "before-events", seed, storm_contrast=2.0)
    _common(m)
    assert m["confound"]["verdict"] == "skill beyond activity", m["confound"]["why"]


@pytest.mark.parametrize("seed", SEEDS)
def test_random_storms_without_precursor_are_at_chance(tmp_path, seed):
    m = _demo(tmp_path, "none", "random", seed)
    _common(m)
    assert 0.35 <= m["balanced_accuracy"] <= 0.65, m["balanced_accuracy"]
    assert m["permutation"]["p_value"] >= 0.05
    assert m["above_chance"]["value"] is False


@pytest.mark.parametrize("seed", SEEDS)
def test_power_matched_precursor_is_invisible_to_band_power(tmp_path, seed):
    m = _demo(tmp_path, "power-matched", "none", seed)
    _common(m)
    assert 0.4 <= m["baselines"]["logistic_band_power"]["balanced_accuracy"] <= 0.6
